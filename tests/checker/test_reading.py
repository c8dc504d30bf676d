"""Free text read as treatments (dosecalc/checker/reading.py), on sentences
written for these tests in the forms the issue lists; and the course
timeline that loading decisions are judged on."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.checker.fromtext import regimen_names
from dosecalc.checker.reading import read_treatments
from dosecalc.drugs import load_drug_reference


def read(text: str):
    return read_treatments(text, load_drug_reference(), regimen_names())


def drugs(text: str) -> list[list[tuple[str, str | None, str | None]]]:
    """Per treatment: (drug id, dose, maintenance dose) as read."""
    return [
        [
            (
                d.drug_id,
                d.dose.text if d.dose else None,
                d.maintenance.text if d.maintenance else None,
            )
            for d in t.drugs
        ]
        for t in read(text)
    ]


def check(tmp_path: Path, text: str, **kwargs):
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    return api.check_course(None, text_file=str(path), **kwargs)


def errors(report) -> list[tuple[str, str | None]]:
    return [(f.code, f.drug) for f in report.findings if f.severity == "error"]


def test_a_dose_attaches_across_intervening_words(tmp_path):
    # The issue's own example: the seed's error class, written another way.
    text = (
        "Le 04/01/2021, trastuzumab 8 mg/kg puis 6 mg/kg toutes les 3 semaines.\n"
        "L'Herceptin est ensuite maintenu, seul, à la dose de 6 mg/kg, trois fois par semaine.\n"
    )
    assert drugs(text)[1] == [("trastuzumab", "6 mg/kg", None)]
    assert ("FREQUENCY_IMPLAUSIBLE", "trastuzumab") in errors(check(tmp_path, text))


def test_then_kept_on_alone_is_a_continuation_not_a_missing_loading_dose(tmp_path):
    text = (
        "APT: paclitaxel 80 mg/m2 and trastuzumab weekly x 12 weeks (trastuzumab 4 mg/kg "
        "loading, then 2 mg/kg), started 9 January 2023. Trastuzumab was then kept on, alone, "
        "at 6 mg/kg every 3 weeks to complete one year of therapy.\n"
    )
    assert drugs(text) == [
        [("paclitaxel", "80 mg/m2", None), ("trastuzumab", "4 mg/kg", "2 mg/kg")],
        [("trastuzumab", "6 mg/kg every 3 weeks", None)],
    ]
    assert errors(check(tmp_path, text)) == []


def test_a_list_shares_the_schedule_written_once():
    (thp,) = read(
        "Le 17/02/2020, début de docétaxel, trastuzumab et pertuzumab toutes les 3 semaines.\n"
    )
    assert [d.drug_id for d in thp.drugs] == ["docetaxel", "trastuzumab", "pertuzumab"]
    assert thp.frequency is not None and thp.frequency.id == "every_3_weeks"


def test_a_loading_then_maintenance_dose_per_drug_by_basis():
    text = "Reprise : pertuzumab 840 mg et trastuzumab 8 mg/kg, puis 420 mg et 6 mg/kg toutes les 3 semaines.\n"
    assert drugs(text) == [
        [
            ("pertuzumab", "840 mg", "420 mg"),
            ("trastuzumab", "8 mg/kg", "6 mg/kg toutes les 3 semaines"),
        ]
    ]


def test_regimen_acronyms_expand_to_their_drugs_unless_written_out():
    (fec,) = read("Adjuvant FEC x 3 from 2021-09-06.\n")
    assert [d.drug_id for d in fec.drugs] == ["fluorouracil", "epirubicin", "cyclophosphamide"]
    assert fec.cycles is not None and fec.cycles.count == 3
    (ac,) = read("4 AC (doxorubicin 60 mg/m2, cyclophosphamide 600 mg/m2) q21d.\n")
    assert [(d.drug_id, d.dose.text) for d in ac.drugs] == [
        ("doxorubicin", "60 mg/m2"),
        ("cyclophosphamide", "600 mg/m2"),
    ]


def test_label_forms_and_a_dose_before_its_drug():
    assert drugs("The dose of paclitaxel is 80 mg/m2 weekly.\n") == [
        [("paclitaxel", "80 mg/m2 weekly", None)]
    ]
    assert drugs("Docetaxel was administered at a dose of 75 mg/m2 every 3 weeks.\n") == [
        [("docetaxel", "75 mg/m2 every 3 weeks", None)]
    ]
    assert drugs("Elle reçoit 1200 mg de pertuzumab.\n") == [[("pertuzumab", "1200 mg", None)]]


def test_background_is_not_treatment():
    text = (
        "Inclusion criteria: LVEF ≥ 55%.\n"
        "Date | Drug | Dose\n"
        "Enhertu 5.4 mg/kg q3w started 7 Nov 2023 after progression on THP.\n"
    )
    assert drugs(text) == [[("trastuzumab-deruxtecan", "5.4 mg/kg q3w", None)]]


def test_area_under_the_curve_is_auc():
    (carbo,) = read("Carboplatin dosed to an area under the curve of 6 every 3 weeks.\n")
    assert carbo.drugs[0].dose is not None and carbo.drugs[0].dose.readings[0].unit == "AUC"


def test_each_lvef_value_gets_its_own_date(tmp_path):
    text = (
        "Trastuzumab 6 mg/kg toutes les 3 semaines depuis le 10/05/2021, après une dose de charge de 8 mg/kg. "
        "FEVG 66 % le 02/05/2021, 48 % le 20/08/2021. Poursuite du trastuzumab à la même dose le 23/08/2021.\n"
    )
    report = check(tmp_path, text)
    assert [(m.value, str(m.date)) for m in report.case.patient.lvef] == [
        (66.0, "2021-05-02"),
        (48.0, "2021-08-20"),
    ]
    # 66 -> 48 is 18 points, and trastuzumab was given again on 2021-08-23.
    assert ("LVEF_DECLINE", "trastuzumab") in errors(report)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=" \n\t,.;:/()-abcdefgmkAUCTHPx0123456789", max_size=300))
def test_any_text_is_read_without_error_and_spans_stay_inside_it(text):
    for treatment in read(text):
        assert 0 <= treatment.span[0] <= treatment.span[1] <= len(text)
        assert treatment.drugs


# -- the course as a timeline ----------------------------------------------------------

WEEKLY_THEN_3_WEEKLY = """\
schema_version: 1
id: switch
title: weekly then every 3 weeks
patient: {sex: female, age: 50, lvef: [{date: 2020-01-02, value: 62%}]}
treatments:
  - id: weekly
    regimen: TH
    setting: adjuvant
    start: 2020-01-06
    end: 2020-03-23
    frequency: weekly
    cycles: 12
    drugs:
      - {drug: paclitaxel, dose: 80 mg/m2}
      - {drug: trastuzumab, dose: 4 mg/kg loading then 2 mg/kg}
  - id: three-weekly
    regimen: H
    setting: adjuvant
    start: {start}
    frequency: every 3 weeks
    drugs:
      - {drug: trastuzumab, dose: 6 mg/kg}
"""


def test_the_switch_to_every_3_weeks_a_week_after_the_last_weekly_dose_is_not_a_gap(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(WEEKLY_THEN_3_WEEKLY.replace("{start}", "2020-03-30"), encoding="utf-8")
    report = api.check_course(str(path))
    assert ("LOADING_MISSING", "trastuzumab") not in errors(report)


def test_a_restart_after_a_documented_last_dose_is_measured_from_it(tmp_path):
    # 2020-03-23 to 2020-06-01 is 70 days: more than 7 days late for every 3 weeks.
    path = tmp_path / "case.yaml"
    path.write_text(WEEKLY_THEN_3_WEEKLY.replace("{start}", "2020-06-01"), encoding="utf-8")
    report = api.check_course(str(path))
    (missing,) = [f for f in report.findings if f.code == "LOADING_MISSING"]
    assert "70 days since the last trastuzumab (2020-03-23)" in missing.message


def test_subcutaneous_trastuzumab_600_mg_every_3_weeks_is_a_correct_course(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(
        """\
patient: {sex: F, age: 50, weight: 70 kg, height: 165 cm, lvef: 60 %}
treatments:
  - start: 2022-04-03
    frequency: every 3 weeks
    cycles: 18
    drugs: [Herceptin SC 600 mg]
""",
        encoding="utf-8",
    )
    report = api.check_course(str(path))
    assert errors(report) == []
    assert not [f for f in report.findings if f.code in ("WRONG_BASIS", "LOADING_MISSING")]


def test_twice_daily_is_the_oral_drugs_own_schedule_in_its_regimen(tmp_path):
    # Capecitabine 1250 mg/m2 twice daily, days 1-14 of a 21-day cycle (label):
    # twice daily is how the regimen gives it, not a 42-fold dose frequency.
    note = "Capécitabine 1250 mg/m2 matin et soir J1-J14, tous les 21 jours, 8 cycles, débutée le 5 juin 2023.\n"
    assert errors(check(tmp_path, note)) == []
    # Weekly paclitaxel's dose written daily is still 7 times its schedule.
    wrong = "Paclitaxel 80 mg/m2 IV daily x 12 doses from 2022-10-03.\n"
    assert ("FREQUENCY_IMPLAUSIBLE", "paclitaxel") in errors(check(tmp_path, wrong))


def test_a_dose_after_companion_drugs_belongs_to_the_drug_they_accompany(tmp_path):
    # "X in combination with Y: dose" is X's dose when it is on X's basis and
    # not on Y's; a dose that fits the companion stays the companion's.
    text = "Posology of Kadcyla given with pertuzumab: 3.6 mg/kg every 21 days."
    assert drugs(text) == [
        [("trastuzumab-emtansine", "3.6 mg/kg every 21 days", None), ("pertuzumab", None, None)]
    ]
    assert errors(check(tmp_path, text)) == []
    french = (
        "La dose de paclitaxel en association avec le trastuzumab et la pertuzumab est de 80 mg/m2."
    )
    assert ("paclitaxel", "80 mg/m2", None) in drugs(french)[0]
    assert drugs("Trastuzumab in combination with docetaxel 75 mg/m2.")[0][-1] == (
        "docetaxel",
        "75 mg/m2",
        None,
    )


def test_a_slashed_pair_of_doses_goes_to_a_slashed_pair_of_drugs_in_order(tmp_path):
    text = "Cycle 1: Pertuzumab/Trastuzumab SC 1200 mg/600 mg, then maintenance every 3 weeks."
    read_drugs = {d[0]: d[1] for d in drugs(text)[0]}
    assert read_drugs == {"pertuzumab": "1200 mg", "trastuzumab": "600 mg"}
    assert [d.route for d in read(text)[0].drugs] == ["SC", "SC"]
    assert not [c for c, _ in errors(check(tmp_path, text)) if c == "WRONG_BASIS"]


def test_a_dose_without_its_drug_in_a_text_about_one_drug_is_that_drugs(tmp_path):
    # A flat 2.4 mg for Kadcyla (2.4 mg/kg meant) written apart from its name.
    text = "Order: Kadcyla.\n\nComment: infusion given at a dose of 2.4 mg, well tolerated.\n"
    assert ("WRONG_BASIS", "trastuzumab-emtansine") in errors(check(tmp_path, text))
    # With two drugs named, an orphan dose is nobody's.
    two = "Order: Kadcyla and ondansetron.\n\nComment: a dose of 2.4 mg given.\n"
    assert all(d[1] is None for t in drugs(two) for d in t)


def test_a_dose_before_in_combination_with_is_not_the_companions():
    # The drug the dose is for is the page's subject, not named here: the
    # companion after "in combination with" must not take it.
    text = "Usual dose: 250 mg by mouth twice daily, in combination with trastuzumab."
    assert all(d[1] is None for t in drugs(text) for d in t if d[0] == "trastuzumab")
    french = "Posologie : 250 mg deux fois par jour en association avec le trastuzumab."
    assert all(d[1] is None for t in drugs(french) for d in t if d[0] == "trastuzumab")
