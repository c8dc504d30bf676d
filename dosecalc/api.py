"""The public Python API: what every command of the CLI calls.

Each function takes plain values (strings with units, numbers, names) and
returns a report object; the CLI only parses options and prints. Example::

    from dosecalc import api
    report = api.dose_course("thp", height="165 cm", weight="62 kg")
    for line in report.lines:
        print(line.drug, line.kind, line.final_mg)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .dosing import DosingContext, compute_dose
from .errors import InputError, NotFoundError
from .model import DoseLine, Patient, Policy, Regimen
from .patient import BsaResult, body_surface_area, make_patient
from .policy import find_policy
from .regimen import find_regimen, load_all, regimen_files
from .schedule import CourseSchedule, CycleRef, expand

#: The date a dose-only expansion is laid on; only intervals matter there.
_NOMINAL_START = dt.date(2000, 1, 3)


@dataclass(frozen=True)
class BsaReport:
    """``dosecalc bsa``: a patient's BSA by one formula, or by all of them."""

    patient: Patient
    results: list[BsaResult]
    bmi: float


def compute_bsa(
    height: Any,
    weight: Any,
    *,
    sex: str | None = None,
    formula: str | None = "mosteller",
    cap_m2: float | None = None,
    decimals: int | None = None,
    accept_implausible: bool = False,
) -> BsaReport:
    """BSA by ``formula`` (or every formula when ``formula`` is None)."""
    from .metrics import BSA_FORMULAS, bmi

    patient = make_patient(height, weight, sex=sex, accept_implausible=accept_implausible)
    names = [formula] if formula else [f for f in BSA_FORMULAS if f != "schlich" or patient.sex]
    results = [body_surface_area(patient, name, cap_m2, decimals) for name in names]
    return BsaReport(patient, results, bmi(patient.height_cm, patient.weight_kg))


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
    provenance: dict[str, Any] | None = None  # dosecalc.provenance.record


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
        from .formatting import format_number, format_percent

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


def weight_change(previous_weight: Any, patient: Patient, policy: Policy) -> WeightChange:
    """Compare the patient's weight with ``previous_weight`` (``"70 kg"``,
    ``"154 lb"``; a bare number is kg) under the policy's threshold."""
    from .errors import UnitError, about_field
    from .units import parse_quantity

    try:
        quantity = parse_quantity(
            previous_weight, dimension="[mass]", default_unit="kg", what="previous weight"
        )
    except UnitError as exc:
        raise about_field(exc, "previous-weight") from None
    previous = float(quantity.to("kg").magnitude)
    from .patient import WEIGHT_PHYSICAL_KG, require_physical

    try:
        require_physical(previous, WEIGHT_PHYSICAL_KG, "previous weight", "kg", "check the unit")
    except InputError as exc:
        raise about_field(exc, "previous-weight") from None
    return WeightChange(previous, patient.weight_kg, policy.weight_change_pct)


def parse_reductions(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """``["docetaxel=20%"]`` -> ``{"docetaxel": 20.0}``; raises InputError,
    also when a drug is named twice (reductions are never combined or
    silently replaced)."""
    from .formatting import format_number

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


def resolve_patient(
    height: Any,
    weight: Any,
    sex: Any = None,
    age: Any = None,
    scr: Any = None,
    accept_implausible: bool = False,
    gfr: Any = None,
) -> Patient:
    """A Patient from typed values (see :func:`dosecalc.patient.make_patient`)."""
    return make_patient(
        height, weight, sex=sex, age=age, scr=scr, accept_implausible=accept_implausible, gfr=gfr
    )


def drug_vials(drug: str, policy: Policy, route: str = "IV") -> tuple[float, ...]:
    """The drug's vial sizes in mg from the drug reference, when the policy
    rounds to vials and the line is intravenous; () otherwise or if the drug
    has none listed. The listed vials are the IV products: a subcutaneous
    fixed-dose product (Phesgo 1,200 mg pertuzumab) is never made up from
    IV vials (3 x 420 mg = 1,260 mg)."""
    if policy.rounding.method != "vial" or route != "IV":
        return ()
    from .drugs import load_drug_reference

    try:
        return load_drug_reference().get(drug).vials_mg
    except NotFoundError:
        return ()


def drug_tablets(drug: str, route: str) -> tuple[float, ...]:
    """The drug's tablet strengths in mg from the drug reference for an oral
    line; () for other routes or a drug with none listed."""
    if route != "PO":
        return ()
    from .drugs import load_drug_reference

    try:
        return load_drug_reference().get(drug).tablets_mg
    except NotFoundError:
        return ()


def _compress(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3, 5"."""
    parts: list[str] = []
    for n in sorted(set(numbers)):
        if parts and parts[-1][1] == n - 1:
            parts[-1] = (parts[-1][0], n)
        else:
            parts.append((n, n))  # type: ignore[arg-type]
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)  # type: ignore[misc]


def dose_course(
    regimen: str,
    *,
    height: Any,
    weight: Any,
    sex: Any = None,
    age: Any = None,
    scr: Any = None,
    policy: str | None = None,
    cycle: int | None = None,
    phase: str | None = None,
    reduce: list[str] | tuple[str, ...] = (),
    regimen_dirs: tuple[str, ...] = (),
    policy_dirs: tuple[str, ...] = (),
    accept_implausible: bool = False,
    previous_weight: Any = None,
    delays: list[str] | tuple[str, ...] = (),
    gfr: Any = None,
    allow_draft: bool = False,
) -> DoseReport:
    """Every distinct dose of ``regimen`` for a patient, or the doses of one cycle.

    Without ``cycle``: one line per phase, drug and kind (loading,
    maintenance, standard) with the cycles it applies to. With ``cycle``
    (and ``phase``, else the course's Nth cycle overall): that cycle's doses.
    ``previous_weight`` (the weight the last doses were calculated on) adds
    the weight change against the policy's recalculation threshold.
    ``delays`` ("3=7", "TH:5=14") shift cycles as in the calendar, so that a
    dose after a delay is a re-load when the policy's rule says so. ``gfr`` is
    a measured GFR ("95 mL/min") for policies that take one. A draft regimen
    is refused unless ``allow_draft``; a retired one always.
    """
    arguments = dict(locals())  # every input as given, for the provenance record
    from .governance import require_usable

    reg = find_regimen(regimen, regimen_dirs)
    require_usable(reg, allow_draft)
    pol = find_policy(policy, policy_dirs)
    patient = resolve_patient(height, weight, sex, age, scr, accept_implausible, gfr)
    delay_map: dict[Any, int] = {}
    if delays:  # the calendar module parses delays: imported only when there are some
        from .calendar import parse_delays

        delay_map = parse_delays(delays)
    late = [str(ref) for ref in delay_map if cycle and ref.phase is None and ref.cycle > cycle]
    if phase is None and late:
        raise InputError(
            f"--delay {', '.join(late)}: after cycle {cycle}, so it cannot change the doses of cycle {cycle}"
        )
    reductions = parse_reductions(reduce)
    unknown = [drug for drug in reductions if drug not in reg.drugs()]
    if unknown:
        raise InputError(
            f"--reduce {', '.join(unknown)}: not a drug of {reg.id} ({', '.join(reg.drugs())})"
        )
    ctx = DosingContext.build(patient, pol, reductions)
    if cycle is None:
        if phase is not None:
            reg.phase(phase)
        schedule = expand(reg, pol, _NOMINAL_START, delays=delay_map)
        lines = _course_lines(schedule, ctx, phase)
        scope = "whole course" if phase is None else f"phase {reg.phase(phase).id}"
    else:
        schedule, wanted = _schedule_for_cycle(reg, pol, cycle, phase, delay_map)
        lines = _cycle_lines(
            [a for a in schedule.administrations if (a.phase, a.cycle) == wanted], ctx
        )
        scope = f"cycle {cycle}" if phase is None else f"phase {wanted[0]} cycle {cycle}"
        if phase is None and len(reg.phases) > 1:
            scope += f" of the course ({wanted[0]} cycle {wanted[1]})"
    notes = list(patient.notes) + list(patient.overrides)
    change = weight_change(previous_weight, patient, pol) if previous_weight is not None else None
    given = given_inputs(arguments)
    interpreted = {
        "regimen": reg.id,
        "policy": pol.id,
        **patient_inputs(patient),
        "cycle": cycle,
        "phase": reg.phase(phase).id if phase else None,
        "reductions_pct": {drug: exact(pct) for drug, pct in reductions.items()},
        "previous_weight_kg": exact(change.previous_kg) if change else None,
    }
    prov = provenance_record("dose", reg, pol, given, interpreted)
    return DoseReport(reg, pol, patient, ctx.bsa, lines, scope, notes, change, prov)


def _given(value: Any) -> Any:
    """An input as typed, for the provenance record (JSON-safe: text, numbers,
    lists and mappings as they are; anything else as text)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_given(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _given(item) for key, item in value.items()}
    return str(value)


def given_inputs(arguments: dict[str, Any]) -> dict[str, Any]:
    """Every argument of a dose or calendar call, as given: ``reproduce``
    calls it again with them (an option added later is recorded too). The
    regimen and policy folders are not: the files' own paths are recorded."""
    return {
        name: _given(value)
        for name, value in arguments.items()
        if name not in ("regimen_dirs", "policy_dirs")
    }


def exact(value: float | None) -> float | int | None:
    """A number as interpreted, unrounded, and whole numbers without ".0"
    (ISMP: "62", never "62.0")."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def patient_inputs(patient: Patient) -> dict[str, Any]:
    """A patient's measurements as interpreted, unrounded (provenance)."""
    return {
        "height_cm": exact(patient.height_cm),
        "weight_kg": exact(patient.weight_kg),
        "sex": patient.sex,
        "age_years": exact(patient.age_years),
        "scr_mg_dl": exact(patient.scr_mg_dl),
        "measured_gfr_ml_min": exact(patient.measured_gfr_ml_min),
        "overrides": list(patient.overrides),
    }


def provenance_record(
    command: str, reg: Regimen, pol: Policy, given: dict[str, Any], interpreted: dict[str, Any]
) -> dict[str, Any]:
    from .provenance import record

    return record(command, reg, pol, given, interpreted)


def _cycle_lines(administrations: list[Any], ctx: DosingContext) -> list[DoseLine]:
    """The dose lines of one cycle: a drug given the same dose on several
    days is one line naming its days (capecitabine "1 (days 1-14)"); a dose
    that differs, or carries a note (a re-load), stays on its own line."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
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
            else f"{first.cycle} (day{'s' if len(days) > 1 else ''} {_compress(days)})"
        )
        lines.append(
            compute_dose(
                first.entry,
                first.step,
                first.kind,
                ctx,
                phase=first.phase,
                cycle=first.cycle,
                day=first.day,
                cycles_text=where,
                reason="; ".join(n for n in first.notes if not n.startswith("caution:")) or None,
                vials_mg=drug_vials(first.drug, ctx.policy, first.entry.route),
                tablets_mg=drug_tablets(first.drug, first.entry.route),
            )
        )
    return lines


def _schedule_for_cycle(
    reg: Regimen,
    pol: Policy,
    cycle: int,
    phase: str | None,
    delays: dict[CycleRef, int] | None = None,
) -> tuple[CourseSchedule, tuple[str, int]]:
    from .schedule import MAX_CYCLES

    if isinstance(cycle, bool) or not isinstance(cycle, int) or not 1 <= cycle <= MAX_CYCLES:
        raise InputError(
            f"--cycle {cycle!r}: give a cycle from 1 to {MAX_CYCLES} (dosecalc plans at most {MAX_CYCLES} cycles)"
        )
    if phase is None:
        schedule = expand(reg, pol, _NOMINAL_START, max_cycles=cycle, delays=delays)
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
    schedule = expand(reg, pol, _NOMINAL_START, phase_cycles=overrides, delays=delays)
    if not any(p == target.id and c == cycle for p, c, _, _ in schedule.cycles):
        count = sum(1 for p, *_ in schedule.cycles if p == target.id)
        raise NotFoundError(
            f"phase {target.id} of {reg.id} has {count} cycles; there is no cycle {cycle}",
            field="cycle",
        )
    return schedule, (target.id, cycle)


def _course_lines(
    schedule: CourseSchedule, ctx: DosingContext, only_phase: str | None
) -> list[DoseLine]:
    """One dose line per distinct (phase, drug, kind), listing where it applies:
    "2-6", or with the days when a drug is given on several days of a cycle,
    "1 (days 8, 15); 2-6 (days 1, 8, 15)"."""
    groups: dict[tuple[str, str, str], list[Any]] = {}
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
        lines.append(
            compute_dose(
                first.entry,
                first.step,
                first.kind,
                ctx,
                phase=phase_id,
                cycle=first.cycle,
                day=first.day,
                cycles_text=text,
                vials_mg=drug_vials(first.drug, ctx.policy, first.entry.route),
                tablets_mg=drug_tablets(first.drug, first.entry.route),
            )
        )
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
        text = _compress(cycles)
        if index == len(runs) - 1 and mode == "until_progression":
            text = _onwards(cycles)
        elif index == len(runs) - 1 and mode == "minimum":
            text += " or more"
        if not single_day:
            # Consecutive days as a range: capecitabine "days 1-14", not 14 numbers.
            text += f" (day{'s' if len(days) > 1 else ''} {_compress(list(days))})"
        parts.append(text)
    return "; ".join(parts)


def _onwards(cycles: list[int]) -> str:
    """Cycles of an open-ended phase that reach its last shown cycle:
    [2, 3, 4, 5, 6] -> "2 onwards"; [1, 3, 5] -> "1, 3, 5 onwards"."""
    ordered = sorted(set(cycles))
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} onwards"
    return f"{_compress(ordered)} onwards"


@dataclass(frozen=True)
class RegimenSummary:
    """One row of ``dosecalc regimens list``."""

    id: str
    name: str
    setting: str
    phases: str
    path: str
    version: str = ""
    status: str = ""
    last_reviewed: str | None = None


def list_regimens(regimen_dirs: tuple[str, ...] = ()) -> list[RegimenSummary]:
    """Every regimen of the library (validated)."""
    return [
        RegimenSummary(
            r.id,
            r.name,
            r.setting,
            " → ".join(
                f"{p.id} ({p.cycles.describe()}, every {p.cycle_length_days} days)"
                for p in r.phases
            ),
            r.path or "",
            r.version,
            r.status,
            r.last_reviewed.isoformat() if r.last_reviewed else None,
        )
        for r in load_all(regimen_dirs)
    ]


@dataclass(frozen=True)
class DoseLevelMatch:
    """A dose found among a drug's documented reductions in a regimen."""

    regimen: str
    phase: str
    drug: str
    level: int  # 1 = the first documented reduction
    dose: str  # "4.4 mg/kg"
    starting_dose: str  # "5.4 mg/kg"
    source: str

    def describe(self) -> str:
        return (
            f"{self.dose} is documented dose reduction {self.level} of {self.drug} in "
            f"{self.regimen} phase {self.phase} (from {self.starting_dose}) [{self.source}]"
        )


def documented_reduction(
    regimen: str,
    drug: str,
    dose: str,
    *,
    phase: str | None = None,
    regimen_dirs: tuple[str, ...] = (),
) -> DoseLevelMatch | None:
    """Whether ``dose`` (a per-unit dose such as "4.4 mg/kg" or "60 mg/m2",
    or a percentage of the starting dose such as "75%") is a documented
    reduction level of ``drug`` in ``regimen`` (in ``phase``, else in any
    phase). Returns the match, or None when it is not a documented level.
    Raises InputError for a drug or phase not in the regimen, or a dose that
    does not fit the drug's basis."""
    from .formatting import format_amount
    from .model import BASIS_UNITS
    from .regimen import parse_per_unit_dose

    reg = find_regimen(regimen, regimen_dirs)
    phases = [reg.phase(phase)] if phase is not None else list(reg.phases)
    entries = [(p, e) for p in phases for e in p.drugs if e.drug == drug.strip().lower()]
    if not entries:
        where = f"phase {phases[0].id} of {reg.id}" if phase is not None else reg.id
        raise InputError(f"'{drug}' is not a drug of {where} ({', '.join(reg.drugs())})")
    text = dose.strip()
    for found_phase, entry in entries:
        start = entry.starting_step.per_unit
        if text.endswith("%"):
            try:
                per_unit = start * float(text[:-1]) / 100
            except ValueError:
                raise InputError(f"'{dose}' is not a percentage (write e.g. '75%')") from None
        else:
            per_unit = float(parse_per_unit_dose(text, entry.basis).magnitude)
        level = entry.reduction_level(per_unit)
        if level is not None and entry.dose_levels is not None:
            unit = BASIS_UNITS[entry.basis]
            return DoseLevelMatch(
                reg.id,
                found_phase.id,
                entry.drug,
                level,
                format_amount(per_unit, unit, 4),
                format_amount(start, unit, 4),
                entry.dose_levels.source,
            )
    return None


def show_regimen(name: str, regimen_dirs: tuple[str, ...] = ()) -> Regimen:
    """One regimen, validated."""
    return find_regimen(name, regimen_dirs)


def validate_regimens(paths: tuple[str, ...] = (), regimen_dirs: tuple[str, ...] = ()) -> list[str]:
    """Validate the given files (or the whole library); returns the files
    checked, or raises DataFileError listing every problem of every file."""
    from pathlib import Path

    from .errors import DataFileError
    from .regimen import load_regimen_file

    files = [Path(p) for p in paths] if paths else regimen_files(regimen_dirs)
    problems = []
    for path in files:
        if not (path.exists() or path.is_symlink()):
            raise NotFoundError(f"no file '{path}'")
        try:
            load_regimen_file(path)
        except DataFileError as exc:
            problems += exc.problems
    if problems:
        raise DataFileError(problems)
    return [str(f) for f in files]


__all__ = [
    "BsaReport",
    "CalendarReport",  # noqa: F822 (module __getattr__ provides it lazily)
    "CycleRef",
    "DoseLevelMatch",
    "DoseReport",
    "RegimenSummary",
    "calendar_course",
    "compute_bsa",
    "documented_reduction",
    "dose_course",
    "list_regimens",
    "parse_reductions",
    "show_regimen",
    "validate_regimens",
]


def check_course(
    case_file: str | None = None,
    *,
    text_file: str | None = None,
    height: Any = None,
    weight: Any = None,
    policy: str | None = None,
    regimen_dirs: tuple[str, ...] = (),
    policy_dirs: tuple[str, ...] = (),
    accept_implausible: bool = False,
) -> Any:
    """Check a documented course (a case file, or a free clinical text).

    Height and weight, when given, complete a case that lacks them so final
    doses in mg can be shown. Returns a CheckReport (errors first).
    """
    from pathlib import Path

    from .case import load_case_file
    from .checker.check import check_case

    pol = find_policy(policy, policy_dirs)
    regimens = load_all(regimen_dirs)
    extracted: list[Any] = []
    if text_file is not None:
        from .checker.fromtext import case_from_text
        from .inputfile import read_text_file

        path = Path(text_file)
        text = read_text_file(path)
        case, extracted, text_findings = case_from_text(text, str(path))
    elif case_file is not None:
        case, text_findings = load_case_file(Path(case_file)), []
    else:
        raise InputError("give a case file (YAML) or --text FILE")
    patient = None
    # The case's own height and weight, else its latest dated measurements.
    latest_height, latest_weight = case.patient.latest("height"), case.patient.latest("weight")
    height = height or case.patient.height or (latest_height.text if latest_height else None)
    weight = weight or case.patient.weight or (latest_weight.text if latest_weight else None)
    if height and weight:
        patient = make_patient(
            height,
            weight,
            sex=case.patient.sex,
            age=case.patient.age_years,
            accept_implausible=accept_implausible,
        )
    elif height or weight:
        raise InputError("give both --height and --weight (or neither)")
    report = check_case(case, pol, regimens, patient, text_findings)
    report.extracted = extracted
    return report


#: The example patient of ``dosecalc demo``. The case report gives no height
#: or weight; these are the clinical reference's worked example (a 165 cm,
#: 62 kg woman of 40, serum creatinine 0.8 mg/dL).
DEMO_PATIENT = {
    "height": "165 cm",
    "weight": "62 kg",
    "sex": "female",
    "age": "40",
    "scr": "0.8 mg/dL",
}


@dataclass
class DemoReport:
    """``dosecalc demo``: the case report's regimens for the example patient."""

    patient: dict[str, str]
    doses: list[DoseReport]
    calendar: Any
    check: Any


def demo_reports() -> DemoReport:
    """The main job on the embedded default: the seed case's regimens (AC-TH
    and THP) dosed for the example patient, the THP calendar from the case's
    start date (2016-01-19, 8 cycles), and the check of the case report."""
    from .paths import shipped_dir

    doses = [dose_course(name, **DEMO_PATIENT) for name in ("ac-th", "thp")]
    # The case's AC x 4 gave 240 mg/m2 of doxorubicin before THP.
    calendar = calendar_course(
        "thp", start="2016-01-19", cycles=8, prior_anthracycline="240 mg/m2", **DEMO_PATIENT
    )
    check = check_course(str(shipped_dir("seeds") / "case-report.yaml"))
    return DemoReport(DEMO_PATIENT, doses, calendar, check)


def calendar_course(regimen: str, start: Any, **options: Any) -> Any:
    """Every administration of ``regimen`` from ``start``, dated: see
    :func:`dosecalc.calendar.calendar_course` for the options. (Imported on
    use, so a dose calculation does not pay for the calendar module.)"""
    from .calendar import calendar_course as build

    return build(regimen, start, **options)


def __getattr__(name: str) -> Any:
    # ``api.CalendarReport`` without importing the calendar module up front.
    if name == "CalendarReport":
        from .calendar import CalendarReport

        return CalendarReport
    raise AttributeError(name)
