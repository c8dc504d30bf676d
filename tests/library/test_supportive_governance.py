"""Supportive care and monitoring as data, the course-limit policy choice,
regimen governance (draft, reviewed, retired) and provenance on every output.

Expected values are the labels' own figures, written out here: Taxol
(dexamethasone 20 mg PO 12 and 6 hours before; diphenhydramine 50 mg IV and
cimetidine 300 mg or ranitidine 50 mg IV 30 to 60 minutes before), docetaxel
(dexamethasone 8 mg twice daily for 3 days starting the day before), Perjeta
(observe 60 minutes after the first infusion, 30 minutes after later ones),
Herceptin (LVEF at baseline, every 3 months, at completion; 52 weeks), ASCO
antiemetics 2017 (AC high; docetaxel, paclitaxel, pertuzumab low;
trastuzumab minimal; carboplatin moderate).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import locations
import pytest
from conftest import run_cli as run
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.errors import DataFileError
from dosecalc.output.calendar import render
from dosecalc.paths import shipped_dir
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen, load_regimen_file
from dosecalc.schedule import CycleRef, expand
from dosecalc.supportive import premedication_for

D = dt.date
PATIENT = {"height": "165 cm", "weight": "62 kg"}
CASES = locations.DATA / "cases"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- supportive care as data --------------------------------------------------------------------


def test_paclitaxel_premedication_is_the_taxol_label():
    entries = premedication_for("paclitaxel", find_regimen("ac-th"))
    by_drug = {(e.drug, e.route): e for e in entries}
    oral = by_drug[("dexamethasone", "PO")]
    assert oral.dose_mg == 20 and oral.before_min == (12 * 60, 6 * 60)
    assert oral.option == "label oral schedule"
    short = by_drug[("dexamethasone", "IV")]
    assert short.dose_mg == 20 and short.window_min == (30, 60)
    assert short.option == "short IV schedule"
    diphenhydramine = by_drug[("diphenhydramine", "IV")]
    assert diphenhydramine.dose_mg == 50 and diphenhydramine.window_min == (30, 60)
    h2 = by_drug[("cimetidine", "IV")]
    assert h2.dose_mg == 300 and ("ranitidine", 50) in h2.alternatives
    assert "12 h and 6 h before paclitaxel" in oral.describe()


def test_docetaxel_premedication_is_the_docetaxel_label():
    for regimen in ("thp", "tch"):
        (entry,) = premedication_for("docetaxel", find_regimen(regimen))
        # 16 mg a day (8 mg twice daily) for 3 days starting the day before.
        assert (entry.drug, entry.dose_mg, entry.route) == ("dexamethasone", 8, "PO")
        assert entry.days == (-1, 0, 1) and entry.times_per_day == 2
        assert entry.dose_mg * entry.times_per_day * len(entry.days) == 48


def test_observation_is_not_premedication_and_follows_the_dose_kind():
    thp = find_regimen("thp")
    assert premedication_for("pertuzumab", thp) == []
    phase = thp.phase("THP")
    observe = {e.when: e.observe_min for e in phase.supportive if e.for_drug == "pertuzumab"}
    assert observe == {"loading": 60, "maintenance": 30}


@pytest.mark.parametrize(
    "regimen, levels",
    [
        ("ac-th", {"AC": "high", "TH": "low", "H": "minimal"}),
        ("ddac-th", {"AC": "high", "TH": "low", "H": "minimal"}),
        ("thp", {"THP": "low", "HP": "low"}),
        ("tch", {"TCH": "moderate", "H": "minimal"}),
    ],
)
def test_emetogenic_risk_of_each_phase(regimen, levels):
    reg = find_regimen(regimen)
    assert {p.id: p.emetogenic_risk.level for p in reg.phases} == levels
    assert all("Hesketh" in s.citation for s in reg.sources if s.id == "asco-antiemetics-2017")


def test_dose_prints_premedication_per_phase():
    code, out, err = run("dose", "thp", "--height", "165 cm", "--weight", "62 kg")
    assert code == 0, err
    assert "Phase THP: emetogenic risk low" in out
    assert "dexamethasone 8 mg PO, twice daily, days -1, 0, +1 (day 0 = docetaxel)" in out
    assert "observe 60 min after pertuzumab; with loading doses only" in out
    assert "LVEF: before the first trastuzumab dose, every 3 months" in out
    data = json.loads(
        run("dose", "thp", "--height", "165", "--weight", "62", "--format", "json")[1]
    )
    thp = next(p for p in data["supportive"] if p["phase"] == "THP")
    dex = next(e for e in thp["supportive"] if e["drug"] == "dexamethasone")
    assert (dex["dose_mg"], dex["days"], dex["times_per_day"]) == (8, [-1, 0, 1], 2)
    assert data["monitoring"][0]["every"] == "3 months"


def test_calendar_dates_the_day_before_and_after_docetaxel():
    report = api.calendar_course("thp", "2016-01-19", cycles=2, delays=["2=7"])
    dex = [(s.date, s.day) for s in report.supportive if s.entry.drug == "dexamethasone"]
    # Cycle 1 on Tue 19 Jan 2016; cycle 2 due 9 Feb, delayed 7 days to 16 Feb:
    # the premedication follows the dose actually given.
    assert dex == [
        (D(2016, 1, 18), -1),
        (D(2016, 1, 19), 0),
        (D(2016, 1, 20), 1),
        (D(2016, 2, 15), -1),
        (D(2016, 2, 16), 0),
        (D(2016, 2, 17), 1),
    ]
    observations = [
        (s.date, s.entry.observe_min) for s in report.supportive if s.entry.drug is None
    ]
    assert (D(2016, 1, 19), 60) in observations and (D(2016, 2, 16), 30) in observations


def test_lvef_due_dates_on_ac_th():
    report = api.calendar_course("ac-th", "2016-01-04")
    # AC 4 x 21 days: trastuzumab starts 84 days later, Mon 28 Mar 2016; 12 weekly
    # doses, then 6 mg/kg every 3 weeks from 20 Jun 2016; the 14th is 20 Jun + 13 x 21 days.
    assert [(m.date, m.test) for m in report.monitoring] == [
        (D(2016, 3, 28), "LVEF"),
        (D(2016, 6, 28), "LVEF"),
        (D(2016, 9, 28), "LVEF"),
        (D(2016, 12, 28), "LVEF"),
        (D(2017, 3, 20), "LVEF"),
    ]
    assert "baseline" in report.monitoring[0].reason and "end" in report.monitoring[-1].reason


def test_open_calendar_has_no_end_of_treatment_test():
    report = api.calendar_course("thp", "2016-01-19", cycles=2)
    assert [m.date for m in report.monitoring] == [D(2016, 1, 19)]


def test_every_calendar_format_carries_supportive_care_and_monitoring():
    report = api.calendar_course("thp", "2016-01-19", cycles=8, **PATIENT)
    table = render(report, "table")
    assert "2016-01-18  Mon            THP 1    premedication  dexamethasone 8 mg PO" in table
    assert "Monitoring due" in table and "every 3 months on trastuzumab (3 months)" in table
    month = render(report, "table", view="month")
    assert "day -1 of docetaxel (Tue 2016-01-19)" in month
    data = json.loads(render(report, "json"))
    assert data["supportive"][0]["date"] == "2016-01-18"
    assert data["monitoring"][0]["reason"].startswith("baseline")
    csv_text = render(report, "csv")
    assert "\n2016-01-18,Monday,THP,1,1,-1,dexamethasone," in csv_text
    ics = render(report, "ics")
    assert "SUMMARY:Supportive care: dexamethasone" in ics
    assert "DTSTART;VALUE=DATE:20160118" in ics
    html = render(report, "html")
    assert 'id="supportive"' in html and "day -1 of docetaxel" in html


def test_supportive_validation_names_each_problem(tmp_path):
    text = (shipped_dir("regimens") / "thp.yaml").read_text(encoding="utf-8")
    text = text.replace("        for: docetaxel\n", "        for: paclitaxel\n", 1)
    text = text.replace(
        "        times_per_day: 2\n", "        times_per_day: 2\n        observe: 5 min\n", 1
    )
    text = text.replace("      level: low\n", "      level: severe\n", 1)
    path = tmp_path / "thp.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_regimen_file(path)
    messages = caught.value.details()
    assert "supportive[0].for: 'paclitaxel' is not a drug of this phase" in messages
    assert "supportive[0].observe: 'observe' belongs to purpose: observation" in messages
    assert "emetogenic_risk.level: 'severe' is not one of: high, moderate, low, minimal" in messages


def test_check_reads_premedication_from_the_regimen_data(tmp_path):
    case = str(CASES / "premedication-missing.yaml")
    found = [f for f in api.check_course(case).findings if f.code == "PREMEDICATION_MISSING"]
    assert [f.drug for f in found] == ["docetaxel"]
    assert "dexamethasone 8 mg PO, twice daily, days -1, 0, +1" in found[0].message
    assert "16 mg per day" in found[0].source  # the regimen's cited source, not a constant
    # A library in which no regimen gives docetaxel premedication: nothing to miss.
    folder = tmp_path / "regimens"
    folder.mkdir()
    docetaxel_premedication = (
        "      - purpose: premedication\n        for: docetaxel\n        drug: dexamethasone\n"
        "        dose: 8 mg\n        route: PO\n        days: [-1, 0, 1]\n"
        "        times_per_day: 2\n        source: docetaxel-premedication\n"
    )
    for path in shipped_dir("regimens").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name != "tch.yaml" and docetaxel_premedication in text:
            text = text.replace(docetaxel_premedication, "")
            text = text.replace("    supportive:\n    drugs:", "    drugs:")
            assert "for: docetaxel" not in text, path.name
            (folder / path.name).write_text(text, encoding="utf-8")
    (folder / "tch.yaml").write_text(
        (shipped_dir("regimens") / "tch.yaml")
        .read_text(encoding="utf-8")
        .replace("        for: docetaxel\n", "        for: carboplatin\n"),
        encoding="utf-8",
    )
    report = api.check_course(case, regimen_dirs=(str(folder),))
    assert not [f for f in report.findings if f.code == "PREMEDICATION_MISSING"]


def test_a_regimen_without_supportive_data_falls_back_on_the_library(tmp_path):
    # THP without its supportive block: docetaxel's premedication still comes
    # from the data (TCH gives it), never from a name written in the checker.
    folder = tmp_path / "regimens"
    folder.mkdir()
    text = (shipped_dir("regimens") / "thp.yaml").read_text(encoding="utf-8")
    start = text.index("      - purpose: premedication\n        for: docetaxel")
    end = text.index("      - purpose: observation", start)
    (folder / "thp.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    case = str(CASES / "premedication-missing.yaml")
    found = [
        f
        for f in api.check_course(case, regimen_dirs=(str(folder),)).findings
        if f.code == "PREMEDICATION_MISSING"
    ]
    assert [f.drug for f in found] == ["docetaxel"]
    assert "dexamethasone 8 mg PO, twice daily, days -1, 0, +1" in found[0].message


# -- the 52-week trastuzumab limit as a policy choice -----------------------------------------


def _counting_policy(tmp_path: Path) -> str:
    text = (shipped_dir("policies") / "standard.yaml").read_text(encoding="utf-8")
    path = tmp_path / "counting.yaml"
    path.write_text(
        text.replace("id: standard", "id: counting").replace(
            "course_limit: by_date", "course_limit: by_count"
        ),
        encoding="utf-8",
    )
    return str(path)


def _trastuzumab(report) -> list[dt.date]:
    return [line.date for line in report.lines if line.administration.drug == "trastuzumab"]


def test_course_limit_by_date_and_by_count_on_ac_th(tmp_path):
    counting = _counting_policy(tmp_path)
    by_date = _trastuzumab(api.calendar_course("ac-th", "2016-01-04"))
    by_count = _trastuzumab(api.calendar_course("ac-th", "2016-01-04", policy=counting))
    # On time, both give 12 weekly + 14 three-weekly doses (4 + 14 = 18 equivalents;
    # the last on 20 Mar 2017, day 357 of the 364).
    assert len(by_date) == len(by_count) == 26
    assert by_date[-1] == by_count[-1] == D(2017, 3, 20)
    # Delay H cycle 5 by 14 days: by date, no dose on or after 27 Mar 2017
    # (28 Mar 2016 + 364 days), so the 14th three-weekly dose (3 Apr 2017) is
    # dropped; by count, 18 equivalents are still given.
    delayed_date = _trastuzumab(api.calendar_course("ac-th", "2016-01-04", delays=["H:5=14"]))
    delayed_count = _trastuzumab(
        api.calendar_course("ac-th", "2016-01-04", delays=["H:5=14"], policy=counting)
    )
    assert D(2016, 3, 28) + dt.timedelta(days=364) == D(2017, 3, 27)
    assert (len(delayed_date), delayed_date[-1]) == (25, D(2017, 3, 13))
    assert (len(delayed_count), delayed_count[-1]) == (26, D(2017, 4, 3))


def test_course_limit_choice_is_printed_and_a_missing_count_is_refused(tmp_path):
    counting = _counting_policy(tmp_path)
    code, out, _ = run("calendar", "ac-th", "--start", "2016-01-04", "--policy", counting)
    assert code == 0 and "course limits: by count" in out
    assert "course limits: by date" in run("calendar", "ac-th", "--start", "2016-01-04")[1]
    folder = tmp_path / "regimens"
    folder.mkdir()
    text = (shipped_dir("regimens") / "ac-th.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("    count:")]
    (folder / "ac-th.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(
        "--regimens",
        str(folder),
        "calendar",
        "ac-th",
        "--start",
        "2016-01-04",
        "--policy",
        counting,
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "gives no count" in err


# -- governance -------------------------------------------------------------------------------


def _with_status(tmp_path: Path, status_lines: str) -> Path:
    folder = tmp_path / "regimens"
    folder.mkdir(exist_ok=True)
    text = (shipped_dir("regimens") / "thp.yaml").read_text(encoding="utf-8")
    start = text.index("status: reviewed\n")
    end = text.index("sources:\n")
    (folder / "thp.yaml").write_text(text[:start] + status_lines + text[end:], encoding="utf-8")
    return folder


def test_shipped_regimens_are_reviewed():
    for path in sorted(shipped_dir("regimens").glob("*.yaml")):
        regimen = load_regimen_file(path)
        if regimen.id in ("ac-th", "ddac-th", "thp", "tch"):
            assert regimen.status == "reviewed"
            assert regimen.last_reviewed == D(2026, 12, 1)
            assert regimen.reviewed_by == "independent label and trial review (issue 8)"
    code, out, _ = run("regimens", "list")
    assert code == 0 and "reviewed" in out and "2026-12-01" in out


def test_a_draft_is_refused_unless_allowed_and_then_bannered(tmp_path):
    folder = str(_with_status(tmp_path, "status: draft\n"))
    code, _, err = run("--regimens", folder, "dose", "thp", "--height", "165", "--weight", "62")
    assert code == 2 and err.strip() == (
        "Error: regimen thp (version 1) is a draft, not reviewed: give --allow-draft to use it anyway"
    )
    code, _, err = run("--regimens", folder, "calendar", "thp", "--start", "2016-01-19")
    assert code == 2 and "--allow-draft" in err
    code, out, _ = run(
        "--regimens", folder, "dose", "thp", "--height", "165", "--weight", "62", "--allow-draft"
    )
    assert code == 0 and out.startswith("DRAFT REGIMEN: thp version 1 has not been reviewed")
    code, out, _ = run(
        "--regimens", folder, "calendar", "thp", "--start", "2016-01-19", "--allow-draft"
    )
    assert code == 0 and out.startswith("DRAFT REGIMEN")
    listing = run("--regimens", folder, "regimens", "list")[1]
    assert any(
        line.startswith("thp ") and line.split()[-1] == "draft" for line in listing.splitlines()
    )


def test_a_retired_regimen_is_refused_even_with_allow_draft(tmp_path):
    folder = str(
        _with_status(
            tmp_path,
            "status: retired\nlast_reviewed: 2026-01-05\nreviewed_by: pharmacy committee\n",
        )
    )
    code, _, err = run(
        "--regimens", folder, "dose", "thp", "--height", "165", "--weight", "62", "--allow-draft"
    )
    assert code == 2 and "is retired" in err and len(err.strip().splitlines()) == 1


def test_reviewed_needs_a_date_and_a_reviewer(tmp_path):
    folder = _with_status(tmp_path, "status: reviewed\n")
    with pytest.raises(DataFileError) as caught:
        load_regimen_file(folder / "thp.yaml")
    messages = caught.value.details()
    assert "last_reviewed: a reviewed regimen needs 'last_reviewed'" in messages
    assert "reviewed_by: a reviewed regimen needs 'reviewed_by'" in messages
    folder = _with_status(tmp_path, "status: approved\nlast_reviewed: 1 Dec 2026\n")
    messages = pytest.raises(DataFileError, load_regimen_file, folder / "thp.yaml").value.details()
    assert "'approved' is not one of: draft, reviewed, retired" in messages
    assert "last_reviewed: expected a date written YYYY-MM-DD" in messages


# -- provenance ---------------------------------------------------------------------------------


def test_json_provenance_hashes_the_files_as_loaded():
    data = json.loads(
        run("dose", "thp", "--height", "165", "--weight", "62", "--format", "json")[1]
    )
    prov = data["provenance"]
    assert prov["command"] == "dose"
    assert prov["regimen"] == {
        "id": "thp",
        "version": "1",
        "status": "reviewed",
        "last_reviewed": "2026-12-01",
        "reviewed_by": "independent label and trial review (issue 8)",
        "file": "regimens/thp.yaml",
        "sha256": sha256(shipped_dir("regimens") / "thp.yaml"),
    }
    assert prov["policy"]["sha256"] == sha256(shipped_dir("policies") / "standard.yaml")
    assert prov["drug_reference"]["sha256"] == sha256(shipped_dir("drugs") / "drugs.yaml")
    assert prov["inputs"]["given"]["height"] == "165"
    assert prov["inputs"]["interpreted"]["height_cm"] == 165  # a bare number is read as cm
    assert data["regimen"]["status"] == "reviewed"


def test_every_format_carries_the_provenance_record():
    digest = sha256(shipped_dir("regimens") / "thp.yaml")
    code, table, _ = run("dose", "thp", "--height", "165", "--weight", "62")
    assert f"regimen file regimens/thp.yaml sha256 {digest}" in table
    csv_text = run("dose", "thp", "--height", "165", "--weight", "62", "--format", "csv")[1]
    assert csv_text.splitlines()[0].startswith("# Provenance: dosecalc")
    assert f"#   regimen file regimens/thp.yaml sha256 {digest}" in csv_text
    report = api.calendar_course("thp", "2016-01-19", cycles=2)
    for fmt in ("table", "csv", "html"):
        assert digest in render(report, fmt), fmt
    ics = render(report, "ics").replace("\r\n ", "")  # unfold long lines
    assert digest in ics and "X-WR-CALDESC:Provenance: dosecalc" in ics


def test_reproduce_round_trip(tmp_path):
    dose_file = tmp_path / "dose.json"
    dose_file.write_text(
        run("dose", "thp", "--height", "5 ft 5 in", "--weight", "136.7 lb", "--format", "json")[1],
        encoding="utf-8",
    )
    code, out, _ = run("reproduce", str(dose_file))
    assert code == 0 and "IDENTICAL" in out
    calendar_file = tmp_path / "calendar.json"
    calendar_file.write_text(
        run(
            "calendar",
            "ac-th",
            "--start",
            "2016-01-04",
            "--height",
            "165",
            "--weight",
            "62",
            "--delay",
            "H:5=14",
            "--country",
            "FR",
            "--format",
            "json",
        )[1],
        encoding="utf-8",
    )
    code, out, _ = run("reproduce", str(calendar_file))
    assert code == 0 and "IDENTICAL" in out


def test_reproduce_a_tampered_regimen(tmp_path):
    folder = tmp_path / "regimens"
    folder.mkdir()
    shutil.copy(shipped_dir("regimens") / "thp.yaml", folder / "thp.yaml")
    recorded = tmp_path / "thp.json"
    recorded.write_text(
        run(
            "--regimens",
            str(folder),
            "dose",
            "thp",
            "--height",
            "165",
            "--weight",
            "62",
            "--format",
            "json",
        )[1],
        encoding="utf-8",
    )
    before = sha256(folder / "thp.yaml")
    text = (folder / "thp.yaml").read_text(encoding="utf-8")
    (folder / "thp.yaml").write_text(
        text.replace("dose: 75 mg/m2", "dose: 70 mg/m2"), encoding="utf-8"
    )
    code, out, err = run("reproduce", str(recorded))
    assert code == 1, (out, err)
    assert "DIFFERS" in out
    assert f"sha256 {before} recorded, {sha256(folder / 'thp.yaml')} now" in out
    # Mosteller BSA sqrt(165 x 62 / 3600) = 1.6857 m2: docetaxel 75 mg/m2 = 126.43 mg
    # (126 mg as rounded), 70 mg/m2 = 118.00 mg (118 mg).
    assert "doses[2].dose_mg: 126 -> 118" in out


def test_reproduce_refuses_a_file_without_provenance(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text('{"doses": []}', encoding="utf-8")
    code, _, err = run("reproduce", str(path))
    assert code == 2 and "has no provenance record" in err and len(err.strip().splitlines()) == 1


# -- invariants -------------------------------------------------------------------------------

delays = st.dictionaries(st.integers(min_value=2, max_value=8), st.integers(1, 28), max_size=3)


@settings(max_examples=25, deadline=None)
@given(delays)
def test_premedication_follows_each_dose_actually_given(cycle_delays):
    report = api.calendar_course(
        "thp", "2016-01-19", cycles=8, delays=[f"{c}={d}" for c, d in cycle_delays.items()]
    )
    docetaxel = {line.date for line in report.lines if line.administration.drug == "docetaxel"}
    dex = [s for s in report.supportive if s.entry.drug == "dexamethasone"]
    assert {s.treatment_date for s in dex} == docetaxel
    for s in dex:
        assert s.date - s.treatment_date == dt.timedelta(days=s.day)
    # Docetaxel label: three days of dexamethasone for each docetaxel dose.
    assert len(dex) == 3 * len(docetaxel)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=17), st.integers(min_value=1, max_value=60))
def test_course_limit_invariants(cycle, days):
    standard = find_policy("standard")
    by_count = dataclasses.replace(standard, course_limit="by_count")
    regimen = find_regimen("ac-th")
    for policy in (standard, by_count):
        schedule = expand(
            regimen,
            policy,
            D(2016, 1, 4),
            delays={CycleRef("H", cycle): days} if cycle <= 14 else {},
        )
        doses = [a for a in schedule.administrations if a.drug == "trastuzumab"]
        first = doses[0].date
        if policy.course_limit == "by_date":
            # Herceptin: 52 weeks in total; no dose on or after day 364.
            assert all((a.date - first).days < 364 for a in doses)
        else:
            # 18 three-weekly equivalents: a weekly dose counts 7/21.
            equivalents = sum(7 / 21 if a.phase == "TH" else 1 for a in doses)
            assert equivalents == pytest.approx(18)
