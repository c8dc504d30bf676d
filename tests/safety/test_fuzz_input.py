"""The input contract, fuzzed: whatever is typed into ``bsa``, ``dose`` and
``calendar`` (on the command line and through the API), dosecalc either
answers with values a human body and a course can have, or stops with a
one-line error naming the field. Never a traceback, never an internal error,
never a dose, BSA or total that is zero, negative or not finite.

Example counts are kept modest so the suite stays fast; the hostile inputs
found so far are pinned in test_hostile_inputs.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os

import pytest
from conftest import run_cli as run
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.cli import printable
from dosecalc.commands.calendar import FIRST_DATE, LAST_DATE
from dosecalc.errors import DosecalcError
from dosecalc.patient import (
    BSA_PHYSICAL_M2,
    HEIGHT_PHYSICAL_CM,
    WEIGHT_PHYSICAL_KG,
    make_patient,
)

#: 40 examples per property, the same ones every run (a deterministic suite);
#: DOSECALC_FUZZ_EXAMPLES=2000 explores further with fresh random examples.
_EXAMPLES = os.environ.get("DOSECALC_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_EXAMPLES or 40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=_EXAMPLES is None,
)

#: Words at least one of which names the field in any input error.
FIELDS = (
    "height",
    "weight",
    "age",
    "creatinine",
    "sex",
    "BSA",
    "cap",
    "formula",
    "--",
    "regimen",
    "cycle",
    "delay",
    "prior anthracycline",
    "dose",
    "GFR",
    "clearance",
)

# -- strategies: what people type, and what they mistype ---------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1000, max_value=1000),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([0, 1e308, -1e308, 1e-300, 5e-324]),
)
NUMBER_TEXT = st.one_of(
    NUMBERS.map(str),
    NUMBERS.map(lambda n: f"{n:,}" if isinstance(n, int) else str(n).replace(".", ",")),
    st.sampled_from(["1,200", "0,8", "62,5", "1e6", "-0", ".5", "5.", "١٦٥", "１６５"]),
)
LENGTH_UNITS = ["cm", "mm", "m", "in", "ft", "inches", "feet", "kg", ""]
MASS_UNITS = ["kg", "g", "lb", "lbs", "mg", "cm", ""]
SCR_UNITS = ["mg/dL", "umol/L", "µmol/L", "μmol/L", "micromol/L", "mmol/L", "mg/L", ""]
DEBRIS = st.sampled_from(["", "", "", "#junk", "!!", " 5 in", " 5 lb", " kg", "  ", "\t"])


def quantity(units: list[str]) -> st.SearchStrategy[str]:
    """A number, a unit and sometimes debris, or any text at all."""
    typed = st.builds(
        lambda n, gap, u, tail: f"{n}{gap}{u}{tail}",
        NUMBER_TEXT,
        st.sampled_from([" ", "", "  "]),
        st.sampled_from(units),
        DEBRIS,
    )
    return st.one_of(typed, typed, typed, st.text(max_size=12))


PLAUSIBLE_HEIGHT = st.floats(min_value=140, max_value=200).map(lambda h: f"{h:.1f} cm")
PLAUSIBLE_WEIGHT = st.floats(min_value=40, max_value=140).map(lambda w: f"{w:.1f} kg")
HEIGHTS = st.one_of(PLAUSIBLE_HEIGHT, quantity(LENGTH_UNITS))
WEIGHTS = st.one_of(PLAUSIBLE_WEIGHT, quantity(MASS_UNITS))
AGES = st.one_of(st.integers(min_value=-5, max_value=300).map(str), quantity(["", "years", "kg"]))
SCRS = st.one_of(
    st.floats(min_value=0.3, max_value=3).map(lambda s: f"{s:.2f} mg/dL"), quantity(SCR_UNITS)
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2016-02-30", "2016-1-19", "19/01/2016", "２０１６-０１-１９", ""]),
)
DELAYS = st.builds(
    lambda ref, days: f"{ref}={days}",
    st.sampled_from(["1", "2", "3", "THP:3", "HP:1", "TH:2", "0", "x", "99"]),
    st.sampled_from(["7", "14", "-7", "0", "366", "2 weeks", "1,000", "nan", "7 kg"]),
)
REDUCTIONS = st.builds(
    lambda drug, pct: f"{drug}={pct}",
    st.sampled_from(["docetaxel", "trastuzumab", "carboplatin", "nope"]),
    st.sampled_from(["20%", "50%", "0%", "100%", "-20%", "nan%", "20", "1,000%"]),
)
REGIMENS = st.sampled_from(["thp", "tch", "ac-th", "ddac-th"])


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), strategy)


def options(**values: object) -> list[str]:
    """Command-line options from keyword values (None left out, lists repeated)."""
    args: list[str] = []
    for name, value in values.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, list):
            for item in value:
                args += [flag, item]
        else:
            args += [flag, str(value)]
    return args


# -- the contract ----------------------------------------------------------------------------


def assert_contract(args: list[str]) -> dict | None:
    """Run dosecalc ARGS and check the contract; returns the JSON on success."""
    code, out, err = run(*args)
    event(f"exit {code}")
    assert code in (0, 2), (args, code, err)  # 1 would be an internal error here
    assert "Traceback" not in out + err and "internal error" not in err, (args, err)
    if code == 2:
        lines = err.strip("\n").splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, err)
        assert any(word in lines[0] for word in FIELDS), (args, err)
        return None
    return json.loads(out)


def assert_positive(value: object, what: str) -> None:
    assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (what, value)


def assert_bsa(value: object) -> None:
    assert_positive(value, "BSA")
    assert BSA_PHYSICAL_M2[0] <= value <= BSA_PHYSICAL_M2[1]  # type: ignore[operator]


def assert_patient(patient: dict) -> None:
    assert HEIGHT_PHYSICAL_CM[0] <= patient["height_cm"] <= HEIGHT_PHYSICAL_CM[1]
    assert WEIGHT_PHYSICAL_KG[0] <= patient["weight_kg"] <= WEIGHT_PHYSICAL_KG[1]
    assert_bsa(patient["bsa_m2"])
    if patient["notes"] and any("override" in n for n in patient["notes"]):
        assert patient["overrides"], patient


@FUZZ
@given(
    height=HEIGHTS,
    weight=WEIGHTS,
    formula=st.sampled_from(["mosteller", "dubois", "boyd", "all", "schlich", "x"]),
    cap=optional(st.sampled_from(["2", "2.2", "-1", "0", "nan", "inf", "1e308", "x"])),
    decimals=optional(st.sampled_from(["0", "2", "4", "9", "-1"])),
    sex=optional(st.sampled_from(["female", "male", "x"])),
    accept=st.booleans(),
)
def test_bsa_command_contract(height, weight, formula, cap, decimals, sex, accept):
    args = ["bsa", "--format", "json"] + options(
        height=height,
        weight=weight,
        formula=formula,
        cap=cap,
        decimals=decimals,
        sex=sex,
        accept_implausible=accept,
    )
    data = assert_contract(args)
    if data is None:
        return
    for result in data.get("results", [data]):
        assert_bsa(result["bsa_m2"])
        assert_positive(result["raw_bsa_m2"], "raw BSA")
    if not accept:
        assert data["overrides"] == []


@FUZZ
@given(
    regimen=REGIMENS,
    height=HEIGHTS,
    weight=WEIGHTS,
    age=optional(AGES),
    scr=optional(SCRS),
    sex=st.sampled_from(["female", "male"]),
    reduce=st.lists(REDUCTIONS, max_size=2),
    previous=optional(WEIGHTS),
    cycle=optional(st.sampled_from(["1", "3", "0", "99"])),
    policy=st.sampled_from(["standard", "capped-bsa-no-gfr-cap", "hopa-vial-10"]),
    accept=st.booleans(),
)
def test_dose_command_contract(
    regimen, height, weight, age, scr, sex, reduce, previous, cycle, policy, accept
):
    args = ["dose", regimen, "--format", "json"] + options(
        height=height,
        weight=weight,
        age=age,
        scr=scr,
        sex=sex,
        reduce=reduce,
        previous_weight=previous,
        cycle=cycle,
        policy=policy,
        accept_implausible=accept,
    )
    data = assert_contract(args)
    if data is None:
        return
    assert_patient(data["patient"])
    assert data["doses"]
    for dose in data["doses"]:
        assert_positive(dose["dose_mg"], f"{dose['drug']} dose")
        assert_positive(dose["calculated_mg"], f"{dose['drug']} calculated")
    if data["weight_change"]:
        assert_positive(data["weight_change"]["previous_kg"], "previous weight")


@FUZZ
@given(
    regimen=REGIMENS,
    start=DATES,
    cycles=optional(st.sampled_from(["1", "8", "1040", "1041", "0"])),
    until=optional(DATES),
    delays=st.lists(DELAYS, max_size=2),
    patient=st.booleans(),
    height=HEIGHTS,
    weight=WEIGHTS,
    prior=optional(quantity(["mg/m2", "mg/m²", "mg", ""])),
    accept=st.booleans(),
)
def test_calendar_command_contract(
    regimen, start, cycles, until, delays, patient, height, weight, prior, accept
):
    args = ["calendar", regimen, "--format", "json"] + options(
        start=start,
        cycles=cycles,
        until=until,
        delay=delays,
        height=height if patient else None,
        weight=weight if patient else None,
        prior_anthracycline=prior,
        accept_implausible=accept,
    )
    data = assert_contract(args)
    if data is None:
        return
    for item in data["administrations"]:
        day = dt.date.fromisoformat(item["date"])
        assert FIRST_DATE <= day <= dt.date(9999, 12, 31)
        if patient:
            assert_positive(item["dose_mg"], item["drug"])
        else:
            assert_positive(item["dose_per_unit"], item["drug"])
    for total in data["summary"]["drugs"]:
        if patient:
            assert_positive(total["total_mg"], f"{total['drug']} total")
    anthracycline = data["summary"]["anthracycline"]
    if anthracycline["doxorubicin_equivalent_mg_m2"] is not None:
        assert math.isfinite(anthracycline["doxorubicin_equivalent_mg_m2"])
        assert anthracycline["doxorubicin_equivalent_mg_m2"] >= 0
    if patient:
        assert_patient(data["patient"])
    assert dt.date.fromisoformat(data["start"]) <= LAST_DATE


# -- the API: the same contract without the command line --------------------------------------


@FUZZ
@given(
    height=st.one_of(HEIGHTS, NUMBERS),
    weight=st.one_of(WEIGHTS, NUMBERS),
    cap=st.one_of(st.none(), NUMBERS),
    accept=st.booleans(),
)
def test_compute_bsa_api_contract(height, weight, cap, accept):
    try:
        report = api.compute_bsa(
            height, weight, formula=None, cap_m2=cap, accept_implausible=accept
        )
    except DosecalcError as exc:
        # The message quotes the value as given (a value with a line break
        # included); the command line prints it escaped, on one line.
        assert str(exc).strip() and "\n" not in printable(str(exc))
        return
    for result in report.results:
        assert BSA_PHYSICAL_M2[0] <= result.value_m2 <= BSA_PHYSICAL_M2[1]


@FUZZ
@given(
    regimen=REGIMENS,
    height=st.one_of(HEIGHTS, NUMBERS),
    weight=st.one_of(WEIGHTS, NUMBERS),
    age=st.one_of(st.none(), AGES, NUMBERS),
    scr=st.one_of(st.none(), SCRS),
    accept=st.booleans(),
)
def test_dose_course_api_contract(regimen, height, weight, age, scr, accept):
    try:
        report = api.dose_course(
            regimen,
            height=height,
            weight=weight,
            sex="female",
            age=age,
            scr=scr,
            accept_implausible=accept,
        )
    except DosecalcError as exc:
        # The message quotes the value as given (a value with a line break
        # included); the command line prints it escaped, on one line.
        assert str(exc).strip() and "\n" not in printable(str(exc))
        return
    for line in report.lines:
        assert math.isfinite(line.final_mg) and line.final_mg > 0


# -- unit invariance ---------------------------------------------------------------------------


@pytest.mark.parametrize("height", ["165 cm", "64.96 in", "1650 mm", "1.65 m", "5 ft 4.96 in"])
@pytest.mark.parametrize("weight", ["62 kg", "136.69 lb", "62000 g"])
def test_every_spelling_of_the_same_patient_gives_the_same_doses(height, weight):
    reference = api.dose_course("thp", height="165 cm", weight="62 kg")
    report = api.dose_course("thp", height=height, weight=weight)
    assert [line.final_mg for line in report.lines] == [line.final_mg for line in reference.lines]


@FUZZ
@given(cm=st.integers(min_value=1400, max_value=2100).map(lambda t: t / 10))
def test_height_spellings_agree(cm):
    # 1 in = 2.54 cm and 1 ft = 12 in exactly (international yard, 1959).
    spellings = [f"{cm} cm", f"{cm * 10} mm", f"{cm / 100} m", f"{cm / 2.54!r} in"]
    feet, inches = divmod(cm / 2.54, 12)
    spellings.append(f"{int(feet)} ft {inches!r} in")
    heights = [make_patient(s, "62 kg").height_cm for s in spellings]
    assert heights == pytest.approx([cm] * len(heights), rel=1e-12)


@FUZZ
@given(kg=st.integers(min_value=400, max_value=1400).map(lambda t: t / 10))
def test_weight_spellings_agree(kg):
    # 1 lb = 0.45359237 kg exactly (international avoirdupois pound).
    spellings = [f"{kg} kg", f"{kg * 1000} g", f"{kg / 0.45359237!r} lb"]
    weights = [make_patient("165 cm", s).weight_kg for s in spellings]
    assert weights == pytest.approx([kg] * len(weights), rel=1e-12)


# -- well-formed values across the whole physical range, with the override --------------------

ANY_HEIGHT = st.floats(min_value=HEIGHT_PHYSICAL_CM[0], max_value=HEIGHT_PHYSICAL_CM[1])
ANY_WEIGHT = st.floats(min_value=WEIGHT_PHYSICAL_KG[0], max_value=WEIGHT_PHYSICAL_KG[1])


@FUZZ
@given(
    regimen=REGIMENS,
    height=ANY_HEIGHT,
    weight=ANY_WEIGHT,
    age=st.integers(min_value=0, max_value=125),
    scr=st.floats(min_value=0.05, max_value=100),
    policy=st.sampled_from(["standard", "capped-bsa-no-gfr-cap", "hopa-vial-10"]),
)
def test_any_physical_patient_gets_positive_doses_or_a_reason(
    regimen, height, weight, age, scr, policy
):
    args = ["dose", regimen, "--format", "json", "--accept-implausible"] + options(
        height=f"{height!r} cm",
        weight=f"{weight!r} kg",
        sex="male",
        age=str(age),
        scr=f"{scr!r} mg/dL",
        policy=policy,
    )
    data = assert_contract(args)
    if data is None:
        return
    assert_patient(data["patient"])
    for dose in data["doses"]:
        assert_positive(dose["dose_mg"], dose["drug"])


@FUZZ
@given(
    regimen=REGIMENS,
    start=st.dates(min_value=FIRST_DATE, max_value=LAST_DATE),
    cycles=st.integers(min_value=1, max_value=30),
    height=st.floats(min_value=120, max_value=230),
    weight=st.floats(min_value=30, max_value=300),
    delay=st.integers(min_value=1, max_value=365),
)
def test_any_plausible_course_is_dated_and_dosed(regimen, start, cycles, height, weight, delay):
    args = ["calendar", regimen, "--format", "json", "--accept-implausible"] + options(
        start=start.isoformat(),
        cycles=str(cycles),
        delay=[f"1={delay}"],
        height=f"{height!r} cm",
        weight=f"{weight!r} kg",
        sex="female",
        age="50",
        scr="0.9 mg/dL",
    )
    data = assert_contract(args)
    if data is None:
        return
    assert 1 <= len(data["cycles"]) <= cycles  # a course may end sooner (TCH: 52 weeks)
    dates = [dt.date.fromisoformat(item["date"]) for item in data["administrations"]]
    assert dates == sorted(dates) and dates[0] >= start
    for item in data["administrations"]:
        assert_positive(item["dose_mg"], item["drug"])
    for total in data["summary"]["drugs"]:
        assert_positive(total["total_mg"], total["drug"])


@FUZZ
@given(
    regimen=REGIMENS,
    fmt=st.sampled_from(["table", "json", "csv", "ics", "html"]),
    view=st.sampled_from(["list", "month"]),
    country=optional(st.sampled_from(["FR", "GB", "US-NY", "XX", "US-ZZ", "fr"])),
    holidays=optional(st.sampled_from(["flag", "move"])),
    phase_cycles=st.lists(st.sampled_from(["THP=8", "HP=3", "TH=4", "X=1", "THP=0"]), max_size=2),
    height=st.sampled_from(["165 cm", "100 cm", "250 cm"]),
    accept=st.booleans(),
    to_file=st.booleans(),
)
def test_calendar_formats_and_settings_contract(
    tmp_path_factory, regimen, fmt, view, country, holidays, phase_cycles, height, accept, to_file
):
    target = tmp_path_factory.mktemp("out") / f"course.{fmt}"
    args = ["calendar", regimen, "--start", "2016-01-19"] + options(
        cycles="6",
        format=fmt,
        view=view,
        country=country,
        holidays=holidays,
        phase_cycles=phase_cycles,
        height=height,
        weight="62 kg",
        sex="female",
        age="50",
        scr="0.9 mg/dL",
        accept_implausible=accept,
        output=str(target) if to_file else None,
    )
    code, out, err = run(*args)
    event(f"exit {code}")
    assert code in (0, 2) and "Traceback" not in out + err and "internal error" not in err
    if code == 2:
        assert len(err.strip("\n").splitlines()) == 1 and err.startswith("Error: "), err
        assert not target.exists() and not list(target.parent.iterdir())  # nothing half-written
        return
    text = target.read_text(encoding="utf-8") if to_file else out
    overridden = height != "165 cm"
    assert ("OVERRIDE" in text) == overridden
    if to_file:
        assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
