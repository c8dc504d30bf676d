"""Course calendars, with dates worked out by hand from the start date.

AC-TH: AC every 21 days x 4 (days 0, 21, 42, 63), weekly TH x 12 from day 84,
trastuzumab every 3 weeks from one week after the last weekly dose (day 168)
until 52 weeks after its first dose. THP: every 21 days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dosecalc.errors import InputError
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen
from dosecalc.schedule import CycleRef, expand

D = dt.date
START = D(2015, 1, 5)


def day(n: int, start: dt.date = START) -> dt.date:
    return start + dt.timedelta(days=n)


@pytest.fixture(scope="module")
def standard():
    return find_policy("standard")


@pytest.fixture(scope="module")
def ac_th(standard):
    return expand(find_regimen("ac-th"), standard, START)


def doses(schedule, drug):
    return [a for a in schedule.administrations if a.drug == drug]


def test_ac_every_21_days_times_4(ac_th):
    for drug in ("doxorubicin", "cyclophosphamide"):
        given = doses(ac_th, drug)
        assert [a.date for a in given] == [day(0), day(21), day(42), day(63)]
        assert {a.kind for a in given} == {"standard"}
        assert [a.cycle for a in given] == [1, 2, 3, 4]


def test_weekly_paclitaxel_12_from_day_84(ac_th):
    given = doses(ac_th, "paclitaxel")
    assert [a.date for a in given] == [day(84 + 7 * k) for k in range(12)]
    assert given[0].date == D(2015, 3, 30)


def test_trastuzumab_weekly_loading_then_maintenance(ac_th):
    weekly = [a for a in doses(ac_th, "trastuzumab") if a.phase == "TH"]
    assert len(weekly) == 12
    assert weekly[0].date == day(84)
    assert weekly[0].kind == "loading" and weekly[0].step.per_unit == 4
    assert all(a.kind == "maintenance" and a.step.per_unit == 2 for a in weekly[1:])


def test_trastuzumab_three_weekly_starts_one_week_after_the_last_weekly_dose(ac_th):
    weekly = [a for a in doses(ac_th, "trastuzumab") if a.phase == "TH"]
    three_weekly = [a for a in doses(ac_th, "trastuzumab") if a.phase == "H"]
    assert three_weekly[0].date == weekly[-1].date + dt.timedelta(days=7) == day(168)
    # 6 mg/kg, not an 8 mg/kg loading dose: the course continues.
    assert three_weekly[0].kind == "maintenance"
    assert three_weekly[0].step.per_unit == 6
    assert all(a.kind == "maintenance" for a in three_weekly)


def test_trastuzumab_stops_within_52_weeks_of_its_first_dose(ac_th):
    given = doses(ac_th, "trastuzumab")
    first = given[0].date  # day 84
    end = first + dt.timedelta(weeks=52)  # day 448
    # By hand: 12 weekly doses (days 84-161), then every 21 days from day 168
    # while before day 448: 168 + 21k < 448 -> k = 0..13, 14 doses.
    three_weekly = [a.date for a in given if a.phase == "H"]
    assert three_weekly == [day(168 + 21 * k) for k in range(14)]
    assert len(given) == 12 + 14
    assert given[-1].date == day(441) == D(2016, 3, 21)
    assert given[-1].date < end
    # The next three-weekly date would fall on the 52-week mark itself.
    assert day(441 + 21) >= end


def test_dates_are_ordered_and_cycles_counted(ac_th):
    dates = [a.date for a in ac_th.administrations]
    assert dates == sorted(dates)
    assert [c[2] for c in ac_th.cycles] == list(range(1, len(ac_th.cycles) + 1))
    assert len(ac_th.cycles) == 4 + 12 + 14
    assert ac_th.continues is None


def test_dose_dense_ac_every_14_days(standard):
    schedule = expand(find_regimen("ddac-th"), standard, START)
    assert [a.date for a in doses(schedule, "doxorubicin")] == [day(0), day(14), day(28), day(42)]
    assert doses(schedule, "paclitaxel")[0].date == day(56)


# -- THP from the case's start date ---------------------------------------------------

THP_START = D(2016, 1, 19)


def thp(policy_name, delays=None, cycles=8):
    return expand(
        find_regimen("thp"),
        find_policy(policy_name),
        THP_START,
        delays=delays,
        phase_cycles={"THP": cycles},
        max_cycles=cycles,
    )


def test_thp_eight_cycles_dates():
    schedule = thp("standard")
    starts = [date for _phase, _cycle, _course, date in schedule.cycles]
    assert len(starts) == 8
    assert starts[2] == D(2016, 3, 1)  # cycle 3: 19 Jan + 42 days, through 29 Feb 2016
    assert starts[-1] == D(2016, 6, 14)  # cycle 8: + 147 days
    assert doses(schedule, "docetaxel")[-1].date == D(2016, 6, 14)
    assert schedule.continues  # HP maintenance follows: it says so


def test_thp_loading_only_on_cycle_1():
    schedule = thp("standard")
    for drug, loading, maintenance in (("pertuzumab", 840, 420), ("trastuzumab", 8, 6)):
        given = doses(schedule, drug)
        assert given[0].kind == "loading" and given[0].step.per_unit == loading
        assert all(a.kind == "maintenance" and a.step.per_unit == maintenance for a in given[1:])


def test_25_day_delay_reloads_both_under_standard():
    schedule = thp("standard", delays={CycleRef(None, 4): 25})
    for drug in ("pertuzumab", "trastuzumab"):
        given = doses(schedule, drug)
        cycle4 = given[3]
        # Cycle 3 on 1 March; cycle 4 due 22 March, given 25 days late: 16 April.
        assert cycle4.date == D(2016, 4, 16)
        assert (cycle4.date - given[2].date).days == 46
        assert cycle4.kind == "loading", drug
        assert cycle4.notes and "re-load" in cycle4.notes[0]
        # Back to maintenance afterwards, every 21 days from the new date.
        assert given[4].kind == "maintenance"
        assert given[4].date == D(2016, 5, 7)


def test_delay_moves_later_cycles_not_earlier_ones():
    schedule = thp("standard", delays={CycleRef(None, 4): 25})
    starts = [date for *_rest, date in schedule.cycles]
    assert starts[:3] == [THP_START, D(2016, 2, 9), D(2016, 3, 1)]
    assert starts[7] == D(2016, 6, 14) + dt.timedelta(days=25)


@pytest.mark.parametrize("policy", ["standard", "hopa-vial-10"])
def test_15_day_delay_in_thp_reloads_neither(policy):
    # Trastuzumab every 3 weeks with pertuzumab and pertuzumab itself follow the
    # Perjeta six-week rule: 21 + 15 = 36 days < 42, whatever the policy.
    schedule = thp(policy, delays={CycleRef(None, 4): 15})
    for drug in ("pertuzumab", "trastuzumab"):
        cycle4 = doses(schedule, drug)[3]
        assert (cycle4.date - doses(schedule, drug)[2].date).days == 36
        assert cycle4.kind == "maintenance", drug


@pytest.mark.parametrize("policy", ["standard", "hopa-vial-10"])
def test_21_day_delay_in_thp_reloads_both_at_exactly_six_weeks(policy):
    schedule = thp(policy, delays={CycleRef(None, 4): 21})
    for drug in ("pertuzumab", "trastuzumab"):
        cycle4 = doses(schedule, drug)[3]
        assert (cycle4.date - doses(schedule, drug)[2].date).days == 42
        assert cycle4.kind == "loading", drug


def test_delay_by_phase_and_cycle():
    schedule = thp("standard", delays={CycleRef("THP", 2): 3})
    assert [date for *_rest, date in schedule.cycles][1] == D(2016, 2, 12)


def test_delay_on_a_non_existent_cycle():
    with pytest.raises(InputError, match="no such cycle"):
        thp("standard", delays={CycleRef(None, 40): 7})


def test_delay_on_a_non_existent_phase():
    with pytest.raises(InputError, match="no phase"):
        thp("standard", delays={CycleRef("XYZ", 1): 7})


@pytest.mark.parametrize("text", ["0", "-1", "abc", "TH:x", ""])
def test_bad_cycle_references(text):
    with pytest.raises(InputError):
        CycleRef.parse(text)


def test_cycle_reference_parsing():
    assert CycleRef.parse("3") == CycleRef(None, 3)
    assert CycleRef.parse("TH:5") == CycleRef("TH", 5)


def test_fixed_phase_cycles_cannot_be_changed(standard):
    with pytest.raises(InputError, match="fixed"):
        expand(find_regimen("ac-th"), standard, START, phase_cycles={"AC": 6})


def test_minimum_phase_cannot_be_shortened(standard):
    with pytest.raises(InputError, match="at least 6"):
        expand(find_regimen("thp"), standard, THP_START, phase_cycles={"THP": 4})


def test_open_ended_course_shows_a_bounded_number_and_says_it_continues(standard):
    schedule = expand(find_regimen("thp"), standard, THP_START)
    # THP 6 cycles (its minimum), then HP until progression: 6 shown.
    assert [p for p, *_ in schedule.cycles].count("THP") == 6
    assert [p for p, *_ in schedule.cycles].count("HP") == 6
    assert schedule.continues and "HP" in schedule.continues
    # HP continues the antibody course: no re-loading at the phase change.
    hp_first = [a for a in schedule.administrations if a.phase == "HP" and a.cycle == 1]
    assert {a.kind for a in hp_first} == {"maintenance"}


def test_until_date_bounds_the_course(standard):
    schedule = expand(find_regimen("thp"), standard, THP_START, until=D(2016, 3, 1))
    assert [date for *_rest, date in schedule.cycles] == [THP_START, D(2016, 2, 9), D(2016, 3, 1)]
    assert schedule.continues
