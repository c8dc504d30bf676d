"""Expanding a regimen into its dated administrations.

Phases follow each other, each on its own cycle length. A drug that appears
in several phases (trastuzumab in TH, then H) is one course: its first
administration is a loading dose, later ones are maintenance doses unless
the gap since the previous dose triggers the policy's re-load rule, and a
course limit (52 weeks of trastuzumab) stops it across phases.

Delays shift a cycle and everything after it. Dates are plain
``datetime.date`` arithmetic: a cycle's date is the course start plus the
nominal days before it plus the delays so far, so a delay never moves an
earlier administration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .errors import CalculationError, InputError
from .model import (
    Administration,
    CourseLimit,
    DoseKind,
    DoseStep,
    DrugEntry,
    Phase,
    Policy,
    Regimen,
    ReloadRule,
)

#: Cycles shown for a phase that runs until progression, when neither a
#: number of cycles nor an end date is asked for.
DEFAULT_OPEN_CYCLES = 6

#: A safety bound on any expansion (about 20 years of weekly cycles).
MAX_CYCLES = 1040


@dataclass(frozen=True)
class CycleRef:
    """A cycle named on the command line: ``3`` (the course's 3rd cycle) or ``TH:5``."""

    phase: str | None
    cycle: int

    @classmethod
    def parse(cls, text: str) -> CycleRef:
        phase, _, number = text.rpartition(":")
        try:
            cycle = int(number)
        except ValueError:
            raise InputError(
                f"'{text}' is not a cycle: write a number (3) or PHASE:NUMBER (TH:5)"
            ) from None
        if cycle < 1:
            raise InputError(f"'{text}': cycles are numbered from 1")
        return cls(phase or None, cycle)

    def __str__(self) -> str:
        return f"{self.phase}:{self.cycle}" if self.phase else str(self.cycle)


@dataclass
class CourseSchedule:
    """A regimen laid out on dates. ``continues`` says why the list stops
    short of the end of treatment, when it does."""

    regimen: Regimen
    policy: Policy
    start: dt.date
    administrations: list[Administration]
    cycles: list[tuple[str, int, int, dt.date]]  # phase, cycle, course cycle, start date
    continues: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _DrugHistory:
    first: dt.date | None = None
    last_actual: dt.date | None = None
    last_nominal: dt.date | None = None
    equivalents: float = 0.0  # doses given, in units of the course limit's count interval


def _limit_reached(
    limit: CourseLimit | None, record: _DrugHistory, date: dt.date, policy: Policy
) -> bool:
    """Whether the drug's course limit stops a dose on ``date``: by date (no
    dose on or after first dose + duration) or, when the policy counts, once
    the doses given reach the limit's count of equivalents."""
    if limit is None or record.first is None:
        return False
    if policy.course_limit == "by_count":
        if limit.count is None:
            raise CalculationError(
                f"policy {policy.id} counts course limits in doses, but the {limit.drug} limit gives no count (add count: {{doses: N, every: 21 days}})"
            )
        return record.equivalents >= limit.count - 1e-9
    return (date - record.first).days >= limit.duration_days


def _dose_equivalent(limit: CourseLimit | None, phase: Phase, entry: DrugEntry) -> float:
    """One administration in units of the limit's count interval: a weekly
    dose is 1/3 of a three-weekly one (the time it covers over the interval)."""
    if limit is None or not limit.count_interval_days:
        return 0.0
    covered = phase.cycle_length_days / len(entry.days)
    return covered / limit.count_interval_days


def _phase_cycle_count(phase: Phase, override: int | None) -> int | None:
    """Cycles planned for a phase; None means open (bounded by the caller)."""
    mode, count = phase.cycles.mode, phase.cycles.count
    if override is not None:
        if mode == "fixed" and override != count:
            raise InputError(
                f"phase {phase.id} has a fixed {count} cycles; it cannot be set to {override}"
            )
        if mode == "minimum" and override < (count or 0):
            raise InputError(f"phase {phase.id} needs at least {count} cycles, not {override}")
        if mode == "until_limit":
            raise InputError(
                f"phase {phase.id} runs until its course limit; its cycles cannot be set"
            )
        return override
    if mode in ("fixed", "minimum"):
        return count
    return None


def expand(regimen: Regimen, policy: Policy, start: dt.date, **options: Any) -> CourseSchedule:
    """Every administration of ``regimen`` from ``start`` (see :func:`_expand`
    for the options). A course whose dates would leave the calendar (year
    9999) is an input error, not an internal one."""
    try:
        return _expand(regimen, policy, start, **options)
    except OverflowError:
        raise InputError(
            f"the course of {regimen.id} from {start.isoformat()} runs past the last date a calendar can hold"
        ) from None


def _expand(
    regimen: Regimen,
    policy: Policy,
    start: dt.date,
    *,
    delays: dict[CycleRef, int] | None = None,
    phase_cycles: dict[str, int] | None = None,
    max_cycles: int | None = None,
    until: dt.date | None = None,
) -> CourseSchedule:
    """Every administration of ``regimen`` from ``start``.

    ``delays`` shifts the named cycles (and all after them) by a number of
    days; ``phase_cycles`` sets how many cycles an open or minimum phase
    runs; ``max_cycles`` (counted over the whole course) and ``until`` bound
    open-ended courses. Raises InputError for a delay on a cycle that does
    not exist.
    """
    delays = dict(delays or {})
    phase_cycles = {k.lower(): v for k, v in (phase_cycles or {}).items()}
    known_phases = {p.id.lower() for p in regimen.phases}
    for name in phase_cycles:
        if name not in known_phases:
            raise InputError(
                f"regimen {regimen.id} has no phase '{name}' (phases: {', '.join(p.id for p in regimen.phases)})"
            )
    for ref in delays:
        if ref.phase and ref.phase.lower() not in known_phases:
            raise InputError(f"--delay {ref}: regimen {regimen.id} has no phase '{ref.phase}'")
    if max_cycles is not None and max_cycles < 1:
        raise InputError("the number of cycles to show must be at least 1")

    administrations: list[Administration] = []
    cycles: list[tuple[str, int, int, dt.date]] = []
    history: dict[str, _DrugHistory] = {}
    nominal_offset = 0  # days from start, before delays
    shift = 0  # days of delay so far
    course_cycle = 0
    continues: str | None = None
    used_delays: set[CycleRef] = set()

    for phase in regimen.phases:
        planned = _phase_cycle_count(phase, phase_cycles.get(phase.id.lower()))
        cycle = 0
        while True:
            cycle += 1
            if planned is not None and cycle > planned:
                break
            if max_cycles is not None and course_cycle >= max_cycles:
                continues = f"shown to {max_cycles} cycle{'s' if max_cycles != 1 else ''}; the course continues"
                break
            if (
                planned is None
                and phase.cycles.mode == "until_progression"
                and max_cycles is None
                and until is None
                and cycle > DEFAULT_OPEN_CYCLES
            ):
                continues = f"{phase.id} continues {phase.cycles.describe()}; {DEFAULT_OPEN_CYCLES} cycles shown"
                break
            if course_cycle >= MAX_CYCLES:
                asked = (
                    f"--until {until.isoformat()} is too far: give an earlier date or --cycles"
                    if until is not None
                    else "give --cycles or --until"
                )
                raise InputError(f"the course would run past {MAX_CYCLES} cycles; {asked}")
            matching = [
                key
                for ref in (CycleRef(None, course_cycle + 1), CycleRef(phase.id, cycle))
                for key in delays
                if key.cycle == ref.cycle and (key.phase or "").lower() == (ref.phase or "").lower()
            ]
            if len(matching) > 1:
                raise InputError(
                    f"--delay {' and --delay '.join(f'{k}={delays[k]}' for k in matching)} name the same cycle "
                    f"({phase.id} cycle {cycle}, cycle {course_cycle + 1} of the course); give one total delay per cycle"
                )
            for key in matching:
                shift += delays[key]
                used_delays.add(key)
            cycle_date = start + dt.timedelta(days=nominal_offset + shift)
            if until is not None and cycle_date > until:
                if (
                    planned is None
                    or cycle <= planned
                    or any(p is not phase for p in regimen.phases)
                ):
                    continues = f"shown until {until.isoformat()}; the course continues"
                break
            if phase.cycles.mode == "until_limit" and not _any_within_limit(
                regimen, phase, history, cycle_date, policy
            ):
                break
            course_cycle += 1
            cycles.append((phase.id, cycle, course_cycle, cycle_date))
            for entry in phase.drugs:
                if entry.cycles is not None and cycle not in entry.cycles:
                    continue
                for day in entry.days:
                    nominal = start + dt.timedelta(days=nominal_offset + day - 1)
                    actual = nominal + dt.timedelta(days=shift)
                    if until is not None and actual > until:
                        continue
                    record = history.setdefault(entry.drug, _DrugHistory())
                    limit = regimen.limit_for(entry.drug)
                    if _limit_reached(limit, record, actual, policy):
                        continue
                    previous = (
                        (record.last_actual, record.last_nominal)
                        if record.last_actual and record.last_nominal
                        else None
                    )
                    kind, step, notes = dose_kind(entry, previous, nominal, actual, policy)
                    if entry.caution:
                        notes.append(f"caution: {entry.caution}")
                    administrations.append(
                        Administration(
                            date=actual,
                            nominal_date=nominal,
                            phase=phase.id,
                            cycle=cycle,
                            day=day,
                            drug=entry.drug,
                            route=entry.route,
                            kind=kind,
                            step=step,
                            basis=entry.basis,
                            entry=entry,
                            notes=tuple(notes),
                        )
                    )
                    record.first = record.first or actual
                    record.last_actual, record.last_nominal = actual, nominal
                    record.equivalents += _dose_equivalent(limit, phase, entry)
            nominal_offset += phase.cycle_length_days
        if continues:
            break
    unused = [str(ref) for ref in delays if ref not in used_delays]
    if unused:
        raise InputError(
            f"--delay {', '.join(unused)}: no such cycle in this course (it has {course_cycle} cycles as shown)"
        )
    administrations.sort(key=lambda a: (a.date, _phase_index(regimen, a.phase)))
    return CourseSchedule(regimen, policy, start, administrations, cycles, continues)


def _phase_index(regimen: Regimen, phase_id: str) -> int:
    return next(i for i, p in enumerate(regimen.phases) if p.id == phase_id)


def _any_within_limit(
    regimen: Regimen,
    phase: Phase,
    history: dict[str, _DrugHistory],
    cycle_date: dt.date,
    policy: Policy,
) -> bool:
    """Whether any drug of an until-limit phase still has room in its course limit."""
    for entry in phase.drugs:
        limit = regimen.limit_for(entry.drug)
        record = history.get(entry.drug, _DrugHistory())
        if not _limit_reached(limit, record, cycle_date, policy):
            return True
    return False


def reload_rule_for(entry: DrugEntry, policy: Policy) -> ReloadRule | None:
    """The policy's re-load rule for ``entry``: the one rule for its drug, its
    dosing interval and its companion drugs. None when the entry names no rule
    and the policy has none for the drug; an error when it names one the policy
    lacks, or when two rules match (the choice would be a hidden guess)."""
    name = entry.reload_rule or entry.drug
    matches = [
        rule
        for rule in policy.reload_rules
        if rule.applies_to(name, entry.interval_days, entry.companions)
    ]
    where = f"{name} every {entry.interval_days} days" + (
        f" with {', '.join(entry.companions)}" if entry.companions else ""
    )
    if len(matches) > 1:
        raise CalculationError(
            f"policy {policy.id} has {len(matches)} re-load rules for {where} "
            f"({'; '.join(rule.scope() for rule in matches)}): make them exclusive"
        )
    if not matches and entry.reload_rule:
        raise CalculationError(
            f"policy {policy.id} has no re-load rule for {where}; add one under 'reload'"
        )
    return matches[0] if matches else None


def reload_due(
    entry: DrugEntry, policy: Policy, actual_gap_days: int, scheduled_gap_days: int
) -> tuple[bool, ReloadRule | None]:
    """Whether a dose ``actual_gap_days`` after the previous one (scheduled
    ``scheduled_gap_days`` after it) must re-load, and under which rule. The
    one judgement ``dose_kind``, the calendar and the checker all use."""
    rule = reload_rule_for(entry, policy)
    return (rule is not None and rule.requires_reload(actual_gap_days, scheduled_gap_days)), rule


def dose_kind(
    entry: DrugEntry,
    previous: tuple[dt.date, dt.date] | None,
    nominal: dt.date,
    actual: dt.date,
    policy: Policy,
) -> tuple[DoseKind, DoseStep, list[str]]:
    """Loading, maintenance or standard for one administration, and why.

    ``previous`` is the (actual, nominal) date of the drug's previous dose in
    the course, or None for its first. The one place the loading rule lives:
    the first dose loads; a later one re-loads when the gap triggers the
    policy's re-load rule for the drug, its schedule and its companions
    (:func:`reload_due`). The calendar calls it again after holiday moves.
    """
    if not entry.has_loading:
        assert entry.standard is not None
        return "standard", entry.standard, []
    assert entry.loading is not None and entry.maintenance is not None
    if previous is None:
        return "loading", entry.loading, []
    gap = (actual - previous[0]).days
    scheduled = (nominal - previous[1]).days
    due, rule = reload_due(entry, policy, gap, scheduled)
    if due and rule is not None:
        reason = (
            f"re-load: {gap} days since the previous {entry.drug} dose (scheduled {scheduled}); "
            f"policy {policy.id}, {rule.scope()}: {rule.describe()} ({rule.source})"
        )
        return "loading", entry.loading, [reason]
    return "maintenance", entry.maintenance, []
