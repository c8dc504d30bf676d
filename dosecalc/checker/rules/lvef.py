"""LVEF: the values of the course against the label of the drugs that require monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ...case import Measurement, Treatment
from ...drugs import DrugReference
from ...formatting import format_number
from ..course import (
    SRC_HERCEPTIN_LVEF,
    Course,
    Finding,
    Findings,
    Identified,
    treatment_span,
)


@dataclass(frozen=True)
class _Watch:
    """The monitored course each LVEF value is judged in."""

    course: Course
    out: Findings
    drug: str  # the drug the findings are about (trastuzumab in THP)
    latest: Treatment  # the last monitored treatment, the findings' place
    monitored: list[Identified]
    spans: list[tuple[dt.date | None, dt.date | None]]  # of each monitored treatment
    limit: float  # the policy's lower limit of normal, in %


@dataclass(frozen=True)
class _Value:
    """One LVEF value beside its baseline, with the words that date them."""

    m: Measurement
    baseline: Measurement
    fall: float  # points from the baseline (negative for a rise)
    when: str  # " on <date>" of the value, or ""
    since: str  # " on <date>" of the baseline, or ""
    line: str  # ", the last before the line started on <date>", or ""


def lvef(course: Course, out: Findings) -> None:
    """LVEF against the label of the drugs that require it (the drug
    reference's ``monitoring: [lvef]``: trastuzumab, pertuzumab, T-DM1...).

    The baseline of a value is the last LVEF before the line it falls in
    started. A fall of 16 points or more, or of 10 points or more to
    below the policy's lower limit of normal, withholds treatment: an
    error when the drug was given after it, a warning when the record
    stops there."""
    monitored = [
        i
        for i in course.identified
        if any("lvef" in course.reference.get(d).monitoring for d in i.drugs.values())
    ]
    if not monitored:
        return
    drug = _monitored_drug(course.reference, monitored[-1])
    values = course.case.patient.lvef
    latest = monitored[-1].treatment
    if not values:
        out.add(
            "info",
            "LVEF_MISSING",
            latest,
            drug,
            f"no LVEF documented: the label asks for a baseline LVEF before {drug}, then every 3 months",
            SRC_HERCEPTIN_LVEF,
        )
        return
    if all(m.date for m in values):
        dated = [(m.date, m) for m in values if m.date is not None]
        values = tuple(m for _, m in sorted(dated, key=lambda pair: pair[0].value))
    spans = [treatment_span(i) for i in monitored]
    line_starts = _line_starts(
        [
            (start, end)
            for (start, end), i in zip(spans, monitored, strict=True)
            if start is not None and not i.treatment.continued
        ]
    )
    watch = _Watch(course, out, drug, latest, monitored, spans, course.policy.lvef_lower_limit_pct)
    for index in range(len(values)):
        _judge_value(watch, _value_beside_baseline(values, index, line_starts))


def _value_beside_baseline(
    values: tuple[Measurement, ...], index: int, line_starts: list[dt.date]
) -> _Value:
    """``values[index]`` with its baseline, the fall since it, and the
    dates written the way every finding says them."""
    m = values[index]
    baseline, started = _lvef_baseline(values, index, line_starts)
    when = f" on {m.date}" if m.date else ""
    since = f" on {baseline.date}" if baseline.date else ""
    line = f", the last before the line started on {started.isoformat()}" if started else ""
    return _Value(m, baseline, baseline.value - m.value, when, since, line)


def _judge_value(watch: _Watch, v: _Value) -> None:
    """The finding for one LVEF value: a baseline, a fall that withholds the
    drug under the label, a value below normal, or a value monitored."""
    significant = v.fall >= 16 or (v.fall >= 10 and v.m.value < watch.limit)
    if v.m is v.baseline:
        _record_baseline(watch, v)
    elif significant:
        _significant_fall(watch, v)
    elif v.m.value < watch.limit:
        course = watch.course
        watch.out.add(
            "warning",
            "LVEF_LOW",
            watch.latest,
            watch.drug,
            f"LVEF {v.m.text}{v.when} is below {format_number(watch.limit)}% (policy {course.policy.id}), {format_number(v.fall)} points from the baseline {v.baseline.text}{v.since}: {watch.drug} needs cardiology review",
            SRC_HERCEPTIN_LVEF,
        )
    else:
        _monitored_value(watch, v)


def _next_assessment(m: Measurement) -> str:
    """The label asks for an LVEF every 3 months during treatment: the day
    the next one is due (91 days on), when the value is dated."""
    return (
        f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
        if m.date
        else ""
    )


def _record_baseline(watch: _Watch, v: _Value) -> None:
    """A value that is its own baseline: recorded, with the next assessment
    and the fall that would withhold the drug; below normal it needs a
    cardiology review before the drug is given."""
    m, drug, limit = v.m, watch.drug, watch.limit
    follow = _next_assessment(m)
    severity, code = ("warning", "LVEF_LOW") if m.value < limit else ("info", "LVEF_BASELINE")
    state = (
        f"is below {format_number(limit)}% (policy {watch.course.policy.id}): {drug} needs cardiology review"
        if m.value < limit
        else "is normal"
    )
    watch.out.add(
        severity,
        code,
        watch.latest,
        drug,
        f"LVEF {m.text}{v.when} {state}: record it as the baseline{follow}; hold {drug} for a fall of 16 points or more, or of 10 points or more to below {format_number(limit)}%",
        SRC_HERCEPTIN_LVEF,
    )


def _significant_fall(watch: _Watch, v: _Value) -> None:
    """A fall the label withholds the drug for: as documented when the source
    says it was held; an error when the drug was given after it (a later
    dose, or a treatment written as continuing); else a warning, since the
    record does not say."""
    m, drug, limit = v.m, watch.drug, watch.limit
    after = _given_after(watch.spans, m.date.value) if m.date else None
    if after is None:
        after = _continued_after(watch.monitored, m)
    if m.held:
        watch.out.add(
            "info",
            "LVEF_DECLINE",
            watch.latest,
            drug,
            f"LVEF fell from {v.baseline.text}{v.since}{v.line} to {m.text}{v.when}, {format_number(v.fall)} points: {drug} was held, as the label requires",
            SRC_HERCEPTIN_LVEF,
        )
        return
    why = (
        "16 points or more"
        if v.fall >= 16
        else f"10 points or more, to below {format_number(limit)}% (policy {watch.course.policy.id})"
    )
    message = (
        f"LVEF fell from {v.baseline.text}{v.since}{v.line} to {m.text}{v.when}, {format_number(v.fall)} points ({why}):"
        f" the label withholds {drug} for at least 4 weeks and repeats the LVEF every 4 weeks"
    )
    if after is not None:
        watch.out.add(
            "error",
            "LVEF_DECLINE",
            watch.latest,
            drug,
            f"{message}; yet {drug} was given after it ({after})",
            SRC_HERCEPTIN_LVEF,
        )
    else:
        watch.out.add(
            "warning",
            "LVEF_DECLINE",
            watch.latest,
            drug,
            f"{message}; the record does not say whether it was held",
            SRC_HERCEPTIN_LVEF,
        )


def _monitored_value(watch: _Watch, v: _Value) -> None:
    """A value within the label's limits: its change from the baseline, for
    information, with the next assessment due."""
    follow = _next_assessment(v.m)
    change = (
        f"{format_number(abs(v.fall))} point{'' if abs(v.fall) == 1 else 's'} {'below' if v.fall > 0 else 'above'}"
        if v.fall
        else "the same as"
    )
    watch.out.add(
        "info",
        "LVEF_MONITORED",
        watch.latest,
        watch.drug,
        f"LVEF {v.m.text}{v.when}: {change} the baseline {v.baseline.text}{v.since}{v.line}{follow}",
        SRC_HERCEPTIN_LVEF,
    )


def _monitored_drug(reference: DrugReference, found: Identified) -> str:
    """The drug an LVEF finding is about: the one the regimen's LVEF
    monitoring rule names (trastuzumab in THP, not pertuzumab), else the
    first of the treatment whose label asks for LVEF monitoring."""
    monitored = [d for d in found.drugs.values() if "lvef" in reference.get(d).monitoring]
    rules = found.regimen.monitoring if found.regimen is not None else ()
    named = [r.drug for r in rules if r.test.lower() == "lvef" and r.drug in monitored]
    return named[0] if named else monitored[0]


_NEW_LINE_GAP_DAYS = 42


def _line_starts(spans: list[tuple[dt.date, dt.date | None]]) -> list[dt.date]:
    """The days the lines of treatment started: a treatment starts a line
    when it begins more than six weeks after every earlier one ended."""
    starts: list[dt.date] = []
    last: dt.date | None = None
    for start, end in sorted(spans, key=lambda s: s[0]):
        if last is None or (start - last).days > _NEW_LINE_GAP_DAYS:
            starts.append(start)
        last = max(d for d in (last, end, start) if d is not None)
    return starts


def _lvef_baseline(
    values: tuple[Measurement, ...], index: int, line_starts: list[dt.date]
) -> tuple[Measurement, dt.date | None]:
    """The baseline of ``values[index]``: the last value measured on or before
    the start of the line it falls in (the first value of the line when none
    was), and that line's start."""
    m = values[index]
    if m.date is None or not all(v.date for v in values):
        return values[0], None
    started = max((s for s in line_starts if s <= m.date.value), default=None)
    if started is None:
        # Before any line started: a pre-treatment value, its own baseline;
        # when no line start is known (a course written as continuing), the
        # first value is.
        return (m, None) if line_starts else (values[0], None)
    before = [v for v in values if v.date is not None and v.date.value <= started]
    if before:
        return before[-1], started
    return next(v for v in values if v.date is not None and v.date.value >= started), started


def _given_after(spans: list[tuple[dt.date | None, dt.date | None]], day: dt.date) -> str | None:
    """When a monitored drug is known to have been given after ``day``: a
    treatment that ends after it, or one that starts after it (a dose on
    2024-10-18 after an LVEF fall on 2024-10-10, whether or not its end is
    known)."""
    started = [start for start, _ in spans if start is not None and start > day]
    later = [end for start, end in spans if end is not None and end > day]
    if later:
        return f"until {max(later).isoformat()}"
    return f"from {min(started).isoformat()}" if started else None


def _continued_after(monitored: list[Identified], m: Measurement) -> str | None:
    """A treatment written after the LVEF value in a text and saying it
    continues ("Trastuzumab and pertuzumab continued every 3 weeks")."""
    if m.position is None:
        return None
    for found in monitored:
        t = found.treatment
        if t.continued and t.position is not None and t.position > m.position:
            return f"'{t.quote or t.regimen}'"
    return None


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    lvef(course, out)
    yield from out.items
