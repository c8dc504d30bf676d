"""Clinical data fixed against the labels: pegfilgrastim in dose-dense AC, the
drug reference's usual ranges, and the anthracycline ledger (factors with
their caveats, anthracyclines that are not counted, the 300 mg/m² warning).

Values are from the labels, written out here:
- Neulasta: not within 14 days before, nor 24 hours after, chemotherapy. In a
  14-day cycle, day 2 is 14 − 2 + 1 = 13 days before the next day 1.
- daunorubicin 30 mg/m² daily at 60 years and over; doxorubicin 40 to 60 mg/m²
  every 21 to 28 days in combination; mitoxantrone 12 to 14 mg/m² every
  21 days; liposomal doxorubicin 20 mg/m² (Kaposi's sarcoma); paclitaxel
  100 mg/m² every 2 weeks (Kaposi's sarcoma); carboplatin every 4 weeks.
- AC 60 mg/m² × 4 = 240 mg/m² doxorubicin; with 100 mg/m² before, 340 mg/m²,
  over the 300 mg/m² at which the label says consider cardioprotection.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from regimen_factory import one_drug_phase, write_regimen

from dosecalc import api
from dosecalc.drugs import load_drug_reference
from dosecalc.output import text as render
from dosecalc.units import Q

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}


@pytest.fixture(scope="module")
def ref():
    return load_drug_reference()


# -- pegfilgrastim in dose-dense AC ----------------------------------------------------------------


def test_ddac_pegfilgrastim_is_13_days_before_the_next_cycle_and_says_off_label():
    report = api.calendar_course("ddac-th", "2016-01-04", cycles=2)
    peg = next(line for line in report.lines if line.administration.drug == "pegfilgrastim")
    next_ac = next(
        line
        for line in report.lines
        if line.administration.drug == "doxorubicin" and line.course_cycle == 2
    )
    assert peg.date == D(2016, 1, 5)  # day 2
    assert (next_ac.date - peg.date).days == 13  # inside the label's 14 days
    notes = " ".join(peg.administration.notes)
    assert "off-label" in notes and "Burstein 2005" in notes and "13 days" in notes


def test_dose_output_prints_the_caution_in_every_format():
    report = api.dose_course("ddac-th", phase="AC", **PATIENT)
    table = render.dose_output(report, "table")
    assert "CAUTION, pegfilgrastim: off-label timing" in table
    data = json.loads(render.dose_output(report, "json"))
    lines = data["doses"] if "doses" in data else data["lines"]
    peg = next(line for line in lines if line["drug"] == "pegfilgrastim")
    assert "Burstein 2005" in peg["caution"]
    assert "off-label" in render.dose_output(report, "csv")
    # The other doses carry no caution.
    assert all(line["caution"] is None for line in lines if line["drug"] != "pegfilgrastim")


def test_drug_reference_pegfilgrastim_every_two_weeks_is_marked_off_label(ref):
    usual = ref.get("pegfilgrastim").usual_for("SC")
    for schedule in usual:
        if "every_2_weeks" in schedule.frequencies:
            assert schedule.note.startswith("Off-label") and "burstein-2005" in schedule.sources
        else:
            assert "not within 14 days before" in schedule.note


# -- usual ranges ---------------------------------------------------------------------------------


def _covers(ref, drug, amount, frequency, route="IV"):
    """Whether some usual schedule of ``drug`` has ``amount`` in range at ``frequency``."""
    for schedule in ref.get(drug).usual_for(route):
        factor = schedule.range_factor(Q(*amount), schedule.basis)
        if factor == 1.0 and frequency in schedule.frequencies:
            return True
    return False


@pytest.mark.parametrize(
    ("drug", "amount", "frequency"),
    [
        ("daunorubicin", (30, "mg/m**2"), "daily"),  # 60 years and over
        ("doxorubicin", (40, "mg/m**2"), "every_3_weeks"),  # combination, lower end
        ("doxorubicin", (60, "mg/m**2"), "every_4_weeks"),  # every 21 to 28 days
        ("mitoxantrone", (12, "mg/m**2"), "every_3_weeks"),
        ("mitoxantrone", (14, "mg/m**2"), "every_3_weeks"),
        ("doxorubicin-liposomal", (20, "mg/m**2"), "every_3_weeks"),  # Kaposi's sarcoma
        ("paclitaxel", (100, "mg/m**2"), "every_2_weeks"),  # Kaposi's sarcoma
        ("epirubicin", (100, "mg/m**2"), "every_3_weeks"),  # FEC-100
    ],
)
def test_label_doses_are_in_the_usual_ranges(ref, drug, amount, frequency):
    assert _covers(ref, drug, amount, frequency), (drug, amount, frequency)


def test_carboplatin_every_four_weeks_is_usual(ref):
    schedules = ref.get("carboplatin").usual_for("IV", "auc")
    assert any("every_4_weeks" in s.frequencies for s in schedules)


def test_mitoxantrone_below_12_is_outside_the_range(ref):
    assert not _covers(ref, "mitoxantrone", (10, "mg/m**2"), "every_3_weeks")


def test_no_verify_mark_is_left_without_saying_what_is_recalled(ref):
    # A note may still say what is recalled; a bare "Verify." with no source read is gone.
    for drug_id in ("daunorubicin", "epirubicin", "mitoxantrone", "trastuzumab-deruxtecan"):
        for schedule in ref.get(drug_id).usual:
            assert "Verify." not in (schedule.note or ""), drug_id


# -- the anthracycline ledger --------------------------------------------------------------------


def test_ac_th_ledger_warns_at_300_with_prior_doses():
    # 240 mg/m² in AC alone: under 300, no cardioprotection warning.
    alone = api.calendar_course("ac-th", "2016-01-04", cycles=4)
    assert alone.anthracycline.mg_m2 == pytest.approx(240)
    assert not alone.anthracycline.reaches_warning
    assert not any("cardioprotection" in w for w in alone.warnings)
    # With 100 mg/m² given before: 340 mg/m², at or over 300 (label), under the 450 limit.
    after = api.calendar_course("ac-th", "2016-01-04", cycles=4, prior_anthracycline="100 mg/m2")
    assert after.anthracycline.mg_m2 == pytest.approx(340)
    assert after.anthracycline.reaches_warning and not after.anthracycline.exceeds_limit
    assert any("dexrazoxane" in w for w in after.warnings)
    text = render_calendar(after)
    assert "WARNING: Cumulative anthracycline" in text and "dexrazoxane" in text


def test_exactly_300_warns_and_299_does_not():
    at = api.calendar_course("ac-th", "2016-01-04", cycles=4, prior_anthracycline="60 mg/m2")
    assert at.anthracycline.mg_m2 == pytest.approx(300) and at.anthracycline.reaches_warning
    under = api.calendar_course("ac-th", "2016-01-04", cycles=4, prior_anthracycline="59 mg/m2")
    assert under.anthracycline.mg_m2 == pytest.approx(299)
    assert not under.anthracycline.reaches_warning


def render_calendar(report):
    from dosecalc.output import calendar as calendar_render

    return calendar_render.render(report, "table", "list", "a4")


def test_liposomal_doxorubicin_is_reported_not_counted(tmp_path):
    write_regimen(
        tmp_path, "pld", one_drug_phase("doxorubicin-liposomal", "bsa", "50 mg/m2", cycles=2)
    )
    report = api.calendar_course("pld", "2016-01-04", regimen_dirs=(str(tmp_path),))
    total = report.anthracycline
    assert total.mg_m2 == 0 and [d for d, _ in total.not_counted] == ["doxorubicin-liposomal"]
    assert any("not counted" in w for w in report.warnings)
    text = render_calendar(report)
    assert "NOT COUNTED: doxorubicin-liposomal" in text and "WARNING" in text
    assert "none in this course (0 mg/m²)" not in text


def test_epirubicin_factor_prints_its_childhood_survivor_caveat(tmp_path):
    # 100 mg/m² × 2 cycles × 0.8 (Feijen 2019) = 160 mg/m² doxorubicin equivalents.
    write_regimen(tmp_path, "epi", one_drug_phase("epirubicin", "bsa", "100 mg/m2", cycles=2))
    report = api.calendar_course("epi", "2016-01-04", regimen_dirs=(str(tmp_path),))
    assert report.anthracycline.mg_m2 == pytest.approx(160)
    text = render_calendar(report)
    assert "epirubicin factor caveat: derived from childhood-cancer survivors" in text


CASE = """\
schema_version: 1
id: ledger
title: Ledger
language: en
patient: {{sex: female, age: 58, height: 162 cm, weight: 66 kg}}
treatments:
  - id: t
    regimen: {regimen}
    setting: adjuvant
    start: 2021-01-04
    end: 2021-05-31
    frequency: every 21 days
    cycles: {cycles} cycles
    drugs:
{drugs}
"""


def _check(tmp_path, regimen, cycles, drugs):
    path = tmp_path / "case.yaml"
    path.write_text(
        CASE.format(
            regimen=regimen,
            cycles=cycles,
            drugs="\n".join(f"      - {{drug: {d}, dose: {dose}}}" for d, dose in drugs),
        ),
        encoding="utf-8",
    )
    return api.check_course(str(path))


def test_checker_warns_at_300_mg_m2(tmp_path):
    # AC × 5 at 60 mg/m² = 300 mg/m²: 67% of 450 (under the 80% warning), but at 300.
    report = _check(
        tmp_path, "AC", 5, [("doxorubicin", "60 mg/m2"), ("cyclophosphamide", "600 mg/m2")]
    )
    finding = next(f for f in report.findings if f.code == "ANTHRACYCLINE_CUMULATIVE")
    assert finding.severity == "warning"
    assert "300 mg/m²" in finding.message and "dexrazoxane" in finding.message
    # AC × 4 = 240 mg/m²: information only.
    report = _check(
        tmp_path, "AC", 4, [("doxorubicin", "60 mg/m2"), ("cyclophosphamide", "600 mg/m2")]
    )
    finding = next(f for f in report.findings if f.code == "ANTHRACYCLINE_CUMULATIVE")
    assert finding.severity == "info" and "dexrazoxane" not in finding.message


def test_checker_names_an_anthracycline_it_cannot_count(tmp_path):
    report = _check(tmp_path, "liposomal doxorubicin", 4, [("Caelyx", "50 mg/m2")])
    codes = [(f.code, f.drug) for f in report.findings]
    assert ("ANTHRACYCLINE_NOT_COUNTED", "doxorubicin-liposomal") in codes


def test_checker_prints_the_mitoxantrone_caveat(tmp_path):
    report = _check(tmp_path, "mitoxantrone", 2, [("mitoxantrone", "12 mg/m2")])
    finding = next(f for f in report.findings if f.code == "ANTHRACYCLINE_CUMULATIVE")
    # 12 × 2 × 10.5 = 252 mg/m² doxorubicin equivalents.
    assert "= 252 mg/m²" in finding.message
    assert "mitoxantrone factor caveat: derived from childhood-cancer survivors" in finding.message
