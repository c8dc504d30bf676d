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
from .governance import FIELDS as GOVERNANCE_FIELDS
from .governance import read_governance
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
    Source,
)
from .paths import drug_reference_file, modified_ns, search_dirs, shipped_dir, yaml_files
from .supportive import read_emetogenic_risk, read_monitoring, read_supportive
from .units import Q, parse_quantity, registry, split_number
from .validation import Checker, describe_value, load_data_file

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


class _RegimenReader:
    """Turns one parsed regimen file into a Regimen, collecting problems."""

    def __init__(self, checker: Checker):
        self.c = checker
        self.source_ids: set[str] = set()

    def read(self, data: Any) -> Regimen | None:
        c = self.c
        top = c.mapping(
            data,
            (),
            required={
                "schema_version",
                "id",
                "name",
                "setting",
                "sources",
                "phases",
                "version",
                "status",
            },
            optional={"aliases", "course_limits", "notes", "monitoring", "eligibility"}
            | GOVERNANCE_FIELDS,
        )
        if top is None:
            return None
        version = top.get("schema_version")
        if "schema_version" in top and version != SCHEMA_VERSION:
            c.problem(
                ("schema_version",),
                f"unsupported schema version {version!r} (this dosecalc reads {SCHEMA_VERSION})",
            )
        regimen_id = c.text(top.get("id"), ("id",)) if "id" in top else None
        if regimen_id and not _ID.match(regimen_id):
            c.problem(("id",), f"'{regimen_id}' must be lower-case letters, digits and hyphens")
        name = c.text(top.get("name"), ("name",)) if "name" in top else None
        setting = (
            c.choice(top.get("setting"), ("setting",), _SETTINGS) if "setting" in top else None
        )
        sources = self._sources(top.get("sources"))
        aliases = tuple(self._texts(top.get("aliases", []), ("aliases",)))
        notes = tuple(self._texts(top.get("notes", []), ("notes",)))
        phases = self._phases(top.get("phases"))
        limits = self._limits(top.get("course_limits", []), phases)
        eligibility = self._eligibility(top.get("eligibility", []), phases)
        governance = read_governance(c, top)
        monitoring = (
            read_monitoring(
                c,
                top["monitoring"],
                {e.drug for p in phases for e in p.drugs},
                self.source_ids,
            )
            if "monitoring" in top
            else ()
        )
        if c.problems:
            return None
        return Regimen(
            id=regimen_id or "",
            name=name or "",
            setting=setting or "",
            phases=tuple(phases),
            sources=tuple(sources),
            course_limits=tuple(limits),
            aliases=aliases,
            notes=notes,
            path=c.filename,
            monitoring=monitoring,
            eligibility=tuple(eligibility),
            **governance,
        )

    def _texts(self, value: Any, path: tuple[Any, ...]) -> list[str]:
        return [
            t
            for i, item in enumerate(self.c.sequence(value, path, non_empty=False))
            if (t := self.c.text(item, (*path, i)))
        ]

    def _sources(self, value: Any) -> list[Source]:
        sources = []
        for i, item in enumerate(self.c.sequence(value, ("sources",))):
            path = ("sources", i)
            entry = self.c.mapping(item, path, required={"id", "citation"}, optional={"url"})
            if entry is None:
                continue
            source_id = self.c.text(entry.get("id"), (*path, "id"))
            citation = self.c.text(entry.get("citation"), (*path, "citation"))
            url = self.c.text(entry["url"], (*path, "url")) if "url" in entry else None
            if source_id in self.source_ids:
                self.c.problem((*path, "id"), f"duplicate source id '{source_id}'")
            if source_id and citation:
                self.source_ids.add(source_id)
                sources.append(Source(source_id, citation, url))
        return sources

    def _source_refs(self, value: Any, path: tuple[Any, ...]) -> tuple[str, ...]:
        refs = self._texts(value, path)
        for i, ref in enumerate(refs):
            self.c.cited(ref, (*path, i), self.source_ids)
        return tuple(refs)

    def _phases(self, value: Any) -> list[Phase]:
        phases = []
        seen: set[str] = set()
        for i, item in enumerate(self.c.sequence(value, ("phases",))):
            path = ("phases", i)
            entry = self.c.mapping(
                item,
                path,
                required={"id", "name", "cycle_length", "cycles", "drugs"},
                optional={"supportive", "emetogenic_risk"},
            )
            if entry is None:
                continue
            phase_id = self.c.text(entry.get("id"), (*path, "id"))
            if phase_id in seen:
                self.c.problem((*path, "id"), f"duplicate phase id '{phase_id}'")
            seen.add(phase_id or "")
            name = self.c.text(entry.get("name"), (*path, "name"))
            length = None
            if "cycle_length" in entry:
                try:
                    length = parse_duration_days(entry["cycle_length"])
                except UnitError as exc:
                    self.c.problem((*path, "cycle_length"), str(exc))
                else:
                    if (
                        self.c.within(
                            length,
                            (*path, "cycle_length"),
                            REGIMEN["cycle_length"],
                            entry["cycle_length"],
                        )
                        is None
                    ):
                        length = None
            cycles = (
                self._cycle_count(entry.get("cycles"), (*path, "cycles"))
                if "cycles" in entry
                else None
            )
            drugs = [
                d
                for j, drug in enumerate(self.c.sequence(entry.get("drugs"), (*path, "drugs")))
                if (d := self._drug(drug, (*path, "drugs", j), length, cycles))
            ]
            # Supportive entries are checked against the drugs as written, so a
            # drug refused for its dose does not also make its premedication
            # "not a drug of this phase" (one problem, one message).
            listed = entry.get("drugs")
            written = listed if isinstance(listed, list) else []
            named = {d.drug for d in drugs} | {
                str(item["drug"]).strip().lower()
                for item in written
                if isinstance(item, dict) and isinstance(item.get("drug"), str)
            }
            supportive = (
                read_supportive(
                    self.c,
                    entry["supportive"],
                    (*path, "supportive"),
                    named,
                    self.source_ids,
                )
                if "supportive" in entry
                else ()
            )
            risk = (
                read_emetogenic_risk(
                    self.c, entry["emetogenic_risk"], (*path, "emetogenic_risk"), self.source_ids
                )
                if "emetogenic_risk" in entry
                else None
            )
            if phase_id and name and length and cycles:
                phases.append(
                    Phase(
                        phase_id,
                        name,
                        length,
                        cycles,
                        _with_schedule(drugs, length),
                        tuple(supportive),
                        risk,
                    )
                )
        return phases

    def _cycle_count(self, value: Any, path: tuple[Any, ...]) -> CycleCount | None:
        if isinstance(value, int) and not isinstance(value, bool):
            count = self.c.integer(value, path, minimum=1, maximum=MAX_CYCLES)
            return CycleCount("fixed", count) if count else None
        if not isinstance(value, dict):
            self.c.problem(
                path,
                f"expected a cycle count, got {describe_value(value)}: write a number (4), {{min: 6}} or {{until: progression}}",
            )
            return None
        entry = self.c.mapping(value, path, required=set(), optional={"min", "until"})
        if entry is None:
            return None
        if ("min" in entry) == ("until" in entry):
            self.c.problem(
                path, "give either a number, {min: N} or {until: progression | course_limit}"
            )
            return None
        if "min" in entry:
            count = self.c.integer(entry["min"], (*path, "min"), minimum=1, maximum=MAX_CYCLES)
            return CycleCount("minimum", count) if count else None
        until = self.c.choice(entry["until"], (*path, "until"), ("progression", "course_limit"))
        if until is None:
            return None
        return CycleCount("until_progression" if until == "progression" else "until_limit")

    def _drug(
        self, value: Any, path: tuple[Any, ...], cycle_length: int | None, cycles: CycleCount | None
    ) -> DrugEntry | None:
        c = self.c
        entry = c.mapping(
            value,
            path,
            required={"drug", "route", "basis", "days"},
            optional={
                "dose",
                "loading",
                "maintenance",
                "infusion",
                "max_dose",
                "cycles",
                "reload",
                "caution",
                "sources",
                "times_per_day",
                "dose_levels",
            },
        )
        if entry is None:
            return None
        problems_before = len(c.problems)
        drug = c.text(entry.get("drug"), (*path, "drug"))
        if drug and drug != drug.lower():
            c.problem((*path, "drug"), f"drug ids are lower-case INNs ('{drug.lower()}')")
        route = c.choice(entry.get("route"), (*path, "route"), _ROUTES)
        basis = c.choice(entry.get("basis"), (*path, "basis"), tuple(BASIS_UNITS))
        days = self._days(entry.get("days"), (*path, "days"), cycle_length)
        standard, loading, maintenance = self._doses(entry, path, basis)
        max_dose = (
            self._max_dose(entry["max_dose"], (*path, "max_dose")) if "max_dose" in entry else None
        )
        selected = None
        if "cycles" in entry:
            selected = self._selected_cycles(entry["cycles"], (*path, "cycles"), cycles)
        reload_rule = c.text(entry["reload"], (*path, "reload")) if "reload" in entry else None
        if reload_rule and "loading" not in entry:
            c.problem((*path, "reload"), "a re-load rule needs a 'loading' dose to re-load with")
        caution = c.text(entry["caution"], (*path, "caution")) if "caution" in entry else None
        sources = self._source_refs(entry.get("sources", []), (*path, "sources"))
        times_per_day = 1
        if "times_per_day" in entry:
            times_per_day = (
                c.integer(
                    entry["times_per_day"],
                    (*path, "times_per_day"),
                    minimum=1,
                    maximum=_MAX_TIMES_PER_DAY,
                )
                or 1
            )
        start = standard or maintenance
        dose_levels = None
        if "dose_levels" in entry and basis and start is not None:
            dose_levels = self._dose_levels(
                entry["dose_levels"], (*path, "dose_levels"), basis, start
            )
        if drug and route and basis and len(c.problems) == problems_before:
            steps = [
                (step, (*path, key) if key == "dose" else _dose_path(entry[key], (*path, key)))
                for key, step in (
                    ("dose", standard),
                    ("loading", loading),
                    ("maintenance", maintenance),
                )
                if step is not None
            ]
            self._against_reference(drug, route, basis, steps)
        if len(c.problems) > problems_before:
            return None
        return DrugEntry(
            drug=drug or "",
            route=route or "",
            basis=basis,  # type: ignore[arg-type]
            days=tuple(days),
            standard=standard,
            loading=loading,
            maintenance=maintenance,
            max_dose_mg=max_dose,
            cycles=selected,
            reload_rule=reload_rule,
            caution=caution,
            sources=sources,
            line=c.line(path),
            times_per_day=times_per_day,
            dose_levels=dose_levels,
        )

    def _days(self, value: Any, path: tuple[Any, ...], cycle_length: int | None) -> list[int]:
        """``days``: the days of the cycle a drug is given, each inside the cycle, once."""
        c = self.c
        days = []
        for k, day in enumerate(c.sequence(value, path)):
            number = c.integer(
                day, (*path, k), minimum=1, maximum=int(REGIMEN["cycle_length"].high)
            )
            if number is not None and cycle_length is not None and number > cycle_length:
                c.problem((*path, k), f"day {number} is outside the {cycle_length}-day cycle")
            elif number is not None:
                days.append(number)
        if len(set(days)) != len(days):
            c.problem(path, "a day is listed twice")
        return days

    def _doses(
        self, entry: dict[str, Any], path: tuple[Any, ...], basis: str | None
    ) -> tuple[DoseStep | None, DoseStep | None, DoseStep | None]:
        """The drug's dose steps: ``dose``, or ``loading`` followed by
        ``maintenance`` (never both forms, never one of the pair alone)."""
        c = self.c
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
            standard = self._step(
                entry["dose"], (*path, "dose"), basis, infusion, allow_mapping=False
            )
        if basis and has_loading:
            loading = self._step(
                entry["loading"], (*path, "loading"), basis, None, allow_mapping=True
            )
        if basis and has_maintenance:
            maintenance = self._step(
                entry["maintenance"], (*path, "maintenance"), basis, None, allow_mapping=True
            )
        return standard, loading, maintenance

    def _max_dose(self, value: Any, path: tuple[Any, ...]) -> float | None:
        """``max_dose``: a cap in mg, with its unit, inside the data limits."""
        try:
            if not isinstance(value, str):
                raise UnitError(f"{value!r} has no unit (write e.g. '2 mg')")
            return self.c.within(
                float(
                    parse_quantity(value, dimension="[mass]", what="max_dose").to("mg").magnitude
                ),
                path,
                REGIMEN["max_dose"],
                value,
            )
        except UnitError as exc:
            self.c.problem(path, str(exc))
            return None

    def _selected_cycles(
        self, value: Any, path: tuple[Any, ...], cycles: CycleCount | None
    ) -> tuple[int, ...]:
        """``cycles``: the cycles of the phase the drug is given in (all when absent)."""
        c = self.c
        selected = tuple(
            n
            for k, item in enumerate(c.sequence(value, path))
            if (n := c.integer(item, (*path, k), minimum=1, maximum=MAX_CYCLES))
        )
        if cycles and cycles.mode == "fixed" and any(n > (cycles.count or 0) for n in selected):
            c.problem(path, f"the phase has only {cycles.count} cycles")
        return selected

    def _dose_levels(
        self, value: Any, path: tuple[Any, ...], basis: str, start: DoseStep
    ) -> DoseLevels | None:
        """Documented dose reductions: each below the starting dose and below
        the level before it, all per-unit doses of the drug's basis or all
        percentages of the starting dose, with a declared source."""
        c = self.c
        entry = c.mapping(value, path, required={"levels", "source"}, optional=set())
        if entry is None:
            return None
        source = self._source_refs([entry.get("source")], (*path, "source"))
        levels: list[DoseLevel] = []
        previous = start.per_unit
        kinds = set()
        for i, item in enumerate(c.sequence(entry.get("levels"), (*path, "levels"))):
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

    def _step(
        self, value: Any, path: tuple[Any, ...], basis: str, infusion: Any, allow_mapping: bool
    ) -> DoseStep | None:
        dose_value, dose_path = value, path
        if allow_mapping and isinstance(value, dict):
            entry = self.c.mapping(value, path, required={"dose"}, optional={"infusion"})
            if entry is None:
                return None
            dose_value, dose_path = entry.get("dose"), (*path, "dose")
            infusion = _parse_infusion(self.c, entry.get("infusion"), (*path, "infusion"))
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
            self.c.problem(dose_path, message)
            return None
        if amount.magnitude <= 0:
            self.c.problem(dose_path, "a dose must be more than zero")
            return None
        if (
            self.c.within(float(amount.magnitude), dose_path, DOSE_BY_BASIS[basis], dose_value)
            is None
        ):
            return None
        return DoseStep(amount, infusion)

    def _against_reference(
        self, drug: str, route: str, basis: str, steps: list[tuple[Any, tuple[Any, ...]]]
    ) -> None:
        """Refuse a dose more than USUAL_DOSE_FACTOR times above the drug
        reference's usual maximum or below its usual minimum (a unit or typing
        slip: 75 g/m2, 7.5 mg/m2 for 75), against the usual range of the same
        basis nearest to it (same route first)."""
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
        for step, path in steps:
            factors = [
                (f, u) for u in usual if (f := u.range_factor(step.amount, basis)) is not None
            ]
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
            self.c.problem(
                path,
                f"{drug} {written} is {how} in the drug reference ({where}): a unit or typing slip?",
            )

    def _eligibility(self, value: Any, phases: list[Phase]) -> list[EligibilityInterval]:
        """``eligibility``: disease-free intervals after an earlier drug."""
        out = []
        drugs = {entry.drug for phase in phases for entry in phase.drugs}
        for i, item in enumerate(self.c.sequence(value, ("eligibility",), non_empty=False)):
            path = ("eligibility", i)
            entry = self.c.mapping(
                item, path, required={"after", "months", "about", "source"}, optional=set()
            )
            if entry is None:
                continue
            after = self.c.text(entry.get("after"), (*path, "after"))
            about = self.c.text(entry.get("about"), (*path, "about"))
            if about and phases and about not in drugs:
                self.c.problem((*path, "about"), f"'{about}' is not a drug of this regimen")
            months = self.c.integer(entry.get("months"), (*path, "months"), minimum=1, maximum=120)
            source = self._source_refs([entry.get("source")], (*path, "source"))
            if after and about and months:
                out.append(EligibilityInterval(after, months, about, source[0] if source else None))
        return out

    def _limits(self, value: Any, phases: list[Phase]) -> list[CourseLimit]:
        limits = []
        drugs = {entry.drug for phase in phases for entry in phase.drugs}
        for i, item in enumerate(self.c.sequence(value, ("course_limits",), non_empty=False)):
            path = ("course_limits", i)
            entry = self.c.mapping(
                item, path, required={"drug", "duration", "source"}, optional={"count"}
            )
            if entry is None:
                continue
            drug = self.c.text(entry.get("drug"), (*path, "drug"))
            if drug and phases and drug not in drugs:
                self.c.problem((*path, "drug"), f"'{drug}' is not a drug of this regimen")
            try:
                days = parse_duration_days(entry.get("duration"))
            except UnitError as exc:
                self.c.problem((*path, "duration"), str(exc))
                continue
            if (
                self.c.within(
                    days, (*path, "duration"), REGIMEN["course_limit"], entry.get("duration")
                )
                is None
            ):
                continue
            source = self._source_refs([entry.get("source")], (*path, "source"))
            count, interval = self._limit_count(entry.get("count"), (*path, "count"))
            if drug:
                limits.append(
                    CourseLimit(drug, days, source[0] if source else None, count, interval)
                )
        for i, phase in enumerate(phases):
            if phase.cycles.mode == "until_limit":
                unlimited = [
                    e.drug for e in phase.drugs if not any(limit.drug == e.drug for limit in limits)
                ]
                if unlimited:
                    self.c.problem(
                        ("phases", i, "cycles"),
                        f"runs until the course limit, but {', '.join(unlimited)} has none",
                    )
        return limits

    def _limit_count(self, value: Any, path: tuple[Any, ...]) -> tuple[int | None, int | None]:
        """``count: {doses: 18, every: 21 days}``: the limit as a number of doses."""
        if value is None:
            return None, None
        entry = self.c.mapping(value, path, required={"doses", "every"}, optional=set())
        if entry is None:
            return None, None
        doses = self.c.integer(entry.get("doses"), (*path, "doses"), minimum=1, maximum=1000)
        try:
            every = parse_duration_days(entry.get("every"))
        except UnitError as exc:
            self.c.problem((*path, "every"), str(exc))
            return None, None
        return doses, every


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

    regimen = load_data_file(path, lambda checker, data: _RegimenReader(checker).read(data))
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
