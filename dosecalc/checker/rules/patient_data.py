"""Patient data: weight changes that call for recalculation, and missing height and weight."""

from __future__ import annotations

from collections.abc import Iterator

from ...formatting import format_number
from ..course import (
    SRC_WEIGHT_CHANGE,
    Course,
    Finding,
    Findings,
)


def weight_changes(course: Course, out: Findings) -> None:
    """A weight change at or over the policy's threshold since the weight
    doses were last calculated on means recalculating BSA and doses. The
    baseline is the first weight, then each weight that crossed it."""
    dated = [(m.date, m) for m in course.case.patient.measurements if m.name == "weight" and m.date]
    weights = [m for _, m in sorted(dated, key=lambda pair: pair[0].value)]
    if not weights:
        return
    threshold = course.policy.weight_change_pct
    baseline = weights[0]
    for current in weights[1:]:
        change = (current.value - baseline.value) / baseline.value * 100
        if abs(change) < threshold:
            continue
        out.add(
            "warning",
            "WEIGHT_CHANGED",
            None,
            None,
            f"weight {baseline.text} on {baseline.date} → {current.text} on {current.date} ({format_number(change, 1)}%):"
            f" at or over policy {course.policy.id}'s {format_number(threshold)}% threshold; recalculate BSA and doses from {current.date}",
            SRC_WEIGHT_CHANGE,
        )
        baseline = current


def missing_data(course: Course, out: Findings) -> None:
    if course.patient is not None:
        return
    needs = [
        i.treatment.id
        for i in course.identified
        if i.phase and any(e.basis in ("bsa", "weight") for e in i.phase.drugs)
    ]
    if needs:
        out.add(
            "info",
            "PATIENT_DATA_MISSING",
            None,
            None,
            f"height and weight are not documented, so final doses in mg cannot be verified for {', '.join(needs)}; per-unit doses were checked."
            " Give --height and --weight to compute them.",
            "dosecalc",
        )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    weight_changes(course, out)
    missing_data(course, out)
    yield from out.items
