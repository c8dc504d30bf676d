"""Re-load rules by drug, schedule and companion drugs, at every boundary, in
the three places that judge them: ``dose --delay``, ``calendar --delay`` and
the checker's administrations.

The label rules, written out here by hand (never taken from the policy file):

- weekly trastuzumab (4 mg/kg loading, 2 mg/kg weekly): re-load 4 mg/kg when a
  dose is *more than* one week late (Herceptin SmPC 4.2). Scheduled 7 days
  after the previous dose: 6 or 7 days late (13, 14 days) is maintenance,
  8 days late (15 days) re-loads.
- trastuzumab every 3 weeks alone (8 then 6 mg/kg): the same one-week rule.
  Scheduled 21 days after: 6 or 7 days late (27, 28 days) is maintenance,
  8 days late (29 days) re-loads 8 mg/kg.
- pertuzumab, and trastuzumab every 3 weeks *with* pertuzumab: re-load when
  six weeks (42 days) *or more* have passed (Perjeta PI 2.3, Phesgo): 41 days
  is maintenance, 42 and 43 days re-load (840 mg, 8 mg/kg).

Patient 165 cm, 62 kg: 4 mg/kg = 248 mg, 2 mg/kg = 124 mg, 8 mg/kg = 496 mg,
6 mg/kg = 372 mg (final doses checked where the policy rounds to 1 mg; the
HOPA policy rounds 496 mg to 450 mg of vials).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from dosecalc import api
from dosecalc.errors import CalculationError, DataFileError, InputError
from dosecalc.policy import find_policy, load_policy_file
from dosecalc.regimen import find_regimen
from dosecalc.schedule import reload_rule_for

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}
POLICIES = ["standard", "hopa-vial-10", "capped-bsa-no-gfr-cap"]

# (regimen, delayed course cycle, delay in days, expected gap, expected kind, expected mg)
# AC-TH: AC is course cycles 1-4, weekly TH 5-16, trastuzumab every 3 weeks (H) from 17.
# TH cycle 2 (course cycle 6) is due 7 days after TH 1; H cycle 2 (course 18) 21 days after H 1.
# THP: every 21 days; cycle 3 is due 21 days after cycle 2.
WEEKLY = [
    ("ac-th", 6, 6, 13, "maintenance", 124),
    ("ac-th", 6, 7, 14, "maintenance", 124),
    ("ac-th", 6, 8, 15, "loading", 248),
]
THREE_WEEKLY_ALONE = [
    ("ac-th", 18, 6, 27, "maintenance", 372),
    ("ac-th", 18, 7, 28, "maintenance", 372),
    ("ac-th", 18, 8, 29, "loading", 496),
]
WITH_PERTUZUMAB = [
    ("thp", 3, 20, 41, "maintenance", 372),
    ("thp", 3, 21, 42, "loading", 496),
    ("thp", 3, 22, 43, "loading", 496),
]
BOUNDARIES = WEEKLY + THREE_WEEKLY_ALONE + WITH_PERTUZUMAB


def _trastuzumab_doses(report):
    return [line for line in report.lines if line.administration.drug == "trastuzumab"]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(("regimen", "cycle", "delay", "gap", "kind", "mg"), BOUNDARIES)
def test_calendar_delay_boundaries(policy, regimen, cycle, delay, gap, kind, mg):
    report = api.calendar_course(
        regimen,
        "2016-01-04",
        cycles=cycle + 1,
        delays=[f"{cycle}={delay}"],
        policy=policy,
        **PATIENT,
    )
    doses = _trastuzumab_doses(report)
    delayed = next(line for line in doses if line.course_cycle == cycle)
    before = doses[doses.index(delayed) - 1]
    assert (delayed.date - before.date).days == gap
    assert (delayed.administration.kind, delayed.dose.per_unit * 62) == (kind, mg)
    if policy != "hopa-vial-10":  # HOPA rounds 496 mg to 3 x 150 mg vials (-9.3%)
        assert delayed.dose.final_mg == mg
    after = doses[doses.index(delayed) + 1]
    assert after.administration.kind == "maintenance"  # back to maintenance from the new date


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(("regimen", "cycle", "delay", "gap", "kind", "mg"), BOUNDARIES)
def test_dose_delay_boundaries(policy, regimen, cycle, delay, gap, kind, mg):
    report = api.dose_course(
        regimen, cycle=cycle, delays=[f"{cycle}={delay}"], policy=policy, **PATIENT
    )
    line = next(line for line in report.lines if line.drug == "trastuzumab")
    assert (line.kind, line.per_unit * 62) == (kind, mg)
    if policy != "hopa-vial-10":
        assert line.final_mg == mg
    if kind == "loading":
        assert line.reason and f"{gap} days since the previous trastuzumab dose" in line.reason


@pytest.mark.parametrize(
    ("delay", "gap", "kind", "mg"),
    [(20, 41, "maintenance", 420), (21, 42, "loading", 840), (22, 43, "loading", 840)],
)
def test_pertuzumab_six_week_boundary(delay, gap, kind, mg):
    report = api.calendar_course("thp", "2016-01-19", cycles=4, delays=[f"3={delay}"], **PATIENT)
    p = [line for line in report.lines if line.administration.drug == "pertuzumab"]
    assert (p[2].date - p[1].date).days == gap
    assert (p[2].administration.kind, p[2].dose.final_mg) == (kind, mg)


# Phesgo (fixed-dose SC pertuzumab 1,200 mg then 600 mg, trastuzumab 600 mg in both):
# its own rule, 6 weeks (42 days) or more since the last injection re-loads 1,200 mg.
# Cycle 3 is due 21 days after cycle 2: 20 days late = 41 days, 21 days late = 42 days.
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("delay", "gap", "kind", "mg"),
    [(20, 41, "maintenance", 600), (21, 42, "loading", 1200), (22, 43, "loading", 1200)],
)
def test_phesgo_own_six_week_rule_through_dose_delay(policy, delay, gap, kind, mg):
    report = api.dose_course("phesgo", cycle=3, delays=[f"3={delay}"], policy=policy, **PATIENT)
    line = next(line for line in report.lines if line.drug == "pertuzumab")
    assert (line.kind, line.final_mg) == (kind, mg)
    trastuzumab = next(line for line in report.lines if line.drug == "trastuzumab")
    assert trastuzumab.final_mg == 600  # the same 600 mg whether loading or not
    if kind == "loading":
        assert f"{gap} days since the previous pertuzumab dose" in (line.reason or "")
        assert "pertuzumab-trastuzumab-sc" in (line.reason or "")
        assert "Phesgo" in (line.reason or "") and "Perjeta" not in (line.reason or "")


def test_phesgo_rule_printed_by_dose_cli(capsys):
    from dosecalc.cli import main

    code = main(
        ["dose", "phesgo", "--height", "165 cm", "--weight", "62 kg", "--cycle", "3",
         "--delay", "3=21"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    row = next(r for r in out.splitlines() if r.startswith("PH-SC") and " pertuzumab " in r)
    assert "loading" in row and "1,200 mg" in row


def test_issue_example_ac_th_delay_of_21_days_reloads_weekly_trastuzumab():
    # Under hopa-vial-10 a TH dose 21 days late (28 days after the previous one) was given
    # 2 mg/kg by a six-week rule meant for pertuzumab; the weekly label rule re-loads 4 mg/kg.
    report = api.dose_course("ac-th", cycle=6, delays=["6=21"], policy="hopa-vial-10", **PATIENT)
    line = next(line for line in report.lines if line.drug == "trastuzumab")
    assert (line.kind, line.per_unit, line.final_mg) == ("loading", 4, 248)
    assert "28 days since the previous trastuzumab dose (scheduled 7)" in (line.reason or "")
    assert "trastuzumab every 7 days" in (line.reason or "")


# -- the checker's judgement of doses actually given ---------------------------------------------

CASE = """\
schema_version: 1
id: reload-boundary
title: Re-load boundary
language: en
patient:
  sex: female
  age: 50
  height: 165 cm
  weight: 62 kg
  lvef:
    - {{date: 2020-02-24, value: 62%}}
treatments:
  - id: t
    regimen: {regimen}
    setting: {setting}
    start: 2020-03-02
    end: null
    frequency: {frequency}
    cycles: null
    drugs:
{drugs}
    administrations:
{given}
"""


def _case(tmp_path, *, regimen, setting, frequency, first, second, gap):
    """A case whose second dose of each drug comes ``gap`` days after the first."""
    later = D(2020, 3, 2) + dt.timedelta(days=gap)
    given = [f"      - {{date: 2020-03-02, drug: {d}, dose: {dose}}}" for d, dose in first]
    given += [
        f"      - {{date: {later.isoformat()}, drug: {d}, dose: {dose}}}" for d, dose in second
    ]
    text = CASE.format(
        regimen=regimen,
        setting=setting,
        frequency=frequency,
        drugs="\n".join(f"      - {{drug: {d}, dose: {dose}}}" for d, dose in first),
        given="\n".join(given),
    )
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _reload_findings(report, drug):
    return [
        f.code
        for f in report.findings
        if f.drug == drug and f.code in ("LOADING_MISSING", "UNEXPECTED_LOADING")
    ]


CHECKER = [
    # weekly paclitaxel + trastuzumab: maintenance 2 mg/kg given after 13, 14, 15 days
    ("weekly paclitaxel + trastuzumab", "adjuvant", "weekly",
     [("paclitaxel", "80 mg/m2"), ("trastuzumab", "4 mg/kg")],
     [("paclitaxel", "80 mg/m2"), ("trastuzumab", "2 mg/kg")], "trastuzumab", {13: False, 14: False, 15: True}),
    # trastuzumab alone every 3 weeks: 6 mg/kg after 27, 28, 29 days
    ("trastuzumab every 3 weeks", "adjuvant", "every 3 weeks",
     [("trastuzumab", "8 mg/kg")], [("trastuzumab", "6 mg/kg")], "trastuzumab", {27: False, 28: False, 29: True}),
    # trastuzumab every 3 weeks with pertuzumab: 6 mg/kg after 41, 42, 43 days
    ("trastuzumab + pertuzumab", "metastatic", "every 3 weeks",
     [("pertuzumab", "840 mg"), ("trastuzumab", "8 mg/kg")],
     [("pertuzumab", "840 mg"), ("trastuzumab", "6 mg/kg")], "trastuzumab", {41: False, 42: True, 43: True}),
    # pertuzumab itself: 420 mg after 41, 42, 43 days
    ("trastuzumab + pertuzumab", "metastatic", "every 3 weeks",
     [("pertuzumab", "840 mg"), ("trastuzumab", "8 mg/kg")],
     [("pertuzumab", "420 mg"), ("trastuzumab", "8 mg/kg")], "pertuzumab", {41: False, 42: True, 43: True}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("regimen", "setting", "frequency", "first", "second", "drug", "due"), CHECKER
)
def test_checker_reload_boundaries(tmp_path, regimen, setting, frequency, first, second, drug, due):
    for gap, reload_due in due.items():
        path = _case(
            tmp_path,
            regimen=regimen,
            setting=setting,
            frequency=frequency,
            first=first,
            second=second,
            gap=gap,
        )
        found = _reload_findings(api.check_course(str(path)), drug)
        # The maintenance dose was given: an error exactly when a re-load was due.
        assert found == (["LOADING_MISSING"] if reload_due else []), (drug, gap, found)


def test_checker_flags_a_reload_given_too_early(tmp_path):
    # Trastuzumab with pertuzumab re-loaded (8 mg/kg) only 29 days after the previous dose:
    # under six weeks, the maintenance dose is due (the Herceptin one-week rule does not apply).
    path = _case(
        tmp_path,
        regimen="trastuzumab + pertuzumab",
        setting="metastatic",
        frequency="every 3 weeks",
        first=[("pertuzumab", "840 mg"), ("trastuzumab", "8 mg/kg")],
        second=[("pertuzumab", "420 mg"), ("trastuzumab", "8 mg/kg")],
        gap=29,
    )
    report = api.check_course(str(path))
    assert _reload_findings(report, "trastuzumab") == ["UNEXPECTED_LOADING"]
    finding = next(f for f in report.findings if f.code == "UNEXPECTED_LOADING")
    assert "trastuzumab every 21 days with pertuzumab" in finding.message


# -- the rules as data ----------------------------------------------------------------------------


def test_each_trastuzumab_line_finds_its_own_rule():
    policy = find_policy("standard")
    expected = {
        ("ac-th", "TH"): ("late_by", 7, 7),
        ("ac-th", "H"): ("late_by", 7, 21),
        ("tch", "TCH"): ("late_by", 7, 7),  # days 1, 8 and 15 of 21: weekly
        ("tch", "H"): ("late_by", 7, 21),
        ("thp", "THP"): ("interval", 42, 21),
        ("thp", "HP"): ("interval", 42, 21),
    }
    for (regimen, phase), (mode, threshold, every) in expected.items():
        entry = next(e for e in find_regimen(regimen).phase(phase).drugs if e.drug == "trastuzumab")
        rule = reload_rule_for(entry, policy)
        assert rule is not None
        assert (rule.mode, rule.threshold_days, rule.every_days) == (mode, threshold, every)


def _policy_with_reload(tmp_path, reload_yaml: str, carboplatin: str | None = None):
    text = Path(find_policy("standard").path or "").read_text(encoding="utf-8")
    start = text.index("reload:\n")
    end = text.index("anthracycline_limit:")
    text = text[:start] + textwrap.dedent(reload_yaml) + text[end:]
    if carboplatin is not None:
        start = text.index("carboplatin:\n")
        end = text.index("rounding:\n")
        text = text[:start] + textwrap.dedent(carboplatin) + text[end:]
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overlapping_rules_are_refused_on_load(tmp_path):
    path = _policy_with_reload(
        tmp_path,
        """\
        reload:
          - {drug: trastuzumab, rule: late_by, threshold: 7 days, source: herceptin-missed-dose}
          - {drug: trastuzumab, every: 21 days, with: [pertuzumab], rule: interval, threshold: 6 weeks, source: perjeta-missed-dose}
          - {drug: pertuzumab, rule: interval, threshold: 6 weeks, source: perjeta-missed-dose}
        """,
    )
    with pytest.raises(DataFileError, match="can both apply to the same dose"):
        load_policy_file(path)


def test_the_old_mapping_form_is_refused_with_a_pointer(tmp_path):
    path = _policy_with_reload(
        tmp_path,
        """\
        reload:
          trastuzumab: {rule: late_by, threshold: 7 days, source: herceptin-missed-dose}
        """,
    )
    with pytest.raises(DataFileError, match="expected a list of re-load rules"):
        load_policy_file(path)


def test_a_line_without_a_matching_rule_is_an_error_not_a_silent_maintenance_dose(tmp_path):
    # Only a weekly trastuzumab rule: THP's three-weekly trastuzumab has none.
    path = _policy_with_reload(
        tmp_path,
        """\
        reload:
          - {drug: trastuzumab, every: 7 days, rule: late_by, threshold: 7 days, source: herceptin-missed-dose}
          - {drug: pertuzumab, rule: interval, threshold: 6 weeks, source: perjeta-missed-dose}
        """,
    )
    with pytest.raises(
        CalculationError, match="no re-load rule for trastuzumab every 21 days with"
    ):
        api.dose_course("thp", policy=str(path), **PATIENT)


def test_a_delay_after_the_cycle_asked_for_is_refused_with_a_reason():
    with pytest.raises(InputError, match="after cycle 3, so it cannot change the doses of cycle 3"):
        api.dose_course("ac-th", cycle=3, delays=["5=7"], **PATIENT)
