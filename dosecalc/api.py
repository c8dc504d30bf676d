"""The public Python API: every command of the CLI as a keyword function.

Each function takes plain values (strings with units, numbers, names) and
returns a report object; the commands themselves live in
:mod:`dosecalc.commands` (one module each, a typed request in, a typed report
out), and the CLI only parses options and prints. Example::

    from dosecalc import api
    report = api.dose_course("thp", height="165 cm", weight="62 kg")
    for line in report.lines:
        print(line.drug, line.kind, line.final_mg)
"""

from __future__ import annotations

from .commands.bsa import BsaReport, BsaRequest, compute_bsa
from .commands.calendar import CalendarReport, CalendarRequest, calendar_course
from .commands.check import CheckRequest, check_course
from .commands.common import drug_tablets, drug_vials, resolve_patient
from .commands.demo import DEMO_PATIENT, DemoReport
from .commands.demo import run as demo_reports
from .commands.dose import (
    DoseReport,
    DoseRequest,
    WeightChange,
    dose_course,
    parse_reductions,
    weight_change,
)
from .commands.inputs import Library, PatientInput
from .commands.regimens import (
    DoseLevelMatch,
    RegimenSummary,
    documented_reduction,
    list_regimens,
    show_regimen,
    validate_regimens,
)
from .schedule import CycleRef

__all__ = [
    "DEMO_PATIENT",
    "BsaReport",
    "BsaRequest",
    "CalendarReport",
    "CalendarRequest",
    "CheckRequest",
    "CycleRef",
    "DemoReport",
    "DoseLevelMatch",
    "DoseReport",
    "DoseRequest",
    "Library",
    "PatientInput",
    "RegimenSummary",
    "WeightChange",
    "calendar_course",
    "check_course",
    "compute_bsa",
    "demo_reports",
    "documented_reduction",
    "dose_course",
    "drug_tablets",
    "drug_vials",
    "list_regimens",
    "parse_reductions",
    "resolve_patient",
    "show_regimen",
    "validate_regimens",
    "weight_change",
]
