"""Loading, validating and finding regimen files.

A regimen file is data (format: ``docs/regimen-format.md``). It is validated
strictly on load: unknown fields, quantities without units or of the wrong
dimension for their basis, days outside the cycle, a loading dose without a
maintenance dose, unknown source ids... every problem is collected and
reported at once with file, line and field path.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import datacache
from .errors import AmbiguousNumberError, DataFileError, NotFoundError, UnitError
from .formatting import format_amount, format_number
from .governance import FIELDS as GOVERNANCE
from .limits import DOSE_BY_BASIS, MAX_CYCLES, REGIMEN, USUAL_DOSE_FACTOR
from .model import (
    BASIS_UNITS,
    CourseLimit,
    CycleCount,
    DoseLevel,
    DoseLevels,
    DoseStep,
    DrugEntry,
    EligibilityInterval,
    Phase,
    Regimen,
)
from .paths import drug_reference_file, modified_ns, search_dirs, shipped_dir, yaml_files
from .supportive import read_emetogenic_risk, read_monitoring, read_supportive
from .units import Q, parse_quantity, registry, split_number
from .validation import (
    DECLARED,
    SOURCES,
    WRITTEN,
    Checker,
    Field,
    FieldPath,
    Rule,
    Section,
    describe_value,
    list_of,
    load_data_file,
    one_of,
    schema_version,
    text,
    whole,
)

SCHEMA_VERSION = 1
ENV_VAR = "DOSECALC_REGIMENS"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ROUTES = ("IV", "PO", "SC", "IM")
_SETTINGS = ("adjuvant", "neoadjuvant", "perioperative", "metastatic", "any")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: At most this many doses on one day (twice daily is 2).
_MAX_TIMES_PER_DAY = 6

# The dimension each basis's per-unit dose must have, and its canonical unit.
_BASIS_DIMENSIONS = {
    "bsa": ("[mass] / [length] ** 2", "mg/m**2"),
    "flat": ("[mass]", "mg"),
    "auc": ("[mass] * [time] / [length] ** 3", "mg/mL*min"),
}


def parse_per_unit_dose(text: Any, basis: str) -> Any:
    """Parse a per-unit dose (``"75 mg/m2"``, ``"4 mg/kg"``, ``"840 mg"``,
    ``"AUC 6"``) and check it fits ``basis``. Returns a Pint quantity in the
    basis's canonical unit; raises UnitError with a reason otherwise."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UnitError(f"{text!r} is not a quantity")
    raw = str(text).strip()
    if isinstance(text, (int, float)):
        raise UnitError(
            f"'{raw}' has no unit (write it as '{raw} {BASIS_UNITS[basis].replace('AUC', 'mg/mL*min')}')"
        )
    if basis == "auc" and raw.upper().startswith("AUC"):
        number, rest = split_number(raw[3:])
        if rest:
            raise UnitError(f"'{raw}' is not an AUC (write 'AUC 5' or '5 mg/mL*min')")
        return Q(number, "mg/mL*min")
    if basis == "weight":
        try:
            quantity = parse_quantity(raw, dimension="[mass] / [mass]", what="dose")
        except UnitError as exc:
            if "unknown unit" in str(exc):
                raise
            raise UnitError(f"'{raw}' is not a dose per body weight (write it as mg/kg)") from None
        exponents = {}
        for name, power in quantity.unit_items():
            unit = registry().Unit(name)
            if unit.dimensionality == registry().Unit("g").dimensionality:
                exponents[power] = True
        if not (exponents.get(1) and exponents.get(-1)):
            raise UnitError(f"'{raw}' is not a dose per body weight (write it as mg/kg)")
        return quantity.to("mg/kg")
    dimension, canonical = _BASIS_DIMENSIONS[basis]
    try:
        quantity = parse_quantity(raw, dimension=dimension, what="dose")
    except AmbiguousNumberError:
        raise
    except UnitError as exc:
        raise UnitError(f"'{raw}' does not fit basis '{basis}' ({exc})") from None
    return quantity.to(canonical)


def parse_duration_days(text: Any) -> int:
    """Parse a duration (``"21 days"``, ``"52 weeks"``) into whole days."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise UnitError(f"{text!r} is not a duration with a unit (write e.g. '21 days')")
    days = parse_quantity(text, dimension="[time]", what="duration").to("day").magnitude
    if not math.isfinite(days):
        raise UnitError(f"'{text}' is not a finite duration")
    if abs(days - round(days)) > 1e-9:
        raise UnitError(f"'{text}' is not a whole number of days")
    return int(round(days))


def _parse_infusion(checker: Checker, value: Any, path: tuple[Any, ...]) -> Any:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise UnitError(f"{value!r} is not a duration with a unit (write e.g. '90 min')")
        if re.fullmatch(r"\s*\d+:\d+\s*", value):
            raise UnitError(
                f"'{value}' is ambiguous (hours:minutes?): write the duration with its unit, e.g. '90 min'"
            )
        minutes = parse_quantity(value, dimension="[time]", what="infusion").to("min")
    except UnitError as exc:
        checker.problem(path, str(exc))
        return None
    if checker.within(float(minutes.magnitude), path, REGIMEN["infusion"], value) is None:
        return None
    return minutes


def _read_regimen(c: Checker, data: Any) -> Regimen | None:
    """A Regimen from a regimen file's data, or None with every problem noted on ``c``."""
    top = _REGIMEN.read(c, data, ())
    if top is None or c.problems:
        return None
    return Regimen(
        id=top["id"] or "",
        name=top["name"] or "",
        setting=top["setting"] or "",
        phases=tuple(top["phases"]),
        sources=tuple(top["sources"].values()),
        course_limits=tuple(top["course_limits"]),
        aliases=top["aliases"],
        notes=top["notes"],
        path=c.filename,
        monitoring=top["monitoring"] or (),
        eligibility=tuple(top["eligibility"]),
        version=top["version"],
        status=top["status"],
        last_reviewed=top["last_reviewed"],
        reviewed_by=top["reviewed_by"],
    )


def _regimen_id(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    regimen_id = c.text(value, path)
    if regimen_id and not _ID.match(regimen_id):
        c.problem(path, f"'{regimen_id}' must be lower-case letters, digits and hyphens")
    return regimen_id


def _source_refs(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> tuple[str, ...]:
    """Source ids, each declared under 'sources' (numbered as the text ones
    among them)."""
    refs: tuple[str, ...] = _TEXTS(c, value, path, got)
    for i, ref in enumerate(refs):
        c.cited(ref, (*path, i), got[DECLARED])
    return refs


def _source_ref(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    """One source id (reported as ``source[0]``), declared under 'sources'."""
    refs = _source_refs(c, [value], path, got)
    return refs[0] if refs else None


_TEXTS = list_of(text, non_empty=False)


def _phases(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> list[Phase]:
    phases = []
    context = {DECLARED: got[DECLARED], "phase ids": set()}
    for i, item in enumerate(c.sequence(value, path)):
        entry = _PHASE.read(c, item, (*path, i), context)
        if entry is None:
            continue
        phase_id, name, length, cycles = (
            entry["id"],
            entry["name"],
            entry["cycle_length"],
            entry["cycles"],
        )
        if phase_id and name and length and cycles:
            phases.append(
                Phase(
                    phase_id,
                    name,
                    length,
                    cycles,
                    _with_schedule(entry["drugs"], length),
                    tuple(entry["supportive"] or ()),
                    entry["emetogenic_risk"],
                )
            )
    return phases


def _phase_id(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    phase_id = c.text(value, path)
    seen: set[str] = got["phase ids"]
    if phase_id in seen:
        c.problem(path, f"duplicate phase id '{phase_id}'")
    seen.add(phase_id or "")
    return phase_id


def _cycle_length(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> int | None:
    try:
        length = parse_duration_days(value)
    except UnitError as exc:
        c.problem(path, str(exc))
        return None
    return c.within(length, path, REGIMEN["cycle_length"], value)


_CYCLE_COUNT = Section(Field("min"), Field("until"))


def _cycle_count(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> CycleCount | None:
    if isinstance(value, int) and not isinstance(value, bool):
        count = c.integer(value, path, minimum=1, maximum=MAX_CYCLES)
        return CycleCount("fixed", count) if count else None
    if not isinstance(value, dict):
        c.problem(
            path,
            f"expected a cycle count, got {describe_value(value)}: write a number (4), {{min: 6}} or {{until: progression}}",
        )
        return None
    if _CYCLE_COUNT.read(c, value, path) is None:
        return None
    if ("min" in value) == ("until" in value):
        c.problem(path, "give either a number, {min: N} or {until: progression | course_limit}")
        return None
    if "min" in value:
        count = c.integer(value["min"], (*path, "min"), minimum=1, maximum=MAX_CYCLES)
        return CycleCount("minimum", count) if count else None
    until = c.choice(value["until"], (*path, "until"), ("progression", "course_limit"))
    if until is None:
        return None
    return CycleCount("until_progression" if until == "progression" else "until_limit")


def _phase_drugs(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> list[DrugEntry]:
    context = {
        DECLARED: got[DECLARED],
        "cycle_length": got["cycle_length"],
        "phase cycles": got["cycles"],
    }
    return [
        d
        for j, drug in enumerate(c.sequence(value, path))
        if (d := _drug(c, drug, (*path, j), context))
    ]


def _named(got: dict[str, Any]) -> set[str]:
    """The phase's drugs as written. Supportive entries are checked against
    them, so a drug refused for its dose does not also make its premedication
    "not a drug of this phase" (one problem, one message)."""
    listed = got[WRITTEN].get("drugs")
    written = listed if isinstance(listed, list) else []
    return {d.drug for d in got["drugs"]} | {
        str(item["drug"]).strip().lower()
        for item in written
        if isinstance(item, dict) and isinstance(item.get("drug"), str)
    }


def _supportive(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
    return read_supportive(c, value, path, _named(got), set(got[DECLARED]))


def _emetogenic_risk(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
    return read_emetogenic_risk(c, value, path, set(got[DECLARED]))


#: A phase (``phases`` list): its cycles and the drugs given in each.
_PHASE = Section(
    Field("id", _phase_id, required=True, default=None),
    Field("name", text, required=True, default=None),
    Field("cycle_length", _cycle_length, required=True),
    Field("cycles", _cycle_count, required=True),
    Field("drugs", _phase_drugs, required=True, default=None),
    Field("supportive", _supportive),
    Field("emetogenic_risk", _emetogenic_risk),
)


def _drug(c: Checker, value: Any, path: FieldPath, context: dict[str, Any]) -> DrugEntry | None:
    entry = _DRUG.read(c, value, path, context)
    if entry is None or len(c.problems) > entry["problems before"]:
        return None
    standard, loading, maintenance = entry["doses"]
    return DrugEntry(
        drug=entry["drug"] or "",
        route=entry["route"] or "",
        basis=entry["basis"],
        days=tuple(entry["days"]),
        standard=standard,
        loading=loading,
        maintenance=maintenance,
        max_dose_mg=entry["max_dose"],
        cycles=entry["cycles"],
        reload_rule=entry["reload"],
        caution=entry["caution"],
        sources=entry["sources"],
        line=c.line(path),
        times_per_day=entry["times_per_day"] or 1,
        dose_levels=entry["dose_levels"],
    )


def _drug_name(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    drug = c.text(value, path)
    if drug and drug != drug.lower():
        c.problem(path, f"drug ids are lower-case INNs ('{drug.lower()}')")
    return drug


def _days(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> list[int]:
    """``days``: the days of the cycle a drug is given, each inside the cycle, once."""
    cycle_length = got["cycle_length"]
    days = []
    for k, day in enumerate(c.sequence(value, path)):
        number = c.integer(day, (*path, k), minimum=1, maximum=int(REGIMEN["cycle_length"].high))
        if number is not None and cycle_length is not None and number > cycle_length:
            c.problem((*path, k), f"day {number} is outside the {cycle_length}-day cycle")
        elif number is not None:
            days.append(number)
    if len(set(days)) != len(days):
        c.problem(path, "a day is listed twice")
    return days


def _doses(
    c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]
) -> tuple[DoseStep | None, DoseStep | None, DoseStep | None]:
    """The drug's dose steps: ``dose``, or ``loading`` followed by
    ``maintenance`` (never both forms, never one of the pair alone)."""
    basis = got["basis"]
    standard = loading = maintenance = None
    has_dose, has_loading, has_maintenance = (
        "dose" in entry,
        "loading" in entry,
        "maintenance" in entry,
    )
    if has_dose and (has_loading or has_maintenance):
        c.problem(path, "give either 'dose', or 'loading' with 'maintenance', not both")
    elif has_loading and not has_maintenance:
        c.problem((*path, "loading"), "a loading dose needs a 'maintenance' dose to follow it")
    elif has_maintenance and not has_loading:
        c.problem(
            (*path, "maintenance"),
            "a maintenance dose needs the 'loading' dose that precedes it",
        )
    elif not (has_dose or has_loading):
        c.problem(path, "missing the dose: give 'dose', or 'loading' and 'maintenance'")
    infusion = _parse_infusion(c, entry.get("infusion"), (*path, "infusion"))
    if basis and has_dose:
        standard = _step(c, entry["dose"], (*path, "dose"), basis, infusion, allow_mapping=False)
    if basis and has_loading:
        loading = _step(c, entry["loading"], (*path, "loading"), basis, None, allow_mapping=True)
    if basis and has_maintenance:
        maintenance = _step(
            c, entry["maintenance"], (*path, "maintenance"), basis, None, allow_mapping=True
        )
    return standard, loading, maintenance


def _max_dose(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    """``max_dose``: a cap in mg, with its unit, inside the data limits."""
    try:
        if not isinstance(value, str):
            raise UnitError(f"{value!r} has no unit (write e.g. '2 mg')")
        return c.within(
            float(parse_quantity(value, dimension="[mass]", what="max_dose").to("mg").magnitude),
            path,
            REGIMEN["max_dose"],
            value,
        )
    except UnitError as exc:
        c.problem(path, str(exc))
        return None


def _selected_cycles(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[int, ...]:
    """``cycles``: the cycles of the phase the drug is given in (all when absent)."""
    cycles = got["phase cycles"]
    selected = tuple(
        n
        for k, item in enumerate(c.sequence(value, path))
        if (n := c.integer(item, (*path, k), minimum=1, maximum=MAX_CYCLES))
    )
    if cycles and cycles.mode == "fixed" and any(n > (cycles.count or 0) for n in selected):
        c.problem(path, f"the phase has only {cycles.count} cycles")
    return selected


def _reload(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    reload_rule = c.text(value, path)
    if reload_rule and "loading" not in got[WRITTEN]:
        c.problem(path, "a re-load rule needs a 'loading' dose to re-load with")
    return reload_rule


_DOSE_LEVELS = Section(Field("levels", required=True), Field("source", required=True))


def _dose_levels(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> DoseLevels | None:
    """Documented dose reductions: each below the starting dose and below
    the level before it, all per-unit doses of the drug's basis or all
    percentages of the starting dose, with a declared source."""
    standard, _, maintenance = got["doses"]
    basis, start = got["basis"], standard or maintenance
    if not basis or start is None:
        return None
    if _DOSE_LEVELS.read(c, value, path) is None:
        return None
    source = _source_refs(c, [value.get("source")], (*path, "source"), got)
    levels: list[DoseLevel] = []
    previous = start.per_unit
    kinds = set()
    for i, item in enumerate(c.sequence(value.get("levels"), (*path, "levels"))):
        item_path = (*path, "levels", i)
        text = str(item).strip() if isinstance(item, str) else None
        if text is not None and text.endswith("%"):
            kinds.add("percent")
            try:
                percent = float(text[:-1])
            except ValueError:
                c.problem(item_path, f"'{text}' is not a percentage (write e.g. '75%')")
                continue
            if not 0 < percent < 100:
                c.problem(item_path, f"'{text}': a reduced dose is between 0% and 100%")
                continue
            level = DoseLevel(percent=percent)
        else:
            kinds.add("amount")
            try:
                amount = parse_per_unit_dose(item, basis)
            except UnitError as exc:
                c.problem(item_path, str(exc))
                continue
            if amount.magnitude <= 0:
                c.problem(item_path, "a dose must be more than zero")
                continue
            level = DoseLevel(amount=amount)
        per_unit = level.per_unit(start.per_unit)
        # A level is a dose given to a patient: the basis's range applies
        # ("1e-300 mg/m2" or "0.0001%" is refused like a starting dose).
        if c.within(per_unit, item_path, DOSE_BY_BASIS[basis], item) is None:
            continue
        if per_unit >= previous:
            c.problem(
                item_path,
                f"{level.describe(basis)} is not below the level before it: list reductions from the highest down",
            )
            continue
        previous = per_unit
        levels.append(level)
    if len(kinds) > 1:
        c.problem((*path, "levels"), "give all levels as doses or all as percentages, not both")
    if not levels or not source:
        return None
    return DoseLevels(tuple(levels), source[0])


_STEP = Section(Field("dose", required=True), Field("infusion"))


def _step(
    c: Checker, value: Any, path: FieldPath, basis: str, infusion: Any, allow_mapping: bool
) -> DoseStep | None:
    dose_value, dose_path = value, path
    if allow_mapping and isinstance(value, dict):
        if _STEP.read(c, value, path) is None:
            return None
        dose_value, dose_path = value.get("dose"), (*path, "dose")
        infusion = _parse_infusion(c, value.get("infusion"), (*path, "infusion"))
    try:
        amount = parse_per_unit_dose(dose_value, basis)
    except UnitError as exc:
        message = str(exc)
        if not message.startswith(f"'{dose_value}'"):
            message = (
                f"'{dose_value}' is not a quantity: {message}"
                if "unknown unit" in message
                else message
            )
        c.problem(dose_path, message)
        return None
    if amount.magnitude <= 0:
        c.problem(dose_path, "a dose must be more than zero")
        return None
    if c.within(float(amount.magnitude), dose_path, DOSE_BY_BASIS[basis], dose_value) is None:
        return None
    return DoseStep(amount, infusion)


def _against_reference(
    c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]
) -> None:
    """Refuse a dose more than USUAL_DOSE_FACTOR times above the drug
    reference's usual maximum or below its usual minimum (a unit or typing
    slip: 75 g/m2, 7.5 mg/m2 for 75), against the usual range of the same
    basis nearest to it (same route first). Only for an entry with no other problem."""
    drug, route, basis = got["drug"], got["route"], got["basis"]
    if not (drug and route and basis and len(c.problems) == got["problems before"]):
        return
    steps = [
        (step, (*path, key) if key == "dose" else _dose_path(entry[key], (*path, key)))
        for key, step in zip(("dose", "loading", "maintenance"), got["doses"], strict=True)
        if step is not None
    ]
    # Imported here: a regimen read from the data cache never needs the
    # drug reference's reader, and start-up does not pay for it.
    from .drugs import load_drug_reference

    reference = load_drug_reference()
    if drug not in reference:
        return
    usual = [u for u in reference.get(drug).usual if u.basis == basis]
    usual = [u for u in usual if u.route == route] or usual
    if not usual:
        return
    for step, step_path in steps:
        factors = [(f, u) for u in usual if (f := u.range_factor(step.amount, basis)) is not None]
        if not factors:
            continue
        factor, nearest = min(factors, key=lambda item: abs(math.log(item[0])))
        limit = USUAL_DOSE_FACTOR
        if 1 / limit <= factor <= limit:
            continue
        unit = BASIS_UNITS[basis]
        where = f"{reference.path}:{nearest.line}" if nearest.line else reference.path
        if factor > 1:
            usual_text = format_amount(_in_unit(nearest.maximum, basis), unit)
            how = f"more than {limit:g} times the usual maximum of {usual_text} (x{format_number(factor)})"
        else:
            usual_text = format_amount(_in_unit(nearest.minimum, basis), unit)
            how = f"less than 1/{limit:g} of the usual minimum of {usual_text} (1/{format_number(1 / factor)})"
        written = format_amount(_in_unit(step.amount, basis), unit)
        c.problem(
            step_path,
            f"{drug} {written} is {how} in the drug reference ({where}): a unit or typing slip?",
        )


#: A drug of a phase (``drugs`` list), in the order its fields are read.
_DRUG = Section(
    # The entry's own problems are those found after its shape was checked.
    Rule("problems before", lambda c, entry, path, got: len(c.problems)),
    Field("drug", _drug_name, required=True, default=None),
    Field("route", one_of(*_ROUTES), required=True, default=None),
    Field("basis", one_of(*BASIS_UNITS), required=True, default=None),
    Field("days", _days, required=True, default=None),
    Field("dose"),
    Field("loading"),
    Field("maintenance"),
    Field("infusion"),
    Rule("doses", _doses),
    Field("max_dose", _max_dose),
    Field("cycles", _selected_cycles),
    Field("reload", _reload),
    Field("caution", text),
    Field("sources", _source_refs, default=[]),
    Field("times_per_day", whole(1, _MAX_TIMES_PER_DAY)),
    Field("dose_levels", _dose_levels),
    Rule("usual doses", _against_reference),
)


def _regimen_drug(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    """A drug given in one of the regimen's phases."""
    drug = c.text(value, path)
    if drug and got["phases"] and drug not in got["drugs"]:
        c.problem(path, f"'{drug}' is not a drug of this regimen")
    return drug


_ELIGIBILITY = Section(
    Field("after", text, required=True, default=None),
    Field("about", _regimen_drug, required=True, default=None),
    Field("months", whole(1, 120), required=True, default=None),
    Field("source", _source_ref, required=True, default=None),
)


def _drugs_of(phases: list[Phase]) -> set[str]:
    return {entry.drug for phase in phases for entry in phase.drugs}


def _eligibility(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> list[EligibilityInterval]:
    """``eligibility``: disease-free intervals after an earlier drug."""
    out = []
    context = {**got, "drugs": _drugs_of(got["phases"])}
    for i, item in enumerate(c.sequence(value, path, non_empty=False)):
        entry = _ELIGIBILITY.read(c, item, (*path, i), context)
        if entry is None:
            continue
        after, about, months = entry["after"], entry["about"], entry["months"]
        if after and about and months:
            out.append(EligibilityInterval(after, months, about, entry["source"]))
    return out


_COURSE_LIMIT = Section(
    Field("drug", _regimen_drug, required=True, default=None),
    Field("duration", required=True),
    Field("source", required=True),
    Field("count"),
)


def _course_limits(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> list[CourseLimit]:
    limits = []
    phases = got["phases"]
    context = {**got, "drugs": _drugs_of(phases)}
    for i, item in enumerate(c.sequence(value, path, non_empty=False)):
        item_path = (*path, i)
        entry = _COURSE_LIMIT.read(c, item, item_path, context)
        if entry is None:
            continue
        try:
            days = parse_duration_days(entry["duration"])
        except UnitError as exc:
            c.problem((*item_path, "duration"), str(exc))
            continue
        if (
            c.within(days, (*item_path, "duration"), REGIMEN["course_limit"], entry["duration"])
            is None
        ):
            continue
        source = _source_ref(c, entry["source"], (*item_path, "source"), got)
        count, interval = _limit_count(c, entry["count"], (*item_path, "count"))
        if entry["drug"]:
            limits.append(CourseLimit(entry["drug"], days, source, count, interval))
    for i, phase in enumerate(phases):
        if phase.cycles.mode == "until_limit":
            unlimited = [
                e.drug for e in phase.drugs if not any(limit.drug == e.drug for limit in limits)
            ]
            if unlimited:
                c.problem(
                    ("phases", i, "cycles"),
                    f"runs until the course limit, but {', '.join(unlimited)} has none",
                )
    return limits


_LIMIT_COUNT = Section(
    Field("doses", whole(1, 1000), required=True, default=None),
    Field("every", required=True),
)


def _limit_count(c: Checker, value: Any, path: FieldPath) -> tuple[int | None, int | None]:
    """``count: {doses: 18, every: 21 days}``: the limit as a number of doses."""
    if value is None:
        return None, None
    entry = _LIMIT_COUNT.read(c, value, path)
    if entry is None:
        return None, None
    try:
        every = parse_duration_days(entry["every"])
    except UnitError as exc:
        c.problem((*path, "every"), str(exc))
        return None, None
    return entry["doses"], every


def _monitoring(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
    return read_monitoring(c, value, _drugs_of(got["phases"]), set(got[DECLARED]))


#: A regimen file (docs/regimen-format.md), field by field, in the order it is read.
_REGIMEN = Section(
    Field("schema_version", schema_version(SCHEMA_VERSION), required=True),
    Field("id", _regimen_id, required=True),
    Field("name", text, required=True),
    Field("setting", one_of(*_SETTINGS), required=True),
    Field("sources", SOURCES, required=True, default=None),
    Field("aliases", _TEXTS, default=[]),
    Field("notes", _TEXTS, default=[]),
    Field("phases", _phases, required=True, default=None),
    Field("course_limits", _course_limits, default=[]),
    Field("eligibility", _eligibility, default=[]),
    # version, status, last_reviewed and reviewed_by (governance.py)
    *GOVERNANCE,
    Field("monitoring", _monitoring),
)


def _dose_path(value: Any, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where a loading or maintenance dose is written: ``loading.dose`` in the mapping form."""
    return (*path, "dose") if isinstance(value, dict) else path


def _in_unit(amount: Any, basis: str) -> float:
    """A per-unit dose's number in the unit printed for its basis (mg/m2, mg/kg, mg, AUC)."""
    canonical = "mg/kg" if basis == "weight" else _BASIS_DIMENSIONS[basis][1]
    return float(amount.to(canonical).magnitude)


def load_regimen_file(path: Path) -> Regimen:
    """Load and validate one regimen file; raises DataFileError listing every
    problem. The regimen carries the SHA-256 of the file's bytes (provenance).
    Cached once valid (datacache); its doses were checked against the drug reference."""
    depends = [drug_reference_file()]
    return datacache.load("regimen", path, _read_regimen_file, Regimen, depends=depends)


def _read_regimen_file(path: Path) -> Regimen:
    import dataclasses
    import hashlib

    regimen = load_data_file(path, _read_regimen)
    # Hashed once the file has been read and validated (so an unreadable file
    # is reported as such by the loader).
    return dataclasses.replace(regimen, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())


def regimen_files(extra_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Every regimen file in the search folders; a user file shadows a shipped one of the same name."""
    found: dict[str, Path] = {}
    shipped = shipped_dir("regimens")
    for folder in search_dirs("regimens", extra_dirs, ENV_VAR):
        paths = yaml_files(folder, "regimen")
        if paths is None:
            # A user folder (option or DOSECALC_REGIMENS) that is not there
            # would silently leave the shipped regimens in place of the
            # user's own versions: refuse it.
            if folder != shipped:
                raise NotFoundError(f"regimen folder '{folder}' does not exist")
            continue
        for path in paths:
            found.setdefault(path.name, path)
    return sorted(found.values(), key=lambda p: p.name)


@lru_cache(maxsize=64)
def _cached_load(path: Path, mtime_ns: int) -> Regimen:
    return load_regimen_file(path)


def load_all(extra_dirs: tuple[str, ...] = ()) -> list[Regimen]:
    """Load every regimen, raising one DataFileError with all problems of all files."""
    regimens, problems = [], []
    for path in regimen_files(extra_dirs):
        try:
            regimens.append(_cached_load(path, modified_ns(path)))
        except DataFileError as exc:
            problems += exc.problems
    if problems:
        raise DataFileError(problems)
    return regimens


def find_regimen(name: str, extra_dirs: tuple[str, ...] = ()) -> Regimen:
    """The regimen whose id, alias or file name is ``name`` (case-insensitive).

    Only the matching file is parsed when the name is a file name or id, so
    a single dose calculation does not pay for the whole library.
    """
    wanted = name.strip().lower()
    files = regimen_files(extra_dirs)
    for path in files:
        if path.stem.lower() == wanted:
            return _cached_load(path, modified_ns(path))
    for regimen in load_all(extra_dirs):
        if wanted == regimen.id or wanted in (a.lower() for a in regimen.aliases):
            return regimen
    known = ", ".join(p.stem for p in files)
    raise NotFoundError(f"no regimen '{name}' (known: {known})", field="regimen")


def dose_interval_days(days: tuple[int, ...], cycle_length: int) -> int:
    """Days between two doses of a drug given on ``days`` of each cycle: the
    cycle length for one day a cycle, the spacing for evenly spaced days (7 for
    days 1, 8 and 15 of 21), else the shortest gap (the stricter for re-load
    rules keyed on the schedule)."""
    ordered = sorted(days)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    gaps.append(cycle_length - ordered[-1] + ordered[0])
    return min(gaps)


def _with_schedule(drugs: list[DrugEntry], cycle_length: int) -> tuple[DrugEntry, ...]:
    """Each entry with its dosing interval and the phase's other drugs, which
    the policy's re-load rules key on."""
    return tuple(
        replace(
            entry,
            interval_days=dose_interval_days(entry.days, cycle_length) if entry.days else None,
            companions=tuple(sorted({e.drug for e in drugs} - {entry.drug})),
        )
        for entry in drugs
    )
