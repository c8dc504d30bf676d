"""One dated timeline per drug across the treatments of a case: the days the
calendar gives from a treatment's start, cycle length and duration decide
re-loads. Dates worked out by hand in each test."""

from __future__ import annotations

from pathlib import Path

from dosecalc import api

# Trastuzumab every 3 weeks from Monday 2022-01-03 for 12 weeks (84 days, up to
# 2022-03-27): doses on 01-03, 01-24, 02-14 and 03-07 (days 0, 21, 42, 63).
CASE = """\
patient: {{sex: F, age: 50, weight: 70 kg, height: 165 cm, lvef: 60 %}}
treatments:
  - start: {first}
    setting: adjuvant
    frequency: every 3 weeks
    duration: 12 weeks
    drugs: [trastuzumab 8 mg/kg loading then 6 mg/kg]
  - start: {restart}
    setting: adjuvant
    frequency: every 3 weeks
    cycles: 4
    drugs: [trastuzumab 6 mg/kg]
"""


def findings(tmp_path: Path, first: str, restart: str, code: str) -> list[str]:
    path = tmp_path / "case.yaml"
    path.write_text(CASE.format(first=first, restart=restart), encoding="utf-8")
    report = api.check_course(str(path))
    return [f.message for f in report.findings if f.code == code and f.treatment == "treatment-2"]


def test_maintenance_on_schedule_after_the_last_calendar_dose_is_no_new_line(tmp_path):
    # 2022-03-28 is 21 days after the dose of 2022-03-07: on schedule.
    assert findings(tmp_path, "2022-01-03", "2022-03-28", "LOADING_MISSING") == []


def test_a_restart_is_measured_from_the_last_dose_the_calendar_gives(tmp_path):
    # 2022-04-25 is 49 days after 2022-03-07 (24 days of March + 25 of April):
    # more than a week late for an every-3-weeks dose, so a re-load is due.
    [message] = findings(tmp_path, "2022-01-03", "2022-04-25", "LOADING_MISSING")
    assert "49 days since the last trastuzumab (2022-03-07" in message


def test_a_month_only_start_too_imprecise_to_decide_says_so(tmp_path):
    # From "2022-01" the fourth dose falls 63 days after a day of January:
    # between 2022-03-05 and 2022-04-04. A restart on 2022-04-04 is 0 to 30
    # days after it: on time, or more than a week late.
    [message] = findings(tmp_path, "2022-01", "2022-04-04", "RELOAD_UNCERTAIN")
    assert "between 2022-03-05 and 2022-04-04" in message
    assert findings(tmp_path, "2022-01", "2022-04-04", "LOADING_MISSING") == []
