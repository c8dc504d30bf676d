"""Reading a patient's measurements, refusing implausible ones, and deriving
the metrics a dose needs (BSA, dosing weight, creatinine clearance).

Every interpretation is recorded in ``Patient.notes`` ("65 read as 65 cm")
and every overridden plausibility check in ``Patient.overrides``, so that
the output can print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import metrics
from .errors import CalculationError, InputError, PlausibilityError, UnitError, about_field
from .formatting import format_number
from .model import Patient, Policy

# Adult plausibility ranges. They are deliberately wide: a value outside them
# is almost always a unit or typing error (inches typed as cm, grams as kg),
# and the user can override the check explicitly.
HEIGHT_RANGE_CM = (120.0, 230.0)
WEIGHT_RANGE_KG = (30.0, 300.0)
AGE_RANGE_YEARS = (18.0, 110.0)
SCR_RANGE_MG_DL = (0.2, 20.0)
BSA_RANGE_M2 = (1.0, 3.2)


def _height_hint(cm: float, bare: bool) -> str:
    if cm < 3:
        return f"did you mean {format_number(cm)} m? write '{format_number(cm)} m'"
    if bare and 48 <= cm <= 90:
        return f"a bare number is read as cm; for inches write '{format_number(cm)} in'"
    return "check the unit"


def _weight_hint(kg: float) -> str:
    if kg > 1000:
        return "check the unit (grams?)"
    return "check the unit"


#: The option each checked value comes from (the BSA comes from two).
_FIELDS = {"height": "height", "weight": "weight", "age": "age", "serum creatinine": "scr"}


def _check_range(
    value: float,
    bounds: tuple[float, float],
    label: str,
    unit: str,
    hint: str,
    accept: bool,
    overrides: list[str],
) -> None:
    low, high = bounds
    if low <= value <= high:
        return
    message = (
        f"{label} {format_number(value)} {unit} is outside the adult range "
        f"{format_number(low)}-{format_number(high)} {unit}: {hint}"
    )
    if not accept:
        raise PlausibilityError(
            message + " (or pass --accept-implausible to override)", field=_FIELDS.get(label)
        )
    overrides.append(message.split(":")[0] + ": accepted by explicit override")


def make_patient(
    height: Any,
    weight: Any,
    sex: str | None = None,
    age: Any = None,
    scr: Any = None,
    accept_implausible: bool = False,
) -> Patient:
    """Build a Patient from typed values (``"165 cm"``, ``"136.7 lb"``, ``62``).

    A bare number is cm for height and kg for weight, years for age; serum
    creatinine must carry its unit (mg/dL or umol/L: the two scales overlap
    nowhere, but a unit-less creatinine has caused real errors). Raises
    InputError (or PlausibilityError) naming the value and why.
    """
    from .units import parse_quantity

    notes: list[str] = []
    overrides: list[str] = []
    if height is None or str(height).strip() == "":
        raise InputError("height is missing (e.g. --height '165 cm')", field="height")
    if weight is None or str(weight).strip() == "":
        raise InputError("weight is missing (e.g. --weight '62 kg')", field="weight")
    try:
        height_q = parse_quantity(height, dimension="[length]", default_unit="cm", what="height")
    except UnitError as exc:
        raise about_field(exc, "height") from None
    try:
        weight_q = parse_quantity(weight, dimension="[mass]", default_unit="kg", what="weight")
    except UnitError as exc:
        raise about_field(exc, "weight") from None
    height_cm = float(height_q.to("cm").magnitude)
    weight_kg = float(weight_q.to("kg").magnitude)
    bare_height = _is_bare(height)
    bare_weight = _is_bare(weight)
    if height_cm <= 0 or weight_kg <= 0:
        raise InputError(
            f"height and weight must be more than zero (got {height}, {weight})",
            field="height" if height_cm <= 0 else "weight",
        )
    if bare_height:
        notes.append(f"height {height} read as {format_number(height_cm)} cm")
    elif str(height_q.units) != "centimeter":
        notes.append(f"height {height} = {format_number(height_cm)} cm")
    if bare_weight:
        notes.append(f"weight {weight} read as {format_number(weight_kg)} kg")
    elif str(weight_q.units) != "kilogram":
        notes.append(f"weight {weight} = {format_number(weight_kg)} kg")
    _check_range(
        height_cm,
        HEIGHT_RANGE_CM,
        "height",
        "cm",
        _height_hint(height_cm, bare_height),
        accept_implausible,
        overrides,
    )
    _check_range(
        weight_kg,
        WEIGHT_RANGE_KG,
        "weight",
        "kg",
        _weight_hint(weight_kg),
        accept_implausible,
        overrides,
    )

    sex_value = _parse_sex(sex)
    age_years = None
    if age is not None and str(age).strip() != "":
        age_years = _parse_age(age)
        _check_range(
            age_years,
            AGE_RANGE_YEARS,
            "age",
            "years",
            "dosecalc's plausibility limits are for adults",
            accept_implausible,
            overrides,
        )
    scr_mg_dl = None
    if scr is not None and str(scr).strip() != "":
        scr_mg_dl = _parse_scr(scr, notes)
        _check_range(
            scr_mg_dl,
            SCR_RANGE_MG_DL,
            "serum creatinine",
            "mg/dL",
            "check the unit (mg/dL or umol/L)",
            accept_implausible,
            overrides,
        )
    # The BSA check uses Mosteller whatever the policy: it guards the inputs,
    # not the dose.
    bsa = metrics.bsa_mosteller(height_cm, weight_kg)
    _check_range(
        bsa, BSA_RANGE_M2, "BSA", "m²", "check height and weight", accept_implausible, overrides
    )
    return Patient(
        height_cm, weight_kg, sex_value, age_years, scr_mg_dl, tuple(notes), tuple(overrides)
    )


def _is_bare(value: Any) -> bool:
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value).strip().replace(",", "."))
    except ValueError:
        return False
    return True


def _parse_sex(sex: str | None) -> str | None:
    if sex is None or str(sex).strip() == "":
        return None
    value = str(sex).strip().lower()
    if value in ("f", "female", "woman", "femme"):
        return "female"
    if value in ("m", "male", "man", "homme"):
        return "male"
    raise InputError(f"sex '{sex}' is not understood: use female or male", field="sex")


def _parse_age(age: Any) -> float:
    from .units import split_number

    if isinstance(age, bool):
        raise InputError(f"age {age!r} is not a number of years", field="age")
    try:
        number, unit = split_number(str(age))
    except UnitError:
        raise InputError(f"age '{age}' is not a number of years", field="age") from None
    if unit.lower() not in ("", "y", "yr", "yrs", "year", "years", "ans", "an"):
        raise InputError(f"age '{age}': give the age in years", field="age")
    return number


def _parse_scr(scr: Any, notes: list[str]) -> float:
    from .units import Q, split_number

    try:
        number, unit = split_number(str(scr))
    except UnitError:
        raise InputError(
            f"serum creatinine '{scr}' is not a number with a unit", field="scr"
        ) from None
    unit_key = unit.replace("µ", "u").replace("μ", "u").lower()
    if unit_key in ("umol/l", "micromol/l"):
        value = number / metrics.CREATININE_UMOL_PER_MG_DL
        notes.append(f"serum creatinine {scr} = {format_number(value, 2)} mg/dL (÷ 88.4)")
        return value
    if not unit:
        raise UnitError(f"serum creatinine '{scr}' needs a unit: mg/dL or umol/L", field="scr")
    try:
        quantity = Q(number, unit)
        if not quantity.check("[mass] / [length] ** 3"):
            raise UnitError("")
    except UnitError:
        raise UnitError(f"serum creatinine '{scr}': use mg/dL or umol/L", field="scr") from None
    return float(quantity.to("mg/dL").magnitude)


@dataclass(frozen=True)
class BsaResult:
    """A BSA as used for dosing, with how it was obtained."""

    value_m2: float  # the BSA doses use: after rounding and cap
    raw_m2: float  # the formula's value
    formula: str
    expression: str
    capped: bool
    cap_m2: float | None
    decimals: int | None

    @property
    def uncapped_m2(self) -> float:
        """The BSA after the policy's rounding but before its cap."""
        from .formatting import round_half_up

        return (
            self.raw_m2
            if self.decimals is None
            else float(round_half_up(self.raw_m2, self.decimals))
        )

    def derivation(self, patient: Patient) -> str:
        text = (
            f"BSA {self.formula} = {self.expression} with {format_number(patient.height_cm)} cm, "
            f"{format_number(patient.weight_kg)} kg = {format_number(self.raw_m2, 4)} m²"
        )
        if self.decimals is not None:
            text += f", rounded to {format_number(self.raw_m2, self.decimals)} m²"
        if self.capped:
            text += f", capped at {format_number(self.cap_m2 or 0)} m² by policy"
        return text


def body_surface_area(
    patient: Patient,
    formula: str = "mosteller",
    cap_m2: float | None = None,
    decimals: int | None = None,
) -> BsaResult:
    """The patient's BSA by ``formula``, rounded to ``decimals`` (half-up) and capped at ``cap_m2``."""
    from .formatting import round_half_up

    try:
        function, expression = metrics.BSA_FORMULAS[formula]
    except KeyError:
        raise InputError(
            f"unknown BSA formula '{formula}' (known: {', '.join(metrics.BSA_FORMULAS)})"
        ) from None
    if formula == "schlich":
        if patient.sex is None:
            raise InputError("the Schlich BSA formula is sex-specific: give --sex female or male")
        raw = metrics.bsa_schlich(patient.height_cm, patient.weight_kg, patient.sex)
    else:
        raw = function(patient.height_cm, patient.weight_kg)
    value = raw if decimals is None else float(round_half_up(raw, decimals))
    capped = cap_m2 is not None and value > cap_m2
    if capped:
        value = cap_m2  # type: ignore[assignment]
    return BsaResult(value, raw, formula, expression, capped, cap_m2, decimals)


def policy_bsa(patient: Patient, policy: Policy) -> BsaResult:
    """The patient's BSA as the policy says to compute it."""
    return body_surface_area(patient, policy.bsa_formula, policy.bsa_cap_m2, policy.bsa_decimals)


def dosing_weight(patient: Patient, which: str, factor: float = 0.4) -> tuple[float, str]:
    """The weight a mg/kg dose (or Cockcroft-Gault) uses, and how it was derived."""
    if which == "actual":
        return patient.weight_kg, f"actual weight {format_number(patient.weight_kg)} kg"
    if patient.sex is None:
        raise CalculationError(f"{which} body weight needs the patient's sex (--sex)")
    ibw = metrics.ideal_body_weight(patient.height_cm, patient.sex)
    note = " (Devine extrapolated below 152.4 cm)" if patient.height_cm < 152.4 else ""
    if which == "ideal":
        return ibw, f"ideal weight (Devine) {format_number(ibw, 1)} kg{note}"
    if which == "adjusted_if_bmi_25":
        if metrics.bmi(patient.height_cm, patient.weight_kg) < 25:
            return (
                patient.weight_kg,
                f"actual weight {format_number(patient.weight_kg)} kg (BMI < 25)",
            )
    adjusted = metrics.adjusted_body_weight(ibw, patient.weight_kg, factor)
    return adjusted, (
        f"adjusted weight = IBW {format_number(ibw, 1)} + {format_number(factor)} × "
        f"({format_number(patient.weight_kg)} − {format_number(ibw, 1)}) = {format_number(adjusted, 1)} kg{note}"
    )
