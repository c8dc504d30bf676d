"""``dosecalc check --text``: free clinical notes in English and French, written
for these tests (not the seed report's sentences), through the same checks
as case files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli as run

from dosecalc import api


def check_text(tmp_path: Path, text: str, name: str = "note.txt", **kwargs):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return api.check_course(None, text_file=str(path), **kwargs)


def codes(report, severity: str) -> list[str]:
    return sorted(f.code for f in report.findings if f.severity == severity)


def find(report, code: str):
    return [f for f in report.findings if f.code == code]


ENGLISH_TIW = """\
History: 58-year-old woman with HER2-positive metastatic breast cancer. LVEF 60% on echo (24/02/2020).
Started docetaxel 75 mg/m2 with trastuzumab 8 mg/kg and pertuzumab 840 mg three times a week on 2020-03-02.
"""

FRENCH_CARBOPLATIN = """\
Patiente de 63 ans suivie pour un carcinome séreux de l'ovaire.
Elle reçoit du carboplatine AUC 6 toutes les 3 semaines à partir du 04/05/2021, 6 cycles prévus.
"""

FRENCH_THP_CORRECT = """\
Femme de 52 ans, cancer du sein HER2+ métastatique. FEVG 62 % le 10/02/2020.
Prémédication par dexaméthasone 8 mg per os deux fois par jour pendant 3 jours, à débuter la veille.
Le 17/02/2020, début d'un traitement par docétaxel 75 mg/m2, trastuzumab 8 mg/kg et pertuzumab 840 mg toutes les 3 semaines.
Au 01/06/2020, elle a reçu 6 cycles.
"""

NO_DRUGS = """\
The patient was seen in clinic today. She feels well and has no complaints.
Follow-up in three months with a CT scan.
"""


def test_english_three_times_a_week_is_implausible(tmp_path):
    report = check_text(tmp_path, ENGLISH_TIW)
    errors = find(report, "FREQUENCY_IMPLAUSIBLE")
    assert len(errors) == 1 and errors[0].severity == "error"
    assert "three times a week" in errors[0].message and "every 3 weeks" in errors[0].message
    assert report.error_count == 1
    assert not find(report, "FREQUENCY_NOT_STATED")
    # what was read is shown
    drugs = [m.drug_id for s in report.extracted for m in s.drugs]
    assert drugs == ["docetaxel", "trastuzumab", "pertuzumab"]
    assert find(report, "PREMEDICATION_MISSING")
    assert "60%" in find(report, "LVEF_BASELINE")[0].message


def test_english_weekly_docetaxel_inside_thp(tmp_path):
    # each drug has its own frequency: the one that does not fit is named
    text = "On 2020-03-02 she started pertuzumab 840 mg every 3 weeks, trastuzumab 8 mg/kg every 3 weeks and docetaxel 75 mg/m2 weekly.\n"
    report = check_text(tmp_path, text)
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.code, f.drug) for f in errors] == [("FREQUENCY_IMPLAUSIBLE", "docetaxel")], [
        f.as_dict() for f in report.findings
    ]


def test_a_drug_with_its_own_frequency_in_a_list_is_checked_for_it(tmp_path):
    # The three drugs are THP; docetaxel's own "weekly" is checked for it.
    text = "On 2020-03-02 she started pertuzumab 840 mg, trastuzumab 8 mg/kg every 3 weeks, and docetaxel 75 mg/m2 weekly.\n"
    report = check_text(tmp_path, text)
    # 75 mg/m2 is the label's every-3-weeks dose: weekly is 3 times its intensity.
    wrong = find(report, "FREQUENCY_IMPLAUSIBLE")
    assert [(f.severity, f.drug) for f in wrong] == [("error", "docetaxel")]
    assert "3 times" in wrong[0].message


def test_french_carboplatin_without_a_library_regimen(tmp_path):
    report = check_text(tmp_path, FRENCH_CARBOPLATIN)
    assert report.error_count == 0
    # No library regimen is a reminder about the library, not a fault of the note.
    note = find(report, "REGIMEN_NOT_FOUND")
    assert len(note) == 1 and note[0].severity == "info"
    assert "carboplatin" in note[0].message
    assert [m.drug_id for s in report.extracted for m in s.drugs] == ["carboplatin"]


def test_french_thp_written_correctly_has_no_error(tmp_path):
    report = check_text(tmp_path, FRENCH_THP_CORRECT, height="160 cm", weight="58 kg")
    assert report.error_count == 0, [f.as_dict() for f in report.findings]
    assert codes(report, "warning") == []
    assert {f.drug for f in find(report, "LOADING_CONFIRMED")} == {"trastuzumab", "pertuzumab"}
    assert (
        "6 cycles every 3 weeks from 2020-02-17 end on 2020-06-01"
        in find(report, "DATES_CONSISTENT")[0].message
    )
    assert "62%" in find(report, "LVEF_BASELINE")[0].message


def test_french_thp_with_the_dates_of_a_weekly_schedule(tmp_path):
    text = FRENCH_THP_CORRECT.replace(
        "Au 01/06/2020, elle a reçu 6 cycles", "Au 16/03/2020, elle a reçu 6 cycles"
    )
    report = check_text(tmp_path, text)
    assert [f.code for f in report.findings if f.severity != "info"] == ["DATES_INCONSISTENT"]


def test_french_misspelled_drug_in_a_note(tmp_path):
    text = "Le 02/03/2021, cure 1 de Paklitaxel 80 mg/m2 hebdomadaire avec trastuzumab 4 mg/kg. FEVG 60 %.\n"
    report = check_text(tmp_path, text)
    misspelled = find(report, "DRUG_NAME_MISSPELLED")
    assert len(misspelled) == 1 and misspelled[0].drug == "paclitaxel"
    assert report.error_count == 0


def test_english_gram_for_milligram_in_a_note(tmp_path):
    text = "Febrile neutropenia on 12 March 2023: started piperacillin-tazobactam 4.5 mg IV every 6 hours.\n"
    report = check_text(tmp_path, text)
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.code, f.drug) for f in errors] == [("UNIT_IMPLAUSIBLE", "piperacillin-tazobactam")]


def test_text_without_drugs_gives_a_clear_empty_result(tmp_path):
    report = check_text(tmp_path, NO_DRUGS)
    assert report.extracted == [] or all(not s.drugs for s in report.extracted)
    assert report.error_count == 0
    assert [f.code for f in report.findings] == ["NO_TREATMENT_FOUND"]
    assert find(report, "NO_TREATMENT_FOUND")[0].severity == "warning"


def test_cli_text_without_drugs(tmp_path):
    path = tmp_path / "empty-note.txt"
    path.write_text(NO_DRUGS, encoding="utf-8")
    code, out, err = run("check", "--text", str(path))
    assert code == 0, err
    assert "NO_TREATMENT_FOUND" in out and "no drug" in out
    code, out, _err = run("check", "--text", str(path), "--format", "json")
    data = json.loads(out)
    assert data["summary"] == {"error": 0, "warning": 1, "info": 0}
    assert data["extracted"] == [] and data["identified"] == []


def test_cli_empty_and_binary_texts(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, out, err = run("check", "--text", str(empty))
    assert code == 0 and "Traceback" not in out + err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81 not utf-8")
    code, out, err = run("check", "--text", str(binary))
    assert code == 2
    assert err.startswith("Error: cannot read") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "Trastuzumab 6 mg/kg three times weekly from 2019-06-03 to complete one year.\n",
            "FREQUENCY_IMPLAUSIBLE",
        ),
        (
            "Trastuzumab 6 mg/kg trois fois par semaine à partir du 03/06/2019.\n",
            "FREQUENCY_IMPLAUSIBLE",
        ),
        (
            "Docetaxel 75 g/m2, trastuzumab 8 mg/kg, pertuzumab 840 mg every 3 weeks from 2020-03-02.\n",
            "UNIT_IMPLAUSIBLE",
        ),
        (
            "Docétaxel 75 mg/m2, trastuzumab 8 mg/m2, pertuzumab 840 mg toutes les 3 semaines depuis le 02/03/2020.\n",
            "WRONG_BASIS",
        ),
        ("Paclitaxel 175 g/m2 every 3 weeks from 2021-05-04.\n", "UNIT_IMPLAUSIBLE"),
    ],
)
def test_planted_errors_in_notes(tmp_path, text, error):
    report = check_text(tmp_path, text)
    assert error in codes(report, "error"), [f.as_dict() for f in report.findings]


def test_carboplatin_auc_out_of_range_without_a_regimen(tmp_path):
    report = check_text(
        tmp_path, "Carboplatine AUC 60 toutes les 3 semaines à partir du 04/05/2021.\n"
    )
    # AUC 60 is 10 times the label's highest (AUC 6): a decimal-point error.
    out = find(report, "DOSE_IMPLAUSIBLE")
    assert len(out) == 1 and out[0].drug == "carboplatin" and out[0].severity == "error"
    assert "AUC 4 to 6" in out[0].message and "10 times" in out[0].message
