"""``dosecalc check``: the seed case report, its corrected version, one planted
error per rule (``tests/data/cases/``), and the command line's contracts.

The seed expectations follow the clinical reference, section 13 (the errors
and ambiguities of the case report, with their codes and severities).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import locations
import pytest
from conftest import run_cli as run

from dosecalc import api

ROOT = locations.ROOT
SEED_YAML = ROOT / "seeds" / "case-report.yaml"
SEED_TEXT = ROOT / "seeds" / "case-report.fr.txt"
CASES = locations.DATA / "cases"
PATIENT = {"height": "165 cm", "weight": "62 kg"}


def check(path: Path | str, **kwargs):
    return api.check_course(str(path), **kwargs)


def codes(report, severity: str | None = None) -> list[str]:
    return sorted(f.code for f in report.findings if severity is None or f.severity == severity)


def find(report, code: str, *, treatment: str | None = "any", drug: str | None = "any"):
    """The findings with ``code`` (and treatment / drug when given)."""
    return [
        f
        for f in report.findings
        if f.code == code
        and (treatment == "any" or f.treatment == treatment)
        and (drug == "any" or f.drug == drug)
    ]


def one(report, code: str, severity: str, **where):
    found = find(report, code, **where)
    assert len(found) == 1, (code, where, [f.as_dict() for f in report.findings])
    assert found[0].severity == severity, found[0]
    return found[0]


# -- the seed case report (structured) --------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return check(SEED_YAML)


@pytest.fixture(scope="module")
def seed_with_patient():
    return check(SEED_YAML, **PATIENT)


def test_seed_has_exactly_three_errors(seed):
    errors = [(f.code, f.treatment) for f in seed.findings if f.severity == "error"]
    assert sorted(errors) == [
        ("FREQUENCY_IMPLAUSIBLE", "h-adjuvant"),
        ("FREQUENCY_IMPLAUSIBLE", "thp"),
        ("UNIT_IMPLAUSIBLE", "supportive-2016"),
    ]
    assert seed.error_count == 3


def test_seed_adjuvant_trastuzumab_three_times_a_week(seed):
    f = one(seed, "FREQUENCY_IMPLAUSIBLE", "error", treatment="h-adjuvant")
    assert "trois fois par semaine" in f.message
    assert "3 times weekly" in f.message
    assert "every 3 weeks" in f.message  # what was meant
    assert "9 times" in f.message
    assert "Herceptin" in f.source and "ISMP" in f.source


def test_seed_thp_three_times_a_week_with_the_date_evidence(seed):
    f = one(seed, "FREQUENCY_IMPLAUSIBLE", "error", treatment="thp")
    assert "2016-01-19" in f.message and "2016-06-14" in f.message
    assert "consistent only with every 3 weeks" in f.message
    assert "Perjeta" in f.source


def test_seed_piperacillin_tazobactam_in_milligrams(seed):
    f = one(seed, "UNIT_IMPLAUSIBLE", "error", drug="piperacillin-tazobactam")
    assert "1000 times" in f.message
    assert "4 g / 0.5 g every 6 hours" in f.message
    assert "Zosyn" in f.source
    c = one(seed, "COMBINATION_DOSE_EXPRESSION", "warning", drug="piperacillin-tazobactam")
    assert "total" in c.message


def test_seed_trastuzumab_two_units(seed, seed_with_patient):
    f = one(seed, "UNIT_AMBIGUOUS", "warning", treatment="thp", drug="trastuzumab")
    assert "8 mg/kg" in f.message and "a weight is needed" in f.message
    g = one(seed_with_patient, "UNIT_AMBIGUOUS", "warning", treatment="thp", drug="trastuzumab")
    assert "496 mg at 62 kg" in g.message
    assert "not 8 mg" in g.message
    assert "ISMP" in g.source


def test_seed_misspelled_doxorubicin(seed):
    f = one(seed, "DRUG_NAME_MISSPELLED", "warning", treatment="ac", drug="doxorubicin")
    assert "Doxurrobicine" in f.message


def test_seed_weekly_paclitaxel_trastuzumab_x4(seed):
    f = one(seed, "COUNT_AMBIGUOUS", "warning", treatment="th")
    assert "12 doses" in f.message and "4 × 3 = 12" in f.message


def test_seed_loading_doses_confirmed(seed):
    trastuzumab = one(seed, "LOADING_CONFIRMED", "info", treatment="thp", drug="trastuzumab")
    assert "8 mg/kg" in trastuzumab.message and "2015-05" in trastuzumab.message
    assert "SmPC" in trastuzumab.source
    pertuzumab = one(seed, "LOADING_CONFIRMED", "info", treatment="thp", drug="pertuzumab")
    assert "840 mg" in pertuzumab.message
    assert not find(seed, "LOADING_MISSING") and not find(seed, "UNEXPECTED_LOADING")


def test_seed_anthracycline_ledger(seed):
    f = one(seed, "ANTHRACYCLINE_CUMULATIVE", "info")
    assert "240 mg/m²" in f.message and "450 mg/m²" in f.message
    assert "standard dose assumed" in f.message  # the report gives no dose
    assert "450" in f.source


def test_seed_lvef_premedication_and_missing_data(seed, seed_with_patient):
    lvef = one(seed, "LVEF_BASELINE", "info")
    assert "65%" in lvef.message and "2016-04-19" in lvef.message
    premed = one(seed, "PREMEDICATION_MISSING", "warning", drug="docetaxel")
    assert "dexamethasone" in premed.message
    missing = one(seed, "PATIENT_DATA_MISSING", "info")
    assert "--height" in missing.message
    assert not find(seed_with_patient, "PATIENT_DATA_MISSING")


def test_seed_no_finding_is_lost_and_every_finding_has_a_source(seed):
    for f in seed.findings:
        assert f.severity in ("error", "warning", "info")
        assert f.code.isupper() and f.message and f.source, f
    severities = [f.severity for f in seed.findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


# -- the seed case report (free text) ---------------------------------------------------------


@pytest.fixture(scope="module")
def seed_text():
    return api.check_course(None, text_file=str(SEED_TEXT), **PATIENT)


def test_seed_text_gives_the_same_errors(seed, seed_text):
    assert (
        codes(seed_text, "error")
        == codes(seed, "error")
        == ["FREQUENCY_IMPLAUSIBLE", "FREQUENCY_IMPLAUSIBLE", "UNIT_IMPLAUSIBLE"]
    )


def test_seed_text_findings(seed_text):
    typo = one(seed_text, "TERM_TYPO", "info")
    assert "Ki57" in typo.message and "Ki-67" in typo.message
    for code in (
        "DRUG_NAME_MISSPELLED",
        "COUNT_AMBIGUOUS",
        "UNIT_AMBIGUOUS",
        "COMBINATION_DOSE_EXPRESSION",
        "PREMEDICATION_MISSING",
    ):
        assert find(seed_text, code), code
    assert "496 mg" in one(seed_text, "UNIT_AMBIGUOUS", "warning").message
    assert {f.drug for f in find(seed_text, "LOADING_CONFIRMED")} == {"trastuzumab", "pertuzumab"}
    assert "240 mg/m²" in one(seed_text, "ANTHRACYCLINE_CUMULATIVE", "info").message
    assert "65%" in one(seed_text, "LVEF_BASELINE", "info").message
    assert seed_text.extracted  # what was read is shown


# -- the corrected course --------------------------------------------------------------------


@pytest.fixture(scope="module")
def corrected():
    return check(CASES / "seed-corrected.yaml")


def test_corrected_seed_has_no_error(corrected):
    assert corrected.error_count == 0, [
        f.as_dict() for f in corrected.findings if f.severity == "error"
    ]


def test_corrected_seed_keeps_only_the_furosemide_warning(corrected):
    # Furosemide 20 mg every 6 hours is the course as given; the label gives
    # it once or twice daily, so this one warning is legitimate.
    warnings = [(f.code, f.drug) for f in corrected.findings if f.severity == "warning"]
    assert warnings == [("FREQUENCY_UNUSUAL", "furosemide")]


def test_corrected_seed_notes(corrected):
    assert not find(corrected, "ISMP_SPACING")
    assert not find(corrected, "PREMEDICATION_MISSING")
    assert not find(corrected, "PATIENT_DATA_MISSING")
    assert {f.treatment for f in find(corrected, "DATES_CONSISTENT")} == {"ac", "th", "thp"}
    reload = one(corrected, "LOADING_CONFIRMED", "info", treatment="thp", drug="trastuzumab")
    assert "246 days since the last trastuzumab (2015-05-18)" in reload.message
    first = one(corrected, "LOADING_CONFIRMED", "info", treatment="th", drug="trastuzumab")
    assert "first trastuzumab dose" in first.message
    assert "not documented" not in first.message  # nothing came before it
    assert "240 mg/m²" in one(corrected, "ANTHRACYCLINE_CUMULATIVE", "info").message


def test_corrected_seed_lvef_baseline_is_the_last_value_before_each_line(corrected):
    # Herceptin US PI 2.2: the baseline is the LVEF before the line starts.
    # 64% (2014-03-17) precedes the neoadjuvant line; THP (2016-01-19),
    # 8 months after adjuvant trastuzumab ended, is a new line whose
    # baseline is 65% measured that day.
    baselines = find(corrected, "LVEF_BASELINE")
    assert [("64%" in f.message, "65%" in f.message) for f in baselines] == [
        (True, False),
        (False, True),
    ]
    assert all(f.severity == "info" for f in baselines)
    assert not find(corrected, "LVEF_MONITORED") and not find(corrected, "LVEF_DECLINE")


# -- one planted error per rule --------------------------------------------------------------

# file, code, severity, treatment, drug, words the message must contain
PLANTED = [
    ("wrong-basis", "WRONG_BASIS", "error", "thp", "trastuzumab", ["'8 mg/m2'", "per kg"]),
    ("docetaxel-grams", "UNIT_IMPLAUSIBLE", "error", "thp", "docetaxel", ["75 g/m2", "1000 times"]),
    (
        "docetaxel-micro",
        "UNIT_IMPLAUSIBLE",
        "error",
        "thp",
        "docetaxel",
        ["0.075 mg/m2", "1000 times"],
    ),
    (
        "supportive-milligrams",
        "UNIT_IMPLAUSIBLE",
        "error",
        "antibiotics",
        "piperacillin-tazobactam",
        ["1000 times", "4 g / 0.5 g every 6 hours"],
    ),
    (
        "reload-missing",
        "LOADING_MISSING",
        "error",
        "thp",
        "trastuzumab",
        ["8 mg/kg is due", "315 days", "2019-01-21"],
    ),
    (
        "unexpected-loading",
        "UNEXPECTED_LOADING",
        "warning",
        "h-adjuvant",
        "trastuzumab",
        ["maintenance dose is expected"],
    ),
    (
        "administrations-gap",
        "LOADING_MISSING",
        "error",
        "thp",
        "trastuzumab",
        ["2020-05-04", "42 days", "8 mg/kg"],
    ),
    (
        "administrations-reload",
        "UNEXPECTED_LOADING",
        "warning",
        "thp",
        "pertuzumab",
        ["2020-03-23", "21 days"],
    ),
    (
        "docetaxel-four-cycles",
        "CYCLES_BELOW_MINIMUM",
        "error",
        "thp",
        None,
        ["4 cycles", "minimum of 6"],
    ),
    (
        "trastuzumab-two-years",
        "DURATION_EXCEEDED",
        "error",
        "h-adjuvant",
        "trastuzumab",
        ["52 weeks"],
    ),
    ("misspelled", "DRUG_NAME_MISSPELLED", "warning", "thp", "docetaxel", ["Docetaxell"]),
    ("unknown-drug", "NOT_UNDERSTOOD", "warning", "thp", None, ["zorbitumab", "not checked"]),
    ("dose-not-understood", "NOT_UNDERSTOOD", "warning", "thp", "pertuzumab", ["one vial"]),
    ("frequency-not-understood", "NOT_UNDERSTOOD", "warning", "thp", None, ["as per protocol"]),
    (
        "frequency-tiw",
        "FREQUENCY_IMPLAUSIBLE",
        "error",
        "thp",
        None,
        ["three times a week", "every 3 weeks"],
    ),
    ("dates-do-not-fit", "DATES_INCONSISTENT", "warning", "thp", None, ["8 cycles", "2020-05-15"]),
    (
        "anthracycline-over-limit",
        "ANTHRACYCLINE_CUMULATIVE",
        "error",
        None,
        "doxorubicin",
        ["480 mg/m²", "450 mg/m²"],
    ),
    # Not documenting an LVEF harms no one by itself: a reminder (note).
    ("lvef-missing", "LVEF_MISSING", "info", "thp", "trastuzumab", ["baseline LVEF"]),
    ("lvef-low", "LVEF_LOW", "warning", "thp", "trastuzumab", ["45%", "below 50%"]),
    # 68% -> 51% on 2022-11-28 is 17 points; THP goes on to 2022-12-19: given
    # after a fall the label withholds for, an error.
    (
        "lvef-decline",
        "LVEF_DECLINE",
        "error",
        "thp",
        "trastuzumab",
        ["68%", "51%", "17 points", "given after"],
    ),
    (
        "premedication-missing",
        "PREMEDICATION_MISSING",
        "warning",
        "thp",
        "docetaxel",
        ["dexamethasone"],
    ),
    ("unit-ambiguous", "UNIT_AMBIGUOUS", "warning", "thp", "trastuzumab", ["440 mg at 55 kg"]),
    ("dose-differs", "DOSE_DIFFERS", "warning", "thp", "docetaxel", ["50 mg/m2", "75 mg/m²"]),
    ("count-ambiguous", "COUNT_AMBIGUOUS", "warning", "th", None, ["12 doses"]),
    # 70 -> 66 kg is -5.7% (under the 10% threshold); 70 -> 62.5 kg is -10.7%: one warning, against the first weight.
    (
        "weight-changed",
        "WEIGHT_CHANGED",
        "warning",
        None,
        None,
        ["70 kg on 2020-03-02", "62.5 kg on 2020-05-25", "-10.7%"],
    ),
]

# Other findings a planted case legitimately carries (no case has an error
# other than its planted one).
ALSO = {
    "anthracycline-over-limit": {("CYCLE_COUNT_DIFFERS", "warning")},
    "supportive-milligrams": {("COMBINATION_DOSE_EXPRESSION", "warning")},
    # Weekly paclitaxel documented without its premedication (regimen data:
    # dexamethasone, diphenhydramine and an H2 blocker, Taxol label).
    "unexpected-loading": {("PREMEDICATION_MISSING", "warning")},
    "trastuzumab-two-years": {("PREMEDICATION_MISSING", "warning")},
    "count-ambiguous": {("PREMEDICATION_MISSING", "warning")},
}


@pytest.mark.parametrize(
    "name, code, severity, treatment, drug, words", PLANTED, ids=[p[0] for p in PLANTED]
)
def test_planted_error(name, code, severity, treatment, drug, words):
    report = check(CASES / f"{name}.yaml")
    f = one(report, code, severity, treatment=treatment, drug=drug)
    for word in words:
        assert word in f.message, (word, f.message)
    assert f.source
    other_errors = [g.code for g in report.findings if g.severity == "error" and g is not f]
    assert other_errors == [], other_errors
    others = {(g.code, g.severity) for g in report.findings if g.severity != "info" and g is not f}
    assert others <= ALSO.get(name, set()), others


def test_every_planted_case_is_used():
    files = {p.stem for p in CASES.glob("*.yaml")} - {"seed-corrected"}
    assert files == {p[0] for p in PLANTED}


def test_a_correct_thp_line_has_no_warning():
    # docetaxel-four-cycles with 6 cycles: the same course written correctly.
    text = (CASES / "docetaxel-four-cycles.yaml").read_text(encoding="utf-8")
    text = text.replace("cycles: 4 cycles", "cycles: 6 cycles").replace(
        "end: 2020-05-04", "end: 2020-06-15"
    )
    path = CASES.parent / "tmp-correct-thp.yaml"
    try:
        path.write_text(text, encoding="utf-8")
        report = check(path)
    finally:
        path.unlink()
    assert [f.code for f in report.findings if f.severity != "info"] == []


def test_the_anthracycline_limit_follows_the_policy(tmp_path):
    # 240 mg/m² is 53% of 450 (info); planted 480 mg/m² is an error.
    report = check(CASES / "anthracycline-over-limit.yaml", policy="standard")
    assert "107%" in one(report, "ANTHRACYCLINE_CUMULATIVE", "error").message


def test_combination_written_with_both_units_is_not_flagged():
    report = check(CASES / "seed-corrected.yaml")
    assert not find(report, "COMBINATION_DOSE_EXPRESSION")
    assert not find(report, "UNIT_IMPLAUSIBLE")


# -- the command line --------------------------------------------------------------------------


def test_cli_exit_1_when_errors():
    result = run("check", str(SEED_YAML))
    assert result.code == 1
    assert "3 error(s)" in result.out
    assert result.err.strip() == "Error: the check found 3 error(s)"
    assert "Traceback" not in result.out + result.err


def test_cli_exit_0_for_the_corrected_case():
    result = run("check", str(CASES / "seed-corrected.yaml"))
    assert result.code == 0, result.err
    assert "0 error(s)" in result.out
    assert result.err == ""


def test_cli_txt_file_is_read_as_text():
    result = run("check", str(SEED_TEXT))
    assert result.code == 1
    assert "Read from the text:" in result.out and "TERM_TYPO" in result.out


def test_cli_json_contract():
    result = run("check", str(SEED_YAML), "--height", "165", "--weight", "62", "--format", "json")
    assert result.code == 1
    data = json.loads(result.out)
    assert set(data) >= {"case", "policy", "summary", "identified", "findings"}
    assert data["summary"] == {
        "error": 3,
        "warning": sum(1 for f in data["findings"] if f["severity"] == "warning"),
        "info": sum(1 for f in data["findings"] if f["severity"] == "info"),
    }
    for f in data["findings"]:
        assert set(f) == {"severity", "code", "treatment", "drug", "message", "source"}
        assert f["severity"] in ("error", "warning", "info")
    ambiguous = [f for f in data["findings"] if f["code"] == "UNIT_AMBIGUOUS"]
    assert "496 mg" in ambiguous[0]["message"]
    thp = next(i for i in data["identified"] if i["treatment"] == "thp")
    assert thp["regimen"] == "thp" and thp["phase"] == "THP"
    assert thp["drugs"] == {
        "Docetaxel": "docetaxel",
        "Trastuzumab": "trastuzumab",
        "Pertuzumab": "pertuzumab",
    }


def test_cli_json_for_text_lists_what_was_extracted():
    result = run("check", "--text", str(SEED_TEXT), "--format", "json")
    data = json.loads(result.out)
    drugs = [d["drug"] for s in data["extracted"] for d in s["drugs"]]
    assert {
        "doxorubicin",
        "docetaxel",
        "trastuzumab",
        "pertuzumab",
        "piperacillin-tazobactam",
    } <= set(drugs)


def test_cli_csv():
    result = run("check", str(SEED_YAML), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == ["severity", "code", "treatment", "drug", "message", "source"]
    assert sum(1 for r in rows if r["severity"] == "error") == 3
    assert {"FREQUENCY_IMPLAUSIBLE", "UNIT_IMPLAUSIBLE", "UNIT_AMBIGUOUS"} <= {
        r["code"] for r in rows
    }


# Values that cannot be read at all (a hand-written file's forgivable forms,
# such as "sex: femme" or "19/01/2016", are read: tests/checker/test_case_input.py).
BAD_CASE = """\
schema_version: 1
id: bad
title: A case with several mistakes
patient:
  sex: unknown
  age: 400
  lvef:
    - {date: 2016-01-19, value: high}
treatments:
  - id: thp
    regimen: THP
    start: sometime in spring
    frequency: every 3 weeks
    cycles: 8
    colour: red
    drugs:
      - {drug: docetaxel, dose: 75 mg/m2}
  - id: thp-2
    regimen: THP
    start: 2016-02
    end: 2016-01-01
    frequency: null
    cycles: null
    drugs: []
"""


def test_cli_malformed_case_lists_every_problem_with_file_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_CASE, encoding="utf-8")
    result = run("check", str(path))
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("Error: ")
    lines[0] = lines[0][len("Error: ") :]
    expected = {
        5: "patient.sex",
        6: "patient.age",
        8: "patient.lvef[0].value",
        12: "treatments[0].start",
        21: "treatments[1].end",
        24: "treatments[1].drugs",
    }
    seen = {}
    for line in lines:
        where, field_path, _message = line.split(": ", 2)
        filename, number = where.rsplit(":", 1)
        assert filename == str(path)
        assert int(number) not in seen, ("one message per problem", lines)
        seen[int(number)] = field_path
    assert seen == expected, lines


def test_cli_missing_case_file_is_one_line():
    result = run("check", "no-such-case.yaml")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "no-such-case.yaml" in lines[0]
    assert "Traceback" not in result.err


def test_cli_not_yaml_is_one_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("schema_version: 1\npatient: [unclosed\n", encoding="utf-8")
    result = run("check", str(path))
    assert result.code == 2
    assert result.err.startswith(f"Error: {path}:")
    assert "Traceback" not in result.err


def test_cli_height_without_weight_is_refused():
    result = run("check", str(SEED_YAML), "--height", "165")
    assert result.code == 2
    assert "both --height and --weight" in result.err


def test_cli_needs_a_case_or_a_text():
    result = run("check")
    assert result.code == 2
    assert "Traceback" not in result.err


@pytest.mark.parametrize("written", ["TIW", "tiw", "3x/week", "three times weekly"])
def test_error_prone_frequency_abbreviations_are_reported_not_crashed(tmp_path, written):
    text = (
        (CASES / "frequency-tiw.yaml")
        .read_text(encoding="utf-8")
        .replace("frequency: three times a week", f"frequency: {written}")
    )
    path = tmp_path / "tiw.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("check", str(path), "--format", "json")
    assert result.code == 1, result.err
    found = [f for f in json.loads(result.out)["findings"] if f["code"] == "FREQUENCY_IMPLAUSIBLE"]
    assert len(found) == 1 and found[0]["severity"] == "error"
    if written.lower() == "tiw":
        assert "ISMP" in found[0]["message"]


def test_a_frequency_written_with_one_regimen_drug_is_checked(tmp_path):
    text = (
        (CASES / "misspelled.yaml")
        .read_text(encoding="utf-8")
        .replace("{drug: Docetaxell, dose: 75 mg/m2}", "{drug: docetaxel, dose: 75 mg/m2 weekly}")
    )
    path = tmp_path / "weekly-docetaxel.yaml"
    path.write_text(text, encoding="utf-8")
    report = check(path)
    errors = [(f.code, f.drug) for f in report.findings if f.severity == "error"]
    assert errors == [("FREQUENCY_IMPLAUSIBLE", "docetaxel")]
    assert "weekly" in find(report, "FREQUENCY_IMPLAUSIBLE")[0].message


def test_every_code_the_checker_emits_is_documented():
    import re

    sources = [
        *sorted((ROOT / "dosecalc" / "checker").rglob("*.py")),
        ROOT / "dosecalc" / "case.py",
    ]
    emitted = set()
    for path in sources:
        emitted |= set(
            re.findall(
                r'(?:"(?:error|warning|info)"|severity),\s*"([A-Z_]+)"',
                path.read_text(encoding="utf-8"),
            )
        )
    doc = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", doc, flags=re.M))
    assert emitted and emitted == documented, (emitted - documented, documented - emitted)


def test_latest_dated_measurements_complete_a_case_without_height_and_weight():
    report = check(CASES / "weight-changed.yaml")
    assert report.patient is not None
    assert (report.patient.height_cm, report.patient.weight_kg) == (165, 62.5)


def test_measurement_without_unit_is_a_file_error(tmp_path):
    from dosecalc.case import load_case_file
    from dosecalc.errors import DataFileError

    text = (CASES / "weight-changed.yaml").read_text().replace("value: 66 kg}", "value: 66}")
    path = tmp_path / "case.yaml"
    path.write_text(text)
    with pytest.raises(DataFileError) as caught:
        load_case_file(path)
    assert any(
        p.path == "patient.measurements[2].value" and "unit" in p.message
        for p in caught.value.problems
    )
