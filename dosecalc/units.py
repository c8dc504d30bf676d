"""The project's unit registry, and parsing of typed quantities.

One registry per process, built from ``units.txt`` beside this file (about
2 ms, against 150 ms for Pint's default registry). Unit strings are parsed
here, once, when a value is read; the engine then works with ``Quantity``
objects and ``Unit`` constants only.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import pint

from .errors import UnitError

_DEFINITIONS = Path(__file__).with_name("units.txt")


@cache
def registry() -> pint.UnitRegistry:
    """The one unit registry of dosecalc (built on first use)."""
    return pint.UnitRegistry(
        str(_DEFINITIONS),
        on_redefinition="raise",
        autoconvert_offset_to_baseunit=False,
    )


def Q(value: float, unit: str) -> pint.Quantity:  # noqa: N802 - Pint's own idiom
    """A quantity in the project's registry, from a number and a unit name."""
    return registry().Quantity(value, parse_unit(unit))


# "m2" and "m²" are how people write square metres; Pint needs "m**2".
_SUPERSCRIPTS = {"²": "**2", "³": "**3"}
_POWER_SUFFIX = re.compile(r"(?<=[A-Za-zµ])([23])(?![0-9.])")
_NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_LEADING_NUMBER = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")


def _normalise_unit(text: str) -> str:
    text = text.strip()
    for sup, power in _SUPERSCRIPTS.items():
        text = text.replace(sup, power)
    text = text.replace("·", "*").replace("×", "*")
    return _POWER_SUFFIX.sub(r"**\1", text)


def parse_unit(text: str) -> pint.Unit:
    """Parse a unit name (``mg/m2``, ``mL/min``) or raise UnitError.

    Units are parsed once per distinct text: Pint 0.25 takes about 45 µs to
    parse a unit string, and a regimen repeats the same few units.
    """
    return _parse_unit(text)


@cache
def _parse_unit(text: str) -> pint.Unit:
    try:
        return registry().Unit(_normalise_unit(text))
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        ValueError,
        TypeError,
        AttributeError,
    ) as exc:
        raise UnitError(f"unknown unit '{text}'") from exc
    except Exception as exc:  # Pint's tokenizer raises assorted errors on garbage
        raise UnitError(f"'{text}' is not a unit") from exc


def split_number(text: str) -> tuple[float, str]:
    """Split ``"165 cm"`` into ``(165.0, "cm")``; a decimal comma is accepted.

    Raises UnitError if the text does not start with a number.
    """
    match = _LEADING_NUMBER.match(str(text))
    if not match:
        raise UnitError(f"'{text}' is not a number with a unit")
    number = float(match.group(1).replace(",", "."))
    if not math.isfinite(number):  # "1e400" overflows to infinity
        raise UnitError(f"'{text}' is not a finite number")
    return number, match.group(2)


def parse_quantity(
    text: str | float | int,
    *,
    dimension: str,
    default_unit: str | None = None,
    what: str = "value",
) -> pint.Quantity:
    """Parse a typed quantity such as ``"165 cm"``, ``"5 ft 5 in"`` or ``"62"``.

    ``dimension`` is the dimensionality the value must have (``"[length]"``,
    ``"[mass]"``); a bare number takes ``default_unit``, or is refused when
    there is none. Raises UnitError naming ``what`` on any problem.
    """
    if isinstance(text, bool):
        raise UnitError(f"{what}: {text!r} is not a quantity")
    if isinstance(text, (int, float)):
        number, unit = float(text), ""
        rest = ""
        if not math.isfinite(number):
            raise UnitError(f"{what}: {text!r} is not a finite number")
    else:
        raw = str(text).strip()
        if not raw:
            raise UnitError(f"{what} is empty")
        try:
            number, tail = split_number(raw)
        except UnitError as exc:
            raise UnitError(f"{what} {exc}") from None
        # A compound such as "5 ft 5 in": a unit followed by another number.
        compound = re.match(rf"^([^\d\s]+)\s+({_NUMBER}\s*.+)$", tail)
        if compound:
            unit, rest = compound.group(1), compound.group(2)
        else:
            unit, rest = tail, ""
    if not unit:
        if default_unit is None:
            raise UnitError(f"{what} '{text}' needs a unit")
        unit = default_unit
    quantity = Q(number, unit) if _is_known(unit) else None
    if quantity is None:
        raise UnitError(f"{what} '{text}': unknown unit '{unit}'")
    if not quantity.check(dimension):
        raise UnitError(
            f"{what} '{text}' is in {unit}, which is not a {_DIMENSION_NAMES.get(dimension, dimension)}"
        )
    if rest:
        quantity = quantity + parse_quantity(rest, dimension=dimension, what=what)
    return quantity


def _is_known(unit: str) -> bool:
    try:
        parse_unit(unit)
    except UnitError:
        return False
    return True


_DIMENSION_NAMES = {
    "[length]": "length",
    "[mass]": "mass",
    "[time]": "duration",
    "[mass] / [length] ** 2": "dose per body surface area",
    "[mass] / [volume]": "concentration",
}
