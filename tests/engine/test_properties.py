"""Invariants checked with hypothesis: unit invariance, monotonic doses,
rounding bounds, ISMP number formatting, re-load rules and the YAML loader's
error contract."""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dosecalc.dosing import DosingContext, compute_dose, round_dose
from dosecalc.errors import DataFileError
from dosecalc.formatting import format_amount, format_number
from dosecalc.metrics import BSA_FORMULAS
from dosecalc.model import Rounding
from dosecalc.patient import make_patient
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen, load_regimen_file
from dosecalc.schedule import CycleRef, expand
from dosecalc.yamlio import load_yaml_text

STANDARD = find_policy("standard")
THP = find_regimen("thp")
ENTRIES = {entry.drug: entry for entry in THP.phases[0].drugs}
DOCETAXEL = ENTRIES["docetaxel"]
TRASTUZUMAB = ENTRIES["trastuzumab"]

# Adult values well inside the plausibility limits (BSA 1-3.2 m² included).
heights = st.floats(min_value=145, max_value=210, allow_nan=False)
weights = st.floats(min_value=40, max_value=160, allow_nan=False)


def dose(entry, step, patient, policy=STANDARD):
    ctx = DosingContext.build(patient, policy)
    return compute_dose(entry, step, "standard", ctx, phase="THP", cycle=1, day=1)


def text(value: float, unit: str) -> str:
    return f"{value!r} {unit}"


# -- Unit invariance ------------------------------------------------------------------


@given(heights, weights)
@example(165.0, 62.0)
def test_height_in_cm_or_inches_gives_the_same_dose(height_cm, weight_kg):
    in_cm = make_patient(text(height_cm, "cm"), text(weight_kg, "kg"))
    in_inches = make_patient(text(height_cm / 2.54, "in"), text(weight_kg, "kg"))
    a = dose(DOCETAXEL, DOCETAXEL.standard, in_cm)
    b = dose(DOCETAXEL, DOCETAXEL.standard, in_inches)
    assert a.calculated_mg == pytest.approx(b.calculated_mg, rel=1e-9)
    # Rounded to 1 mg, the two can only differ at a half-way point.
    assert abs(a.final_mg - b.final_mg) <= 1


def test_165_cm_and_64_96_in_give_the_same_dose():
    a = dose(DOCETAXEL, DOCETAXEL.standard, make_patient("165 cm", "62 kg"))
    b = dose(DOCETAXEL, DOCETAXEL.standard, make_patient("64.96 in", "62 kg"))
    assert a.final_mg == b.final_mg == 126


@given(heights, weights)
def test_weight_in_kg_or_pounds_gives_the_same_dose(height_cm, weight_kg):
    in_kg = make_patient(text(height_cm, "cm"), text(weight_kg, "kg"))
    in_lb = make_patient(text(height_cm, "cm"), text(weight_kg / 0.45359237, "lb"))
    for entry, step in ((TRASTUZUMAB, TRASTUZUMAB.loading), (DOCETAXEL, DOCETAXEL.standard)):
        a, b = dose(entry, step, in_kg), dose(entry, step, in_lb)
        assert a.calculated_mg == pytest.approx(b.calculated_mg, rel=1e-9)
        assert abs(a.final_mg - b.final_mg) <= 1


# -- Doses grow with body size ----------------------------------------------------------------


@given(heights, heights, weights, weights, st.sampled_from(sorted(BSA_FORMULAS)))
def test_bsa_doses_grow_monotonically(h1, h2, w1, w2, formula):
    (h1, h2), (w1, w2) = sorted((h1, h2)), sorted((w1, w2))
    function, _ = BSA_FORMULAS[formula]
    args = ("female",) if formula == "schlich" else ()
    assert function(h1, w1, *args) <= function(h2, w2, *args) * (1 + 1e-12)


@given(heights, heights, weights, weights)
def test_docetaxel_dose_grows_monotonically(h1, h2, w1, w2):
    (h1, h2), (w1, w2) = sorted((h1, h2)), sorted((w1, w2))
    small = dose(DOCETAXEL, DOCETAXEL.standard, make_patient(text(h1, "cm"), text(w1, "kg")))
    large = dose(DOCETAXEL, DOCETAXEL.standard, make_patient(text(h2, "cm"), text(w2, "kg")))
    assert small.calculated_mg <= large.calculated_mg * (1 + 1e-12)
    assert small.final_mg <= large.final_mg


@given(heights, weights)
def test_bsa_dose_is_linear_in_bsa(height_cm, weight_kg):
    line = dose(
        DOCETAXEL, DOCETAXEL.standard, make_patient(text(height_cm, "cm"), text(weight_kg, "kg"))
    )
    assert line.calculated_mg == pytest.approx(
        75 * math.sqrt(height_cm * weight_kg / 3600), rel=1e-12
    )


# -- Rounding stays within tolerance and under the cap ---------------------------------------------

roundings = st.builds(
    Rounding,
    method=st.sampled_from(["increment", "vial"]),
    increment_mg=st.sampled_from([1.0, 5.0, 10.0, 25.0]),
    small_increment_mg=st.sampled_from([0.1, 0.5]),
    tolerance_pct=st.sampled_from([5.0, 6.0, 10.0]),
)
doses_mg = st.floats(min_value=0.05, max_value=5000, allow_nan=False)
vials = st.lists(
    st.sampled_from([1.0, 2.0, 20.0, 80.0, 100.0, 150.0, 420.0, 440.0]), max_size=3
).map(tuple)


@given(doses_mg, roundings, vials, st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)))
@example(496.0, Rounding("vial", 1.0, 0.1, 10.0), (150.0, 420.0), None)
@example(149.6, Rounding("increment", 1.0, 0.1, 5.0), (), 0.0)
def test_rounded_dose_within_tolerance_and_never_above_the_cap(
    mg, rounding, vial_sizes, cap_fraction
):
    # compute_dose caps before rounding, so the dose reaching round_dose is
    # at most the cap: model the cap as anywhere from the dose to 25% above.
    cap = None if cap_fraction is None else mg * (1 + 0.25 * cap_fraction)
    final, note = round_dose(mg, rounding, cap, vial_sizes)
    assert abs(final - mg) / mg * 100 <= rounding.tolerance_pct + 1e-9, note
    if cap is not None:
        assert final <= cap + 1e-9, note


@given(st.integers(min_value=1, max_value=100_000), st.sampled_from([(1.0, 0), (0.1, 1), (5.0, 0)]))
def test_half_way_doses_round_up(units, step):
    # mg exactly half-way between two multiples of the increment rounds up.
    increment, decimals = step
    lower = Decimal(units) * Decimal(repr(increment))
    mg = float(lower + Decimal(repr(increment)) / 2)
    assume(mg >= 10 if increment != 0.1 else mg < 10)
    rounding = Rounding(
        "increment",
        increment_mg=increment if increment != 0.1 else 1.0,
        small_increment_mg=0.1,
        tolerance_pct=100.0,
    )
    final, _ = round_dose(mg, rounding, None)
    assert final == pytest.approx(float(lower + Decimal(repr(increment))), abs=1e-9)


# -- ISMP number formatting -----------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@given(finite, st.integers(min_value=0, max_value=4))
@example(1.0, 2)
@example(0.5, 2)
@example(126.0, 1)
@example(-0.0001, 2)
def test_format_number_has_no_trailing_zero_and_a_leading_zero(value, decimals):
    out = format_number(value, decimals)
    assert not re.search(r"\.\d*0$", out), out
    assert not out.endswith(".")
    assert not out.startswith(".") and not out.startswith("-.")
    assert out != "-0"
    # And it is the half-up value, read back without its separators.
    assert Decimal(out.replace(",", "")) == Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-decimals), rounding="ROUND_HALF_UP"
    )


@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.sampled_from(["mg", "mg/m2", "mg/kg", "m2", "kg"]),
)
def test_format_amount_has_a_space_before_the_unit(value, unit):
    out = format_amount(value, unit)
    number, _, label = out.partition(" ")
    assert label and not label[0].isdigit()
    assert not re.search(r"\.\d*0$", number)


# -- Re-load rules against the labels' wording ---------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=8), st.integers(min_value=0, max_value=60))
def test_reload_follows_the_policy_rules(cycle, delay):
    start = dt.date(2016, 1, 19)
    for name in ("standard", "hopa-vial-10"):
        policy = find_policy(name)
        schedule = expand(
            THP,
            policy,
            start,
            delays={CycleRef(None, cycle): delay},
            phase_cycles={"THP": 8},
            max_cycles=8,
        )
        cycles = [date for *_rest, date in schedule.cycles]
        assert len(cycles) == 8
        assert all(later > earlier for earlier, later in zip(cycles, cycles[1:], strict=False))
        for drug in ("pertuzumab", "trastuzumab"):
            given_doses = [a for a in schedule.administrations if a.drug == drug]
            gap = (given_doses[cycle - 1].date - given_doses[cycle - 2].date).days
            assert gap == 21 + delay
            # Perjeta PI: pertuzumab, and trastuzumab every 3 weeks with it, re-load
            # when six weeks or more have passed since the previous dose.
            expected = gap >= 42
            assert (given_doses[cycle - 1].kind == "loading") == expected, (name, drug, delay)
            assert all(
                a.kind == "maintenance" for a in given_doses[1:] if a is not given_doses[cycle - 1]
            )


# -- The YAML loader's error contract ---------------------------------------------------------------------

yaml_tokens = st.sampled_from(
    [
        "a",
        "id",
        "dose",
        ":",
        ": ",
        "- ",
        "\n",
        "  ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "!!float ",
        "!!int ",
        "!!bool ",
        "!!timestamp ",
        "!!binary ",
        "!!python/object ",
        "!foo ",
        "? ",
        "|",
        ">",
        "'",
        '"',
        "#",
        "1:30",
        "75 mg/m2",
        "yes",
        "~",
        "null",
        "2016-99-99",
        "abc",
        "<<: ",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "\t",
        "\x00",
        "é",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(yaml_tokens, max_size=60).map("".join)))
@example("!!timestamp")  # found by this test: an AttributeError inside PyYAML
@example("? [a]: 1")  # found by this test: a list as a key
@example("a: 1\na: 2\n")
@example("!!bool maybe")
def test_yaml_loader_raises_only_data_file_errors(source):
    try:
        load_yaml_text(source, "fuzz.yaml")
    except DataFileError as error:
        assert error.problems and all(p.file == "fuzz.yaml" for p in error.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(yaml_tokens, max_size=60).map("".join))
def test_regimen_loader_raises_only_data_file_errors(source):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(source, encoding="utf-8")
        try:
            load_regimen_file(path)
        except DataFileError as error:
            assert error.problems
