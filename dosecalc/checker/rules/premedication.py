"""Premedication: a drug whose label requires one, with none documented."""

from __future__ import annotations

from collections.abc import Iterator

from ...supportive import premedication_for
from ..course import (
    Course,
    Finding,
    Findings,
)


def premedication(course: Course, out: Findings) -> None:
    """A treatment drug whose regimen prescribes premedication, with none of
    those premedication drugs documented anywhere in the course. What is
    required comes from the regimen data (``premedication_for``)."""
    given = {d for i in course.identified for d in i.drugs.values()}
    for found in course.identified:
        for drug in dict.fromkeys(found.drugs.values()):
            # The identified regimen's data first; a regimen without
            # supportive data for the drug falls back on another regimen of
            # the library that has it.
            regimen = next(
                (
                    r
                    for r in (found.regimen, *course.regimens)
                    if r is not None and premedication_for(drug, r)
                ),
                None,
            )
            if regimen is None:
                continue
            needed = premedication_for(drug, regimen)
            if any(e.drugs() & given for e in needed):
                continue
            sources = {s.id: s.citation for s in regimen.sources}
            out.add(
                "warning" if course.about_a_patient else "info",
                "PREMEDICATION_MISSING",
                found.treatment,
                drug,
                f"{drug} needs premedication ({'; '.join(e.describe() for e in needed)}); none is documented",
                "; ".join(dict.fromkeys(sources.get(e.source, e.source) for e in needed)),
            )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    premedication(course, out)
    yield from out.items
