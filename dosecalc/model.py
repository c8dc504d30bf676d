"""The engine's data types: regimens, policies, patients and dose lines.

These are plain frozen dataclasses, built by the loaders (``dosecalc.regimen``,
``dosecalc.policy``) after strict validation, so the engine never meets an
unchecked value. Quantities are Pint quantities from ``dosecalc.units``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import NotFoundError
from .formatting import format_amount, format_number

Basis = Literal["bsa", "weight", "flat", "auc"]
DoseKind = Literal["loading", "maintenance", "standard"]

#: How each basis is written, and the per-unit dose unit it takes.
BASIS_UNITS: dict[str, str] = {"bsa": "mg/m2", "weight": "mg/kg", "flat": "mg", "auc": "AUC"}


@dataclass(frozen=True)
class Source:
    """A citation: a label, a trial or a guideline."""

    id: str
    citation: str
    url: str | None = None


@dataclass(frozen=True)
class DoseStep:
    """One dose amount of a drug: per-unit amount with its basis."""

    amount: Any  # pint.Quantity: mg/m2, mg/kg, mg, or mg/mL*min for AUC
    infusion: Any | None = None  # pint.Quantity of time, or None

    @property
    def per_unit(self) -> float:
        """The number in the basis unit (60 for 60 mg/m²)."""
        return float(self.amount.magnitude)


@dataclass(frozen=True)
class DoseLevel:
    """One documented dose level below the starting dose: a per-unit amount
    in the drug's basis (T-DXd 4.4 mg/kg) or a percentage of the starting
    dose (capecitabine 75%)."""

    amount: Any | None = None  # pint.Quantity in the basis's unit, or None
    percent: float | None = None

    def per_unit(self, start: float) -> float:
        """The level as a per-unit number, given the starting per-unit dose."""
        if self.amount is not None:
            return float(self.amount.magnitude)
        return start * (self.percent or 0.0) / 100

    def describe(self, basis: str) -> str:
        if self.amount is not None:
            return format_amount(float(self.amount.magnitude), BASIS_UNITS[basis], 4)
        return f"{format_number(self.percent or 0.0)}% of the starting dose"


@dataclass(frozen=True)
class DoseLevels:
    """A drug's documented dose reductions, in order (first reduction first),
    with the label or trial that documents them."""

    levels: tuple[DoseLevel, ...]
    source: str


@dataclass(frozen=True)
class DrugEntry:
    """A drug as given within a phase: basis, days and dose(s)."""

    drug: str
    route: str
    basis: Basis
    days: tuple[int, ...]
    standard: DoseStep | None = None
    loading: DoseStep | None = None
    maintenance: DoseStep | None = None
    max_dose_mg: float | None = None
    cycles: tuple[int, ...] | None = None  # only these cycles of the phase; None = every cycle
    reload_rule: str | None = None  # name of the policy's re-load rule for this drug
    sources: tuple[str, ...] = ()
    line: int | None = None
    times_per_day: int = 1  # doses on each listed day (capecitabine: 2, twice daily)
    dose_levels: DoseLevels | None = None  # documented reductions, if any
    #: Days between two doses of this drug within its phase (7 for trastuzumab
    #: on days 1, 8 and 15 of a 21-day cycle): the "schedule" re-load rules key on.
    interval_days: int | None = None
    #: A caution printed with every dose of this line (off-label timing, for
    #: example), with its evidence; None when there is none.
    caution: str | None = None
    #: The other drugs of the same phase: re-load rules may depend on them
    #: (trastuzumab every 3 weeks with pertuzumab follows the Perjeta rule).
    companions: tuple[str, ...] = ()

    @property
    def has_loading(self) -> bool:
        return self.loading is not None

    @property
    def starting_step(self) -> DoseStep:
        """The dose that documented reductions are counted from: the standard
        dose, or the maintenance dose of a drug with a loading dose."""
        step = self.standard or self.maintenance
        assert step is not None  # validation guarantees one of them
        return step

    def reduction_level(self, per_unit: float) -> int | None:
        """Which documented reduction ``per_unit`` is (1 = the first), or None.

        Doses are compared to 1 part in a million: a documented level is an
        exact figure of the label or trial, not a range.
        """
        if self.dose_levels is None:
            return None
        start = self.starting_step.per_unit
        for number, level in enumerate(self.dose_levels.levels, 1):
            if math.isclose(level.per_unit(start), per_unit, rel_tol=1e-6):
                return number
        return None


def times_per_day_text(times: int) -> str:
    """How often a dose is given on each day it is given: "" for once,
    "twice daily", "3 times daily"."""
    if times == 1:
        return ""
    if times == 2:
        return "twice daily"
    return f"{times} times daily"


@dataclass(frozen=True)
class CycleCount:
    """How many cycles a phase runs.

    ``fixed``: exactly ``count``; ``minimum``: at least ``count`` (planned as
    ``count``); ``until_progression``: open-ended; ``until_limit``: until every
    drug of the phase reaches its course limit.
    """

    mode: Literal["fixed", "minimum", "until_progression", "until_limit"]
    count: int | None = None

    @property
    def open_ended(self) -> bool:
        return self.mode in ("minimum", "until_progression")

    def describe(self) -> str:
        if self.mode == "fixed":
            return f"{self.count} cycle{'s' if self.count != 1 else ''}"
        if self.mode == "minimum":
            return f"at least {self.count} cycles"
        if self.mode == "until_progression":
            return "until progression or unacceptable toxicity"
        return "until the course limit is reached"


@dataclass(frozen=True)
class Phase:
    """A run of cycles of one length, with the drugs given in each cycle."""

    id: str
    name: str
    cycle_length_days: int
    cycles: CycleCount
    drugs: tuple[DrugEntry, ...]
    # Supportive care as data (dosecalc.supportive): premedication, antiemetics,
    # observation periods, and the phase's emetogenic risk.
    supportive: tuple[Any, ...] = ()
    emetogenic_risk: Any | None = None


@dataclass(frozen=True)
class CourseLimit:
    """A drug's total treatment duration across phases (trastuzumab: 52 weeks)."""

    drug: str
    duration_days: int
    source: str | None = None
    # The same limit as a count of doses of a given interval (trastuzumab:
    # 18 three-weekly equivalents); the policy's course_limit chooses which applies.
    count: int | None = None
    count_interval_days: int | None = None


@dataclass(frozen=True)
class EligibilityInterval:
    """A disease-free interval the regimen's evidence required after an earlier
    treatment with a drug (THP: 12 months after adjuvant trastuzumab, the
    CLEOPATRA entry criterion), noted for ``about`` when shorter."""

    after: str  # the drug of the earlier treatment
    months: int
    about: str  # the drug of this regimen the note is about
    source: str | None = None


@dataclass(frozen=True)
class Regimen:
    """A validated regimen: phases in sequence, course limits and sources."""

    id: str
    name: str
    setting: str
    phases: tuple[Phase, ...]
    sources: tuple[Source, ...]
    course_limits: tuple[CourseLimit, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    path: str | None = None
    monitoring: tuple[Any, ...] = ()  # dosecalc.supportive.MonitoringRule
    eligibility: tuple[EligibilityInterval, ...] = ()
    # Governance (dosecalc.governance) and the SHA-256 of the file as loaded.
    version: str = ""
    status: str = "draft"
    last_reviewed: dt.date | None = None
    reviewed_by: str | None = None
    sha256: str | None = None

    def phase(self, phase_id: str) -> Phase:
        for phase in self.phases:
            if phase.id.lower() == phase_id.lower():
                return phase
        known = ", ".join(p.id for p in self.phases)
        raise NotFoundError(
            f"regimen {self.id} has no phase '{phase_id}' (phases: {known})", field="phase"
        )

    def drugs(self) -> list[str]:
        """Every drug of the regimen, in order of first appearance."""
        seen: dict[str, None] = {}
        for phase in self.phases:
            for entry in phase.drugs:
                seen.setdefault(entry.drug)
        return list(seen)

    def limit_for(self, drug: str) -> CourseLimit | None:
        return next((limit for limit in self.course_limits if limit.drug == drug), None)


@dataclass(frozen=True)
class ReloadRule:
    """When a gap between two doses makes the next dose a loading dose.

    A rule applies to one drug (the name regimen lines give under ``reload``),
    optionally only on one dosing interval (``every_days``: 7 for weekly, 21
    for every 3 weeks) and only with or without given companion drugs in the
    same phase. ``mode``:

    ``late_by``: re-load when a dose is more than ``threshold_days`` later than
    scheduled (Herceptin: a dose missed by more than one week).
    ``interval``: re-load when the interval since the previous dose is at least
    ``threshold_days`` (Perjeta, Phesgo: six weeks or more).
    """

    name: str
    mode: Literal["late_by", "interval"]
    threshold_days: int
    source: str
    every_days: int | None = None
    with_drugs: tuple[str, ...] = ()
    without_drugs: tuple[str, ...] = ()

    def scope(self) -> str:
        """Which administrations the rule covers: "trastuzumab every 21 days with pertuzumab"."""
        text = self.name
        if self.every_days is not None:
            text += f" every {self.every_days} days"
        if self.with_drugs:
            text += f" with {', '.join(self.with_drugs)}"
        if self.without_drugs:
            text += f" without {', '.join(self.without_drugs)}"
        return text

    def applies_to(self, name: str, interval_days: int | None, companions: tuple[str, ...]) -> bool:
        return (
            self.name == name
            and (self.every_days is None or self.every_days == interval_days)
            and all(drug in companions for drug in self.with_drugs)
            and not any(drug in companions for drug in self.without_drugs)
        )

    def describe(self) -> str:
        if self.mode == "late_by":
            return f"re-load when a dose is more than {self.threshold_days} days late"
        return (
            f"re-load when {self.threshold_days} days or more have passed since the previous dose"
        )

    def requires_reload(self, actual_gap_days: int, scheduled_gap_days: int) -> bool:
        if self.mode == "late_by":
            return actual_gap_days - scheduled_gap_days > self.threshold_days
        return actual_gap_days >= self.threshold_days


@dataclass(frozen=True)
class Rounding:
    """How a final dose is rounded.

    ``none``: kept as calculated (printed to 0.1 mg). ``increment``: to the
    nearest ``increment_mg`` (``small_increment_mg`` below 10 mg).
    ``vial``: to the nearest multiple of the drug's smallest vial when that is
    within ``tolerance_pct``, else to the increment. Never past a cap, and
    never by more than ``tolerance_pct``.
    """

    method: Literal["none", "increment", "vial"]
    increment_mg: float = 1.0
    small_increment_mg: float = 0.1
    tolerance_pct: float = 5.0

    def describe(self) -> str:
        if self.method == "none":
            return "no rounding"
        inc = f"nearest {format_number(self.increment_mg)} mg ({format_number(self.small_increment_mg)} mg below 10 mg)"
        if self.method == "increment":
            return f"{inc}, at most {format_number(self.tolerance_pct)}% change"
        return f"nearest vial multiple within {format_number(self.tolerance_pct)}%, else {inc}"


@dataclass(frozen=True)
class Policy:
    """An institution's named dosing choices, printed with every result."""

    id: str
    name: str
    bsa_formula: str
    bsa_decimals: int | None
    bsa_cap_m2: float | None
    dosing_weight: Literal["actual", "ideal", "adjusted"]
    adjusted_weight_factor: float
    crcl_weight: Literal["actual", "ideal", "adjusted", "adjusted_if_bmi_25"]
    minimum_scr_mg_dl: float | None
    gfr_cap_ml_min: float | None
    #: Kidney-function methods for carboplatin, in order of preference; the
    #: first whose inputs are given is used: "measured" (--gfr),
    #: "ckd-epi-2021" (de-indexed by BSA / 1.73), "cockcroft-gault".
    kidney_function: tuple[str, ...]
    kidney_source: str  # citation for the kidney-function choice, "" if none given
    rounding: Rounding
    weight_change_pct: float
    reload_rules: tuple[ReloadRule, ...]
    anthracycline_limit_mg_m2: float
    anthracycline_source: str
    non_working_days: Literal["flag", "next_working_day"]
    sources: tuple[Source, ...] = ()
    path: str | None = None
    # The institution's lower limit of normal LVEF: a fall of 10 points or
    # more to below it withholds trastuzumab (Herceptin US PI 2.2, 5.1).
    lvef_lower_limit_pct: float = 50.0
    # How a regimen's course limit is applied: "by_date" (no dose on or after
    # first dose + duration) or "by_count" (a number of dose equivalents).
    course_limit: Literal["by_date", "by_count"] = "by_date"
    sha256: str | None = None
    #: A lower cumulative dose to warn at (doxorubicin label: consider
    #: cardioprotection with dexrazoxane at 300 mg/m²), with its citation.
    anthracycline_warning_mg_m2: float | None = None
    anthracycline_warning_source: str = ""

    def kidney_function_text(self) -> str:
        """The kidney-function methods in words, in order of preference."""
        scr = (
            f"minimum SCr {format_number(self.minimum_scr_mg_dl)} mg/dL"
            if self.minimum_scr_mg_dl
            else "no minimum SCr"
        )
        words = {
            "measured": "measured GFR (--gfr)",
            "ckd-epi-2021": "CKD-EPI 2021 eGFR de-indexed by BSA / 1.73",
            "cockcroft-gault": f"Cockcroft-Gault with {self.crcl_weight.replace('_', ' ')} weight, {scr}",
        }
        return ", else ".join(words[m] for m in self.kidney_function)

    def summary_lines(self) -> list[str]:
        """The policy's settings, one readable line each, for printing."""
        cap = f"capped at {format_number(self.bsa_cap_m2)} m²" if self.bsa_cap_m2 else "no cap"
        decimals = (
            "unrounded" if self.bsa_decimals is None else f"rounded to {self.bsa_decimals} decimals"
        )
        gfr = (
            f"capped at {format_number(self.gfr_cap_ml_min)} mL/min"
            if self.gfr_cap_ml_min
            else "not capped"
        )
        lines = [
            f"BSA: {self.bsa_formula}, {decimals}, {cap}",
            f"dosing weight for mg/kg: {self.dosing_weight} body weight",
            f"carboplatin kidney function: {self.kidney_function_text()}, GFR {gfr}"
            + (f" ({self.kidney_source})" if self.kidney_source else ""),
            f"rounding: {self.rounding.describe()}",
            f"recalculate when weight changes by {format_number(self.weight_change_pct)}% or more",
        ]
        lines += [
            f"{rule.scope()} re-load: {rule.describe()} ({rule.source})"
            for rule in self.reload_rules
        ]
        lines.append(
            f"anthracycline lifetime limit: {format_number(self.anthracycline_limit_mg_m2)} mg/m² doxorubicin equivalents ({self.anthracycline_source})"
        )
        if self.anthracycline_warning_mg_m2:
            lines.append(
                f"anthracycline warning from {format_number(self.anthracycline_warning_mg_m2)} mg/m² doxorubicin equivalents ({self.anthracycline_warning_source})"
            )
        lines.append(course_limit_text(self.course_limit))
        return lines


def course_limit_text(method: str) -> str:
    """The policy's course-limit choice as printed with every result."""
    if method == "by_count":
        return "course limits: by count (doses counted in equivalents of the limit's interval, e.g. 18 three-weekly trastuzumab doses; a weekly dose counts 1/3)"
    return "course limits: by date (no dose on or after the first dose + the limit's duration, e.g. day 364 for 52 weeks)"


@dataclass(frozen=True)
class Patient:
    """A patient's measurements, in canonical units, as interpreted.

    ``notes`` records every interpretation (a bare number read as cm) and
    every plausibility override, so the output can say so.
    """

    height_cm: float
    weight_kg: float
    sex: Literal["female", "male"] | None = None
    age_years: float | None = None
    scr_mg_dl: float | None = None
    notes: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    measured_gfr_ml_min: float | None = None  # absolute mL/min (--gfr)


@dataclass(frozen=True)
class DoseLine:
    """One computed dose with its whole derivation.

    ``calculated_mg`` is per-unit dose x patient metric; ``final_mg`` is after
    modification, then cap, then rounding (that order, always).
    """

    phase: str
    cycle: int | None
    day: int | None
    cycles_text: str  # where the dose applies: "1", "2-4", "2 onwards"
    drug: str
    route: str
    kind: DoseKind
    basis: Basis
    per_unit: float
    per_unit_unit: str
    metric_name: str  # "BSA", "weight", "GFR", ""
    metric_value: float | None
    metric_unit: str
    calculated_mg: float
    reduction_pct: float
    modified_mg: float
    cap_mg: float | None
    capped: bool
    final_mg: float
    rounding_note: str
    infusion: str | None
    derivation: tuple[str, ...] = field(default_factory=tuple)
    reason: str | None = None  # why a dose is a loading dose, when not the first
    times_per_day: int = 1  # the final dose is given this many times on each day
    caution: str | None = None  # the regimen line's caution (off-label use), printed

    @property
    def difference_pct(self) -> float:
        """Percent difference of the final dose from the calculated dose."""
        if self.calculated_mg == 0:
            return 0.0
        return (self.final_mg - self.calculated_mg) / self.calculated_mg * 100


@dataclass(frozen=True)
class Administration:
    """One dose given on one date: the unit of a course calendar.

    ``dose`` is None when no patient was given (the calendar then prints the
    per-unit dose, e.g. "75 mg/m²").
    """

    date: dt.date
    nominal_date: dt.date  # before delays and holiday moves
    phase: str
    cycle: int
    day: int
    drug: str
    route: str
    kind: DoseKind
    step: DoseStep
    basis: Basis
    entry: DrugEntry
    dose: DoseLine | None = None
    notes: tuple[str, ...] = ()  # re-load reasons, holiday flags and moves
