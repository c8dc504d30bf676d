"""Golden tests for the HER2-positive regimens of the library, worked out by
hand from the label or trial doses for the clinical reference's example
patient: a woman of 40, 165 cm, 62 kg, serum creatinine 0.8 mg/dL.

    BSA (Mosteller) = sqrt(165 x 62 / 3600) = sqrt(2.841667) = 1.685724 m2
    CrCl (Cockcroft-Gault) = (140 - 40) x 62 / (72 x 0.8) x 0.85 = 91.493 mL/min

Doses are rounded by the standard policy to the nearest 1 mg.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dosecalc import api
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen
from dosecalc.schedule import expand

WOMAN = {"height": "165 cm", "weight": "62 kg", "sex": "female", "age": "40", "scr": "0.8 mg/dL"}
START = dt.date(2026, 1, 5)


def line(report, drug, kind="standard", phase=None):
    found = [
        item
        for item in report.lines
        if item.drug == drug and item.kind == kind and (phase is None or item.phase == phase)
    ]
    assert len(found) == 1, [(i.phase, i.drug, i.kind) for i in report.lines]
    return found[0]


def doses_of(regimen, drug, **kwargs):
    schedule = expand(find_regimen(regimen), find_policy(), START, **kwargs)
    return [a for a in schedule.administrations if a.drug == drug]


# -- TCHP -----------------------------------------------------------------------------------


def test_tchp_doses():
    report = api.dose_course("tchp", **WOMAN)
    # docetaxel 75 x 1.685724 = 126.43 mg -> 126 mg
    assert line(report, "docetaxel").calculated_mg == pytest.approx(126.43, abs=0.01)
    assert line(report, "docetaxel").final_mg == 126
    # carboplatin AUC 6 x (91.493 + 25) = 698.96 mg -> 699 mg
    assert line(report, "carboplatin").final_mg == 699
    # trastuzumab 8 x 62 = 496 mg, then 6 x 62 = 372 mg; pertuzumab 840 then 420 mg (flat)
    assert line(report, "trastuzumab", "loading").final_mg == 496
    assert line(report, "trastuzumab", "maintenance", "TCHP").final_mg == 372
    assert line(report, "pertuzumab", "loading").final_mg == 840
    assert line(report, "pertuzumab", "maintenance", "HP").final_mg == 420


@pytest.mark.parametrize("drug", ["trastuzumab", "pertuzumab"])
def test_tchp_gives_18_cycles_of_anti_her2_therapy_in_one_year(drug):
    doses = doses_of("tchp", drug)
    # Every 21 days from day 0 while before day 364 (52 weeks): days 0, 21, ..., 357 = 18 doses,
    # 6 with TCHP and 12 in the HP phase; the first loads, the 17 others are maintenance.
    assert len(doses) == 18
    assert [a.phase for a in doses].count("TCHP") == 6
    assert [a.kind for a in doses] == ["loading"] + ["maintenance"] * 17
    assert (doses[-1].date - START).days == 357


def test_tchp_docetaxel_60_is_its_documented_reduction():
    match = api.documented_reduction("tchp", "docetaxel", "60 mg/m2")
    assert match is not None and match.level == 1 and match.source == "docetaxel-pi"
    assert api.documented_reduction("tchp", "docetaxel", "50 mg/m2") is None


# -- AC -> THP ------------------------------------------------------------------------------


def test_ac_thp_doses():
    report = api.dose_course("ac-thp", **WOMAN)
    # doxorubicin 60 x 1.685724 = 101.14 -> 101 mg; cyclophosphamide 600 x 1.685724 = 1011.43 -> 1011 mg
    assert line(report, "doxorubicin").final_mg == 101
    assert line(report, "cyclophosphamide").final_mg == 1011
    assert line(report, "docetaxel").final_mg == 126
    assert line(report, "trastuzumab", "loading").phase == "THP"
    assert line(report, "pertuzumab", "loading").final_mg == 840


@pytest.mark.parametrize("drug", ["trastuzumab", "pertuzumab"])
def test_ac_thp_anti_her2_starts_with_the_taxane_and_gives_18_cycles(drug):
    doses = doses_of("ac-thp", drug)
    # AC is 4 x 21 = 84 days; anti-HER2 therapy from day 84 to day 84 + 357 = 441: 18 doses.
    assert (doses[0].date - START).days == 84
    assert len(doses) == 18
    assert (doses[-1].date - START).days == 441
    assert [a.kind for a in doses].count("loading") == 1


# -- APT (weekly paclitaxel + trastuzumab) -----------------------------------------------------


def test_apt_doses():
    report = api.dose_course("apt", **WOMAN)
    # paclitaxel 80 x 1.685724 = 134.86 mg -> 135 mg
    assert line(report, "paclitaxel").final_mg == 135
    # trastuzumab 4 x 62 = 248 mg, then 2 x 62 = 124 mg weekly, then 6 x 62 = 372 mg every 3 weeks
    assert line(report, "trastuzumab", "loading", "TH").final_mg == 248
    assert line(report, "trastuzumab", "maintenance", "TH").final_mg == 124
    assert line(report, "trastuzumab", "maintenance", "H").final_mg == 372


def test_apt_trastuzumab_to_52_weeks_without_reloading():
    doses = doses_of("apt", "trastuzumab")
    weekly = [a for a in doses if a.phase == "TH"]
    three_weekly = [a for a in doses if a.phase == "H"]
    assert len(weekly) == 12
    # One week after the last weekly dose (day 77 -> 84): 6 mg/kg, not a re-load.
    assert (three_weekly[0].date - START).days == 84
    assert three_weekly[0].kind == "maintenance"
    # Days 84, 105, ..., 357 are before day 364: (357 - 84) / 21 + 1 = 14 doses.
    assert len(three_weekly) == 14
    assert (three_weekly[-1].date - START).days == 357


# -- T-DM1 and T-DXd ----------------------------------------------------------------------------


def test_tdm1_adjuvant_is_14_cycles_of_3_6_mg_per_kg():
    report = api.dose_course("tdm1-adjuvant", **WOMAN)
    # 3.6 x 62 = 223.2 mg -> 223 mg
    tdm1 = line(report, "trastuzumab-emtansine")
    assert tdm1.calculated_mg == pytest.approx(223.2)
    assert tdm1.final_mg == 223
    doses = doses_of("tdm1-adjuvant", "trastuzumab-emtansine")
    assert len(doses) == 14
    assert (doses[-1].date - START).days == 13 * 21


@pytest.mark.parametrize("regimen", ["tdm1-adjuvant", "tdm1-metastatic"])
@pytest.mark.parametrize(("dose", "level"), [("3 mg/kg", 1), ("2.4 mg/kg", 2)])
def test_tdm1_reduction_levels(regimen, dose, level):
    match = api.documented_reduction(regimen, "trastuzumab-emtansine", dose)
    assert match is not None and match.level == level and match.source == "kadcyla-pi"


def test_tdm1_metastatic_runs_until_progression():
    report = api.calendar_course("tdm1-metastatic", "2026-01-05", cycles=4, **WOMAN)
    assert [line.dose.final_mg for line in report.lines] == [223] * 4
    assert report.continues


def test_tdxd_dose_and_levels():
    report = api.dose_course("tdxd", **WOMAN)
    # 5.4 x 62 = 334.8 mg -> 335 mg
    assert line(report, "trastuzumab-deruxtecan").final_mg == 335
    for dose, level in (("4.4 mg/kg", 1), ("3.2 mg/kg", 2)):
        match = api.documented_reduction("tdxd", "trastuzumab-deruxtecan", dose)
        assert match is not None and match.level == level
    # 6.4 mg/kg is the gastric dose, not a breast reduction level
    assert api.documented_reduction("tdxd", "trastuzumab-deruxtecan", "6.4 mg/kg") is None


# -- Subcutaneous trastuzumab and Phesgo --------------------------------------------------------


@pytest.mark.parametrize("weight", ["62 kg", "100 kg"])
def test_sc_trastuzumab_is_600_mg_whatever_the_weight_with_no_loading_dose(weight):
    report = api.dose_course("trastuzumab-sc", height="165 cm", weight=weight)
    only = line(report, "trastuzumab")
    assert only.final_mg == 600 and only.route == "SC" and only.basis == "flat"
    doses = doses_of("trastuzumab-sc", "trastuzumab")
    # every 21 days from day 0 while before day 364: 18 injections, all the same dose
    assert len(doses) == 18
    assert {a.kind for a in doses} == {"standard"}


def test_phesgo_loading_then_maintenance():
    report = api.dose_course("phesgo", height="165 cm", weight="62 kg")
    assert line(report, "pertuzumab", "loading").final_mg == 1200
    assert line(report, "pertuzumab", "maintenance").final_mg == 600
    # the trastuzumab component is 600 mg in both the loading and the maintenance vial
    assert line(report, "trastuzumab").final_mg == 600
    assert {item.route for item in report.lines} == {"SC"}
    assert len(doses_of("phesgo", "pertuzumab")) == 18


def test_phesgo_reloads_pertuzumab_after_six_weeks():
    # Cycle 3 delayed by 21 days: 42 days since cycle 2 (6 weeks) -> 1,200 mg again;
    # delayed by 20 days: 41 days -> 600 mg (Phesgo PI: 6 weeks or more re-loads).
    reloaded = api.calendar_course("phesgo", "2026-01-05", cycles=3, delays=["3=21"])
    kept = api.calendar_course("phesgo", "2026-01-05", cycles=3, delays=["3=20"])

    def third(report):
        return next(
            item.administration
            for item in report.lines
            if item.administration.drug == "pertuzumab" and item.administration.cycle == 3
        )

    assert third(reloaded).kind == "loading" and third(reloaded).step.per_unit == 1200
    assert third(kept).kind == "maintenance" and third(kept).step.per_unit == 600


# -- Tucatinib + trastuzumab + capecitabine -----------------------------------------------------


def test_her2climb_doses():
    report = api.dose_course("tucatinib-trastuzumab-capecitabine", **WOMAN)
    tucatinib = line(report, "tucatinib")
    assert tucatinib.final_mg == 300 and tucatinib.times_per_day == 2 and tucatinib.route == "PO"
    capecitabine = line(report, "capecitabine")
    # 1000 x 1.685724 = 1685.72 mg a dose -> 150/500 mg tablets: 1650 mg (3 x 500 + 1 x 150,
    # -2.1%) rather than 1800 mg (+6.8%), twice daily on days 1-14
    assert capecitabine.final_mg == 1650 and capecitabine.times_per_day == 2
    assert capecitabine.cycles_text == "1 onwards (days 1-14)"
    assert line(report, "trastuzumab", "loading").final_mg == 496
    assert line(report, "trastuzumab", "maintenance").final_mg == 372


def test_her2climb_one_cycle_totals():
    report = api.calendar_course(
        "tucatinib-trastuzumab-capecitabine", "2026-01-05", cycles=1, **WOMAN
    )
    totals = {t.drug: t for t in report.drug_totals}
    # tucatinib 300 mg x 2 a day x 21 days = 12,600 mg; capecitabine 1650 mg x 2 x 14 days = 46,200 mg
    assert totals["tucatinib"].count == 21 and totals["tucatinib"].total_mg == 12600
    assert totals["capecitabine"].count == 14 and totals["capecitabine"].total_mg == 46200
    assert totals["trastuzumab"].total_mg == 496


@pytest.mark.parametrize(
    ("drug", "dose", "level"),
    [
        ("tucatinib", "250 mg", 1),
        ("tucatinib", "200 mg", 2),
        ("tucatinib", "150 mg", 3),
        ("capecitabine", "750 mg/m2", 1),  # 75% of 1000 mg/m2
        ("capecitabine", "50%", 2),
    ],
)
def test_her2climb_reduction_levels(drug, dose, level):
    match = api.documented_reduction("tucatinib-trastuzumab-capecitabine", drug, dose)
    assert match is not None and match.level == level


def test_one_cycle_lists_an_oral_drug_once_with_its_days():
    report = api.dose_course("tucatinib-trastuzumab-capecitabine", cycle=1, **WOMAN)
    assert [(item.drug, item.cycles_text) for item in report.lines] == [
        ("tucatinib", "1 (days 1-21)"),
        ("capecitabine", "1 (days 1-14)"),
        ("trastuzumab", "1"),
    ]


def test_one_tch_cycle_keeps_loading_and_maintenance_days_apart():
    report = api.dose_course("tch", cycle=1, **WOMAN)
    trastuzumab = [
        (i.kind, i.cycles_text, i.final_mg) for i in report.lines if i.drug == "trastuzumab"
    ]
    # 4 x 62 = 248 mg on day 1; 2 x 62 = 124 mg on days 8 and 15
    assert trastuzumab == [("loading", "1 (day 1)", 248), ("maintenance", "1 (days 8, 15)", 124)]
