"""Case files written by hand, without the docs open, are checked, not
refused: what was clear is read, what was guessed is said, an unknown key is
a warning naming the nearest known key, and only a value that cannot be read
at all stops the check (exit 2, with file, line and field)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dosecalc import api
from dosecalc.case import load_case_file, split_loading
from dosecalc.cli import main

HAND_WRITTEN = """\
title: written by hand
patient:
  sex: F
  age: 45 ans
  lvef: 62 %
  wieght: 62 kg
treatments:
  - regimen: THP
    start: 12/03/2024
    frequency: q3w
    cycles: 6
    drugs:
      - docetaxel 75 mg/m2 IV
      - {drug: trastuzumab, dose: 8 mg/kg loading then 6 mg/kg}
      - {drug: Perjeta, dose: 840 mg (loading) puis 420 mg}
      - dexamethasone 8 mg PO
"""


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str):
    runner = CliRunner()
    with runner.isolation() as (out, err, _both):
        code = main(list(args))
    return code, out.getvalue().decode(), err.getvalue().decode()


def test_a_hand_written_case_is_read(tmp_path):
    case = load_case_file(write(tmp_path, HAND_WRITTEN))
    assert case.id == "case" and case.title == "written by hand"
    assert (case.patient.sex, case.patient.age_years) == ("female", 45.0)
    # One LVEF without a date is dated by the first treatment's start.
    ((lvef),) = case.patient.lvef
    assert (lvef.value, lvef.date.value) == (62.0, dt.date(2024, 3, 12))
    (thp,) = case.treatments
    assert thp.id == "treatment-1"
    assert thp.start.value == dt.date(2024, 3, 12)  # day first
    drugs = [(d.drug, d.dose, d.maintenance, d.route) for d in thp.drugs]
    assert drugs == [
        ("docetaxel", "75 mg/m2", None, "IV"),
        ("trastuzumab", "8 mg/kg", "6 mg/kg", None),
        ("Perjeta", "840 mg", "420 mg", None),
        ("dexamethasone", "8 mg", None, "PO"),
    ]
    notes = [(n.severity, n.code) for n in case.assumptions]
    assert ("warning", "UNKNOWN_KEY") in notes
    unknown = next(n for n in case.assumptions if n.code == "UNKNOWN_KEY")
    assert "'wieght' read as 'weight'" in unknown.message
    assert case.patient.weight == "62 kg"
    ambiguous = [n.message for n in case.assumptions if "day-first" in n.message]
    assert ambiguous and "2024-12-03" in ambiguous[0]


def test_a_hand_written_case_is_checked_loading_and_maintenance_as_such(tmp_path):
    report = api.check_course(str(write(tmp_path, HAND_WRITTEN)))
    assert report.error_count == 0, [f.as_dict() for f in report.findings if f.severity == "error"]
    confirmed = {f.drug for f in report.findings if f.code == "LOADING_CONFIRMED"}
    assert confirmed == {"trastuzumab", "pertuzumab"}
    assert [f.severity for f in report.findings if f.code == "UNKNOWN_KEY"] == ["warning"]


def test_a_maintenance_dose_written_wrong_is_checked(tmp_path):
    # "8 mg/kg loading then 60 mg/kg": the maintenance is 10 times 6 mg/kg.
    text = HAND_WRITTEN.replace("then 6 mg/kg", "then 60 mg/kg")
    report = api.check_course(str(write(tmp_path, text)))
    errors = [(f.code, f.drug) for f in report.findings if f.severity == "error"]
    assert errors == [("DOSE_IMPLAUSIBLE", "trastuzumab")]


@pytest.mark.parametrize(
    "written, first, then",
    [
        ("8 mg/kg loading then 6 mg/kg", "8 mg/kg", "6 mg/kg"),
        ("840 mg (loading) puis 420 mg", "840 mg", "420 mg"),
        ("4 mg/kg dose de charge puis 2 mg/kg hebdomadaire", "4 mg/kg", "2 mg/kg hebdomadaire"),
        ("8 mg/kg loading dose, then 6 mg/kg maintenance", "8 mg/kg", "6 mg/kg"),
        ("75 mg/m2", "75 mg/m2", None),
    ],
)
def test_loading_then_maintenance(written, first, then):
    assert split_loading(written) == (first, then)


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2024-03-12", dt.date(2024, 3, 12)),
        ("12/03/2024", dt.date(2024, 3, 12)),
        ("25/03/2024", dt.date(2024, 3, 25)),
        ("12 mars 2024", dt.date(2024, 3, 12)),
        ("March 12, 2024", dt.date(2024, 3, 12)),
        ("12 March 2024", dt.date(2024, 3, 12)),
    ],
)
def test_dates_as_people_write_them(tmp_path, written, expected):
    text = HAND_WRITTEN.replace("12/03/2024", f'"{written}"')
    (treatment,) = load_case_file(write(tmp_path, text)).treatments
    assert treatment.start.value == expected and treatment.start.precision == "day"


def test_a_month_is_a_month(tmp_path):
    text = HAND_WRITTEN.replace("12/03/2024", "2024-03")
    (treatment,) = load_case_file(write(tmp_path, text)).treatments
    assert (str(treatment.start), treatment.start.precision) == ("2024-03", "month")


def test_date_order_month_first(tmp_path):
    text = "date_order: month-first\n" + HAND_WRITTEN
    (treatment,) = load_case_file(write(tmp_path, text)).treatments
    assert treatment.start.value == dt.date(2024, 12, 3)


@pytest.mark.parametrize("sex, expected", [("M", "male"), ("homme", "male"), ("femme", "female")])
def test_sex_words(tmp_path, sex, expected):
    case = load_case_file(write(tmp_path, HAND_WRITTEN.replace("sex: F", f"sex: {sex}")))
    assert case.patient.sex == expected


def test_a_value_that_cannot_be_read_stops_with_file_line_and_field(tmp_path):
    path = write(tmp_path, HAND_WRITTEN.replace("age: 45 ans", "age: quite old"))
    code, out, err = run("check", str(path))
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"Error: {path}:4: patient.age: ") and "'quite old'" in line


def test_an_unknown_key_far_from_any_is_not_read(tmp_path):
    case = load_case_file(write(tmp_path, HAND_WRITTEN.replace("wieght: 62 kg", "colour: red")))
    (unknown,) = [n for n in case.assumptions if n.code == "UNKNOWN_KEY"]
    assert unknown.severity == "warning" and "'colour' was not read" in unknown.message


def test_normalize_prints_the_canonical_case_that_reads_back_the_same(tmp_path):
    code, out, _ = run("check", "--normalize", str(write(tmp_path, HAND_WRITTEN)))
    assert code == 0
    assert "# warning: patient.wieght (line 6): unknown key 'wieght' read as 'weight'" in out
    data = yaml.safe_load(out)
    assert data["schema_version"] == 1
    assert data["patient"] == {
        "sex": "female",
        "age": 45,
        "height": None,
        "weight": "62 kg",  # 'wieght' is read as weight, with a warning
        "lvef": [{"date": dt.date(2024, 3, 12), "value": "62%"}],
    }
    assert data["treatments"][0]["drugs"][1] == {
        "drug": "trastuzumab",
        "dose": "8 mg/kg",
        "maintenance": "6 mg/kg",
    }
    again = write(tmp_path, out, "normalized.yaml")
    code2, out2, _ = run("check", "--normalize", str(again))
    assert code2 == 0 and yaml.safe_load(out2) == data
    # The canonical form needs no guess: nothing is assumed when it is read back.
    assert not load_case_file(again).assumptions
