"""Warnings a pharmacist would dismiss are notes: a published schedule's
dose, another protocol's cycle count, the days of a cycle written after a
dose, a thousands separator no one would misread, a dose a day on listed
days judged as the cycle's dose. What stays a warning is checked too.

Expected values are worked out by hand from the sources in the comments."""

from __future__ import annotations

from pathlib import Path

from dosecalc import api


def case(tmp_path: Path, body: str, patient: bool = True) -> object:
    path = tmp_path / "case.yaml"
    head = "patient: {sex: female, age: 50}\n" if patient else ""
    path.write_text(head + "treatments:\n" + body, encoding="utf-8")
    return api.check_course(str(path))


def text(tmp_path: Path, note: str) -> object:
    path = tmp_path / "note.txt"
    path.write_text(note, encoding="utf-8")
    return api.check_course(None, text_file=str(path))


def found(report, code: str, drug: str | None = None) -> list:
    return [f for f in report.findings if f.code == code and (drug is None or f.drug == drug)]


TCH = """\
  - start: 2024-03-12
    frequency: every 3 weeks
    cycles: 6 cycles
    drugs:
      - {{drug: docetaxel, dose: {docetaxel}}}
      - {{drug: carboplatin, dose: AUC 6}}
      - {{drug: trastuzumab, dose: 8 mg/kg loading then 6 mg/kg}}
      - {{drug: dexamethasone, dose: 8 mg twice daily, route: PO}}
"""


def test_trastuzumab_every_3_weeks_in_tch_is_the_labelled_schedule_not_a_difference(tmp_path):
    # The library's TCH gives trastuzumab weekly (4 then 2 mg/kg); written
    # every 3 weeks, 8 then 6 mg/kg is Herceptin's 3-weekly schedule.
    report = case(tmp_path, TCH.format(docetaxel="75 mg/m2"))
    differs = found(report, "DOSE_DIFFERS", "trastuzumab")
    assert differs and all(f.severity == "info" for f in differs)
    assert "every 3 weeks" in differs[0].message


def test_another_dose_on_the_regimens_own_schedule_stays_a_warning(tmp_path):
    # Docetaxel 100 mg/m2 every 3 weeks is within docetaxel's usual range but
    # not TCH's 75 mg/m2, on TCH's own schedule: confirm it (100 / 75 = 1.3).
    report = case(tmp_path, TCH.format(docetaxel="100 mg/m2"))
    [differs] = found(report, "DOSE_DIFFERS", "docetaxel")
    assert differs.severity == "warning"


def test_another_protocols_cycle_count_is_a_note_where_no_patient_is_documented(tmp_path):
    # TC x 6 (the library's TC gives 4): a protocol text, no patient, no date.
    body = """\
  - frequency: every 3 weeks
    cycles: 6 cycles
    drugs:
      - {drug: docetaxel, dose: 75 mg/m2}
      - {drug: cyclophosphamide, dose: 600 mg/m2}
"""
    [protocol] = found(case(tmp_path, body, patient=False), "CYCLE_COUNT_DIFFERS")
    assert protocol.severity == "info"
    [record] = found(case(tmp_path, body), "CYCLE_COUNT_DIFFERS")
    assert record.severity == "warning"


def test_the_regimens_days_and_how_a_dose_is_given_are_notes(tmp_path):
    # Capecitabine days 1-14 are the library's days (Xeloda: days 1-14 of a
    # 21-day cycle); "over 46 hours" is how the infusion is given.
    report = case(
        tmp_path,
        """\
  - frequency: 21-day cycles
    drugs:
      - {drug: tucatinib, dose: 300 mg PO twice daily continuously}
      - {drug: capecitabine, dose: 1000 mg/m2 PO twice daily days 1-14}
      - {drug: trastuzumab, dose: 8 mg/kg loading then 6 mg/kg}
""",
    )
    unread = found(report, "NOT_UNDERSTOOD")
    assert unread and all(f.severity == "info" for f in unread)


def test_days_beyond_the_regimens_days_stay_a_warning(tmp_path):
    # Days 1-21 for capecitabine's days 1-14: 21 / 14 = 1.5 times the doses.
    report = case(
        tmp_path,
        """\
  - frequency: 21-day cycles
    drugs:
      - {drug: tucatinib, dose: 300 mg PO twice daily}
      - {drug: capecitabine, dose: 1000 mg/m2 PO twice daily days 1-21}
      - {drug: trastuzumab, dose: 8 mg/kg loading then 6 mg/kg}
""",
    )
    [unread] = found(report, "NOT_UNDERSTOOD", "capecitabine")
    assert unread.severity == "warning"


def test_a_thousands_separator_no_one_would_misread_is_a_note(tmp_path):
    # Phesgo: 1,200 mg pertuzumab is the loading dose; 1.2 mg is 1000 times
    # off any dose of it.
    report = text(
        tmp_path,
        "Phesgo initial dose: pertuzumab 1,200 mg / trastuzumab 600 mg SC, then"
        " pertuzumab 600 mg / trastuzumab 600 mg SC every 3 weeks.",
    )
    ambiguous = found(report, "UNIT_AMBIGUOUS", "pertuzumab")
    assert ambiguous and all(f.severity == "info" for f in ambiguous)


def test_a_dose_a_day_on_cycle_days_is_judged_as_the_cycles_dose(tmp_path):
    # FEC-HD: epirubicin 35 mg/m2 a day on days 2-4 = 105 mg/m2 per cycle,
    # inside epirubicin's 60-120 mg/m2 per cycle (Ellence PI); the ledger
    # counts 105 x 4 x 0.8 = 336 mg/m2 doxorubicin equivalents.
    report = text(
        tmp_path,
        "FEC-HD : 4 cycles de 21 jours associant du 5-fluoro-uracile 750 mg/m2/j de J1 à J4,"
        " de l'épirubicine 35 mg/m2/j de J2 à J4 et du cyclophosphamide 400 mg/m2/j de J2 à J4.",
    )
    assert not [f for f in report.findings if f.drug == "epirubicin" and f.severity != "info"]
    [cycle] = found(report, "DOSE_PER_CYCLE", "epirubicin")
    assert "3 × 35 mg/m² = 105 mg/m² per cycle" in cycle.message
    [total] = found(report, "ANTHRACYCLINE_CUMULATIVE")
    assert "336 mg/m²" in total.message
    # Cyclophosphamide 400 x 3 = 1,200 mg/m2 per cycle: 1.6 times the usual
    # 750 mg/m2 highest, under twice it: a warning to confirm, not an error.
    [high] = [f for f in report.findings if f.drug == "cyclophosphamide" and f.severity != "info"]
    assert high.severity == "warning"
    assert "1,200 mg/m² per cycle" in high.message and "1.6 times" in high.message
    assert report.error_count == 0


def test_abvd_doxorubicin_and_r_chop_prednisone_are_usual(tmp_path):
    # ABVD doxorubicin 25 mg/m2 days 1 and 15 of 28-day cycles (HemOnc.org);
    # R-CHOP prednisone 100 mg days 1-5, its cycle written every 3 weeks.
    report = case(
        tmp_path,
        """\
  - frequency: every 4 weeks
    drugs:
      - {drug: doxorubicin, dose: 25 mg/m2}
  - frequency: every 3 weeks
    drugs:
      - {drug: prednisone, dose: 100 mg, route: PO}
""",
    )
    assert not found(report, "DOSE_OUT_OF_RANGE", "doxorubicin")
    assert not found(report, "FREQUENCY_UNUSUAL", "prednisone")


def test_a_line_written_as_two_treatments_counts_its_cycles_together(tmp_path):
    # TC C1-C2 (2024-09-04 and 2024-09-25, every 21 days), then C3-C4 at a
    # reduced docetaxel dose: 2 + 2 = 4 cycles, TC's 4 (US Oncology 9735).
    report = case(
        tmp_path,
        """\
  - start: 2023-09-04
    end: 2023-09-25
    frequency: every 3 weeks
    drugs:
      - {drug: docetaxel, dose: 75 mg/m2}
      - {drug: cyclophosphamide, dose: 600 mg/m2}
  - start: 2023-10-16
    frequency: every 3 weeks
    cycles: 2 cycles
    drugs:
      - {drug: docetaxel, dose: 60 mg/m2}
      - {drug: cyclophosphamide, dose: 600 mg/m2}
""",
    )
    assert not found(report, "CYCLE_COUNT_DIFFERS")


def test_a_phase_of_a_sequence_the_course_does_not_follow_is_not_its_count(tmp_path):
    # EC x 4 then docetaxel x 4: docetaxel alone is identified as the D phase
    # of FEC-D (3 cycles), but the course has no FEC: a note.
    report = case(
        tmp_path,
        """\
  - start: 2021-03-01
    frequency: every 3 weeks
    cycles: 4 cycles
    drugs:
      - {drug: epirubicin, dose: 90 mg/m2}
      - {drug: cyclophosphamide, dose: 600 mg/m2}
  - start: 2021-05-24
    frequency: every 3 weeks
    cycles: 4 cycles
    drugs:
      - {drug: docetaxel, dose: 100 mg/m2}
      - {drug: dexamethasone, dose: 8 mg twice daily, route: PO}
""",
    )
    [count] = found(report, "CYCLE_COUNT_DIFFERS")
    assert count.severity == "info"
    assert "fec-d" in count.message


def test_weekly_trastuzumab_beside_a_three_weekly_regimen_is_its_weekly_schedule(tmp_path):
    # Herceptin PI: 2 mg/kg weekly is the weekly maintenance dose (2 to 4
    # mg/kg weekly); beside THP every 3 weeks it is not a third of 6 mg/kg.
    # 6 mg/kg weekly stays 21 / 7 = 3 times the intensity: an error.
    def thp(trastuzumab: str) -> object:
        return case(
            tmp_path,
            f"""\
  - frequency: every 3 weeks
    drugs:
      - {{drug: docetaxel, dose: 75 mg/m2}}
      - {{drug: trastuzumab, dose: {trastuzumab}}}
      - {{drug: pertuzumab, dose: 420 mg}}
      - {{drug: dexamethasone, dose: 8 mg twice daily, route: PO}}
""",
        )

    weekly = thp("2 mg/kg weekly")
    assert not [f for f in weekly.findings if f.drug == "trastuzumab" and f.severity == "error"]
    [note] = found(weekly, "DOSE_DIFFERS", "trastuzumab")
    assert note.severity == "info" and "once weekly" in note.message
    wrong = thp("6 mg/kg weekly")
    assert [f for f in wrong.findings if f.drug == "trastuzumab" and f.severity == "error"]


def test_a_dose_a_day_of_a_drug_given_several_times_a_day_is_not_a_cycle_dose(tmp_path):
    # Tucatinib is labelled 150 to 300 mg twice daily (Tukysa PI): 300 mg a
    # day on days 1-21 is not 21 times a cycle's dose (6,300 mg).
    report = text(tmp_path, "Tucatinib 300 mg/j de J1 à J21, cycles de 21 jours.")
    assert not found(report, "DOSE_PER_CYCLE")
    assert not [f for f in report.findings if f.code == "DOSE_IMPLAUSIBLE"]
