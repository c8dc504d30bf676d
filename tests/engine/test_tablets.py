"""Oral doses rounded to the tablets that exist, worked out by hand.

Capecitabine comes as 150 mg and 500 mg tablets; the Xeloda BSA table makes
each dose with the fewest tablets (never 150 mg tablets worth 500 mg or more).
Tucatinib comes as 50 mg and 150 mg tablets. Patient 165 cm, 62 kg: Mosteller
BSA sqrt(165 x 62 / 3600) = 1.685724 m2.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.cli import main
from dosecalc.dosing import nearest_tablets, round_dose
from dosecalc.policy import find_policy

CAPECITABINE = (150.0, 500.0)
TUCATINIB = (50.0, 150.0)
PATIENT = {"height": "165 cm", "weight": "62 kg"}


@pytest.mark.parametrize(
    ("mg", "strengths", "total", "used"),
    [
        # 1000 x 1.685724 = 1685.72: 1650 (-35.7) beats 1800 (+114.3); 1700 = 1 x 500 + 8 x 150
        # is nearer but needs 150 mg tablets worth more than a 500 mg one: not offered
        (1685.72, CAPECITABINE, 1650, ((3, 500.0), (1, 150.0))),
        # 1250 x 1.685724 = 2107.16: 2150 (+42.8) beats 2000 (-107.2); Xeloda table, BSA 1.67-1.77
        (2107.16, CAPECITABINE, 2150, ((4, 500.0), (1, 150.0))),
        # 75% of 1250 mg/m2: 937.5 x 1.685724 = 1580.37: 1650 (+69.6) beats 1500 (-80.4)
        (1580.37, CAPECITABINE, 1650, ((3, 500.0), (1, 150.0))),
        (1500.0, CAPECITABINE, 1500, ((3, 500.0),)),
        (300.0, TUCATINIB, 300, ((2, 150.0),)),
        (250.0, TUCATINIB, 250, ((1, 150.0), (2, 50.0))),
        (200.0, TUCATINIB, 200, ((1, 150.0), (1, 50.0))),
        # halfway between 1500 and 1650: the lower dose
        (1575.0, CAPECITABINE, 1500, ((3, 500.0),)),
    ],
)
def test_nearest_tablet_combination(mg, strengths, total, used):
    assert nearest_tablets(mg, strengths) == (total, used)


def test_tablets_never_exceed_the_cap():
    # under a 1600 mg cap: 1650 is refused; 1500 (3 x 500) beats 1450 (2 x 500 + 3 x 150)
    assert nearest_tablets(1685.72, CAPECITABINE, cap_mg=1600) == (1500, ((3, 500.0),))


def test_no_tablet_dose_within_tolerance_is_kept_and_flagged():
    rounding = find_policy("standard").rounding  # 5% tolerance
    # 100 mg: the nearest tablet dose is 150 mg (+50%)
    final, note = round_dose(100.0, rounding, None, tablets_mg=CAPECITABINE)
    assert final == 100.0
    assert note.startswith("NOT A TABLET DOSE") and "150 mg" in note and "+50%" in note


@given(st.floats(min_value=200, max_value=6000, allow_nan=False))
def test_tablet_total_is_a_real_combination_and_nearest(mg):
    total, used = nearest_tablets(mg, CAPECITABINE)
    assert total == sum(n * s for n, s in used)
    # 150 mg tablets never add up to a 500 mg tablet
    assert all(n * 150 < 500 for n, s in used if s == 150)
    # every total reachable that way is a multiple of 500 plus 0, 150, 300 or 450 mg:
    # none of them is nearer to the dose than the one chosen
    reachable = [k * 500 + r for k in range(0, 14) for r in (0, 150, 300, 450) if k * 500 + r > 0]
    assert abs(total - mg) <= min(abs(t - mg) for t in reachable) + 1e-9


def test_regimen_doses_are_tablet_doses():
    capecitabine = next(line for line in api.dose_course("capecitabine-1000", **PATIENT).lines)
    assert capecitabine.final_mg == 1650
    assert any(
        "rounded to 150 mg and 500 mg tablets: 1,685.7 mg → 1,650 mg = 3 × 500 mg + 1 × 150 mg "
        "(-2.1%, within 5%)" in step
        for step in capecitabine.derivation
    ), capecitabine.derivation
    report = api.dose_course("tucatinib-trastuzumab-capecitabine", **PATIENT)
    tucatinib = next(line for line in report.lines if line.drug == "tucatinib")
    assert tucatinib.final_mg == 300
    assert any("= 2 × 150 mg" in step for step in tucatinib.derivation)


@pytest.mark.parametrize("policy", ["standard", "hopa-vial-10", "capped-bsa-no-gfr-cap"])
def test_every_policy_dispenses_tablets(policy):
    # the HOPA policy rounds IV doses to vials; an oral dose still goes to tablets
    line = api.dose_course("capecitabine-1000", policy=policy, **PATIENT).lines[0]
    assert line.final_mg == 1650


def test_dose_reduction_is_rounded_to_tablets():
    # 75% of 1000 mg/m2: 750 x 1.685724 = 1264.29 mg -> 1300 (2 x 500 + 2 x 150, +2.8%)
    # rather than 1150 (2 x 500 + 1 x 150, -9%)
    line = api.dose_course("capecitabine-1000", reduce=["capecitabine=25%"], **PATIENT).lines[0]
    assert line.final_mg == 1300


def test_subcutaneous_fixed_dose_is_not_made_of_iv_vials():
    # Phesgo 1,200 mg pertuzumab is one SC vial; the HOPA vial policy once rounded it to
    # 3 x 420 mg IV pertuzumab vials = 1,260 mg
    report = api.dose_course("phesgo", policy="hopa-vial-10", **PATIENT)
    loading = next(line for line in report.lines if line.kind == "loading")
    assert loading.final_mg == 1200


def test_dose_cli_prints_the_tablets(capsys):
    code = main(["dose", "capecitabine-1000", "--height", "165 cm", "--weight", "62 kg"])
    out = capsys.readouterr().out
    assert code == 0
    assert "1,650 mg" in out and "3 × 500 mg + 1 × 150 mg" in out
