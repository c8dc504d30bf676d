"""Case files: a documented course of treatment, as written.

A case file (format: ``docs/case-format.md``) records what a note or case
report says, faithfully: drug names, doses and frequencies as written
(misspellings included), dates at the precision given, and ``null`` where
the source says nothing. The checker (``dosecalc.checker``) compares it with
what the regimen should have been.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .validation import Checker, load_data_file

SCHEMA_VERSION = 1
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SETTINGS = ("neoadjuvant", "adjuvant", "perioperative", "metastatic", "supportive", "other")


@dataclass(frozen=True)
class CaseDate:
    """A date as precise as the source gives it: a day, or only a month."""

    value: dt.date  # the first day of the month when only the month is known
    precision: str  # "day" or "month"

    def __str__(self) -> str:
        return self.value.isoformat() if self.precision == "day" else self.value.strftime("%Y-%m")

    @property
    def latest(self) -> dt.date:
        """The last day this date can mean (the month's end for a month)."""
        if self.precision == "day":
            return self.value
        following = (self.value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class WrittenDrug:
    """A drug line as written: name, dose and route exactly as in the source."""

    drug: str
    dose: str | None
    route: str | None
    line: int | None


@dataclass(frozen=True)
class GivenDose:
    """A dated administration actually documented."""

    date: CaseDate
    drug: str
    dose: str | None


@dataclass(frozen=True)
class Treatment:
    """One treatment of the course as written."""

    id: str
    regimen: str
    setting: str | None
    start: CaseDate | None
    end: CaseDate | None
    frequency: str | None
    cycles: str | None
    duration: str | None
    drugs: tuple[WrittenDrug, ...]
    given: tuple[GivenDose, ...]
    quote: str | None
    line: int | None


@dataclass(frozen=True)
class Measurement:
    date: CaseDate | None
    value: float
    text: str


@dataclass(frozen=True)
class BodyMeasurement:
    """A dated weight, height or serum creatinine, in canonical units
    (kg, cm, mg/dL), with the text as written."""

    date: CaseDate | None
    name: str  # "weight", "height" or "scr"
    value: float
    text: str


@dataclass(frozen=True)
class CasePatient:
    sex: str | None
    age_years: float | None
    height: str | None
    weight: str | None
    lvef: tuple[Measurement, ...]
    measurements: tuple[BodyMeasurement, ...] = ()

    def latest(self, name: str) -> BodyMeasurement | None:
        """The most recent dated measurement of ``name`` (weight, height, scr)."""
        dated = [m for m in self.measurements if m.name == name and m.date is not None]
        return max(dated, key=lambda m: m.date.value) if dated else None  # type: ignore[union-attr]


@dataclass(frozen=True)
class Case:
    """A whole documented course."""

    id: str
    title: str
    source: str | None
    language: str | None
    patient: CasePatient
    treatments: tuple[Treatment, ...]
    path: str | None = None


def _date(c: Checker, value: Any, path: tuple[Any, ...]) -> CaseDate | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return CaseDate(value, "day")
    if isinstance(value, str):
        month = _MONTH.match(value.strip())
        if month:
            try:
                return CaseDate(dt.date(int(month.group(1)), int(month.group(2)), 1), "month")
            except ValueError:
                pass
        try:
            return CaseDate(dt.date.fromisoformat(value.strip()), "day")
        except ValueError:
            pass
    c.problem(
        path, f"{value!r} is not a date (write 2016-01-19, or 2016-01 when only the month is known)"
    )
    return None


def _optional_text(c: Checker, value: Any, path: tuple[Any, ...]) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return c.text(value, path)


def _read_case(c: Checker, data: Any) -> Case | None:
    top = c.mapping(
        data,
        (),
        required={"schema_version", "id", "title", "patient", "treatments"},
        optional={"source", "language", "notes"},
    )
    if top is None:
        return None
    if top.get("schema_version") != SCHEMA_VERSION:
        c.problem(
            ("schema_version",),
            f"unsupported schema version {top.get('schema_version')!r} (this dosecalc reads {SCHEMA_VERSION})",
        )
    patient = _read_patient(c, top.get("patient"))
    treatments = []
    seen: set[str] = set()
    for i, item in enumerate(c.sequence(top.get("treatments"), ("treatments",))):
        treatment = _read_treatment(c, item, ("treatments", i))
        if treatment and treatment.id in seen:
            c.problem(("treatments", i, "id"), f"duplicate treatment id '{treatment.id}'")
        if treatment:
            seen.add(treatment.id)
            treatments.append(treatment)
    language = top.get("language")
    if language is not None:
        c.choice(language, ("language",), ("en", "fr"))
    if c.problems or patient is None:
        return None
    return Case(
        id=str(top.get("id")),
        title=str(top.get("title")),
        source=_optional_text(c, top.get("source"), ("source",)),
        language=language,
        patient=patient,
        treatments=tuple(treatments),
        path=c.filename,
    )


def _read_patient(c: Checker, value: Any) -> CasePatient | None:
    path = ("patient",)
    entry = c.mapping(
        value, path, required={"sex", "age"}, optional={"height", "weight", "lvef", "measurements"}
    )
    if entry is None:
        return None
    sex = entry.get("sex")
    if sex is not None:
        c.choice(sex, (*path, "sex"), ("female", "male"))
    age = entry.get("age")
    if age is not None and (
        isinstance(age, bool) or not isinstance(age, (int, float)) or not 0 < age < 130
    ):
        c.problem((*path, "age"), f"expected an age in years, got {age!r}")
    lvef = []
    for i, item in enumerate(c.sequence(entry.get("lvef", []), (*path, "lvef"), non_empty=False)):
        m = c.mapping(item, (*path, "lvef", i), required={"value"}, optional={"date"})
        if m is None:
            continue
        text = str(m.get("value", "")).strip()
        try:
            number = float(text.rstrip("%"))
            if not text.endswith("%") or not 0 < number <= 100:
                raise ValueError
        except ValueError:
            c.problem(
                (*path, "lvef", i, "value"),
                f"expected a percentage such as '65%', got {m.get('value')!r}",
            )
            continue
        lvef.append(Measurement(_date(c, m.get("date"), (*path, "lvef", i, "date")), number, text))
    return CasePatient(
        sex=sex,
        age_years=float(age)
        if isinstance(age, (int, float)) and not isinstance(age, bool)
        else None,
        height=_optional_text(c, entry.get("height"), (*path, "height")),
        weight=_optional_text(c, entry.get("weight"), (*path, "weight")),
        lvef=tuple(lvef),
        measurements=tuple(
            _read_measurements(c, entry.get("measurements", []), (*path, "measurements"))
        ),
    )


# What each measurement is, the dimension its value must have, and the unit it is kept in.
_MEASURES = {
    "weight": ("[mass]", "kg"),
    "height": ("[length]", "cm"),
    "scr": ("[mass] / [length] ** 3", "mg/dL"),
}


def _read_measurements(c: Checker, value: Any, path: tuple[Any, ...]) -> list[BodyMeasurement]:
    """Dated weights, heights and creatinines, each with its unit."""
    from .errors import UnitError
    from .patient import parse_creatinine
    from .units import parse_quantity

    found = []
    for i, item in enumerate(c.sequence(value, path, non_empty=False)):
        m = c.mapping(item, (*path, i), required={"date", "name", "value"}, optional=set())
        if m is None:
            continue
        name = c.choice(m.get("name"), (*path, i, "name"), tuple(_MEASURES))
        date = _date(c, m.get("date"), (*path, i, "date"))
        text = str(m.get("value", "")).strip()
        if name is None:
            continue
        dimension, unit = _MEASURES[name]
        try:
            if not isinstance(m.get("value"), str):
                raise UnitError(f"{m.get('value')!r} needs its unit (e.g. '62 kg')")
            if name == "scr":
                amount = parse_creatinine(text)[0]
            else:
                amount = float(
                    parse_quantity(text, dimension=dimension, what=name).to(unit).magnitude
                )
        except UnitError as exc:
            c.problem((*path, i, "value"), str(exc))
            continue
        found.append(BodyMeasurement(date, name, amount, text))
    return found


def _read_treatment(c: Checker, value: Any, path: tuple[Any, ...]) -> Treatment | None:
    entry = c.mapping(
        value,
        path,
        required={"id", "regimen", "start", "frequency", "cycles", "drugs"},
        optional={"setting", "end", "duration", "administrations", "quote"},
    )
    if entry is None:
        return None
    before = len(c.problems)
    setting = entry.get("setting")
    if setting is not None:
        c.choice(setting, (*path, "setting"), _SETTINGS)
    drugs = []
    for i, item in enumerate(c.sequence(entry.get("drugs"), (*path, "drugs"))):
        d = c.mapping(item, (*path, "drugs", i), required={"drug"}, optional={"dose", "route"})
        if d is None:
            continue
        name = c.text(d.get("drug"), (*path, "drugs", i, "drug"))
        drugs.append(
            WrittenDrug(
                name or "",
                _optional_text(c, d.get("dose"), (*path, "drugs", i, "dose")),
                _optional_text(c, d.get("route"), (*path, "drugs", i, "route")),
                c.line((*path, "drugs", i)),
            )
        )
    given = []
    for i, item in enumerate(
        c.sequence(entry.get("administrations", []), (*path, "administrations"), non_empty=False)
    ):
        g = c.mapping(
            item, (*path, "administrations", i), required={"date", "drug"}, optional={"dose"}
        )
        if g is None:
            continue
        date = _date(c, g.get("date"), (*path, "administrations", i, "date"))
        name = c.text(g.get("drug"), (*path, "administrations", i, "drug"))
        if date and name:
            given.append(
                GivenDose(
                    date,
                    name,
                    _optional_text(c, g.get("dose"), (*path, "administrations", i, "dose")),
                )
            )
    treatment = Treatment(
        id=str(c.text(entry.get("id"), (*path, "id"))),
        regimen=str(c.text(entry.get("regimen"), (*path, "regimen"))),
        setting=setting,
        start=_date(c, entry.get("start"), (*path, "start")),
        end=_date(c, entry.get("end"), (*path, "end")),
        frequency=_optional_text(c, entry.get("frequency"), (*path, "frequency")),
        cycles=_optional_text(c, entry.get("cycles"), (*path, "cycles")),
        duration=_optional_text(c, entry.get("duration"), (*path, "duration")),
        drugs=tuple(drugs),
        given=tuple(given),
        quote=_optional_text(c, entry.get("quote"), (*path, "quote")),
        line=c.line(path),
    )
    if treatment.start and treatment.end and treatment.end.latest < treatment.start.value:
        c.problem((*path, "end"), f"ends ({treatment.end}) before it starts ({treatment.start})")
    return treatment if len(c.problems) == before else None


def load_case_file(path: Path) -> Case:
    """Load and validate a case file; raises DataFileError listing every problem."""
    return load_data_file(path, _read_case)
