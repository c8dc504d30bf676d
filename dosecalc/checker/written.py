"""Doses as written in notes and orders: "75mg/m2", "8mg(mg/kg)", "4/0.5 g".

``parse_written_dose`` reads one dose expression and says exactly what it
understood: the amount(s) as Pint quantities, the dosing basis (per m², per
kg, flat, AUC), an attached frequency ("40mg/8h") and route ("20 mg i.v/6
heures"). It never guesses between two readings: "8mg(mg/kg)" is returned
as ambiguous with both readings, and so is "1,500 mg" (a French decimal
comma, or an English thousands separator). It never raises on user text;
what it cannot read comes back with ``understood=False`` and the reason.

ISMP (List of Error-Prone Abbreviations, Symbols, and Dose Designations,
2021) hazards in the writing itself are reported in ``WrittenDose.ismp``:
``run_together`` ("8mg": the unit's m can be read as zeros), ``trailing_zero``
("1.0 mg" read as 10 mg), ``naked_decimal`` (".5 mg" read as 5 mg) and
``microgram_symbol`` ("µg" read as mg; write mcg).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..textfold import fold
from ..units import Q
from ..vocabulary import Frequency, find_frequencies

__all__ = [
    "DoseReading",
    "WrittenDose",
    "comma_readings",
    "find_doses",
    "parse_written_dose",
    "with_comma_read",
]

#: ISMP codes a written dose can carry, with the message for each.
ISMP_MESSAGES = {
    "run_together": "number and unit are written without a space (ISMP: '8mg' can be misread); write '8 mg'",
    "trailing_zero": "trailing zero (ISMP: '1.0 mg' is read as 10 mg); write '1 mg'",
    "naked_decimal": "no leading zero (ISMP: '.5 mg' is read as 5 mg); write '0.5 mg'",
    "microgram_symbol": "'µg' is mistaken for mg (ISMP); write 'mcg'",
}

_UNIT_OF_BASIS = {"bsa": "m**2", "weight": "kg"}


@dataclass(frozen=True)
class DoseReading:
    """One way to read a written dose.

    ``amounts`` has one quantity, or one per component of a fixed
    combination ("4/0.5 g" is 4 g and 0.5 g). ``basis`` is ``bsa`` (per m²),
    ``weight`` (per kg), ``flat`` or ``auc`` (mg/mL·min, carboplatin).
    """

    amounts: tuple[Any, ...]
    basis: str
    unit: str  # the unit as the engine writes it: "mg/m2", "mg/kg", "g", "AUC"
    units_each: bool = False  # a combination with a unit on every component ("4 g/0.5 g")

    @property
    def is_combination(self) -> bool:
        return len(self.amounts) > 1

    @property
    def total(self) -> Any:
        """The sum of the components (the amount itself when there is one)."""
        total = self.amounts[0]
        for amount in self.amounts[1:]:
            total = total + amount
        return total


@dataclass(frozen=True)
class WrittenDose:
    """What a written dose says, and how sure the reading is.

    ``readings`` is empty when the text was not understood, has one entry
    when it is clear, and several when it is ambiguous (``ambiguous``);
    readings are in the order they were written. ``amount``, ``amounts`` and
    ``basis`` are only given for an unambiguous reading, so an ambiguous dose
    can never be used by accident.
    """

    text: str
    understood: bool
    readings: tuple[DoseReading, ...] = ()
    frequency: Frequency | None = None
    route: str | None = None  # "IV", "PO", "SC", "IM" when written with the dose
    run_together: bool = False
    ismp: tuple[str, ...] = ()
    problem: str | None = None  # why it was not understood, or why it is ambiguous
    leftover: str = ""  # words beside the dose that were not read

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1

    @property
    def reading(self) -> DoseReading | None:
        """The one reading, or None when not understood or ambiguous."""
        return self.readings[0] if len(self.readings) == 1 else None

    @property
    def amounts(self) -> tuple[Any, ...]:
        """The amount(s) of the one reading; () when not understood or ambiguous."""
        return self.reading.amounts if self.reading else ()

    @property
    def amount(self) -> Any | None:
        """The single amount (not for combinations, not when ambiguous)."""
        reading = self.reading
        return reading.amounts[0] if reading and not reading.is_combination else None

    @property
    def basis(self) -> str | None:
        return self.reading.basis if self.reading else None

    @property
    def is_combination(self) -> bool:
        return bool(self.reading and self.reading.is_combination)


# --- patterns (on fold(text)) -----------------------------------------------

# A number; "1_250" is "1 250" with its thousands space marked by find_doses.
_NUM = r"(?<![\d.,_])(?:\d{1,3}(?:_\d{3})++(?:[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)(?![\d_])"
_MASS = (
    r"(?:milligrammes?|milligrams?|microgrammes?|micrograms?|grammes?|grams?|mcg|µg|μg|ug|mg|gm|g)"
)
_NOT_CONCENTRATION = r"(?!\s*+/\s*+(?:d?l|ml|dl|litre|liter)(?![a-z]))"
_PER = r"(?:\s*+/\s*+|\s++(?:per|par)\s++)(?P<per>m2|m\*\*2|m\^2|m 2|kg)(?![a-z0-9])"
_ALT = r"\s*+\(\s*+(?P<alt_unit>" + _MASS + r")(?:\s*+/\s*+(?P<alt_per>m2|m\*\*2|kg))?\s*+\)"

_SIMPLE = re.compile(
    rf"(?P<num>{_NUM})(?P<gap>\s*+)(?P<unit>{_MASS})(?![a-z]){_NOT_CONCENTRATION}(?:{_PER})?(?:{_ALT})?"
)
_PAREN_ONLY = re.compile(
    rf"(?P<num>{_NUM})\s*+\(\s*+(?P<unit>{_MASS})(?:\s*+/\s*+(?P<per>m2|m\*\*2|kg))?\s*+\)"
)
_COMBINATION = re.compile(
    rf"(?P<num1>{_NUM})\s*+(?P<unit1>{_MASS})?(?![a-z])\s*+/\s*+(?P<num2>{_NUM})(?P<gap>\s*+)(?P<unit>{_MASS})(?![a-z])"
    rf"{_NOT_CONCENTRATION}(?:{_PER})?"
)
# "AUC 6", "AUC = 5", "area under the curve (AUC) of 6 mg/mL/min", "aire sous
# la courbe cible de 5", "area under the concentration-time curve of 5".
_AUC = re.compile(
    r"(?<![a-z])(?:auc|(?:area under the (?:concentration[- ]time )?curve|aire sous la courbe)"
    r"(?:\s*+\(\s*+auc\s*+\))?)"
    rf"\s*+(?:=|:|de|of|cible|target)?\s*+(?:de\s++|of\s++)?(?P<num>{_NUM})"
    r"(?:\s*+mg\s*+/\s*+ml\s*+(?:[.·*x×/]\s*+)?min|\s*+mg\s*+[.·*]\s*+min\s*+/\s*+ml)?(?![a-z])"
)

_ROUTES = [
    ("IV", r"intraveineuse|intravenous(?:ly)?|i\.?v\.?[dl]?\.?|ivd|ivl|iv"),
    ("PO", r"per\s++os|by\s++mouth|orale?|oral(?:ly)?|p\.?o\.?"),
    ("SC", r"sous[- ]cutanee?|subcutaneous(?:ly)?|subcut|s\.?c\.?|s\.?q\.?"),
    ("IM", r"intramusculaire|intramuscular(?:ly)?|i\.?m\.?"),
]
_ROUTE = re.compile(
    r"\s*+(?:en\s++|par\s++voie\s++|voie\s++|by\s++)?(?:"
    + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _ROUTES)
    + r")(?![a-z])"
)

_MASS_UNITS = {"mg": "mg", "g": "g", "gm": "g", "mcg": "mcg", "ug": "mcg", "µg": "mcg", "μg": "mcg"}
_PER_UNITS = {"m2": "bsa", "m**2": "bsa", "m^2": "bsa", "m 2": "bsa", "kg": "weight"}
# "mg/m" with its ² lost, or "mg/m(2)": a unit that cannot be read whole.
# It is never read as a flat dose (75 mg for 75 mg/m² is a 1.8-fold error).
_BROKEN_AREA = re.compile(r"[ \t]?/[ \t]?m(?:\(2\)|[ \t]?\([ \t]?2[ \t]?\)|(?![a-z0-9*^]))")


def _mass_unit(word: str) -> str:
    word = word.strip()
    if word in _MASS_UNITS:
        return _MASS_UNITS[word]
    if word.startswith("milligram"):
        return "mg"
    if word.startswith("microgram"):
        return "mcg"
    return "g"


def _numbers(text: str) -> tuple[list[float], str | None]:
    """The readings of a written number: one, or two for "1,500" (decimal
    comma or thousands separator), with the reason it is ambiguous."""
    if "_" in text:  # "1 250": the space separates thousands
        return [float(text.replace("_", "").replace(",", "."))], None
    if re.fullmatch(r"\d{1,3},\d{3}", text):
        decimal, thousands = float(text.replace(",", ".")), float(text.replace(",", ""))
        return [decimal, thousands], (
            f"'{text}' can be a decimal comma ({decimal:g}) or a thousands separator ({thousands:g})"
        )
    return [float(text.replace(",", "."))], None


# A comma before exactly three digits, the one thing "1,250 mg/m2" leaves open.
_COMMA_GROUP = re.compile(r"(?<![\d.,])\d{1,3},\d{3}(?![\d.,])")


def comma_readings(dose: WrittenDose) -> tuple[DoseReading, DoseReading] | None:
    """(decimal reading, thousands reading) of a dose whose only doubt is a
    comma before three digits ("1,250 mg/m2": 1.25 or 1250); None otherwise
    (a dose with two units, or a combination, is not settled by a language)."""
    if len(dose.readings) != 2 or len(_COMMA_GROUP.findall(dose.text)) != 1:
        return None
    decimal, thousands = dose.readings
    if decimal.unit != thousands.unit or decimal.is_combination or thousands.is_combination:
        return None
    return decimal, thousands


def with_comma_read(dose: WrittenDose, thousands: bool) -> str:
    """The dose's text with its "1,250" written as the reading chosen
    ("1250 mg/m2" or "1.25 mg/m2"), so that nothing downstream reads it again."""
    match = _COMMA_GROUP.search(dose.text)
    if match is None:
        return dose.text
    number = match.group(0)
    value = (
        number.replace(",", "") if thousands else number.replace(",", ".").rstrip("0").rstrip(".")
    )
    return dose.text[: match.start()] + value + dose.text[match.end() :]


def _number_flags(text: str) -> list[str]:
    flags = []
    if re.fullmatch(r"\d+[.,]0+", text):
        flags.append("trailing_zero")
    if text[:1] in ".,":
        flags.append("naked_decimal")
    return flags


def _quantity(value: float, mass: str, basis: str) -> Any:
    per = _UNIT_OF_BASIS.get(basis)
    return Q(value, f"{mass}/{per}" if per else mass)


def _unit_label(mass: str, basis: str) -> str:
    return {"bsa": f"{mass}/m2", "weight": f"{mass}/kg"}.get(basis, mass)


def _core_at(
    folded: str, start: int
) -> tuple[int, list[DoseReading], list[str], str | None] | None:
    """Parse the dose core that starts exactly at ``start``: end, readings,
    ISMP flags, ambiguity reason."""
    best: tuple[int, list[DoseReading], list[str], str | None] | None = None
    match = _AUC.match(folded, start)
    if match:
        values, why = _numbers(match.group("num"))
        readings = [DoseReading((Q(v, "mg*min/mL"),), "auc", "AUC") for v in values]
        best = (match.end(), readings, _number_flags(match.group("num")), why)
    match = _COMBINATION.match(folded, start)
    if match and (best is None or match.end() > best[0]):
        mass = _mass_unit(match.group("unit"))
        basis = _PER_UNITS.get(match.group("per") or "", "flat")
        first_mass = _mass_unit(match.group("unit1")) if match.group("unit1") else mass
        first_values, why1 = _numbers(match.group("num1"))
        second_values, why2 = _numbers(match.group("num2"))
        readings = [
            DoseReading(
                (_quantity(a, first_mass, basis), _quantity(b, mass, basis)),
                basis,
                _unit_label(mass, basis),
                bool(match.group("unit1")),
            )
            for a in first_values
            for b in second_values
        ]
        flags = _number_flags(match.group("num1")) + _number_flags(match.group("num2"))
        if not match.group("gap"):
            flags.append("run_together")
        if match.group("unit") in ("ug", "µg", "μg"):
            flags.append("microgram_symbol")
        best = (match.end(), readings, flags, why1 or why2)
    match = _SIMPLE.match(folded, start)
    if match and (best is None or match.end() > best[0]):
        best = _simple(match)
    match = _PAREN_ONLY.match(folded, start)
    if match and (best is None or match.end() > best[0]):
        mass = _mass_unit(match.group("unit"))
        basis = _PER_UNITS.get(match.group("per") or "", "flat")
        values, why = _numbers(match.group("num"))
        readings = [
            DoseReading((_quantity(v, mass, basis),), basis, _unit_label(mass, basis))
            for v in values
        ]
        best = (match.end(), readings, _number_flags(match.group("num")), why)
    return best


def _simple(match: re.Match[str]) -> tuple[int, list[DoseReading], list[str], str | None]:
    mass = _mass_unit(match.group("unit"))
    basis = _PER_UNITS.get(match.group("per") or "", "flat")
    values, why = _numbers(match.group("num"))
    readings = [
        DoseReading((_quantity(v, mass, basis),), basis, _unit_label(mass, basis)) for v in values
    ]
    flags = _number_flags(match.group("num"))
    if not match.group("gap"):
        flags.append("run_together")
    if match.group("unit") in ("ug", "µg", "μg"):
        flags.append("microgram_symbol")
    if match.group("alt_unit"):
        alt_mass = _mass_unit(match.group("alt_unit"))
        alt_basis = _PER_UNITS.get(match.group("alt_per") or "", "flat")
        if (alt_mass, alt_basis) != (mass, basis):
            # "8mg(mg/kg)": the writer gave two units. Both readings are kept,
            # in the order written; the checker asks which one was meant.
            readings += [
                DoseReading(
                    (_quantity(v, alt_mass, alt_basis),),
                    alt_basis,
                    _unit_label(alt_mass, alt_basis),
                )
                for v in values
            ]
            why = why or (
                f"two units written: {_unit_label(mass, basis)} and {_unit_label(alt_mass, alt_basis)}"
            )
    return match.end(), readings, flags, why


# "1 250 mg/m2" (a space, or a no-break space folded to one, between the
# thousands): French writes thousands so; read whole, never as 250 mg/m2.
# Not after a day or cycle word: "day 1 250 mg" is 250 mg on day 1.
_SPACED_THOUSANDS = re.compile(rf"(?<![\w.,])\d{{1,2}} \d{{3}}(?=(?:[.,]\d+)?\s*+{_MASS}(?![a-z]))")
_DAY_OR_COUNT_BEFORE = re.compile(
    r"(?<![a-z])(?:days?|jours?|j|d|cycles?|cures?|courses?|c|semaines?|weeks?|x|n°|no)\s*$"
)

_ACRONYM_BEFORE = re.compile(r"(?<![A-Za-z])[A-Z]{2,}[\w-]*[ \t]*+$")


def _mark_thousands(text: str, folded: str) -> str:
    """``folded`` with the space inside "1 250 mg" written "_" (same length).
    Up to 99 999: no single dose by mass is larger. Not after a day or cycle
    word, nor after a regimen acronym ("EC 90 600 mg/m2" is no 90600)."""

    def mark(match: re.Match[str]) -> str:
        start = match.start()
        if _DAY_OR_COUNT_BEFORE.search(folded[max(0, start - 12) : start]) or (
            _ACRONYM_BEFORE.search(text[max(0, start - 12) : start])
        ):
            return match.group(0)
        return match.group(0).replace(" ", "_")

    return _SPACED_THOUSANDS.sub(mark, folded)


# "bleomycin 10 units/m2", "15 UI/kg": a dose per m² or kg in units. The
# reference gives doses by mass, so it is read as a dose that cannot be
# checked (never as mg). Flat amounts in units ("30,000 units hyaluronidase")
# are strengths of a product, not doses read here.
_UNITS_PER = re.compile(
    rf"(?P<num>{_NUM})\s*+(?:units?|unites?|u|iu|ui)\s*+(?:/\s*+|per\s++|par\s++)"
    r"(?:m2|m\*\*2|m\^2|kg)(?![a-z0-9])"
)


def _dose_in_units(written: str) -> WrittenDose:
    return WrittenDose(
        text=written,
        understood=False,
        problem="a dose in units cannot be checked: the drug reference gives doses by mass",
    )


_NUMBER_START = re.compile(r"(?<![\d.,a-z])(?:\d|[.,]\d)|(?<![a-z])(?:auc|area under|aire sous)")
_MAX_TEXT = 200_000
_BLANKS = re.compile(r"[ \t]*+")


def _skip_blanks(folded: str, position: int) -> int:
    """Where the spaces and tabs from ``position`` end (the pattern always matches)."""
    blanks = _BLANKS.match(folded, position)
    return blanks.end() if blanks else position


def find_doses(text: str) -> list[tuple[WrittenDose, tuple[int, int]]]:
    """Every dose expression in ``text`` with its (start, end) span, in order.

    A dose is a number with a mass unit (optionally per m² or per kg, or a
    combination "4/0.5 g"), or an AUC; a route and a frequency written right
    after it belong to it ("20 mg i.v/6 heures"). Concentrations such as
    "62,8 mg/L" are not doses.
    """
    if not isinstance(text, str) or not text:
        return []
    text = text[:_MAX_TEXT]
    folded = _mark_thousands(text, fold(text))
    frequencies = {span[0]: (freq, span[1]) for freq, span in find_frequencies(text)}
    found: list[tuple[WrittenDose, tuple[int, int]]] = []
    position = 0
    for start_match in _NUMBER_START.finditer(folded):
        start = start_match.start()
        if start < position:
            continue
        core = _core_at(folded, start)
        if core is None:
            in_units = _UNITS_PER.match(folded, start)
            if in_units:  # "bleomycin 10 units/m2": a dose, not one that can be checked
                found.append((_dose_in_units(text[start : in_units.end()]), in_units.span()))
                position = in_units.end()
            continue
        end, readings, flags, why = core
        broken = _BROKEN_AREA.match(folded, end)
        if broken and all(r.basis == "flat" for r in readings):
            end = broken.end()
            found.append(
                (
                    WrittenDose(
                        text=text[start:end],
                        understood=False,
                        problem=f"the unit of '{text[start:end]}' cannot be read whole (mg/m²?)",
                    ),
                    (start, end),
                )
            )
            position = end
            continue
        route = None
        route_match = _ROUTE.match(folded, end)
        if route_match:
            route = next(name for name, _ in _ROUTES if route_match.group(name))
            end = route_match.end()
        frequency = None
        # Matched in place: slicing the rest of the text for every dose
        # made a text of many doses quadratic.
        after = _skip_blanks(folded, end)
        if after in frequencies:
            frequency, freq_end = frequencies[after]
            end = freq_end
        dose = WrittenDose(
            text=text[start:end],
            understood=True,
            readings=tuple(readings),
            frequency=frequency,
            route=route,
            run_together="run_together" in flags,
            ismp=tuple(dict.fromkeys(flags)),
            problem=why if len(readings) > 1 else None,
        )
        found.append((dose, (start, end)))
        position = end
    return found


# "max 2 mg", "maximum 2 mg", "capped at 2 mg", "plafonné à 2 mg" (text folded).
_CAP = re.compile(r"(?:max(?:imum)?|cap(?:ped)?(?: at)?|plafon\w*(?: a)?|sans depasser)[ .:]{0,3}$")
_CAP_START = re.compile(
    r"[ ,;(]{0,3}(?:max(?:imum)?|cap(?:ped)?(?: at)?|plafon\w*(?: a)?|sans depasser)[ .:]{0,3}$"
)
_DOSE_FILLER = re.compile(r"(?:\s|[,;:()\-]|dose|de|of|at|a)*")


def parse_written_dose(text: object) -> WrittenDose:
    """Read one written dose ("75mg/m2", "8 mg/kg", "4/0.5mg/6h", "AUC 6").

    Returns a WrittenDose; ``understood`` is False (with ``problem``) when
    the text holds no dose or more than one. Words beside the dose that
    were not read are kept in ``leftover``, never dropped silently.
    Never raises.
    """
    if not isinstance(text, str):
        return WrittenDose(text=str(text), understood=False, problem="not text")
    if len(text) > 1000:
        return WrittenDose(
            text=text[:1000], understood=False, problem="too long to be a single dose"
        )
    found = find_doses(text)
    if not found:
        return WrittenDose(
            text=text,
            understood=False,
            problem="no dose (a number with a unit such as mg, g, mg/m², mg/kg or AUC) found",
        )
    # "1.4 mg/m2 (max 2 mg)": a cap written with the dose is not a second dose.
    folded = fold(text)
    caps = [
        span
        for _, span in found[1:]
        if _CAP.search(folded[max(0, span[0] - 16) : span[0]]) is not None
    ]
    if caps and len(found) - len(caps) == 1:
        found = [found[0]]
        for cap_start, cap_end in reversed(caps):
            head = _CAP_START.search(folded[:cap_start])
            begin = head.start() if head else cap_start
            text = text[:begin] + text[cap_end:].lstrip(" )")
    if len(found) > 1:
        doses = ", ".join(f"'{d.text}'" for d, _ in found)
        return WrittenDose(
            text=text, understood=False, problem=f"more than one dose written: {doses}"
        )
    dose, (start, end) = found[0]
    if not dose.understood:
        return WrittenDose(text=text, understood=False, problem=dose.problem)
    if text[:start].strip() in ("-", "\u2212"):
        return WrittenDose(text=text, understood=False, problem="a dose cannot be negative")
    rest = (text[:start] + " " + text[end:]).strip()
    leftover = "" if _DOSE_FILLER.fullmatch(fold(rest)) else rest
    return WrittenDose(
        text=text,
        understood=True,
        readings=dose.readings,
        frequency=dose.frequency,
        route=dose.route,
        run_together=dose.run_together,
        ismp=dose.ismp,
        problem=dose.problem,
        leftover=leftover,
    )
