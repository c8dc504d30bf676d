"""LVEF: the values of the course against the label of the drugs that require monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ...case import Measurement
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
    limit = course.policy.lvef_lower_limit_pct
    for index, m in enumerate(values):
        baseline, started = _lvef_baseline(values, index, line_starts)
        when = f" on {m.date}" if m.date else ""
        since = f" on {baseline.date}" if baseline.date else ""
        line = f", the last before the line started on {started.isoformat()}" if started else ""
        fall = baseline.value - m.value
        significant = fall >= 16 or (fall >= 10 and m.value < limit)
        if m is baseline:
            follow = (
                f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
                if m.date
                else ""
            )
            severity, code = (
                ("warning", "LVEF_LOW") if m.value < limit else ("info", "LVEF_BASELINE")
            )
            state = (
                f"is below {format_number(limit)}% (policy {course.policy.id}): {drug} needs cardiology review"
                if m.value < limit
                else "is normal"
            )
            out.add(
                severity,
                code,
                latest,
                drug,
                f"LVEF {m.text}{when} {state}: record it as the baseline{follow}; hold {drug} for a fall of 16 points or more, or of 10 points or more to below {format_number(limit)}%",
                SRC_HERCEPTIN_LVEF,
            )
        elif significant:
            after = _given_after(spans, m.date.value) if m.date else None
            if after is None:
                after = _continued_after(monitored, m)
            if m.held:
                out.add(
                    "info",
                    "LVEF_DECLINE",
                    latest,
                    drug,
                    f"LVEF fell from {baseline.text}{since}{line} to {m.text}{when}, {format_number(fall)} points: {drug} was held, as the label requires",
                    SRC_HERCEPTIN_LVEF,
                )
                continue
            why = (
                "16 points or more"
                if fall >= 16
                else f"10 points or more, to below {format_number(limit)}% (policy {course.policy.id})"
            )
            message = (
                f"LVEF fell from {baseline.text}{since}{line} to {m.text}{when}, {format_number(fall)} points ({why}):"
                f" the label withholds {drug} for at least 4 weeks and repeats the LVEF every 4 weeks"
            )
            if after is not None:
                out.add(
                    "error",
                    "LVEF_DECLINE",
                    latest,
                    drug,
                    f"{message}; yet {drug} was given after it ({after})",
                    SRC_HERCEPTIN_LVEF,
                )
            else:
                out.add(
                    "warning",
                    "LVEF_DECLINE",
                    latest,
                    drug,
                    f"{message}; the record does not say whether it was held",
                    SRC_HERCEPTIN_LVEF,
                )
        elif m.value < limit:
            out.add(
                "warning",
                "LVEF_LOW",
                latest,
                drug,
                f"LVEF {m.text}{when} is below {format_number(limit)}% (policy {course.policy.id}), {format_number(fall)} points from the baseline {baseline.text}{since}: {drug} needs cardiology review",
                SRC_HERCEPTIN_LVEF,
            )
        else:
            follow = (
                f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
                if m.date
                else ""
            )
            change = (
                f"{format_number(abs(fall))} point{'' if abs(fall) == 1 else 's'} {'below' if fall > 0 else 'above'}"
                if fall
                else "the same as"
            )
            out.add(
                "info",
                "LVEF_MONITORED",
                latest,
                drug,
                f"LVEF {m.text}{when}: {change} the baseline {baseline.text}{since}{line}{follow}",
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
