"""Label rules the held-out written texts exposed, each checked on a case file
written as a careful reader would structure the text. Expected values are
worked out by hand from the labels cited in each test."""

from __future__ import annotations

from pathlib import Path

import locations
import pytest

from dosecalc import api
from dosecalc.drugs import default_path, load_drug_reference
from dosecalc.errors import DataFileError


def check(tmp_path: Path, text: str) -> list:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return list(api.check_course(str(path)).findings)


def codes(findings: list, drug: str | None = None) -> set[tuple[str, str]]:
    return {(f.severity, f.code) for f in findings if drug is None or f.drug == drug}


def errors(findings: list) -> list[str]:
    return [f"{f.code} {f.drug}: {f.message}" for f in findings if f.severity == "error"]


# -- Phesgo after IV pertuzumab and trastuzumab (Phesgo US PI 2.3) ---------------

IV_THEN_PHESGO = """\
patient: {{sex: F, age: 50}}
treatments:
  - setting: adjuvant
    end: {last_iv}
    drugs:
      - {{drug: pertuzumab, dose: 420 mg, route: IV}}
      - {{drug: trastuzumab, dose: 6 mg/kg, route: IV}}
  - setting: adjuvant
    start: 2025-03-05
    frequency: every 3 weeks
    cycles: 18
    drugs:
      - {{drug: pertuzumab, dose: 600 mg, route: SC}}
      - {{drug: trastuzumab, dose: 600 mg, route: SC}}
"""


def test_a_switch_to_phesgo_within_six_weeks_of_the_last_iv_dose_is_maintenance(tmp_path):
    # Phesgo PI 2.3: less than 6 weeks since the last IV dose, Phesgo is given
    # at its maintenance dose (600 mg/600 mg). 2025-02-12 to 2025-03-05 is
    # 16 days of February + 5 of March = 21 days. The IV statement, dated only
    # by its last dose, says nothing about how the IV line started.
    found = check(tmp_path, IV_THEN_PHESGO.format(last_iv="2025-02-12"))
    assert errors(found) == []
    assert ("info", "LOADING_NOT_DOCUMENTED") in codes(found, "pertuzumab")


def test_a_switch_to_phesgo_six_weeks_or_more_after_the_last_iv_dose_needs_the_initial_dose(
    tmp_path,
):
    # 2025-01-08 to 2025-03-05: 23 days of January + 28 of February + 5 of
    # March = 56 days, 6 weeks or more: the initial dose (1200 mg
    # pertuzumab/600 mg trastuzumab) is due, not 600 mg/600 mg.
    found = check(tmp_path, IV_THEN_PHESGO.format(last_iv="2025-01-08"))
    [missing] = [f for f in found if f.code == "LOADING_MISSING"]
    assert missing.drug == "pertuzumab" and missing.treatment == "treatment-2"
    assert "56 days since the last pertuzumab (2025-01-08)" in missing.message
    assert "1,200 mg" in missing.message


# -- Phesgo written as one product dose ("1200 mg/600 mg") -----------------------

PHESGO_RESTART = """\
patient: {{sex: F, age: 50}}
treatments:
  - setting: adjuvant
    start: 2024-02-06
    end: 2024-05-14
    frequency: every 3 weeks
    drugs:
      - {{drug: pertuzumab, dose: null, route: SC}}
      - {{drug: trastuzumab, dose: 1200 mg/600 mg loading then 600 mg/600 mg, route: SC}}
  - setting: adjuvant
    start: {restart}
    frequency: every 3 weeks
    drugs:
      - {{drug: pertuzumab, dose: null, route: SC}}
      - {{drug: trastuzumab, dose: 600 mg/600 mg, route: SC}}
"""


def test_a_phesgo_restart_after_eight_weeks_at_the_maintenance_dose_misses_the_re_load(tmp_path):
    # Phesgo writes its dose pertuzumab/trastuzumab: "600 mg/600 mg" is the
    # maintenance dose (600 mg pertuzumab). 2024-05-14 to 2024-07-09: 17 days
    # of May + 30 of June + 9 of July = 56 days, 6 weeks or more: the initial
    # 1200 mg/600 mg is due again (Phesgo PI 2.3).
    found = check(tmp_path, PHESGO_RESTART.format(restart="2024-07-09"))
    [missing] = [f for f in found if f.code == "LOADING_MISSING"]
    assert missing.drug == "pertuzumab" and missing.treatment == "treatment-2"
    assert "56 days since the last pertuzumab (2024-05-14)" in missing.message
    # The first injection, 1200 mg pertuzumab, is the loading dose.
    assert ("info", "LOADING_CONFIRMED") in codes(
        [f for f in found if f.treatment == "treatment-1"], "pertuzumab"
    )


def test_a_phesgo_dose_three_weeks_after_the_last_is_maintenance(tmp_path):
    # 2024-05-14 + 21 days = 2024-06-04: on schedule, no re-load.
    found = check(tmp_path, PHESGO_RESTART.format(restart="2024-06-04"))
    assert errors(found) == []


# -- LVEF fall with trastuzumab given after it (Herceptin US PI 2.2) -------------

LVEF_FALL = """\
patient:
  sex: F
  age: 52
  lvef:
    - {{date: 2024-04-25, value: 64 %}}
    - {{date: 2024-10-10, value: 44 %}}
treatments:
  - setting: adjuvant
    start: 2024-05-02
    end: 2024-09-26
    frequency: every 3 weeks
    drugs: [trastuzumab 8 mg/kg loading then 6 mg/kg]
{later}"""


def test_a_dose_after_an_lvef_fall_is_an_error(tmp_path):
    # 64 % -> 44 % is a fall of 20 points (16 or more): the label withholds
    # trastuzumab for at least 4 weeks. A treatment starting on 2024-10-18,
    # after the echo of 2024-10-10, gives it anyway.
    later = """\
  - setting: adjuvant
    start: 2024-10-18
    frequency: every 3 weeks
    drugs: [trastuzumab 6 mg/kg]
"""
    found = check(tmp_path, LVEF_FALL.format(later=later))
    [decline] = [f for f in found if f.code == "LVEF_DECLINE"]
    assert decline.severity == "error"
    assert "20 points" in decline.message and "from 2024-10-18" in decline.message


def test_an_lvef_fall_where_the_record_stops_is_a_warning(tmp_path):
    found = check(tmp_path, LVEF_FALL.format(later=""))
    [decline] = [f for f in found if f.code == "LVEF_DECLINE"]
    assert decline.severity == "warning"


# -- Adjuvant trastuzumab beyond one year, no library regimen --------------------

FEC_DOCETAXEL_H = """\
patient: {{sex: F, age: 50}}
treatments:
  - setting: adjuvant
    frequency: toutes les 3 semaines
    cycles: 3 cycles
    duration: {duration}
    drugs:
      - {{drug: fluorouracil}}
      - {{drug: epirubicin}}
      - {{drug: cyclophosphamide}}
      - {{drug: docetaxel, dose: 100 mg/m2}}
      - {{drug: trastuzumab, dose: 8 mg/kg loading then 6 mg/kg}}
"""


def test_adjuvant_trastuzumab_for_two_years_is_an_error_without_a_library_regimen(tmp_path):
    # Herceptin US PI 2.2: adjuvant treatment for 52 weeks; 2 years is 104
    # weeks (HERA: no benefit, more cardiac events). FEC then docetaxel with
    # trastuzumab matches no library regimen; the limit is still the label's.
    found = check(tmp_path, FEC_DOCETAXEL_H.format(duration="pendant 2 ans"))
    [exceeded] = [f for f in found if f.code == "DURATION_EXCEEDED"]
    assert exceeded.severity == "error" and exceeded.drug == "trastuzumab"
    assert "52 weeks" in exceeded.message


def test_adjuvant_trastuzumab_for_one_year_is_within_the_limit(tmp_path):
    found = check(tmp_path, FEC_DOCETAXEL_H.format(duration="pendant un an"))
    assert not [f for f in found if f.code == "DURATION_EXCEEDED"]


def test_no_adjuvant_limit_for_a_metastatic_course(tmp_path):
    found = check(
        tmp_path,
        FEC_DOCETAXEL_H.format(duration="pendant 2 ans").replace("adjuvant", "metastatic"),
    )
    assert not [f for f in found if f.code == "DURATION_EXCEEDED"]


# -- A dose in mg worked out from the per-kg dose written beside it ----------------

WORKED_OUT = """\
patient: {{sex: F, age: 60}}
treatments:
  - setting: adjuvant
    start: 2025-02-12
    frequency: every 3 weeks
    cycles: cycle 9
    drugs: [trastuzumab 6 mg/kg]
  - setting: adjuvant
    start: 2025-02-12
    frequency: every 3 weeks
    drugs: [trastuzumab {mg}]
"""


def test_a_dose_in_mg_beside_the_per_kg_dose_is_that_dose_worked_out(tmp_path):
    # "Herceptin 6mg/kg IV q3w ... Wt 71 kg -> 426 mg": 426 / 6 = 71 kg, an
    # adult's weight: the per-kg dose in mg, not a flat dose given instead.
    found = check(tmp_path, WORKED_OUT.format(mg="426 mg"))
    assert ("error", "WRONG_BASIS") not in codes(found)
    [worked] = [f for f in found if f.code == "DOSE_WORKED_OUT"]
    assert worked.severity == "info" and "71 kg" in worked.message


def test_a_dose_in_mg_no_adult_weight_explains_stays_a_wrong_basis(tmp_path):
    # 4260 mg / 6 mg/kg = 710 kg: no patient weighs that; a flat dose for a
    # per-kg drug is an error.
    found = check(tmp_path, WORKED_OUT.format(mg="4260 mg"))
    assert ("error", "WRONG_BASIS") in codes(found, "trastuzumab")
    assert not [f for f in found if f.code == "DOSE_WORKED_OUT"]


# -- Drugs added to the reference ----------------------------------------------------


def one_treatment(tmp_path: Path, frequency: str, drugs: str) -> list:
    return check(
        tmp_path,
        f"patient: {{sex: F, age: 60}}\ntreatments:\n  - setting: metastatic\n"
        f"    frequency: {frequency}\n    cycles: 6\n    drugs:\n{drugs}",
    )


def test_a_flat_bevacizumab_dose_is_a_wrong_basis(tmp_path):
    # Avastin PI: 15 mg/kg every 3 weeks with carboplatin and paclitaxel;
    # "15 mg" is 1/82 of it at 82 kg.
    found = one_treatment(
        tmp_path,
        "every 3 weeks",
        "      - {drug: carboplatin, dose: AUC 6}\n"
        "      - {drug: paclitaxel, dose: 200 mg/m2}\n"
        "      - {drug: Avastin, dose: 15 mg, route: IV}\n",
    )
    assert ("error", "WRONG_BASIS") in codes(found, "bevacizumab")


def test_bevacizumab_15_mg_per_kg_every_3_weeks_is_a_label_dose(tmp_path):
    found = one_treatment(
        tmp_path, "every 3 weeks", "      - {drug: bevacizumab, dose: 15 mg/kg, route: IV}\n"
    )
    assert errors(found) == []
    assert not codes(found, "bevacizumab") & {
        ("warning", "DOSE_OUT_OF_RANGE"),
        ("warning", "FREQUENCY_UNUSUAL"),
    }


def test_gemcitabine_with_carboplatin_auc_4_is_the_ovarian_label_regimen(tmp_path):
    # Gemzar PI 2.1: gemcitabine 1000 mg/m2 on days 1 and 8 of each 21-day
    # cycle, carboplatin AUC 4 on day 1. The 1000 mg/m2 is gemcitabine's, not
    # carboplatin's.
    found = one_treatment(
        tmp_path,
        "every 3 weeks",
        "      - {drug: Gemzar, dose: 1000 mg/m2}\n      - {drug: carboplatine, dose: AUC 4}\n",
    )
    assert errors(found) == []
    assert not [f for f in found if f.code == "NOT_UNDERSTOOD"]
    # 10000 mg/m2 is 8 times the highest labelled dose (1250 mg/m2).
    tenfold = one_treatment(
        tmp_path, "every 3 weeks", "      - {drug: gemcitabine, dose: 10000 mg/m2}\n"
    )
    assert ("error", "DOSE_IMPLAUSIBLE") in codes(tenfold, "gemcitabine")


def test_pembrolizumab_400_mg_every_6_weeks_is_a_label_dose_but_not_every_3_weeks(tmp_path):
    # Keytruda PI: 200 mg every 3 weeks or 400 mg every 6 weeks. 400 mg every
    # 3 weeks is twice the labelled dose intensity (42 / 21 = 2).
    drug = "      - {drug: Keytruda, dose: 400 mg, route: IV}\n"
    assert errors(one_treatment(tmp_path, "every 6 weeks", drug)) == []
    found = one_treatment(tmp_path, "every 3 weeks", drug)
    assert ("error", "FREQUENCY_IMPLAUSIBLE") in codes(found, "pembrolizumab")


def test_cetuximab_weekly_is_a_label_dose_and_ten_times_it_an_error(tmp_path):
    # Erbitux PI: 400 mg/m2 initial dose, then 250 mg/m2 weekly; 2500 mg/m2
    # weekly is 6.25 times the highest weekly dose (400 mg/m2).
    cetuximab = one_treatment(
        tmp_path, "weekly", "      - {drug: Erbitux, dose: 400 mg/m2 loading then 250 mg/m2}\n"
    )
    assert errors(cetuximab) == []
    tenfold = one_treatment(tmp_path, "weekly", "      - {drug: cetuximab, dose: 2500 mg/m2}\n")
    assert ("error", "DOSE_IMPLAUSIBLE") in codes(tenfold, "cetuximab")


def test_irinotecan_and_nab_paclitaxel_are_drugs_of_their_own():
    # FOLFIRI's irinotecan (Campto in French) and Abraxane are recognised by
    # name; nab-paclitaxel is never read as paclitaxel (different doses).
    reference = load_drug_reference()
    assert reference.match("irinotécan").drug_id == "irinotecan"
    assert reference.match("Campto").drug_id == "irinotecan"
    assert reference.match("Abraxane").drug_id == "nab-paclitaxel"
    assert reference.match("nab-paclitaxel").drug_id == "nab-paclitaxel"
    assert reference.match("Taxol").drug_id == "paclitaxel"


def test_pancreatic_nab_paclitaxel_on_days_1_8_15_of_28_is_weekly(tmp_path):
    # Abraxane with gemcitabine: 125 mg/m2 on days 1, 8 and 15 of 28-day
    # cycles is weekly (8 - 1 = 15 - 8 = 7 days), not every 4 weeks.
    found = one_treatment(
        tmp_path,
        "cycles de 28 jours",
        "      - {drug: Abraxane, dose: 125 mg/m2 J1 J8 J15}\n"
        "      - {drug: gemcitabine, dose: 1000 mg/m2 J1 J8 J15}\n",
    )
    assert errors(found) == []
    assert not [f for f in found if f.code in ("FREQUENCY_UNUSUAL", "DOSE_OUT_OF_RANGE")]


def test_dose_dense_ec_with_pegfilgrastim_is_a_published_schedule(tmp_path):
    # AERO B03 / GIM2: epirubicin 90-100 mg/m2 and cyclophosphamide 600 mg/m2
    # every 2 weeks with pegfilgrastim: 21 / 14 = 1.5 times the 3-weekly
    # dose intensity, published, so neither an error nor a warning.
    found = check(
        tmp_path,
        "patient: {sex: F, age: 44}\ntreatments:\n  - setting: adjuvant\n"
        "    start: 2024-11-04\n    frequency: toutes les 2 semaines\n    cycles: 4\n"
        "    drugs:\n      - {drug: épirubicine, dose: 90 mg/m2}\n"
        "      - {drug: cyclophosphamide, dose: 600 mg/m2}\n"
        "      - {drug: pegfilgrastim, dose: 6 mg, route: SC}\n",
    )
    assert errors(found) == []
    assert not [f for f in found if f.code in ("FREQUENCY_UNUSUAL", "FREQUENCY_IMPLAUSIBLE")]


def test_days_1_8_15_of_a_21_day_cycle_are_weekly_doses(tmp_path):
    # KEYNOTE-522: paclitaxel 80 mg/m2 on days 1, 8 and 15 of 21-day cycles is
    # weekly paclitaxel (8 - 1 = 15 - 8 = 7 days), its labelled weekly dose,
    # not 80 mg/m2 every 3 weeks.
    found = one_treatment(
        tmp_path,
        "cycles de 21 jours",
        "      - {drug: paclitaxel, dose: 80 mg/m2 J1 J8 J15}\n"
        "      - {drug: carboplatine, dose: AUC 5}\n",
    )
    assert not [f for f in found if f.code in ("FREQUENCY_UNUSUAL", "FREQUENCY_IMPLAUSIBLE")]


def test_gemcitabine_on_days_1_and_8_is_judged_per_21_day_cycle(tmp_path):
    # Gemzar PI 2.2: 1250 mg/m2 on days 1 and 8 of each 21-day cycle with
    # paclitaxel. Its range is given per 21-day cycle; read as weekly it would
    # be 3 times that intensity, which it is not.
    found = one_treatment(
        tmp_path,
        "cycles de 21 jours",
        "      - {drug: gemcitabine, dose: 1250 mg/m2 J1 J8}\n"
        "      - {drug: paclitaxel, dose: 175 mg/m2}\n",
    )
    assert errors(found) == []
    assert not [f for f in found if f.code in ("FREQUENCY_UNUSUAL", "FREQUENCY_IMPLAUSIBLE")]


def test_capox_rchop14_and_e4599_doses_are_published_schedules(tmp_path):
    # XELOXA: oxaliplatin 130 mg/m2 every 3 weeks; RICOVER-60: R-CHOP every
    # 14 days with G-CSF support; E4599: paclitaxel 200 mg/m2 with carboplatin AUC 6 every 3
    # weeks. None is a warning.
    for frequency, drugs in (
        ("every 3 weeks", "      - {drug: oxaliplatin, dose: 130 mg/m2}\n"),
        (
            "every 2 weeks",
            "      - {drug: rituximab, dose: 375 mg/m2}\n"
            "      - {drug: vincristine, dose: 1.4 mg/m2}\n"
            "      - {drug: pegfilgrastim, dose: 6 mg, route: SC}\n",
        ),
        (
            "every 3 weeks",
            "      - {drug: paclitaxel, dose: 200 mg/m2}\n      - {drug: carboplatin, dose: AUC 6}\n",
        ),
    ):
        found = one_treatment(tmp_path, frequency, drugs)
        assert not [f for f in found if f.code in ("FREQUENCY_UNUSUAL", "DOSE_OUT_OF_RANGE")], drugs


def test_a_microgram_range_is_printed_mcg(tmp_path):
    # ISMP: "mcg", never "ug" or "µg". Filgrastim is 5 mcg/kg a day; 5 mg/kg
    # is 1000 times that.
    found = one_treatment(
        tmp_path, "daily", "      - {drug: filgrastim, dose: 5 mg/kg, route: SC}\n"
    )
    [unit] = [f for f in found if f.code == "UNIT_IMPLAUSIBLE"]
    assert "5 mcg/kg" in unit.message and "ug/" not in unit.message


def test_dose_dense_ec_without_a_growth_factor_is_not_the_published_schedule(tmp_path):
    # Dose-dense EC is published only with G-CSF support; without any growth
    # factor documented, every 2 weeks is 21 / 14 = 1.5 times the 3-weekly
    # intensity of an unlisted schedule: a warning to confirm.
    found = check(
        tmp_path,
        "patient: {sex: F, age: 44}\ntreatments:\n  - setting: adjuvant\n"
        "    frequency: every 2 weeks\n    cycles: 4\n"
        "    drugs:\n      - {drug: epirubicin, dose: 90 mg/m2}\n"
        "      - {drug: cyclophosphamide, dose: 600 mg/m2}\n",
    )
    assert errors(found) == []
    [unusual] = [f for f in found if f.code == "FREQUENCY_UNUSUAL"]
    assert "1.5 times" in unusual.message
    # Cyclophosphamide's own dose-dense schedule is no labelled schedule of
    # the pair: the message lists every 3 or 4 weeks, not every 2 weeks.
    assert "(every 3 weeks or every 4 weeks)" in unusual.message


def test_a_dose_in_mg_beside_the_per_kg_dose_without_a_regimen_is_worked_out(tmp_path):
    # FOLFOX-bevacizumab letter: "bevacizumab 5 mg/kg", then "350 mg":
    # 350 / 5 = 70 kg. No library regimen: the drug reference's basis (per kg).
    found = check(
        tmp_path,
        "patient: {sex: F, age: 60}\ntreatments:\n"
        "  - {setting: metastatic, frequency: every 2 weeks, drugs: [bevacizumab 5 mg/kg]}\n"
        "  - {setting: metastatic, frequency: every 2 weeks, drugs: [bevacizumab 350 mg]}\n",
    )
    assert errors(found) == []
    [worked] = [f for f in found if f.code == "DOSE_WORKED_OUT"]
    assert "70 kg" in worked.message


def test_weekly_cisplatin_with_radiotherapy(tmp_path):
    # Weekly cisplatin with radiotherapy is 30-40 mg/m2; 400 mg/m2 is ten
    # times it. Cisplatin is a drug of its own, never read as carboplatin.
    assert load_drug_reference().match("cisplatine").drug_id == "cisplatin"
    right = one_treatment(tmp_path, "weekly", "      - {drug: cisplatine, dose: 40 mg/m2}\n")
    assert errors(right) == []
    tenfold = one_treatment(tmp_path, "weekly", "      - {drug: cisplatine, dose: 400 mg/m2}\n")
    assert ("error", "DOSE_IMPLAUSIBLE") in codes(tenfold, "cisplatin")


def test_nivolumab_in_mcg_is_a_unit_error_that_names_the_mg_dose(tmp_path):
    # Opdivo: 240 mg every 2 weeks or 480 mg every 4 weeks; "240 mcg" is
    # 1000 times too little, and 240 mg is what was meant.
    assert (
        errors(one_treatment(tmp_path, "every 4 weeks", "      - {drug: Opdivo, dose: 480 mg}\n"))
        == []
    )
    found = one_treatment(tmp_path, "every 2 weeks", "      - {drug: nivolumab, dose: 240 mcg}\n")
    [unit] = [f for f in found if f.code == "UNIT_IMPLAUSIBLE"]
    assert "240 mg every 2 weeks (mg, not mcg) is meant" in unit.message


def test_a_usual_dose_support_must_be_a_known_one(tmp_path):
    # `support: growth_factor` is the one support a schedule can need; a
    # misspelt value is refused with its file, line and field.
    path = tmp_path / "drugs.yaml"
    text = default_path().read_text(encoding="utf-8")
    path.write_text(text.replace("support: growth_factor", "support: gcsf", 1), encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_drug_reference(path)
    assert "support: 'gcsf' is not one of: growth_factor" in str(raised.value)


# -- Doses worked out for the day, a few statements after the plan -----------------

VERIFICATION_NOTE = (
    "Pharmacy verification note.\n"
    "Plan: doxorubicin 60 mg/m2 IV + cyclophosphamide 600 mg/m2 IV every 14 days x 4,"
    " then paclitaxel 80 mg/m2 IV weekly x 12.\n"
    "C1D1 today: doxorubicin {doxorubicin}, cyclophosphamide {cyclophosphamide}.\n"
)


def check_note(tmp_path: Path, **doses: str) -> list:
    path = tmp_path / "note.txt"
    path.write_text(VERIFICATION_NOTE.format(**doses), encoding="utf-8")
    return list(api.check_course(None, text_file=str(path)).findings)


def test_the_days_doses_in_mg_after_the_plan_in_mg_per_m2_are_worked_out(tmp_path):
    # 106 mg / 60 mg/m2 = 1.77 m2 and 1062 mg / 600 mg/m2 = 1.77 m2: an
    # adult's BSA, so these are the plan's doses worked out for the day,
    # although the paclitaxel statement stands between them.
    found = check_note(tmp_path, doxorubicin="106 mg", cyclophosphamide="1062 mg")
    assert errors(found) == []
    worked = {f.drug: f.message for f in found if f.code == "DOSE_WORKED_OUT"}
    assert "1.77 m²" in worked["doxorubicin"] and "1.77 m²" in worked["cyclophosphamide"]


def test_a_flat_dose_no_adult_bsa_explains_stays_a_wrong_basis_after_the_plan(tmp_path):
    # 60 mg / 60 mg/m2 = 1 m2: no adult's BSA; the mg/m2 figure written in mg.
    found = check_note(tmp_path, doxorubicin="60 mg", cyclophosphamide="1062 mg")
    assert ("error", "WRONG_BASIS") in codes(found, "doxorubicin")
    assert ("error", "WRONG_BASIS") not in codes(found, "cyclophosphamide")


# -- An LVEF measured before treatment, with its exam's own date ---------------------

LVEF_LETTER = (
    "Compte rendu de consultation - 19/05/2026\n"
    "Cancer du sein HER2+ traité en néoadjuvant par TCHP.\n"
    "Poursuite en adjuvant du pertuzumab 420 mg et du trastuzumab 6 mg/kg toutes les 3 semaines,"
    " cure 11 ce jour.\n"
    "FEVG : 64 % avant traitement ({baseline}), 47 % sur l'échographie du 12/05/2026.\n"
    "Conduite à tenir : poursuite du pertuzumab et du trastuzumab sans modification.\n"
)


def test_a_baseline_lvef_dated_by_its_exam_makes_a_fall_with_trastuzumab_continued_an_error(
    tmp_path,
):
    # Herceptin PI 2.2: withhold for a fall of 16 points or more from the
    # baseline. 64 % on 10/11/2025 (before the line began), 47 % on
    # 12/05/2026: 17 points, and trastuzumab continued after it.
    path = tmp_path / "letter.txt"
    path.write_text(LVEF_LETTER.format(baseline="échographie du 10/11/2025"), encoding="utf-8")
    found = list(api.check_course(None, text_file=str(path)).findings)
    assert any(
        f.severity == "error" and f.drug == "trastuzumab" and "LVEF" in f.code for f in found
    ), errors(found)


def test_adjuvant_trastuzumab_prolonged_for_a_total_of_24_months_is_an_error(tmp_path):
    # Herceptin PI 2.2: adjuvant trastuzumab for one year (52 weeks); "une
    # durée totale de 24 mois" is twice that, said with a pronoun ("le").
    path = tmp_path / "letter.txt"
    path.write_text(
        "Cancer du sein HER2+ en traitement adjuvant. Le trastuzumab a été débuté le"
        " 06/10/2025 à 8 mg/kg IV puis 6 mg/kg IV toutes les 3 semaines. Il a été poursuivi"
        " seul, à la même dose. Nous avons décidé de le prolonger pour une durée totale de"
        " 24 mois.\n",
        encoding="utf-8",
    )
    found = list(api.check_course(None, text_file=str(path)).findings)
    assert any(f.severity == "error" and f.drug == "trastuzumab" for f in found), [
        (f.severity, f.code) for f in found
    ]


def test_a_prescription_to_be_continued_is_not_a_new_line_missing_its_loading_dose():
    # A day-unit handover (heldout4 606): "Herceptin seul en adjuvant depuis la
    # fin du paclitaxel ... trastuzumb 6 mg/kg IV 3 fois par semaine, à
    # poursuivre jusqu'à 1 an": the maintenance dose of a line already under
    # way, not a first dose that needed a loading dose. The planted slip,
    # "3 fois par semaine" for every 3 weeks, is the one error.
    [note] = (locations.CORPUS / "heldout4").glob("606-*.txt")
    found = list(api.check_course(None, text_file=str(note)).findings)
    assert [f.code for f in found if f.severity == "error"] == ["FREQUENCY_IMPLAUSIBLE"], errors(
        found
    )
