"""``dosecalc dose``: every distinct dose of a course, or of one cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from ..dosing import DosingContext, compute_dose
from ..errors import InputError, NotFoundError, UnitError, about_field
from ..formatting import format_number, format_percent
from ..governance import require_usable
from ..model import Administration, DoseLine, Patient, Policy, Regimen
from ..patient import WEIGHT_PHYSICAL_KG, BsaResult, require_physical
from ..policy import find_policy
from ..regimen import find_regimen
from ..schedule import MAX_CYCLES, CourseSchedule, CycleRef, expand, parse_delays
from ..units import parse_quantity
from .common import (
    Json,
    compress,
    drug_tablets,
    drug_vials,
    exact,
    given_inputs,
    patient_inputs,
    provenance_record,
    resolve_patient,
)
from .inputs import Library, PatientInput, Typed

#: The date a dose-only expansion is laid on; only intervals matter there.
NOMINAL_START = dt.date(2000, 1, 3)


@dataclass(frozen=True)
class DoseRequest:
    """What ``dosecalc dose`` is asked: a regimen, a patient, and the choices."""

    regimen: str
    patient: PatientInput
    _: KW_ONLY  # the choices by name: a swapped cycle and phase cannot pass
    policy: str | None = None
    cycle: int | None = None
    phase: str | None = None
    reduce: Sequence[str] = ()  # "docetaxel=20%"
    previous_weight: Typed | None = None
    delays: Sequence[str] = ()  # "3=7", "TH:5=14"
    allow_draft: bool = False
    library: Library = Library()

    def given(self) -> dict[str, Json]:
        """The inputs as given, in the keyword API's order (provenance)."""
        p = self.patient
        return given_inputs(
            {
                "regimen": self.regimen,
                **p.given_measurements(),
                "policy": self.policy,
                "cycle": self.cycle,
                "phase": self.phase,
                "reduce": self.reduce,
                "accept_implausible": p.accept_implausible,
                "previous_weight": self.previous_weight,
                "delays": self.delays,
                "gfr": p.gfr,
                "allow_draft": self.allow_draft,
            }
        )


@dataclass(frozen=True)
class WeightChange:
    """The weight now against the weight doses were last calculated on."""

    previous_kg: float
    current_kg: float
    threshold_pct: float

    @property
    def change_pct(self) -> float:
        return (self.current_kg - self.previous_kg) / self.previous_kg * 100

    @property
    def recalculate(self) -> bool:
        """At or over the policy's threshold: BSA and doses must be recalculated."""
        return abs(self.change_pct) >= self.threshold_pct

    def describe(self, policy_id: str) -> str:
        verdict = "at or over" if self.recalculate else "under"
        action = (
            "recalculate BSA and doses (these are on the current weight)"
            if self.recalculate
            else "the previous doses may be kept"
        )
        return (
            f"weight change {format_percent(self.change_pct)} since {format_number(self.previous_kg)} kg: {verdict} "
            f"policy {policy_id}'s {format_number(self.threshold_pct)}% threshold; {action}"
        )


@dataclass
class DoseReport:
    """``dosecalc dose``: every distinct dose of a course (or of one cycle)."""

    regimen: Regimen
    policy: Policy
    patient: Patient
    bsa: BsaResult
    lines: list[DoseLine]
    scope: str  # "whole course" or "cycle 3 (THP 3)"
    notes: list[str] = field(default_factory=list)
    weight_change: WeightChange | None = None
    provenance: dict[str, Json] | None = None  # dosecalc.provenance.record


def run(request: DoseRequest) -> DoseReport:
    """Every distinct dose of the regimen for the patient, or the doses of one cycle.

    Without ``cycle``: one line per phase, drug and kind (loading,
    maintenance, standard) with the cycles it applies to. With ``cycle``
    (and ``phase``, else the course's Nth cycle overall): that cycle's doses.
    ``previous_weight`` (the weight the last doses were calculated on) adds
    the weight change against the policy's recalculation threshold.
    ``delays`` ("3=7", "TH:5=14") shift cycles as in the calendar, so that a
    dose after a delay is a re-load when the policy's rule says so. A draft
    regimen is refused unless ``allow_draft``; a retired one always.
    """
    library, cycle, phase = request.library, request.cycle, request.phase
    reg = find_regimen(request.regimen, library.regimen_dirs)
    require_usable(reg, request.allow_draft)
    pol = find_policy(request.policy, library.policy_dirs)
    patient = resolve_patient(request.patient)
    delay_map = parse_delays(request.delays)
    late = [str(ref) for ref in delay_map if cycle and ref.phase is None and ref.cycle > cycle]
    if phase is None and late:
        raise InputError(
            f"--delay {', '.join(late)}: after cycle {cycle}, so it cannot change the doses of cycle {cycle}"
        )
    reductions = checked_reductions(request.reduce, reg)
    ctx = DosingContext.build(patient, pol, reductions)
    lines, scope = _dose_lines(reg, pol, ctx, cycle, phase, delay_map, library)
    notes = list(patient.notes) + list(patient.overrides)
    change = (
        weight_change(request.previous_weight, patient, pol)
        if request.previous_weight is not None
        else None
    )
    interpreted = {
        "regimen": reg.id,
        "policy": pol.id,
        **patient_inputs(patient),
        "cycle": cycle,
        "phase": reg.phase(phase).id if phase else None,
        "reductions_pct": {drug: exact(pct) for drug, pct in reductions.items()},
        "previous_weight_kg": exact(change.previous_kg) if change else None,
    }
    prov = provenance_record("dose", reg, pol, request.given(), interpreted, library)
    return DoseReport(reg, pol, patient, ctx.bsa, lines, scope, notes, change, prov)


def dose_course(
    regimen: str,
    *,
    height: Typed | None,  # None is refused with a message naming the value
    weight: Typed | None,
    sex: str | None = None,
    age: Typed | None = None,
    scr: Typed | None = None,
    policy: str | None = None,
    cycle: int | None = None,
    phase: str | None = None,
    reduce: Sequence[str] = (),
    regimen_dirs: tuple[str, ...] = (),
    policy_dirs: tuple[str, ...] = (),
    accept_implausible: bool = False,
    previous_weight: Typed | None = None,
    delays: Sequence[str] = (),
    gfr: Typed | None = None,
    allow_draft: bool = False,
) -> DoseReport:
    """:func:`run` with keyword arguments (the Python API; ``reproduce``
    calls it with the inputs a provenance record gives)."""
    patient = PatientInput(height, weight, sex, age, scr, gfr, accept_implausible)
    return run(
        DoseRequest(
            regimen,
            patient,
            policy=policy,
            cycle=cycle,
            phase=phase,
            reduce=reduce,
            previous_weight=previous_weight,
            delays=delays,
            allow_draft=allow_draft,
            library=Library(regimen_dirs, policy_dirs),
        )
    )


def weight_change(previous_weight: Typed, patient: Patient, policy: Policy) -> WeightChange:
    """Compare the patient's weight with ``previous_weight`` (``"70 kg"``,
    ``"154 lb"``; a bare number is kg) under the policy's threshold."""
    try:
        quantity = parse_quantity(
            previous_weight, dimension="[mass]", default_unit="kg", what="previous weight"
        )
    except UnitError as exc:
        raise about_field(exc, "previous-weight") from None
    previous = float(quantity.to("kg").magnitude)
    try:
        require_physical(previous, WEIGHT_PHYSICAL_KG, "previous weight", "kg", "check the unit")
    except InputError as exc:
        raise about_field(exc, "previous-weight") from None
    return WeightChange(previous, patient.weight_kg, policy.weight_change_pct)


def parse_reductions(items: Sequence[str]) -> dict[str, float]:
    """``["docetaxel=20%"]`` -> ``{"docetaxel": 20.0}``; raises InputError,
    also when a drug is named twice (reductions are never combined or
    silently replaced)."""
    reductions: dict[str, float] = {}
    for item in items:
        drug, sep, amount = item.partition("=")
        text = amount.strip().rstrip("%")
        try:
            if not sep or not amount.strip().endswith("%"):
                raise ValueError
            value = float(text)
        except ValueError:
            raise InputError(f"--reduce '{item}': write DRUG=PERCENT, e.g. docetaxel=20%") from None
        if not 0 < value < 100:
            raise InputError(f"--reduce '{item}': a reduction is between 0% and 100%")
        name = drug.strip().lower()
        if name in reductions:
            raise InputError(
                f"--reduce: {name} is reduced twice ({format_number(reductions[name])}% and {format_number(value)}%); give one reduction per drug"
            )
        reductions[name] = value
    return reductions


def checked_reductions(items: Sequence[str], reg: Regimen) -> dict[str, float]:
    """The reductions asked for, each of a drug of the regimen."""
    reductions = parse_reductions(items)
    unknown = [drug for drug in reductions if drug not in reg.drugs()]
    if unknown:
        raise InputError(
            f"--reduce {', '.join(unknown)}: not a drug of {reg.id} ({', '.join(reg.drugs())})"
        )
    return reductions


def _dose_lines(
    reg: Regimen,
    pol: Policy,
    ctx: DosingContext,
    cycle: int | None,
    phase: str | None,
    delay_map: dict[CycleRef, int],
    library: Library,
) -> tuple[list[DoseLine], str]:
    """The dose lines of the whole course (or one phase), or of one cycle,
    and the scope they cover as printed."""
    if cycle is None:
        if phase is not None:
            reg.phase(phase)
        schedule = expand(reg, pol, NOMINAL_START, delays=delay_map)
        lines = _course_lines(schedule, ctx, phase, library)
        return lines, "whole course" if phase is None else f"phase {reg.phase(phase).id}"
    schedule, wanted = _schedule_for_cycle(reg, pol, cycle, phase, delay_map)
    lines = _cycle_lines(
        [a for a in schedule.administrations if (a.phase, a.cycle) == wanted], ctx, library
    )
    scope = f"cycle {cycle}" if phase is None else f"phase {wanted[0]} cycle {cycle}"
    if phase is None and len(reg.phases) > 1:
        scope += f" of the course ({wanted[0]} cycle {wanted[1]})"
    return lines, scope


def _dose_line(
    first: Administration,
    ctx: DosingContext,
    library: Library,
    cycles_text: str,
    reason: str | None = None,
) -> DoseLine:
    """The dose line of a group of administrations, computed on its first
    one, with where it applies and its vials or tablets."""
    return compute_dose(
        first.entry,
        first.step,
        first.kind,
        ctx,
        phase=first.phase,
        cycle=first.cycle,
        day=first.day,
        cycles_text=cycles_text,
        reason=reason,
        vials_mg=drug_vials(first.drug, ctx.policy, first.entry.route, library),
        tablets_mg=drug_tablets(first.drug, first.entry.route, library),
    )


def _cycle_lines(
    administrations: list[Administration], ctx: DosingContext, library: Library
) -> list[DoseLine]:
    """The dose lines of one cycle: a drug given the same dose on several
    days is one line naming its days (capecitabine "1 (days 1-14)"); a dose
    that differs, or carries a note (a re-load), stays on its own line."""
    groups: dict[tuple[Any, ...], list[Administration]] = {}
    for a in administrations:
        key = (a.entry.drug, a.entry.line, a.kind, id(a.step), a.notes)
        groups.setdefault(key, []).append(a)
    lines = []
    for items in groups.values():
        first = items[0]
        days = [a.day for a in items]
        where = (
            str(first.cycle)
            if first.entry.days == (1,)
            else f"{first.cycle} (day{'s' if len(days) > 1 else ''} {compress(days)})"
        )
        reason = "; ".join(n for n in first.notes if not n.startswith("caution:")) or None
        lines.append(_dose_line(first, ctx, library, where, reason))
    return lines


def _schedule_for_cycle(
    reg: Regimen,
    pol: Policy,
    cycle: int,
    phase: str | None,
    delays: dict[CycleRef, int] | None = None,
) -> tuple[CourseSchedule, tuple[str, int]]:
    if isinstance(cycle, bool) or not isinstance(cycle, int) or not 1 <= cycle <= MAX_CYCLES:
        raise InputError(
            f"--cycle {cycle!r}: give a cycle from 1 to {MAX_CYCLES} (dosecalc plans at most {MAX_CYCLES} cycles)"
        )
    if phase is None:
        schedule = expand(reg, pol, NOMINAL_START, max_cycles=cycle, delays=delays)
        found = [(p, c) for p, c, course, _ in schedule.cycles if course == cycle]
        if not found:
            raise NotFoundError(
                f"{reg.id} has only {len(schedule.cycles)} cycles; there is no cycle {cycle}",
                field="cycle",
            )
        return schedule, found[0]
    target = reg.phase(phase)
    overrides = {}
    if target.cycles.mode == "until_progression" or (
        target.cycles.mode == "minimum" and cycle > (target.cycles.count or 0)
    ):
        overrides[target.id] = cycle
    schedule = expand(reg, pol, NOMINAL_START, phase_cycles=overrides, delays=delays)
    if not any(p == target.id and c == cycle for p, c, _, _ in schedule.cycles):
        count = sum(1 for p, *_ in schedule.cycles if p == target.id)
        raise NotFoundError(
            f"phase {target.id} of {reg.id} has {count} cycles; there is no cycle {cycle}",
            field="cycle",
        )
    return schedule, (target.id, cycle)


def _course_lines(
    schedule: CourseSchedule, ctx: DosingContext, only_phase: str | None, library: Library
) -> list[DoseLine]:
    """One dose line per distinct (phase, drug, kind), listing where it applies:
    "2-6", or with the days when a drug is given on several days of a cycle,
    "1 (days 8, 15); 2-6 (days 1, 8, 15)"."""
    groups: dict[tuple[str, str, str], list[Administration]] = {}
    for a in schedule.administrations:
        if only_phase and a.phase.lower() != only_phase.lower():
            continue
        groups.setdefault((a.phase, a.drug, a.kind), []).append(a)
    last_cycle = {p: c for p, c, _, _ in schedule.cycles}
    lines = []
    for (phase_id, _drug, _kind), items in groups.items():
        first = items[0]
        phase = schedule.regimen.phase(phase_id)
        days_by_cycle: dict[int, list[int]] = {}
        for a in items:
            days_by_cycle.setdefault(a.cycle, []).append(a.day)
        text = _cycles_text(
            days_by_cycle,
            phase.cycles.mode if last_cycle.get(phase_id) in days_by_cycle else "fixed",
        )
        lines.append(_dose_line(first, ctx, library, text))
    order = {p.id: i for i, p in enumerate(schedule.regimen.phases)}
    lines.sort(
        key=lambda line: (
            order[line.phase],
            line.cycle or 0,
            schedule.regimen.drugs().index(line.drug),
        )
    )
    return lines


def _cycles_text(days_by_cycle: dict[int, list[int]], mode: str) -> str:
    """Where a dose applies. ``mode`` is the phase's cycle mode when the dose
    reaches the last cycle shown (so an open phase reads "2 onwards")."""
    runs: list[tuple[list[int], tuple[int, ...]]] = []
    for cycle in sorted(days_by_cycle):
        days = tuple(sorted(days_by_cycle[cycle]))
        if runs and runs[-1][1] == days and runs[-1][0][-1] == cycle - 1:
            runs[-1][0].append(cycle)
        else:
            runs.append(([cycle], days))
    single_day = all(days == (1,) for _, days in runs)
    parts = []
    for index, (cycles, days) in enumerate(runs):
        text = compress(cycles)
        if index == len(runs) - 1 and mode == "until_progression":
            text = _onwards(cycles)
        elif index == len(runs) - 1 and mode == "minimum":
            text += " or more"
        if not single_day:
            # Consecutive days as a range: capecitabine "days 1-14", not 14 numbers.
            text += f" (day{'s' if len(days) > 1 else ''} {compress(list(days))})"
        parts.append(text)
    return "; ".join(parts)


def _onwards(cycles: list[int]) -> str:
    """Cycles of an open-ended phase that reach its last shown cycle:
    [2, 3, 4, 5, 6] -> "2 onwards"; [1, 3, 5] -> "1, 3, 5 onwards"."""
    ordered = sorted(set(cycles))
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} onwards"
    return f"{compress(ordered)} onwards"
