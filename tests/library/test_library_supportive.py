"""Supportive care, emetogenic risk and monitoring of the library regimens,
checked against the sources written out by hand here (never read back from
the regimen files):

- docetaxel: dexamethasone 8 mg PO twice daily for 3 days from the day before
  (days -1, 0, +1; docetaxel PI);
- paclitaxel: dexamethasone 20 mg PO 12 and 6 h before (or 20 mg IV 30-60 min
  before), diphenhydramine 50 mg IV and an H2 blocker (cimetidine 300 mg,
  ranitidine 50 mg or famotidine 20 mg) IV 30-60 min before (Taxol PI);
- pertuzumab IV: observe 60 min after the loading dose, 30 min after
  maintenance (Perjeta PI); Phesgo: 30 min after the loading injection,
  15 min after maintenance (Phesgo PI and monograph); T-DM1: 90 min after
  the first infusion (Kadcyla PI);
- emetogenic risk (ASCO 2017 and 2020): anthracycline + cyclophosphamide high;
  carboplatin AUC 6 moderate; cyclophosphamide under 1,500 mg/m2 moderate;
  docetaxel, paclitaxel, T-DM1 low; trastuzumab alone minimal; T-DXd highly
  emetogenic in its current label (ASCO 2020: moderate);
- LVEF at baseline and every 3 months on trastuzumab (Herceptin PI) and
  T-DM1 (Kadcyla SmPC, e.g. every 3 months); T-DXd: baseline, then as
  clinically indicated (Enhertu PI: no interval).
"""

from __future__ import annotations

import datetime as dt

import pytest

from dosecalc import api
from dosecalc.regimen import find_regimen, load_all

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}

RISK = {
    "tchp": {"TCHP": "moderate", "HP": "low"},
    "ac-thp": {"AC": "high", "THP": "low", "HP": "low"},
    "apt": {"TH": "low", "H": "minimal"},
    "tdm1-adjuvant": {"T-DM1": "low"},
    "tdm1-metastatic": {"T-DM1": "low"},
    "tdxd": {"T-DXd": "high"},
    "trastuzumab-sc": {"H-SC": "minimal"},
    "phesgo": {"PH-SC": "low"},
    "tucatinib-trastuzumab-capecitabine": {"TXH": "low"},
    "ddac-t": {"ddAC": "high", "ddT": "low"},
    "ac-weekly-paclitaxel": {"AC": "high", "wP": "low"},
    "tc": {"TC": "moderate"},
    "ec": {"EC": "high"},
    "fec100": {"FEC": "high"},
    "fec-d": {"FEC": "high", "D": "low"},
    "capecitabine": {"X": "low"},
    "capecitabine-1000": {"X": "low"},
}


@pytest.mark.parametrize(("regimen", "levels"), RISK.items())
def test_every_phase_states_its_emetogenic_risk(regimen, levels):
    reg = find_regimen(regimen)
    assert {p.id: p.emetogenic_risk.level for p in reg.phases} == levels
    sources = {s.id for s in reg.sources}
    assert all(p.emetogenic_risk.source in sources for p in reg.phases)


def test_no_premedication_is_left_in_notes_only():
    for reg in load_all():
        for note in reg.notes:
            assert "to be moved to structured supportive care" not in note, reg.id


def _premedication(regimen, phase, drug):
    reg = find_regimen(regimen)
    return [
        (e.drug, e.dose_mg, e.route, e.days, e.times_per_day, e.before_min, e.window_min)
        for e in reg.phase(phase).supportive
        if e.for_drug == drug and e.purpose == "premedication"
    ]


@pytest.mark.parametrize(
    ("regimen", "phase"), [("tchp", "TCHP"), ("ac-thp", "THP"), ("tc", "TC"), ("fec-d", "D")]
)
def test_docetaxel_dexamethasone_8_mg_twice_daily_from_the_day_before(regimen, phase):
    assert _premedication(regimen, phase, "docetaxel") == [
        ("dexamethasone", 8, "PO", (-1, 0, 1), 2, (), None)
    ]


@pytest.mark.parametrize(
    ("regimen", "phase"), [("apt", "TH"), ("ddac-t", "ddT"), ("ac-weekly-paclitaxel", "wP")]
)
def test_paclitaxel_steroid_h1_and_h2_premedication(regimen, phase):
    found = _premedication(regimen, phase, "paclitaxel")
    assert ("dexamethasone", 20, "PO", (0,), 1, (720.0, 360.0), None) in found
    assert ("dexamethasone", 20, "IV", (0,), 1, (), (30.0, 60.0)) in found
    assert ("diphenhydramine", 50, "IV", (0,), 1, (), (30.0, 60.0)) in found
    h2 = next(e for e in find_regimen(regimen).phase(phase).supportive if e.drug == "cimetidine")
    assert h2.dose_mg == 300 and dict(h2.alternatives) == {"ranitidine": 50, "famotidine": 20}


def _observations(regimen, phase, drug):
    return sorted(
        (e.when, e.observe_min)
        for e in find_regimen(regimen).phase(phase).supportive
        if e.for_drug == drug and e.purpose == "observation"
    )


@pytest.mark.parametrize(
    ("regimen", "phase"), [("tchp", "TCHP"), ("tchp", "HP"), ("ac-thp", "THP"), ("ac-thp", "HP")]
)
def test_pertuzumab_observation_60_then_30_minutes(regimen, phase):
    assert _observations(regimen, phase, "pertuzumab") == [("loading", 60), ("maintenance", 30)]


def test_phesgo_observation_30_then_15_minutes():
    assert _observations("phesgo", "PH-SC", "pertuzumab") == [("loading", 30), ("maintenance", 15)]


@pytest.mark.parametrize("regimen", ["tdm1-adjuvant", "tdm1-metastatic"])
def test_tdm1_observation_covers_the_first_infusion(regimen):
    assert _observations(regimen, "T-DM1", "trastuzumab-emtansine") == [
        ("after-first", 30),
        ("first", 90),
    ]
    report = api.calendar_course(regimen, "2026-01-05", cycles=3, **PATIENT)
    observed = [(s.date, s.entry.observe_min) for s in report.supportive]
    # doses on 5 Jan, 26 Jan, 16 Feb: 90 min after the first, 30 min after the others
    assert observed == [(D(2026, 1, 5), 90), (D(2026, 1, 26), 30), (D(2026, 2, 16), 30)]


@pytest.mark.parametrize(
    ("regimen", "drug", "every"),
    [
        ("tchp", "trastuzumab", (3, "months")),
        ("ac-thp", "trastuzumab", (3, "months")),
        ("apt", "trastuzumab", (3, "months")),
        ("trastuzumab-sc", "trastuzumab", (3, "months")),
        ("phesgo", "trastuzumab", (3, "months")),
        ("tucatinib-trastuzumab-capecitabine", "trastuzumab", (3, "months")),
        ("tdm1-adjuvant", "trastuzumab-emtansine", (3, "months")),
        ("tdm1-metastatic", "trastuzumab-emtansine", (3, "months")),
        ("tdxd", "trastuzumab-deruxtecan", None),
    ],
)
def test_lvef_monitoring_of_every_anti_her2_regimen(regimen, drug, every):
    (rule,) = [r for r in find_regimen(regimen).monitoring if r.test == "LVEF"]
    assert (rule.test, rule.drug, rule.baseline, rule.every) == ("LVEF", drug, True, every)


def test_tdxd_interstitial_lung_disease_review_before_each_dose():
    assert any("Interstitial lung disease" in n for n in find_regimen("tdxd").notes)
    report = api.calendar_course("tdxd", "2026-01-05", cycles=3, **PATIENT)
    due = [m.date for m in report.monitoring if m.test.startswith("ILD")]
    # doses on 5 Jan, 26 Jan, 16 Feb: a review at baseline and every 21 days while on
    # T-DXd; interval tests fall strictly before the last dose shown (16 Feb)
    assert due == [D(2026, 1, 5), D(2026, 1, 26)]


def test_tc_calendar_dates_dexamethasone_around_each_docetaxel_dose():
    report = api.calendar_course("tc", "2026-01-05", cycles=2, **PATIENT)
    dexamethasone = sorted(s.date for s in report.supportive if s.entry.drug == "dexamethasone")
    # cycle 1 on Mon 5 Jan: 4, 5, 6 Jan; cycle 2 on Mon 26 Jan: 25, 26, 27 Jan
    assert dexamethasone == [D(2026, 1, d) for d in (4, 5, 6, 25, 26, 27)]


def test_ddac_t_pegfilgrastim_on_day_2_of_every_cycle_with_its_caution():
    report = api.calendar_course("ddac-t", "2026-01-05", cycles=8, **PATIENT)
    peg = [line for line in report.lines if line.administration.drug == "pegfilgrastim"]
    # 8 cycles every 14 days from Mon 5 Jan: day 2 is Tue 6 Jan, then every 14 days
    assert [line.date for line in peg] == [
        D(2026, 1, 6) + dt.timedelta(days=14 * k) for k in range(8)
    ]
    assert all(line.dose.final_mg == 6 for line in peg)
    assert all("off-label" in (line.dose.caution or "") for line in peg)


def test_tdm1_lvef_due_dates():
    report = api.calendar_course("tdm1-adjuvant", "2026-01-05", cycles=14, **PATIENT)
    due = [m.date for m in report.monitoring if m.test == "LVEF"]
    # 14 doses every 21 days: the last on 5 Jan + 13 x 21 = 273 days = 5 Oct 2026;
    # baseline 5 Jan, then every 3 calendar months while on T-DM1: 5 Apr, 5 Jul
    # (5 Oct is the last dose itself, and the Kadcyla rule has no end-of-treatment test)
    assert due == [D(2026, 1, 5), D(2026, 4, 5), D(2026, 7, 5)]
