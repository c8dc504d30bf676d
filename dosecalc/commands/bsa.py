"""``dosecalc bsa``: a patient's body surface area by one formula, or by all."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from ..metrics import BSA_FORMULAS, bmi
from ..model import Patient
from ..patient import BsaResult, body_surface_area, make_patient
from .inputs import PatientInput, Typed


@dataclass(frozen=True)
class BsaRequest:
    """What ``dosecalc bsa`` is asked. ``formula`` None: every formula (Schlich
    only when the sex is known)."""

    patient: PatientInput
    _: KW_ONLY
    formula: str | None = "mosteller"
    cap_m2: float | None = None
    decimals: int | None = None


@dataclass(frozen=True)
class BsaReport:
    """``dosecalc bsa``: a patient's BSA by one formula, or by all of them."""

    patient: Patient
    results: list[BsaResult]
    bmi: float


def run(request: BsaRequest) -> BsaReport:
    """BSA by the request's formula (or every formula)."""
    given = request.patient
    patient = make_patient(
        given.height, given.weight, sex=given.sex, accept_implausible=given.accept_implausible
    )
    formula = request.formula
    names = [formula] if formula else [f for f in BSA_FORMULAS if f != "schlich" or patient.sex]
    results = [body_surface_area(patient, name, request.cap_m2, request.decimals) for name in names]
    return BsaReport(patient, results, bmi(patient.height_cm, patient.weight_kg))


def compute_bsa(
    height: Typed,
    weight: Typed,
    *,
    sex: str | None = None,
    formula: str | None = "mosteller",
    cap_m2: float | None = None,
    decimals: int | None = None,
    accept_implausible: bool = False,
) -> BsaReport:
    """BSA by ``formula`` (or every formula when ``formula`` is None)."""
    patient = PatientInput(height, weight, sex, accept_implausible=accept_implausible)
    return run(BsaRequest(patient, formula=formula, cap_m2=cap_m2, decimals=decimals))
