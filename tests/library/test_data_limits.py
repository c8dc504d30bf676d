"""Data files are range-checked on load: every bound tried just inside and just outside.

The bounds are written out here by hand, not imported from dosecalc.limits,
so a changed bound fails a test and is documented on purpose
(docs/safety.md, "Data files and bounded work").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.errors import DataFileError
from dosecalc.paths import shipped_dir
from dosecalc.policy import load_policy_file
from dosecalc.regimen import load_regimen_file

SHIPPED_STANDARD = (shipped_dir("policies") / "standard.yaml").read_text(encoding="utf-8")
# Without its optional anthracycline_warning (300 mg/m2), which must stay
# below the limit, so the limit's lower bound (100 mg/m2) can be tried.
STANDARD = re.sub(r"anthracycline_warning:.*\n(?:  .*\n)+", "", SHIPPED_STANDARD)
SHIPPED_THP = (shipped_dir("regimens") / "thp.yaml").read_text(encoding="utf-8")
# Without docetaxel's dose levels (60 mg/m2), which must stay below the dose,
# so the dose itself can be moved anywhere.
DOCETAXEL_LEVELS = "        dose_levels: {levels: [60 mg/m2], source: docetaxel-pi}\n"
THP = SHIPPED_THP.replace(DOCETAXEL_LEVELS, "")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"{old!r} not in the file"
    return text.replace(old, new, 1)


def problems(path: Path, loader) -> dict[str, list[str]]:
    """Field path -> messages (the line is checked where it matters)."""
    with pytest.raises(DataFileError) as info:
        loader(path)
    found: dict[str, list[str]] = {}
    for problem in info.value.problems:
        assert problem.file == str(path)
        found.setdefault(problem.path, []).append(problem.message)
    return found


# --- policies --------------------------------------------------------------------------

# (field as written in standard.yaml, field path, just inside, just outside)
POLICY_CASES = [
    ("  cap: null", "bsa.cap", "  cap: 1.5 m2", "  cap: 1.49 m2"),
    ("  cap: null", "bsa.cap", "  cap: 3 m2", "  cap: 3.01 m2"),
    ("  cap: null", "bsa.cap", "  cap: 2 m2", "  cap: -1 m2"),
    ("  cap: null", "bsa.cap", "  cap: 2.2 m2", "  cap: 0 m2"),
    ("  decimals: null", "bsa.decimals", "  decimals: 1", "  decimals: 0"),
    ("  decimals: null", "bsa.decimals", "  decimals: 4", "  decimals: 5"),
    ("gfr_cap: 125 mL/min", "carboplatin.gfr_cap", "gfr_cap: 60 mL/min", "gfr_cap: 59 mL/min"),
    ("gfr_cap: 125 mL/min", "carboplatin.gfr_cap", "gfr_cap: 200 mL/min", "gfr_cap: 201 mL/min"),
    ("gfr_cap: 125 mL/min", "carboplatin.gfr_cap", "gfr_cap: 150 mL/min", "gfr_cap: 0 mL/min"),
    (
        "minimum_scr: null",
        "carboplatin.minimum_scr",
        "minimum_scr: 0.2 mg/dL",
        "minimum_scr: 0.19 mg/dL",
    ),
    (
        "minimum_scr: null",
        "carboplatin.minimum_scr",
        "minimum_scr: 1.5 mg/dL",
        "minimum_scr: 1.51 mg/dL",
    ),
    (
        "minimum_scr: null",
        "carboplatin.minimum_scr",
        "minimum_scr: 0.7 mg/dL",
        "minimum_scr: 100 mg/dL",
    ),
    ("  increment: 1 mg", "rounding.increment", "  increment: 0.1 mg", "  increment: 0.09 mg"),
    ("  increment: 1 mg", "rounding.increment", "  increment: 100 mg", "  increment: 101 mg"),
    ("  increment: 1 mg", "rounding.increment", "  increment: 5 mg", "  increment: 0 mg"),
    (
        "  small_increment: 0.1 mg",
        "rounding.small_increment",
        "  small_increment: 0.01 mg",
        "  small_increment: 0.009 mg",
    ),
    (
        "  small_increment: 0.1 mg",
        "rounding.small_increment",
        "  small_increment: 10 mg",
        "  small_increment: 11 mg",
    ),
    ("  tolerance: 5%", "rounding.tolerance", "  tolerance: 0%", "  tolerance: -1%"),
    ("  tolerance: 5%", "rounding.tolerance", "  tolerance: 25%", "  tolerance: 26%"),
    ("weight_change: 10%", "weight_change", "weight_change: 1%", "weight_change: 0%"),
    ("weight_change: 10%", "weight_change", "weight_change: 50%", "weight_change: 51%"),
    (
        "threshold: 7 days",
        "reload[0].threshold",
        "threshold: 1 day",
        "threshold: 0 days",
    ),
    (
        "threshold: 7 days",
        "reload[0].threshold",
        "threshold: 90 days",
        "threshold: 91 days",
    ),
    (
        "threshold: 7 days",
        "reload[0].threshold",
        "threshold: 1 week",
        "threshold: -7 days",
    ),
    (
        "threshold: 6 weeks",
        "reload[2].threshold",
        "threshold: 12 weeks",
        "threshold: 13 weeks",
    ),
    ("every: 7 days", "reload[0].every", "every: 1 day", "every: 0 days"),
    ("every: 7 days", "reload[0].every", "every: 366 days", "every: 367 days"),
    (
        "dose: 450 mg/m2",
        "anthracycline_limit.dose",
        "dose: 100 mg/m2",
        "dose: 99 mg/m2",
    ),
    (
        "dose: 450 mg/m2",
        "anthracycline_limit.dose",
        "dose: 1000 mg/m2",
        "dose: 1001 mg/m2",
    ),
    ("dose: 450 mg/m2", "anthracycline_limit.dose", "dose: 550 mg/m2", "dose: 0 mg/m2"),
    ("dose: 450 mg/m2", "anthracycline_limit.dose", "dose: 900 mg/m2", "dose: -450 mg/m2"),
]


@pytest.mark.parametrize(("old", "field", "inside", "outside"), POLICY_CASES)
def test_policy_field_bounds(tmp_path, old, field, inside, outside):
    good = tmp_path / "good.yaml"
    good.write_text(edited(STANDARD, old, inside), encoding="utf-8")
    load_policy_file(good)

    text = edited(STANDARD, old, outside)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_policy_file(bad)
    (problem,) = info.value.problems
    assert problem.path == field
    assert problem.line == line_of(text, outside.strip())
    assert "is not between" in problem.message
    assert outside.split(": ", 1)[1] in problem.message  # the value as written


@pytest.mark.parametrize(
    ("inside", "outside"), [("100 mg/m2", "99 mg/m2"), ("440 mg/m2", "1001 mg/m2")]
)
def test_anthracycline_warning_bounds(tmp_path, inside, outside):
    """The shipped standard policy warns at 300 mg/m2; the warning must also
    stay below the 450 mg/m2 limit."""
    path = tmp_path / "p.yaml"
    path.write_text(
        edited(SHIPPED_STANDARD, "dose: 300 mg/m2", f"dose: {inside}"), encoding="utf-8"
    )
    load_policy_file(path)
    path.write_text(
        edited(SHIPPED_STANDARD, "dose: 300 mg/m2", f"dose: {outside}"), encoding="utf-8"
    )
    assert "anthracycline_warning.dose" in problems(path, load_policy_file)


def test_an_increment_of_zero_is_refused_not_read_as_one_mg(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(edited(STANDARD, "  increment: 1 mg", "  increment: 0 mg"), encoding="utf-8")
    assert "rounding.increment" in problems(path, load_policy_file)
    # and a legal small increment is kept as written, not replaced by a default
    path.write_text(edited(STANDARD, "  increment: 1 mg", "  increment: 0.5 mg"), encoding="utf-8")
    assert load_policy_file(path).rounding.increment_mg == 0.5


@pytest.mark.parametrize("field", ["increment: 1 mg", "small_increment: 0.1 mg"])
def test_a_null_rounding_step_is_refused_not_an_internal_error(tmp_path, field):
    name = field.split(":")[0]
    text = edited(SHIPPED_STANDARD, f"  {field}", f"  {name}: null")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_policy_file(path)
    assert [(p.line, p.path, p.message) for p in info.value.problems] == [
        (
            line_of(text, f"  {name}: null"),
            f"rounding.{name}",
            "expected a dose step such as '1 mg', got nothing",
        )
    ]


@pytest.mark.parametrize(("written", "described"), [("[x]", "a list"), ("{k: 1}", "a mapping")])
def test_a_source_that_is_a_list_or_mapping_is_refused_not_an_internal_error(
    tmp_path, written, described
):
    text = edited(SHIPPED_STANDARD, "source: protocol-450", f"source: {written}")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_policy_file(path)
    assert [(p.line, p.path, p.message) for p in info.value.problems] == [
        (
            line_of(text, f"source: {written}"),
            "anthracycline_limit.source",
            f"expected a source id, got {described}",
        )
    ]


def test_a_null_reload_threshold_or_anthracycline_limit_is_refused(tmp_path):
    text = edited(STANDARD, "threshold: 7 days", "threshold: null")
    text = edited(text, "dose: 450 mg/m2", "dose: null")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    found = problems(path, load_policy_file)
    assert "reload[0].threshold" in found
    assert "anthracycline_limit.dose" in found


def test_every_policy_problem_is_reported_at_once(tmp_path):
    text = STANDARD
    for old, new in [
        ("  cap: null", "  cap: -1 m2"),
        ("gfr_cap: 125 mL/min", "gfr_cap: 0 mL/min"),
        ("minimum_scr: null", "minimum_scr: 100 mg/dL"),
        ("threshold: 7 days", "threshold: -7 days"),
        ("  increment: 1 mg", "  increment: 0 mg"),
        ("dose: 450 mg/m2", "dose: -450 mg/m2"),
    ]:
        text = edited(text, old, new)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert set(problems(path, load_policy_file)) == {
        "bsa.cap",
        "carboplatin.gfr_cap",
        "carboplatin.minimum_scr",
        "reload[0].threshold",
        "rounding.increment",
        "anthracycline_limit.dose",
    }


def test_a_negative_bsa_cap_gives_no_dose(tmp_path):
    """The issue's case: a BSA cap of -1 m2 gave docetaxel -75 mg with exit 0."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "neg.yaml").write_text(
        edited(edited(STANDARD, "  cap: null", "  cap: -1 m2"), "id: standard", "id: neg"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "dosecalc", "--policies", str(folder), "dose", "thp"]
        + ["--height", "165 cm", "--weight", "62 kg", "--policy", "neg"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bsa.cap: '-1 m2'" in result.stderr
    assert "docetaxel" not in result.stdout


# --- regimens --------------------------------------------------------------------------

DOCETAXEL = "        dose: 75 mg/m2\n        infusion: 60 min"


def regimen_with(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = edited(THP, old, new)
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize(("inside", "outside"), [("0.01 mg/m2", "0.0099 mg/m2"), ("1%", "0.01%")])
def test_a_dose_level_is_a_dose_and_has_the_same_range(tmp_path, inside, outside):
    """Docetaxel 75 mg/m2: a level of 1% is 0.75 mg/m2, 0.01% is 0.0075 mg/m2."""
    assert SHIPPED_THP.count(DOCETAXEL_LEVELS) == 1
    path = tmp_path / "r.yaml"
    path.write_text(SHIPPED_THP.replace("[60 mg/m2]", f"[{inside}]"), encoding="utf-8")
    load_regimen_file(path)
    path.write_text(SHIPPED_THP.replace("[60 mg/m2]", f"[{outside}]"), encoding="utf-8")
    assert "phases[0].drugs[2].dose_levels.levels[0]" in problems(path, load_regimen_file)


def test_docetaxel_75_g_per_m2_is_refused_with_file_line_and_field(tmp_path):
    """75 g/m2 is 75,000 mg/m2: 126,429 mg for a 1.69 m2 patient."""
    path, text = regimen_with(tmp_path, "dose: 75 mg/m2", "dose: 75 g/m2")
    with pytest.raises(DataFileError) as info:
        load_regimen_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line_of(text, 'dose: 75 g/m2')}: phases[0].drugs[2].dose:")
    assert "'75 g/m2' (75000 mg/m²)" in message


# A drug the reference does not describe, so only the per-basis range applies.
def one_drug(basis: str, dose: str, drug: str = "testdrug") -> str:
    return f"""\
schema_version: 1
id: one
name: One drug
setting: any
version: 1
status: reviewed
last_reviewed: 2026-12-01
reviewed_by: test fixture
sources:
  - id: src
    citation: Test citation
phases:
  - id: A
    name: Phase A
    cycle_length: 21 days
    cycles: 4
    drugs:
      - drug: {drug}
        route: IV
        basis: {basis}
        dose: {dose}
        days: [1]
"""


@pytest.mark.parametrize(
    ("basis", "inside", "outside"),
    [
        ("bsa", "0.01 mg/m2", "0.0099 mg/m2"),
        ("bsa", "10 mcg/m2", "9 mcg/m2"),
        ("bsa", "15000 mg/m2", "15001 mg/m2"),
        ("bsa", "15 g/m2", "75 g/m2"),
        ("bsa", "1 mg/m2", "1e-300 mg/m2"),
        ("bsa", "1 mg/m2", "1e308 mg/m2"),
        ("weight", "0.001 mg/kg", "0.0009 mg/kg"),
        ("weight", "1 mcg/kg", "0.9 mcg/kg"),
        ("weight", "100 mg/kg", "101 mg/kg"),
        ("flat", "0.01 mg", "0.009 mg"),
        ("flat", "10000 mg", "10001 mg"),
        ("flat", "10 g", "1e308 mg"),
        ("auc", "AUC 1", "AUC 0.9"),
        ("auc", "AUC 10", "AUC 11"),
    ],
)
def test_per_unit_dose_bounds(tmp_path, basis, inside, outside):
    path = tmp_path / "one.yaml"
    path.write_text(one_drug(basis, inside), encoding="utf-8")
    load_regimen_file(path)
    path.write_text(one_drug(basis, outside), encoding="utf-8")
    found = problems(path, load_regimen_file)
    assert list(found) == ["phases[0].drugs[0].dose"]
    assert f"'{outside}'" in found["phases[0].drugs[0].dose"][0]


@pytest.mark.parametrize(
    ("old", "inside", "outside", "field"),
    [
        ("cycle_length: 21 days", "cycle_length: 1 day", "cycle_length: 0 days", "cycle_length"),
        (
            "cycle_length: 21 days",
            "cycle_length: 366 days",
            "cycle_length: 367 days",
            "cycle_length",
        ),
        (
            "cycle_length: 21 days",
            "cycle_length: 52 weeks",
            "cycle_length: 1000000 weeks",
            "cycle_length",
        ),
        ("cycles: {min: 6}", "cycles: 100", "cycles: 101", "cycles"),
        ("cycles: {min: 6}", "cycles: {min: 100}", "cycles: {min: 101}", "cycles.min"),
    ],
)
def test_phase_bounds(tmp_path, old, inside, outside, field):
    path, _ = regimen_with(tmp_path, old, inside)
    load_regimen_file(path)
    path, _ = regimen_with(tmp_path, old, outside)
    assert f"phases[0].{field}" in problems(path, load_regimen_file)


@pytest.mark.parametrize(
    ("inside", "outside"),
    [("infusion: 1 min", "infusion: 0.9 min"), ("infusion: 168 h", "infusion: 169 h")],
)
def test_infusion_bounds(tmp_path, inside, outside):
    path, _ = regimen_with(tmp_path, DOCETAXEL, DOCETAXEL.replace("infusion: 60 min", inside))
    load_regimen_file(path)
    path, _ = regimen_with(tmp_path, DOCETAXEL, DOCETAXEL.replace("infusion: 60 min", outside))
    assert "phases[0].drugs[2].infusion" in problems(path, load_regimen_file)


@pytest.mark.parametrize(("inside", "outside"), [("0.01 mg", "0.009 mg"), ("10 g", "10.01 g")])
def test_max_dose_bounds(tmp_path, inside, outside):
    path, _ = regimen_with(tmp_path, DOCETAXEL, f"{DOCETAXEL}\n        max_dose: {inside}")
    load_regimen_file(path)
    path, _ = regimen_with(tmp_path, DOCETAXEL, f"{DOCETAXEL}\n        max_dose: {outside}")
    assert "phases[0].drugs[2].max_dose" in problems(path, load_regimen_file)


def test_a_day_number_beyond_a_year_is_refused_even_when_the_cycle_is_bad(tmp_path):
    text = edited(THP, "cycle_length: 21 days", "cycle_length: 1000000 weeks")
    text = edited(
        text,
        "days: [1]\n        sources: [docetaxel-pi",
        "days: [400]\n        sources: [docetaxel-pi",
    )
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    found = problems(path, load_regimen_file)
    assert "phases[0].cycle_length" in found
    assert found["phases[0].drugs[2].days[0]"] == ["400 is more than 366"]


@pytest.mark.parametrize(
    ("inside", "outside"),
    [("duration: 1 day", "duration: 0 days"), ("duration: 3653 days", "duration: 3654 days")],
)
def test_course_limit_bounds(tmp_path, inside, outside):
    tch = (shipped_dir("regimens") / "tch.yaml").read_text(encoding="utf-8")
    path = tmp_path / "tch.yaml"
    path.write_text(edited(tch, "duration: 52 weeks", inside), encoding="utf-8")
    load_regimen_file(path)
    path.write_text(edited(tch, "duration: 52 weeks", outside), encoding="utf-8")
    assert "course_limits[0].duration" in problems(path, load_regimen_file)


# --- against the drug reference (docetaxel usual 60 to 100 mg/m2) ---------------------------


@pytest.mark.parametrize("dose", ["6 mg/m2", "1000 mg/m2", "100 mg/m2", "60 mg/m2"])
def test_docetaxel_within_ten_times_its_usual_range_loads(tmp_path, dose):
    path, _ = regimen_with(tmp_path, "dose: 75 mg/m2", f"dose: {dose}")
    load_regimen_file(path)


@pytest.mark.parametrize(
    ("dose", "words"),
    [
        # 1001 / 100 = 10.01 times the usual maximum
        ("1001 mg/m2", ["docetaxel 1,001 mg/m²", "usual maximum of 100 mg/m²", "x10.01"]),
        # 60 / 5.9 = 10.17: less than a tenth of the usual minimum
        ("5.9 mg/m2", ["docetaxel 5.9 mg/m²", "usual minimum of 60 mg/m²", "1/10.17"]),
        ("7.5 g/m2", ["docetaxel 7,500 mg/m²", "usual maximum of 100 mg/m²", "x75"]),
    ],
)
def test_docetaxel_more_than_ten_times_away_is_refused(tmp_path, dose, words):
    path, text = regimen_with(tmp_path, "dose: 75 mg/m2", f"dose: {dose}")
    with pytest.raises(DataFileError) as info:
        load_regimen_file(path)
    (problem,) = info.value.problems
    assert problem.path == "phases[0].drugs[2].dose"
    assert problem.line == line_of(text, f"dose: {dose}")
    for word in words:
        assert word in problem.message


def test_a_loading_dose_is_measured_against_the_reference_too(tmp_path):
    """Trastuzumab's usual ranges are 2 to 4 mg/kg weekly and 6 to 8 mg/kg every
    3 weeks: 0.2 mg/kg is a tenth of 2 (accepted), 0.19 mg/kg is 1/10.53 (refused)."""
    path, _ = regimen_with(tmp_path, "loading: {dose: 8 mg/kg", "loading: {dose: 0.2 mg/kg")
    load_regimen_file(path)
    path, _ = regimen_with(tmp_path, "loading: {dose: 8 mg/kg", "loading: {dose: 0.19 mg/kg")
    found = problems(path, load_regimen_file)
    (message,) = found["phases[0].drugs[1].loading.dose"]
    assert "trastuzumab 0.19 mg/kg" in message
    assert "usual minimum of 2 mg/kg (1/10.53)" in message


def test_a_weekly_paclitaxel_dose_is_measured_against_the_nearer_schedule(tmp_path):
    """Paclitaxel's usual ranges are 80-90 mg/m2 weekly and, every 3 weeks,
    135-175 mg/m2 and 200 mg/m2 (with carboplatin in NSCLC, E4599): the
    bound is 10 times the highest of them, 2,000 mg/m2; 2,001 is over it."""
    folder = tmp_path
    path = folder / "p.yaml"
    path.write_text(one_drug("bsa", "2000 mg/m2", drug="paclitaxel"), encoding="utf-8")
    load_regimen_file(path)
    path.write_text(one_drug("bsa", "2001 mg/m2", drug="paclitaxel"), encoding="utf-8")
    assert (
        "usual maximum of 200 mg/m²"
        in problems(path, load_regimen_file)["phases[0].drugs[0].dose"][0]
    )


def test_the_validate_command_reports_every_regimen_problem(tmp_path):
    text = edited(THP, "dose: 75 mg/m2", "dose: 75 g/m2")
    text = edited(text, "cycle_length: 21 days", "cycle_length: 1000000 weeks")
    path = tmp_path / "thp.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        api.validate_regimens((str(path),))
    assert {p.path for p in info.value.problems} >= {
        "phases[0].cycle_length",
        "phases[0].drugs[2].dose",
    }


# --- the drug reference ------------------------------------------------------------------


def test_drug_reference_ranges(tmp_path):
    from dosecalc.drugs import default_path, load_drug_reference

    text = default_path().read_text(encoding="utf-8")
    text = edited(text, 'max: "100 mg/m2"', 'max: "100 g/m2"')
    text = edited(text, "      value: 10.5\n", "      value: 105\n")
    path = tmp_path / "drugs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_drug_reference(path)
    messages = {p.path: p.message for p in info.value.problems}
    assert len(messages) == 2
    assert any(k.endswith("dose.max") and "'100 g/m2'" in m for k, m in messages.items())
    assert any(k.endswith("anthracycline_factor.value") for k in messages)


# --- invariant: a dose loads exactly when it lies in its basis's range ------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=0.001, max_value=20000),
    )
)
def test_a_dose_per_m2_loads_exactly_when_it_is_between_0_01_and_15000(tmp_path, value):
    path = tmp_path / "one.yaml"
    path.write_text(one_drug("bsa", f"{value!r} mg/m2"), encoding="utf-8")
    if 0.01 <= value <= 15000:
        step = load_regimen_file(path).phases[0].drugs[0].standard
        assert step.amount.to("mg/m**2").magnitude == value
    else:
        with pytest.raises(DataFileError) as info:
            load_regimen_file(path)
        assert [p.path for p in info.value.problems] == ["phases[0].drugs[0].dose"]
