"""Every harmful finding is reported: a dose error never hides a frequency
error on the same statement (issue: "docetaxel 750 mg/m2 three times a week"
lost its frequency finding when the dose finding fired)."""

from __future__ import annotations

import json

from conftest import run_cli

from dosecalc.output.text import _short_source


def findings(tmp_path, text: str) -> list[tuple[str, str]]:
    note = tmp_path / "note.txt"
    note.write_text(text, encoding="utf-8")
    result = run_cli("check", "--text", str(note), "--format", "json")
    assert result.code in (0, 1), result.err
    return [(f["severity"], f["code"]) for f in json.loads(result.out)["findings"]]


def test_a_tenfold_dose_three_times_a_week_is_two_errors(tmp_path):
    # Docetaxel is labelled 60-100 mg/m2 every 3 weeks: 750 mg/m2 is 7.5 times
    # the highest dose, and three times a week is 9 times the dose intensity.
    found = findings(tmp_path, "Docetaxel 750 mg/m2 three times a week, 6 cycles.\n")
    assert ("error", "DOSE_IMPLAUSIBLE") in found
    assert ("error", "FREQUENCY_IMPLAUSIBLE") in found


def test_a_usual_dose_three_times_a_week_is_a_frequency_error(tmp_path):
    found = findings(tmp_path, "Docétaxel 75 mg/m2 trois fois par semaine, 6 cycles.\n")
    assert ("error", "FREQUENCY_IMPLAUSIBLE") in found


def test_a_low_weekly_dose_is_not_called_a_frequency_error(tmp_path):
    # Weekly docetaxel at 35 mg/m2 is a lower dose given more often (a
    # documented weekly schedule in some protocols), not a multiplied
    # intensity: worth a warning, not an error.
    found = findings(tmp_path, "Docetaxel 35 mg/m2 weekly for 6 weeks.\n")
    assert ("error", "FREQUENCY_IMPLAUSIBLE") not in found
    assert any(code == "FREQUENCY_UNUSUAL" for _, code in found)


def test_a_negative_dose_in_a_case_file_is_an_error(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(
        "patient: {sex: F, age: 50}\n"
        "treatments:\n"
        "  - drugs: [docetaxel -75 mg/m2 IV]\n"
        "    frequency: every 3 weeks\n"
        "    start: 2024-03-12\n",
        encoding="utf-8",
    )
    result = run_cli("check", str(case), "--format", "json")
    assert result.code == 1, result.err
    severities = {f["severity"] for f in json.loads(result.out)["findings"]}
    assert "error" in severities


def test_a_negative_dose_in_the_structured_form_is_an_error(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(
        "patient: {sex: F, age: 50}\n"
        "treatments:\n"
        "  - drugs:\n"
        "      - {drug: docetaxel, dose: -75 mg/m2, route: IV}\n"
        "    frequency: every 3 weeks\n"
        "    start: 2024-03-12\n",
        encoding="utf-8",
    )
    result = run_cli("check", str(case), "--format", "json")
    assert result.code == 1, result.err
    codes = {(f["severity"], f["code"]) for f in json.loads(result.out)["findings"]}
    assert ("error", "DOSE_IMPLAUSIBLE") in codes


def test_a_trimmed_citation_leaves_no_space_before_its_punctuation():
    assert _short_source("Taxol label, section 2 (premedication). Recalled") == (
        "Taxol label, section 2. Recalled"
    )


def test_peg_filgrastim_is_pegfilgrastim_not_filgrastim(tmp_path):
    # Trial reports write "PEG-filgrastim"; reading "filgrastim" inside it
    # called the 6 mg flat dose a wrong basis for a per-kg drug.
    found = findings(tmp_path, "Dose-dense AC every 14 days with PEG-filgrastim 6 mg on day 2.\n")
    assert ("error", "WRONG_BASIS") not in found
