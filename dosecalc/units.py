"""The project's unit registry, and parsing of typed quantities.

One registry per process, built from ``units.txt`` beside this file (about
2 ms, against 150 ms for Pint's default registry). Unit strings are parsed
here, once, when a value is read; the engine then works with ``Quantity``
objects and ``Unit`` constants only.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pint

from .errors import AmbiguousNumberError, UnitError

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
_NUMBER = r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
# The unit is runs of non-blanks joined by blanks (never a line break), then
# trailing blanks: written this way, with possessive repeats, so a run of
# spaces inside the text ("75 mg      x") costs linear time; the lazy
# "(.*?)\s*$" it replaces retried the run at every character (50,000 spaces
# took 14 s).
_LEADING_NUMBER = re.compile(rf"^\s*+({_NUMBER})\s*+(\S*+(?:[^\S\n]++\S++)*+)\s*+$")
# A comma followed by exactly three digits (and no more) is a thousands
# separator in English and a decimal comma in French: "1,200" is 1200 or 1.2.
_AMBIGUOUS_COMMA = re.compile(r"^[-+]?([1-9][0-9]{0,2}),([0-9]{3})(?![0-9])")
# What a unit may be written with: letters, micro signs, powers, products and
# quotients. Anything else ("kg#junk", "mg/m2!!") is debris, never ignored:
# Pint would read "#" as the start of a comment.
_UNIT_CHARACTERS = re.compile(r"[A-Za-zµ0-9²³·×*/^()\s]*")
#: The compound quantities people write, larger unit first: "5 ft 5 in".
#: Each maps to how many of the smaller unit make one of the larger.
COMPOUND_UNITS = {("foot", "inch"): 12}


def normalise_digits(text: str) -> str:
    """Every decimal digit (full-width "１", Arabic-Indic "١", ...) as its
    ASCII digit, and the micro sign spelled one way: the same value typed
    from any keyboard reads the same."""
    out = []
    for char in text:
        if char.isdigit() and not char.isascii() and unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif char == "μ":  # GREEK SMALL LETTER MU, typed for the micro sign U+00B5
            out.append("µ")
        else:
            out.append(char)
    return "".join(out)


def _normalise_unit(text: str) -> str:
    text = normalise_digits(text).strip()
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
    if not _UNIT_CHARACTERS.fullmatch(normalise_digits(text)):
        raise UnitError(f"'{text}' is not a unit (unexpected characters)")
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

    Raises UnitError if the text does not start with a number, or starts
    with a comma followed by exactly three digits ("1,200"), which reads as
    1200 in English and 1.2 in French: both readings are named.
    """
    normal = normalise_digits(str(text))
    match = _LEADING_NUMBER.match(normal)
    if not match:
        raise UnitError(f"'{text}' is not a number with a unit")
    ambiguous = _AMBIGUOUS_COMMA.match(match.group(1))
    if ambiguous:
        whole, part = ambiguous.groups()
        decimal = f"{whole}.{part}".rstrip("0").rstrip(".")
        raise AmbiguousNumberError(
            f"'{text}' is ambiguous: '{whole},{part}' is {whole}{part} with a thousands comma "
            f"or {decimal} with a decimal comma; write {whole}{part} or {decimal}"
        )
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
            raise type(exc)(f"{what} {exc}") from None
        # A compound such as "5 ft 5 in": a unit followed by another number.
        compound = re.match(rf"^([^0-9\s]+)\s+({_NUMBER}\s*.+)$", tail)
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
        quantity = _add_compound(quantity, rest, text, dimension, what)
    if not math.isfinite(float(quantity.magnitude)):
        raise UnitError(f"{what} '{text}' is not a finite number")
    return quantity


def _add_compound(
    quantity: pint.Quantity, rest: str, text: Any, dimension: str, what: str
) -> pint.Quantity:
    """``5 ft`` + ``5 in``: only the documented pairs (COMPOUND_UNITS), the
    smaller part a whole-unit remainder; "165 cm 5 in" or "62 kg 5 lb" is
    refused, never summed."""
    one_quantity = UnitError(
        f"{what} '{text}': write one quantity ('165 cm'); only forms such as '5 ft 5 in' are added up"
    )
    if re.match(rf"^{_NUMBER}\s*[^0-9\s]+\s+[-+.,0-9]", normalise_digits(rest)):
        raise one_quantity  # a third part: "5 ft 5 in 3 cm"
    try:
        small = parse_quantity(rest, dimension=dimension, what=what)
    except UnitError as exc:  # name the whole value, not only its second part
        raise type(exc)(str(exc).replace(f"{what} '{rest}'", f"{what} '{text}'", 1)) from None
    pair = (str(quantity.units), str(small.units))
    per = COMPOUND_UNITS.get(pair)
    if per is None:
        raise one_quantity
    if quantity.magnitude < 0 or small.magnitude < 0 or small.magnitude >= per:
        raise UnitError(
            f"{what} '{text}': the {pair[1]}es of a {pair[0]}-and-{pair[1]} value run from 0 to under {per}"
        )
    return quantity + small


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
