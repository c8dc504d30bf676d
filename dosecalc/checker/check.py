"""The regimen checker: compare a documented course with what it should be.

The treatments are identified first (drug names, then the library phase they
form: :mod:`.rules.names`), then every rule of :data:`.rules.RULES` runs over
the course and yields its findings: each has a severity, a code, the item it
concerns, a message and the source of the rule. Anything the checker cannot
read is reported (code ``NOT_UNDERSTOOD``), never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..case import Case
from ..model import Patient, Policy, Regimen
from .course import SEVERITIES, SRC_CASE_FORMAT, Course, Finding, Findings, Identified
from .rules import RULES
from .rules.names import identify

if TYPE_CHECKING:  # the free-text reader is imported only when a text is checked
    from .reading import ReadTreatment

__all__ = ["CheckReport", "Finding", "Identified", "check_case"]


@dataclass
class CheckReport:
    """``dosecalc check``: every finding, errors first."""

    case: Case
    policy: Policy
    patient: Patient | None
    findings: list[Finding]
    identified: list[Identified] = field(default_factory=list)
    extracted: list[ReadTreatment] = field(default_factory=list)  # treatments read from free text

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


def check_case(
    case: Case,
    policy: Policy,
    regimens: list[Regimen],
    patient: Patient | None = None,
    extra: list[Finding] | None = None,
) -> CheckReport:
    """Run every check on ``case`` (plus ``extra`` findings about its source
    text); findings come errors first."""
    course = Course(case, policy, regimens, patient)
    findings = list(extra or [])
    # What the case reader assumed or did not read is part of the answer.
    findings += [
        Finding(n.severity, n.code, None, None, n.message, SRC_CASE_FORMAT)
        for n in case.assumptions
    ]
    out = Findings()
    for treatment in case.treatments:
        identify(course, out, treatment)  # appends to course.identified
    findings += out.items
    for rule in RULES:
        findings += rule(course)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    treatment_order = {t.id: i for i, t in enumerate(case.treatments)}
    findings = sorted(
        findings, key=lambda f: (order[f.severity], treatment_order.get(f.treatment or "", -1))
    )
    return CheckReport(case, policy, patient, findings, course.identified)
