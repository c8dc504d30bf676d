"""The TCH regimen: carboplatin by Calvert from the library, and trastuzumab
weekly on days 1, 8 and 15 of 3-week cycles. Expected values worked by hand."""

import datetime as dt

import pytest

from dosecalc import api
from dosecalc.errors import CalculationError
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen
from dosecalc.schedule import expand

WOMAN = {"height": "165 cm", "weight": "62 kg", "sex": "female", "age": "40", "scr": "0.8 mg/dL"}


def _line(report, drug, kind="standard"):
    return next(line for line in report.lines if line.drug == drug and line.kind == kind)


def test_carboplatin_auc6_by_calvert_with_cockcroft_gault():
    report = api.dose_course("tch", **WOMAN)
    carboplatin = _line(report, "carboplatin")
    # CrCl = (140 - 40) x 62 / (72 x 0.8) x 0.85 = 91.493 mL/min; 6 x (91.493 + 25) = 698.96 mg
    assert carboplatin.metric_value == pytest.approx(91.4931, abs=1e-3)
    assert carboplatin.calculated_mg == pytest.approx(698.96, abs=0.01)
    assert carboplatin.final_mg == 699
    assert carboplatin.cycles_text == "1-6"


def test_carboplatin_gfr_cap_limits_a_young_heavy_patient():
    # CrCl = (140 - 25) x 100 / (72 x 0.6) = 266.2 mL/min, capped at 125: 6 x 150 = 900 mg (FDA maximum for AUC 6)
    report = api.dose_course(
        "tch", height="180 cm", weight="100 kg", sex="male", age="25", scr="0.6 mg/dL"
    )
    assert _line(report, "carboplatin").final_mg == 900


def test_carboplatin_needs_creatinine():
    with pytest.raises(CalculationError, match="--scr"):
        api.dose_course("tch", height="165 cm", weight="62 kg", sex="female", age="40")


def test_weekly_trastuzumab_for_18_weeks_then_every_3_weeks_to_52_weeks():
    schedule = expand(find_regimen("tch"), find_policy(), dt.date(2021, 1, 4))
    doses = [a for a in schedule.administrations if a.drug == "trastuzumab"]
    weekly = [a for a in doses if a.phase == "TCH"]
    three_weekly = [a for a in doses if a.phase == "H"]
    assert len(weekly) == 18  # 6 cycles x days 1, 8, 15
    assert [a.kind for a in weekly] == ["loading"] + ["maintenance"] * 17
    # The first 6 mg/kg dose is one week after the last weekly dose (day 120 -> 127), not a re-load.
    assert weekly[-1].date == dt.date(2021, 1, 4) + dt.timedelta(days=119)
    assert three_weekly[0].date == dt.date(2021, 1, 4) + dt.timedelta(days=126)
    assert three_weekly[0].kind == "maintenance"
    # Days 126, 147, ..., 357 are within 52 weeks (364 days) of the first dose: 12 doses.
    assert len(three_weekly) == 12
    assert (three_weekly[-1].date - doses[0].date).days == 357


def test_dose_table_lists_the_days_of_a_weekly_drug():
    report = api.dose_course("tch", **WOMAN)
    maintenance = _line(report, "trastuzumab", "maintenance")
    assert maintenance.cycles_text == "1 (days 8, 15); 2-6 (days 1, 8, 15)"
    assert maintenance.final_mg == 124  # 2 mg/kg x 62 kg
