"""The scalar engine's dose arithmetic on columns (numpy arrays).

Each function mirrors one function of the scalar engine, in the same order
of operations, and calls the engine's own formulas wherever they accept
arrays (the power-law BSA formulas, ideal and adjusted weight, BMI,
Cockcroft-Gault with the sex fixed per call). Where the engine decides a
value in decimal (half-up rounding of a BSA or a dose), the few values that
lie within a hair of a half-way point or a tolerance boundary are handed to
the scalar engine itself, so the batch result is the engine's to the last
digit. ``tests/verify/test_verify_properties.py`` checks that on random orders.

Row-level problems (an AUC dose without a creatinine) come back as a mask
and a message: a bad row never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .. import metrics
from ..dosing import round_dose
from ..formatting import round_half_up
from ..model import DoseStep, DrugEntry, Policy, Rounding
from ..patient import GFR_PHYSICAL_ML_MIN
from ..units import Q

FEMALE, MALE = 1, 2  # sex codes; 0 is unknown
SEXES = {FEMALE: "female", MALE: "male"}

#: Within this relative distance of a half-way point (or of the tolerance),
#: a value is decided by the scalar engine, in decimal.
_HAIR = 1e-9


@dataclass
class Patients:
    """Patient columns in canonical units; NaN (or sex 0) where not given."""

    height_cm: np.ndarray
    weight_kg: np.ndarray
    sex: np.ndarray  # int8: 0 unknown, 1 female, 2 male
    age_years: np.ndarray
    scr_mg_dl: np.ndarray
    mosteller_m2: np.ndarray | None = None  # computed once for the plausibility check

    def take(self, index: np.ndarray) -> Patients:
        if len(index) == len(self.height_cm) and np.array_equal(index, np.arange(len(index))):
            return self  # a group of every row, in order
        return Patients(
            self.height_cm[index],
            self.weight_kg[index],
            self.sex[index],
            self.age_years[index],
            self.scr_mg_dl[index],
            None if self.mosteller_m2 is None else self.mosteller_m2[index],
        )


def mosteller(height_cm: np.ndarray, weight_kg: np.ndarray) -> np.ndarray:
    """:func:`dosecalc.metrics.bsa_mosteller` on arrays (``math.sqrt`` takes
    scalars only; ``np.sqrt`` is correctly rounded like it)."""
    root: np.ndarray = np.sqrt(height_cm * weight_kg / 3600)
    return root


def _boyd(height_cm: np.ndarray, weight_kg: np.ndarray) -> np.ndarray:
    """:func:`dosecalc.metrics.bsa_boyd` on arrays (it uses ``math.log10``)."""
    grams = weight_kg * 1000
    bsa: np.ndarray = 0.0003207 * height_cm**0.3 * grams ** (0.7285 - 0.0188 * np.log10(grams))
    return bsa


def bsa_formula(formula: str, sex: int | None) -> Callable[..., Any]:
    """The policy's BSA formula as a function of arrays."""
    if formula == "mosteller":
        return mosteller
    if formula == "boyd":
        return _boyd
    if formula == "schlich":
        assert sex is not None
        return lambda h, w: metrics.bsa_schlich(h, w, SEXES[sex])
    # The power-law formulas are plain arithmetic: the engine's own functions take arrays.
    return cast(Callable[..., Any], metrics.BSA_FORMULAS[formula][0])


def round_half_up_array(values: np.ndarray, decimals: int) -> np.ndarray:
    """``float(round_half_up(v, decimals))`` for each value: half-up in
    decimal; values within a hair of a half-way point go to the engine."""
    scale = 10.0**decimals
    scaled = values * scale
    result = np.floor(scaled + 0.5) / scale
    fraction = scaled - np.floor(scaled)
    near = np.abs(fraction - 0.5) < _HAIR * np.maximum(1.0, np.abs(scaled))
    for i in np.flatnonzero(near):
        result[i] = float(round_half_up(float(values[i]), decimals))
    return result


def policy_bsa(policy: Policy, p: Patients) -> tuple[np.ndarray, np.ndarray]:
    """The BSA doses use (:func:`dosecalc.patient.policy_bsa`), and a mask of
    rows it cannot be computed for (Schlich without the sex)."""
    n = len(p.height_cm)
    bsa = np.full(n, np.nan)
    missing = np.zeros(n, dtype=bool)
    if policy.bsa_formula == "schlich":
        for code in (FEMALE, MALE):
            rows = p.sex == code
            bsa[rows] = bsa_formula("schlich", code)(p.height_cm[rows], p.weight_kg[rows])
        missing = p.sex == 0
    elif policy.bsa_formula == "mosteller" and p.mosteller_m2 is not None:
        bsa = p.mosteller_m2
    else:
        bsa = bsa_formula(policy.bsa_formula, None)(p.height_cm, p.weight_kg)
    if policy.bsa_decimals is not None:
        bsa = round_half_up_array(bsa, policy.bsa_decimals)
    if policy.bsa_cap_m2 is not None:
        bsa = np.where(bsa > policy.bsa_cap_m2, policy.bsa_cap_m2, bsa)
    return bsa, missing


def dosing_weight(which: str, factor: float, p: Patients) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dosecalc.patient.dosing_weight` on arrays; the mask marks rows
    that need the sex and do not have it."""
    if which == "actual":
        return p.weight_kg.copy(), np.zeros(len(p.weight_kg), dtype=bool)
    weight = np.full(len(p.weight_kg), np.nan)
    for code in (FEMALE, MALE):
        rows = p.sex == code
        h, w = p.height_cm[rows], p.weight_kg[rows]
        ibw = metrics.ideal_body_weight(h, SEXES[code])
        if which == "ideal":
            weight[rows] = ibw
            continue
        adjusted: Any = metrics.adjusted_body_weight(ibw, w, factor)
        if which == "adjusted_if_bmi_25":
            adjusted = np.where(metrics.bmi(h, w) < 25, w, adjusted)
        weight[rows] = adjusted
    return weight, p.sex == 0


def _to_mg(step: DoseStep, metric_unit: str | None) -> float | None:
    """The factor taking per-unit dose × metric to mg, or None when Pint's
    product is already in mg (then the engine's ``.to("mg")`` is the identity)."""

    product = step.amount if metric_unit is None else step.amount * Q(1.0, metric_unit)
    if str(product.units) == "milligram":
        return None
    return float(product.to("mg").magnitude) / float(step.amount.magnitude)


def calculated_mg(
    entry: DrugEntry, step: DoseStep, policy: Policy, p: Patients
) -> tuple[np.ndarray, str | None, np.ndarray]:
    """Per-unit dose × metric (:func:`dosecalc.dosing._metric`), with the
    message and mask of rows that lack what the basis needs."""
    n = len(p.height_cm)
    amount = step.per_unit
    if entry.basis == "flat":
        return np.full(n, float(step.amount.to("mg").magnitude)), None, np.zeros(n, dtype=bool)
    if entry.basis == "bsa":
        bsa, missing = policy_bsa(policy, p)
        mg, factor = amount * bsa, _to_mg(step, "m**2")
        return (mg if factor is None else mg * factor), "BSA by Schlich needs the sex", missing
    if entry.basis == "weight":
        weight, missing = dosing_weight(policy.dosing_weight, policy.adjusted_weight_factor, p)
        mg, factor = amount * weight, _to_mg(step, "kg")
        return (mg if factor is None else mg * factor), "dosing weight needs the sex", missing
    return _carboplatin(step, policy, p)


def _carboplatin(
    step: DoseStep, policy: Policy, p: Patients
) -> tuple[np.ndarray, str | None, np.ndarray]:
    """Calvert with Cockcroft-Gault (:func:`dosecalc.dosing._carboplatin`)."""
    missing = (p.sex == 0) | np.isnan(p.age_years) | np.isnan(p.scr_mg_dl)
    scr = p.scr_mg_dl
    if policy.minimum_scr_mg_dl:
        scr = np.where(scr < policy.minimum_scr_mg_dl, policy.minimum_scr_mg_dl, scr)
    weight, no_sex = dosing_weight(policy.crcl_weight, policy.adjusted_weight_factor, p)
    crcl = np.full(len(scr), np.nan)
    for code in (FEMALE, MALE):
        rows = p.sex == code
        crcl[rows] = metrics.cockcroft_gault(
            p.age_years[rows], weight[rows], scr[rows], SEXES[code]
        )
    gfr = crcl
    if policy.gfr_cap_ml_min is not None:
        gfr = np.where(crcl > policy.gfr_cap_ml_min, policy.gfr_cap_ml_min, crcl)
    mg, factor = step.per_unit * (gfr + 25), _to_mg(step, "mL/min")
    message = "an AUC (carboplatin) dose needs the sex, age and serum creatinine (Cockcroft-Gault)"
    # A GFR no body can have is the engine's to refuse (require_physical): such
    # rows are marked, and the caller hands them to the engine for its message.
    low, high = GFR_PHYSICAL_ML_MIN
    with np.errstate(invalid="ignore"):
        beyond = ~(np.isfinite(gfr) & (gfr > low) & (gfr <= high))
    return (mg if factor is None else mg * factor), message, missing | no_sex | beyond


def _nearest_count(mg: np.ndarray, step: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half-up count of ``step`` nearest to each value, and the mask of
    values within a hair of a half-way point (decided by the engine, in
    decimal: in floats 2.65 / 0.1 is 26.4999...)."""
    ratio = mg / step
    count = np.floor(ratio + 0.5)
    np.subtract(ratio, count, out=ratio)  # now in [-0.5, 0.5)
    np.abs(ratio, out=ratio)
    return count, ratio > 0.5 - _TIE


#: Distance from a half-way point, in steps, under which the engine decides.
_TIE = 1e-7


def round_doses(
    mg: np.ndarray, rounding: Rounding, cap_mg: float | None, vials_mg: tuple[float, ...] = ()
) -> np.ndarray:
    """:func:`dosecalc.dosing.round_dose` on an array. Values whose outcome
    hangs on a half-way point or on the tolerance boundary are rounded by
    ``round_dose`` itself."""
    if rounding.method == "none" or not len(mg):
        return mg.copy()
    tolerance = rounding.tolerance_pct
    with np.errstate(divide="ignore", invalid="ignore"):
        small = mg < 10
        any_small = bool(small.any())
        increment: float | np.ndarray = (
            np.where(small, rounding.small_increment_mg, rounding.increment_mg)
            if any_small
            else rounding.increment_mg
        )
        count, suspect = _nearest_count(mg, increment)
        final = np.multiply(count, increment, out=count)
        if cap_mg is not None:
            over = final > cap_mg
            if over.any():
                floor = np.floor(cap_mg / np.asarray(increment) + 1e-9) * increment
                final = np.where(over, floor, final)
        if any_small or rounding.increment_mg != int(rounding.increment_mg):
            final = np.round(final, 4)  # the engine's round_half_up(candidate, 4)
        # Rounding may change a dose by at most half a step: only when that can
        # reach the tolerance is the "not rounded" rule checked, row by row.
        half_step_pct = 50 * np.asarray(increment) / mg
        if cap_mg is not None or bool((half_step_pct >= tolerance - 1e-6).any()):
            change = np.abs(final - mg) / mg * 100
            final = np.where(change > tolerance, mg, final)
            suspect |= np.abs(change - tolerance) < 1e-6
        if rounding.method == "vial" and vials_mg:
            vial = min(vials_mg)
            vials, tie = _nearest_count(mg, vial)
            candidate = vials * vial
            change = np.abs(candidate - mg) / mg * 100
            take = (vials > 0) & (change <= tolerance)
            if cap_mg is not None:
                take &= candidate <= cap_mg
            final = np.where(take, candidate, final)
            suspect |= tie | (np.abs(change - tolerance) < 1e-6)
    nonpositive = mg <= 0
    if nonpositive.any():
        final = np.where(nonpositive, mg, final)
        suspect &= ~nonpositive
    for i in np.flatnonzero(suspect):
        final[i], _ = round_dose(float(mg[i]), rounding, cap_mg, vials_mg)
    rounded: np.ndarray = final
    return rounded


def final_mg(
    entry: DrugEntry,
    step: DoseStep,
    policy: Policy,
    p: Patients,
    reduction_pct: np.ndarray,
    vials_mg: tuple[float, ...] = (),
) -> tuple[np.ndarray, str | None, np.ndarray]:
    """The final dose in mg (:func:`dosecalc.dosing.compute_dose`): metric,
    then modification, then cap, then rounding, in that order."""
    calculated, message, missing = calculated_mg(entry, step, policy, p)
    # x * (1 - 0 / 100) is x exactly: skip the pass when nothing is reduced.
    modified = calculated * (1 - reduction_pct / 100) if reduction_pct.any() else calculated
    cap = entry.max_dose_mg
    after_cap = np.minimum(modified, cap) if cap is not None else modified
    return round_doses(after_cap, policy.rounding, cap, vials_mg), message, missing
