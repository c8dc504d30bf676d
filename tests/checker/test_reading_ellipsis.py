"""Doses, dates and frequencies that a pharmacist attaches to the right drug
although the sentence does not name it (issue 9, section 4): each test says
what the words mean, worked out from the words."""

from __future__ import annotations

from dosecalc.checker.fromtext import case_from_text, regimen_names
from dosecalc.checker.reading import ReadTreatment, read_treatments
from dosecalc.drugs import load_drug_reference


def read(text: str) -> list[ReadTreatment]:
    return read_treatments(text, load_drug_reference(), regimen_names())


def test_a_dose_per_kg_after_a_regimen_in_mg_per_m2_is_the_antibodys():
    # Ontruzant is a trastuzumab biosimilar; "8 mg/kg" cannot be a dose of
    # epirubicin or cyclophosphamide (EC, dosed per m2), so the loading and
    # maintenance doses are trastuzumab's, with their schedule and date.
    text = (
        "Ontruzant (trastuzumab biosimilar) for HER2+ early breast cancer, adjuvant, "
        "after 4 cycles of EC. Loading 8 mg/kg IV on 16/09/2024, then 6 mg/kg IV q3d x 16.\n"
    )
    treatments = read(text)
    herceptin = next(t for t in treatments if t.drugs[0].drug_id == "trastuzumab")
    (trastuzumab,) = herceptin.drugs
    assert trastuzumab.dose is not None and trastuzumab.dose.text.startswith("8 mg/kg")
    assert trastuzumab.maintenance is not None and trastuzumab.maintenance.text.startswith(
        "6 mg/kg"
    )
    every = herceptin.frequency or trastuzumab.maintenance.frequency
    assert every is not None and every.interval_days == 3
    assert herceptin.start is not None and (herceptin.start.month, herceptin.start.day) == (9, 16)
    ec = next(t for t in treatments if t.drugs[0].drug_id == "epirubicin")
    assert all(d.dose is None for d in ec.drugs)


def test_biosimilar_brands_and_t_dm1_spellings_name_their_drug():
    reference = load_drug_reference()
    for written, drug in [
        ("Zercepac", "trastuzumab"),
        ("Kanjinti", "trastuzumab"),
        ("TDM1", "trastuzumab-emtansine"),
        ("T-DM-1", "trastuzumab-emtansine"),
        ("Truxima", "rituximab"),
        ("Aybintio", "bevacizumab"),
    ]:
        found = reference.find_names(f"{written} 6 mg/kg")
        assert [m.drug_id for m, _ in found] == [drug], written


def lvef_of(text: str) -> list[tuple[str | None, float]]:
    case, _, _ = case_from_text(text, "note.txt")
    return [(m.date.value.isoformat() if m.date else None, m.value) for m in case.patient.lvef]


def test_an_lvef_before_treatment_is_dated_at_the_start_and_the_new_one_by_its_exam():
    # The echo of 10/10/2024 found 44 %; 64 % was measured before the
    # treatment that started on 02/05/2024: the baseline, not an October value.
    text = (
        "Elle reçoit le trastuzumab 8 mg/kg puis 6 mg/kg toutes les 3 semaines depuis le "
        "02/05/2024. L'échographie cardiaque du 10/10/2024 retrouve une FEVG à 44 % "
        "(64 % avant traitement).\n"
    )
    assert sorted(lvef_of(text)) == [("2024-05-02", 64.0), ("2024-10-10", 44.0)]


def test_the_next_injection_of_a_continued_treatment_is_a_date_it_is_given():
    text = (
        "Trastuzumab 6 mg/kg toutes les 3 semaines depuis le 02/05/2024. "
        "Il a été poursuivi sans interruption ; prochaine injection le 18/10/2024.\n"
    )
    (trastuzumab,) = read(text)
    assert [(d.year, d.month, d.day) for d in trastuzumab.given] == [(2024, 10, 18)]


def test_a_last_dose_date_ends_the_course_and_today_is_the_notes_date():
    # The IV course ended with its last dose on 12/02/2025; the Phesgo dose
    # "given today" in the note of 05/03/2025 was given on 05/03/2025.
    text = (
        "Switch note, 05/03/2025. Last IV dose 12/02/2025 (pertuzumab 420 mg, "
        "trastuzumab 6 mg/kg). Phesgo 600 mg/600 mg SC given today, then every 3 weeks.\n"
    )
    iv, phesgo = read(text)
    assert iv.start is None
    assert iv.end is not None and (iv.end.year, iv.end.month, iv.end.day) == (2025, 2, 12)
    assert phesgo.start is not None
    assert (phesgo.start.year, phesgo.start.month, phesgo.start.day) == (2025, 3, 5)


def test_today_without_a_dated_heading_is_no_date():
    (phesgo,) = read("Phesgo 600 mg/600 mg SC given today, then every 3 weeks.\n")
    assert phesgo.start is None


def test_a_restart_today_heading_dates_the_doses_listed_under_it():
    # The handover of 03/03/2025 says "Reprise ce jour" above the two doses:
    # both were given on 03/03/2025, not on the earlier last infusion.
    text = (
        "HDJ — transmissions du 03/03/2025\n\n"
        "Dernière perfusion le 06/01/2025.\n\n"
        "Reprise ce jour, poids 61 kg :\n"
        "- Perjeta 420 mg IV en 30 min\n"
        "- Herceptin 6 mg/kg IV en 30 min\n"
    )
    restarted = [t for t in read(text) if any(d.dose for d in t.drugs)]
    assert [t.drugs[0].drug_id for t in restarted] == ["pertuzumab", "trastuzumab"]
    for t in restarted:
        assert t.start is not None and (t.start.year, t.start.month, t.start.day) == (2025, 3, 3)


def test_a_stated_cumulative_dose_belongs_to_the_drug_named_with_it():
    # 4 cycles of doxorubicin 60 mg/m2 make 240 mg/m2: the doxorubicin
    # total, never a cyclophosphamide dose (AC is named after the word).
    text = (
        "Doxorubicin 60 mg/m2 and cyclophosphamide 600 mg/m2 IV every 14 days for 4 cycles. "
        "Her cumulative doxorubicin dose at the end of AC will be 240 mg/m2.\n"
    )
    for t in read(text):
        for d in t.drugs:
            if d.drug_id == "cyclophosphamide":
                assert d.dose is not None and d.dose.text.startswith("600 mg/m2")
                assert d.maintenance is None and d.cumulative is None
            if d.drug_id == "doxorubicin" and d.dose is not None:
                assert d.dose.text.startswith("60 mg/m2")


def test_a_cumulative_dose_with_its_drug_before_the_word():
    (t,) = read("Doxorubicine, dose cumulée 300 mg/m2.\n")
    (doxorubicin,) = t.drugs
    assert doxorubicin.dose is None
    assert doxorubicin.cumulative is not None and doxorubicin.cumulative.text == "300 mg/m2"


def test_the_last_dose_named_to_date_the_next_is_not_a_new_dose():
    # Nivolumab 240 mg every 2 weeks, then 480 mg every 4 weeks from
    # 03/11/2025: "la dernière dose de 240 mg" is the dose already given.
    text = (
        "Nivolumab 240 mg IV tous les 14 jours depuis le 02/06/2025, dernière le 20/10/2025.\n"
        "Première dose de 480 mg deux semaines après la dernière dose de 240 mg, soit le "
        "03/11/2025, puis nivolumab 480 mg IV toutes les 4 semaines.\n"
    )
    doses = [
        (d.dose.text.split(" IV")[0], t.frequency) for t in read(text) for d in t.drugs if d.dose
    ]
    assert [dose for dose, _ in doses] == ["240 mg", "480 mg"]
    every = doses[1][1]
    assert every is not None and every.interval_days == 28


def test_the_drug_of_a_combination_condition_is_not_given_the_dose():
    # Xeloda SmPC: "when combined with irinotecan, the dose [of capecitabine]
    # is 800 mg/m2 twice daily": irinotecan's own dose is 200 mg/m2 on day 1.
    text = (
        "En cas d'association avec l'irinotecan, la dose initiale recommandée est de "
        "800 mg/m² deux fois par jour pendant 14 jours, associée à l'irinotécan à 200 mg/m² "
        "le Jour 1.\n"
    )
    given = [
        (d.drug_id, dose.text)
        for t in read(text)
        for d in t.drugs
        for dose in (d.dose, d.maintenance)
        if dose is not None
    ]
    assert ("irinotecan", "200 mg/m²") in given
    assert all(not dose.startswith("800") for drug, dose in given if drug == "irinotecan")


def test_the_schedule_of_the_last_dose_is_not_the_new_statements():
    # One week after the last weekly dose, trastuzumab goes on at 6 mg/kg
    # every 3 weeks: "hebdomadaire" describes the doses before.
    (t,) = read(
        "Une semaine après la dernière dose hebdomadaire, le trastuzumab a été poursuivi "
        "à 6 mg/kg toutes les 3 semaines.\n"
    )
    assert t.frequency is not None and t.frequency.interval_days == 21


def test_a_birth_date_on_the_first_line_is_not_the_notes_date():
    (phesgo,) = read("Mme G., née le 14/07/1961\nPhesgo 600 mg/600 mg SC ce jour.\n")
    assert phesgo.start is None


def test_numbered_order_lines_under_a_heading_take_its_schedule_and_start():
    # The heading names the three drugs, every 3 weeks from 14/10/2025; the
    # numbered lines below give each its dose: one treatment, every 3 weeks.
    text = (
        "Order set: carboplatin / paclitaxel + pembrolizumab, cycles 1-4, q3w\n"
        "Start date 14/10/2025\n\n"
        "1. Pembrolizumab 200 mg IV over 30 min, D1\n"
        "2. Paclitaxel 200 mg/m2 IV over 3 h, D1\n"
        "3. Carboplatin AUC 6 IV over 30 min, D1\n"
    )
    (order,) = read(text)
    assert order.frequency is not None and order.frequency.interval_days == 21
    assert order.start is not None and (order.start.month, order.start.day) == (10, 14)
    doses = {d.drug_id: d.dose.text.split(" IV")[0] for d in order.drugs if d.dose}
    assert doses == {"pembrolizumab": "200 mg", "paclitaxel": "200 mg/m2", "carboplatin": "AUC 6"}
