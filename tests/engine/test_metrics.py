"""Patient metrics against the clinical reference's worked figures.

Every expected value here comes from clinical-reference.md (sections 1-3) or
from the published formula written out by hand in the test, never from the
engine's own output.
"""

from __future__ import annotations

import math

import pytest

from dosecalc import metrics
from dosecalc.errors import InputError
from dosecalc.model import Patient
from dosecalc.patient import body_surface_area, dosing_weight

# -- BSA: the reference's case woman, 165 cm and 62 kg ------------------------

CASE_WOMAN_BSA = {
    "mosteller": 1.6857,
    "dubois": 1.6819,
    "haycock": 1.6902,
    "gehan-george": 1.6989,
    "boyd": 1.7015,
    "fujimoto": 1.6390,
    "takahira": 1.6953,
}


@pytest.mark.parametrize(("formula", "expected"), sorted(CASE_WOMAN_BSA.items()))
def test_bsa_formulas_case_woman(formula, expected):
    function, _expression = metrics.BSA_FORMULAS[formula]
    # The reference prints 4 decimals: the value must round to it.
    assert function(165, 62) == pytest.approx(expected, abs=0.00005)


def test_schlich_female_case_woman():
    assert metrics.bsa_schlich(165, 62, "female") == pytest.approx(1.6166, abs=0.00005)


def test_schlich_male_uses_the_male_coefficients():
    # Schlich M: 0.000579479 × W^0.38 × H^1.24, written out by hand.
    by_hand = 0.000579479 * 62**0.38 * 165**1.24
    assert metrics.bsa_schlich(165, 62, "male") == pytest.approx(by_hand, rel=1e-12)
    # Swapped sexes, or the mistyped male coefficient, are known public bugs.
    assert metrics.bsa_schlich(165, 62, "male") != pytest.approx(
        metrics.bsa_schlich(165, 62, "female"), rel=1e-3
    )
    mistyped = 0.000578848 * 62**0.38 * 165**1.24
    assert metrics.bsa_schlich(165, 62, "male") != pytest.approx(mistyped, rel=1e-4)


def test_bsa_through_patient_for_every_formula():
    patient = Patient(165.0, 62.0, sex="female")
    for formula, expected in CASE_WOMAN_BSA.items():
        result = body_surface_area(patient, formula)
        assert result.value_m2 == pytest.approx(expected, abs=0.00005), formula
        assert result.formula == formula
    assert body_surface_area(patient, "schlich").value_m2 == pytest.approx(1.6166, abs=0.00005)


def test_schlich_without_sex_is_refused():
    with pytest.raises(InputError, match="sex"):
        body_surface_area(Patient(165.0, 62.0), "schlich")


def test_unknown_formula_is_refused():
    with pytest.raises(InputError, match="unknown BSA formula"):
        body_surface_area(Patient(165.0, 62.0), "mostellar")


# -- BSA at the extremes --------------------------------------------------------


def test_obese_woman_spread_schlich_to_boyd():
    # 160 cm, 120 kg woman: 2.12 m² (Schlich) to 2.41 m² (Boyd), a 14% spread.
    values = {
        name: f(160, 120) for name, (f, _) in metrics.BSA_FORMULAS.items() if name != "schlich"
    }
    values["schlich"] = metrics.bsa_schlich(160, 120, "female")
    assert round(values["schlich"], 2) == 2.12
    assert round(values["boyd"], 2) == 2.41
    assert min(values, key=values.get) == "schlich"
    assert max(values, key=values.get) == "boyd"
    assert round((values["boyd"] - values["schlich"]) / values["schlich"] * 100) == 14


def test_tall_thin_man_dubois_and_takahira_exceed_mosteller():
    # 195 cm, 65 kg man: Du Bois and Takahira exceed Mosteller by 3-4%.
    mosteller = math.sqrt(195 * 65 / 3600)
    for name in ("dubois", "takahira"):
        function, _ = metrics.BSA_FORMULAS[name]
        excess = (function(195, 65) - mosteller) / mosteller * 100
        assert 3 <= round(excess) <= 4, (name, excess)


def test_mosteller_written_out():
    assert metrics.bsa_mosteller(190, 110) == pytest.approx(math.sqrt(190 * 110 / 3600), rel=1e-12)
    assert round(metrics.bsa_mosteller(190, 110), 2) == 2.41


# -- Pitfall values that must never be produced --------------------------------


def test_boyd_pitfalls_are_not_reproduced():
    boyd = metrics.bsa_boyd(165, 62)
    # kg in the grams slot: 0.0003207 × H^0.3 × W_kg^(0.7285 − 0.0188 log10 W_kg)
    kg_slot = 0.0003207 * 165**0.3 * 62 ** (0.7285 - 0.0188 * math.log10(62))
    # natural log in place of log10, weight in grams
    natural_log = 0.0003207 * 165**0.3 * 62000 ** (0.7285 - 0.0188 * math.log(62000))
    assert round(kg_slot, 3) == 0.026  # the reference's figure for the bug
    assert round(natural_log, 2) == 0.47
    assert boyd != pytest.approx(kg_slot, abs=0.01)
    assert boyd != pytest.approx(natural_log, abs=0.01)
    assert boyd == pytest.approx(1.7015, abs=0.00005)


def test_dubois_mistyped_coefficient_is_not_reproduced():
    mistyped = 0.0087184 * 62**0.425 * 165**0.725
    assert mistyped / metrics.bsa_dubois(165, 62) == pytest.approx(1.21, abs=0.005)  # +21%
    assert metrics.bsa_dubois(165, 62) == pytest.approx(1.6819, abs=0.00005)
    _, expression = metrics.BSA_FORMULAS["dubois"]
    assert "0.007184" in expression and "0.0087184" not in expression


# -- Body-weight descriptors -----------------------------------------------------


def test_devine_ibw_below_60_inches_extrapolates():
    # 150 cm woman: 45.5 + 2.3 × (150 / 2.54 − 60) = 43.33 kg
    assert metrics.ideal_body_weight(150, "female") == pytest.approx(43.33, abs=0.005)


def test_devine_ibw_man_written_out():
    assert metrics.ideal_body_weight(180, "male") == pytest.approx(
        50 + 2.3 * (180 / 2.54 - 60), rel=1e-12
    )


def test_adjusted_body_weight_factor_04():
    ibw = 45.5 + 2.3 * (160 / 2.54 - 60)
    assert metrics.adjusted_body_weight(ibw, 100) == pytest.approx(
        ibw + 0.4 * (100 - ibw), rel=1e-12
    )
    assert metrics.adjusted_body_weight(ibw, 100) == pytest.approx(71.43, abs=0.005)


def test_dosing_weight_choices_and_the_devine_note():
    tall = Patient(160.0, 100.0, sex="female")
    ibw = 45.5 + 2.3 * (160 / 2.54 - 60)
    assert dosing_weight(tall, "actual")[0] == 100.0
    assert dosing_weight(tall, "ideal")[0] == pytest.approx(ibw)
    assert dosing_weight(tall, "adjusted")[0] == pytest.approx(ibw + 0.4 * (100 - ibw))
    # BMI 39 >= 25: adjusted; a BMI under 25 keeps actual weight.
    assert dosing_weight(tall, "adjusted_if_bmi_25")[0] == pytest.approx(ibw + 0.4 * (100 - ibw))
    assert dosing_weight(Patient(165.0, 62.0, sex="female"), "adjusted_if_bmi_25")[0] == 62.0
    short = Patient(150.0, 60.0, sex="female")
    assert "extrapolated" in dosing_weight(short, "ideal")[1]


# -- Renal function and carboplatin --------------------------------------------


@pytest.mark.parametrize(
    ("weight_kind", "expected"),
    [("actual", 106), ("ideal", 56), ("adjusted", 76)],
)
def test_cockcroft_gault_weight_choice_obese_woman(weight_kind, expected):
    # 160 cm, 100 kg woman aged 50, SCr 1.0 mg/dL (cg_weight_choice_obese_F_160_100).
    patient = Patient(160.0, 100.0, sex="female", age_years=50, scr_mg_dl=1.0)
    weight, _ = dosing_weight(patient, weight_kind)
    assert round(metrics.cockcroft_gault(50, weight, 1.0, "female")) == expected


def test_cockcroft_gault_written_out():
    # (140 − age) × W / (72 × SCr), × 0.85 for a woman
    assert metrics.cockcroft_gault(65, 80, 1.2, "male") == pytest.approx(
        (140 - 65) * 80 / (72 * 1.2), rel=1e-12
    )
    assert metrics.cockcroft_gault(65, 80, 1.2, "female") == pytest.approx(
        (140 - 65) * 80 / (72 * 1.2) * 0.85, rel=1e-12
    )


def test_calvert_auc5_gfr90():
    assert metrics.calvert(5, 90) == pytest.approx(575)


def test_calvert_is_not_the_clinpk_variant():
    # AUC × (1.2 × GFR + 20) is a known public mistake.
    assert metrics.calvert(5, 90) != pytest.approx(5 * (1.2 * 90 + 20))


@pytest.mark.parametrize(("auc", "maximum"), [(6, 900), (5, 750), (4, 600)])
def test_fda_maximum_dose_at_gfr_cap_125(auc, maximum):
    assert metrics.calvert(auc, 125) == pytest.approx(maximum)


def test_creatinine_conversion_constant():
    assert metrics.CREATININE_UMOL_PER_MG_DL == 88.4
