"""``dosecalc calendar`` output: table, month grids, JSON, CSV, iCalendar,
HTML, the command line's errors and the atomic ``-o`` file.

Expected values are written out by hand (dates, weekdays, doses).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import run_cli as run

from dosecalc import api
from dosecalc.output.calendar import month_grid, render
from dosecalc.output.files import write_text_atomic
from dosecalc.output.ics import calendar_ics

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}
STAMP = dt.datetime(2016, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def thp8():
    return api.calendar_course("thp", "2016-01-19", cycles=8, **PATIENT)


# -- table and month view --------------------------------------------------------


def test_table_lists_every_administration_per_phase(thp8):
    text = render(thp8, "table")
    assert (
        "Phase THP: Docetaxel + trastuzumab + pertuzumab (every 21 days, at least 6 cycles)" in text
    )
    assert "Phase HP: Trastuzumab + pertuzumab maintenance" in text
    # Administration rows (cycle and day columns are numbers); the supportive-care rows follow apart.
    rows = [
        r
        for r in (line.split() for line in text.splitlines() if line[:4] == "2016")
        if r[2].isdigit()
    ]
    assert len(rows) == 6 * 3 + 2 * 2
    assert rows[0][:8] == ["2016-01-19", "Tue", "1", "1", "1", "pertuzumab", "840", "mg"]
    assert rows[-1][:8] == ["2016-06-14", "Tue", "2", "8", "1", "trastuzumab", "372", "mg"]
    assert "The course continues beyond this calendar: shown to 8 cycles" in text
    assert "Policy: standard" in text and "Non-working days: not checked" in text


def test_table_summary_and_anthracycline_line(thp8):
    text = render(thp8, "table")
    summary = text[text.index("Summary") :]
    # pertuzumab 840 + 7 x 420 = 3,780 mg; trastuzumab 496 + 7 x 372 = 3,100 mg; docetaxel 6 x 126 = 756 mg
    assert "3,780 mg" in summary and "3,100 mg" in summary and "756 mg" in summary
    assert "Tue 2016-01-19  Tue 2016-06-14" in summary
    assert "none in this course (0 mg/m²)" in summary
    assert "lifetime limit is 450 mg/m²" in summary


def test_ismp_dose_text_has_no_trailing_zero_and_a_space():
    text = render(api.calendar_course("ac-th", "2016-01-04", **PATIENT), "table")
    rows = [line for line in text.splitlines() if line[:2] == "20"]
    assert rows and not any(
        ".0 mg" in row or "mg/m2" in row or re.search(r"\d(mg|mg/m²|mg/kg)\b", row) for row in rows
    )
    assert "1,011 mg" in text  # cyclophosphamide 600 x 1.6857 m² = 1011.4 -> 1,011 mg
    assert "240 mg/m² (404 mg), 53.3% of the limit" in text


def test_month_grid_of_february_2016_has_29_days_and_marks_treatment():
    days = {D(2016, 2, 9): [SimpleNamespace(non_working=None, moved=False)]}
    grid = month_grid(2016, 2, days)
    # 1 February 2016 was a Monday; the 29th is the last cell of the fifth row.
    assert grid == [
        "           February 2016",
        " Mo   Tu   We   Th   Fr   Sa   Su",
        "  1    2    3    4    5    6    7",
        "  8  [ 9]  10   11   12   13   14",
        " 15   16   17   18   19   20   21",
        " 22   23   24   25   26   27   28",
        " 29",
    ]


def test_month_view_marks_each_treatment_day_with_its_drugs():
    report = api.calendar_course("ac-th", "2016-01-04", country="FR")
    text = render(report, "table", "month")
    for title in ("January 2016", "June 2016", "December 2016", "March 2017"):
        assert title in text
    # 1 January 2016 was a Friday: the first week row has days 1-3 under Fr, Sa, Su.
    assert "                      1    2    3" in text
    assert " 18   19   20   21   22   23   24" in text  # no treatment that week
    assert "[28]!" in text  # Easter Monday 2016, flagged
    assert (
        "  28 Mon  TH cycle 1 day 1: paclitaxel 80 mg/m², trastuzumab 4 mg/kg (loading) (non-working day: public holiday: Easter Monday)"
        in text
    )


# -- JSON and CSV ------------------------------------------------------------------


def test_json_contract(thp8):
    data = json.loads(render(thp8, "json"))
    assert data["regimen"]["id"] == "thp"
    assert data["start"] == "2016-01-19" and data["end"] == "2016-06-14"
    first = data["administrations"][0]
    assert {k: first[k] for k in ("date", "phase", "cycle", "day", "drug", "kind", "dose_mg")} == {
        "date": "2016-01-19",
        "phase": "THP",
        "cycle": 1,
        "day": 1,
        "drug": "pertuzumab",
        "kind": "loading",
        "dose_mg": 840,
    }
    kinds = {a["kind"] for a in data["administrations"]}
    assert kinds == {"loading", "maintenance", "standard"}
    assert [a["date"] for a in data["administrations"] if a["drug"] == "docetaxel"] == [
        "2016-01-19", "2016-02-09", "2016-03-01", "2016-03-22", "2016-04-12", "2016-05-03",
    ]  # fmt: skip
    assert data["continues"] == "shown to 8 cycles; the course continues"
    drugs = {d["drug"]: d for d in data["summary"]["drugs"]}
    assert drugs["trastuzumab"]["total_mg"] == 3100
    assert data["summary"]["anthracycline"]["doxorubicin_equivalent_mg_m2"] == 0
    assert data["summary"]["anthracycline"]["limit_mg_m2"] == 450


def test_json_without_patient_has_no_dose_mg_but_the_basis():
    data = json.loads(render(api.calendar_course("thp", "2016-01-19", cycles=1), "json"))
    docetaxel = next(a for a in data["administrations"] if a["drug"] == "docetaxel")
    assert docetaxel["dose_mg"] is None
    assert (docetaxel["dose_text"], docetaxel["dose_per_unit"], docetaxel["dose_unit"]) == (
        "75 mg/m²",
        75,
        "mg/m²",
    )
    assert data["patient"] is None


def test_json_records_moves_and_settings():
    report = api.calendar_course("thp", "2016-01-23", cycles=2, country="FR", holidays="move")
    data = json.loads(render(report, "json"))
    first = data["administrations"][0]
    assert (first["date"], first["moved_from"], first["non_working"]) == (
        "2016-01-25",
        "2016-01-23",
        "weekend",
    )
    assert data["settings"]["country"] == "FR"
    assert data["settings"]["non_working_days"] == "move"
    assert data["settings"]["weekend"] == ["Saturday", "Sunday"]


def csv_records(text: str) -> list[dict[str, str]]:
    """The CSV rows after the '#' provenance comment lines."""
    return list(
        csv.DictReader(
            io.StringIO("\n".join(row for row in text.splitlines() if not row.startswith("#")))
        )
    )


def test_csv_one_row_per_administration(thp8):
    text = render(thp8, "csv")
    assert text.startswith("# Provenance: dosecalc")
    everything = csv_records(text)
    rows = [r for r in everything if r["category"] == "treatment"]
    assert len(rows) == 22
    assert rows[3]["dose_mg"] == "420"  # never "420.0" (ISMP: no trailing zero)
    assert (rows[2]["date"], rows[2]["drug"], rows[2]["dose_mg"], rows[2]["kind"]) == (
        "2016-01-19",
        "docetaxel",
        "126",
        "standard",
    )
    assert rows[-1]["date"] == "2016-06-14"


# -- iCalendar --------------------------------------------------------------------


def parse_ics(text, every_event=False):
    """The treatment-day events (or every event: supportive care and monitoring days too)."""
    from icalendar import Calendar

    events = list(Calendar.from_ical(text).walk("VEVENT"))
    return (
        events if every_event else [e for e in events if str(e["summary"]).startswith("Treatment")]
    )


def test_ics_one_all_day_event_per_treatment_day(thp8):
    text = calendar_ics(thp8, stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "\r\nEND:VCALENDAR" in text
    events = parse_ics(text)
    assert len(events) == 8
    assert [e.decoded("dtstart") for e in events] == [
        D(2016, 1, 19), D(2016, 2, 9), D(2016, 3, 1), D(2016, 3, 22), D(2016, 4, 12), D(2016, 5, 3), D(2016, 5, 24), D(2016, 6, 14),
    ]  # fmt: skip
    assert all(type(e.decoded("dtstart")) is dt.date for e in events)  # all-day, not datetime
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(days=1) for e in events)
    assert "DTSTART;VALUE=DATE:20160119\r\n" in text
    assert (
        str(events[0]["summary"])
        == "Treatment: pertuzumab, trastuzumab, docetaxel (THP cycle 1 day 1)"
    )
    assert "DTSTAMP:20160101T120000Z" in text
    assert "- trastuzumab 496 mg (loading)" in str(events[0]["description"])


def test_ics_summary_has_no_patient_data(thp8):
    for event in parse_ics(calendar_ics(thp8, stamp=STAMP)):
        summary = str(event["summary"])
        assert (
            "165" not in summary
            and "62" not in summary
            and " kg" not in summary
            and "mg" not in summary
        )


def test_ics_uids_are_stable_when_a_delay_moves_events():
    plain = parse_ics(calendar_ics(api.calendar_course("thp", "2016-01-19", cycles=4), stamp=STAMP))
    delayed = parse_ics(
        calendar_ics(
            api.calendar_course("thp", "2016-01-19", cycles=4, delays=["3=7"]), stamp=STAMP
        )
    )
    assert (
        [str(e["uid"]) for e in plain]
        == [str(e["uid"]) for e in delayed]
        == [f"thp-20160119-c{n}d1@dosecalc" for n in (1, 2, 3, 4)]
    )
    assert len({str(e["uid"]) for e in plain}) == 4
    assert [e.decoded("dtstart") for e in delayed][2:] == [D(2016, 3, 8), D(2016, 3, 29)]


def test_ics_supportive_and_monitoring_uids_are_stable_when_a_delay_moves_events():
    def events(delays):
        report = api.calendar_course("thp", "2016-01-19", cycles=8, delays=delays)
        return {
            str(e["uid"]): e.decoded("dtstart")
            for e in parse_ics(calendar_ics(report, stamp=STAMP), every_event=True)
            if not str(e["summary"]).startswith("Treatment")
        }

    plain, delayed = events([]), events(["3=2"])
    assert set(plain) == set(delayed)
    # Dexamethasone the day before docetaxel cycle 3: Mon 29 Feb 2016, or 2 Mar after the delay.
    assert plain["thp-20160119-c3s-1-docetaxel@dosecalc"] == D(2016, 2, 29)
    assert delayed["thp-20160119-c3s-1-docetaxel@dosecalc"] == D(2016, 3, 2)
    # LVEF 3 months after the first trastuzumab dose (19 Jan 2016): 19 Apr 2016.
    assert plain["thp-20160119-lvef2@dosecalc"] == D(2016, 4, 19)


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ("2016-03-06", D(2016, 3, 27)),  # EU summer time began Sun 27 Mar 2016 (6 Mar + 21 days)
        ("2016-10-09", D(2016, 10, 30)),  # EU summer time ended Sun 30 Oct 2016
        ("2016-02-21", D(2016, 3, 13)),  # US daylight time began Sun 13 Mar 2016
        ("2016-10-16", D(2016, 11, 6)),  # US daylight time ended Sun 6 Nov 2016
    ],
)
def test_ics_across_daylight_saving_changes(start, change):
    text = calendar_ics(api.calendar_course("thp", start, cycles=2), stamp=STAMP)
    events = parse_ics(text)
    # The second event is exactly the day of the change and lasts exactly that one day.
    assert (events[1].decoded("dtstart"), events[1].decoded("dtend")) == (
        change,
        change + dt.timedelta(days=1),
    )
    assert f"DTSTART;VALUE=DATE:{change:%Y%m%d}\r\n" in text
    assert f"DTEND;VALUE=DATE:{change + dt.timedelta(days=1):%Y%m%d}\r\n" in text
    # No time of day, no time zone: nothing a calendar app could shift by an hour.
    assert "TZID" not in text and "VTIMEZONE" not in text
    assert "DTSTART:" not in text and "DTEND:" not in text


def test_ics_stamp_from_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1451606400")  # 2016-01-01T00:00:00Z
    text = calendar_ics(api.calendar_course("thp", "2016-01-19", cycles=1))
    assert "DTSTAMP:20160101T000000Z" in text


# -- HTML (string-level; the rendered page is checked in test_calendar_browser.py) --


def test_html_is_escaped_and_complete(thp8):
    page = render(thp8, "html", paper="letter")
    assert "@page { size: letter portrait" in page
    assert "<script" not in page
    for text in (
        "Treatment calendar",
        "January 2016",
        "June 2016",
        "2016-06-14",
        "3,100 mg",
        "Policy: standard",
        "[perjeta-pi]",
    ):
        assert text in page
    assert "Docetaxel + trastuzumab + pertuzumab every 3 weeks" in page


def test_html_bad_paper():
    from dosecalc.errors import InputError
    from dosecalc.output.html import calendar_html

    with pytest.raises(InputError, match="a4 or letter"):
        calendar_html(api.calendar_course("thp", "2016-01-19", cycles=1), paper="a3")


# -- command line ------------------------------------------------------------------


def test_cli_table():
    code, out, err = run("calendar", "thp", "--start", "2016-01-19", "--cycles", "8")
    assert code == 0, err
    assert "2016-06-14  Tue" in out
    assert "75 mg/m²" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2015-02-29"], "Error: --start '2015-02-29' is not a real date"),
        (
            ["--start", "2016-01-19", "--cycles", "8", "--delay", "12=7"],
            "Error: --delay 12: no such cycle",
        ),
        (["--start", "2016-01-19", "--country", "XX"], "Error: --country 'XX': not a country"),
        (["--start", "2016-01-19", "--delay", "three=7"], "Error: 'three' is not a cycle"),
        (
            ["--start", "2016-01-19", "--until", "2016-02-30"],
            "Error: --until '2016-02-30' is not a real date",
        ),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(args, message):
    code, out, err = run("calendar", "thp", *args)
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_bad_input_in_a_real_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dosecalc", "calendar", "thp", "--start", "2016-02-30"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == "Error: --start '2016-02-30' is not a real date (day is out of range for month)\n"
    )


def test_cli_writes_a_file(tmp_path):
    target = tmp_path / "course.ics"
    code, out, err = run(
        *[
            "calendar",
            "thp",
            "--start",
            "2016-01-19",
            "--cycles",
            "8",
            "--format",
            "ics",
            "-o",
            str(target),
        ],
    )
    assert code == 0 and out == ""
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.rstrip().endswith(b"END:VCALENDAR")
    assert data.count(b"SUMMARY:Treatment:") == 8
    # Plus the days with only supportive care: dexamethasone the day before and the day
    # after each of the 6 docetaxel doses (docetaxel label), 12 days in all.
    assert data.count(b"SUMMARY:Supportive care: dexamethasone") == 12
    assert list(tmp_path.iterdir()) == [target]


def test_interrupted_write_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "calendar.html"
    target.write_text("previous version", encoding="utf-8")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new version " * 1000)
    assert target.read_text(encoding="utf-8") == "previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendar.html"]  # no temp file left


def test_failed_write_in_a_missing_folder(tmp_path):
    code, out, err = run(
        "calendar", "thp", "--start", "2016-01-19", "-o", str(tmp_path / "no" / "x.ics")
    )
    assert code == 2 and "does not exist" in err


def test_cli_import_stays_light():
    code = (
        "import sys; import dosecalc.cli; from click.testing import CliRunner;"
        "r = CliRunner().invoke(dosecalc.cli.cli, ['calendar', '--help']); assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('pint', 'yaml', 'tabulate', 'icalendar', 'holidays', 'jinja2') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_prior_anthracycline_starts_the_ledger():
    # AC x 4 at 60 mg/m2 = 240 mg/m2 in this course; 240 before: 480 in all, over the 450 mg/m2 limit (106.7%).
    report = api.calendar_course("ac-th", "2016-01-04", prior_anthracycline="240 mg/m2")
    total = report.anthracycline
    assert total.mg_m2 == pytest.approx(480)
    assert total.prior_mg_m2 == 240
    assert total.exceeds_limit
    assert total.percent_of_limit == pytest.approx(480 / 450 * 100)
    # THP has no anthracycline: the prior dose alone is the total.
    report = api.calendar_course("thp", "2016-01-19", cycles=8, prior_anthracycline=240)
    assert report.anthracycline.mg_m2 == pytest.approx(240)
    assert not report.anthracycline.exceeds_limit


def test_prior_anthracycline_must_be_a_dose_per_m2():
    from dosecalc.errors import InputError

    with pytest.raises(InputError, match="prior anthracycline"):
        api.calendar_course("thp", "2016-01-19", cycles=1, prior_anthracycline="240 mg")
