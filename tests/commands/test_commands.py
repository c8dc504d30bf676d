"""The commands' typed requests: what they record, and the folders they read."""

from __future__ import annotations

import hashlib
import inspect
import shutil
from pathlib import Path

from dosecalc import api
from dosecalc.commands import calendar, dose
from dosecalc.commands.inputs import Library, PatientInput
from dosecalc.paths import shipped_dir

PATIENT = PatientInput("165 cm", "62 kg")


def keyword_inputs(function) -> list[str]:
    """The keyword API's parameters that a provenance record gives back to it
    (the folders are recorded as the files' own paths instead)."""
    return [
        name
        for name in inspect.signature(function).parameters
        if name not in ("regimen_dirs", "policy_dirs")
    ]


def test_a_dose_request_records_every_input_of_the_keyword_api_in_its_order():
    # reproduce calls api.dose_course(**given): a field missing from given()
    # would be silently dropped when an output is re-run.
    given = dose.DoseRequest("thp", PATIENT).given()
    assert list(given) == keyword_inputs(api.dose_course)


def test_a_calendar_request_records_every_input_of_the_keyword_api_in_its_order():
    given = calendar.CalendarRequest("thp", "2016-01-19", PATIENT).given()
    assert list(given) == keyword_inputs(api.calendar_course)


def test_the_recorded_inputs_are_the_values_as_typed():
    request = dose.DoseRequest(
        "thp", PatientInput("165 cm", 62, "F", gfr="95 mL/min"), reduce=("docetaxel=20%",)
    )
    given = request.given()
    assert given["height"] == "165 cm" and given["weight"] == 62 and given["sex"] == "F"
    assert given["gfr"] == "95 mL/min" and given["reduce"] == ["docetaxel=20%"]
    assert given["accept_implausible"] is False and given["delays"] == []


def test_a_library_with_its_own_drug_reference_records_that_file(tmp_path: Path):
    own = tmp_path / "drugs.yaml"
    shutil.copyfile(shipped_dir("drugs") / "drugs.yaml", own)
    report = dose.run(dose.DoseRequest("thp", PATIENT, library=Library(drug_reference=str(own))))
    recorded = report.provenance["drug_reference"]
    assert recorded["file"] == str(own.resolve())
    assert recorded["sha256"] == hashlib.sha256(own.read_bytes()).hexdigest()


def test_the_shipped_drug_reference_is_recorded_by_default():
    report = dose.run(dose.DoseRequest("thp", PATIENT))
    assert report.provenance["drug_reference"]["file"] == "drugs/drugs.yaml"
