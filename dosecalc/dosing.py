"""Computing one dose, with its derivation: basis x metric, then modification,
then cap, then rounding (always in that order, so a reduction is never
undone by rounding and rounding never goes past a cap)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import metrics
from .errors import CalculationError
from .formatting import format_amount, format_number, format_percent, round_half_up
from .model import (
    BASIS_UNITS,
    DoseKind,
    DoseLine,
    DoseStep,
    DrugEntry,
    Patient,
    Policy,
    Rounding,
    times_per_day_text,
)
from .patient import GFR_PHYSICAL_ML_MIN, BsaResult, dosing_weight, policy_bsa, require_physical


@dataclass(frozen=True)
class DosingContext:
    """What every dose of one patient under one policy shares: computed once."""

    patient: Patient
    policy: Policy
    bsa: BsaResult
    reductions: dict[str, float]  # drug -> percent reduction

    @classmethod
    def build(
        cls, patient: Patient, policy: Policy, reductions: dict[str, float] | None = None
    ) -> DosingContext:
        return cls(patient, policy, policy_bsa(patient, policy), dict(reductions or {}))


def _metric(
    entry: DrugEntry, step: DoseStep, ctx: DosingContext
) -> tuple[float, str, float | None, str, list[str]]:
    """Calculated dose in mg, with the metric used and the derivation lines."""
    from .units import Q

    patient, policy = ctx.patient, ctx.policy
    per_unit = format_amount(step.per_unit, BASIS_UNITS[entry.basis], 4)
    if entry.basis == "bsa":
        mg = (step.amount * Q(ctx.bsa.value_m2, "m**2")).to("mg").magnitude
        lines = [
            ctx.bsa.derivation(patient),
            f"{per_unit} × {format_number(ctx.bsa.value_m2, 4)} m² = {format_number(mg, 2)} mg",
        ]
        if ctx.bsa.capped:
            # A BSA cap must show what it takes off (clinical reference 2.1).
            uncapped_m2 = ctx.bsa.uncapped_m2
            full = step.per_unit * uncapped_m2
            lines.append(
                f"BSA cap: {format_number(mg, 2)} mg instead of {format_number(full, 2)} mg on the uncapped "
                f"{format_number(uncapped_m2, 4)} m² ({format_percent((mg - full) / full * 100, 0)})"
            )
        return mg, "BSA", ctx.bsa.value_m2, "m2", lines
    if entry.basis == "weight":
        weight, how = dosing_weight(patient, policy.dosing_weight, policy.adjusted_weight_factor)
        mg = (step.amount * Q(weight, "kg")).to("mg").magnitude
        return (
            mg,
            "weight",
            weight,
            "kg",
            [
                f"dosing weight: {how} (policy: {policy.dosing_weight})",
                f"{per_unit} × {format_number(weight, 2)} kg = {format_number(mg, 2)} mg",
            ],
        )
    if entry.basis == "flat":
        mg = step.amount.to("mg").magnitude
        return mg, "", None, "", ["flat dose, independent of body size"]
    return _carboplatin(step, ctx)


def _kidney_method(patient: Patient, policy: Policy) -> str:
    """The policy's first kidney-function method whose inputs are given."""
    methods = policy.kidney_function
    if patient.measured_gfr_ml_min is not None and "measured" not in methods:
        raise CalculationError(
            f"--gfr: policy {policy.id} does not take a measured GFR (its kidney function: "
            f"{policy.kidney_function_text()}); use a policy whose kidney_function lists 'measured'"
        )
    for method in methods:
        if method == "measured" and patient.measured_gfr_ml_min is None:
            continue
        return method
    raise CalculationError(f"policy {policy.id} names no kidney-function method for carboplatin")


def _carboplatin(
    step: DoseStep, ctx: DosingContext
) -> tuple[float, str, float | None, str, list[str]]:
    from .units import Q

    patient, policy = ctx.patient, ctx.policy
    method = _kidney_method(patient, policy)
    lines = [f"kidney function: {method} (policy {policy.id}: {policy.kidney_function_text()})"]
    if method == "measured":
        gfr = patient.measured_gfr_ml_min or 0.0
        lines.append(f"GFR measured: {format_number(gfr, 1)} mL/min (given with --gfr)")
        uncapped = gfr
    else:
        needs = "Cockcroft-Gault" if method == "cockcroft-gault" else "CKD-EPI 2021"
        missing = [
            name
            for name, value in (
                ("--sex", patient.sex),
                ("--age", patient.age_years),
                ("--scr", patient.scr_mg_dl),
            )
            if value is None
        ]
        if missing:
            also = " (or --gfr)" if "measured" in policy.kidney_function else ""
            raise CalculationError(
                f"an AUC (carboplatin) dose needs {', '.join(missing)} for {needs}{also}"
            )
        age, sex, scr = patient.age_years or 0.0, patient.sex or "", patient.scr_mg_dl or 0.0
        if method == "ckd-epi-2021":
            uncapped = _ckd_epi_lines(age, sex, scr, ctx, lines)
        else:
            if policy.minimum_scr_mg_dl and scr < policy.minimum_scr_mg_dl:
                lines.append(
                    f"SCr {format_number(scr, 2)} mg/dL raised to the policy minimum {format_number(policy.minimum_scr_mg_dl, 2)} mg/dL"
                )
                scr = policy.minimum_scr_mg_dl
            weight, how = dosing_weight(patient, policy.crcl_weight, policy.adjusted_weight_factor)
            uncapped = metrics.cockcroft_gault(age, weight, scr, sex)
            lines.append(
                f"CrCl (Cockcroft-Gault) = (140 − {format_number(age)}) × {format_number(weight, 1)} kg / (72 × {format_number(scr, 2)})"
                f"{' × 0.85' if sex == 'female' else ''} = {format_number(uncapped, 1)} mL/min; {how}"
            )
    gfr = uncapped
    if policy.gfr_cap_ml_min is not None and uncapped > policy.gfr_cap_ml_min:
        gfr = policy.gfr_cap_ml_min
        lines.append(f"GFR capped at {format_number(gfr)} mL/min by policy (FDA/NCCN)")
    elif policy.gfr_cap_ml_min is None:
        lines.append(f"GFR not capped (policy {policy.id}; ADDIKD, for {method} kidney function)")
    if not (math.isfinite(gfr) and gfr > 0):
        raise CalculationError(
            f"kidney function {format_number(gfr, 1)} mL/min is not a positive number: check --age, --weight and --scr"
        )
    require_physical(
        gfr,
        GFR_PHYSICAL_ML_MIN,
        "GFR",
        "mL/min",
        "check --age, --weight and --scr, or use a policy that caps the GFR",
        above_zero=True,
    )
    mg = (step.amount * (Q(gfr, "mL/min") + Q(25, "mL/min"))).to("mg").magnitude
    lines.append(
        f"Calvert: AUC {format_number(step.per_unit)} × ({format_number(gfr, 1)} + 25) = {format_number(mg, 2)} mg"
    )
    return mg, "GFR", gfr, "mL/min", lines


def _ckd_epi_lines(age: float, sex: str, scr: float, ctx: DosingContext, lines: list[str]) -> float:
    """CKD-EPI 2021 eGFR, de-indexed to mL/min by the policy BSA before any BSA
    cap (a cap is a dosing choice, not the patient's body size)."""
    female = sex == "female"
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    indexed = metrics.ckd_epi_2021(age, scr, sex)
    lines.append(
        f"eGFR (CKD-EPI 2021, race-free) = 142 × min({format_number(scr, 2)}/{format_number(kappa)}, 1)^{format_number(alpha, 3)}"
        f" × max({format_number(scr, 2)}/{format_number(kappa)}, 1)^-1.2 × 0.9938^{format_number(age)}"
        f"{' × 1.012' if female else ''} = {format_number(indexed, 1)} mL/min/1.73 m²"
    )
    bsa = ctx.bsa.uncapped_m2
    absolute = metrics.deindex_gfr(indexed, bsa)
    lines.append(
        f"de-indexed: {format_number(indexed, 1)} × {format_number(bsa, 4)} m² ({ctx.bsa.formula} BSA, before any cap) / 1.73"
        f" = {format_number(absolute, 1)} mL/min"
    )
    return absolute


def require_dose(mg: float, what: str) -> None:
    """The engine's last guard: a dose (or a total) that is zero, negative
    or not a finite number is an error, never a printed result."""
    if not (math.isfinite(mg) and mg > 0):
        raise CalculationError(
            f"{what} would be {format_number(mg, 2)} mg, which is not a dose: check the patient's values and the regimen"
        )


def _nearest_multiple(value: float, step: float) -> int:
    """How many ``step``s are nearest to ``value``, half-up, in decimal: with
    floats 2.65 / 0.1 is 26.4999..., which would round 2.65 mg down to 2.6."""
    ratio = Decimal(repr(float(value))) / Decimal(repr(float(step)))
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nearest_tablets(
    mg: float, strengths_mg: tuple[float, ...], cap_mg: float | None = None
) -> tuple[float, tuple[tuple[int, float], ...]] | None:
    """The tablet combination nearest to ``mg``: (total, ((count, strength), ...)),
    largest strength first, or None when no combination of at least one tablet
    stays within ``cap_mg``.

    Each total is made the way the Xeloda BSA table makes it, with the fewest
    tablets: fewer of each strength than would add up to the next larger one
    (150 mg tablets total less than 500 mg, so 1,650 mg is 3 x 500 + 1 x 150,
    and 1,700 mg, which only 1 x 500 + 8 x 150 gives, is not offered). A tie
    between a lower and a higher total goes to the lower dose.
    """
    strengths = sorted(set(strengths_mg), reverse=True)
    largest = strengths[0]
    # The smaller tablets of a combination add up to less than one of the
    # largest, so the nearest total has floor(target / largest) or one more
    # of them (one fewer when the cap intervenes): three counts to try, not
    # every count up to the dose.
    whole = int(min(mg, cap_mg if cap_mg is not None else mg) / largest)
    ranges = [range(max(0, whole - 1), whole + 2)] + [
        range(0, math.ceil(larger / smaller))
        for larger, smaller in zip(strengths, strengths[1:], strict=False)
    ]
    best: tuple[float, float, int, tuple[int, ...]] | None = None

    def combinations(level: int) -> list[tuple[int, ...]]:
        if level == len(ranges):
            return [()]
        return [(n, *rest) for n in ranges[level] for rest in combinations(level + 1)]

    for counts in combinations(0):
        total = sum(n * s for n, s in zip(counts, strengths, strict=True))
        if total <= 0 or (cap_mg is not None and total > cap_mg + 1e-9):
            continue
        key = (abs(total - mg), total, sum(counts), counts)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    total = best[1]
    used = tuple((n, s) for n, s in zip(best[3], strengths, strict=True) if n)
    return total, used


def tablets_text(used: tuple[tuple[int, float], ...]) -> str:
    """((3, 500), (1, 150)) -> "3 × 500 mg + 1 × 150 mg"."""
    return " + ".join(f"{n} × {format_amount(s, 'mg')}" for n, s in used)


def round_dose(
    mg: float,
    rounding: Rounding,
    cap_mg: float | None,
    vials_mg: tuple[float, ...] = (),
    tablets_mg: tuple[float, ...] = (),
) -> tuple[float, str]:
    """Round a dose by the policy; returns the final dose and what was done.

    Never rounds past ``cap_mg`` and never changes the dose by more than the
    policy's tolerance (the dose is then kept as it is, and the note says why).
    An oral drug with tablet strengths (drug reference ``tablets``) is rounded
    to the nearest tablet combination whatever the policy's method: a dose
    that cannot be dispensed is not a dose.
    """
    if mg <= 0:
        return mg, "not rounded (policy)"
    tolerance = rounding.tolerance_pct

    def change(value: float) -> float:
        return abs(value - mg) / mg * 100

    if tablets_mg:
        strengths = " and ".join(format_amount(s, "mg") for s in sorted(tablets_mg))
        found = nearest_tablets(mg, tablets_mg, cap_mg)
        if found is not None and change(found[0]) <= tolerance:
            total, used = found
            return (
                total,
                f"rounded to {strengths} tablets: {format_amount(mg, 'mg')} → {format_amount(total, 'mg')} = "
                f"{tablets_text(used)} ({format_percent((total - mg) / mg * 100)}, within {format_number(tolerance)}%)",
            )
        nearest = (
            f"the nearest, {format_amount(found[0], 'mg')} = {tablets_text(found[1])}, changes it by "
            f"{format_percent((found[0] - mg) / mg * 100)}"
            if found is not None
            else "no combination stays under the cap"
        )
        return (
            mg,
            f"NOT A TABLET DOSE: no combination of {strengths} tablets within {format_number(tolerance)}% "
            f"({nearest}); the prescriber must choose the dose",
        )
    if rounding.method == "none":
        return mg, "not rounded (policy)"

    if rounding.method == "vial" and vials_mg:
        vial = min(vials_mg)
        count = _nearest_multiple(mg, vial)
        candidate = count * vial
        if count > 0 and change(candidate) <= tolerance and (cap_mg is None or candidate <= cap_mg):
            return (
                candidate,
                f"rounded to {count} × {format_number(vial)} mg vials ({format_percent((candidate - mg) / mg * 100)}, within {format_number(tolerance)}%)",
            )
    increment = rounding.small_increment_mg if mg < 10 else rounding.increment_mg
    candidate = _nearest_multiple(mg, increment) * increment
    if cap_mg is not None and candidate > cap_mg:
        candidate = math.floor(cap_mg / increment + 1e-9) * increment
    candidate = float(round_half_up(candidate, 4))
    if change(candidate) > tolerance:
        return (
            mg,
            f"not rounded: the nearest {format_number(increment)} mg would change the dose by more than {format_number(tolerance)}%",
        )
    if abs(candidate - mg) < 1e-9:
        return candidate, f"no rounding needed (nearest {format_number(increment)} mg)"
    return candidate, f"rounded to the nearest {format_number(increment)} mg"


def compute_dose(
    entry: DrugEntry,
    step: DoseStep,
    kind: DoseKind,
    ctx: DosingContext,
    *,
    phase: str,
    cycle: int | None,
    day: int | None,
    cycles_text: str = "",
    reason: str | None = None,
    vials_mg: tuple[float, ...] = (),
    tablets_mg: tuple[float, ...] = (),
) -> DoseLine:
    """One dose line for ``entry`` at ``step``, with its full derivation."""
    calculated, metric_name, metric_value, metric_unit, lines = _metric(entry, step, ctx)
    reduction = ctx.reductions.get(entry.drug, 0.0)
    modified = calculated * (1 - reduction / 100)
    if reduction:
        lines.append(
            f"reduced by {format_number(reduction)}%: {format_number(calculated, 2)} mg → {format_number(modified, 2)} mg"
        )
    cap = entry.max_dose_mg
    capped = cap is not None and modified > cap
    after_cap = min(modified, cap) if cap is not None else modified
    if capped:
        lines.append(f"capped at the regimen's maximum of {format_amount(cap or 0, 'mg')} per dose")
        if reduction:
            # Modification comes before the cap (documented order), so a
            # reduction of a dose far above its cap changes nothing: say so,
            # as the prescriber may have meant a reduction of the capped dose.
            lines.append(
                f"check: the cap absorbs the {format_number(reduction)}% reduction; reducing the capped dose instead "
                f"would give {format_amount((cap or 0) * (1 - reduction / 100), 'mg')}"
            )
    final, rounding_note = round_dose(after_cap, ctx.policy.rounding, cap, vials_mg, tablets_mg)
    lines.append(f"{rounding_note}: {format_amount(final, 'mg')}")
    require_dose(calculated, f"{entry.drug} calculated dose")
    require_dose(final, f"{entry.drug} dose")
    if entry.times_per_day > 1:
        # The regimen's per-unit dose is per administration (capecitabine
        # 1000 mg/m2 twice daily): say so, and give the daily total.
        lines.append(
            f"given {times_per_day_text(entry.times_per_day)}: {format_amount(final, 'mg')} per dose, "
            f"{format_amount(final * entry.times_per_day, 'mg')} a day"
        )
    infusion = step.infusion
    return DoseLine(
        phase=phase,
        cycle=cycle,
        day=day,
        cycles_text=cycles_text,
        drug=entry.drug,
        route=entry.route,
        kind=kind,
        basis=entry.basis,
        per_unit=step.per_unit,
        per_unit_unit=BASIS_UNITS[entry.basis],
        metric_name=metric_name,
        metric_value=metric_value,
        metric_unit=metric_unit,
        calculated_mg=calculated,
        reduction_pct=reduction,
        modified_mg=modified,
        cap_mg=cap,
        capped=capped,
        final_mg=final,
        rounding_note=rounding_note,
        infusion=f"{format_number(infusion.magnitude)} min" if infusion is not None else None,
        derivation=tuple(lines),
        reason=reason,
        times_per_day=entry.times_per_day,
        caution=entry.caution,
    )
