"""``check`` recognises a dose that is one of the regimen's documented
reduction levels (docetaxel 75 -> 60 mg/m2, docetaxel PI) as a recorded
decision, not a discrepancy; any other lower dose still differs."""

from __future__ import annotations

from pathlib import Path

import locations

from dosecalc import api

CASES = locations.DATA / "cases"


def findings(path: Path) -> list:
    return api.check_course(str(path)).findings


def test_a_documented_reduction_is_an_info_naming_the_level_and_its_source(tmp_path):
    # The planted DOSE_DIFFERS case (THP, docetaxel 50 mg/m2) with docetaxel 60 mg/m2 instead.
    text = (CASES / "dose-differs.yaml").read_text(encoding="utf-8")
    assert "{drug: docetaxel, dose: 50 mg/m2}" in text
    case = tmp_path / "reduced.yaml"
    case.write_text(
        text.replace("{drug: docetaxel, dose: 50 mg/m2}", "{drug: docetaxel, dose: 60 mg/m2}"),
        encoding="utf-8",
    )
    found = findings(case)
    (reduction,) = [f for f in found if f.code == "DOSE_REDUCTION_DOCUMENTED"]
    assert reduction.severity == "info" and reduction.drug == "docetaxel"
    assert "documented dose reduction 1 of docetaxel (from 75 mg/m²)" in reduction.message
    assert "Docetaxel injection prescribing information" in reduction.source
    assert not [f for f in found if f.code == "DOSE_DIFFERS"]
    assert [f.code for f in found if f.severity != "info"] == []


def test_a_lower_dose_that_is_no_documented_level_still_differs():
    # 50 mg/m2 is not a docetaxel level (75 -> 60 only)
    found = findings(CASES / "dose-differs.yaml")
    assert [f.code for f in found if f.code.startswith("DOSE_")] == ["DOSE_DIFFERS"]
