"""Dosing frequencies as written in clinical notes, in English and French.

``parse_frequency("toutes les 3 semaines")`` and ``parse_frequency("q21d")``
both give the canonical ``every_3_weeks``; ``"trois fois par semaine"`` gives
``three_times_weekly``. The difference between those two is the case report's
mistranslation (a 9-fold change in dose frequency), so the parser keeps them
strictly apart and never guesses between them.

Canonical ids, used by the drug reference (``drugs/drugs.yaml``) too:

* an interval: ``hourly``, ``daily``, ``weekly``, ``monthly``, or
  ``every_<n>_hours|days|weeks|months``. Intervals are reduced to the largest
  whole unit: 24 hours is ``daily``, 21 days is ``every_3_weeks``.
* a count per period: ``twice_daily``, ``three_times_daily``,
  ``four_times_daily``, ``twice_weekly``, ``three_times_weekly`` (once a day
  or once a week are ``daily`` and ``weekly``).

ISMP error-prone abbreviations (ISMP List of Error-Prone Abbreviations,
Symbols, and Dose Designations, 2021: qd, qod, tiw, biw) are recognised and
reported in ``Frequency.error_prone``; see ``Frequency.ismp_warning``.

This module has no third-party imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .textfold import NUMBER_PATTERN, fold, number_value

__all__ = [
    "Frequency",
    "find_frequencies",
    "frequency_from_id",
    "parse_frequency",
]

# Days per unit. A month is an average Gregorian month: "every 3 months" is
# a monitoring interval, never a dosing one that needs day precision.
_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.25 / 12}
_SINGLE = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}
_COUNT_WORDS = {2: "twice", 3: "three_times", 4: "four_times", 5: "five_times", 6: "six_times"}
_COUNT_SPELLED = {2: "twice", 3: "3 times", 4: "4 times", 5: "5 times", 6: "6 times"}

# ISMP advice for each error-prone abbreviation (ISMP 2021 list; the exact
# TIW row is recalled, see clinical reference section 10).
_ISMP_ADVICE = {
    "qd": "'QD' is mistaken for 'QID' (ISMP): write 'daily'",
    "qod": "'QOD' is mistaken for 'QD' or 'QID' (ISMP): write 'every other day'",
    "tiw": "'TIW' is mistaken for '3 times a day' or 'twice a week' (ISMP): write '3 times weekly'",
    "biw": "'BIW' is mistaken for 'BID' (ISMP): write '2 times weekly'",
    "biweekly": "'bi-weekly' means every 2 weeks to some readers and twice a week to others: write 'every 2 weeks' or '2 times weekly'",
}


@dataclass(frozen=True)
class Frequency:
    """A dosing frequency: ``times_per_period`` doses every ``period_days``.

    ``interval_days`` is the mean time between two doses (3 times a week is
    7/3 days). ``text`` is the phrase as written (the whole phrase given to
    ``parse_frequency``; the matched words for ``find_frequencies``); ``error_prone`` names the
    ISMP error-prone abbreviation used, if any (``"tiw"``).
    """

    id: str
    interval_days: float
    times_per_period: int
    period_days: float
    text: str
    error_prone: str | None = None

    @property
    def doses_per_week(self) -> float:
        """How many doses fall in 7 days (3 for 3 times weekly, 1/3 for every 3 weeks)."""
        return 7.0 / self.interval_days

    def spelled_out(self) -> str:
        """The frequency in words, ISMP style: "every 3 weeks", "3 times weekly"."""
        return _spell(self.id)

    @property
    def ismp_warning(self) -> str | None:
        """Why the abbreviation as written is unsafe, or None."""
        return _ISMP_ADVICE.get(self.error_prone) if self.error_prone else None

    def same_schedule(self, other: Frequency) -> bool:
        """True when both describe the same canonical frequency."""
        return self.id == other.id


# --- canonical ids ---------------------------------------------------------


def _interval_id(count: int, unit: str) -> tuple[str, float] | None:
    """Canonical id and interval for 'every <count> <unit>'."""
    if count <= 0:
        return None
    if unit == "hour" and count % 24 == 0:
        count, unit = count // 24, "day"
    if unit == "day" and count % 7 == 0:
        count, unit = count // 7, "week"
    days = count * _UNIT_DAYS[unit]
    if count == 1:
        return _SINGLE[unit], days
    return f"every_{count}_{unit}s", days


def _count_id(times: int, period: str) -> tuple[str, float] | None:
    """Canonical id and period for '<times> times a <period>'."""
    if times == 1:
        return _SINGLE[period], _UNIT_DAYS[period]
    word = _COUNT_WORDS.get(times)
    if word is None or period not in ("day", "week"):
        return None
    return f"{word}_{'daily' if period == 'day' else 'weekly'}", _UNIT_DAYS[period]


_ID_INTERVAL = re.compile(r"^every_([1-9]\d*)_(hour|day|week|month)s$")
_ID_COUNT = re.compile(r"^(twice|three_times|four_times|five_times|six_times)_(daily|weekly)$")


def frequency_from_id(frequency_id: str) -> Frequency | None:
    """The Frequency for a canonical id, or None if ``frequency_id`` is not canonical.

    ``every_21_days`` is not canonical (it is ``every_3_weeks``): None.
    """
    single = {v: k for k, v in _SINGLE.items()}
    if frequency_id in single:
        unit = single[frequency_id]
        return Frequency(frequency_id, _UNIT_DAYS[unit], 1, _UNIT_DAYS[unit], frequency_id)
    match = _ID_INTERVAL.match(frequency_id)
    if match:
        built = _interval_id(int(match.group(1)), match.group(2))
        if built is None or built[0] != frequency_id:
            return None
        return Frequency(frequency_id, built[1], 1, built[1], frequency_id)
    match = _ID_COUNT.match(frequency_id)
    if match:
        times = {v: k for k, v in _COUNT_WORDS.items()}[match.group(1)]
        period = _UNIT_DAYS["day" if match.group(2) == "daily" else "week"]
        return Frequency(frequency_id, period / times, times, period, frequency_id)
    return None


def _spell(frequency_id: str) -> str:
    if frequency_id == "weekly":
        return "once weekly"  # ISMP-style: spelled so it cannot be read as "weakly"/"twice"
    if frequency_id in ("hourly", "daily", "monthly"):
        return frequency_id
    if frequency_id == "every_2_days":
        return "every other day"
    match = _ID_INTERVAL.match(frequency_id)
    if match:
        return f"every {match.group(1)} {match.group(2)}s"
    match = _ID_COUNT.match(frequency_id)
    if match:
        times = {v: k for k, v in _COUNT_WORDS.items()}[match.group(1)]
        if frequency_id == "twice_weekly":
            return "2 times weekly"  # ISMP's wording for BIW
        return f"{_COUNT_SPELLED[times]} {match.group(2)}"
    return frequency_id.replace("_", " ")


# --- patterns ----------------------------------------------------------------
# All patterns run on fold(text): lower case, no accents, same length.

_N = NUMBER_PATTERN
_HOUR = r"(?:hours?|hrs?|h|heures?)"
_DAY = r"(?:days?|d|jours?|j)"
_WEEK = r"(?:weeks?|wks?|w|semaines?|sem)"
_MONTH = r"(?:months?|mois)"
_UNIT = rf"(?P<unit>{_HOUR}|{_DAY}|{_WEEK}|{_MONTH})"
_END = r"(?![a-z0-9])"
_START = r"(?<![a-z0-9])"


def _unit_of(word: str) -> str:
    word = word.rstrip(".")
    if re.fullmatch(_HOUR, word):
        return "hour"
    if re.fullmatch(_DAY, word):
        return "day"
    if re.fullmatch(_WEEK, word):
        return "week"
    return "month"


def _every(match: re.Match[str]) -> tuple[str, float, int, float] | None:
    count = number_value(match.group("n")) if match.groupdict().get("n") else 1
    if count is None:
        return None
    built = _interval_id(count, _unit_of(match.group("unit")))
    return (built[0], built[1], 1, built[1]) if built else None


def _every_other(match: re.Match[str]) -> tuple[str, float, int, float] | None:
    built = _interval_id(2, _unit_of(match.group("unit")))
    return (built[0], built[1], 1, built[1]) if built else None


def _times(match: re.Match[str]) -> tuple[str, float, int, float] | None:
    word = match.group("n")
    times = {"once": 1, "twice": 2, "thrice": 3}.get(word) or number_value(word)
    if times is None:
        return None
    period = _unit_of(match.group("unit"))
    if period not in ("day", "week"):
        return None
    built = _count_id(times, period)
    if built is None:
        return None
    return built[0], built[1] / times, times, built[1]


#: Turns a pattern's match into (frequency id, interval days, times, period days), or None.
Builder = Callable[[re.Match[str]], tuple[str, float, int, float] | None]


def _fixed(frequency_id: str) -> Builder:
    def build(_match: re.Match[str]) -> tuple[str, float, int, float]:
        freq = frequency_from_id(frequency_id)
        assert freq is not None
        return freq.id, freq.interval_days, freq.times_per_period, freq.period_days

    return build


_TIMES_WORD = r"(?:times?|x|fois)"
_PER = (
    r"(?:(?:a|an|per|par|each|every)(?=\s)|/)"  # a word, then a space: "1 and 15" is not "1 a day"
)
_ADVERB_PERIOD = (
    r"(?P<unit>daily|weekly|quotidiens?|quotidiennes?|hebdomadaires?|jour|day|week|semaine)"
)

# (pattern, builder, ISMP abbreviation or None). Longest match wins at a
# given start, so the order here only breaks exact ties.
_WRITTEN: list[tuple[re.Pattern[str], Builder | None, str | None]] = [
    # every 3 weeks / toutes les 3 semaines / tous les 21 jours / chaque 3 semaines
    (
        re.compile(
            rf"{_START}(?:every|each|toutes?\s++les|tous\s++les|chaque)\s++(?P<n>{_N})\s*+{_UNIT}{_END}"
        ),
        _every,
        None,
    ),
    # every week / chaque semaine / toutes les semaines / tous les jours
    (
        re.compile(
            rf"{_START}(?:every|each|toutes\s++les|tous\s++les|chaque)\s++(?P<unit>hours?|heures?|days?|jours?|weeks?|semaines?|months?|mois){_END}"
        ),
        _every,
        None,
    ),
    # every other day / un jour sur deux / une semaine sur deux
    (re.compile(rf"{_START}every\s++other\s++(?P<unit>day|week){_END}"), _every_other, None),
    (
        re.compile(rf"{_START}une?\s++(?P<unit>jour|semaine)\s++sur\s++(?:deux|2){_END}"),
        _every_other,
        None,
    ),
    # q6h, q 6 h, q.6h, q21d, q3w, q3wk
    (
        re.compile(
            rf"{_START}q\.?\s?(?P<n>\d{{1,3}})\s?(?P<unit>hours?|hrs?|h|days?|d|weeks?|wks?|wk|w){_END}\.?"
        ),
        _every,
        None,
    ),
    # /6h, / 6 heures, /21j, /3 sem
    (re.compile(rf"/\s?(?P<n>\d{{1,3}})\s?(?P<unit>{_HOUR}|{_DAY}|{_WEEK}){_END}"), _every, None),
    # mg/j, mg/day, /semaine (per day, per week), only right after a word or number
    (
        re.compile(rf"(?<=[a-z0-9.)])/\s?(?P<unit>jours?|j|days?|d|semaines?|sem|weeks?|wk){_END}"),
        _every,
        None,
    ),
    # 3 times a week, three times per day, 3 fois par semaine, 2x/j, once a day, twice weekly
    (
        re.compile(
            rf"{_START}(?P<n>once|twice|thrice|{_N})\s*+{_TIMES_WORD}?\s*+{_PER}\s*+(?:la\s++)?(?P<unit>jours?|j|days?|d|semaines?|sem|weeks?|wk){_END}"
        ),
        _times,
        None,
    ),
    (re.compile(rf"{_START}(?P<n>once|twice|thrice)\s++{_ADVERB_PERIOD}{_END}"), None, None),
    (re.compile(rf"{_START}(?P<n>{_N})\s*+{_TIMES_WORD}\s++{_ADVERB_PERIOD}{_END}"), None, None),
    # single words
    (
        re.compile(
            rf"{_START}(?:daily|quotidien(?:ne)?s?|every\s++day|chaque\s++jour|par\s++jour\s++en\s++une\s++prise){_END}"
        ),
        _fixed("daily"),
        None,
    ),
    (re.compile(rf"{_START}(?:weekly|hebdomadaires?|hebdo){_END}"), _fixed("weekly"), None),
    (re.compile(rf"{_START}(?:fortnightly){_END}"), _fixed("every_2_weeks"), None),
    (re.compile(rf"{_START}(?:monthly|mensuel(?:le)?s?){_END}"), _fixed("monthly"), None),
    (re.compile(rf"{_START}(?:hourly){_END}"), _fixed("hourly"), None),
    (re.compile(rf"{_START}(?:b\.?i\.?d\.?|bd){_END}"), _fixed("twice_daily"), None),
    (re.compile(rf"{_START}(?:t\.?i\.?d\.?|tds){_END}"), _fixed("three_times_daily"), None),
    (re.compile(rf"{_START}(?:q\.?i\.?d\.?|qds){_END}"), _fixed("four_times_daily"), None),
    (re.compile(rf"{_START}(?:qw|qwk|q\s?week|q1w){_END}"), _fixed("weekly"), None),
    (re.compile(rf"{_START}q\.?d\.?{_END}"), _fixed("daily"), "qd"),
    (re.compile(rf"{_START}q\.?o\.?d\.?{_END}"), _fixed("every_2_days"), "qod"),
    (re.compile(rf"{_START}t\.?i\.?w\.?{_END}"), _fixed("three_times_weekly"), "tiw"),
    (re.compile(rf"{_START}b\.?i\.?w\.?{_END}"), _fixed("twice_weekly"), "biw"),
]


def _adverb_times(match: re.Match[str]) -> tuple[str, float, int, float] | None:
    word = match.group("n")
    times = {"once": 1, "twice": 2, "thrice": 3}.get(word) or number_value(word)
    unit = match.group("unit")
    period = "day" if unit.startswith(("dail", "quotid", "jour", "day")) else "week"
    if times is None:
        return None
    built = _count_id(times, period)
    if built is None:
        return None
    return built[0], built[1] / times, times, built[1]


def _day_one_equals(match: re.Match[str]) -> tuple[str, float, int, float] | None:
    """'J1=J22': the next cycle's day 1 is day 22, so every 21 days."""
    next_day = int(match.group("n"))
    built = _interval_id(next_day - 1, "day") if next_day > 1 else None
    return (built[0], built[1], 1, built[1]) if built else None


# Forms written by pharmacists and in protocols (issue 9, section 4).
_WRITTEN += [
    # J1=J22, J1 = J29, D1=D22
    (re.compile(rf"{_START}[jd]\s?1\s?=\s?[jd]\s?(?P<n>\d{{1,2}}){_END}"), _day_one_equals, None),
    # cycles de 21 jours, cycle of 28 days, 21-day cycles, cures de 3 semaines
    (
        re.compile(
            rf"{_START}(?:cycles?|cures?|courses?)\s+(?:de|of)\s+(?P<n>{_N})\s*{_UNIT}{_END}"
        ),
        _every,
        None,
    ),
    (
        re.compile(
            rf"{_START}(?P<n>\d{{1,2}})[- ](?P<unit>days?|weeks?)\s+(?:cycles?|courses?){_END}"
        ),
        _every,
        None,
    ),
    # at 14 day intervals, at intervals of 21 days, à intervalles de 21 jours
    (
        re.compile(
            rf"{_START}(?P<n>\d{{1,2}})[- ]?(?P<unit>days?|weeks?|jours?|semaines?)\s+intervals?{_END}"
        ),
        _every,
        None,
    ),
    (
        re.compile(
            rf"{_START}(?:intervals?|intervalles?)\s+(?:of|de)\s+(?P<n>{_N})\s*{_UNIT}{_END}"
        ),
        _every,
        None,
    ),
    # 3-weekly, three-weekly, 2 weekly (not "12 weekly doses": 2 to 4 only)
    (
        re.compile(
            rf"{_START}(?P<n>2|3|4|two|three|four)[- ]?(?P<unit>week)ly{_END}(?!\s+(?:doses?|injections?|infusions?|administrations?|cycles?))"
        ),
        _every,
        None,
    ),
    # once every 3 weeks
    (re.compile(rf"{_START}once\s+every\s+(?P<n>{_N})\s*{_UNIT}{_END}"), _every, None),
    # bi-weekly: every 2 weeks or twice a week? Read as every 2 weeks and flagged.
    (re.compile(rf"{_START}bi-?weekly{_END}"), _fixed("every_2_weeks"), "biweekly"),
    # per week / par semaine / a day
    (re.compile(rf"{_START}(?:par|per|each)\s+(?:semaine|week){_END}"), _fixed("weekly"), None),
    (re.compile(rf"{_START}matin\s+et\s+soir{_END}"), _fixed("twice_daily"), None),
]

# A pattern without its own builder counts adverbs of times ("twice", "trois fois").
_PATTERNS: list[tuple[re.Pattern[str], Builder, str | None]] = [
    (p, b if b is not None else _adverb_times, a) for p, b, a in _WRITTEN
]

# Longer texts are not dosing phrases; the extractor calls find_frequencies
# sentence by sentence, so this bound is never met in normal use.
_MAX_SCAN = 200_000


def find_frequencies(text: str) -> list[tuple[Frequency, tuple[int, int]]]:
    """Every frequency phrase in ``text``, with its (start, end) span, in order.

    Overlapping candidates are resolved by the earliest start, then the
    longest match ("3 fois par semaine" wins over "semaine").
    """
    if not isinstance(text, str) or not text:
        return []
    folded = fold(text[:_MAX_SCAN])
    candidates: list[tuple[int, int, Frequency]] = []
    for pattern, build, abbreviation in _PATTERNS:
        for match in pattern.finditer(folded):
            built = build(match)
            if built is None:
                continue
            frequency_id, interval, times, period = built
            start, end = match.span()
            written = text[start:end].strip()
            candidates.append(
                (
                    start,
                    end,
                    Frequency(frequency_id, interval, times, period, written, abbreviation),
                )
            )
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    found: list[tuple[Frequency, tuple[int, int]]] = []
    last_end = -1
    for start, end, freq in candidates:
        if start >= last_end:
            found.append((freq, (start, end)))
            last_end = end
    return found


# Words that may surround a frequency in a phrase without changing it.
_FILLER = re.compile(
    r"(?:\s|[,;:.()\-]|a\s++raison\s++de|administered|given|repeated|repete(?:e|es|s)?|"
    r"administre(?:e|es|s)?|i\.?v\.?|iv|per\s++os|po|s\.?c\.?|sc|by\s++mouth|intraveineuse|"
    r"intravenous(?:ly)?|par\s++voie|voie|en|dose|doses)*"
)


def parse_frequency(text: str) -> Frequency | None:
    """Parse ``text`` as one frequency phrase ("every 3 weeks", "q6h",
    "trois fois par semaine", "i.v/6 heures").

    Returns None when ``text`` holds no frequency, more than one, or other
    words besides route and filler words: a phrase that is only partly
    understood is not silently read. Never raises.
    """
    found = find_frequencies(text)
    if len(found) != 1:
        return None
    freq, (start, end) = found[0]
    folded = fold(text)
    rest = folded[:start] + " " + folded[end:]
    if _FILLER.fullmatch(rest) is None:
        return None
    return replace(freq, text=text.strip())
