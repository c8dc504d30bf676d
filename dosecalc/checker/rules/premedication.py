"""Premedication: a drug whose label requires one, with none documented."""

from __future__ import annotations

from collections.abc import Iterator

from ..course import (
    Course,
    Finding,
    Findings,
)


def premedication(course: Course, out: Findings) -> None:
    """A drug whose reference entry names a required premedication
    (``premedication`` in drugs/drugs.yaml: docetaxel needs dexamethasone),
    with none of those drugs anywhere in the course."""
    given = {d for i in course.identified for d in i.drugs.values()}
    for found in course.identified:
        for drug in dict.fromkeys(found.drugs.values()):
            needed = course.reference.get(drug).premedication
            if needed is None or given & set(needed.drugs):
                continue
            out.add(
                "warning",
                "PREMEDICATION_MISSING",
                found.treatment,
                drug,
                f"{drug} needs premedication ({needed.note}); none is documented",
                course.citations(needed.sources),
            )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    premedication(course, out)
    yield from out.items
