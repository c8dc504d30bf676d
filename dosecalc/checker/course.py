"""What every check rule works on: the course being checked, its findings,
and the small helpers the rules share.

A :class:`Course` holds the case, the policy, the regimen library, the drug
reference and the patient, the treatments as identified, and the dates the
course's timeline worked out. A rule (``dosecalc.checker.rules``) is a
function over the course that yields :class:`Finding` objects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..case import Case, CaseDate, Treatment
from ..drugs import GROWTH_FACTORS, DrugReference, load_drug_reference
from ..errors import DosecalcError
from ..formatting import format_amount, format_number
from ..model import BASIS_UNITS, DoseStep, DrugEntry, Patient, Phase, Policy, Regimen
from ..schedule import expand
from ..textfold import NUMBER_PATTERN, fold, number_value
from .written import WrittenDose, parse_written_dose

SEVERITIES = ("error", "warning", "info")

# Sources of the rules, cited with every finding.
SRC_HERCEPTIN_LVEF = "Herceptin US PI 2.2 and 5.1 (LVEF at baseline and every 3 months; hold for a fall of 16 points or more)"
SRC_ISMP = "ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021)"
SRC_WEIGHT_CHANGE = "ASCO/ONS chemotherapy administration safety standards (2016): the practice sets when a weight change requires recalculation; threshold from the policy (10% is common for adults)"
SRC_CASE_FORMAT = "dosecalc case file format (docs/case-format.md)"
SRC_VOCABULARY = "dosecalc drug reference (drugs/drugs.yaml): French and English INNs"


@dataclass(frozen=True)
class Finding:
    """One thing the checker found."""

    severity: str  # error | warning | info
    code: str
    treatment: str | None
    drug: str | None
    message: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "treatment": self.treatment,
            "drug": self.drug,
            "message": self.message,
            "source": self.source,
        }


@dataclass
class Identified:
    """What the checker made of one treatment."""

    treatment: Treatment
    drugs: dict[str, str]  # name as written -> drug id
    regimen: Regimen | None = None
    phase: Phase | None = None


class Findings:
    """The findings a rule reports, in order."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(
        self,
        severity: str,
        code: str,
        treatment: Treatment | None,
        drug: str | None,
        message: str,
        source: str,
    ) -> None:
        self.items.append(
            Finding(severity, code, treatment.id if treatment else None, drug, message, source)
        )


@dataclass(frozen=True)
class TimelineDose:
    """One administration of a drug on the course's timeline: a day, or a range
    of days when it was worked out from an imprecise date ("2024-03")."""

    value: dt.date  # the earliest day it can be
    latest: dt.date  # the latest day it can be
    treatment: Treatment
    how: str | None = None  # None when written; else how the calendar gave it
    written: str | None = None  # the date as the source wrote it ("2015-05")

    def __str__(self) -> str:
        if self.written:
            return self.written
        if self.value == self.latest:
            return self.value.isoformat()
        return f"between {self.value.isoformat()} and {self.latest.isoformat()}"


class Course:
    """One course being checked: the case, the library, the policy and what
    the rules share (treatments as identified, dates worked out)."""

    def __init__(
        self, case: Case, policy: Policy, regimens: list[Regimen], patient: Patient | None
    ):

        self.case = case
        self.policy = policy
        self.regimens = regimens
        self.patient = patient
        self.reference = reference_for(load_drug_reference(), case)
        self.identified: list[Identified] = []
        # Dates the timeline worked out (not written), with how.
        self.estimated: dict[CaseDate, str] = {}
        # Doses written as a share of the full dose, per (treatment, drug).
        self.reductions: dict[tuple[str, str], float] = {}
        # Doses the source calls a reduction level, per (treatment, drug).
        self.reduced: set[tuple[str, str]] = set()
        self._timelines: dict[str, list[TimelineDose]] = {}

    def sources(self, found: Identified) -> str:
        """The citations behind the treatment's phase: its drug lines' sources."""
        if found.regimen is None or found.phase is None:
            return "dosecalc regimen library"
        by_id = {s.id: s.citation for s in found.regimen.sources}
        ids = dict.fromkeys(e.sources[0] for e in found.phase.drugs if e.sources)
        return f"regimen {found.regimen.id}: " + "; ".join(by_id[i] for i in ids)

    def citations(self, source_ids: Iterable[str]) -> str:
        return "; ".join(
            self.reference.sources[s].citation for s in source_ids if s in self.reference.sources
        )

    def first_start(self, drug: str) -> dt.date | None:
        dates = [
            i.treatment.start.value
            for i in self.identified
            if drug in i.drugs.values()
            and i.treatment.start
            and i.treatment.setting in ("neoadjuvant", "adjuvant")
        ]
        return min(dates) if dates else None

    @property
    def about_a_patient(self) -> bool:
        """Whether the case documents one patient's course (any patient data or
        any date), rather than dosing as a label or a protocol states it: what
        such a text leaves out (premedication, earlier anthracyclines) is no
        documentation slip."""
        p = self.case.patient
        return bool(
            p.sex or p.age_years or p.height or p.weight or p.lvef or p.measurements
        ) or any(t.start or t.end or t.given for t in self.case.treatments)

    def timeline(self, drug: str) -> list[TimelineDose]:
        """Every known administration of ``drug`` across the case's treatments,
        in date order: a treatment's dated administrations when it has them,
        else the days the calendar engine (``schedule.expand``) gives from its
        start, cycle length and cycle count (or written end, or duration), plus
        its written end as a known day of the line."""
        if drug not in self._timelines:
            doses: list[TimelineDose] = []
            for found in self.identified:
                if drug in found.drugs.values():
                    doses += _treatment_doses(self, found, drug)
            self._timelines[drug] = sorted(doses, key=lambda d: (d.value, d.latest))
        return self._timelines[drug]

    def previous_end(self, drug: str, t: Treatment) -> TimelineDose | None:
        """The last administration of ``drug`` before ``t`` started, on the
        drug's timeline (:meth:`timeline`), from the other treatments: the
        latest one that cannot fall after ``t``'s start. Its ``how`` says how
        the calendar worked it out when it was not written."""
        if t.start is None:
            return None
        earlier = [
            d for d in self.timeline(drug) if d.treatment is not t and d.value <= t.start.value
        ]
        # On a tie, the day written rather than the one worked out.
        return max(earlier, key=lambda d: (d.latest, d.value, d.how is None), default=None)

    def earlier_undated(self, drug: str, found: Identified) -> Treatment | None:
        """An earlier treatment (in the order written) with ``drug`` whose
        dates cannot place it: the line may have started there."""
        t = found.treatment
        for i in self.identified:
            if i.treatment is t:
                return None
            if drug in i.drugs.values() and not starts_after(i.treatment, t):
                return i.treatment
        return None


def reference_for(reference: DrugReference, case: Case) -> DrugReference:
    """The drug reference as it applies to this case: a schedule published
    only with growth-factor support (dose-dense epirubicin every 2 weeks,
    R-CHOP-14) counts only when the case documents a growth factor; without
    one it is no published schedule, and the denser frequency is judged as
    such."""
    documented = {
        match.drug_id
        for t in case.treatments
        for written in t.drugs
        if (match := reference.match(written.drug)) is not None
    }
    if documented & set(GROWTH_FACTORS):
        return reference
    drugs = {
        drug_id: replace(info, usual=tuple(u for u in info.usual if u.support != "growth_factor"))
        for drug_id, info in reference.drugs.items()
    }
    return replace(reference, drugs=drugs)


def _treatment_doses(course: Course, found: Identified, drug: str) -> list[TimelineDose]:
    t = found.treatment
    given = [
        g.date
        for g in t.given
        if course.reference.match(g.drug) and found.drugs.get(g.drug, drug) == drug
    ]
    if given:
        doses = [TimelineDose(d.value, d.latest, t, written=str(d)) for d in given]
        if t.end is not None:
            doses.append(TimelineDose(t.end.value, t.end.latest, t, written=str(t.end)))
        return doses
    if t.start is None:
        return [TimelineDose(t.end.value, t.end.latest, t, written=str(t.end))] if t.end else []
    days = _calendar_days(course, found, drug)
    spread = (t.start.latest - t.start.value).days
    how = (
        f"from {t.start} every {days_text(found.phase.cycle_length_days)}, by the calendar"
        if found.phase is not None
        else None
    )
    doses = [
        TimelineDose(
            d,
            d + dt.timedelta(days=spread),
            t,
            None if d == t.start.value else how,
            str(t.start) if d == t.start.value else None,
        )
        for d in days
    ] or [TimelineDose(t.start.value, t.start.latest, t, written=str(t.start))]
    if t.end is not None:
        # The written end is the line's last day: the calendar's doses count
        # only before it.
        doses = [d for d in doses if d.latest < t.end.value]
        doses.append(TimelineDose(t.end.value, t.end.latest, t, written=str(t.end)))
    return doses


def _calendar_days(course: Course, found: Identified, drug: str) -> list[dt.date]:
    """The days ``drug`` is given in the treatment, by the calendar engine: from
    its start, over its phase's cycles, for its cycle count, or up to its
    written end or the end of its duration. Only the start when neither is known."""
    t, phase, regimen = found.treatment, found.phase, found.regimen
    if t.start is None or phase is None or regimen is None:
        return []
    count = cycle_count(t.cycles)
    until = t.end.latest if t.end else None
    weeks = duration_weeks(t.duration) if t.duration else None
    if until is None and weeks is not None:
        until = t.start.value + dt.timedelta(days=round(weeks * 7) - 1)
    if count is None and until is None:
        return [t.start.value]
    try:
        schedule = expand(
            single_phase(regimen, phase),
            course.policy,
            t.start.value,
            phase_cycles={phase.id: count} if count else None,
            max_cycles=count,
            until=until,
        )
    except DosecalcError:
        return [t.start.value]
    return sorted({a.date for a in schedule.administrations if a.drug == drug})


# -- small helpers ---------------------------------------------------------------

_COUNT = re.compile(r"(\d+)")
_COUNT_WORD = re.compile(NUMBER_PATTERN)


def cycle_count(text: str | None) -> int | None:
    """The first number of a count as written: "x 4 cycles", "six cycles"."""
    if not text:
        return None
    match = _COUNT.search(str(text))
    if match:
        return int(match.group(1))
    word = _COUNT_WORD.search(fold(str(text)))
    return number_value(word.group(0)) if word else None


def days_text(days: float) -> str:
    if days % 7 == 0:
        weeks = int(days // 7)
        return "week" if weeks == 1 else f"{weeks} weeks"
    return f"{format_number(days, 1)} days"


def spell_interval(days: float) -> str:
    per_week = 7 / days
    if abs(per_week - round(per_week)) < 1e-6 and per_week >= 1:
        return f"{int(round(per_week))} times weekly" if per_week > 1 else "weekly"
    return f"every {days_text(days)}"


def duration_weeks(text: str) -> float | None:

    folded = fold(text)
    if re.search(r"\b(un|1|one)\s++(an|year)\b|\b12\s++mo(is|nths?)\b", folded):
        return 52.0
    match = re.search(r"(\d+)\s*+(semaines?|weeks?)", folded)
    if match:
        return float(match.group(1))
    match = re.search(r"(\d+)\s*+(mois|months?)", folded)
    if match:
        return float(match.group(1)) * 52 / 12
    match = re.search(r"(\d+)\s*+(ans|years?)", folded)
    if match:
        return float(match.group(1)) * 52
    return None


def starts_after(other: Treatment, t: Treatment) -> bool:
    """True when ``other`` is known to start after ``t`` starts."""
    return bool(other.start and t.start and other.start.value > t.start.latest)


def entry_for(phase: Phase | None, drug: str) -> DrugEntry | None:
    if phase is None:
        return None
    return next((e for e in phase.drugs if e.drug == drug), None)


def single_phase(regimen: Regimen, phase: Phase) -> Regimen:
    return replace(regimen, phases=(phase,), course_limits=())


def phase_counts(phase: Phase, count: int) -> dict[str, int]:
    if phase.cycles.mode in ("until_progression",) or (
        phase.cycles.mode == "minimum" and count >= (phase.cycles.count or 0)
    ):
        return {phase.id: count}
    return {}


def steps_text(entry: DrugEntry) -> str:
    unit = BASIS_UNITS[entry.basis]
    if entry.standard:
        return format_amount(entry.standard.per_unit, unit, 4)
    loading, maintenance = entry.loading, entry.maintenance
    # The regimen reader accepts a drug with 'dose', or 'loading' with 'maintenance'.
    assert loading is not None and maintenance is not None
    return f"{format_amount(loading.per_unit, unit, 4)} loading, then {format_amount(maintenance.per_unit, unit, 4)}"


def basis_words(basis: str) -> str:
    return {"bsa": "per m²", "weight": "per kg", "flat": "flat (mg)", "auc": "AUC"}[basis]


def spaced(dose: WrittenDose) -> str:
    reading = dose.reading or (dose.readings[0] if dose.readings else None)
    if reading is None:
        return dose.text
    return " / ".join(format_amount(float(a.magnitude), reading.unit, 4) for a in reading.amounts)


def unit_text(amount: Any) -> str:
    # ISMP: micrograms are "mcg", never "µg" or "ug" (Pint's short forms).
    text = format(amount.units, "~").replace(" ", "").replace("**", "").replace("µg", "mcg")
    return re.sub(r"\bug\b", "mcg", text)


def regimen_steps(entry: DrugEntry) -> dict[str, DoseStep]:
    """The regimen's doses of ``entry``: standard, or loading and maintenance."""
    steps = {
        "standard": entry.standard,
        "loading": entry.loading,
        "maintenance": entry.maintenance,
    }
    return {kind: step for kind, step in steps.items() if step is not None}


def matching_steps(steps: dict[str, DoseStep], value: float, tolerance_pct: float) -> list[str]:
    """The steps ``value`` is, within the policy's rounding tolerance (a
    deviation the pharmacy would make itself is not a finding), nearest first."""
    close = [
        (abs(step.per_unit - value), kind)
        for kind, step in steps.items()
        if abs(step.per_unit - value) <= step.per_unit * tolerance_pct / 100 + 1e-9
    ]
    return [kind for _, kind in sorted(close)]


def times_text(fold: float) -> str:
    """'10 times' or '1/10 of' a dose, for messages."""
    if fold >= 1:
        return f"{format_number(fold, 1)} times"
    return f"1/{format_number(1 / fold, 1)} of" if fold else "none of"


def treatment_span(found: Identified) -> tuple[dt.date | None, dt.date | None]:
    """First and last known day of a treatment: its dated administrations,
    else its start and end, else the end its cycle count gives."""
    t = found.treatment
    given = [g.date.value for g in t.given]
    start = min(given + ([t.start.value] if t.start else []), default=None)
    end = max(given + ([t.end.latest] if t.end else []), default=None)
    count = cycle_count(t.cycles)
    if end is None and start is not None and count and found.phase is not None:
        end = start + dt.timedelta(days=found.phase.cycle_length_days * (count - 1))
    return start, end


#: A gap longer than this between two treatments starts a new line (the
#: re-load threshold of pertuzumab, Perjeta US PI 2.3: 6 weeks).


def written_route(t: Treatment, drug: str, found: Identified) -> str | None:
    """The route written for ``drug`` in ``t`` (its line's, or its dose's)."""
    return written_routes(t, found).get(drug)


def written_routes(t: Treatment, found: Identified) -> dict[str, str]:
    routes = {}
    for written in t.drugs:
        drug = found.drugs.get(written.drug)
        route = written.route
        if route is None and written.dose:
            route = parse_written_dose(written.dose).route
        if drug and route and route.upper() in ("IV", "SC", "PO", "IM"):
            routes[drug] = route.upper()
    return routes
