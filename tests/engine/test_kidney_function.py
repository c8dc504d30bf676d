"""Carboplatin kidney function: the policy names its method, and the uncapped
route is only for a measured GFR or a BSA-de-indexed CKD-EPI eGFR (ADDIKD).

CKD-EPI 2021 (Inker 2021, race-free), written out by hand in each test:
142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 if female;
κ 0.7 F / 0.9 M; α −0.241 F / −0.302 M; then × BSA / 1.73 for mL/min.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import api, metrics
from dosecalc.cli import cli
from dosecalc.errors import CalculationError, DataFileError, InputError, UnitError
from dosecalc.policy import find_policy, load_policy_file

YOUNG_WOMAN = {
    "height": "165 cm",
    "weight": "70 kg",
    "sex": "female",
    "age": 25,
    "scr": "0.5 mg/dL",
}


def carboplatin(report):
    return next(line for line in report.lines if line.drug == "carboplatin")


def test_ckd_epi_2021_against_published_worked_values():
    # A worked example on a calculator page: a 55-year-old woman with SCr 0.9 mg/dL has
    # "about 76" mL/min/1.73 m² (from rounded intermediates: 1.29^-1.2 ≈ 0.745, 0.9938^55 ≈
    # 0.711). Unrounded: 142 × (0.9/0.7)^-1.2 × 0.9938^55 × 1.012 = 142 × 0.7397 × 0.7103
    # × 1.012 = 75.5.
    assert metrics.ckd_epi_2021(55, 0.9, "female") == pytest.approx(75.5, abs=0.05)
    assert abs(metrics.ckd_epi_2021(55, 0.9, "female") - 76) < 1
    # Clinical reference 3.3: a 40-year-old woman, SCr 0.8 mg/dL, 95.46 mL/min/1.73 m²;
    # de-indexed with her Mosteller BSA 1.6857 m², 93.02 mL/min.
    indexed = metrics.ckd_epi_2021(40, 0.8, "female")
    assert indexed == pytest.approx(95.46, abs=0.01)
    assert metrics.deindex_gfr(indexed, 1.6857) == pytest.approx(93.02, abs=0.01)


def test_young_woman_no_longer_gets_an_uncapped_cockcroft_gault_dose():
    report = api.dose_course(
        "tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", **YOUNG_WOMAN
    )
    line = carboplatin(report)
    # The old route: Cockcroft-Gault uncapped, (140 − 25) × 70 / (72 × 0.5) × 0.85 = 190.1 mL/min,
    # AUC 6 × 215.1 = 1,290 mg, 43% over the 900 mg an FDA-capped GFR allows.
    old = 6 * ((140 - 25) * 70 / (72 * 0.5) * 0.85 + 25)
    assert round(old) == 1290
    # The ADDIKD route: CKD-EPI 2021 for a woman (κ 0.7, α −0.241), SCr/κ = 0.714 < 1, so
    # the max() term is 1: 142 × 0.714^−0.241 × 0.9938^25 × 1.012 = 133.4 mL/min/1.73 m².
    indexed = 142 * (0.5 / 0.7) ** -0.241 * 0.9938**25 * 1.012
    assert indexed == pytest.approx(133.4, abs=0.05)
    # Du Bois BSA (the policy's formula, 2 decimals): 0.007184 × 70^0.425 × 165^0.725 = 1.77 m².
    bsa = round(0.007184 * 70**0.425 * 165**0.725, 2)
    assert bsa == 1.77
    absolute = indexed * bsa / 1.73  # 136.5 mL/min, not capped (ADDIKD)
    assert line.metric_value == pytest.approx(absolute)
    assert line.calculated_mg == pytest.approx(6 * (absolute + 25))
    assert line.final_mg == 969
    derivation = "\n".join(line.derivation)
    assert "kidney function: ckd-epi-2021" in derivation
    assert "0.9938^25" in derivation and "min(0.5/0.7, 1)^-0.241" in derivation
    assert "1.77 m²" in derivation and "/ 1.73" in derivation
    assert "GFR not capped" in derivation


def test_measured_gfr_is_preferred_when_given():
    report = api.dose_course(
        "tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", gfr="95 mL/min", **YOUNG_WOMAN
    )
    line = carboplatin(report)
    assert line.final_mg == 6 * (95 + 25)  # 720 mg
    assert "GFR measured: 95 mL/min" in "\n".join(line.derivation)


def test_measured_gfr_above_125_is_not_capped_under_addikd():
    report = api.dose_course(
        "tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", gfr="140 mL/min", **YOUNG_WOMAN
    )
    assert carboplatin(report).final_mg == 6 * (140 + 25)  # 990 mg


def test_measured_gfr_needs_no_creatinine():
    patient = {"height": "165 cm", "weight": "70 kg", "gfr": "80 mL/min"}
    report = api.dose_course("tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", **patient)
    assert carboplatin(report).final_mg == 6 * (80 + 25)  # 630 mg


def test_a_measured_gfr_under_a_cockcroft_gault_policy_is_refused_not_ignored():
    with pytest.raises(CalculationError, match="does not take a measured GFR"):
        api.dose_course("tch", cycle=1, phase="TCH", gfr="95 mL/min", **YOUNG_WOMAN)


@pytest.mark.parametrize(
    ("gfr", "error", "words"),
    [
        ("95 mL/min/1.73m2", InputError, "indexed to 1.73"),
        ("95", UnitError, "needs a unit"),
        ("95 mg", UnitError, "95 mg"),
        ("0 mL/min", InputError, "more than zero"),
    ],
)
def test_bad_measured_gfr_is_a_one_line_error(gfr, error, words):
    with pytest.raises(error, match=words):
        api.dose_course(
            "tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", gfr=gfr, **YOUNG_WOMAN
        )


def test_ckd_epi_without_age_names_what_is_missing():
    patient = dict(YOUNG_WOMAN, age=None)
    with pytest.raises(CalculationError, match=r"--age for CKD-EPI 2021 \(or --gfr\)"):
        api.dose_course("tch", policy="capped-bsa-no-gfr-cap", cycle=1, phase="TCH", **patient)


def _policy_text() -> str:
    return Path(find_policy("standard").path or "").read_text(encoding="utf-8")


def test_uncapped_cockcroft_gault_is_refused_on_load(tmp_path):
    text = _policy_text().replace("gfr_cap: 125 mL/min", "gfr_cap: null")
    path = tmp_path / "uncapped-cg.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="uncapped Cockcroft-Gault is refused"):
        load_policy_file(path)


def test_unknown_kidney_method_is_refused_on_load(tmp_path):
    text = _policy_text().replace("kidney_function: cockcroft-gault", "kidney_function: mdrd")
    path = tmp_path / "mdrd.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="kidney_function"):
        load_policy_file(path)


def test_policies_print_their_kidney_method():
    standard = "\n".join(find_policy("standard").summary_lines())
    assert (
        "Cockcroft-Gault with actual weight, no minimum SCr, GFR capped at 125 mL/min" in standard
    )
    addikd = "\n".join(find_policy("capped-bsa-no-gfr-cap").summary_lines())
    assert "measured GFR (--gfr), else CKD-EPI 2021 eGFR de-indexed by BSA / 1.73" in addikd
    assert "GFR not capped" in addikd and "ADDIKD" in addikd


def test_cli_end_to_end_explains_method_and_inputs():
    result = CliRunner().invoke(
        cli,
        [
            "dose",
            "tch",
            "--policy",
            "capped-bsa-no-gfr-cap",
            "--sex",
            "female",
            "--age",
            "25",
            "--scr",
            "0.5 mg/dL",
            "--height",
            "165 cm",
            "--weight",
            "70 kg",
            "--phase",
            "TCH",
            "--cycle",
            "1",
            "--explain",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "969 mg" in result.output
    assert "eGFR (CKD-EPI 2021, race-free)" in result.output
    assert "1290" not in result.output and "1,290" not in result.output


def test_calendar_takes_a_measured_gfr():
    report = api.calendar_course(
        "tch",
        "2016-01-04",
        cycles=1,
        policy="capped-bsa-no-gfr-cap",
        gfr="95 mL/min",
        **YOUNG_WOMAN,
    )
    doses = [
        line.dose.final_mg for line in report.lines if line.administration.drug == "carboplatin"
    ]
    assert doses == [720]


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.3, max_value=5.0),
    st.floats(min_value=0.01, max_value=1.0),
    st.integers(min_value=18, max_value=100),
    st.sampled_from(["female", "male"]),
)
def test_ckd_epi_falls_as_creatinine_rises(scr, step, age, sex):
    assert metrics.ckd_epi_2021(age, scr + step, sex) < metrics.ckd_epi_2021(age, scr, sex)
