"""``dosecalc demo``: the main job on the embedded default, the seed case
report's regimens for an example patient."""

from __future__ import annotations

from dataclasses import dataclass

from ..checker.check import CheckReport
from ..paths import shipped_dir
from . import calendar, check, dose
from .inputs import PatientInput

#: The example patient of ``dosecalc demo``. The case report gives no height
#: or weight; these are the clinical reference's worked example (a 165 cm,
#: 62 kg woman of 40, serum creatinine 0.8 mg/dL).
DEMO_PATIENT = {
    "height": "165 cm",
    "weight": "62 kg",
    "sex": "female",
    "age": "40",
    "scr": "0.8 mg/dL",
}


@dataclass
class DemoReport:
    """``dosecalc demo``: the case report's regimens for the example patient."""

    patient: dict[str, str]
    doses: list[dose.DoseReport]
    calendar: calendar.CalendarReport
    check: CheckReport


def run() -> DemoReport:
    """The seed case's regimens (AC-TH and THP) dosed for the example
    patient, the THP calendar from the case's start date (2016-01-19, 8
    cycles), and the check of the case report."""
    demo = DEMO_PATIENT
    patient = PatientInput(demo["height"], demo["weight"], demo["sex"], demo["age"], demo["scr"])
    doses = [dose.run(dose.DoseRequest(name, patient)) for name in ("ac-th", "thp")]
    # The case's AC x 4 gave 240 mg/m2 of doxorubicin before THP.
    course = calendar.run(
        calendar.CalendarRequest(
            "thp", "2016-01-19", patient, cycles=8, prior_anthracycline="240 mg/m2"
        )
    )
    case = check.run(check.CheckRequest(str(shipped_dir("seeds") / "case-report.yaml")))
    return DemoReport(DEMO_PATIENT, doses, course, case)
