"""Turning a free clinical text into a case, so it can be checked like one.

The statements found by :mod:`dosecalc.checker.extract` become treatments:
each group of drugs written together is one treatment, with its doses,
frequency, cycle count, duration and dates as written. A bare "8 cycles" with
a date completes the treatment before it. Dates written without a year take
the year of the last full date before them. Sex, age and LVEF are read when
written plainly ("Femme de 40 ans", "FE 65%", "LVEF 55%").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..case import Case, CaseDate, CasePatient, Measurement, Treatment, WrittenDrug
from .check import Finding
from .text import fold

_SETTINGS = [
    ("neoadjuvant", r"neo-?adjuvant"),
    ("adjuvant", r"(?<!neo)(?<!neo-)adjuvant|poursuivi|continued|to complete"),
    ("metastatic", r"recidive|relapse|metasta|recurren|progression"),
]
_PATIENT = re.compile(
    r"\b(?P<sex>femme|woman|female|homme|man|male)\b[^.\d]{0,25}?(?P<age>\d{2})\s*+(?:ans|-?\s*+years?|-?\s*+year-old|yo)\b"
)
_LVEF = re.compile(
    r"\b(?:fevg|fe|lvef|ef|fraction d.ejection|ejection fraction)\b\D{0,20}?(?P<value>\d{2})\s*+%"
)
_KI67 = re.compile(r"\bki\s*+-?\s*+(?P<number>\d{1,3})\b")

#: Markers written with the wrong number are typos worth a note (Ki-67 is the
#: proliferation marker; "Ki57" in the seed case). Source: Gerdes J et al.,
#: J Immunol 1984;133:1710 (the Ki-67 antigen).
SRC_KI67 = "Ki-67 proliferation antigen (Gerdes J et al. J Immunol 1984;133:1710)"


def _case_date(mention: Any, year_hint: int | None) -> CaseDate | None:
    if mention is None or mention.month is None:
        return None
    year = mention.year or year_hint
    if year is None:
        return None
    try:
        if mention.day:
            return CaseDate(dt.date(year, mention.month, mention.day), "day")
        return CaseDate(dt.date(year, mention.month, 1), "month")
    except ValueError:
        return None


def _setting(sentence: str, supportive: bool) -> str | None:
    if supportive:
        return "supportive"
    folded = fold(sentence)
    for name, pattern in _SETTINGS:
        if re.search(pattern, folded):
            return name
    return None


def case_from_text(text: str, filename: str) -> tuple[Case, list[Any], list[Finding]]:
    """A Case read from ``text``, the statements it came from, and findings
    about the text itself (typos in markers)."""
    from ..drugs import load_drug_reference
    from .extract import extract_statements, find_dates

    reference = load_drug_reference()
    statements = extract_statements(text, reference)
    treatments: list[Treatment] = []
    last_year: int | None = None
    for index, statement in enumerate(statements):
        dated = [
            d for d in (statement.preceding_date, *statement.dates) if d is not None and d.year
        ]
        if dated:
            last_year = dated[0].year
        if not statement.drugs:
            if statement.cycles and treatments:
                _complete(treatments, statement, last_year)
            continue
        supportive = all(reference.get(m.drug_id).category == "supportive" for m in statement.drugs)
        frequency = (
            statement.frequency.text if statement.frequency else _last_drug_frequency(statement)
        )
        start = (
            _case_date(statement.dates[0], last_year)
            if statement.dates and statement.dates[0] is not statement.until
            else None
        )
        if (
            start is None
            and statement.duration is None
            and statement.until is None
            and statement.preceding_date
            and not supportive
        ):
            start = None
        drugs = tuple(
            WrittenDrug(m.written, m.dose.text if m.dose else None, m.route, None)
            for m in statement.drugs
        )
        treatments.append(
            Treatment(
                id=f"statement-{index + 1}",
                regimen=statement.text.strip()[:80],
                setting=_setting(statement.sentence, supportive),
                start=start if not supportive or start else None,
                end=_case_date(statement.until, last_year),
                frequency=None if supportive else frequency,
                cycles=statement.cycles.text if statement.cycles else None,
                duration=statement.duration.text if statement.duration else None,
                drugs=drugs,
                given=(),
                quote=statement.sentence.strip(),
                line=text.count("\n", 0, statement.span[0]) + 1,
            )
        )
    folded = fold(text)
    person = _PATIENT.search(folded)
    sex = None
    if person:
        sex = "female" if person.group("sex") in ("femme", "woman", "female") else "male"
    lvef = []
    dates_by_line: dict[int, list[Any]] = {}  # each line read once, however many LVEFs
    for match in _LVEF.finditer(folded):
        line_start = folded.rfind("\n", 0, match.start()) + 1
        if line_start not in dates_by_line:
            line_end = folded.find("\n", match.end())
            dates_by_line[line_start] = find_dates(
                text[line_start : line_end if line_end != -1 else len(text)]
            )
        dates = dates_by_line[line_start]
        lvef.append(
            Measurement(
                _case_date(dates[0], last_year) if dates else None,
                float(match.group("value")),
                f"{match.group('value')}%",
            )
        )
    patient = CasePatient(
        sex=sex,
        age_years=float(person.group("age")) if person else None,
        height=None,
        weight=None,
        lvef=tuple(lvef),
    )
    findings = [
        Finding(
            "info",
            "TERM_TYPO",
            None,
            None,
            f"'{text[m.start() : m.end()]}' is probably a typo for Ki-67 (proliferation marker); it does not change dosing",
            SRC_KI67,
        )
        for m in _KI67.finditer(folded)
        if m.group("number") != "67"
    ]
    case = Case(
        id=filename,
        title=f"Text {filename}",
        source=filename,
        language=None,
        patient=patient,
        treatments=tuple(treatments),
        path=filename,
    )
    return case, statements, findings


def _complete(treatments: list[Treatment], statement: Any, year: int | None) -> None:
    """A bare "8 cycles" (with its date) completes the last drug treatment without a count."""
    from dataclasses import replace

    for i in range(len(treatments) - 1, -1, -1):
        treatment = treatments[i]
        if treatment.setting == "supportive" or treatment.cycles:
            continue
        end = _case_date(statement.dates[0], year) if statement.dates else None
        treatments[i] = replace(treatment, cycles=statement.cycles.text, end=end or treatment.end)
        return


def _last_drug_frequency(statement: Any) -> str | None:
    """ "A, B and C 840 mg every 3 weeks": a frequency written only after the
    last drug's dose is the group's frequency (as the reader takes it)."""
    own = [m for m in statement.drugs if m.frequency is not None and not m.frequency_inherited]
    if len(own) == 1 and own[0] is statement.drugs[-1]:
        return own[0].frequency.text
    return None
