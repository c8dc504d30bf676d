"""Doses against hand-worked figures: the case woman (165 cm, 62 kg), the BSA
cap example, rounding rules, the order modification -> cap -> rounding, and
carboplatin by Calvert."""

from __future__ import annotations

import math

import pytest
from regimen_factory import carboplatin_auc, vincristine_like, write_regimen

from dosecalc import api
from dosecalc.dosing import round_dose
from dosecalc.errors import CalculationError, InputError
from dosecalc.model import Rounding
from dosecalc.paths import shipped_dir

CASE_BSA = math.sqrt(165 * 62 / 3600)  # Mosteller, 1.6857 m²


def lines_by(report, drug, kind=None, phase=None):
    return [
        line
        for line in report.lines
        if line.drug == drug
        and (kind is None or line.kind == kind)
        and (phase is None or line.phase == phase)
    ]


def one(report, drug, kind=None, phase=None):
    found = lines_by(report, drug, kind, phase)
    assert len(found) == 1, [(line.phase, line.drug, line.kind) for line in report.lines]
    return found[0]


# -- The case woman -------------------------------------------------------------------


@pytest.fixture(scope="module")
def thp():
    return api.dose_course("thp", height="165 cm", weight="62 kg")


def test_case_bsa_is_mosteller(thp):
    assert thp.bsa.value_m2 == pytest.approx(1.6857, abs=0.00005)
    assert thp.bsa.formula == "mosteller"
    assert thp.policy.id == "standard"


def test_docetaxel_75_mg_m2(thp):
    line = one(thp, "docetaxel", phase="THP")
    assert line.calculated_mg == pytest.approx(75 * CASE_BSA, rel=1e-12)
    assert round(line.calculated_mg, 2) == 126.43
    # Standard policy: nearest 1 mg within 5% -> 126 mg.
    assert line.final_mg == 126


def test_trastuzumab_8_then_6_mg_kg(thp):
    loading = one(thp, "trastuzumab", "loading", "THP")
    assert loading.calculated_mg == pytest.approx(8 * 62)
    assert loading.final_mg == 496
    assert loading.cycles_text == "1"
    for line in lines_by(thp, "trastuzumab", "maintenance"):
        assert line.calculated_mg == pytest.approx(6 * 62)
        assert line.final_mg == 372


def test_pertuzumab_flat_840_then_420(thp):
    loading = one(thp, "pertuzumab", "loading", "THP")
    assert (loading.calculated_mg, loading.final_mg) == (840, 840)
    assert loading.metric_name == ""
    for line in lines_by(thp, "pertuzumab", "maintenance"):
        assert line.final_mg == 420


def test_pertuzumab_is_flat_whatever_the_size():
    big = api.dose_course("thp", height="190 cm", weight="110 kg")
    assert one(big, "pertuzumab", "loading", "THP").final_mg == 840


def test_ac_and_weekly_paclitaxel():
    report = api.dose_course("ac-th", height="165 cm", weight="62 kg")
    assert one(report, "doxorubicin").calculated_mg == pytest.approx(60 * CASE_BSA)  # 101.14
    assert one(report, "doxorubicin").final_mg == 101
    assert one(report, "cyclophosphamide").calculated_mg == pytest.approx(600 * CASE_BSA)  # 1011.4
    assert one(report, "cyclophosphamide").final_mg == 1011
    paclitaxel = one(report, "paclitaxel")
    assert paclitaxel.calculated_mg == pytest.approx(80 * CASE_BSA)  # 134.86
    assert paclitaxel.final_mg == 135
    # Weekly trastuzumab in TH: 4 mg/kg loading, 2 mg/kg maintenance.
    assert one(report, "trastuzumab", "loading", "TH").final_mg == 4 * 62
    assert one(report, "trastuzumab", "maintenance", "TH").final_mg == 2 * 62
    assert one(report, "trastuzumab", "maintenance", "H").final_mg == 6 * 62
    # The switch to three-weekly is not a loading dose.
    assert not lines_by(report, "trastuzumab", "loading", "H")


def test_same_dose_in_inches_and_pounds(thp):
    imperial = api.dose_course("thp", height="64.96 in", weight="136.7 lb")
    assert (
        one(imperial, "docetaxel", phase="THP").final_mg
        == one(thp, "docetaxel", phase="THP").final_mg
    )


# -- BSA cap (clinical-reference 2.1) ------------------------------------------------------


def test_bsa_cap_example_uncapped_under_standard():
    report = api.dose_course("thp", height="190 cm", weight="110 kg")
    line = one(report, "docetaxel", phase="THP")
    # Mosteller √(190 × 110 / 3600) = 2.4095 m², × 75 = 180.7 mg; no cap (ASCO).
    assert round(report.bsa.value_m2, 2) == 2.41
    assert round(line.calculated_mg, 1) == 180.7
    assert not report.bsa.capped


def test_bsa_cap_example_under_capped_policy():
    report = api.dose_course(
        "thp", height="190 cm", weight="110 kg", policy="capped-bsa-no-gfr-cap"
    )
    # This policy uses Du Bois, rounded to 2 decimals, capped at 2 m²:
    dubois = 0.007184 * 110**0.425 * 190**0.725  # 2.3771 m²
    assert round(dubois, 2) == 2.38
    assert report.bsa.formula == "dubois"
    assert report.bsa.raw_m2 == pytest.approx(dubois, rel=1e-12)
    assert report.bsa.capped and report.bsa.value_m2 == 2.0
    line = one(report, "docetaxel", phase="THP")
    assert line.final_mg == 150  # 75 mg/m² × 2 m²
    # The reference's -17% compares with the uncapped Mosteller dose.
    uncapped_mosteller = 75 * math.sqrt(190 * 110 / 3600)
    assert round((150 - uncapped_mosteller) / uncapped_mosteller * 100) == -17
    # The cap must be explicit and show its percentage: against this policy's
    # own uncapped BSA (2.38 m², 178.5 mg) the cap takes 16% off.
    text = " ".join(line.derivation)
    assert "capped at 2 m²" in text
    assert "178.5 mg" in text and "-16%" in text


def test_bsa_cap_does_not_touch_weight_based_doses():
    report = api.dose_course(
        "thp", height="190 cm", weight="110 kg", policy="capped-bsa-no-gfr-cap"
    )
    assert one(report, "trastuzumab", "loading", "THP").final_mg == 8 * 110


# -- Rounding ----------------------------------------------------------------------------------

STANDARD = Rounding("increment", increment_mg=1.0, small_increment_mg=0.1, tolerance_pct=5.0)


@pytest.mark.parametrize(
    ("mg", "expected"),
    [
        (152.5, 153),  # half-up, not banker's rounding (round(152.5) == 152)
        (151.5, 152),
        (152.49, 152),
        (126.43, 126),
        (1.15, 1.2),  # round(1.15, 1) == 1.1 in Python: half-up gives 1.2
        (2.65, 2.7),
        (4.35, 4.4),
        (2.66, 2.7),
    ],
)
def test_round_half_up(mg, expected):
    final, _ = round_dose(mg, STANDARD, None)
    assert final == pytest.approx(expected, abs=1e-9)


def test_round_to_5_mg_increment():
    five = Rounding("increment", increment_mg=5.0, small_increment_mg=0.1, tolerance_pct=5.0)
    assert round_dose(154.7, five, None)[0] == 155
    assert round_dose(727.2, five, None)[0] == 725
    assert round_dose(727.5, five, None)[0] == 730


def test_rounding_never_exceeds_tolerance():
    # 0.14 mg to the nearest 0.1 mg would be -29%: the dose is kept.
    final, note = round_dose(0.14, STANDARD, None)
    assert final == 0.14
    assert "not rounded" in note


def test_rounding_never_goes_past_a_cap():
    final, _ = round_dose(149.6, STANDARD, cap_mg=149.6)
    assert final <= 149.6
    assert final == 149


def test_no_rounding_policy():
    none = Rounding("none")
    assert round_dose(126.43, none, None)[0] == 126.43


def test_hopa_vial_rounding_direct():
    hopa = Rounding("vial", increment_mg=1.0, small_increment_mg=0.1, tolerance_pct=10.0)
    vials = (150.0, 420.0)
    final, note = round_dose(496, hopa, None, vials)
    assert final == 450  # 3 × 150 mg
    assert round((450 - 496) / 496 * 100, 1) == -9.3
    assert "3 × 150 mg" in note
    # 372 mg: 300 (-19%) and 450 (+21%) are both beyond 10%: kept.
    assert round_dose(372, hopa, None, vials)[0] == 372
    # Never to a vial multiple above the cap.
    assert round_dose(440, hopa, 445, vials)[0] <= 445


def _drug_reference_available() -> bool:
    try:
        import dosecalc.drugs  # noqa: F401
    except ImportError:
        return False
    return (shipped_dir("drugs") / "drugs.yaml").is_file()


@pytest.mark.skipif(
    not _drug_reference_available(),
    reason="drugs/drugs.yaml (trastuzumab vials) is not in the tree yet",
)
def test_hopa_vial_rounding_end_to_end():
    report = api.dose_course("thp", height="165 cm", weight="62 kg", policy="hopa-vial-10")
    assert one(report, "trastuzumab", "loading", "THP").final_mg == 450
    assert one(report, "trastuzumab", "maintenance", "THP").final_mg == 372


# -- Order of operations: modification -> cap -> rounding ----------------------------------

# 190 cm, 68.4 kg: Mosteller √(190 × 68.4 / 3600) = 1.9 m² exactly.
BSA_1_9 = {"height": "190 cm", "weight": "68.4 kg"}


def test_vincristine_cap_2_mg(tmp_path):
    vincristine_like(tmp_path)
    report = api.dose_course("vcap", **BSA_1_9, regimen_dirs=(str(tmp_path),))
    line = one(report, "vincristine")
    assert line.calculated_mg == pytest.approx(1.4 * 1.9)  # 2.66 mg
    assert line.capped and line.cap_mg == 2
    assert line.final_mg == 2


def test_reduction_then_cap(tmp_path):
    vincristine_like(tmp_path)
    report = api.dose_course(
        "vcap", **BSA_1_9, reduce=["vincristine=20%"], regimen_dirs=(str(tmp_path),)
    )
    line = one(report, "vincristine")
    # 2.66 × 0.8 = 2.128 mg, then the cap: 2 mg (capping first would give 1.6 mg).
    assert line.modified_mg == pytest.approx(2.66 * 0.8)
    assert line.capped
    assert line.final_mg == 2


def test_reduction_below_the_cap_then_rounding(tmp_path):
    vincristine_like(tmp_path)
    report = api.dose_course(
        "vcap", **BSA_1_9, reduce=["vincristine=30%"], regimen_dirs=(str(tmp_path),)
    )
    line = one(report, "vincristine")
    # 2.66 × 0.7 = 1.862 mg: under the cap, rounded to 0.1 mg -> 1.9 mg
    # (capping first would give 1.4 mg).
    assert not line.capped
    assert line.final_mg == pytest.approx(1.9)


def test_reduce_docetaxel_20_percent():
    report = api.dose_course("thp", height="165 cm", weight="62 kg", reduce=["docetaxel=20%"])
    line = one(report, "docetaxel", phase="THP")
    assert line.reduction_pct == 20
    assert line.modified_mg == pytest.approx(75 * CASE_BSA * 0.8)  # 101.14 mg
    assert line.final_mg == 101
    # Only docetaxel is reduced.
    assert one(report, "trastuzumab", "loading", "THP").final_mg == 496


@pytest.mark.parametrize(
    "item",
    ["docetaxel=20", "docetaxel", "docetaxel=0%", "docetaxel=100%", "docetaxel=abc%", "=20%"],
)
def test_bad_reductions(item):
    with pytest.raises(InputError):
        api.dose_course("thp", height="165 cm", weight="62 kg", reduce=[item])


def test_reduction_of_a_drug_not_in_the_regimen():
    with pytest.raises(InputError, match="not a drug of thp"):
        api.dose_course("thp", height="165 cm", weight="62 kg", reduce=["paclitaxel=20%"])


# -- Carboplatin by Calvert ------------------------------------------------------------------


def carboplatin_for_40_year_old_woman(tmp_path, auc: str, scr: str):
    """The carboplatin line of a one-drug regimen dosed at ``auc``, for a
    woman of 40, 165 cm, 62 kg, with creatinine ``scr``."""
    carboplatin_auc(tmp_path, auc)
    report = api.dose_course(
        "carbo",
        height="165 cm",
        weight="62 kg",
        sex="F",
        age=40,
        scr=scr,
        regimen_dirs=(str(tmp_path),),
    )
    return one(report, "carboplatin")


def test_carboplatin_auc6(tmp_path):
    line = carboplatin_for_40_year_old_woman(tmp_path, "AUC 6", "0.8 mg/dL")
    crcl = (140 - 40) * 62 / (72 * 0.8) * 0.85  # 91.49 mL/min
    assert line.metric_value == pytest.approx(crcl)
    assert line.calculated_mg == pytest.approx(6 * (crcl + 25))  # 698.96 mg
    assert line.final_mg == 699


def test_carboplatin_auc_in_mg_ml_min_is_the_same(tmp_path):
    line = carboplatin_for_40_year_old_woman(tmp_path, "6 mg/mL*min", "71 umol/L")
    crcl = (140 - 40) * 62 / (72 * (71 / 88.4)) * 0.85
    assert line.calculated_mg == pytest.approx(6 * (crcl + 25))


def test_carboplatin_gfr_cap_125(tmp_path):
    carboplatin_auc(tmp_path, "AUC 6")
    young = {
        "height": "180 cm",
        "weight": "90 kg",
        "sex": "M",
        "age": 30,
        "scr": "0.7 mg/dL",
        "regimen_dirs": (str(tmp_path),),
    }
    crcl = (140 - 30) * 90 / (72 * 0.7)  # 196.4 mL/min
    capped = one(api.dose_course("carbo", **young), "carboplatin")
    assert capped.metric_value == 125
    assert capped.final_mg == 900  # AUC 6 × 150, the FDA maximum
    assert crcl > 125  # the cap is what keeps the dose at 900 mg
    # The ADDIKD policy does not cap, but it never feeds Cockcroft-Gault uncapped: it takes
    # CKD-EPI 2021 (male: κ 0.9, α −0.302) de-indexed by the Du Bois BSA (2 decimals).
    egfr = 142 * (0.7 / 0.9) ** -0.302 * 0.9938**30  # SCr/κ < 1: max(...) term is 1
    dubois = round(0.007184 * 90**0.425 * 180**0.725, 2)  # 2.10 m² (before the 2 m² cap)
    absolute = egfr * dubois / 1.73
    assert 154 < absolute < 154.5  # 127.1 mL/min/1.73 m² × 2.10 / 1.73
    uncapped = one(api.dose_course("carbo", policy="capped-bsa-no-gfr-cap", **young), "carboplatin")
    assert uncapped.calculated_mg == pytest.approx(6 * (absolute + 25))
    assert uncapped.final_mg == 1076  # not 1,329 mg from an uncapped Cockcroft-Gault


def test_carboplatin_without_scr_is_a_clear_error(tmp_path):
    carboplatin_auc(tmp_path)
    with pytest.raises(CalculationError, match="--scr"):
        api.dose_course(
            "carbo", height="165 cm", weight="62 kg", sex="F", age=40, regimen_dirs=(str(tmp_path),)
        )


def test_carboplatin_without_sex_or_age(tmp_path):
    carboplatin_auc(tmp_path)
    with pytest.raises(CalculationError, match="--sex.*--age"):
        api.dose_course(
            "carbo", height="165 cm", weight="62 kg", scr="0.8 mg/dL", regimen_dirs=(str(tmp_path),)
        )


def test_carboplatin_adjusted_weight_policy(tmp_path):
    # A user policy: Cockcroft-Gault on adjusted weight when BMI >= 25.
    text = (shipped_dir("policies") / "standard.yaml").read_text(encoding="utf-8")
    text = text.replace("id: standard", "id: adjusted-cg").replace(
        "crcl_weight: actual", "crcl_weight: adjusted_if_bmi_25"
    )
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "adjusted-cg.yaml").write_text(text, encoding="utf-8")
    regimens = tmp_path / "regimens"
    regimens.mkdir()
    carboplatin_auc(regimens, "AUC 5")
    report = api.dose_course(
        "carbo",
        height="160 cm",
        weight="100 kg",
        sex="F",
        age=50,
        scr="1.0 mg/dL",
        policy="adjusted-cg",
        regimen_dirs=(str(regimens),),
        policy_dirs=(str(policies),),
    )
    # clinical-reference 3.1: 76 mL/min on adjusted weight (106 on actual).
    line = one(report, "carboplatin")
    assert round(line.metric_value) == 76
    ibw = 45.5 + 2.3 * (160 / 2.54 - 60)
    adjusted = ibw + 0.4 * (100 - ibw)
    assert line.calculated_mg == pytest.approx(5 * ((140 - 50) * adjusted / 72 * 0.85 + 25))


def test_flat_dose_regimen_in_a_temp_folder(tmp_path):
    write_regimen(
        tmp_path,
        "flat",
        """\
        - id: A
          name: A
          cycle_length: 28 days
          cycles: 2
          drugs:
            - drug: bleomycin
              route: IV
              basis: flat
              dose: 30 mg
              days: [1, 8, 15]
        """,
    )
    report = api.dose_course("flat", height="165 cm", weight="62 kg", regimen_dirs=(str(tmp_path),))
    # One line for the drug, saying on which days of which cycles it applies.
    assert [line.cycles_text for line in report.lines] == ["1-2 (days 1, 8, 15)"]
    assert all(line.final_mg == 30 for line in report.lines)


def test_weight_change_against_the_policy_threshold():
    # 70 kg -> 62 kg is -11.43%: at or over the standard policy's 10% threshold.
    report = api.dose_course(
        "thp", height="165 cm", weight="62 kg", previous_weight="70 kg", cycle=4
    )
    assert report.weight_change is not None
    assert report.weight_change.change_pct == pytest.approx((62 - 70) / 70 * 100)
    assert report.weight_change.recalculate
    # 140 lb = 63.503 kg -> 62 kg is -2.37%: under the threshold.
    report = api.dose_course(
        "thp", height="165 cm", weight="62 kg", previous_weight="140 lb", cycle=4
    )
    assert report.weight_change.change_pct == pytest.approx(
        (62 - 140 * 0.45359237) / (140 * 0.45359237) * 100
    )
    assert not report.weight_change.recalculate


def test_weight_change_in_the_json_contract():
    import json

    from click.testing import CliRunner

    from dosecalc.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "dose",
            "thp",
            "--height",
            "165",
            "--weight",
            "62",
            "--previous-weight",
            "70",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    change = json.loads(result.output)["weight_change"]
    assert change == {
        "previous_kg": 70,
        "current_kg": 62,
        "change_pct": -11.4,
        "threshold_pct": 10,
        "recalculate": True,
    }
