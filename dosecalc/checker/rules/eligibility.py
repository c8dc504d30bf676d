"""Eligibility: disease-free intervals the regimen data name (THP after adjuvant
trastuzumab), as notes for the prescriber to weigh."""

from __future__ import annotations

from collections.abc import Iterator

from ..course import (
    Course,
    Finding,
    Findings,
)


def eligibility(course: Course, out: Findings) -> None:
    """The disease-free intervals the regimen data name (``eligibility``):
    a note when this treatment starts sooner after the earlier drug's last
    dose on its timeline."""
    for found in course.identified:
        t = found.treatment
        if found.regimen is None or t.start is None:
            continue
        for rule in found.regimen.eligibility:
            previous = course.previous_end(rule.after, t)
            if previous is None:
                continue
            months = (
                (t.start.value.year - previous.value.year) * 12
                + t.start.value.month
                - previous.value.month
            )
            if months < rule.months:
                setting = f"{previous.treatment.setting} " if previous.treatment.setting else ""
                source = next(
                    (s.citation for s in found.regimen.sources if s.id == rule.source),
                    f"regimen {found.regimen.id}",
                )
                out.add(
                    "info",
                    "ELIGIBILITY_NOTE",
                    t,
                    rule.about,
                    f"relapse about {months} months after {setting}{rule.after} ended ({previous}): shorter than the {rule.months}-month disease-free interval of the pivotal trial; for the prescriber to weigh",
                    source,
                )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    eligibility(course, out)
    yield from out.items
