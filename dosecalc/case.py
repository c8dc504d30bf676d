"""Case files: a documented course of treatment, as written.

A case file (format: ``docs/case-format.md``) records what a note or case
report says, faithfully: drug names, doses and frequencies as written
(misspellings included), dates at the precision given, and ``null`` where
the source says nothing. The checker (``dosecalc.checker``) compares it with
what the regimen should have been.

The reader is forgiving where a hand-written file is clear ("sex: F",
"age: 45 ans", "lvef: 62 %", "12/03/2024", a drug written as one string,
"8 mg/kg loading then 6 mg/kg") and says what it assumed where it had to
guess (``Case.assumptions``); an unknown key is a warning naming the nearest
known key. A value that cannot be read at all stops the check (exit 2) with
the file, line and field. ``canonical_yaml`` prints what was read in the
documented form, so a user can see and fix the interpretation.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .checker.extract import find_dates
from .checker.written import find_doses
from .drugs import load_drug_reference
from .errors import UnitError, format_path
from .patient import parse_creatinine
from .textfold import fold
from .units import parse_quantity
from .validation import Checker, describe_value, load_data_file

SCHEMA_VERSION = 1
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_SETTINGS = ("neoadjuvant", "adjuvant", "perioperative", "metastatic", "supportive", "other")
_DATE_ORDERS = ("day-first", "month-first")


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
    """A drug line as written: name, dose and route exactly as in the source.

    ``dose`` is the first dose (the loading dose when one is written);
    ``maintenance`` the dose written after it ("8 mg/kg loading then 6 mg/kg").
    """

    drug: str
    dose: str | None
    route: str | None
    line: int | None
    maintenance: str | None = None
    cumulative: str | None = None  # a total already given, as stated ("dose cumulée 400 mg/m2")
    reduction: float | None = None  # a dose written as a percentage of the full dose (0.75)
    reduced: bool = False  # the source calls the dose a reduction ("dose reduction 4.4 mg/kg")


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
    # The source says this continues a line started earlier ("cure 4",
    # "poursuivi", "entretien"): not a new line needing a loading dose.
    continued: bool = False
    position: int | None = None  # where it was read in a free text (character offset)


@dataclass(frozen=True)
class Measurement:
    date: CaseDate | None
    value: float
    text: str
    position: int | None = None  # where it was read in a free text (character offset)
    held: bool = False  # the source says the drug was held after it


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
        dated = [(m.date, m) for m in self.measurements if m.name == name and m.date is not None]
        return max(dated, key=lambda pair: pair[0].value)[1] if dated else None


@dataclass(frozen=True)
class CaseNote:
    """Something the reader assumed or ignored: reported with the findings.

    ``code`` is ``INPUT_ASSUMED`` (info: a guess, such as a day-first date)
    or ``UNKNOWN_KEY`` (warning: a key that was not read)."""

    severity: str
    code: str
    message: str


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
    assumptions: tuple[CaseNote, ...] = ()


# -- what a hand-written file may say, and what it means --------------------------

_TOP_KEYS = (
    "schema_version",
    "id",
    "title",
    "patient",
    "treatments",
    "source",
    "language",
    "notes",
    "date_order",
)
_PATIENT_KEYS = ("sex", "age", "height", "weight", "lvef", "measurements")
_TREATMENT_KEYS = (
    "id",
    "regimen",
    "setting",
    "start",
    "end",
    "frequency",
    "cycles",
    "duration",
    "drugs",
    "administrations",
    "quote",
    "notes",
)
_DRUG_KEYS = ("drug", "dose", "maintenance", "route")

# Other spellings of the documented keys (French, and common English words).
_ALIASES = {
    "sexe": "sex",
    "gender": "sex",
    "âge": "age",
    "taille": "height",
    "poids": "weight",
    "fevg": "lvef",
    "fe": "lvef",
    "ef": "lvef",
    "traitements": "treatments",
    "traitement": "treatments",
    "patiente": "patient",
    "regime": "regimen",
    "régime": "regimen",
    "schema": "regimen",
    "schéma": "regimen",
    "protocol": "regimen",
    "protocole": "regimen",
    "name": "regimen",
    "début": "start",
    "debut": "start",
    "started": "start",
    "from": "start",
    "fin": "end",
    "until": "end",
    "to": "end",
    "fréquence": "frequency",
    "frequence": "frequency",
    "schedule": "frequency",
    "rythme": "frequency",
    "cures": "cycles",
    "count": "cycles",
    "durée": "duration",
    "duree": "duration",
    "médicaments": "drugs",
    "medicaments": "drugs",
    "medications": "drugs",
    "drug": "drugs",
    "given": "administrations",
    "doses": "administrations",
    "contexte": "setting",
    "voie": "route",
    "every": "frequency",
    "médicament": "drug",
    "name_as_written": "drug",
    "posologie": "dose",
    "entretien": "maintenance",
}

_SEX = {
    "female": "female",
    "f": "female",
    "femme": "female",
    "woman": "female",
    "feminin": "female",
    "male": "male",
    "m": "male",
    "homme": "male",
    "man": "male",
    "h": "male",
    "masculin": "male",
}

_SETTING_WORDS = {
    "neoadjuvant": "neoadjuvant",
    "neo-adjuvant": "neoadjuvant",
    "adjuvant": "adjuvant",
    "perioperative": "perioperative",
    "metastatic": "metastatic",
    "metastatique": "metastatic",
    "advanced": "metastatic",
    "palliative": "metastatic",
    "palliatif": "metastatic",
    "supportive": "supportive",
    "support": "supportive",
    "other": "other",
}

_AGE = re.compile(r"(\d{1,3}(?:[.,]\d)?)\s*(?:ans?|years?(?:[ -]old)?|y(?:rs?)?|yo|a)?\.?")
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%?")
# "8 mg/kg loading then 6 mg/kg", "840 mg (loading) puis 420 mg",
# "4 mg/kg dose de charge puis 2 mg/kg hebdomadaire": split at the word that
# leads to the maintenance dose, then drop the words that name each step.
_THEN = re.compile(r"[,;]?\s*\b(?:and then|then|puis|followed by|suivie? de|et ensuite)\b\s*")
_STEP_WORDS = re.compile(
    r"\(\s*(?:loading(?: dose)?|dose de charge|de charge|charge|maintenance|entretien)\s*\)"
    r"|\b(?:loading dose|loading|dose de charge|de charge|maintenance(?: dose)?|dose d'entretien|d'entretien)\b"
)
_ROUTE_TAIL = re.compile(
    r"\s+(?P<route>iv|i\.v\.?|sc|s\.c\.?|po|p\.o\.?|im|i\.m\.?)\s*$", flags=re.IGNORECASE
)
_ROUTE_NAMES = {"iv": "IV", "sc": "SC", "po": "PO", "im": "IM"}


class _Reader:
    """Reads one case file with a Checker (problems that stop the check)
    and notes what it assumed (reported as findings)."""

    def __init__(self, c: Checker):
        self.c = c
        self.notes: list[CaseNote] = []
        self.day_first = True

    def assume(self, message: str) -> None:
        self.notes.append(CaseNote("info", "INPUT_ASSUMED", message))

    def where(self, path: tuple[Any, ...]) -> str:
        line = self.c.line(path)
        return format_path(path) + (f" (line {line})" if line else "")

    def fields(
        self, value: Any, path: tuple[Any, ...], known: tuple[str, ...]
    ) -> dict[str, Any] | None:
        """A mapping with its keys read as the documented ones: aliases and
        case are forgiven; an unknown key is a warning naming the nearest."""
        if not isinstance(value, dict):
            self.c.problem(path, f"expected a mapping, got {describe_value(value)}")
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key).strip().lower().replace(" ", "_")
            name = name if name in known else _ALIASES.get(name, name)
            if name in known and name not in out:
                out[name] = item
                continue
            nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            if close and close[0] not in out and close[0] not in value:
                # A misspelling of one key ("frequncy"): read as it, and said.
                out[close[0]] = item
                message = f"unknown key '{key}' read as '{close[0]}': check it"
            else:
                hint = (
                    f"; did you mean '{nearest[0]}'?"
                    if nearest
                    else f" (known: {', '.join(known)})"
                )
                message = f"unknown key '{key}' was not read{hint}"
            self.notes.append(
                CaseNote("warning", "UNKNOWN_KEY", f"{self.where((*path, key))}: {message}")
            )
        return out

    # -- values -----------------------------------------------------------------

    def date(self, value: Any, path: tuple[Any, ...]) -> CaseDate | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return CaseDate(value, "day")
        text = str(value).strip()
        month = _MONTH.match(text)
        if month and 1 <= int(month.group(2)) <= 12:
            return CaseDate(dt.date(int(month.group(1)), int(month.group(2)), 1), "month")
        try:
            return CaseDate(dt.date.fromisoformat(text), "day")
        except ValueError:
            pass
        mentions = find_dates(text)
        m = mentions[0] if len(mentions) == 1 else None
        if m is not None and m.year and m.month:
            if len(fold(text).strip(" .,")) - len(m.text) <= 3:
                if m.day is None:
                    return CaseDate(dt.date(m.year, m.month, 1), "month")
                read = dt.date(m.year, m.month, m.day)
                if m.alternative is not None:
                    chosen, other = (
                        (read, m.alternative) if self.day_first else (m.alternative, read)
                    )
                    order = "day-first" if self.day_first else "month-first"
                    self.assume(
                        f"{self.where(path)}: '{text}' read {order} as {chosen.isoformat()}"
                        f" (it could be {other.isoformat()}); set date_order to change it"
                    )
                    return CaseDate(chosen, "day")
                return CaseDate(read, "day")
        self.c.problem(
            path,
            f"{value!r} is not a date (write 2016-01-19, 19/01/2016, 19 janvier 2016, or 2016-01 when only the month is known)",
        )
        return None

    def text(self, value: Any, path: tuple[Any, ...]) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.c.problem(path, f"expected text, got {describe_value(value)}")
            return None
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, str):
            return value.strip() or None
        self.c.problem(path, f"expected text, got {describe_value(value)}")
        return None

    # -- the case -----------------------------------------------------------------

    def case(self, data: Any) -> Case | None:
        top = self.fields(data, (), _TOP_KEYS)
        if top is None:
            return None
        c = self.c
        version = top.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            c.problem(
                ("schema_version",),
                f"unsupported schema version {version!r} (this dosecalc reads {SCHEMA_VERSION})",
            )
        order = top.get("date_order")
        if order is not None:
            if str(order).strip().lower() in _DATE_ORDERS:
                self.day_first = str(order).strip().lower() == "day-first"
            else:
                c.problem(("date_order",), f"{order!r} is not one of: {', '.join(_DATE_ORDERS)}")
        language = top.get("language")
        if language is not None:
            language = str(language).strip().lower()[:2]
            if language not in ("en", "fr"):
                c.problem(("language",), f"{top.get('language')!r} is not one of: en, fr")
        treatments = self.treatments(top.get("treatments"))
        patient = self.patient(top.get("patient"), treatments)
        name = Path(c.filename).stem
        case_id = self.text(top.get("id"), ("id",)) or name
        title = self.text(top.get("title"), ("title",)) or case_id
        if c.problems or patient is None:
            return None
        return Case(
            id=case_id,
            title=title,
            source=self.text(top.get("source"), ("source",)),
            language=language,
            patient=patient,
            treatments=tuple(treatments),
            path=c.filename,
            assumptions=tuple(self.notes),
        )

    def treatments(self, value: Any) -> list[Treatment]:
        path = ("treatments",)
        if isinstance(value, dict):
            value = [value]  # one treatment written without the list
        items = self.c.sequence(value, path)
        found: list[Treatment] = []
        seen: set[str] = set()
        generated = []
        for i, item in enumerate(items):
            treatment = self.treatment(item, (*path, i), i)
            if treatment is None:
                continue
            if isinstance(item, dict) and "id" not in item:
                generated.append(treatment.id)
            if treatment.id in seen:
                self.c.problem((*path, i, "id"), f"duplicate treatment id '{treatment.id}'")
                continue
            seen.add(treatment.id)
            found.append(treatment)
        if generated:
            self.assume(
                f"treatments without an id were named in file order: {', '.join(generated)}"
            )
        return found

    def treatment(self, value: Any, path: tuple[Any, ...], index: int) -> Treatment | None:
        entry = self.fields(value, path, _TREATMENT_KEYS)
        if entry is None:
            return None
        c = self.c
        before = len(c.problems)
        if "drugs" not in entry:
            c.problem(path, "missing required field 'drugs'")
        every = next((v for k, v in value.items() if str(k).strip().lower() == "every"), None)
        if every is not None and entry.get("frequency") == every:  # "every: 3 weeks"
            entry["frequency"] = f"every {every}"
        drugs = self.drugs(entry.get("drugs"), (*path, "drugs"))
        setting = self.setting(entry.get("setting"), (*path, "setting"))
        given = self.administrations(entry.get("administrations"), (*path, "administrations"))
        regimen = self.text(entry.get("regimen"), (*path, "regimen"))
        treatment = Treatment(
            id=self.text(entry.get("id"), (*path, "id")) or f"treatment-{index + 1}",
            regimen=regimen or " + ".join(d.drug for d in drugs),
            setting=setting,
            start=self.date(entry.get("start"), (*path, "start")),
            end=self.date(entry.get("end"), (*path, "end")),
            frequency=self.text(entry.get("frequency"), (*path, "frequency")),
            cycles=self.text(entry.get("cycles"), (*path, "cycles")),
            duration=self.text(entry.get("duration"), (*path, "duration")),
            drugs=tuple(drugs),
            given=tuple(given),
            quote=self.text(entry.get("quote"), (*path, "quote")),
            line=c.line(path),
        )
        if treatment.start and treatment.end and treatment.end.latest < treatment.start.value:
            c.problem(
                (*path, "end"), f"ends ({treatment.end}) before it starts ({treatment.start})"
            )
        return treatment if len(c.problems) == before else None

    def setting(self, value: Any, path: tuple[Any, ...]) -> str | None:
        if value is None:
            return None
        word = fold(str(value)).strip()
        if word in _SETTINGS:
            return word
        if word in _SETTING_WORDS:
            self.assume(f"{self.where(path)}: setting '{value}' read as {_SETTING_WORDS[word]}")
            return _SETTING_WORDS[word]
        self.c.problem(path, f"{value!r} is not one of: {', '.join(_SETTINGS)}")
        return None

    def drugs(self, value: Any, path: tuple[Any, ...]) -> list[WrittenDrug]:
        if isinstance(value, (str, dict)):
            value = [value]
        found = []
        for i, item in enumerate(self.c.sequence(value, path)):
            here = (*path, i)
            if isinstance(item, str):
                found.append(self.drug_string(item, here))
                continue
            d = self.fields(_decimal_comma(item), here, _DRUG_KEYS)
            if d is None:
                continue
            name = self.text(d.get("drug"), (*here, "drug"))
            if name is None:
                self.c.problem(here, "missing required field 'drug'")
                continue
            dose = self.text(d.get("dose"), (*here, "dose"))
            first, maintenance = split_loading(dose) if dose else (None, None)
            written_maintenance = self.text(d.get("maintenance"), (*here, "maintenance"))
            found += self.components(
                WrittenDrug(
                    name,
                    first,
                    _route(self.text(d.get("route"), (*here, "route"))),
                    self.c.line(here),
                    written_maintenance or maintenance,
                ),
                here,
            )
        return found

    def components(self, written: WrittenDrug, path: tuple[Any, ...]) -> list[WrittenDrug]:
        """A fixed combination written with its components' names and one
        dose per component ("Phesgo (pertuzumab/trastuzumab)", "1200 mg/600
        mg"): one drug line per component, each with its dose."""
        reference = load_drug_reference()
        if reference.match(written.drug) is not None:
            return [written]
        names = list(dict.fromkeys(m.drug_id for m, _ in reference.find_names(written.drug)))
        if len(names) < 2:
            return [written]
        parts = [_components(d, len(names)) for d in (written.dose, written.maintenance)]
        if any(p is None for p in parts):
            return [written]
        self.assume(
            f"{self.where(path)}: '{written.drug}' read as {' and '.join(names)}, one dose each"
        )
        first, then = parts
        return [
            WrittenDrug(
                name,
                first[i] if first else None,
                written.route,
                written.line,
                then[i] if then else None,
            )
            for i, name in enumerate(names)
        ]

    def drug_string(self, text: str, path: tuple[Any, ...]) -> WrittenDrug:
        """ "docetaxel 75 mg/m2 IV": the name before the first dose, the dose
        after it, a route at the end."""
        text = text.strip()
        route = None
        tail = _ROUTE_TAIL.search(text)
        if tail:
            route = _route(tail.group("route"))
            text = text[: tail.start()].rstrip()
        doses = find_doses(text)
        if not doses:
            return WrittenDrug(text, None, route, self.c.line(path))
        start = doses[0][1][0]
        if start >= 2 and text[start - 1] in "-−" and text[start - 2].isspace():
            # "docetaxel -75 mg/m2": a minus sign against the number is part of
            # the dose (and an error to report), never a dash to drop.
            start -= 1
        name = text[:start].strip(" :,-(")
        dose, maintenance = split_loading(text[start:].strip())
        if name:
            self.assume(
                f"{self.where(path)}: '{text}' read as drug '{name}', dose '{dose}'"
                + (f", then '{maintenance}'" if maintenance else "")
            )
        return WrittenDrug(name or text, dose, route, self.c.line(path), maintenance)

    def administrations(self, value: Any, path: tuple[Any, ...]) -> list[GivenDose]:
        if value is None:
            return []
        given = []
        for i, item in enumerate(self.c.sequence(value, path, non_empty=False)):
            g = self.fields(item, (*path, i), ("date", "drug", "dose"))
            if g is None:
                continue
            for key in ("date", "drug"):
                if g.get(key) is None:
                    self.c.problem((*path, i), f"missing required field '{key}'")
            date = self.date(g.get("date"), (*path, i, "date"))
            name = self.text(g.get("drug"), (*path, i, "drug"))
            if date and name:
                given.append(GivenDose(date, name, self.text(g.get("dose"), (*path, i, "dose"))))
        return given

    # -- the patient ----------------------------------------------------------------

    def patient(self, value: Any, treatments: list[Treatment]) -> CasePatient | None:
        path = ("patient",)
        if value is None:
            self.assume("no patient section: sex, age, height, weight and LVEF not documented")
            return CasePatient(None, None, None, None, ())
        entry = self.fields(value, path, _PATIENT_KEYS)
        if entry is None:
            return None
        first_start = next((t.start for t in treatments if t.start), None)
        return CasePatient(
            sex=self.sex(entry.get("sex"), (*path, "sex")),
            age_years=self.age(entry.get("age"), (*path, "age")),
            height=self.text(entry.get("height"), (*path, "height")),
            weight=self.text(entry.get("weight"), (*path, "weight")),
            lvef=tuple(self.lvef(entry.get("lvef"), (*path, "lvef"), first_start)),
            measurements=tuple(
                self.measurements(entry.get("measurements"), (*path, "measurements"))
            ),
        )

    def sex(self, value: Any, path: tuple[Any, ...]) -> str | None:
        if value is None:
            return None
        sex = _SEX.get(fold(str(value)).strip().rstrip("."))
        if sex is None:
            self.c.problem(path, f"{value!r} is not a sex (female or male; F, M, femme, homme)")
        return sex

    def age(self, value: Any, path: tuple[Any, ...]) -> float | None:
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number: float | None = float(value)
        else:
            match = _AGE.fullmatch(fold(str(value)).strip())
            number = float(match.group(1).replace(",", ".")) if match else None
        if number is None or not 0 < number < 130:
            self.c.problem(
                path, f"expected an age in years (45, '45 ans', '45 years'), got {value!r}"
            )
            return None
        return number

    def lvef(
        self, value: Any, path: tuple[Any, ...], first_start: CaseDate | None
    ) -> list[Measurement]:
        if value is None:
            return []
        if not isinstance(value, list):
            # One value, not a list: dated by the first treatment's start.
            reading = self.percent(value, path)
            if reading is None:
                return []
            if first_start is not None:
                self.assume(
                    f"{self.where(path)}: LVEF {reading[1]} has no date; dated {first_start} (the first treatment's start)"
                )
            return [Measurement(first_start, reading[0], reading[1])]
        found = []
        for i, item in enumerate(value):
            here = (*path, i)
            if isinstance(item, dict):
                m = self.fields(item, here, ("date", "value"))
                if m is None:
                    continue
                if "value" not in m:
                    self.c.problem(here, "missing required field 'value'")
                    continue
                reading = self.percent(m.get("value"), (*here, "value"))
                date = self.date(m.get("date"), (*here, "date"))
            else:
                # "62 % (2024-03-12)", "2024-03-12: 62%"
                text = str(item)
                percent = re.search(r"(\d{1,3}(?:[.,]\d+)?)\s*%", text)
                reading = self.percent(percent.group(0) if percent else item, here)
                rest = (text[: percent.start()] + " " + text[percent.end() :]) if percent else ""
                rest = rest.strip(" :;,()-")
                date = self.date(rest, here) if rest else None
            if reading is not None:
                found.append(Measurement(date, reading[0], reading[1]))
        return found

    def percent(self, value: Any, path: tuple[Any, ...]) -> tuple[float, str] | None:
        text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
        match = _PERCENT.fullmatch(text)
        number = float(match.group(1).replace(",", ".")) if match else None
        if number is None or not 0 < number <= 100:
            self.c.problem(path, f"expected a percentage such as '65%', got {value!r}")
            return None
        if not text.endswith("%"):
            self.assume(f"{self.where(path)}: LVEF '{text}' read as {number:g}%")
        return number, f"{number:g}%"

    def measurements(self, value: Any, path: tuple[Any, ...]) -> list[BodyMeasurement]:
        """Dated weights, heights and creatinines, each with its unit."""
        if value is None:
            return []
        found = []
        for i, item in enumerate(self.c.sequence(value, path, non_empty=False)):
            m = self.fields(item, (*path, i), ("date", "name", "value"))
            if m is None:
                continue
            missing = [k for k in ("date", "name", "value") if k not in m]
            for key in missing:
                self.c.problem((*path, i), f"missing required field '{key}'")
            if missing:
                continue
            name = self.c.choice(
                str(m.get("name")).strip().lower(), (*path, i, "name"), tuple(_MEASURES)
            )
            date = self.date(m.get("date"), (*path, i, "date"))
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
                self.c.problem((*path, i, "value"), str(exc))
                continue
            found.append(BodyMeasurement(date, name, amount, text))
        return found


# What each measurement is, the dimension its value must have, and the unit it is kept in.
_MEASURES = {
    "weight": ("[mass]", "kg"),
    "height": ("[length]", "cm"),
    "scr": ("[mass] / [length] ** 3", "mg/dL"),
}


_DOSE_TAIL = re.compile(r"\d+\s*[a-zA-Zµ/]")


def _decimal_comma(item: Any) -> Any:
    """'{drug: Kadcyla, dose: 3,6 mg}': YAML reads a flow mapping's comma as a
    separator (dose 3, then a key '6 mg' without a value). A number followed by
    such a key is one decimal-comma dose: '3,6 mg'."""
    if not isinstance(item, dict):
        return item
    out: dict[Any, Any] = {}
    previous = None
    for key, value in item.items():
        if (
            value is None
            and previous is not None
            and isinstance(out.get(previous), int)
            and not isinstance(out.get(previous), bool)
            and isinstance(key, str)
            and _DOSE_TAIL.match(key)
        ):
            out[previous] = f"{out[previous]},{key}"
            continue
        out[key] = value
        previous = key
    return out


def _components(dose: str | None, count: int) -> list[str] | None | list[None]:
    """'1200 mg/600 mg' as ['1200 mg', '600 mg'] for a combination of
    ``count`` drugs; [None] * count for no dose; None when it does not split."""
    if dose is None:
        return [None] * count
    parts = [p.strip() for p in dose.split("/")]
    if len(parts) != count or not all(len(find_doses(p)) == 1 for p in parts):
        return None
    return parts


def split_loading(dose: str) -> tuple[str, str | None]:
    """A dose written with its loading and maintenance steps, as the first
    (loading) dose and the maintenance dose; a plain dose as itself."""
    parts = _THEN.split(dose, maxsplit=1)
    if len(parts) == 1 and not _STEP_WORDS.search(dose):
        return dose, None
    first = " ".join(_STEP_WORDS.sub(" ", parts[0]).split()).strip(" ,;")
    rest = " ".join(_STEP_WORDS.sub(" ", parts[1]).split()).strip(" ,;") if len(parts) > 1 else ""
    return first or dose, rest or None


def _whole(number: float | None) -> float | int | None:
    """45.0 as 45, for printing."""
    return int(number) if number is not None and number == int(number) else number


def _route(value: str | None) -> str | None:
    if value is None:
        return None
    key = value.lower().replace(".", "").strip()
    return _ROUTE_NAMES.get(key, value)


def load_case_file(path: Path) -> Case:
    """Load a case file, forgiving what is clear; raises DataFileError listing
    every value that cannot be read."""
    return load_data_file(path, lambda c, data: _Reader(c).case(data))


def canonical(case: Case) -> dict[str, Any]:
    """The case in the documented format (``docs/case-format.md``)."""

    def drug(d: WrittenDrug) -> dict[str, Any]:
        out: dict[str, Any] = {"drug": d.drug, "dose": d.dose}
        if d.maintenance:
            out["maintenance"] = d.maintenance
        if d.route:
            out["route"] = d.route
        return out

    def date(d: CaseDate | None) -> dt.date | str | None:
        # A day prints as a YAML date (2016-01-19), a month as text ("2016-01").
        if d is None:
            return None
        return d.value if d.precision == "day" else str(d)

    patient = case.patient
    return {
        "schema_version": SCHEMA_VERSION,
        "id": case.id,
        "title": case.title,
        **({"source": case.source} if case.source else {}),
        **({"language": case.language} if case.language else {}),
        "patient": {
            "sex": patient.sex,
            "age": _whole(patient.age_years),
            "height": patient.height,
            "weight": patient.weight,
            "lvef": [{"date": date(m.date), "value": m.text} for m in patient.lvef],
            **(
                {
                    "measurements": [
                        {"date": date(m.date), "name": m.name, "value": m.text}
                        for m in patient.measurements
                    ]
                }
                if patient.measurements
                else {}
            ),
        },
        "treatments": [
            {
                "id": t.id,
                "regimen": t.regimen,
                **({"setting": t.setting} if t.setting else {}),
                "start": date(t.start),
                **({"end": date(t.end)} if t.end else {}),
                "frequency": t.frequency,
                "cycles": int(t.cycles) if t.cycles and t.cycles.isdigit() else t.cycles,
                **({"duration": t.duration} if t.duration else {}),
                "drugs": [drug(d) for d in t.drugs],
                **(
                    {
                        "administrations": [
                            {"date": date(g.date), "drug": g.drug, "dose": g.dose} for g in t.given
                        ]
                    }
                    if t.given
                    else {}
                ),
                **({"quote": t.quote} if t.quote else {}),
            }
            for t in case.treatments
        ],
    }


class _PlainDumper(yaml.SafeDumper):
    """Writes a date used twice twice, never as a YAML anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def canonical_yaml(case: Case) -> str:
    """What was read, as a case file in the documented format; what the
    reader assumed or ignored comes first, as comments."""
    lines = [f"# {n.severity}: {n.message}" for n in case.assumptions]
    body = yaml.dump(
        canonical(case), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return "\n".join([*lines, body]) if lines else body
