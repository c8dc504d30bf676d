"""Free-text forms read as a pharmacist reads them (issue 9, section 4):
each test states what the sentence means, worked out from the sentence."""

from __future__ import annotations

from dosecalc.checker.fromtext import regimen_names
from dosecalc.checker.reading import read_treatments
from dosecalc.drugs import load_drug_reference


def read(text: str):
    return read_treatments(text, load_drug_reference(), regimen_names())


def test_a_daily_rate_over_a_few_days_is_not_the_course_schedule():
    # mFOLFOX6: 5-FU 2400 mg/m2 over 46-48 hours every 2 weeks, written as
    # 1200 mg/m2 per day over 2 days. The course is every 2 weeks, not daily.
    (folfox,) = read(
        "5-FU 1200 mg/m2/day continuous intravenous infusion over 2 days, every 2 weeks.\n"
    )
    (fluorouracil,) = folfox.drugs
    assert fluorouracil.dose is not None and fluorouracil.dose.frequency is None
    assert folfox.frequency is not None and folfox.frequency.id == "every_2_weeks"


def test_a_daily_oral_dose_keeps_its_daily_schedule():
    # Capecitabine is taken every day of days 1-14: "/day" is its schedule.
    (cape,) = read("Capecitabine 2000 mg/m2/day for 14 days every 3 weeks.\n")
    (capecitabine,) = cape.drugs
    assert capecitabine.dose is not None and capecitabine.dose.frequency is not None
    assert capecitabine.dose.frequency.id == "daily"


def doses(text: str) -> list[list[tuple[str, str | None]]]:
    return [[(d.drug_id, d.dose.text if d.dose else None) for d in t.drugs] for t in read(text)]


def test_numbers_after_a_regimen_name_are_its_drugs_doses_per_m2():
    # "AC 60/600": doxorubicin 60 mg/m2 and cyclophosphamide 600 mg/m2.
    assert doses("Proposition : 4 AC 60/600 J1=J22.\n") == [
        [("doxorubicin", "60 mg/m2"), ("cyclophosphamide", "600 mg/m2")]
    ]


def test_a_date_or_a_variant_number_after_a_regimen_name_is_no_dose():
    # "EC 21/11" is the 21st of November; "FEC 100" names the epirubicin variant.
    assert doses("Début EC 21/11.\n") == [[("epirubicin", None), ("cyclophosphamide", None)]]
    assert doses("3 FEC 100 puis 3 docétaxel.\n")[0] == [
        ("fluorouracil", None),
        ("epirubicin", None),
        ("cyclophosphamide", None),
    ]


def test_a_drug_previously_received_is_history_not_treatment():
    # Kadcyla's indication: patients who had trastuzumab before; the doses
    # that follow are not trastuzumab's.
    text = (
        "Indicated for patients who previously received trastuzumab and a taxane.\n"
        "- 3.6 mg/kg IV infusion q3weeks\n"
        "- Second dose reduction: 2.4 mg/kg\n"
    )
    assert all(d.drug_id != "trastuzumab" for t in read(text) for d in t.drugs)


def test_a_schedule_written_for_one_drug_of_a_list_is_that_drugs_own():
    # Tucatinib twice a day, with capecitabine twice a day on days 1-14 and
    # trastuzumab every 21 days: trastuzumab is not given twice a day.
    text = (
        "Tucatinib was given in combination with capecitabine 1000 mg/m2 twice a day "
        "and trastuzumab 6 mg/kg once every 21 days. The recommended dose of tucatinib "
        "was 300 mg orally twice a day.\n"
    )
    (with_trastuzumab,) = [
        t for t in read(text) if any(d.drug_id == "trastuzumab" for d in t.drugs)
    ]
    trastuzumab = next(d for d in with_trastuzumab.drugs if d.drug_id == "trastuzumab")
    schedule = trastuzumab.frequency or with_trastuzumab.frequency
    assert schedule is None or schedule.id != "twice_daily"


def test_regimens_in_a_trial_report_are_arms_not_a_line_start():
    # "60 patients were enrolled": the regimen is a trial's, no loading dose
    # can be judged missing on it.
    text = (
        "Trastuzumab 6 mg/kg intravenously once every 21 days with capecitabine.\n"
        "Sixty patients were enrolled and treated.\n"
    )
    (arm,) = [t for t in read(text) if t.drugs]
    assert arm.continued


def test_a_loading_dose_written_as_given_before_is_its_own_single_dose():
    # The maintenance course started 15 March 2019 every 3 weeks; the 8 mg/kg
    # loading dose came before it, once: not part of the 3-weekly course.
    text = "Adjuvant trastuzumab 6 mg/kg every 3 weeks since 15 March 2019, after an 8 mg/kg loading dose.\n"
    loading, course = read(text)
    assert [(d.drug_id, d.dose.text if d.dose else None) for d in loading.drugs] == [
        ("trastuzumab", "8 mg/kg")
    ]
    assert loading.frequency is None and loading.start is None
    assert [d.dose.text if d.dose else None for d in course.drugs] == ["6 mg/kg every 3 weeks"]
    assert course.start is not None and course.start.month == 3 and course.continued
    # In French too.
    loading, course = read(
        "Trastuzumab 6 mg/kg toutes les 3 semaines depuis le 10/05/2021, après une dose de "
        "charge de 8 mg/kg.\n"
    )
    assert loading.drugs[0].dose is not None and loading.drugs[0].dose.text == "8 mg/kg"
    assert loading.drugs[0].loading_marked and course.continued


def test_days_of_a_cycle_take_the_cycle_written_for_the_companion_drug():
    # Paclitaxel days 1, 8, 15 of a 28-day cycle with bevacizumab days 1 and
    # 15: both are given on a 28-day cycle.
    (course,) = read(
        "Paclitaxel 80 mg/m2 J1 J8 J15 tous les 28 jours associé au bévacizumab "
        "10 mg/kg J1 et J15.\n"
    )
    schedules = {d.written: (d.frequency or course.frequency) for d in course.drugs}
    assert {name: f.interval_days if f else None for name, f in schedules.items()} == {
        "Paclitaxel": 28,
        "bévacizumab": 28,
    }


def test_a_dose_without_days_does_not_take_another_drugs_cycle():
    # "ondansetron 8 mg" with no day written: the text gives it no schedule.
    (course,) = read("Docetaxel 75 mg/m2 every 21 days with ondansetron 8 mg.\n")
    ondansetron = next(d for d in course.drugs if d.drug_id == "ondansetron")
    assert ondansetron.frequency is None


def test_a_schedule_line_after_a_bulleted_list_is_every_lines_schedule():
    # A protocol lists R-CHOP's components one a line, then the cycle: every
    # component is repeated every 21 days, for 6 cycles.
    text = (
        "- Rituximab 375 mg/m2 IV on day 1\n"
        "- Cyclophosphamide 750 mg/m2 IV on day 1\n"
        "- Doxorubicin 50 mg/m2 IV on day 1\n"
        "- Repeat every 21 days for 6 cycles\n"
    )
    treatments = read(text)
    assert [d.drug_id for t in treatments for d in t.drugs] == [
        "rituximab",
        "cyclophosphamide",
        "doxorubicin",
    ]
    assert [(t.frequency.interval_days if t.frequency else None) for t in treatments] == [21] * 3
    assert [(t.cycles.count if t.cycles else None) for t in treatments] == [6] * 3


def test_a_schedule_in_running_text_stays_with_the_statement_before_it():
    # Not a list: "repeat every 21 days" completes the last statement only.
    treatments = read(
        "Rituximab 375 mg/m2 was given in May.\n\nDoxorubicin 50 mg/m2 IV. Repeat every 21 days.\n"
    )
    assert treatments[0].frequency is None


def test_a_regimen_name_as_the_title_of_its_drug_lines_is_not_a_treatment():
    # The heading names mFOLFOX6; its drugs are given in the lines after it.
    text = (
        "Components of mFOLFOX6\n\n"
        "- Oxaliplatin 85 mg/m2 IV on day 1\n"
        "- Leucovorin 400 mg/m2 IV on day 1\n"
        "- 5-FU 400 mg/m2 IV bolus on day 1\n"
    )
    treatments = read(text)
    assert [[d.drug_id for d in t.drugs] for t in treatments] == [
        ["oxaliplatin"],
        ["leucovorin"],
        ["fluorouracil"],
    ]


def test_a_regimen_name_alone_is_still_a_treatment():
    # "Adjuvant FEC x 3": the drugs are not written out anywhere else.
    (fec,) = read("Adjuvant FEC x 3 from 2021-09-06.\n\nThen docetaxel 100 mg/m2.\n")[:1]
    assert [d.drug_id for d in fec.drugs] == ["fluorouracil", "epirubicin", "cyclophosphamide"]


def test_a_dose_restated_as_a_daily_total_is_not_a_second_dose():
    # Xeloda SmPC: 1250 mg/m2 twice daily, "that is a total daily dose of
    # 2500 mg/m2": one dose, written twice. The 14 days followed by a 7-day
    # rest are days of each cycle, not how long the treatment lasts.
    treatments = read(
        "La posologie de capécitabine est de 1250 mg/m² deux fois par jour (matin et soir ; "
        "soit une dose quotidienne totale de 2500 mg/m²) pendant 14 jours, suivie d'une "
        "période sans traitement de 7 jours.\n"
    )
    doses = [d.dose.text for t in treatments for d in t.drugs if d.dose is not None]
    assert doses == ["1250 mg/m² deux fois par jour"]
    assert all(t.duration is None for t in treatments)


def test_two_doses_in_one_sentence_without_a_restatement_are_both_read():
    treatments = read("Docetaxel 75 mg/m2 and cyclophosphamide 600 mg/m2 every 3 weeks.\n")
    assert [d.dose.text for t in treatments for d in t.drugs if d.dose] == [
        "75 mg/m2",
        "600 mg/m2 every 3 weeks",
    ]


def test_dose_lines_under_a_drug_heading_in_a_new_block_are_that_drugs():
    # Enhertu's label: the reduction schedule is a block of its own under a
    # heading naming the drug; 4.4 and 3.2 mg/kg are its reduction levels.
    text = (
        "Recommended dosage of ENHERTU: 5.4 mg/kg IV every 3 weeks.\n\n"
        "ENHERTU dose reduction schedule\n"
        "Recommended starting dose 5.4 mg/kg\n"
        "First dose reduction 4.4 mg/kg\n"
        "Second dose reduction 3.2 mg/kg\n"
    )
    read_doses = [
        (d.drug_id, d.dose.text, d.reduced) for t in read(text) for d in t.drugs if d.dose
    ]
    assert ("trastuzumab-deruxtecan", "4.4 mg/kg", True) in read_doses
    assert ("trastuzumab-deruxtecan", "3.2 mg/kg", True) in read_doses


def test_a_drug_named_again_with_nothing_of_its_own_is_no_new_treatment():
    # A later paragraph names Kadcyla again; its dose was written before.
    text = (
        "Kadcyla 3.6 mg/kg every 3 weeks for 14 cycles.\n\n"
        "KADCYLA is given by a healthcare professional.\n"
    )
    assert len(read(text)) == 1


def test_a_line_wrapped_mid_sentence_is_one_sentence():
    # Label text copied from a PDF breaks lines inside sentences.
    from dosecalc.checker.extract import _sentences

    text = "la dose de charge initiale recommandée de\nHerceptin est de 8 mg/kg.\nFEVG 60 %.\n"
    assert [text[a:b] for a, b in _sentences(text)] == [
        "la dose de charge initiale recommandée de\nHerceptin est de 8 mg/kg.",
        "FEVG 60 %.",
    ]


def test_loading_and_maintenance_doses_in_two_sentences_are_one_course():
    # Herceptin SmPC: loading 8 mg/kg, then maintenance 6 mg/kg every 3 weeks.
    (course,) = read(
        "La dose de charge initiale recommandée de Herceptin est de 8 mg/kg de poids corporel. "
        "La dose d'entretien recommandée de Herceptin est de 6 mg/kg de poids corporel "
        "administrée toutes les trois semaines.\n"
    )
    (trastuzumab,) = course.drugs
    assert trastuzumab.loading_marked
    assert trastuzumab.dose is not None and trastuzumab.dose.text == "8 mg/kg"
    assert trastuzumab.maintenance is not None and trastuzumab.maintenance.text == "6 mg/kg"
    assert course.frequency is not None and course.frequency.interval_days == 21


def test_a_dose_after_the_loading_dose_is_not_the_loading_dose():
    (course,) = read("Après la dose de charge, trastuzumab 6 mg/kg toutes les 3 semaines.\n")
    assert not course.drugs[0].loading_marked


def test_subsequent_doses_in_the_next_sentence_are_the_maintenance_dose():
    # Perjeta SmPC: 840 mg first, then 420 mg every 3 weeks.
    (course,) = read(
        "La dose initiale recommandée de Perjeta est de 840 mg, administrée en perfusion "
        "intraveineuse de 60 minutes. Les doses ultérieures recommandées seront de 420 mg "
        "toutes les 3 semaines.\n"
    )
    (pertuzumab,) = course.drugs
    assert pertuzumab.dose is not None and pertuzumab.dose.text == "840 mg"
    assert pertuzumab.maintenance is not None
    assert pertuzumab.maintenance.text.startswith("420 mg")


def test_companions_named_after_a_dose_do_not_take_its_schedule():
    # "with concurrent trastuzumab and pertuzumab": their schedule is not
    # written here; "every 3 weeks" is paclitaxel's.
    (course,) = read(
        "Paclitaxel 175 mg/m2 every 3 weeks for 4 cycles with concurrent trastuzumab "
        "and pertuzumab.\n"
    )
    assert course.frequency is None
    paclitaxel = course.drugs[0]
    assert paclitaxel.dose is not None and paclitaxel.dose.frequency is not None


def test_a_list_closed_by_a_dose_and_schedule_shares_it():
    # "A, B and C 840 mg every 3 weeks": written once for the list.
    (course,) = read("Docetaxel, trastuzumab and pertuzumab 840 mg every 3 weeks.\n")
    assert course.frequency is not None and course.frequency.interval_days == 21


def test_intervals_written_out_are_frequencies():
    from dosecalc.vocabulary import parse_frequency

    for written, days in (
        ("at 14 day intervals", 14),
        ("at intervals of 21 days", 21),
        ("à intervalles de 3 semaines", 21),
    ):
        frequency = parse_frequency(written.removeprefix("at ").removeprefix("à "))
        assert frequency is not None and frequency.interval_days == days, written


def test_a_drug_outside_the_reference_keeps_its_own_dose():
    # Methotrexate (not in the drug reference) in CMF: its 40 mg/m2 is its own,
    # not cyclophosphamide's or fluorouracil's.
    (cmf,) = read(
        "CMF (cyclophosphamide 600 mg/m2, methotrexate 40 mg/m2, fluorouracil 600 mg/m2) "
        "every 21 days.\n"
    )
    assert [(d.written, d.dose.text if d.dose else None) for d in cmf.drugs] == [
        ("cyclophosphamide", "600 mg/m2"),
        ("methotrexate", "40 mg/m2"),
        ("fluorouracil", "600 mg/m2"),
    ]


def test_a_schedule_inside_one_drugs_parenthesis_is_that_drugs():
    # Docetaxel with trastuzumab (8 then 6 mg/kg every 3 weeks): the schedule
    # is written for trastuzumab; docetaxel's is not written here.
    (course,) = read(
        "3 docétaxel 100 mg/m2 associés au trastuzumab (dose de charge 8 mg/kg puis "
        "6 mg/kg toutes les 3 semaines).\n"
    )
    assert course.frequency is None
    trastuzumab = next(d for d in course.drugs if d.drug_id == "trastuzumab")
    assert trastuzumab.maintenance is not None and trastuzumab.maintenance.frequency is not None


def test_drugs_listed_as_options_ending_in_or_something_else_are_not_given():
    # "en association avec le paclitaxel, le docétaxel ou un inhibiteur de
    # l'aromatase": possible companions, none of them given here.
    treatments = read(
        "Ces doses sont recommandées en association avec le paclitaxel, le docétaxel ou un "
        "inhibiteur de l'aromatase.\nLa dose de charge de Herceptin est de 4 mg/kg.\n"
    )
    assert [d.drug_id for t in treatments for d in t.drugs] == ["trastuzumab"]


def test_a_weekly_dose_starting_after_the_loading_dose_is_its_maintenance():
    (course,) = read(
        "La dose de charge initiale de Herceptin préconisée est de 4 mg/kg.\n"
        "La dose hebdomadaire de Herceptin recommandée est de 2 mg/kg, et débute une semaine "
        "après l'administration de la dose de charge.\n"
    )
    (trastuzumab,) = course.drugs
    assert trastuzumab.dose is not None and trastuzumab.dose.text == "4 mg/kg"
    assert trastuzumab.maintenance is not None and trastuzumab.maintenance.text == "2 mg/kg"


def test_a_typographic_apostrophe_reads_like_a_straight_one():
    # "La dose d’entretien" (U+2019), as label text is typeset.
    (course,) = read(
        "La dose de charge initiale recommandée de Herceptin est de 8 mg/kg. "
        "La dose d\u2019entretien recommandée de Herceptin est de 6 mg/kg toutes les trois "
        "semaines.\n"
    )
    (trastuzumab,) = course.drugs
    assert trastuzumab.maintenance is not None and trastuzumab.maintenance.text.startswith(
        "6 mg/kg"
    )


def test_folding_keeps_length_and_reads_typographic_apostrophes_as_straight():
    from dosecalc.textfold import fold

    for written in ("d’entretien", "l‘AC", "Perjeta’s"):
        assert len(fold(written)) == len(written)
        assert "'" in fold(written)


def test_a_schedule_before_with_and_companions_without_their_own_is_the_lists():
    # "3 FEC 100 then 3 cycles of docetaxel, every 3 weeks, with trastuzumab":
    # the schedule is written once for the sequence and its companion.
    (course,) = read(
        "Chimiothérapie adjuvante par 3 FEC 100 puis 3 cycles de 100 mg/m2 de docétaxel, "
        "toutes les 3 semaines, avec trastuzumab.\n"
    )
    assert course.frequency is not None and course.frequency.interval_days == 21


def test_a_letter_about_one_patient_in_a_trial_still_describes_her_course():
    # Her own first trastuzumab dose is judged even though she is in a trial.
    text = (
        "Mme D., 52 ans. Patients were randomized in the trial she joined. "
        "Trastuzumab 6 mg/kg every 3 weeks started 3 March 2023.\n"
    )
    (course,) = [t for t in read(text) if t.drugs]
    assert not course.continued


def test_a_cumulative_dose_stated_after_the_doses_is_kept_as_the_total():
    # "8 R-CHOP (doxorubicin 50 mg/m2 per cycle), that is a cumulative dose of
    # 400 mg/m2": the stated total is what the lifetime ledger starts from.
    (rchop,) = read(
        "Antécédent de lymphome traité par 8 R-CHOP (doxorubicine 50 mg/m2 par cure) en 2015, "
        "soit une dose cumulée de doxorubicine de 400 mg/m2.\n"
    )
    doxorubicin = next(d for d in rchop.drugs if d.drug_id == "doxorubicin")
    assert doxorubicin.cumulative is not None and doxorubicin.cumulative.text == "400 mg/m2"
