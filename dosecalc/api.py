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
    from .units import parse_quantity

    previous = float(
        parse_quantity(
            previous_weight, dimension="[mass]", default_unit="kg", what="previous weight"
        )
        .to("kg")
        .magnitude
    )
    if previous <= 0:
        raise InputError(f"previous weight '{previous_weight}' must be more than zero")
    return WeightChange(previous, patient.weight_kg, policy.weight_change_pct)


def parse_reductions(items: list[str] | tuple[str, ...]) -> dict[str, float]:
    """``["docetaxel=20%"]`` -> ``{"docetaxel": 20.0}``; raises InputError."""
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
        reductions[drug.strip().lower()] = value
    return reductions


def resolve_patient(
    height: Any,
    weight: Any,
    sex: Any = None,
    age: Any = None,
    scr: Any = None,
    accept_implausible: bool = False,
) -> Patient:
    """A Patient from typed values (see :func:`dosecalc.patient.make_patient`)."""
    return make_patient(
        height, weight, sex=sex, age=age, scr=scr, accept_implausible=accept_implausible
    )


def drug_vials(drug: str, policy: Policy) -> tuple[float, ...]:
    """The drug's vial sizes in mg from the drug reference, when the policy
    rounds to vials; () otherwise or if the drug has none listed."""
    if policy.rounding.method != "vial":
        return ()
    from .drugs import load_drug_reference

    try:
        return load_drug_reference().get(drug).vials_mg
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
) -> DoseReport:
    """Every distinct dose of ``regimen`` for a patient, or the doses of one cycle.

    Without ``cycle``: one line per phase, drug and kind (loading,
    maintenance, standard) with the cycles it applies to. With ``cycle``
    (and ``phase``, else the course's Nth cycle overall): that cycle's doses.
    ``previous_weight`` (the weight the last doses were calculated on) adds
    the weight change against the policy's recalculation threshold.
    """
    reg = find_regimen(regimen, regimen_dirs)
    pol = find_policy(policy, policy_dirs)
    patient = resolve_patient(height, weight, sex, age, scr, accept_implausible)
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
        schedule = expand(reg, pol, _NOMINAL_START)
        lines = _course_lines(schedule, ctx, phase)
        scope = "whole course" if phase is None else f"phase {reg.phase(phase).id}"
    else:
        schedule, wanted = _schedule_for_cycle(reg, pol, cycle, phase)
        lines = [
            compute_dose(
                a.entry,
                a.step,
                a.kind,
                ctx,
                phase=a.phase,
                cycle=a.cycle,
                day=a.day,
                cycles_text=str(a.cycle) if a.entry.days == (1,) else f"{a.cycle} (day {a.day})",
                reason="; ".join(a.notes) or None,
                vials_mg=drug_vials(a.drug, pol),
            )
            for a in schedule.administrations
            if (a.phase, a.cycle) == wanted
        ]
        scope = f"cycle {cycle}" if phase is None else f"phase {wanted[0]} cycle {cycle}"
        if phase is None and len(reg.phases) > 1:
            scope += f" of the course ({wanted[0]} cycle {wanted[1]})"
    notes = list(patient.notes) + list(patient.overrides)
    change = weight_change(previous_weight, patient, pol) if previous_weight is not None else None
    return DoseReport(reg, pol, patient, ctx.bsa, lines, scope, notes, change)


def _schedule_for_cycle(
    reg: Regimen, pol: Policy, cycle: int, phase: str | None
) -> tuple[CourseSchedule, tuple[str, int]]:
    if phase is None:
        schedule = expand(reg, pol, _NOMINAL_START, max_cycles=cycle)
        found = [(p, c) for p, c, course, _ in schedule.cycles if course == cycle]
        if not found:
            raise NotFoundError(
                f"{reg.id} has only {len(schedule.cycles)} cycles; there is no cycle {cycle}"
            )
        return schedule, found[0]
    target = reg.phase(phase)
    overrides = {}
    if target.cycles.mode == "until_progression" or (
        target.cycles.mode == "minimum" and cycle > (target.cycles.count or 0)
    ):
        overrides[target.id] = cycle
    schedule = expand(reg, pol, _NOMINAL_START, phase_cycles=overrides)
    if not any(p == target.id and c == cycle for p, c, _, _ in schedule.cycles):
        count = sum(1 for p, *_ in schedule.cycles if p == target.id)
        raise NotFoundError(
            f"phase {target.id} of {reg.id} has {count} cycles; there is no cycle {cycle}"
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
                vials_mg=drug_vials(first.drug, ctx.policy),
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
            text += f" (day{'s' if len(days) > 1 else ''} {', '.join(map(str, days))})"
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
        )
        for r in load_all(regimen_dirs)
    ]


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
        if not path.is_file():
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
    "DoseReport",
    "RegimenSummary",
    "calendar_course",
    "compute_bsa",
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

        path = Path(text_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read '{text_file}': {exc}") from None
        case, extracted, text_findings = case_from_text(text, str(path), regimens)
    elif case_file is not None:
        case, text_findings = load_case_file(Path(case_file)), []
    else:
        raise InputError("give a case file (YAML) or --text FILE")
    patient = None
    if bool(height) != bool(weight):
        raise InputError("give both --height and --weight (or neither)")
    # The case's own height and weight, else its latest dated measurements.
    # A case with only one of them is checked on per-unit doses only.
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
    report = check_case(case, pol, regimens, patient, text_findings)
    report.extracted = extracted
    return report


def normalized_case(case_file: str) -> str:
    """The case file as read, in the documented format (``dosecalc check
    --normalize``): what the reader assumed or ignored first, as comments."""
    from pathlib import Path

    from .case import canonical_yaml, load_case_file

    return canonical_yaml(load_case_file(Path(case_file)))


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
