"""Golden tests for the HER2-negative backbones and capecitabine, worked out
by hand from the trial or label doses for the example patient (165 cm, 62 kg):

    BSA (Mosteller) = sqrt(165 x 62 / 3600) = sqrt(2.841667) = 1.685724 m2

Doses are rounded by the standard policy to the nearest 1 mg.
"""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from dosecalc import api
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen, load_all
from dosecalc.schedule import expand

PATIENT = {"height": "165 cm", "weight": "62 kg"}
BSA = 1.685724
START = dt.date(2026, 1, 5)


def final_doses(regimen: str) -> dict[tuple[str, str], float]:
    report = api.dose_course(regimen, **PATIENT)
    return {(item.phase, item.drug): item.final_mg for item in report.lines}


@pytest.mark.parametrize(
    ("regimen", "expected"),
    [
        # doxorubicin 60 x 1.685724 = 101.14 -> 101; cyclophosphamide 600 x 1.685724 = 1011.43 -> 1011;
        # paclitaxel 175 x 1.685724 = 295.00 -> 295; pegfilgrastim 6 mg flat on day 2 of every
        # dose-dense cycle (Burstein 2005)
        (
            "ddac-t",
            {
                ("ddAC", "doxorubicin"): 101,
                ("ddAC", "cyclophosphamide"): 1011,
                ("ddAC", "pegfilgrastim"): 6,
                ("ddT", "paclitaxel"): 295,
                ("ddT", "pegfilgrastim"): 6,
            },
        ),
        # paclitaxel 80 x 1.685724 = 134.86 -> 135
        (
            "ac-weekly-paclitaxel",
            {
                ("AC", "doxorubicin"): 101,
                ("AC", "cyclophosphamide"): 1011,
                ("wP", "paclitaxel"): 135,
            },
        ),
        # docetaxel 75 x 1.685724 = 126.43 -> 126
        ("tc", {("TC", "docetaxel"): 126, ("TC", "cyclophosphamide"): 1011}),
        # epirubicin 90 x 1.685724 = 151.72 -> 152
        ("ec", {("EC", "epirubicin"): 152, ("EC", "cyclophosphamide"): 1011}),
        # fluorouracil and cyclophosphamide 500 x 1.685724 = 842.86 -> 843; epirubicin 100 x 1.685724 = 168.57 -> 169
        (
            "fec100",
            {
                ("FEC", "fluorouracil"): 843,
                ("FEC", "epirubicin"): 169,
                ("FEC", "cyclophosphamide"): 843,
            },
        ),
        # FEC-100 as above, then docetaxel 100 x 1.685724 = 168.57 -> 169
        (
            "fec-d",
            {
                ("FEC", "fluorouracil"): 843,
                ("FEC", "epirubicin"): 169,
                ("FEC", "cyclophosphamide"): 843,
                ("D", "docetaxel"): 169,
            },
        ),
        # capecitabine to 150 mg and 500 mg tablets (Xeloda: fewest tablets, under 500 mg
        # of 150 mg ones): 1250 x 1.685724 = 2107.16 mg -> 2000 (-5.1%) or 2150 (+2.0%):
        # 2150 = 4 x 500 + 1 x 150, the Xeloda table's dose for BSA 1.67-1.77 m2;
        # 1000 x 1.685724 = 1685.72 mg -> 1650 (-2.1%) or 1800 (+6.8%): 1650 = 3 x 500 + 1 x 150
        ("capecitabine", {("X", "capecitabine"): 2150}),
        ("capecitabine-1000", {("X", "capecitabine"): 1650}),
    ],
)
def test_backbone_doses(regimen, expected):
    assert final_doses(regimen) == expected


@pytest.mark.parametrize(
    ("regimen", "phases"),
    [
        # (phase, cycle length in days, cycles)
        ("ddac-t", [("ddAC", 14, 4), ("ddT", 14, 4)]),
        ("ac-weekly-paclitaxel", [("AC", 21, 4), ("wP", 7, 12)]),
        ("tc", [("TC", 21, 4)]),
        ("ec", [("EC", 21, 4)]),
        ("fec100", [("FEC", 21, 6)]),
        ("fec-d", [("FEC", 21, 3), ("D", 21, 3)]),
    ],
)
def test_backbone_schedules(regimen, phases):
    schedule = expand(find_regimen(regimen), find_policy(), START)
    offset = 0
    for phase_id, length, count in phases:
        starts = [date for phase, _c, _n, date in schedule.cycles if phase == phase_id]
        assert len(starts) == count
        assert [(d - START).days for d in starts] == [offset + i * length for i in range(count)]
        offset += length * count


def test_capecitabine_twice_daily_on_days_1_to_14():
    report = api.dose_course("capecitabine", **PATIENT)
    (only,) = report.lines
    assert only.times_per_day == 2 and only.route == "PO"
    assert only.cycles_text == "1 onwards (days 1-14)"
    # 2107.16 mg rounded to tablets: 2150 mg = 4 x 500 + 1 x 150 (+2.0%); the day's
    # total is stated: 2150 mg x 2 = 4300 mg
    assert any(
        "2,107.2 mg → 2,150 mg = 4 × 500 mg + 1 × 150 mg (+2%, within 5%)" in step
        for step in only.derivation
    ), only.derivation
    assert any("2,150 mg per dose, 4,300 mg a day" in step for step in only.derivation)


@pytest.mark.parametrize(
    ("regimen", "drug", "dose", "level"),
    [
        ("tc", "docetaxel", "60 mg/m2", 1),
        ("fec-d", "docetaxel", "75 mg/m2", 1),
        ("fec-d", "docetaxel", "60 mg/m2", 2),
        ("ec", "epirubicin", "67.5 mg/m2", 1),  # 75% of 90 mg/m2
        ("fec100", "epirubicin", "75%", 1),
        ("capecitabine", "capecitabine", "937.5 mg/m2", 1),  # 75% of 1250 mg/m2
        ("capecitabine", "capecitabine", "625 mg/m2", 2),  # 50% of 1250 mg/m2
        ("capecitabine-1000", "capecitabine", "750 mg/m2", 1),
    ],
)
def test_documented_reductions(regimen, drug, dose, level):
    match = api.documented_reduction(regimen, drug, dose)
    assert match is not None and match.level == level


def test_weekly_paclitaxel_has_no_documented_levels():
    # 80 -> 70 -> 60 mg/m2 could not be verified against a label or trial text
    assert api.documented_reduction("ac-weekly-paclitaxel", "paclitaxel", "70 mg/m2") is None


def test_every_new_regimen_carries_the_governance_fields():
    for regimen in load_all():
        if regimen.id in {"ac-th", "ddac-th", "tch", "thp"}:
            continue  # the four original files get theirs with the governance work
        with open(regimen.path or "", encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        assert data["version"] == 1, regimen.id
        assert data["status"] in {"draft", "reviewed"}, regimen.id
        assert str(data["last_reviewed"]) == "2026-12-01", regimen.id
        assert data["reviewed_by"], regimen.id
