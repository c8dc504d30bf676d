"""``api.calendar_course``: dates, re-loads, holidays and totals, against
values worked out by hand (every expected date is written out below, never
taken from the code).

Hand arithmetic used here:
- 2016 is a leap year: from 19 January, +21 days is 9 February, +42 is
  1 March (past 29 February), +147 (7 x 21) is 14 June.
- 2015 is not: from 20 January, +42 days is 3 March.
- AC-TH from Monday 4 January 2016: AC on days 0, 21, 42, 63 (4 Jan, 25 Jan,
  15 Feb, 7 Mar); weekly TH from day 84 (28 Mar) to day 161 (13 Jun);
  trastuzumab every 21 days from day 168 (20 Jun). Its first dose is on
  28 Mar 2016, so 52 weeks (364 days) end before 27 Mar 2017: the last q3w
  dose is 20 Mar 2017 (day 357 of trastuzumab); the next (10 Apr 2017,
  day 378) is not given.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from regimen_factory import one_drug_phase, write_regimen

from dosecalc import api
from dosecalc.commands.calendar import parse_delays
from dosecalc.errors import InputError, NotFoundError
from dosecalc.schedule import CycleRef

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}


def dates(report, drug=None):
    return [line.date for line in report.lines if drug is None or line.administration.drug == drug]


def cycle_dates(report):
    """The date of each course cycle's day 1, in order."""
    seen = {}
    for line in report.lines:
        seen.setdefault(line.course_cycle, line.date)
    return [seen[n] for n in sorted(seen)]


def line_for(report, drug, course_cycle):
    return next(
        line
        for line in report.lines
        if line.administration.drug == drug and line.course_cycle == course_cycle
    )


# -- the case report's timeline -------------------------------------------------


def test_case_report_thp_eight_cycles_end_on_14_june_2016():
    report = api.calendar_course("thp", "2016-01-19", cycles=8)
    assert cycle_dates(report) == [
        D(2016, 1, 19),
        D(2016, 2, 9),
        D(2016, 3, 1),  # cycle 3: past 29 February
        D(2016, 3, 22),
        D(2016, 4, 12),
        D(2016, 5, 3),
        D(2016, 5, 24),
        D(2016, 6, 14),
    ]
    assert report.end == D(2016, 6, 14)
    assert report.continues and "continues" in report.continues


def test_case_report_with_thp_phase_set_to_eight_cycles():
    report = api.calendar_course("thp", "2016-01-19", phase_cycles=["THP=8"], cycles=8)
    docetaxel = dates(report, "docetaxel")
    assert len(docetaxel) == 8
    assert docetaxel[-1] == D(2016, 6, 14)


def test_non_leap_year_and_month_end():
    report = api.calendar_course("thp", "2015-01-20", cycles=3)
    assert cycle_dates(report) == [D(2015, 1, 20), D(2015, 2, 10), D(2015, 3, 3)]
    report = api.calendar_course("thp", "2016-01-31", cycles=3)
    assert cycle_dates(report) == [D(2016, 1, 31), D(2016, 2, 21), D(2016, 3, 13)]


def test_year_boundary():
    report = api.calendar_course("thp", "2015-12-22", cycles=3)
    assert cycle_dates(report) == [D(2015, 12, 22), D(2016, 1, 12), D(2016, 2, 2)]


def test_weekday_is_printed_for_each_date():
    report = api.calendar_course("thp", "2016-01-19", cycles=3)
    # 19 Jan 2016, 9 Feb and 1 Mar 2016 are all Tuesdays (21 days = 3 weeks).
    assert {line.weekday for line in report.lines} == {"Tuesday"}


# -- AC-TH: phases on their own cycle lengths, 52-week trastuzumab ------------


@pytest.fixture(scope="module")
def ac_th():
    return api.calendar_course("ac-th", "2016-01-04", **PATIENT)


def test_ac_th_phases_follow_each_other(ac_th):
    assert dates(ac_th, "doxorubicin") == [
        D(2016, 1, 4),
        D(2016, 1, 25),
        D(2016, 2, 15),
        D(2016, 3, 7),
    ]
    assert dates(ac_th, "paclitaxel") == [
        D(2016, 3, 28), D(2016, 4, 4), D(2016, 4, 11), D(2016, 4, 18), D(2016, 4, 25), D(2016, 5, 2),
        D(2016, 5, 9), D(2016, 5, 16), D(2016, 5, 23), D(2016, 5, 30), D(2016, 6, 6), D(2016, 6, 13),
    ]  # fmt: skip


def test_trastuzumab_weekly_then_every_three_weeks_until_52_weeks(ac_th):
    trastuzumab = [line for line in ac_th.lines if line.administration.drug == "trastuzumab"]
    q3w = [line.date for line in trastuzumab if line.administration.phase == "H"]
    assert q3w == [
        D(2016, 6, 20), D(2016, 7, 11), D(2016, 8, 1), D(2016, 8, 22), D(2016, 9, 12), D(2016, 10, 3), D(2016, 10, 24),
        D(2016, 11, 14), D(2016, 12, 5), D(2016, 12, 26), D(2017, 1, 16), D(2017, 2, 6), D(2017, 2, 27), D(2017, 3, 20),
    ]  # fmt: skip
    assert len(trastuzumab) == 12 + 14
    # 4 mg/kg loading once, 2 mg/kg weekly, then 6 mg/kg from the first q3w dose without re-loading.
    first = trastuzumab[0]
    assert (first.date, first.administration.kind, first.dose.final_mg) == (
        D(2016, 3, 28),
        "loading",
        248,
    )
    assert {line.dose.final_mg for line in trastuzumab[1:12]} == {124}
    assert trastuzumab[12].administration.kind == "maintenance"
    assert {line.dose.final_mg for line in trastuzumab[12:]} == {372}
    assert ac_th.continues is None


def test_summary_per_drug(ac_th):
    totals = {t.drug: t for t in ac_th.drug_totals}
    # BSA (Mosteller) sqrt(165 x 62 / 3600) = 1.6857 m²: doxorubicin 60 x 1.6857 = 101.1 -> 101 mg;
    # cyclophosphamide 600 x 1.6857 = 1011.4 -> 1011 mg; paclitaxel 80 x 1.6857 = 134.9 -> 135 mg.
    assert (totals["doxorubicin"].count, totals["doxorubicin"].total_mg) == (4, 404)
    assert totals["cyclophosphamide"].total_mg == 4044
    assert totals["paclitaxel"].total_mg == 12 * 135
    t = totals["trastuzumab"]
    assert (t.count, t.loading, t.maintenance) == (26, 1, 25)
    assert (t.first, t.last) == (D(2016, 3, 28), D(2017, 3, 20))
    assert t.total_mg == 248 + 11 * 124 + 14 * 372


def test_cumulative_anthracycline_after_ac_x4(ac_th):
    total = ac_th.anthracycline
    # clinical-reference §7.2: AC x 4 = 4 x 60 = 240 mg/m², 53.3% of 450 mg/m² (standard policy).
    assert total.mg_m2 == pytest.approx(240)
    assert total.mg == pytest.approx(404)
    assert total.limit_mg_m2 == 450
    assert total.percent_of_limit == pytest.approx(53.33, abs=0.01)
    assert not total.exceeds_limit and total.problem is None


def test_anthracycline_limit_comes_from_the_policy():
    report = api.calendar_course("ac-th", "2016-01-04", policy="capped-bsa-no-gfr-cap")
    assert report.anthracycline.limit_mg_m2 == 400
    assert report.anthracycline.percent_of_limit == pytest.approx(60)


def test_no_anthracycline_in_thp_is_zero_not_unknown():
    report = api.calendar_course("thp", "2016-01-19", cycles=8)
    assert report.anthracycline.mg_m2 == 0
    assert report.anthracycline.problem is None


def test_epirubicin_counts_with_its_equivalence_factor_and_the_limit_warns(tmp_path):
    # Epirubicin 100 mg/m² x 6 = 600 mg/m²; Feijen 2019 factor 0.8 -> 480 mg/m² doxorubicin
    # equivalents, above the standard policy's 450 mg/m².
    write_regimen(tmp_path, "epi6", one_drug_phase("epirubicin", "bsa", "100 mg/m2", cycles=6))
    report = api.calendar_course("epi6", "2016-01-04", regimen_dirs=(str(tmp_path),))
    assert report.anthracycline.mg_m2 == pytest.approx(480)
    assert report.anthracycline.exceeds_limit
    assert any("exceeds the policy limit of 450 mg/m²" in w for w in report.warnings)


# -- open-ended courses --------------------------------------------------------


def test_open_ended_until_a_date_says_the_course_continues():
    report = api.calendar_course("thp", "2016-01-19", until="2016-03-01")
    assert cycle_dates(report) == [D(2016, 1, 19), D(2016, 2, 9), D(2016, 3, 1)]
    assert "2016-03-01" in report.continues and "continues" in report.continues


def test_open_ended_without_bounds_shows_a_default_and_says_so():
    report = api.calendar_course("thp", "2016-01-19")
    assert report.continues is not None
    assert "continues" in report.continues


def test_five_year_maintenance_is_dated_to_the_day():
    # 87 cycles every 21 days: the last is 86 x 21 = 1806 days after 19 Jan 2016,
    # i.e. 19 Jan 2016 + 1806 days = 29 Dec 2020 (2016 and 2020 are leap years:
    # 19 Jan 2021 is 366 + 365 + 365 + 365 + 366 = 1827 days on; minus 21 = 1806).
    report = api.calendar_course("thp", "2016-01-19", cycles=87)
    assert cycle_dates(report)[-1] == D(2020, 12, 29)
    assert len(cycle_dates(report)) == 87


# -- delays and re-load rules ----------------------------------------------------


def test_delay_shifts_that_cycle_and_all_after_it():
    report = api.calendar_course("thp", "2016-01-19", cycles=8, delays=["3=7"])
    assert cycle_dates(report) == [
        D(2016, 1, 19), D(2016, 2, 9),  # unchanged
        D(2016, 3, 8), D(2016, 3, 29), D(2016, 4, 19), D(2016, 5, 10), D(2016, 5, 31), D(2016, 6, 21),
    ]  # fmt: skip


def test_delay_by_phase_cycle():
    # AC-TH: TH cycle 5 is nominally 25 Apr 2016; 14 days later: 9 May; TH 12: 13 Jun + 14 = 27 Jun.
    report = api.calendar_course("ac-th", "2016-01-04", delays=["TH:5=14"])
    paclitaxel = dates(report, "paclitaxel")
    assert paclitaxel[3] == D(2016, 4, 18)
    assert paclitaxel[4] == D(2016, 5, 9)
    assert paclitaxel[11] == D(2016, 6, 27)


def test_seven_days_late_is_not_a_reload():
    report = api.calendar_course("thp", "2016-01-19", cycles=4, delays=["3=7"])
    assert line_for(report, "trastuzumab", 3).administration.kind == "maintenance"
    assert line_for(report, "pertuzumab", 3).administration.kind == "maintenance"


def test_eight_days_late_with_pertuzumab_is_no_reload_for_either_antibody():
    # THP cycle 3 given 8 days late: 29 days since cycle 2. Trastuzumab every 3 weeks *with*
    # pertuzumab follows the Perjeta six-week rule, not the Herceptin one-week rule: 29 < 42,
    # so 6 mg/kg (372 mg at 62 kg) and 420 mg.
    report = api.calendar_course("thp", "2016-01-19", cycles=4, delays=["3=8"], **PATIENT)
    t3 = line_for(report, "trastuzumab", 3)
    assert t3.date == D(2016, 3, 9)
    assert (t3.administration.kind, t3.dose.final_mg) == ("maintenance", 372)
    p3 = line_for(report, "pertuzumab", 3)
    assert (p3.administration.kind, p3.dose.final_mg) == ("maintenance", 420)


def test_six_week_gap_reloads_pertuzumab_and_trastuzumab_with_it():
    report = api.calendar_course("thp", "2016-01-19", cycles=4, delays=["3=21"], **PATIENT)
    p3 = line_for(report, "pertuzumab", 3)
    assert p3.date == D(2016, 3, 22)  # 9 Feb + 42 days
    assert (p3.administration.kind, p3.dose.final_mg) == ("loading", 840)
    t3 = line_for(report, "trastuzumab", 3)
    assert (t3.administration.kind, t3.dose.final_mg) == ("loading", 496)  # 8 mg/kg x 62 kg
    assert any(
        "42 days since the previous trastuzumab dose (scheduled 21)" in n
        and "trastuzumab every 21 days with pertuzumab" in n
        for n in t3.administration.notes
    )
    # The next dose is back to maintenance.
    assert line_for(report, "trastuzumab", 4).administration.kind == "maintenance"


def test_delay_past_the_52_weeks_stops_trastuzumab_by_its_own_clock():
    # Delaying H cycle 14 (20 Mar 2017) by 7 days puts it on 27 Mar 2017, day 364 of trastuzumab:
    # the 52 weeks are complete, so that dose is not given.
    report = api.calendar_course("ac-th", "2016-01-04", delays=["H:14=7"])
    assert dates(report, "trastuzumab")[-1] == D(2017, 2, 27)


def test_delay_parsing():
    assert parse_delays(["3=7", "th:5=2 weeks"]) == {CycleRef(None, 3): 7, CycleRef("TH", 5): 14}


@pytest.mark.parametrize(
    ("delays", "message"),
    [
        (["3"], "write CYCLE=DAYS"),
        (["3=0"], "from 1 to 365"),
        (["3=-2"], "cannot be negative"),
        (["0=7"], "numbered from 1"),
        (["3=7", "3=1"], "delayed twice"),
    ],
)
def test_bad_delays(delays, message):
    with pytest.raises(InputError, match=message):
        api.calendar_course("thp", "2016-01-19", cycles=8, delays=delays)


def test_delay_on_a_cycle_that_does_not_exist():
    with pytest.raises(InputError, match="no such cycle"):
        api.calendar_course("thp", "2016-01-19", cycles=8, delays=["9=7"])
    with pytest.raises(InputError, match="no phase 'XX'"):
        api.calendar_course("thp", "2016-01-19", cycles=8, delays=["XX:1=7"])


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2015-02-29", "not a real date"),
        ("2016-13-01", "not a real date"),
        ("19/01/2016", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_impossible_dates(start, message):
    with pytest.raises(InputError, match=message):
        api.calendar_course("thp", start, cycles=2)


def test_until_before_start_and_half_a_patient():
    with pytest.raises(InputError, match="before the start"):
        api.calendar_course("thp", "2016-01-19", until="2016-01-18")
    with pytest.raises(InputError, match="both --height and --weight"):
        api.calendar_course("thp", "2016-01-19", cycles=2, height="165 cm")


def test_unknown_regimen():
    with pytest.raises(NotFoundError):
        api.calendar_course("no-such-regimen", "2016-01-19")


# -- weekends and public holidays ----------------------------------------------


def test_country_flags_without_moving():
    # AC-TH, France 2016: 28 Mar is Easter Monday, 16 May is Whit Monday (lundi de Pentecôte).
    report = api.calendar_course("ac-th", "2016-01-04", country="FR")
    flagged = sorted({line.date for line in report.lines if line.non_working})
    assert flagged == [D(2016, 3, 28), D(2016, 5, 16)]
    assert dates(report, "paclitaxel")[0] == D(2016, 3, 28)
    assert report.holidays.mode == "flag" and "policy standard" in report.holidays.mode_source
    line = line_for(report, "paclitaxel", 5)
    assert "Easter Monday" in line.non_working and not line.moved


def test_move_moves_only_that_day():
    report = api.calendar_course("ac-th", "2016-01-04", country="FR", holidays="move")
    assert dates(report, "paclitaxel") == [
        D(2016, 3, 29), D(2016, 4, 4), D(2016, 4, 11), D(2016, 4, 18), D(2016, 4, 25), D(2016, 5, 2),
        D(2016, 5, 9), D(2016, 5, 17), D(2016, 5, 23), D(2016, 5, 30), D(2016, 6, 6), D(2016, 6, 13),
    ]  # fmt: skip
    moved = line_for(report, "trastuzumab", 5)
    assert moved.moved and moved.scheduled_date == D(2016, 3, 28)
    assert any(
        n.startswith("moved from Mon 2016-03-28 (public holiday: Easter Monday) to Tue 2016-03-29")
        for n in moved.administration.notes
    )
    assert "--holidays move, overriding policy standard" in report.holidays.mode_source


def test_weekend_move_with_a_policy_that_moves():
    # THP started on Saturday 23 Jan 2016: every cycle falls on a Saturday (21 days = 3 weeks).
    # hopa-vial-10 moves to the next working day: Mondays 25 Jan, 15 Feb, 7 Mar; the cycles
    # keep their own Saturday-based dates (only the day moves, nothing accumulates).
    report = api.calendar_course("thp", "2016-01-23", cycles=3, country="FR", policy="hopa-vial-10")
    assert cycle_dates(report) == [D(2016, 1, 25), D(2016, 2, 15), D(2016, 3, 7)]
    first = line_for(report, "docetaxel", 1)
    assert "moved from Sat 2016-01-23 (weekend) to Mon 2016-01-25" in first.administration.notes
    assert report.holidays.mode == "move" and "policy hopa-vial-10" in report.holidays.mode_source
    # --holidays flag overrides that policy.
    flagged = api.calendar_course(
        "thp", "2016-01-23", cycles=3, country="FR", policy="hopa-vial-10", holidays="flag"
    )
    assert cycle_dates(flagged) == [D(2016, 1, 23), D(2016, 2, 13), D(2016, 3, 5)]


def test_christmas_and_boxing_day_substitute_in_great_britain():
    # Fri 25 Dec 2015 Christmas; Sat 26, Sun 27; Mon 28 Dec is the Boxing Day substitute holiday.
    report = api.calendar_course("thp", "2015-12-25", cycles=1, country="GB", holidays="move")
    assert cycle_dates(report) == [D(2015, 12, 29)]


def test_subdivision_and_a_country_specific_weekend():
    # Saudi Arabia's weekend is Friday and Saturday: Fri 22 Jan 2016 moves to Sun 24 Jan.
    report = api.calendar_course("thp", "2016-01-22", cycles=1, country="SA", holidays="move")
    assert cycle_dates(report) == [D(2016, 1, 24)]
    report = api.calendar_course("thp", "2016-01-19", cycles=1, country="US-NY")
    assert report.holidays.subdivision == "NY"


def test_a_move_that_lengthens_a_gap_triggers_the_reload_rule():
    # AC-TH from Tue 26 Jul 2016: AC on days 0-63, weekly TH from day 84 (18 Oct); TH cycle 2 is
    # due Tue 25 Oct and is delayed 7 days to Tue 1 Nov, All Saints' Day in France. 7 days late
    # (14 days since TH 1) is still maintenance; moved to Wed 2 Nov it is 15 days, 8 days late:
    # weekly trastuzumab re-loads at 4 mg/kg (248 mg at 62 kg). TH 3 (1 Nov + 7 = 8 Nov) is
    # 6 days after the moved dose: maintenance. (TH 2 and 3 are course cycles 6 and 7.)
    flagged = api.calendar_course("ac-th", "2016-07-26", cycles=7, delays=["TH:2=7"], country="FR")
    assert line_for(flagged, "trastuzumab", 6).administration.kind == "maintenance"
    assert line_for(flagged, "trastuzumab", 6).date == D(2016, 11, 1)
    moved = api.calendar_course(
        "ac-th",
        "2016-07-26",
        cycles=7,
        delays=["TH:2=7"],
        country="FR",
        holidays="move",
        **PATIENT,
    )
    t2 = line_for(moved, "trastuzumab", 6)
    assert t2.date == D(2016, 11, 2)
    assert (t2.administration.kind, t2.dose.final_mg) == ("loading", 248)
    assert any(
        n.startswith("re-load: 15 days since the previous trastuzumab dose (scheduled 7)")
        for n in t2.administration.notes
    )
    t3 = line_for(moved, "trastuzumab", 7)
    assert (t3.date, t3.administration.kind) == (D(2016, 11, 8), "maintenance")


@pytest.mark.parametrize(
    ("country", "message"), [("XX", "not a country"), ("US-ZZ", "no subdivision 'ZZ'")]
)
def test_unknown_country(country, message):
    with pytest.raises(InputError, match=message):
        api.calendar_course("thp", "2016-01-19", cycles=2, country=country)


def test_holidays_option_needs_a_country():
    with pytest.raises(InputError, match="--holidays needs --country"):
        api.calendar_course("thp", "2016-01-19", cycles=2, holidays="move")


# -- doses ------------------------------------------------------------------------


def test_without_a_patient_the_basis_is_shown():
    report = api.calendar_course("thp", "2016-01-19", cycles=1)
    shown = {line.administration.drug: line.dose_text for line in report.lines}
    assert shown == {"pertuzumab": "840 mg", "trastuzumab": "8 mg/kg", "docetaxel": "75 mg/m²"}
    assert all(line.dose is None for line in report.lines)
    assert all(t.total_mg is None for t in report.drug_totals)


def test_with_a_patient_doses_are_in_mg():
    report = api.calendar_course("thp", "2016-01-19", cycles=2, **PATIENT)
    shown = [
        (line.course_cycle, line.administration.drug, line.administration.kind, line.dose_text)
        for line in report.lines
    ]
    assert shown == [
        (1, "pertuzumab", "loading", "840 mg"),
        (1, "trastuzumab", "loading", "496 mg"),  # 8 mg/kg x 62 kg
        (1, "docetaxel", "standard", "126 mg"),  # 75 x 1.6857 = 126.4 -> 126 mg
        (2, "pertuzumab", "maintenance", "420 mg"),
        (2, "trastuzumab", "maintenance", "372 mg"),  # 6 mg/kg x 62 kg
        (2, "docetaxel", "standard", "126 mg"),
    ]


# -- properties -----------------------------------------------------------------

REGIMENS = st.sampled_from(["thp", "ac-th", "ddac-th"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    regimen=REGIMENS, start=st.dates(D(2000, 1, 1), D(2040, 12, 31)), shift=st.integers(-3000, 3000)
)
def test_shifting_the_start_shifts_every_date_by_the_same_amount(regimen, start, shift):
    moved_start = start + dt.timedelta(days=shift)
    base = api.calendar_course(regimen, start, cycles=10)
    moved = api.calendar_course(regimen, moved_start, cycles=10)
    assert [(line.administration.drug, line.administration.kind) for line in base.lines] == [
        (line.administration.drug, line.administration.kind) for line in moved.lines
    ]
    assert all(
        (b.date - a.date).days == shift for a, b in zip(base.lines, moved.lines, strict=True)
    )


@settings(max_examples=40, deadline=None)
@given(
    regimen=REGIMENS,
    start=st.dates(D(2010, 1, 1), D(2030, 12, 31)),
    cycle=st.integers(1, 10),
    days=st.integers(1, 60),
)
def test_a_delay_never_moves_an_earlier_administration(regimen, start, cycle, days):
    base = api.calendar_course(regimen, start, cycles=10)
    delayed = api.calendar_course(regimen, start, cycles=10, delays=[f"{cycle}={days}"])
    before = {(line.course_cycle, line.administration.drug): line.date for line in base.lines}
    for line in delayed.lines:
        original = before.get((line.course_cycle, line.administration.drug))
        if line.course_cycle < cycle:
            assert line.date == original
        elif original is not None:
            assert line.date == original + dt.timedelta(days=days)
    # Dates never go backwards, and the number of cycles is kept.
    assert dates(delayed) == sorted(dates(delayed))
    assert len(cycle_dates(delayed)) == len(cycle_dates(base)) == 10


@settings(max_examples=20, deadline=None)
@given(
    start=st.dates(D(2010, 1, 1), D(2030, 12, 31)),
    country=st.sampled_from(["FR", "GB", "DE", "US"]),
)
def test_moved_days_land_on_working_days_and_other_days_do_not_move(start, country):
    flagged = api.calendar_course("ac-th", start, country=country, holidays="flag")
    moved = api.calendar_course("ac-th", start, country=country, holidays="move")
    key = lambda line: (line.course_cycle, line.administration.day, line.administration.drug)  # noqa: E731
    after = {key(line): line for line in moved.lines}
    assert len(after) == len(flagged.lines) == len(moved.lines)
    for a in flagged.lines:
        b = after[key(a)]
        if a.non_working:
            assert b.moved and b.date > a.date and (b.date - a.date).days <= 14
            assert b.date.weekday() < 5 or country not in ("FR", "GB", "DE", "US")
        else:
            assert b.date == a.date and not b.moved


def test_a_move_onto_the_next_dose_of_the_same_drug_is_a_warning(tmp_path):
    # Days 1 and 2 of a weekly cycle from Saturday 23 Jan 2016: both move to Monday 25 Jan.
    phase = one_drug_phase(
        "paclitaxel", "bsa", "80 mg/m2", cycle_length="7 days", cycles=1
    ).replace("days: [1]", "days: [1, 2]")
    write_regimen(tmp_path, "d12", phase)
    report = api.calendar_course(
        "d12", "2016-01-23", country="FR", holidays="move", regimen_dirs=(str(tmp_path),)
    )
    assert dates(report) == [D(2016, 1, 25), D(2016, 1, 25)]
    assert report.warnings == [
        "paclitaxel: the dose moved to Mon 2016-01-25 is on or after the next paclitaxel dose (Mon 2016-01-25); review the schedule by hand"
    ]
