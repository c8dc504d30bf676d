"""Steps shared by the commands: the patient read from a request, vial sizes,
the provenance record of an output, and how ranges of cycles are written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from ..model import Patient, Policy, Regimen
from ..patient import make_patient
from ..provenance import record
from .inputs import SHIPPED, Library, PatientInput

if TYPE_CHECKING:
    from ..drugs import DrugReference

#: A JSON value as recorded in a provenance record.
Json = Any


def resolve_patient(given: PatientInput) -> Patient:
    """A Patient from the values as typed (see :func:`dosecalc.patient.make_patient`)."""
    return make_patient(
        given.height,
        given.weight,
        sex=given.sex,
        age=given.age,
        scr=given.scr,
        accept_implausible=given.accept_implausible,
        gfr=given.gfr,
    )


def drug_vials(
    drug: str, policy: Policy, route: str = "IV", library: Library = SHIPPED
) -> tuple[float, ...]:
    """The drug's vial sizes in mg from the drug reference, when the policy
    rounds to vials and the line is intravenous; () otherwise or if the drug
    has none listed. The listed vials are the IV products: a subcutaneous
    fixed-dose product (Phesgo 1,200 mg pertuzumab) is never made up from
    IV vials (3 x 420 mg = 1,260 mg)."""
    if policy.rounding.method != "vial" or route != "IV":
        return ()
    try:
        return _drug_reference(library).get(drug).vials_mg
    except NotFoundError:
        return ()


def drug_tablets(drug: str, route: str, library: Library = SHIPPED) -> tuple[float, ...]:
    """The drug's tablet strengths in mg from the drug reference for an oral
    line; () for other routes or a drug with none listed."""
    if route != "PO":
        return ()
    try:
        return _drug_reference(library).get(drug).tablets_mg
    except NotFoundError:
        return ()


def _drug_reference(library: Library) -> DrugReference:
    # Imported here: most doses need no vial or tablet sizes, and a dose read
    # from cached data files then never loads the drug reference's reader.
    from ..drugs import load_drug_reference

    return load_drug_reference(library.drug_reference)


def given_value(value: object) -> Json:
    """An input as typed, for the provenance record (JSON-safe: text, numbers,
    lists and mappings as they are; anything else as text)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [given_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): given_value(item) for key, item in value.items()}
    return str(value)


def given_inputs(arguments: Mapping[str, object]) -> dict[str, Json]:
    """Every input of a dose or calendar request, as given, in the order of
    the keyword API: ``reproduce`` calls it again with them."""
    return {name: given_value(value) for name, value in arguments.items()}


def exact(value: float | None) -> float | int | None:
    """A number as interpreted, unrounded, and whole numbers without ".0"
    (ISMP: "62", never "62.0")."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def patient_inputs(patient: Patient) -> dict[str, Json]:
    """A patient's measurements as interpreted, unrounded (provenance)."""
    return {
        "height_cm": exact(patient.height_cm),
        "weight_kg": exact(patient.weight_kg),
        "sex": patient.sex,
        "age_years": exact(patient.age_years),
        "scr_mg_dl": exact(patient.scr_mg_dl),
        "measured_gfr_ml_min": exact(patient.measured_gfr_ml_min),
        "overrides": list(patient.overrides),
    }


def provenance_record(
    command: str,
    reg: Regimen,
    pol: Policy,
    given: dict[str, Json],
    interpreted: dict[str, Json],
    library: Library = SHIPPED,
) -> dict[str, Json]:
    """The provenance record of one output (:func:`dosecalc.provenance.record`)."""
    return record(command, reg, pol, given, interpreted, library.drug_reference)


def compress(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3, 5"."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
