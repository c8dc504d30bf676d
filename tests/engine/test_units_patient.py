"""Typed patient values: units, bare numbers, wrong dimensions and
plausibility limits. Conversions are checked against exact definitions
(1 in = 2.54 cm, 1 lb = 0.45359237 kg, 1 mg/dL creatinine = 88.4 µmol/L)."""

from __future__ import annotations

import pytest

from dosecalc.errors import InputError, PlausibilityError, UnitError
from dosecalc.patient import make_patient
from dosecalc.units import parse_quantity

# -- Heights and weights in any unit ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cm"),
    [
        ("165 cm", 165.0),
        ("165cm", 165.0),
        ("  165   cm ", 165.0),
        ("64.96 in", 64.96 * 2.54),  # 164.9984 cm
        ("5 ft 5 in", (5 * 12 + 5) * 2.54),  # 165.1 cm, not 165
        ("1.65 m", 165.0),
        ("1,65 m", 165.0),  # decimal comma
        ("1650 mm", 165.0),
    ],
)
def test_height_units(typed, cm):
    patient = make_patient(typed, "62 kg")
    assert patient.height_cm == pytest.approx(cm, abs=1e-9)


def test_five_foot_five_is_165_point_1_cm():
    patient = make_patient("5 ft 5 in", "62 kg")
    assert patient.height_cm == pytest.approx(165.1, abs=1e-9)
    assert patient.height_cm != pytest.approx(165.0, abs=0.05)
    assert any("165.1 cm" in note for note in patient.notes)


@pytest.mark.parametrize(
    ("typed", "kg"),
    [
        ("62 kg", 62.0),
        ("136.7 lb", 136.7 * 0.45359237),  # 62.006 kg
        ("136.7 lbs", 136.7 * 0.45359237),
        ("62000 g", 62.0),
    ],
)
def test_weight_units(typed, kg):
    assert make_patient("165 cm", typed).weight_kg == pytest.approx(kg, rel=1e-12)


def test_converted_values_are_noted():
    patient = make_patient("64.96 in", "136.7 lb")
    assert any(note.startswith("height 64.96 in") and "165 cm" in note for note in patient.notes)
    assert any(note.startswith("weight 136.7 lb") and "62.01 kg" in note for note in patient.notes)


def test_bare_numbers_are_cm_and_kg_with_a_note():
    patient = make_patient("165", "62")
    assert (patient.height_cm, patient.weight_kg) == (165.0, 62.0)
    assert "height 165 read as 165 cm" in patient.notes
    assert "weight 62 read as 62 kg" in patient.notes


def test_numbers_from_python_are_bare_too():
    patient = make_patient(165, 62.5)
    assert (patient.height_cm, patient.weight_kg) == (165.0, 62.5)
    assert any("read as 165 cm" in note for note in patient.notes)


def test_explicit_units_carry_no_bare_number_note():
    patient = make_patient("165 cm", "62 kg")
    assert not any("read as" in note for note in patient.notes)


# -- Wrong dimensions, unknown units, garbage ----------------------------------------


def test_height_in_kg_is_a_unit_error_naming_the_value():
    with pytest.raises(UnitError) as info:
        make_patient("62 kg", "62 kg")
    assert "62 kg" in str(info.value)
    assert "height" in str(info.value)


def test_weight_in_cm_is_a_unit_error():
    with pytest.raises(UnitError, match="weight '165 cm'"):
        make_patient("165 cm", "165 cm")


@pytest.mark.parametrize(
    "typed", ["165 furlongs", "165 CM", "tall", "", "   ", "165 cm 2 kg", "5 ft 5"]
)
def test_unusable_heights(typed):
    with pytest.raises(InputError):
        make_patient(typed, "62 kg")


def test_missing_height_and_weight():
    with pytest.raises(InputError, match="height is missing"):
        make_patient(None, "62 kg")
    with pytest.raises(InputError, match="weight is missing"):
        make_patient("165 cm", None)


@pytest.mark.parametrize("typed", ["0 cm", "-165 cm", "-165"])
def test_zero_or_negative_height(typed):
    with pytest.raises(InputError):
        make_patient(typed, "62 kg", accept_implausible=True)


@pytest.mark.parametrize(
    "typed", ["1e400", "1e400 cm", "inf cm", "nan", float("nan"), float("inf")]
)
def test_non_finite_heights_are_refused_even_with_override(typed):
    # An infinite or NaN height must never reach a dose, override or not.
    with pytest.raises(InputError):
        make_patient(typed, "62 kg", accept_implausible=True)


@pytest.mark.parametrize("typed", ["62e999", float("nan")])
def test_non_finite_weights_are_refused_even_with_override(typed):
    with pytest.raises(InputError):
        make_patient("165 cm", typed, accept_implausible=True)


def test_non_finite_age_is_refused():
    with pytest.raises(InputError):
        make_patient("165 cm", "62 kg", age="1e999", accept_implausible=True)


def test_bool_is_not_a_quantity():
    with pytest.raises(UnitError):
        parse_quantity(True, dimension="[length]", default_unit="cm")


def test_quantity_without_default_unit_needs_one():
    with pytest.raises(UnitError, match="needs a unit"):
        parse_quantity("62", dimension="[mass]", what="dose")


# -- Plausibility limits --------------------------------------------------------------


def test_weight_6_2_kg_is_implausible_and_says_check_the_unit():
    with pytest.raises(PlausibilityError) as info:
        make_patient("165 cm", "6.2 kg")
    assert "check the unit" in str(info.value)
    assert "--accept-implausible" in str(info.value)


def test_bare_height_65_suggests_inches():
    with pytest.raises(PlausibilityError) as info:
        make_patient("65", "62")
    message = str(info.value)
    assert "65 in" in message
    assert "cm" in message


def test_bare_height_1_65_suggests_metres():
    with pytest.raises(PlausibilityError) as info:
        make_patient("1.65", "62")
    assert "1.65 m" in str(info.value)


def test_weight_in_grams_typed_as_kg_suggests_grams():
    with pytest.raises(PlausibilityError, match="grams"):
        make_patient("165", "62000")


def test_override_records_every_accepted_value():
    patient = make_patient("65", "62", accept_implausible=True)
    assert patient.height_cm == 65.0
    assert any(o.startswith("height 65 cm") and "override" in o for o in patient.overrides)
    # Mosteller √(65 × 62 / 3600) = 1.06 m² is inside 1-3.2 m²: only the
    # height was overridden, and only the height is recorded.
    assert len(patient.overrides) == 1


def test_override_of_an_implausible_bsa_is_recorded():
    # 230 cm, 300 kg: both at the edge of their ranges, but Mosteller
    # √(230 × 300 / 3600) = 4.38 m² is above the 3.2 m² limit.
    with pytest.raises(PlausibilityError, match="BSA"):
        make_patient("230 cm", "300 kg")
    patient = make_patient("230 cm", "300 kg", accept_implausible=True)
    assert [o for o in patient.overrides if o.startswith("BSA")]


def test_plausible_patient_has_no_overrides():
    assert make_patient("165 cm", "62 kg").overrides == ()


# -- Serum creatinine ---------------------------------------------------------------------


def test_scr_without_unit_is_refused():
    with pytest.raises(UnitError, match="needs a unit"):
        make_patient("165 cm", "62 kg", scr="0.8")


@pytest.mark.parametrize(
    "typed", ["71 umol/L", "71 µmol/L", "71 μmol/L", "71 micromol/L", "71 umol/l"]
)
def test_scr_in_micromol_per_litre(typed):
    patient = make_patient("165 cm", "62 kg", scr=typed)
    assert patient.scr_mg_dl == pytest.approx(71 / 88.4, rel=1e-12)
    assert any("88.4" in note for note in patient.notes)


def test_scr_88_4_umol_is_1_mg_dl():
    assert make_patient("165 cm", "62 kg", scr="88.4 umol/L").scr_mg_dl == pytest.approx(
        1.0, rel=1e-12
    )


@pytest.mark.parametrize("typed", ["0.8 mg/dL", "0.8 mg/dl"])
def test_scr_in_mg_dl(typed):
    assert make_patient("165 cm", "62 kg", scr=typed).scr_mg_dl == pytest.approx(0.8)


@pytest.mark.parametrize("typed", ["71 mmol/L", "0.8 mg", "high"])
def test_scr_in_a_wrong_unit_is_refused(typed):
    with pytest.raises(InputError):
        make_patient("165 cm", "62 kg", scr=typed)


def test_scr_typed_in_umol_but_labelled_mg_dl_is_implausible():
    # 71 mg/dL is 71 × 88.4 µmol/L: far outside any living adult's value.
    with pytest.raises(PlausibilityError, match="serum creatinine"):
        make_patient("165 cm", "62 kg", scr="71 mg/dL")


# -- Sex and age -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sex"),
    [("F", "female"), ("female", "female"), ("femme", "female"), ("M", "male"), ("homme", "male")],
)
def test_sex_spellings(typed, sex):
    assert make_patient("165 cm", "62 kg", sex=typed).sex == sex


def test_unknown_sex_is_refused():
    with pytest.raises(InputError, match="sex"):
        make_patient("165 cm", "62 kg", sex="x")


def test_age_in_years_and_children_refused():
    assert make_patient("165 cm", "62 kg", age="40 years").age_years == 40
    with pytest.raises(PlausibilityError, match="adults"):
        make_patient("165 cm", "62 kg", age="12")
    with pytest.raises(InputError, match="years"):
        make_patient("165 cm", "62 kg", age="40 months")
