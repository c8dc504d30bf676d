"""Printing numbers and doses the ISMP way.

ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021):
never a trailing zero ("1.0 mg" is read as 10 mg), always a leading zero
(".5 mg" is read as 5 mg), a space between number and unit ("8mg" invites
misreading), thousands separated by commas, "mcg" not "µg", "mL" not "cc".
Rounding is half-up in decimal, never Python's banker's rounding
(``round(152.5) == 152``).

This module has no third-party imports: the CLI uses it before Pint loads.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# How each unit is printed: the engine's names on the left, ISMP-safe text on the right.
UNIT_LABELS = {
    "mg": "mg",
    "g": "g",
    "mcg": "mcg",
    "kg": "kg",
    "cm": "cm",
    "m2": "m²",
    "mg/m2": "mg/m²",
    "mg/kg": "mg/kg",
    "AUC": "mg/mL·min",
    "mL/min": "mL/min",
    "mg/dL": "mg/dL",
    "umol/L": "micromol/L",
    "kg/m2": "kg/m²",
    "%": "%",
}


def round_half_up(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places, as a Decimal."""
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def format_number(value: float, decimals: int = 2) -> str:
    """``value`` rounded half-up, with a leading zero, no trailing zero, and
    thousands separators: 1.0 -> "1", 0.5 -> "0.5", 12500 -> "12,500".

    Only error messages meet values beyond 10^15 or not finite (a height of
    1e308 refused as such): those are printed as "1e+308", "inf", "nan".
    """
    if not math.isfinite(value) or abs(value) >= 1e15:
        return f"{value:.4g}"
    rounded = round_half_up(value, decimals)
    if rounded == 0:
        rounded = Decimal(0)  # no "-0"
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def dose_decimals(value: float) -> int:
    """Decimals worth printing for a dose in mg: 0.1 mg above 1 mg, 0.01 mg below."""
    return 1 if abs(value) >= 1 else 2


def format_amount(value: float, unit: str, decimals: int | None = None) -> str:
    """A number and its unit, ISMP style: ``format_amount(126.40, "mg") == "126.4 mg"``."""
    if decimals is None:
        decimals = dose_decimals(value)
    if unit == "AUC":  # carboplatin targets are written "AUC 6" (mg/mL·min)
        return f"AUC {format_number(value, decimals)}"
    return f"{format_number(value, decimals)} {UNIT_LABELS.get(unit, unit)}"


def format_percent(value: float, decimals: int = 1, signed: bool = True) -> str:
    """A percentage: ``-9.27 -> "-9.3%"``, ``0 -> "0%"``."""
    text = format_number(value, decimals)
    if signed and not text.startswith("-") and text != "0":
        text = "+" + text
    return f"{text}%"
