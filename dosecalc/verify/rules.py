"""What an order should be, resolved once per distinct (regimen, phase,
cycle, day, drug) with the scalar engine: the drug's entry, its doses, the
kind of dose the schedule gives there, and the scheduled interval since the
drug's previous dose (for the policy's re-load rule).

Nothing here is computed again for each row: the batch engine looks a slot
up by its key and applies the patient arithmetic to whole columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import DosecalcError
from ..model import DoseKind, DoseStep, DrugEntry, Phase, Policy, Regimen
from ..regimen import find_regimen
from ..schedule import CourseSchedule, dose_kind, expand

#: The date the nominal schedule is laid on; only intervals between its dates matter.
NOMINAL_START = dt.date(2000, 1, 3)


@dataclass(frozen=True)
class Slot:
    """One place in a regimen: a drug on a day of a cycle of a phase.

    ``problem`` is set (with ``verdict``) when the order cannot be placed:
    an unknown regimen, a phase, cycle, day or drug the regimen does not have.
    """

    verdict: str | None = None
    problem: str | None = None
    regimen: Regimen | None = None
    phase: Phase | None = None
    entry: DrugEntry | None = None
    nominal_kind: DoseKind | None = None
    nominal_date: dt.date | None = None
    previous_nominal: dt.date | None = None  # the drug's previous scheduled dose, if any

    def step(self, kind: str) -> DoseStep:
        assert self.entry is not None
        step = {
            "standard": self.entry.standard,
            "loading": self.entry.loading,
            "maintenance": self.entry.maintenance,
        }[kind]
        assert step is not None
        return step

    def kind_after_gap(self, gap_days: int, policy: Policy) -> tuple[DoseKind, bool]:
        """The kind of dose due ``gap_days`` after the previous dose of the
        drug, by the engine's one rule (:func:`dosecalc.schedule.dose_kind`),
        and whether it is a re-load (a loading dose that is not the first)."""
        assert self.entry is not None and self.nominal_date is not None
        if self.previous_nominal is None:
            # The first dose of the course: a loading dose whatever came before.
            kind, _, _ = dose_kind(self.entry, None, self.nominal_date, self.nominal_date, policy)
            return kind, False
        previous_actual = self.nominal_date - dt.timedelta(days=gap_days)
        kind, _, notes = dose_kind(
            self.entry,
            (previous_actual, self.previous_nominal),
            self.nominal_date,
            self.nominal_date,
            policy,
        )
        return kind, kind == "loading" and bool(notes)


NOT_IN_REGIMEN = "not in regimen"
CANNOT_VERIFY = "cannot verify"


class Rules:
    """The slots of one run: one policy, one regimen library, resolved on
    first use and kept (a file names a few hundred distinct slots at most)."""

    def __init__(self, policy: Policy, regimen_dirs: tuple[str, ...] = ()):
        self.policy = policy
        self.regimen_dirs = regimen_dirs
        self._slots: dict[tuple[str, str | None, int | None, int | None, str], Slot] = {}
        self._schedules: dict[tuple[str, tuple[tuple[str, int], ...]], CourseSchedule] = {}

    def slot(
        self, regimen: str, phase: str | None, cycle: int | None, day: int | None, drug: str
    ) -> Slot:
        """The slot an order names, or a Slot carrying the verdict that it has none."""
        key = (
            regimen.strip().lower(),
            (phase or "").strip().lower() or None,
            cycle,
            day,
            drug.strip().lower(),
        )
        found = self._slots.get(key)
        if found is None:
            found = self._slots[key] = self._resolve(*key)
        return found

    def _resolve(
        self,
        regimen_name: str,
        phase_name: str | None,
        cycle: int | None,
        day: int | None,
        drug: str,
    ) -> Slot:

        try:
            reg = find_regimen(regimen_name, self.regimen_dirs)
        except DosecalcError as exc:
            return Slot(CANNOT_VERIFY, f"regimen: {exc}")
        if phase_name is None:
            phases = [p for p in reg.phases if any(e.drug == drug for e in p.drugs)]
            if len(reg.phases) > 1 and len(phases) != 1:
                where = "several phases" if phases else "no phase"
                return Slot(
                    NOT_IN_REGIMEN if not phases else CANNOT_VERIFY,
                    f"{drug} is in {where} of {reg.id}: give the phase ({', '.join(p.id for p in reg.phases)})",
                )
            phase = phases[0] if phases else reg.phases[0]
        else:
            try:
                phase = reg.phase(phase_name)
            except DosecalcError:
                known = ", ".join(p.id for p in reg.phases)
                return Slot(NOT_IN_REGIMEN, f"{reg.id} has no phase '{phase_name}' ({known})")
        entry = next((e for e in phase.drugs if e.drug == drug), None)
        if entry is None:
            drugs = ", ".join(e.drug for e in phase.drugs)
            return Slot(NOT_IN_REGIMEN, f"{drug} is not a drug of {reg.id} {phase.id} ({drugs})")
        if cycle is None:
            cycle = 1 if not entry.has_loading else None
            if cycle is None:
                return Slot(
                    CANNOT_VERIFY,
                    f"cycle is missing (needed to tell {drug} loading from maintenance)",
                )
        if day is None:
            if len(entry.days) > 1:
                days = ", ".join(map(str, entry.days))
                return Slot(CANNOT_VERIFY, f"day is missing ({drug} is given on days {days})")
            day = entry.days[0]
        if cycle < 1:
            return Slot(CANNOT_VERIFY, f"cycle {cycle}: cycles are numbered from 1")
        try:
            schedule = self._schedule(reg, phase.id, cycle)
        except DosecalcError as exc:  # e.g. the policy has no re-load rule for the drug
            return Slot(CANNOT_VERIFY, str(exc))
        if schedule is None:
            return Slot(NOT_IN_REGIMEN, f"{reg.id} {phase.id} has no cycle {cycle}")
        previous = None
        for a in schedule.administrations:
            if a.drug != drug:
                continue
            if (a.phase, a.cycle, a.day) == (phase.id, cycle, day):
                return Slot(
                    regimen=reg,
                    phase=phase,
                    entry=a.entry,
                    nominal_kind=a.kind,
                    nominal_date=a.nominal_date,
                    previous_nominal=previous,
                )
            previous = a.nominal_date
        if entry.cycles is not None and cycle not in entry.cycles:
            return Slot(
                NOT_IN_REGIMEN, f"{drug} is not given in cycle {cycle} of {reg.id} {phase.id}"
            )
        if day not in entry.days:
            days = ", ".join(map(str, entry.days))
            return Slot(
                NOT_IN_REGIMEN, f"{drug} is given on day {days} of {phase.id}, not day {day}"
            )
        return Slot(
            NOT_IN_REGIMEN,
            f"{drug} is not given in {reg.id} {phase.id} cycle {cycle} (course limit)",
        )

    def _schedule(self, reg: Regimen, phase_id: str, cycle: int) -> CourseSchedule | None:
        """The nominal schedule reaching ``cycle`` of ``phase_id``, or None when
        the phase has no such cycle. Open phases are laid out to that cycle."""
        phase = reg.phase(phase_id)
        mode, count = phase.cycles.mode, phase.cycles.count or 0
        if mode == "fixed" and cycle > count:
            return None
        overrides: tuple[tuple[str, int], ...] = ()
        if mode == "until_progression" or (mode == "minimum" and cycle > count):
            overrides = ((phase.id, cycle),)
        key = (reg.id, overrides)
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = self._schedules[key] = expand(
                reg, self.policy, NOMINAL_START, phase_cycles=dict(overrides)
            )
        if not any(p == phase.id and c == cycle for p, c, _, _ in schedule.cycles):
            return None
        return schedule
