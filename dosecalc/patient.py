"""Reading a patient's measurements, refusing implausible ones, and deriving
the metrics a dose needs (BSA, dosing weight, creatinine clearance).

Every interpretation is recorded in ``Patient.notes`` ("65 read as 65 cm")
and every overridden plausibility check in ``Patient.overrides``, so that
the output can print them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import metrics
from .errors import (
    AmbiguousNumberError,
    CalculationError,
    InputError,
    PhysicalLimitError,
    PlausibilityError,
    UnitError,
    about_field,
)
from .formatting import format_number
from .model import Patient, Policy

# Adult plausibility ranges. They are deliberately wide: a value outside them
# is almost always a unit or typing error (inches typed as cm, grams as kg),
# and the user can override the check explicitly.
HEIGHT_RANGE_CM = (120.0, 230.0)
WEIGHT_RANGE_KG = (30.0, 300.0)
AGE_RANGE_YEARS = (18.0, 110.0)
SCR_RANGE_MG_DL = (0.2, 20.0)
GFR_RANGE_ML_MIN = (5.0, 250.0)
BSA_RANGE_M2 = (1.0, 3.2)

# Physical limits: what a human body can be, whatever the override. A value
# outside these is a typing or unit error that --accept-implausible cannot
# pass (docs/safety.md lists them with their sources).
#: 20 cm: below the crown-heel length of the most premature surviving infants;
#: 280 cm: above the tallest person measured (R. Wadlow, 272 cm, 1940).
HEIGHT_PHYSICAL_CM = (20.0, 280.0)
#: 0.2 kg: below the smallest surviving newborns (about 0.25 kg); 700 kg: above
#: the heaviest person recorded (J. B. Minnoch, about 635 kg).
WEIGHT_PHYSICAL_KG = (0.2, 700.0)
#: 0 to 125 years: above the oldest verified age (J. Calment, 122 years); and
#: Cockcroft-Gault's (140 - age) stays positive.
AGE_PHYSICAL_YEARS = (0.0, 125.0)
#: 0.05 mg/dL (4.4 micromol/L): below what assays report for a living person;
#: 100 mg/dL: above the highest serum creatinine reported (73.8 mg/dL,
#: Case Rep Nephrol 2021;2021:6048919).
SCR_PHYSICAL_MG_DL = (0.05, 100.0)
#: What a BSA formula gives for a real body: at the corners of the height and
#: weight limits the formulas give 0.03-7.7 m² (Schlich's power law 0.01-8.7 m²,
#: at pairs such as 280 cm with 700 kg that no body has).
BSA_PHYSICAL_M2 = (0.02, 8.0)
#: The GFR a carboplatin dose may use: glomerular hyperfiltration is defined
#: above 130-140 mL/min and a Cockcroft-Gault estimate beyond 250 mL/min comes
#: from inputs no kidney matches (a policy GFR cap applies before this check).
GFR_PHYSICAL_ML_MIN = (0.0, 250.0)


def _height_hint(height: Any, bare: bool) -> str:
    """A hint that names the number as typed: "1.65" (read as cm) was
    probably metres; "1.65 mm" or "0.17 cm" is not helped by that hint."""
    cm = float(height.to("cm").magnitude)
    typed = float(height.magnitude)
    if bare and 1 <= typed < 3:
        return f"did you mean {format_number(typed)} m? write '{format_number(typed)} m'"
    if bare and 48 <= cm <= 90:
        return f"a bare number is read as cm; for inches write '{format_number(cm)} in'"
    return "check the unit"


def _weight_hint(kg: float) -> str:
    if kg > 1000:
        return "check the unit (grams?)"
    return "check the unit"


#: The option each checked value comes from (the BSA comes from two).
_FIELDS = {
    "height": "height",
    "weight": "weight",
    "age": "age",
    "serum creatinine": "scr",
    "measured GFR": "gfr",
}


def require_physical(
    value: float,
    bounds: tuple[float, float],
    label: str,
    unit: str,
    hint: str = "check the value",
    *,
    above_zero: bool = False,
    field: str | None = None,
) -> None:
    """Raise InputError when ``value`` is not finite or lies outside what a
    human body can be (``above_zero``: the low bound 0 itself is excluded):
    no override passes this. ``field`` names the option the value came from."""
    low, high = bounds
    above_low = value > low if above_zero else value >= low
    if math.isfinite(value) and above_low and value <= high:
        return
    if above_zero:
        limits = f"more than 0 and at most {format_number(high)}"
    else:
        limits = f"{format_number(low)}-{format_number(high)}"
    raise PhysicalLimitError(
        f"{label} {format_number(value)} {unit} is outside the physical limits {limits} {unit}: "
        f"{hint} (--accept-implausible cannot pass this)",
        field=field,
    )


def _check_range(
    value: float,
    bounds: tuple[float, float],
    label: str,
    unit: str,
    hint: str,
    accept: bool,
    overrides: list[str],
    physical: tuple[float, float] | None = None,
    physical_hint: str | None = None,
) -> None:
    if physical is not None:
        require_physical(
            value, physical, label, unit, physical_hint or hint, field=_FIELDS.get(label)
        )
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
    gfr: Any = None,
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
        _height_hint(height_q, bare_height),
        accept_implausible,
        overrides,
        HEIGHT_PHYSICAL_CM,
    )
    _check_range(
        weight_kg,
        WEIGHT_RANGE_KG,
        "weight",
        "kg",
        _weight_hint(weight_kg),
        accept_implausible,
        overrides,
        WEIGHT_PHYSICAL_KG,
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
            AGE_PHYSICAL_YEARS,
            "no one has been verified older than 122 years; check the value",
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
            SCR_PHYSICAL_MG_DL,
        )
    gfr_ml_min = None
    if gfr is not None and str(gfr).strip() != "":
        try:
            gfr_ml_min = _parse_gfr(gfr)
        except InputError as exc:
            raise about_field(exc, "gfr") from None
        _check_range(
            gfr_ml_min,
            GFR_RANGE_ML_MIN,
            "measured GFR",
            "mL/min",
            "check the unit (mL/min, not indexed to 1.73 m²)",
            accept_implausible,
            overrides,
        )
    # The BSA check uses Mosteller whatever the policy: it guards the inputs,
    # not the dose.
    bsa = metrics.bsa_mosteller(height_cm, weight_kg)
    _check_range(
        bsa,
        BSA_RANGE_M2,
        "BSA",
        "m²",
        "check height and weight",
        accept_implausible,
        overrides,
        BSA_PHYSICAL_M2,
    )
    return Patient(
        height_cm,
        weight_kg,
        sex_value,
        age_years,
        scr_mg_dl,
        tuple(notes),
        tuple(overrides),
        measured_gfr_ml_min=gfr_ml_min,
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
    except AmbiguousNumberError as exc:
        raise AmbiguousNumberError(f"age {exc}", field="age") from None
    except UnitError:
        raise InputError(f"age '{age}' is not a number of years", field="age") from None
    if unit.lower() not in ("", "y", "yr", "yrs", "year", "years", "ans", "an"):
        raise InputError(f"age '{age}': give the age in years", field="age")
    return number


def _parse_gfr(gfr: Any) -> float:
    """A measured GFR in absolute mL/min ('95 mL/min'). The unit is required:
    an indexed value (mL/min/1.73 m²) is not what Calvert takes, and a bare
    number could be either."""
    from .units import parse_quantity

    text = str(gfr)
    if "1.73" in text:
        raise InputError(
            f"measured GFR '{gfr}' is indexed to 1.73 m²: give the absolute clearance in mL/min"
        )
    if _is_bare(gfr):
        raise UnitError(f"measured GFR '{gfr}' needs a unit: write e.g. '95 mL/min'")
    quantity = parse_quantity(text, dimension="[length] ** 3 / [time]", what="measured GFR")
    value = float(quantity.to("mL/min").magnitude)
    if value <= 0:
        raise InputError(f"measured GFR '{gfr}' must be more than zero")
    return value


def _parse_scr(scr: Any, notes: list[str]) -> float:
    try:
        value, note = parse_creatinine(scr)
    except InputError as exc:
        raise about_field(exc, "scr") from None
    if note:
        notes.append(note)
    return value


def parse_creatinine(scr: Any) -> tuple[float, str | None]:
    """A serum creatinine with its unit, in mg/dL, and the conversion note
    when it was given in micromol/L (``umol/L``, ``µmol/L`` with the micro
    sign or the Greek mu, ``micromol/L``). The one reader of creatinine: the
    command line and case files both use it. Raises UnitError."""
    from .units import Q, split_number

    if isinstance(scr, bool) or not isinstance(scr, (str, int, float)):
        raise UnitError(f"serum creatinine {scr!r} is not a number with a unit")
    try:
        number, unit = split_number(str(scr))
    except AmbiguousNumberError as exc:
        raise AmbiguousNumberError(f"serum creatinine {exc}") from None
    except UnitError:
        raise UnitError(f"serum creatinine '{scr}' is not a number with a unit") from None
    unit_key = unit.replace("µ", "u").lower()  # split_number spelled the micro sign one way
    if unit_key in ("umol/l", "micromol/l"):
        value = number / metrics.CREATININE_UMOL_PER_MG_DL
        return value, f"serum creatinine {scr} = {format_number(value, 2)} mg/dL (÷ 88.4)"
    if not unit:
        raise UnitError(f"serum creatinine '{scr}' needs a unit: mg/dL or umol/L")
    try:
        quantity = Q(number, unit)
        if not quantity.check("[mass] / [length] ** 3"):
            raise UnitError("")
    except UnitError:
        raise UnitError(f"serum creatinine '{scr}': use mg/dL or umol/L") from None
    return float(quantity.to("mg/dL").magnitude), None


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
    if cap_m2 is not None and not (
        isinstance(cap_m2, (int, float))
        and not isinstance(cap_m2, bool)
        and math.isfinite(cap_m2)
        and BSA_RANGE_M2[0] <= cap_m2 <= BSA_RANGE_M2[1]
    ):
        raise InputError(
            f"BSA cap {cap_m2 if isinstance(cap_m2, str) else format(cap_m2, 'g')} m²: a cap is a BSA from {format_number(BSA_RANGE_M2[0])} "
            f"to {format_number(BSA_RANGE_M2[1])} m² (the adult range)"
        )
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
    # The last guard: no dose is ever computed on a BSA that no body has.
    require_physical(raw, BSA_PHYSICAL_M2, f"BSA ({formula})", "m²", "check height and weight")
    require_physical(value, BSA_PHYSICAL_M2, f"BSA ({formula})", "m²", "check height and weight")
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
