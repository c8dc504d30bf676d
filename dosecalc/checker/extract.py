"""Dates, cycle counts and durations in clinical free text, and its sentences.

The building blocks the free-text reader (:mod:`dosecalc.checker.reading`)
and the case reader use: ``find_dates`` finds every date as written ("17/01/2016",
"17 janvier 2016", "janvier 2016", "en 2015"), day first, with the month-first
reading kept when it is also a valid date; cycle counts ("x 4 cycles", "8 cures")
and durations ("pendant un an", "jusqu'en mai 2015") are found with their spans.
Nothing is judged here; nothing is dropped silently either.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from ..textfold import NUMBER_PATTERN, fold, number_value

__all__ = [
    "CycleCount",
    "DateMention",
    "Duration",
    "find_dates",
    "MAX_TEXT_CHARS",
    "text_language",
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
    year: int | None
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


_Found = TypeVar("_Found")


def _non_overlapping(items: Iterable[_Found], key: Callable[[_Found], Span]) -> list[_Found]:
    """The items whose spans do not overlap one kept before: the earliest
    first, the longest of those starting at the same place."""
    ordered = sorted(items, key=lambda item: (key(item)[0], -(key(item)[1] - key(item)[0])))
    kept: list[_Found] = []
    last_end = -1
    for item in ordered:
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


#: Duration words (French and English) to their unit; shared with the reader.
DURATION_UNITS = {
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
    r"(?P<unit>" + "|".join(sorted(DURATION_UNITS, key=len, reverse=True)) + r")(?![\w])"
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
                DURATION_UNITS[match.group("unit")],
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


# --- language ----------------------------------------------------------------

# Short words each language writes in every sentence and the other never does
# (folded: accents removed). "a", "on", "la" are left out: both use them.
_ENGLISH_WORDS = frozenset(
    "the and of with was were is are then every for to after in by from this that "
    "given received daily weeks days followed".split()
)
_FRENCH_WORDS = frozenset(
    "le les des du et est puis avec pour sur dans une un par au aux ete toutes tous "
    "chaque recu semaines jours suivi associe".split()
)
_WORD = re.compile(r"[a-z]+")


def text_language(text: str) -> str | None:
    """``en`` or ``fr`` when the text's short words say so clearly (at least
    three of one language and twice as many as of the other), else None.

    The language decides how a number such as "1,250" is read: English
    separates thousands with a comma, French writes its decimals with one.
    A short order ("capecitabine 1,250 mg/m2 BID") has no language.
    """
    words = _WORD.findall(fold(text[:MAX_TEXT_CHARS]))
    english = sum(word in _ENGLISH_WORDS for word in words)
    french = sum(word in _FRENCH_WORDS for word in words)
    if english >= 3 and english >= 2 * french:
        return "en"
    if french >= 3 and french >= 2 * english:
        return "fr"
    return None


# --- sentences ----------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s++(?=[A-ZÀ-ÖØ-Þ0-9«\"(])|\n\s*+(?:[-•*]\s++)?")


# A line that ends on a word no sentence ends with ("la dose de charge
# recommandée de" / "Herceptin est de 8 mg/kg"): the text was wrapped there,
# as label text copied from a PDF is; the sentence goes on.
_WRAPPED = re.compile(
    r"(?<![\w'])(?:de|du|des|d'|la|le|les|l'|a|au|aux|et|ou|en|par|pour|sur|avec|apres|avant|est|sont|"
    r"of|the|an|and|or|to|for|with|by|in|on|at|after|before|is|are|was|were|than|from),?[ \t]*+$"
)


def _wrapped_at(text: str, match: re.Match[str]) -> bool:
    """Whether a line break (not a bullet) continues the sentence before it."""
    if "\n" not in match.group(0) or match.group(0).strip():
        return False
    return bool(_WRAPPED.search(fold(text[max(0, match.start() - 16) : match.start()])))


def _sentences(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _wrapped_at(text, match):
            continue
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [s for s in spans if text[s[0] : s[1]].strip()]
