"""Matching an order file's columns to the fields ``dosecalc verify`` reads.

Column names are compared after lower-casing and turning spaces, hyphens and
dots into underscores, so ``Height (cm)``, ``height-cm`` and ``HEIGHT_CM``
are one name. A unit written in the column name (``height_cm``,
``weight_lb``, ``dose_mg``, ``scr_umol_l``) applies to bare numbers in it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import InputError

#: Field -> the names (normalised) that mean it. The first is the documented one.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "patient", "patientid", "mrn", "pid", "id"),
    "height": ("height", "ht", "taille", "patient_height"),
    "weight": ("weight", "wt", "poids", "body_weight", "patient_weight"),
    "sex": ("sex", "gender", "sexe"),
    "age": ("age", "age_years", "age_y"),
    "scr": ("scr", "creatinine", "serum_creatinine", "creat"),
    "regimen": ("regimen", "protocol", "protocole", "regime"),
    "phase": ("phase",),
    "cycle": ("cycle", "cycle_number", "cycle_no"),
    "day": ("day", "cycle_day", "day_of_cycle"),
    "drug": ("drug", "medication", "medicine", "agent", "molecule", "drug_name"),
    "dose": ("dose", "ordered_dose", "dose_ordered", "prescribed_dose", "order_dose"),
    "dose_unit": ("dose_unit", "unit", "units", "ordered_unit", "dose_units"),
    "date": (
        "date",
        "administration_date",
        "admin_date",
        "date_given",
        "given_on",
        "dose_date",
    ),
    "previous_date": (
        "previous_date",
        "previous_dose_date",
        "prev_date",
        "last_dose_date",
        "previous_administration_date",
        "date_previous_dose",
    ),
    "modification": (
        "modification",
        "dose_modification",
        "modif",
        "reduction",
        "dose_reduction",
    ),
}

#: Unit suffixes a column name may carry, per field, and the unit they mean.
UNIT_SUFFIXES: dict[str, dict[str, str]] = {
    "height": {"cm": "cm", "m": "m", "in": "in", "inch": "in", "inches": "in"},
    "weight": {"kg": "kg", "lb": "lb", "lbs": "lb", "g": "g"},
    "scr": {"mg_dl": "mg/dL", "mgdl": "mg/dL", "umol_l": "umol/L", "umoll": "umol/L"},
    "dose": {"mg": "mg", "g": "g", "mcg": "mcg"},
    "age": {"years": "", "y": ""},
}

REQUIRED = ("height", "weight", "regimen", "drug", "dose")


class ColumnMap(NamedTuple):
    """Which input column feeds each field, and the unit its name carries."""

    columns: dict[str, str]  # field -> input column name
    units: dict[str, str]  # field -> unit from the column name ("" if none)


def normalise(name: str) -> str:
    text = re.sub(r"[\s\-.()/\[\]]+", "_", name.strip().lower())
    return text.strip("_")


def match_columns(names: list[str]) -> ColumnMap:
    """Map the file's column names to fields; raises InputError when a
    required field has no column or two columns claim one field."""
    columns: dict[str, str] = {}
    units: dict[str, str] = {}
    for name in names:
        key = normalise(name)
        field, unit = _field_of(key)
        if field is None:
            continue
        if field in columns:
            raise InputError(
                f"columns '{columns[field]}' and '{name}' both give the {field.replace('_', ' ')}: keep one"
            )
        columns[field] = name
        units[field] = unit
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        wanted = "; ".join(f"{f} ({', '.join(SYNONYMS[f][:3])})" for f in missing)
        raise InputError(f"the order file has no column for {wanted}")
    return ColumnMap(columns, units)


def _field_of(key: str) -> tuple[str | None, str]:
    for field, names in SYNONYMS.items():
        if key in names:
            return field, ""
    for field, suffixes in UNIT_SUFFIXES.items():
        for name in SYNONYMS[field]:
            for suffix, unit in suffixes.items():
                if key == f"{name}_{suffix}":
                    return field, unit
    return None, ""
