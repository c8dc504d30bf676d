"""Frequency graded by dose intensity, and a loading dose judged only where
the text writes a line's first dose.

Expected values are worked out by hand from the sources in the comments:
the dose-intensity factor is the labelled interval over the written one."""

from __future__ import annotations

from pathlib import Path

from dosecalc import api


def case(tmp_path: Path, treatment: str) -> object:
    path = tmp_path / "case.yaml"
    path.write_text("patient: {sex: female, age: 50}\ntreatments:\n" + treatment, encoding="utf-8")
    return api.check_course(str(path))


def findings(report, code: str) -> list:
    return [f for f in report.findings if f.code == code]


def severities(report, drug: str) -> set[tuple[str, str]]:
    return {(f.severity, f.code) for f in report.findings if f.drug == drug}


def test_dose_dense_fluorouracil_with_pegfilgrastim_is_a_published_schedule(tmp_path):
    # CECOG (Kahan 2008): FEC with fluorouracil 500 mg/m2 on day 1 of each
    # 14-day cycle, pegfilgrastim on day 2; CMF 600 mg/m2 every 14 days is
    # the same 1.5 times (21 / 14) the 3-weekly dose intensity: not an error.
    report = case(
        tmp_path,
        """\
  - frequency: every 2 weeks
    cycles: 8 cycles
    drugs:
      - {drug: cyclophosphamide, dose: 600 mg/m2}
      - {drug: fluorouracil, dose: 600 mg/m2}
      - {drug: pegfilgrastim, dose: 6 mg, route: SC}
""",
    )
    assert report.error_count == 0, [f.message for f in report.findings if f.severity == "error"]
    assert not findings(report, "FREQUENCY_UNUSUAL")


def test_an_unlisted_schedule_moderately_denser_is_a_warning_with_its_factor(tmp_path):
    # Epirubicin is labelled every 3 or 4 weeks (Ellence PI); 90 mg/m2 every
    # 2 weeks is 21 / 14 = 1.5 times the densest labelled dose intensity.
    report = case(
        tmp_path,
        """\
  - frequency: every 2 weeks
    drugs:
      - {drug: epirubicin, dose: 90 mg/m2}
""",
    )
    assert ("error", "FREQUENCY_IMPLAUSIBLE") not in severities(report, "epirubicin")
    [warning] = findings(report, "FREQUENCY_UNUSUAL")
    assert warning.severity == "warning"
    assert "1.5 times" in warning.message


def test_weekly_for_every_three_weeks_stays_an_error(tmp_path):
    # Epirubicin 90 mg/m2 weekly: 21 / 7 = 3 times the labelled intensity.
    report = case(
        tmp_path,
        """\
  - frequency: weekly
    drugs:
      - {drug: epirubicin, dose: 90 mg/m2}
""",
    )
    [error] = findings(report, "FREQUENCY_IMPLAUSIBLE")
    assert error.severity == "error"
    assert "3 times" in error.message


def test_a_daily_fluorouracil_infusion_dose_is_labelled(tmp_path):
    # Fluorouracil label (gastric): 200 to 1000 mg/m2 as a 24-hour infusion
    # on consecutive days; FEC-HD gives 750 mg/m2 a day on days 1-4.
    report = case(
        tmp_path,
        """\
  - cycles: 4 cycles
    drugs:
      - {drug: fluorouracil, dose: 750 mg/m2/day}
""",
    )
    assert report.error_count == 0, [f.message for f in report.findings if f.severity == "error"]


def test_a_drug_is_judged_on_the_frequency_written_with_its_own_dose(tmp_path):
    # Tukysa PI 2.1: tucatinib 300 mg and capecitabine 1000 mg/m2 twice daily,
    # trastuzumab every 21 days: "twice a day" is not trastuzumab's schedule.
    def tucatinib(trastuzumab: str) -> object:
        return case(
            tmp_path,
            f"""\
  - frequency: twice a day
    drugs:
      - {{drug: tucatinib, dose: 300 mg twice a day, route: PO}}
      - {{drug: capecitabine, dose: 1000 mg/m2 twice a day, route: PO}}
      - {{drug: trastuzumab, dose: {trastuzumab}, route: IV}}
""",
        )

    assert not findings(tucatinib("6 mg/kg every 21 days"), "FREQUENCY_IMPLAUSIBLE")
    # 6 mg/kg twice daily for every 21 days: 21 / 0.5 = 42 times.
    [error] = findings(tucatinib("6 mg/kg twice a day"), "FREQUENCY_IMPLAUSIBLE")
    assert error.severity == "error"
    assert "trastuzumab" in error.message


THP_NO_LOADING = """\
  - {start}frequency: every 3 weeks
    drugs:
      - {{drug: docetaxel, dose: 75 mg/m2}}
      - {{drug: trastuzumab, dose: 6 mg/kg}}
      - {{drug: pertuzumab, dose: 420 mg}}
      - {{drug: dexamethasone, dose: 8 mg twice daily, route: PO}}
"""


def test_an_undated_maintenance_dose_is_a_note_not_a_missing_loading_dose(tmp_path):
    # A schedule stated without a date (as a protocol states it) gives the
    # maintenance doses (Herceptin 6 mg/kg, Perjeta 420 mg every 3 weeks);
    # nothing says the line starts there.
    report = case(tmp_path, THP_NO_LOADING.format(start=""))
    assert not findings(report, "LOADING_MISSING")
    notes = {f.drug for f in findings(report, "LOADING_NOT_DOCUMENTED")}
    assert notes == {"trastuzumab", "pertuzumab"}
    assert all(f.severity == "info" for f in findings(report, "LOADING_NOT_DOCUMENTED"))


def test_a_dated_first_maintenance_dose_is_a_missing_loading_dose(tmp_path):
    # The same course started on a date: the first dose of the line must be
    # 8 mg/kg and 840 mg (Herceptin PI 2.2, Perjeta PI 2.2).
    report = case(tmp_path, THP_NO_LOADING.format(start="start: 2024-03-12\n    "))
    errors = {f.drug for f in findings(report, "LOADING_MISSING") if f.severity == "error"}
    assert errors == {"trastuzumab", "pertuzumab"}
