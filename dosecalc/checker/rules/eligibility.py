"""Eligibility: THP after a short disease-free interval (for the prescriber to weigh)."""

from __future__ import annotations

from collections.abc import Iterator

from ..course import (
    SRC_CLEOPATRA,
    Course,
    Finding,
    Findings,
)


def eligibility(course: Course, out: Findings) -> None:
    for found in course.identified:
        t = found.treatment
        if found.regimen is None or found.regimen.id != "thp" or t.start is None:
            continue
        previous = course.previous_end("trastuzumab", t)
        if previous is not None:
            months = (
                (t.start.value.year - previous.value.year) * 12
                + t.start.value.month
                - previous.value.month
            )
            if months < 12:
                out.add(
                    "info",
                    "ELIGIBILITY_NOTE",
                    t,
                    "pertuzumab",
                    f"relapse about {months} months after adjuvant trastuzumab ended ({previous}): shorter than the 12-month disease-free interval of the pivotal trial; for the prescriber to weigh",
                    SRC_CLEOPATRA,
                )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    eligibility(course, out)
    yield from out.items
