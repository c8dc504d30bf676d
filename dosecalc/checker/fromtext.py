"""Turning a free clinical text into a case, so it can be checked like one.

The treatments read by :mod:`dosecalc.checker.reading` become the case's:
each group of drugs written together is one treatment, with its doses,
frequency, cycle count, duration and dates as written. A bare "8 cycles" with
a date completes the treatment before it. Dates written without a year take
the year of the last full date before them. Sex, age and LVEF are read when
written plainly ("Femme de 40 ans", "FE 65%", "LVEF 55%").
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from dataclasses import dataclass

from ..case import (
    Case,
    CaseDate,
    CasePatient,
    GivenDose,
    Measurement,
    Treatment,
    WrittenDrug,
)
from ..drugs import DrugReference, load_drug_reference, load_regimen_names
from ..errors import InputError
from ..model import Regimen
from ..textfold import fold
from ..vocabulary import Frequency
from .check import Finding
from .course import SRC_CASE_FORMAT
from .extract import MAX_TEXT_CHARS, DateMention, find_dates, text_language
from .reading import ReadDrug, ReadTreatment, read_treatments
from .written import DoseReading, WrittenDose, comma_readings, with_comma_read

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


SRC_NUMBERS = (
    "dosecalc, how numbers are read (docs/safety.md): a comma before three digits "
    "separates thousands in English and is the decimal mark in French"
)


@dataclass
class _Commas:
    """How a dose such as "1,250 mg/m2" is read in this text: by the text's
    language (English: 1250; French: 1.25, unless only 1250 is a plausible
    dose of the drug). When the language does not settle it, the dose is
    reported as not understood and left out, never read 1000 times off.
    Each decision is a finding, so the reading can be traced."""

    language: str | None
    reference: DrugReference
    findings: list[Finding]

    def text(self, dose: WrittenDose | None, drug: str, treatment: str) -> str | None:
        """The dose's text for the case, with its comma settled (None: left out)."""
        if dose is None:
            return None
        readings = comma_readings(dose)
        if readings is None:
            return dose.text
        decimal, thousands = readings
        chosen = self._choose(decimal, thousands, drug)
        if chosen is None:
            self.findings.append(
                Finding(
                    "warning",
                    "NOT_UNDERSTOOD",
                    treatment,
                    drug,
                    f"dose '{dose.text}' was not understood: {_plain(thousands)} with a thousands "
                    f"comma or {_plain(decimal)} with a decimal comma, and the text does not say "
                    "which; write the number without a comma",
                    SRC_NUMBERS,
                )
            )
            return None
        why = (
            "the text is in English, where a comma before three digits separates thousands"
            if chosen is thousands
            else "the text is in French, where the comma is the decimal mark"
        )
        # The same code as a case file's "1,200 mg" read by the regimen: a
        # number written two ways, settled, and said so in a note.
        self.findings.append(
            Finding(
                "info",
                "UNIT_AMBIGUOUS",
                treatment,
                drug,
                f"'{dose.text}' read as {_plain(chosen)}: {why}",
                SRC_NUMBERS,
            )
        )
        return with_comma_read(dose, thousands=chosen is thousands)

    def _choose(
        self, decimal: DoseReading, thousands: DoseReading, drug: str
    ) -> DoseReading | None:
        if self.language == "en":
            return thousands
        if self.language == "fr":
            # "1,250 mg/m2" of capecitabine in a French text: 1.25 mg/m2 is no
            # dose of it, 1250 is; copied from English, or a slip: ask.
            if self._plausible(decimal, drug) is False and self._plausible(thousands, drug):
                return None
            return decimal
        return None

    def _plausible(self, reading: DoseReading, drug: str) -> bool | None:
        """Within ten times of the reference's usual range (None: no range to
        compare with). A comma misread is a factor of 1000."""
        if drug not in self.reference:
            return None
        factors = [
            factor
            for usual in self.reference.get(drug).usual
            if (factor := usual.range_factor(reading.amounts[0], reading.basis)) is not None
        ]
        if not factors:
            return None
        return any(0.1 <= factor <= 10 for factor in factors)


def _plain(reading: DoseReading) -> str:
    """'1250 mg/m2': the number without separators, so it cannot be misread again."""
    return f"{float(reading.amounts[0].magnitude):g} {reading.unit}"


def _case_date(mention: DateMention | None, year_hint: int | None) -> CaseDate | None:
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


def regimen_names(regimens: list[Regimen] | None = None) -> dict[str, tuple[str, ...]]:
    """Regimen names and acronyms and their drugs: the drug data's list
    (``drugs/regimen-names.yaml``), then the library's aliases and phase ids
    (short, capitalised: "THP", "TCH", "AC")."""
    reference = load_drug_reference()
    names = {n.name: n.drugs for n in load_regimen_names()}
    for regimen in regimens or []:
        for phase in regimen.phases:
            treated = tuple(
                e.drug
                for e in phase.drugs
                if e.drug in reference and reference.get(e.drug).category != "supportive"
            )
            words = [phase.id] + [a for a in regimen.aliases if len(regimen.phases) == 1]
            for word in words:
                if _ACRONYM.fullmatch(word) and word not in names and treated:
                    names[word] = treated
    return names


_ACRONYM = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]{0,4}")


def case_from_text(
    text: str, filename: str, regimens: list[Regimen] | None = None
) -> tuple[Case, list[ReadTreatment], list[Finding]]:
    """A Case read from ``text``, the treatments as read (with where they
    were read), and findings about the text itself (typos in markers)."""
    if not isinstance(text, str):
        raise InputError("the text to check must be text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"the text is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,} can be checked"
        )
    reference = load_drug_reference()
    routes = {n.name: n.route for n in load_regimen_names() if n.route}
    read = read_treatments(text, reference, regimen_names(regimens), routes)
    commas = _Commas(text_language(text), reference, [])
    all_dates = find_dates(text)
    years = [(d.span[0], d.year) for d in all_dates if d.year]
    treatments: list[Treatment] = []
    for index, found in enumerate(read):
        year = _year_before(years, found.span[1])
        supportive = all(
            d.drug_id in reference and reference.get(d.drug_id).category == "supportive"
            for d in found.drugs
        )
        own = {d.frequency.id: d.frequency for d in found.drugs if d.frequency is not None}
        frequency = found.frequency or (
            next(iter(own.values()))
            if len(own) == 1 and all(d.frequency for d in found.drugs)
            else None
        )
        treatment_id = f"statement-{index + 1}"
        drugs = tuple(_written_drug(d, frequency, commas, treatment_id) for d in found.drugs)
        start = _case_date(found.start, year)
        treatments.append(
            Treatment(
                id=treatment_id,
                regimen=found.text[:80],
                setting=_setting(found.sentence, supportive),
                start=start,
                end=_case_date(found.end, year),
                frequency=None if supportive or frequency is None else frequency.text,
                cycles=found.cycles.text if found.cycles else None,
                duration=found.duration.text if found.duration else None,
                drugs=drugs,
                given=tuple(
                    GivenDose(date, d.drug, None)
                    for mention in found.given
                    if (date := _case_date(mention, year)) is not None
                    for d in drugs
                ),
                quote=found.sentence,
                line=text.count("\n", 0, found.span[0]) + 1,
                continued=found.continued,
                position=found.span[0],
            )
        )
    folded = fold(text)
    person = _PATIENT.search(folded)
    sex = None
    if person:
        sex = "female" if person.group("sex") in ("femme", "woman", "female") else "male"
    patient = CasePatient(
        sex=sex,
        age_years=float(person.group("age")) if person else None,
        height=None,
        weight=None,
        lvef=tuple(
            _lvef_values(
                text,
                folded,
                all_dates,
                min((t.start for t in treatments if t.start), key=lambda d: d.value, default=None),
            )
        ),
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
    findings += commas.findings
    findings += _units_assumed(read)
    case = Case(
        id=filename,
        title=f"Text {filename}",
        source=filename,
        language=None,
        patient=patient,
        treatments=tuple(treatments),
        path=filename,
    )
    return case, read, findings


def _units_assumed(read: list[ReadTreatment]) -> list[Finding]:
    """A note for each dose whose unit was not written ("AC 60/600")."""
    return [
        Finding(
            "info",
            "INPUT_ASSUMED",
            f"statement-{index + 1}",
            d.drug_id,
            f"'{found.text[:60]}': {d.drug_id} read as {d.dose.text} (numbers after the "
            f"regimen name, one per drug; the unit is not written, the drug is dosed per m²)",
            SRC_CASE_FORMAT,
        )
        for index, found in enumerate(read)
        for d in found.drugs
        if d.unit_assumed and d.dose is not None
    ]


def _year_before(years: list[tuple[int, int]], position: int) -> int | None:
    """The year of the last date written with one before ``position``."""
    index = bisect_left(years, (position, 0)) - 1
    return years[index][1] if index >= 0 else None


def _written_drug(
    d: ReadDrug, shared: Frequency | None, commas: _Commas, treatment: str
) -> WrittenDrug:
    """A drug as read, as a case's drug line: a drug read from a regimen name
    is named by its id; its own frequency goes with its dose."""
    name = d.name.written if d.written_as == d.name.written else d.drug_id  # "AC" → doxorubicin
    dose = commas.text(d.dose, d.drug_id, treatment)
    if (
        dose
        and d.dose is not None
        and d.frequency is not None
        and d.dose.frequency is None
        and d.frequency is not shared
    ):
        dose = f"{dose} {d.frequency.text}"
    maintenance = commas.text(d.maintenance, d.drug_id, treatment)
    cumulative = commas.text(d.cumulative, d.drug_id, treatment)
    return WrittenDrug(name, dose, d.route, None, maintenance, cumulative, d.reduction, d.reduced)


# An LVEF value: a percentage after the keyword, each with its own date.
_LVEF_KEY = re.compile(
    r"(?<![a-z])(?:fevg|fe|lvef|ef|fraction d.ejection|ejection fraction)(?![a-z])"
)
_PERCENT = re.compile(r"(?<![\d,.])(?P<value>\d{2})(?:[.,]\d)?\s?%")
_THRESHOLD = re.compile(
    r"(?:[≥>≤<]|>=|<=|at least|au moins|superieure? a|inferieure? a|above|below|over|under)\s*$"
)


# "when trastuzumab was held for 4 weeks": the label's response, written.
_HELD = re.compile(
    r"(?<![a-z])(?:held|withheld|interrupted|suspended|stopped|interrompue?|suspendue?|arretee?)(?![a-z])"
)


# "(64 % avant traitement)": a value measured before the treatment began.
_BEFORE_TREATMENT = re.compile(
    r"\s*+\)?\s*+(?:avant (?:le )?traitement|pre-?traitement|before (?:the )?treatment|pre-?treatment)(?![a-z])"
)


def _sentence_start(folded: str, position: int) -> int:
    """Where the sentence holding ``position`` begins (after ". " or a line break)."""
    stop = max(folded.rfind(". ", 0, position), folded.rfind("\n", 0, position))
    return stop + 1


def _lvef_values(
    text: str, folded: str, dates: list[DateMention], treatment_start: CaseDate | None = None
) -> list[Measurement]:
    """Every LVEF value with its own date: the date written right after it
    ("48 % le 20/08/2021", "56% (Apr 2021)"), else just before it, else the
    latest date of its sentence before it ("l'échographie du 10/10/2024
    retrouve une FEVG à 44 %"), else the first date of its line. A value
    written as measured before treatment ("64 % avant traitement") is dated
    by the start of the treatment (``treatment_start``): the baseline.
    Thresholds ("LVEF >= 55%") are not values."""
    found = []
    for start, end in _lvef_regions(folded):
        for match in _PERCENT.finditer(folded, start, end):
            if _THRESHOLD.search(folded[max(0, match.start() - 14) : match.start()]):
                continue
            value = float(match.group("value"))
            if not 10 <= value <= 90:
                continue
            next_value = _PERCENT.search(folded, match.end(), end)
            limit = next_value.start() if next_value else end
            after = [d for d in dates if match.end() <= d.span[0] < min(limit, match.end() + 40)]
            before = [d for d in dates if start <= d.span[1] <= match.start()]
            line_start = folded.rfind("\n", 0, match.start()) + 1
            on_line = [d for d in dates if line_start <= d.span[0] < match.start()]
            in_sentence = [
                d for d in on_line if d.span[0] >= _sentence_start(folded, match.start())
            ]
            mention = (
                after[0]
                if after
                else (
                    before[-1]
                    if before
                    else (in_sentence[-1] if in_sentence else (on_line[0] if on_line else None))
                )
            )
            year = next(
                (d.year for d in reversed(dates) if d.year and d.span[0] <= match.end() + 40), None
            )
            date = _case_date(mention, year)
            if _BEFORE_TREATMENT.match(folded, match.end()) and not _dated_in_place(
                folded, match.end(), after
            ):
                date = treatment_start  # "64 % avant traitement": the baseline, at the start
            found.append(
                Measurement(
                    date,
                    value,
                    f"{match.group('value')}%",
                    position=match.start(),
                    held=bool(_HELD.search(folded, match.end(), min(end, limit + 60))),
                )
            )
    return found


def _dated_in_place(folded: str, value_end: int, after: list[DateMention]) -> bool:
    """Whether the date written after a value is its own, in the same
    parenthesis or clause ("64 % avant traitement (échographie du
    10/11/2025)"), not one of the next sentence ("(64 % avant traitement),
    ... l'échographie du 10/10/2024 retrouve 44 %"): an exam's own date is
    better than the treatment start it is assumed to precede."""
    if not after:
        return False
    between = folded[value_end : after[0].span[0]]
    return ")" not in between and "." not in between and "," not in between


def _lvef_regions(folded: str) -> list[tuple[int, int]]:
    """Stretches of text about LVEF: from a keyword to the end of its sentence
    (a table's LVEF column: every row under it)."""
    regions = []
    lines = folded.split("\n")
    offset = 0
    header_column = None
    for line in lines:
        cells = line.split("|")
        if len(cells) >= 3:
            if header_column is None:
                header_column = next((i for i, c in enumerate(cells) if _LVEF_KEY.search(c)), None)
            elif header_column < len(cells):
                regions.append((offset, offset + len(line)))
        else:
            header_column = None
            for key in _LVEF_KEY.finditer(line):
                stop = re.search(r"\.(?:\s|$)", line[key.end() :])
                end = key.end() + (stop.start() if stop else len(line) - key.end())
                regions.append((offset + key.start(), offset + end))
        offset += len(line) + 1
    merged: list[tuple[int, int]] = []
    for region in sorted(regions):
        if merged and region[0] <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], region[1]))
        else:
            merged.append(region)
    return merged
