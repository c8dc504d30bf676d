"""Supportive care, premedication, emetogenic risk and monitoring as data.

A regimen phase may list ``supportive`` entries: the premedication,
antiemetics and observation periods that go with one of its treatment drugs,
each with its dose, route, days relative to that drug's day (0 = the day the
drug is given, -1 the day before), times per day, time before the infusion,
the doses it applies to (every dose, or only loading or maintenance doses)
and named alternatives ("label oral schedule" or "short IV schedule"). A
phase also states its ``emetogenic_risk`` and a regimen its ``monitoring``
(LVEF at baseline and every 3 months on trastuzumab). Format:
docs/regimen-format.md, "Supportive care and monitoring".

This module reads those blocks (called from :mod:`dosecalc.regimen`), and
answers the questions other modules ask of them: which premedication a drug
needs (:func:`premedication_for`, used by the checker), which supportive
administrations fall on which dates around a treatment day, and when
monitoring is due.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .errors import UnitError
from .formatting import format_amount, format_number
from .units import parse_quantity
from .validation import DECLARED, Checker, Field, FieldPath, Rule, Section, cited, one_of, text

PURPOSES = ("premedication", "antiemetic", "observation", "growth-factor", "other")
WHEN = ("every", "loading", "maintenance", "first", "after-first")
EMETOGENIC_LEVELS = ("high", "moderate", "low", "minimal")
_ROUTES = ("IV", "PO", "SC", "IM")
_ALTERNATIVE = re.compile(r"^(?P<drug>[a-z][a-z-]*) (?P<dose>\d+(?:\.\d+)?) (?P<unit>mg|g)$")
_INTERVAL = re.compile(r"^(?P<n>\d+) (?P<unit>days?|weeks?|months?)$")


@dataclass(frozen=True)
class SupportiveEntry:
    """One supportive drug (or an observation period) given with a treatment drug.

    ``days`` are relative to the treatment drug's day (0 = that day, -1 the
    day before). ``before_min`` lists separate doses given that many minutes
    before the treatment starts (12 h and 6 h: two doses); ``window_min`` is a
    single dose given between the two times before it (30-60 min).
    """

    purpose: str
    for_drug: str
    drug: str | None  # None for an observation period
    dose_mg: float | None
    route: str | None
    days: tuple[int, ...]
    times_per_day: int
    before_min: tuple[float, ...]
    window_min: tuple[float, float] | None
    observe_min: float | None
    when: str
    option: str | None
    alternatives: tuple[tuple[str, float], ...]  # other drugs that may replace it, with their dose
    source: str
    note: str | None = None

    def applies_to(self, kind: str, first: bool = False) -> bool:
        """Whether this entry goes with a dose of this kind (loading, maintenance,
        standard); ``first`` says whether the dose is the drug's first of the
        course (T-DM1: observe 90 min after the first infusion, 30 min after later ones)."""
        if self.when == "first":
            return first
        if self.when == "after-first":
            return not first
        return self.when == "every" or self.when == kind

    def when_text(self) -> str:
        """ "; with loading doses only", "; with the first dose only", or ""."""
        return {
            "every": "",
            "first": f"; with the first {self.for_drug} dose of the course only",
            "after-first": f"; with every {self.for_drug} dose after the first",
        }.get(self.when, f"; with {self.when} doses only")

    def timing_text(self) -> str:
        """When, relative to the treatment drug: "12 h and 6 h before paclitaxel"."""
        parts = []
        if self.before_min:
            parts.append(
                " and ".join(_minutes_text(m) for m in self.before_min) + f" before {self.for_drug}"
            )
        if self.window_min:
            low, high = self.window_min
            parts.append(f"{format_number(low)}-{format_number(high)} min before {self.for_drug}")
        if self.observe_min is not None:
            parts.append(f"after {self.for_drug}")
        if self.times_per_day == 2:
            parts.append("twice daily")
        elif self.times_per_day > 2:
            parts.append(f"{self.times_per_day} times daily")
        if self.days != (0,):
            parts.append(
                f"day{'s' if len(self.days) > 1 else ''} {', '.join(day_text(d) for d in self.days)}"
                f" (day 0 = {self.for_drug})"
            )
        return ", ".join(parts)

    def describe(self) -> str:
        """One line: "dexamethasone 8 mg PO twice daily, days -1, 0, +1 (day 0 = docetaxel)"."""
        if self.drug is None:
            text = f"observe {_minutes_text(self.observe_min or 0)} {self.timing_text()}"
        else:
            text = f"{self.drug} {format_amount(self.dose_mg or 0, 'mg')} {self.route}"
            text += self.alternatives_text()
            timing = self.timing_text()
            text += f", {timing}" if timing else ""
        text += self.when_text()
        if self.option:
            text += f" [option: {self.option}]"
        if self.note:
            text += f" ({self.note})"
        return text

    def describe_dose(self) -> str:
        """The entry without its days (for one dated administration):
        "dexamethasone 8 mg PO, twice daily"."""
        if self.drug is None:
            text = f"observe {_minutes_text(self.observe_min or 0)} after {self.for_drug}"
        else:
            text = f"{self.drug} {format_amount(self.dose_mg or 0, 'mg')} {self.route}"
            text += self.alternatives_text()
            timing = dataclasses.replace(self, days=(0,)).timing_text()
            text += f", {timing}" if timing else ""
        if self.option:
            text += f" [option: {self.option}]"
        if self.note and self.purpose == "observation":
            text += f" ({self.note})"
        return text

    def alternatives_text(self) -> str:
        """ " (or ranitidine 50 mg, or famotidine 20 mg)", or ""."""
        if not self.alternatives:
            return ""
        return (
            " ("
            + ", ".join(
                f"or {drug} {format_amount(dose, 'mg')}" for drug, dose in self.alternatives
            )
            + ")"
        )

    def drugs(self) -> set[str]:
        """This drug and the drugs that may replace it."""
        return ({self.drug} if self.drug else set()) | {d for d, _ in self.alternatives}

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "for": self.for_drug,
            "drug": self.drug,
            "dose_mg": _number(self.dose_mg),
            "route": self.route,
            "days": list(self.days),
            "times_per_day": self.times_per_day,
            "before_min": [_number(m) for m in self.before_min],
            "window_before_min": [_number(m) for m in self.window_min] if self.window_min else None,
            "observe_min": _number(self.observe_min),
            "when": self.when,
            "option": self.option,
            "alternatives": [{"drug": d, "dose_mg": _number(m)} for d, m in self.alternatives],
            "text": self.describe(),
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class EmetogenicRisk:
    """A phase's emetogenic risk (the highest of its drugs), with its source."""

    level: str
    source: str
    note: str | None = None


@dataclass(frozen=True)
class MonitoringRule:
    """A test due at baseline, at an interval while a drug is given, and at its end."""

    test: str
    drug: str
    baseline: bool
    every: tuple[int, str] | None  # (3, "months"), (12, "weeks"), (21, "days")
    at_end: bool
    source: str
    note: str | None = None

    def describe(self) -> str:
        parts = []
        if self.baseline:
            parts.append(f"before the first {self.drug} dose")
        if self.every:
            n, unit = self.every
            parts.append(f"every {n} {unit} while on {self.drug}")
        if self.at_end:
            parts.append(f"at the end of {self.drug}")
        return f"{self.test}: {', '.join(parts)}"

    def due_dates(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """The dates the test is due for a course of the drug from ``first``
        to ``last`` (dates of its first and last administration), each with
        why: "baseline", "every 3 months (month 3)", "end of trastuzumab"."""
        due: list[tuple[dt.date, str]] = []
        if self.baseline:
            due.append((first, f"baseline, before the first {self.drug} dose"))
        if self.every:
            n, unit = self.every
            k = 1
            while True:
                date = _add_interval(first, n * k, unit)
                if date >= last:
                    break
                due.append((date, f"every {n} {unit} on {self.drug} ({n * k} {unit})"))
                k += 1
        if self.at_end and (not due or due[-1][0] != last):
            due.append((last, f"at the end of {self.drug} (last dose shown)"))
        return due

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "drug": self.drug,
            "baseline": self.baseline,
            "every": f"{self.every[0]} {self.every[1]}" if self.every else None,
            "at_end": self.at_end,
            "text": self.describe(),
            "source": self.source,
            "note": self.note,
        }


def day_text(day: int) -> str:
    """-1 -> "-1", 0 -> "0", 1 -> "+1"."""
    return f"+{day}" if day > 0 else str(day)


def _minutes_text(minutes: float) -> str:
    if minutes >= 120 and minutes % 60 == 0:
        return f"{format_number(minutes / 60)} h"
    return f"{format_number(minutes)} min"


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _add_interval(start: dt.date, n: int, unit: str) -> dt.date:
    """``start`` plus n days, weeks or calendar months (the 31st clamps to the month's end)."""
    if unit.startswith("day"):
        return start + dt.timedelta(days=n)
    if unit.startswith("week"):
        return start + dt.timedelta(weeks=n)
    month_index = start.month - 1 + n
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# -- questions other modules ask ----------------------------------------------


def premedication_for(drug: str, regimen: Any) -> list[SupportiveEntry]:
    """The premedication ``regimen`` gives with ``drug`` (every phase, without
    repeats); [] when it gives none. The checker's PREMEDICATION_MISSING rule
    reads this instead of drug names written in code."""
    found: list[SupportiveEntry] = []
    for phase in regimen.phases:
        for entry in getattr(phase, "supportive", ()):
            if entry.purpose == "premedication" and entry.for_drug == drug and entry not in found:
                found.append(entry)
    return found


def supportive_for(phase: Any, drug: str, kind: str, first: bool = False) -> list[SupportiveEntry]:
    """The supportive entries of ``phase`` that go with one ``kind`` of dose of
    ``drug`` (``first``: the drug's first dose of the course)."""
    return [
        e
        for e in getattr(phase, "supportive", ())
        if e.for_drug == drug and e.applies_to(kind, first)
    ]


# -- reading the YAML blocks ------------------------------------------------------


def _positive_quantity(
    checker: Checker,
    value: Any,
    path: tuple[Any, ...],
    *,
    dimension: str,
    what: str,
    unit: str,
    example: str,
    missing_unit: str,
) -> float | None:
    """``value`` in ``unit`` when it is a positive quantity of ``dimension``;
    otherwise a problem at ``path`` and None."""
    try:
        if not isinstance(value, str):
            raise UnitError(f"{value!r} {missing_unit} (write e.g. '{example}')")
        amount = float(parse_quantity(value, dimension=dimension, what=what).to(unit).magnitude)
    except UnitError as exc:
        checker.problem(path, str(exc))
        return None
    if amount <= 0:
        checker.problem(path, f"a {what} must be more than zero")
        return None
    return amount


def _duration_min(checker: Checker, value: Any, path: tuple[Any, ...]) -> float | None:
    return _positive_quantity(
        checker,
        value,
        path,
        dimension="[time]",
        what="duration",
        unit="min",
        example="60 min",
        missing_unit="is not a duration with a unit",
    )


def _dose_mg(checker: Checker, value: Any, path: tuple[Any, ...]) -> float | None:
    return _positive_quantity(
        checker,
        value,
        path,
        dimension="[mass]",
        what="dose",
        unit="mg",
        example="8 mg",
        missing_unit="has no unit",
    )


def _for_drug(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    """The drug of the phase an entry goes with."""
    for_drug = c.text(value, path)
    phase_drugs: set[str] = got["phase drugs"]
    if for_drug and phase_drugs and for_drug not in phase_drugs:
        c.problem(
            path, f"'{for_drug}' is not a drug of this phase ({', '.join(sorted(phase_drugs))})"
        )
    return for_drug


def _observe(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    return _duration_min(c, value, path)


def _count_problems(c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]) -> int:
    return len(c.problems)


#: A ``supportive:`` entry. Which of drug, dose and route are required, and
#: what may go with an observation, depends on the purpose: checked after.
_SUPPORTIVE = Section(
    # The entry's own problems are those found after its shape was checked.
    Rule("problems before", _count_problems),
    Field("purpose", one_of(*PURPOSES), required=True, default=None),
    Field("for", _for_drug, required=True, default=None),
    Field("source", cited(), required=True, default=None),
    Field("observe", _observe),
    *(
        Field(name)
        for name in (
            "drug",
            "or",
            "dose",
            "route",
            "days",
            "times_per_day",
            "before",
            "window_before",
            "when",
            "option",
            "note",
        )
    ),
)


def read_supportive(
    c: Checker,
    value: Any,
    path: tuple[Any, ...],
    phase_drugs: set[str],
    source_ids: set[str],
) -> tuple[SupportiveEntry, ...]:
    """A phase's ``supportive:`` list, validated; problems go to ``c``."""
    entries = []
    context = {DECLARED: source_ids, "phase drugs": phase_drugs}
    for i, item in enumerate(c.sequence(value, path)):
        here = (*path, i)
        read = _SUPPORTIVE.read(c, item, here, context)
        if read is None:
            continue
        entry: dict[str, Any] = item
        before, purpose, for_drug, source, observe = (
            read["problems before"],
            read["purpose"],
            read["for"],
            read["source"],
            read["observe"],
        )
        drug = dose = route = None
        if purpose == "observation":
            if "observe" not in entry:
                c.problem(here, "an observation needs 'observe' (e.g. '60 min')")
            for key in ("drug", "dose", "route", "or", "before", "window_before", "days"):
                if key in entry:
                    c.problem((*here, key), "an observation has no drug, dose, route or timing")
        else:
            if "observe" in entry:
                c.problem((*here, "observe"), "'observe' belongs to purpose: observation")
            for key in ("drug", "dose", "route"):
                if key not in entry:
                    c.problem(here, f"missing required field '{key}'")
            drug = c.text(entry["drug"], (*here, "drug")) if "drug" in entry else None
            if drug and drug != drug.lower():
                c.problem((*here, "drug"), f"drug ids are lower-case INNs ('{drug.lower()}')")
            dose = _dose_mg(c, entry["dose"], (*here, "dose")) if "dose" in entry else None
            route = (
                c.choice(entry["route"], (*here, "route"), _ROUTES) if "route" in entry else None
            )
        alternatives = []
        for k, written in enumerate(
            c.sequence(entry.get("or", []), (*here, "or"), non_empty=False)
        ):
            match = _ALTERNATIVE.match(written) if isinstance(written, str) else None
            if match is None:
                c.problem(
                    (*here, "or", k), f"write an alternative as 'DRUG DOSE mg', got {written!r}"
                )
                continue
            amount = float(match["dose"]) * (1000 if match["unit"] == "g" else 1)
            alternatives.append((match["drug"], amount))
        days = []
        for k, day in enumerate(c.sequence(entry.get("days", [0]), (*here, "days"))):
            number = c.integer(day, (*here, "days", k), minimum=-14, maximum=14)
            if number is not None:
                days.append(number)
        if len(set(days)) != len(days):
            c.problem((*here, "days"), "a day is listed twice")
        times = c.integer(entry.get("times_per_day", 1), (*here, "times_per_day"), 1, 6) or 1
        before_min = tuple(
            m
            for k, item in enumerate(
                c.sequence(entry.get("before", []), (*here, "before"), non_empty=False)
            )
            if (m := _duration_min(c, item, (*here, "before", k))) is not None
        )
        window = None
        if "window_before" in entry:
            items = c.sequence(entry["window_before"], (*here, "window_before"))
            if len(items) != 2:
                c.problem((*here, "window_before"), "give the window as [EARLIEST, LATEST]")
            else:
                low = _duration_min(c, items[0], (*here, "window_before", 0))
                high = _duration_min(c, items[1], (*here, "window_before", 1))
                if low is not None and high is not None:
                    window = (min(low, high), max(low, high))
        if before_min and window:
            c.problem(here, "give either 'before' (separate doses) or 'window_before', not both")
        if before_min and times != 1:
            c.problem((*here, "times_per_day"), "'before' already sets how many doses are given")
        when = c.choice(entry.get("when", "every"), (*here, "when"), WHEN)
        option = c.text(entry["option"], (*here, "option")) if "option" in entry else None
        note = c.text(entry["note"], (*here, "note")) if "note" in entry else None
        if len(c.problems) > before:
            continue
        entries.append(
            SupportiveEntry(
                purpose=purpose or "",
                for_drug=for_drug or "",
                drug=drug,
                dose_mg=dose,
                route=route,
                days=tuple(days) if purpose != "observation" else (0,),
                times_per_day=times,
                before_min=before_min,
                window_min=window,
                observe_min=observe,
                when=when or "every",
                option=option,
                alternatives=tuple(alternatives),
                source=source or "",
                note=note,
            )
        )
    return tuple(entries)


_EMETOGENIC_RISK = Section(
    Field("level", one_of(*EMETOGENIC_LEVELS), required=True, default=None),
    Field("source", cited(), required=True, default=None),
    Field("note", text),
)


def read_emetogenic_risk(
    c: Checker, value: Any, path: tuple[Any, ...], source_ids: set[str]
) -> EmetogenicRisk | None:
    entry = _EMETOGENIC_RISK.read(c, value, path, {DECLARED: source_ids})
    if entry and entry["level"] and entry["source"]:
        return EmetogenicRisk(entry["level"], entry["source"], entry["note"])
    return None


def _regimen_drug(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    drug = c.text(value, path)
    drugs: set[str] = got["regimen drugs"]
    if drug and drugs and drug not in drugs:
        c.problem(path, f"'{drug}' is not a drug of this regimen")
    return drug


def _flag(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> bool:
    if not isinstance(value, bool):
        c.problem(path, f"expected true or false, got {value!r}")
    return bool(value)


def _interval(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[int, str] | None:
    match = _INTERVAL.match(str(value).strip())
    if match is None or int(match["n"]) < 1:
        c.problem(path, f"{value!r} is not an interval (write e.g. '3 months' or '12 weeks')")
        return None
    return int(match["n"]), match["unit"].rstrip("s") + "s"


def _when_due(c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]) -> None:
    if not (got["baseline"] or got["every"] or got["at_end"]):
        c.problem(path, "say when the test is due: baseline, every or at_end")


#: A ``monitoring:`` entry: a test, the drug it watches, when it is due, its source.
_MONITORING = Section(
    Rule("problems before", _count_problems),
    Field("test", text, required=True, default=None),
    Field("drug", _regimen_drug, required=True, default=None),
    Field("baseline", _flag, default=False),
    Field("at_end", _flag, default=False),
    Field("every", _interval),
    Rule("when due", _when_due),
    Field("source", cited(), required=True, default=None),
    Field("note", text),
)


def read_monitoring(
    c: Checker, value: Any, drugs: set[str], source_ids: set[str]
) -> tuple[MonitoringRule, ...]:
    rules = []
    context = {DECLARED: source_ids, "regimen drugs": drugs}
    for i, item in enumerate(c.sequence(value, ("monitoring",))):
        entry = _MONITORING.read(c, item, ("monitoring", i), context)
        if entry is None or len(c.problems) > entry["problems before"]:
            continue
        rules.append(
            MonitoringRule(
                entry["test"] or "",
                entry["drug"] or "",
                entry["baseline"],
                entry["every"],
                entry["at_end"],
                entry["source"] or "",
                entry["note"],
            )
        )
    return tuple(rules)
