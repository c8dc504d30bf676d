"""Drug, dose, frequency, cycle and date statements in clinical free text.

``extract_statements(text, reference)`` reads a note or case report in
English or French and returns what it states, sentence by sentence, in a
form the checker can compare with the regimen library: which drugs (matched
to the drug reference, misspellings flagged), which dose was written for each
(as a :class:`~dosecalc.checker.written.WrittenDose`), at which frequency,
for how many cycles, for how long, and the dates around it.

How a sentence is read:

* Drug names are found with ``DrugReference.find_names``. After each name,
  its *phrase* is what follows as long as it is made of doses, routes,
  frequencies, cycle counts, durations, dates and a few linking words
  ("loading", "then", "à raison de"...). The phrase stops at any other word.
* Drugs whose phrases are joined only by a hyphen, "+", "/", a comma,
  "and"/"et"/"with"/"avec" form one *group* ("Docetaxel (75mg/m2)-Trastuzumab
  (8mg(mg/kg)-Pertuzumab (840mg)"); each group is one :class:`Statement`.
* A frequency written with a dose ("40mg/8h") belongs to that drug. A
  frequency or cycle count after the last drug of a group, not attached to a
  dose, applies to every drug of the group that has none of its own, and is
  marked ``frequency_inherited`` so the checker can say where it came from.

Nothing is judged here; nothing is dropped silently either: doses that
could not be read, or were ambiguous, come back as such.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from .frequency import Frequency, find_frequencies
from .text import NUMBER_PATTERN, fold, number_value
from .written import WrittenDose, find_doses

if TYPE_CHECKING:  # only for annotations: keeps this module light to import
    from ..drugs import DrugReference, NameMatch

__all__ = [
    "CycleCount",
    "DateMention",
    "DrugMention",
    "Duration",
    "Statement",
    "extract_statements",
    "find_dates",
    "MAX_TEXT_CHARS",
]

#: Longest text accepted. A case report is a few thousand characters.
MAX_TEXT_CHARS = 200_000

Span = tuple[int, int]


@dataclass(frozen=True)
class DateMention:
    """A date as written. ``year``, ``month``, ``day`` are None where not
    written ("en janvier 2016" has no day; "le 17 janvier" no year).

    Numeric dates are read day first (``17/01/2016``), as in European notes;
    when month-first would also be a valid, different date (``05/06/2016``),
    ``alternative`` holds that reading so the checker can ask.
    """

    text: str
    span: Span
    year: int | None
    month: int | None
    day: int | None
    alternative: dt.date | None = None

    @property
    def date(self) -> dt.date | None:
        """The full date, when year, month and day are all written."""
        if self.year and self.month and self.day:
            return dt.date(self.year, self.month, self.day)
        return None

    @property
    def precision(self) -> str:
        """``day``, ``month`` or ``year``: the finest part written."""
        if self.day:
            return "day"
        return "month" if self.month else "year"

    @property
    def ambiguous(self) -> bool:
        return self.alternative is not None


@dataclass(frozen=True)
class CycleCount:
    """A count as written: "x 4 cycles", "8 cycles", "x 12".

    ``unit`` is ``cycles``, ``doses`` or ``unspecified`` (a bare "x 12": cycles
    or doses, the text does not say).
    """

    count: int
    unit: str
    text: str
    span: Span


@dataclass(frozen=True)
class Duration:
    """How long a treatment runs: "pendant un an", "for 12 weeks",
    "jusqu'en mai 2015" (``until``). ``days`` is approximate for months and years."""

    text: str
    span: Span
    amount: float | None = None
    unit: str | None = None  # "hour", "day", "week", "month", "year"
    until: DateMention | None = None

    @property
    def days(self) -> float | None:
        if self.amount is None or self.unit is None:
            return None
        return self.amount * _UNIT_DAYS[self.unit]


@dataclass(frozen=True)
class DrugMention:
    """One drug in a statement, with what was written for it."""

    name: NameMatch
    span: Span
    doses: tuple[WrittenDose, ...] = ()
    frequency: Frequency | None = None
    frequency_inherited: bool = False
    cycles: CycleCount | None = None
    route: str | None = None

    @property
    def drug_id(self) -> str:
        return self.name.drug_id

    @property
    def written(self) -> str:
        return self.name.written

    @property
    def dose(self) -> WrittenDose | None:
        """The first dose written for the drug (a loading dose comes first)."""
        return self.doses[0] if self.doses else None


@dataclass(frozen=True)
class Statement:
    """A group of drugs given together, or a bare cycle count, in one sentence."""

    sentence: str
    sentence_span: Span
    span: Span
    text: str
    drugs: tuple[DrugMention, ...] = ()
    frequency: Frequency | None = None  # written for the group as a whole
    cycles: CycleCount | None = None
    duration: Duration | None = None  # "pendant un an", "for 12 weeks"
    until: DateMention | None = None  # "jusqu'en mai 2015", "until 2016-05-01"
    dates: tuple[DateMention, ...] = ()  # dates in the same sentence
    preceding_date: DateMention | None = None  # the last date written before the sentence


# --- dates -------------------------------------------------------------------------

_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d|1er)(?:st|nd|rd|th)?"

_DATE_PATTERNS = [
    re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})(?![\d/])"),
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)"),
    re.compile(rf"(?<![\w]){_DAY}\s++{_MONTH}(?:\s++{_YEAR})?(?![\w])"),
    re.compile(rf"(?<![\w]){_MONTH}\s++{_DAY},?\s++{_YEAR}(?![\w])"),
    re.compile(rf"(?<![\w]){_MONTH}\s++{_YEAR}(?![\w])"),
    re.compile(rf"(?<![\w])(?:en|in|depuis|since)\s++{_YEAR}(?![\w])"),
]


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _date_from(match: re.Match[str], text: str) -> DateMention | None:
    groups = match.groupdict()
    span = match.span()
    written = text[span[0] : span[1]]
    if "a" in groups and groups.get("a"):
        first, second, year = int(groups["a"]), int(groups["b"]), int(groups["y"])
        if year < 100:
            year += 2000
        day_first = _valid(year, second, first)
        month_first = _valid(year, first, second)
        if day_first:
            alternative = dt.date(year, first, second) if month_first and first != second else None
            return DateMention(written, span, year, second, first, alternative)
        if month_first:  # 01/17/2016 can only be month first
            return DateMention(written, span, year, first, second)
        return None
    year = int(groups["year"]) if groups.get("year") else None
    month_text = groups.get("month")
    month = None
    if month_text:
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.rstrip(".")]
    day_text = groups.get("day")
    day = (1 if day_text == "1er" else int(day_text)) if day_text else None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not (
        1 <= day <= (calendar.monthrange(year, month)[1] if year and month else 31)
    ):
        return None
    if year is None and month is None:
        return None
    if month is None and not re.match(r"(?:en|in|depuis|since)\s", fold(written)):
        return None
    if month is None:
        span = (span[0] + written.rfind(str(year)), span[1])
        written = str(year)
    return DateMention(written, span, year, month, day)


def find_dates(text: str) -> list[DateMention]:
    """Every date written in ``text``, in order: "17/01/2016", "2016-01-19",
    "17 janvier 2016", "January 17, 2016", "janvier 2016", "en 2015"."""
    folded = fold(text)
    candidates = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            mention = _date_from(match, text)
            if mention:
                candidates.append(mention)
    return _non_overlapping(candidates, key=lambda m: m.span)


def _non_overlapping(items, key):
    items = sorted(items, key=lambda item: (key(item)[0], -(key(item)[1] - key(item)[0])))
    kept, last_end = [], -1
    for item in items:
        start, end = key(item)
        if start >= last_end:
            kept.append(item)
            last_end = end
    return kept


# --- counts and durations ----------------------------------------------------------------

_N = NUMBER_PATTERN
_CYCLE_WORDS = r"(?P<what>cycles?|cures?|courses?|doses?|injections?|perfusions?|infusions?)"
_COUNT_X = re.compile(rf"(?<![\w])[x×]\s?(?P<n>\d{{1,3}})(?:\s*+{_CYCLE_WORDS})?(?![\w])")
_COUNT_WORD = re.compile(rf"(?<![\w.,])(?P<n>{_N})\s++{_CYCLE_WORDS}(?![\w])")
_NOT_A_COUNT_AFTER = re.compile(r"\s*+(?:mm|cm|m|mg|g|ml|kg)(?![a-z])")


def _find_cycles(text: str, folded: str) -> list[CycleCount]:
    found = []
    for pattern in (_COUNT_X, _COUNT_WORD):
        for match in pattern.finditer(folded):
            if pattern is _COUNT_X:
                # The last character before the match and its spaces, found
                # in place (slicing the text before every match was quadratic).
                before = match.start()
                while before > 0 and folded[before - 1].isspace():
                    before -= 1
                if before > 0 and folded[before - 1].isdigit():
                    continue  # "20 x 16 mm" is a size, not a count
                if _NOT_A_COUNT_AFTER.match(folded, match.end()):
                    continue
            count = number_value(match.group("n"))
            if not count:
                continue
            what = match.group("what") or ""
            unit = (
                "cycles"
                if what.startswith(("cycle", "cure", "course"))
                else ("doses" if what else "unspecified")
            )
            found.append(CycleCount(count, unit, text[match.start() : match.end()], match.span()))
    return _non_overlapping(found, key=lambda c: c.span)


_DURATION_UNITS = {
    "an": "year",
    "ans": "year",
    "annee": "year",
    "annees": "year",
    "year": "year",
    "years": "year",
    "mois": "month",
    "month": "month",
    "months": "month",
    "semaine": "week",
    "semaines": "week",
    "week": "week",
    "weeks": "week",
    "jour": "day",
    "jours": "day",
    "day": "day",
    "days": "day",
    "heure": "hour",
    "heures": "hour",
    "hour": "hour",
    "hours": "hour",
}
_DURATION = re.compile(
    rf"(?<![\w])(?:pendant|durant|during|for)\s++(?P<n>{_N}|a|an)\s++"
    r"(?P<unit>" + "|".join(sorted(_DURATION_UNITS, key=len, reverse=True)) + r")(?![\w])"
)
_UNTIL = re.compile(r"(?<![\w])(?:jusqu['’]?\s*+(?:en|au|a|à|le)?|until|through|till)\s++")


def _find_durations(text: str, folded: str, dates: list[DateMention]) -> list[Duration]:
    found = []
    for match in _DURATION.finditer(folded):
        word = match.group("n")
        amount = 1 if word in ("a", "an") else number_value(word)
        if amount is None:
            continue
        found.append(
            Duration(
                text[match.start() : match.end()],
                match.span(),
                float(amount),
                _DURATION_UNITS[match.group("unit")],
            )
        )
    starts = {d.span[0]: d for d in dates}
    for match in _UNTIL.finditer(folded):
        date = starts.get(match.end())
        if date:
            found.append(
                Duration(
                    text[match.start() : date.span[1]], (match.start(), date.span[1]), until=date
                )
            )
    return _non_overlapping(found, key=lambda d: d.span)


# --- sentences and phrases ----------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s++(?=[A-ZÀ-ÖØ-Þ0-9«\"(])|\n\s*+(?:[-•*]\s++)?")

# Words that may sit inside a drug's phrase without ending it.
_LINK = re.compile(
    r"\s++|[():\[\]]|(?:"
    r"a\s++raison\s++de|a\s++la\s++dose\s++de|dose\s++de\s++charge|dose\s++d['’]attaque|de\s++charge|d['’]attaque|"
    r"d['’]entretien|en\s++entretien|puis|ensuite|suivie?s?\s++de|loading(?:\s++dose)?|maintenance|then|followed\s++by|"
    r"at|of|de|for|pour|dose|doses|given|administered|administree?s?|"
    r"(?:par\s++)?voie\s++(?:intraveineuse|orale|sous[- ]cutanee|intramusculaire)|"
    r"en\s++(?:iv|ivd|ivl|intraveineux|perfusion)|(?:en\s++)?sous[- ]cutanee|intravenous(?:ly)?|i\.?v\.?|iv|po|per\s++os|orally|"
    r"s\.?c\.?|sc|subcut)"
    r"(?![a-z])"
)
_CONNECTOR = re.compile(r"^\s*+(?:[-–+/&,]|and|et|with|avec|plus|\+)?\s*+$")
_ROUTE_WORDS = [
    (
        "IV",
        re.compile(
            r"intraveineuse|intraveineux|intravenous|(?<![a-z])i\.?v\.?(?![a-z])|(?<![a-z])iv[dl]?(?![a-z])|perfusion"
        ),
    ),
    ("PO", re.compile(r"(?<![a-z])(?:po|per\s++os|orale?|orally|by\s++mouth)(?![a-z])")),
    ("SC", re.compile(r"sous[- ]cutanee|subcut|(?<![a-z])s\.?c\.?(?![a-z])")),
]


@dataclass
class _Phrase:
    end: int
    doses: list[tuple[WrittenDose, Span]]
    free_frequencies: list[tuple[Frequency, Span]]
    cycles: list[CycleCount]
    durations: list[Duration]
    route: str | None


class _Sentence:
    """The items found in one sentence, indexed by where they start."""

    def __init__(self, text: str, start: int, reference: DrugReference, dates: list[DateMention]):
        self.text = text
        self.start = start
        self.folded = fold(text)
        self.names = reference.find_names(text)
        self.doses = {span[0]: (dose, span) for dose, span in find_doses(text)}
        self.frequencies = {span[0]: (freq, span) for freq, span in find_frequencies(text)}
        self.cycles = {c.span[0]: c for c in _find_cycles(text, self.folded)}
        local_dates = [
            DateMention(
                d.text,
                (d.span[0] - start, d.span[1] - start),
                d.year,
                d.month,
                d.day,
                d.alternative,
            )
            for d in dates
            if d.span[0] >= start and d.span[1] <= start + len(text)
        ]
        self.dates = {d.span[0]: d for d in local_dates}
        self.durations = {d.span[0]: d for d in _find_durations(text, self.folded, local_dates)}

    def phrase(self, position: int, limit: int) -> _Phrase:
        """Consume the phrase that starts at ``position`` (just after a drug name)."""
        phrase = _Phrase(position, [], [], [], [], None)
        pos = position
        while pos < limit:
            if pos in self.doses:
                dose, span = self.doses[pos]
                phrase.doses.append((dose, span))
                pos = span[1]
            elif pos in self.frequencies:
                freq, span = self.frequencies[pos]
                phrase.free_frequencies.append((freq, span))
                pos = span[1]
            elif pos in self.cycles:
                phrase.cycles.append(self.cycles[pos])
                pos = self.cycles[pos].span[1]
            elif pos in self.durations:
                phrase.durations.append(self.durations[pos])
                pos = self.durations[pos].span[1]
            elif pos in self.dates:
                pos = self.dates[pos].span[1]
            elif (link := _LINK.match(self.folded, pos)) and link.end() > pos:
                for route, pattern in _ROUTE_WORDS:
                    if pattern.search(link.group()):
                        phrase.route = phrase.route or route
                pos = link.end()
            elif self.folded[pos] == "," and self._item_after(pos + 1, limit):
                pos += 1
            else:
                break
            phrase.end = pos
        return phrase

    def _item_after(self, pos: int, limit: int) -> bool:
        while pos < limit and self.folded[pos].isspace():
            pos += 1
        return pos in self.frequencies or pos in self.durations or pos in self.cycles


def _sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [s for s in spans if text[s[0] : s[1]].strip()]


def extract_statements(text: str, reference: DrugReference) -> list[Statement]:
    """Find drug, dose, frequency, cycle, duration and date statements in a
    clinical text (English or French), in the order they are written.

    Raises InputError for text that is not a string or is longer than
    ``MAX_TEXT_CHARS``; any other text, however odd, gives a (possibly empty)
    list.
    """
    if not isinstance(text, str):
        raise InputError("the text to check must be text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"the text is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,} can be checked"
        )
    dates = find_dates(text)
    statements: list[Statement] = []
    for start, end in _sentences(text):
        sentence = _Sentence(text[start:end], start, reference, dates)
        preceding = next((d for d in reversed(dates) if d.span[1] <= start), None)
        statements.extend(_statements_in(sentence, start, preceding))
    return statements


def _statements_in(
    sentence: _Sentence, offset: int, preceding: DateMention | None
) -> list[Statement]:
    names = sentence.names
    dates = tuple(_shift_date(d, offset) for d in sentence.dates.values())
    sentence_span = (offset, offset + len(sentence.text))
    if not names:
        counts = [c for c in sentence.cycles.values() if c.unit == "cycles"]
        if not counts:
            return []
        count = counts[0]
        return [
            Statement(
                sentence=sentence.text,
                sentence_span=sentence_span,
                span=(count.span[0] + offset, count.span[1] + offset),
                text=count.text,
                cycles=_shift(count, offset),
                dates=dates,
                preceding_date=preceding,
            )
        ]
    phrases = []
    for index, (_, span) in enumerate(names):
        limit = names[index + 1][1][0] if index + 1 < len(names) else len(sentence.text)
        phrases.append(sentence.phrase(span[1], limit))
    groups: list[list[int]] = [[0]]
    for index in range(1, len(names)):
        gap = sentence.text[phrases[index - 1].end : names[index][1][0]]
        if _CONNECTOR.match(fold(gap)):
            groups[-1].append(index)
        else:
            groups.append([index])
    return [
        _group_statement(sentence, offset, names, phrases, group, dates, preceding)
        for group in groups
    ]


def _group_statement(sentence, offset, names, phrases, group, dates, preceding) -> Statement:
    last = phrases[group[-1]]
    shared_frequency = last.free_frequencies[-1][0] if last.free_frequencies else None
    shared_cycles = last.cycles[-1] if last.cycles else None
    mentions = []
    for index in group:
        match, span = names[index]
        phrase = phrases[index]
        own = next((d.frequency for d, _ in phrase.doses if d.frequency), None)
        if own is None and index != group[-1] and phrase.free_frequencies:
            own = phrase.free_frequencies[-1][0]
        if own is None and index == group[-1] and phrase.free_frequencies and len(group) == 1:
            own = phrase.free_frequencies[-1][0]
        # Only a drug written before the shared frequency "inherits" it.
        inherited = own is None and shared_frequency is not None and index != group[-1]
        cycles = phrase.cycles[-1] if phrase.cycles and index != group[-1] else shared_cycles
        mentions.append(
            DrugMention(
                name=match,
                span=(span[0] + offset, span[1] + offset),
                doses=tuple(d for d, _ in phrase.doses),
                frequency=own if own is not None else shared_frequency,
                frequency_inherited=inherited,
                cycles=_shift(cycles, offset) if cycles else None,
                route=next((d.route for d, _ in phrase.doses if d.route), None) or phrase.route,
            )
        )
    start = names[group[0]][1][0]
    end = max(last.end, names[group[-1]][1][1])
    durations = [d for i in group for d in phrases[i].durations]
    duration = next((d for d in durations if d.amount is not None), None)
    until = next((d.until for d in durations if d.until is not None), None)
    all_cycles = [c for i in group for c in phrases[i].cycles]
    return Statement(
        sentence=sentence.text,
        sentence_span=(offset, offset + len(sentence.text)),
        span=(start + offset, end + offset),
        text=sentence.text[start:end].strip(),
        drugs=tuple(mentions),
        frequency=shared_frequency,
        cycles=_shift(shared_cycles or (all_cycles[0] if all_cycles else None), offset),
        duration=_shift_duration(duration, offset),
        until=_shift_date(until, offset),
        dates=dates,
        preceding_date=preceding,
    )


def _shift(count: CycleCount | None, offset: int) -> CycleCount | None:
    if count is None:
        return None
    return CycleCount(
        count.count, count.unit, count.text, (count.span[0] + offset, count.span[1] + offset)
    )


def _shift_date(date: DateMention | None, offset: int) -> DateMention | None:
    if date is None:
        return None
    return DateMention(
        date.text,
        (date.span[0] + offset, date.span[1] + offset),
        date.year,
        date.month,
        date.day,
        date.alternative,
    )


def _shift_duration(duration: Duration | None, offset: int) -> Duration | None:
    if duration is None:
        return None
    span = (duration.span[0] + offset, duration.span[1] + offset)
    return Duration(
        duration.text, span, duration.amount, duration.unit, _shift_date(duration.until, offset)
    )
