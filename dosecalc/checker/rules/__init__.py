"""The checks, one small module per rule; each is a function over the course
(``Course``: the treatments as identified on the course's timeline, the
library, the policy) that yields findings. They run in this order after the
treatments are identified (:func:`.names.identify`).

To add a rule: write a module with ``check(course) -> Iterator[Finding]``,
add it to ``RULES``, and document its codes in ``docs/case-format.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..course import Course, Finding
from . import (
    anthracycline,
    counts,
    doses,
    eligibility,
    frequency,
    loading,
    lvef,
    names,
    patient_data,
    premedication,
)

Rule = Callable[[Course], Iterator[Finding]]

RULES: tuple[Rule, ...] = (
    frequency.check,  # the written schedule against the regimen's cycle
    counts.check,  # cycle counts, course limits, dates on the calendar
    doses.check,  # dose and basis, units, the first dose's loading
    loading.check,  # re-loads between documented administrations
    names.check_nothing_found,
    anthracycline.check,  # the lifetime cumulative dose
    lvef.check,  # LVEF monitoring per the label
    premedication.check,
    eligibility.check,
    patient_data.check,  # weight changes, missing height and weight
)
