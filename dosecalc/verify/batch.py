"""The batch engine of ``dosecalc verify``: one record batch of orders in,
the same batch with its verification columns out.

:func:`verify_batch` keeps no state between calls beyond caches of what the
regimen library and the policy say (slots, schedules), so it runs unchanged
on any chunk of a file, in any process: a local loop, or a Dask
``map_partitions``.

How a batch is verified:

1. every field is read once as a column: numbers with their unit strings,
   each distinct unit string parsed once with the project's unit registry;
2. patient values out of the engine's adult ranges make their row
   ``cannot verify`` (never a silent computation), naming the value;
3. orders are grouped by their slot (regimen, phase, cycle, day, drug),
   each slot resolved once by the scalar engine (:mod:`.rules`), and the
   kind of dose due follows from the dates by the engine's re-load rule;
4. the dose arithmetic runs on whole columns (:mod:`.arith`), and is
   checked once per drug and kind against the scalar engine;
5. the ordered dose is compared with the computed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import patient as patient_rules
from ..commands.common import drug_tablets, drug_vials
from ..commands.dose import parse_reductions
from ..dosing import DosingContext, compute_dose
from ..errors import CalculationError, DosecalcError, InputError
from ..formatting import UNIT_LABELS, format_amount, format_number
from ..metrics import CREATININE_UMOL_PER_MG_DL
from ..model import BASIS_UNITS, DoseStep, DrugEntry, Patient, Policy
from ..policy import find_policy
from ..regimen import parse_per_unit_dose
from ..units import Q, parse_quantity
from .arith import FEMALE, MALE, Patients, final_mg, mosteller
from .columns import ColumnMap, match_columns
from .rules import CANNOT_VERIFY, NOT_IN_REGIMEN, Rules, Slot

# -- Verdicts -------------------------------------------------------------------------

OK = "ok"
WITHIN = "within tolerance"
OUTSIDE = "outside tolerance"
LOADING_DUE = "loading due"
RELOAD_DUE = "re-load due"
UNEXPECTED_LOADING = "unexpected loading"
WRONG_UNIT = "wrong basis or unit"

#: Every verdict, in the order the summary lists them.
VERDICTS = (
    OK,
    WITHIN,
    OUTSIDE,
    LOADING_DUE,
    RELOAD_DUE,
    UNEXPECTED_LOADING,
    WRONG_UNIT,
    NOT_IN_REGIMEN,
    CANNOT_VERIFY,
)
_CODE = {v: i for i, v in enumerate(VERDICTS)}

#: Verdicts where the ordered dose is not the dose due, beyond the policy's
#: tolerance: any of them makes ``dosecalc verify`` exit 1.
FAILING = (OUTSIDE, LOADING_DUE, RELOAD_DUE, UNEXPECTED_LOADING, WRONG_UNIT)

#: An ordered dose this many times the computed one (or this fraction of it)
#: is a unit or basis slip, not a dosing choice: mg for mcg, a misplaced
#: decimal point, mg/m² ordered as mg. 500 is the checker's 1000-fold rule
#: (dosecalc.checker.check, UNIT_IMPLAUSIBLE); 5 brackets a 10-fold slip
#: (ISMP: tenfold errors from misplaced decimal points and trailing zeros).
TEN_FOLD = 5.0
THOUSAND_FOLD = 500.0

#: The verification columns added to the input's.
OUTPUT_COLUMNS = (
    "computed_mg",
    "dose_kind",
    "difference_mg",
    "difference_pct",
    "verdict",
    "verdict_detail",
)

KINDS = ("standard", "loading", "maintenance")

#: Percentage points of float noise allowed at the tolerance boundary.
_PERCENT_NOISE = 1e-9


@dataclass(frozen=True)
class VerifyOptions:
    """What a batch is verified against: a policy and the regimen library
    (names only, so the options travel to other processes)."""

    policy: str | None = None
    regimen_dirs: tuple[str, ...] = ()
    policy_dirs: tuple[str, ...] = ()


_RULES: dict[VerifyOptions, Rules] = {}

#: Text columns are dictionary coded: a verdict column of a million rows is
#: nine strings and a million small integers.
TEXT = pa.dictionary(pa.int32(), pa.string())


def rules_for(options: VerifyOptions) -> Rules:
    """The run's rules, loaded once per process."""
    found = _RULES.get(options)
    if found is None:
        policy = find_policy(options.policy, options.policy_dirs)
        found = _RULES[options] = Rules(policy, options.regimen_dirs)
    return found


def output_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of :func:`verify_batch`'s result for an input ``schema``."""
    clash = [name for name in OUTPUT_COLUMNS if name in schema.names]
    if clash:
        raise InputError(
            f"the order file already has column(s) {', '.join(clash)}: rename them (verify adds them)"
        )
    return (
        schema.append(pa.field("computed_mg", pa.float64()))
        .append(pa.field("dose_kind", TEXT))
        .append(pa.field("difference_mg", pa.float64()))
        .append(pa.field("difference_pct", pa.float64()))
        .append(pa.field("verdict", TEXT))
        .append(pa.field("verdict_detail", TEXT))
    )


# -- Reading columns ------------------------------------------------------------------

_NUMBER_UNIT = r"^\s*(?P<num>[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$"


class Column:
    """One field of the batch, read once: numbers and unit texts (dictionary
    coded), and the raw text for messages. A dictionary-coded column (as
    the CSV reader gives) is parsed once per distinct text."""

    def __init__(self, batch: pa.RecordBatch, cmap: ColumnMap, field: str):
        n = batch.num_rows
        self.name = cmap.columns.get(field)
        self.column_unit = cmap.units.get(field, "")
        self.raw: pa.Array = batch.column(self.name) if self.name else pa.nulls(n, pa.string())
        if self.name is None:
            self.present = np.zeros(n, dtype=bool)
            self.numbers = np.full(n, np.nan)
            self.unit_codes = np.zeros(n, dtype=np.int32)
            self.units: list[str] = [""]
            self.unreadable = np.zeros(n, dtype=bool)
            return
        raw = self.raw
        if pa.types.is_dictionary(raw.type):
            values = _parse_numbers(raw.dictionary, encode=False)
            safe = pc.fill_null(raw.indices, 0).to_numpy(zero_copy_only=False)
            valid = np.asarray(raw.is_valid().to_numpy(zero_copy_only=False))
            present, numbers, unit_codes, self.units, unreadable = values
            if not len(present):  # an all-null column
                present = np.zeros(1, dtype=bool)
                numbers, unit_codes = np.full(1, np.nan), np.zeros(1, dtype=np.int32)
                unreadable = np.zeros(1, dtype=bool)
            self.present = present[safe] & valid
            self.numbers = np.where(self.present, numbers[safe], np.nan)
            self.unit_codes = unit_codes[safe]
            self.unreadable = unreadable[safe] & valid
        else:
            (self.present, self.numbers, self.unit_codes, self.units, self.unreadable) = (
                _parse_numbers(raw)
            )

    def unit_of(self, code: int, default: str = "") -> str:
        """The unit of rows with ``code``: the value's own, else the column name's."""
        return self.units[code] or self.column_unit or default

    def text(self, i: int) -> str:
        value = self.raw[i].as_py()
        return "" if value is None else str(value)


def _parse_numbers(
    raw: pa.Array, encode: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(present, numbers, unit codes, unit texts, unreadable) of a column of
    numbers, of texts such as "165 cm", or of both. A number too large for a
    float ("1e400") is unreadable, never infinite."""
    n = len(raw)
    present = np.asarray(raw.is_valid().to_numpy(zero_copy_only=False))
    unit_codes = np.zeros(n, dtype=np.int32)
    units = [""]
    unreadable = np.zeros(n, dtype=bool)
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type):
        numbers = np.where(present, raw.cast(pa.float64()).to_numpy(zero_copy_only=False), np.nan)
    elif encode and n > 64:
        # Values repeat (heights, "0.8 mg/dL"): parse each distinct text once.
        # (Also avoids a failed whole-column cast, which costs pyarrow ~0.3 µs a row.)
        encoded = pc.dictionary_encode(raw.cast(pa.string()))
        d_present, d_numbers, d_codes, units, d_unreadable = _parse_numbers(
            encoded.dictionary, encode=False
        )
        if not len(d_present):
            return present, np.full(n, np.nan), unit_codes, units, unreadable
        indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
        return (
            d_present[indices] & present,
            np.where(present, d_numbers[indices], np.nan),
            d_codes[indices],
            units,
            d_unreadable[indices] & present,
        )
    else:
        text = raw.cast(pa.string())
        present &= np.asarray(
            pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(text), ""), False).to_numpy(
                zero_copy_only=False
            )
        )
        try:  # the fast path: plain numbers
            numbers = np.where(
                present, pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), np.nan
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            parts = pc.extract_regex(text, _NUMBER_UNIT)
            matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False))
            digits = pc.if_else(parts.is_valid(), parts.field("num"), pa.scalar(None, pa.string()))
            numbers = pc.cast(pc.replace_substring(digits, ",", "."), pa.float64()).to_numpy(
                zero_copy_only=False
            )
            numbers = np.where(matched & present, numbers, np.nan)
            encoded = pc.dictionary_encode(pc.fill_null(parts.field("unit"), ""))
            units = encoded.dictionary.to_pylist()
            unit_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
            unreadable = present & ~matched
    infinite = np.isinf(numbers)
    if infinite.any():
        unreadable |= infinite
        numbers[infinite] = np.nan
    return present, numbers, unit_codes, units, unreadable


def _codes(batch: pa.RecordBatch, cmap: ColumnMap, field: str) -> tuple[np.ndarray, list[Any]]:
    """A text field as (codes, distinct values); code -1 where empty."""
    name = cmap.columns.get(field)
    if name is None:
        return np.full(batch.num_rows, -1, dtype=np.int32), []
    column = batch.column(name)
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    values = column.dictionary
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    texts = [None if v is None else v.strip() or None for v in values.to_pylist()]
    # Several dictionary entries may be one text after trimming ("thp", "thp "): one code.
    distinct: dict[str, int] = {}
    lut = np.array(
        [-1 if t is None else distinct.setdefault(t, len(distinct)) for t in texts] + [-1],
        dtype=np.int32,
    )
    indices = pc.fill_null(column.indices, len(texts)).to_numpy(zero_copy_only=False)
    return lut[indices], list(distinct)


def _dates(batch: pa.RecordBatch, cmap: ColumnMap, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 (int64; a sentinel where missing), and a mask of
    values given but not ISO dates (parsed once per distinct text)."""
    n = batch.num_rows
    name = cmap.columns.get(field)
    if name is None:
        return np.full(n, _NO_DATE, dtype=np.int64), np.zeros(n, dtype=bool)
    column = batch.column(name)
    if not pa.types.is_dictionary(column.type) and len(column) > 64:
        column = pc.dictionary_encode(column)  # each distinct date parsed once
    if pa.types.is_dictionary(column.type):
        days, bad = _parse_dates(column.dictionary)
        valid = np.asarray(column.is_valid().to_numpy(zero_copy_only=False))
        indices = pc.fill_null(column.indices, 0).to_numpy(zero_copy_only=False)
        if not len(days):
            return np.full(n, _NO_DATE, dtype=np.int64), np.zeros(n, dtype=bool)
        return np.where(valid, days[indices], _NO_DATE), bad[indices] & valid
    return _parse_dates(column)


_NO_DATE = np.iinfo(np.int64).min


def _parse_dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    n = len(column)
    given = np.asarray(column.is_valid().to_numpy(zero_copy_only=False))
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:  # the fast path: every value an ISO date or empty
            days = pc.cast(column, pa.date32()).cast(pa.int32())
            values = pc.fill_null(days, 0).to_numpy(zero_copy_only=False).astype(np.int64)
            return np.where(given, values, _NO_DATE), np.zeros(n, dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        column = pc.utf8_trim_whitespace(column)
        given &= np.asarray(
            pc.fill_null(pc.not_equal(column, ""), False).to_numpy(zero_copy_only=False)
        )
        column = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
    try:
        days = column.cast(pa.date32()).cast(pa.int32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.full(n, _NO_DATE, dtype=np.int64), given
    valid = np.asarray(days.is_valid().to_numpy(zero_copy_only=False))
    values = pc.fill_null(days, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(valid, values, _NO_DATE), given & ~valid


def _integers(column: Column, what: str, problems: Problems) -> np.ndarray:
    """Whole numbers (cycle, day); -1 where missing."""
    values = column.numbers
    bad = column.unreadable | (
        column.present & (np.isnan(values) | (values != np.floor(values)) | (values < 1))
    )
    problems.add_each(bad, lambda i: f"{what} '{column.text(i)}' is not a whole number from 1")
    return np.where(np.isnan(values) | bad, -1, values).astype(np.int64)


class Problems:
    """The first problem of each row: its verdict and a one-line reason
    (coded into a list of messages, so a clean batch costs no strings)."""

    def __init__(self, n: int):
        self.verdict = np.full(n, -1, dtype=np.int8)
        self.detail = np.full(n, -1, dtype=np.int32)
        self.messages: list[str] = []
        self._codes: dict[str, int] = {}

    def _code(self, message: str) -> int:
        code = self._codes.get(message)
        if code is None:
            code = self._codes[message] = len(self.messages)
            self.messages.append(message)
        return code

    @property
    def clear(self) -> np.ndarray:
        return self.verdict < 0

    def add(self, mask: np.ndarray, message: str, verdict: str = CANNOT_VERIFY) -> None:
        rows = mask & self.clear
        if rows.any():
            self.verdict[rows] = _CODE[verdict]
            self.detail[rows] = self._code(message)

    def add_rows(self, rows: np.ndarray, message: str, verdict: str = CANNOT_VERIFY) -> None:
        """As :meth:`add`, for the rows at the indices ``rows``."""
        rows = rows[self.verdict[rows] < 0]
        if len(rows):
            self.verdict[rows] = _CODE[verdict]
            self.detail[rows] = self._code(message)

    def add_each(self, mask: np.ndarray, message: Any, verdict: str = CANNOT_VERIFY) -> None:
        for i in np.flatnonzero(mask & self.clear):
            self.set(int(i), message(i), verdict)

    def set(self, i: int, message: str, verdict: str) -> None:
        """Row ``i``'s verdict and reason, whatever was there before."""
        self.verdict[i] = _CODE[verdict]
        self.detail[i] = self._code(message)


# -- Patient values -------------------------------------------------------------------


def _probe(sex: str | None = None, age: str | None = None) -> Patient | DosecalcError:
    """The engine's reading of one patient value (sex, age), on a plausible
    patient: a Patient, or the engine's one-line error."""
    try:
        return patient_rules.make_patient("165 cm", "62 kg", sex=sex, age=age)
    except DosecalcError as exc:
        return exc


def _quantity(
    column: Column,
    what: str,
    dimension: str,
    canonical: str,
    default_unit: str | None,
    problems: Problems,
) -> np.ndarray:
    """A patient measurement in ``canonical`` units. Each distinct unit text
    is parsed once by the engine; a compound value ("5 ft 5 in") is read by
    the engine's parser, once per distinct text."""

    values = np.full(len(column.numbers), np.nan)
    for code, unit_text in enumerate(column.units):
        rows = column.unit_codes == code
        unit = unit_text or column.column_unit or default_unit
        if unit is None:
            problems.add(rows & column.present, f"{what} needs a unit")
            continue
        try:
            # The unit alone (a compound "ft 5 in" is not one: its rows go to the parser below).
            quantity = Q(1.0, unit)
            if not quantity.check(dimension):
                raise InputError(unit)
            factor = float(quantity.to(canonical).magnitude)
        except DosecalcError:
            column.unreadable |= rows & column.present
            continue
        scaled = column.numbers[rows] if factor == 1.0 else column.numbers[rows] * factor
        values[rows] = scaled
    for text_value in {column.text(int(i)) for i in np.flatnonzero(column.unreadable)}:
        same = pc.fill_null(pc.equal(column.raw.cast(pa.string()), text_value), False)
        rows = column.unreadable & np.asarray(same.to_numpy(zero_copy_only=False))
        try:
            quantity = parse_quantity(
                text_value, dimension=dimension, default_unit=default_unit, what=what
            )
            values[rows] = float(quantity.to(canonical).magnitude)
        except DosecalcError as exc:
            problems.add(rows, str(exc))
    return values


def _outside(
    values: np.ndarray,
    given: np.ndarray,
    bounds: tuple[float, float],
    label: str,
    unit: str,
    problems: Problems,
) -> None:
    """The engine's adult plausibility range, as a verdict (never an override)."""
    low, high = bounds
    with np.errstate(invalid="ignore"):
        bad = given & ~((values >= low) & (values <= high))
    problems.add_each(
        bad,
        lambda i: (
            f"{label} {format_number(float(values[i]))} {unit} is outside the adult range "
            f"{format_number(low)}-{format_number(high)} {unit}{_hint(label, float(values[i]))}"
        ),
    )


def _hint(label: str, value: float) -> str:
    """The likely slip behind an implausible value."""
    if label == "height" and 48 <= value <= 90:
        return ": inches in a cm column?"
    if label == "height" and value < 3:
        return ": metres in a cm column?"
    if label == "weight" and value > 1000:
        return ": grams in a kg column?"
    return ""


def read_patients(batch: pa.RecordBatch, cmap: ColumnMap, problems: Problems) -> Patients:
    """The patient columns, checked as :func:`dosecalc.patient.make_patient` checks them."""
    n = batch.num_rows
    height = Column(batch, cmap, "height")
    weight = Column(batch, cmap, "weight")
    problems.add(~height.present, "height is missing")
    problems.add(~weight.present, "weight is missing")
    height_cm = _quantity(height, "height", "[length]", "cm", "cm", problems)
    weight_kg = _quantity(weight, "weight", "[mass]", "kg", "kg", problems)
    with np.errstate(invalid="ignore"):
        nonpositive = (height_cm <= 0) | (weight_kg <= 0)
    problems.add(nonpositive, "height and weight must be more than zero")
    known = ~np.isnan(height_cm) & ~np.isnan(weight_kg)
    _outside(height_cm, known, patient_rules.HEIGHT_RANGE_CM, "height", "cm", problems)
    _outside(weight_kg, known, patient_rules.WEIGHT_RANGE_KG, "weight", "kg", problems)

    sex = np.zeros(n, dtype=np.int8)
    sex_codes, sex_texts = _codes(batch, cmap, "sex")
    for code, value in enumerate(sex_texts):
        found = _probe(sex=value)
        rows = sex_codes == code
        if isinstance(found, DosecalcError):
            problems.add(rows, str(found))
        else:
            sex[rows] = FEMALE if found.sex == "female" else MALE

    age_column = Column(batch, cmap, "age")
    age = np.full(n, np.nan)
    for code, unit in enumerate(age_column.units):
        rows = (age_column.unit_codes == code) & age_column.present
        found = _probe(age=f"50 {unit}")
        if isinstance(found, DosecalcError):
            problems.add_each(rows, lambda i: f"age '{age_column.text(i)}': give the age in years")
        else:
            age[rows] = age_column.numbers[rows]
    problems.add_each(
        age_column.unreadable, lambda i: f"age '{age_column.text(i)}' is not a number of years"
    )
    _outside(age, ~np.isnan(age), patient_rules.AGE_RANGE_YEARS, "age", "years", problems)

    scr = _creatinine(Column(batch, cmap, "scr"), problems)
    _outside(
        scr, ~np.isnan(scr), patient_rules.SCR_RANGE_MG_DL, "serum creatinine", "mg/dL", problems
    )
    # As the engine: the BSA range check uses Mosteller whatever the policy.
    with np.errstate(invalid="ignore"):
        bsa = mosteller(height_cm, weight_kg)
    _outside(bsa, known, patient_rules.BSA_RANGE_M2, "BSA", "m²", problems)
    return Patients(height_cm, weight_kg, sex, age, scr, bsa)


def _creatinine(column: Column, problems: Problems) -> np.ndarray:
    """Serum creatinine in mg/dL; it must carry its unit (in the value or the
    column name), as for ``dosecalc dose --scr``."""

    values = np.full(len(column.numbers), np.nan)
    problems.add_each(
        column.unreadable, lambda i: f"serum creatinine '{column.text(i)}' is not a number"
    )
    for code in range(len(column.units)):
        rows = (column.unit_codes == code) & column.present & ~column.unreadable
        unit = column.unit_of(code)
        key = unit.replace("µ", "u").replace("μ", "u").lower()
        if key in ("umol/l", "micromol/l"):
            values[rows] = column.numbers[rows] / CREATININE_UMOL_PER_MG_DL
            continue
        if not unit:
            problems.add(rows, "serum creatinine needs a unit: mg/dL or umol/L")
            continue
        try:
            quantity = Q(1.0, unit)
            if not quantity.check("[mass] / [length] ** 3"):
                raise InputError(unit)
            factor = float(quantity.to("mg/dL").magnitude)
        except DosecalcError:
            problems.add(rows, f"serum creatinine in '{unit}': use mg/dL or umol/L")
            continue
        values[rows] = column.numbers[rows] if factor == 1.0 else column.numbers[rows] * factor
    return values


# -- Ordered doses ----------------------------------------------------------------------

_BASES = ("flat", "bsa", "weight", "auc")


def _dose_units(units: list[str]) -> list[tuple[str, float] | str]:
    """For each unit text of ordered doses: (basis, factor to the basis's
    canonical unit), read by the regimen loader's own parser, or an error
    message."""

    readings: list[tuple[str, float] | str] = []
    for unit in units:
        text = str(unit).strip()
        reading: tuple[str, float] | str = f"unknown dose unit '{text}'"
        if text.upper() == "AUC":
            readings.append(("auc", 1.0))
            continue
        for basis in _BASES:
            try:
                quantity = parse_per_unit_dose(f"1 {text}", basis)
            except DosecalcError:
                continue
            reading = (basis, float(quantity.magnitude))
            break
        readings.append(reading)
    return readings


def read_orders(
    batch: pa.RecordBatch, cmap: ColumnMap, problems: Problems
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ordered dose: amount in its basis's canonical unit (mg, mg/m²,
    mg/kg, AUC), the basis index (into ``_BASES``), and the unit text of
    each row for messages."""
    n = batch.num_rows
    dose = Column(batch, cmap, "dose")
    unit_codes, unit_texts = _codes(batch, cmap, "dose_unit")
    readings = _dose_units(dose.units + unit_texts)
    problems.add(~dose.present, "the ordered dose is missing")
    problems.add_each(
        dose.unreadable, lambda i: f"the ordered dose '{dose.text(i)}' is not a number"
    )
    amount = np.full(n, np.nan)
    basis = np.full(n, -1, dtype=np.int8)
    # The unit written with the number wins, then the unit column, then the column name.
    own = np.asarray([bool(u) for u in dose.units])[dose.unit_codes]
    offset = len(dose.units)
    chosen = np.where(
        own,
        dose.unit_codes,
        np.where(unit_codes >= 0, unit_codes + offset, -1),
    )
    if dose.column_unit:
        readings += _dose_units([dose.column_unit])
        chosen = np.where(chosen < 0, len(readings) - 1, chosen)
    problems.add((chosen < 0) & dose.present, "the ordered dose has no unit (dose_unit column)")
    for code, reading in enumerate(readings):
        rows = (chosen == code) & dose.present
        if not rows.any():
            continue
        if isinstance(reading, str):
            problems.add(rows, reading)
            continue
        which, factor = reading
        amount[rows] = dose.numbers[rows] * factor
        basis[rows] = _BASES.index(which)
    with np.errstate(invalid="ignore"):
        problems.add(amount <= 0, "the ordered dose must be more than zero")
    return amount, basis, chosen


# -- Modifications --------------------------------------------------------------------

_MODIFICATION = re.compile(r"^\s*([+\-−])\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


def read_reductions(batch: pa.RecordBatch, cmap: ColumnMap, problems: Problems) -> np.ndarray:
    """Documented reductions in percent ('-20%'), checked by the engine's
    :func:`dosecalc.api.parse_reductions`; 0 where none."""

    codes, texts = _codes(batch, cmap, "modification")
    reduction = np.zeros(batch.num_rows)
    for code, text in enumerate(texts):
        rows = codes == code
        value = str(text).strip()
        if value.lower() in ("0", "0%", "none", "-", "no", "full dose", "100%"):
            continue
        match = _MODIFICATION.match(value)
        if not match or match.group(1) == "+":
            problems.add(
                rows,
                f"modification '{value}' is not understood: write a reduction as -20%"
                + (" (dosecalc computes reductions only)" if match else ""),
            )
            continue
        try:
            reduction[rows] = parse_reductions([f"drug={match.group(2).replace(',', '.')}%"])[
                "drug"
            ]
        except DosecalcError:
            problems.add(rows, f"modification '{value}': a reduction is between 0% and 100%")
    return reduction


# -- The batch function -----------------------------------------------------------------


def verify_batch(batch: pa.RecordBatch, options: VerifyOptions) -> pa.RecordBatch:
    """Verify every order of ``batch``; returns it with the verification columns.

    Never raises for a bad row: each row gets a verdict. Raises only for a
    file that cannot be verified at all (no height column, an unknown policy).

    A row keeps the first problem found, so the order of the steps below is
    the order of precedence of the reasons a row cannot be verified: where
    the order belongs, the patient, the ordered dose, the modification, the
    dates, then the dose due itself.
    """
    rules = rules_for(options)
    policy = rules.policy
    cmap = match_columns(batch.schema.names)
    problems = Problems(batch.num_rows)

    by_slot = _group_by_slot(_read_slot_fields(batch, cmap, problems), rules, problems)
    patients = read_patients(batch, cmap, problems)
    ordered, ordered_basis, _ = read_orders(batch, cmap, problems)
    reduction = read_reductions(batch, cmap, problems)
    dates = _read_dose_dates(batch, cmap, problems)

    due = _kinds_due(by_slot, dates, policy, problems)
    doses = _compute_doses_due(due, policy, patients, reduction, problems)
    return _assemble(batch, problems, ordered, ordered_basis, due, doses, policy)


# -- Where each order belongs ----------------------------------------------------------


@dataclass(frozen=True)
class _SlotFields:
    """The fields that place an order in its regimen: regimen, phase and drug
    as codes into their distinct texts (-1 where empty), cycle and day as
    whole numbers (-1 where missing or not a whole number)."""

    regimen_codes: np.ndarray
    regimens: list[Any]
    phase_codes: np.ndarray
    phases: list[Any]
    drug_codes: np.ndarray
    drugs: list[Any]
    cycles: np.ndarray
    days: np.ndarray


def _read_slot_fields(batch: pa.RecordBatch, cmap: ColumnMap, problems: Problems) -> _SlotFields:
    """Read the slot fields of every row. An order without a regimen or a drug
    cannot be placed, so it cannot be verified; a cycle or day that is not a
    whole number is named rather than guessed."""
    regimen_codes, regimens = _codes(batch, cmap, "regimen")
    phase_codes, phases = _codes(batch, cmap, "phase")
    drug_codes, drugs = _codes(batch, cmap, "drug")
    problems.add(regimen_codes < 0, "the regimen is missing")
    problems.add(drug_codes < 0, "the drug is missing")
    cycles = _integers(Column(batch, cmap, "cycle"), "cycle", problems)
    days = _integers(Column(batch, cmap, "day"), "day", problems)
    return _SlotFields(
        regimen_codes, regimens, phase_codes, phases, drug_codes, drugs, cycles, days
    )


@dataclass(frozen=True)
class _SlotRows:
    """The batch's rows grouped by slot: ``slots[i]`` is the i-th distinct
    slot (None where the regimen or the drug is missing)."""

    slots: list[Slot | None]
    order: np.ndarray  # row indices, sorted by slot
    bounds: np.ndarray  # the rows of slots[i] are order[bounds[i] : bounds[i + 1]]

    def rows(self, index: int) -> np.ndarray:
        """The rows of ``slots[index]``."""
        return self.order[self.bounds[index] : self.bounds[index + 1]]


def _group_by_slot(fields: _SlotFields, rules: Rules, problems: Problems) -> _SlotRows:
    """Group the rows by slot, each distinct slot resolved once by the scalar
    engine (a file names a few hundred, however long it is). The rows of a
    slot the regimen does not have get its verdict (not in regimen, cannot
    verify) and the reason."""
    unique_keys, first_rows, inverse = np.unique(
        _slot_keys(fields), return_index=True, return_inverse=True
    )
    slots = [_resolve_slot(fields, row, rules) for row in first_rows]
    # Rows of each slot: one stable sort, then slices.
    order = np.argsort(inverse, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(inverse, minlength=len(unique_keys)))))
    by_slot = _SlotRows(slots, order, bounds)
    for index, placed in enumerate(slots):
        if placed is not None and placed.verdict is not None:
            problems.add_rows(by_slot.rows(index), placed.problem or "", placed.verdict)
    return by_slot


def _slot_keys(fields: _SlotFields) -> np.ndarray:
    """One integer per row for its (regimen, phase, drug, cycle, day): the
    five codes in mixed radix, each shifted by one so that -1 (empty) is 0,
    so that one ``np.unique`` finds the distinct slots."""
    regimen, phase, drug = fields.regimen_codes, fields.phase_codes, fields.drug_codes
    cycles, days = fields.cycles, fields.days
    sizes = [len(fields.regimens) + 1, len(fields.phases) + 1, len(fields.drugs) + 1]
    key: np.ndarray = ((regimen + 1).astype(np.int64) * sizes[1] + (phase + 1)) * sizes[2] + (
        drug + 1
    )
    key = (key * (int(cycles.max(initial=0)) + 2) + cycles + 1) * (int(days.max(initial=0)) + 2) + (
        days + 1
    )
    return key


def _resolve_slot(fields: _SlotFields, row: int, rules: Rules) -> Slot | None:
    """The slot of ``row`` by the scalar engine's rules, or None when the row
    has no regimen or no drug (it already carries that problem)."""
    if fields.regimen_codes[row] < 0 or fields.drug_codes[row] < 0:
        return None
    return rules.slot(
        fields.regimens[fields.regimen_codes[row]],
        fields.phases[fields.phase_codes[row]] if fields.phase_codes[row] >= 0 else None,
        int(fields.cycles[row]) if fields.cycles[row] > 0 else None,
        int(fields.days[row]) if fields.days[row] > 0 else None,
        fields.drugs[fields.drug_codes[row]],
    )


# -- The dates the re-load rule needs --------------------------------------------------


@dataclass(frozen=True)
class _DoseDates:
    """What the re-load rule needs of each row's dates."""

    has_date: np.ndarray  # the administration date is given
    has_previous: np.ndarray  # the previous dose date is given
    gap: np.ndarray  # days since the previous dose; 0 unless both dates are given


def _read_dose_dates(batch: pa.RecordBatch, cmap: ColumnMap, problems: Problems) -> _DoseDates:
    """Read the administration and previous dose dates. A date that is not a
    date, or a previous dose on or after the administration, would give the
    re-load rule a false gap: the row cannot be verified."""
    date, bad_date = _dates(batch, cmap, "date")
    previous, bad_previous = _dates(batch, cmap, "previous_date")
    problems.add(bad_date, "the administration date is not a date (YYYY-MM-DD)")
    problems.add(bad_previous, "the previous dose date is not a date (YYYY-MM-DD)")
    has_previous = previous != _NO_DATE
    has_date = date != _NO_DATE
    gap = np.where(has_previous & has_date, date - previous, 0)
    problems.add(
        has_previous & has_date & (gap <= 0),
        "the previous dose date is not before the administration date",
    )
    return _DoseDates(has_date, has_previous, gap)


# -- The kind of dose due --------------------------------------------------------------


@dataclass
class _DoseGroup:
    """Rows due the same dose step of one drug entry, possibly from several
    slots (cycles, days): their doses are computed together."""

    kind: str  # standard, loading or maintenance
    slot: Slot  # the last of the group's slots seen; they share the drug entry
    parts: list[np.ndarray]  # the rows, slot by slot


@dataclass(frozen=True)
class _KindsDue:
    """What is due on each row still verifiable, before any arithmetic."""

    kind_code: np.ndarray  # int8 index into KINDS; -1 where unknown
    reload: np.ndarray  # the loading dose due is a re-load (not the course's first)
    expected_basis: np.ndarray  # int8 index into _BASES of the drug's dose; -1 where unknown
    gap: np.ndarray  # days since the previous dose, for the re-load message
    groups: dict[tuple[int, str], _DoseGroup]  # by (id of the drug entry, kind)


def _kinds_due(
    by_slot: _SlotRows, dates: _DoseDates, policy: Policy, problems: Problems
) -> _KindsDue:
    """The kind of dose due and the drug's basis on the rows still clear,
    slot by slot, and the rows grouped by drug entry and kind for the
    arithmetic."""
    n = len(dates.gap)
    kind_code = np.full(n, -1, dtype=np.int8)
    reload = np.zeros(n, dtype=bool)
    expected_basis = np.full(n, -1, dtype=np.int8)
    groups: dict[tuple[int, str], _DoseGroup] = {}

    clear = problems.clear  # slots are disjoint: what one adds, another does not read
    for index, slot in enumerate(by_slot.slots):
        if slot is None or slot.entry is None:
            continue
        rows = by_slot.rows(index)
        rows = rows[clear[rows]]
        if not len(rows):
            continue
        expected_basis[rows] = _BASES.index(slot.entry.basis)
        kinds, reloads = _kinds_of_slot(slot, rows, dates, policy, problems)
        kind_code[rows] = kinds
        reload[rows] = reloads
        for code in np.unique(kinds):
            key = (id(slot.entry), KINDS[code])
            group = groups.get(key)
            if group is None:
                group = groups[key] = _DoseGroup(KINDS[code], slot, [])
            group.slot = slot
            group.parts.append(rows[kinds == code])
    return _KindsDue(kind_code, reload, expected_basis, dates.gap, groups)


def _kinds_of_slot(
    slot: Slot, rows: np.ndarray, dates: _DoseDates, policy: Policy, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """The kind of dose due on ``rows`` of one slot (codes into KINDS), and
    whether it is a re-load. The schedule's kind stands for a drug without a
    loading dose. For one with a loading dose, the dates decide, by the
    engine's re-load rule put once to each distinct gap: a previous dose
    date without an administration date leaves no gap to judge."""
    assert slot.entry is not None
    kinds = np.full(len(rows), KINDS.index(slot.nominal_kind or "standard"), dtype=np.int8)
    reloads = np.zeros(len(rows), dtype=bool)
    if not slot.entry.has_loading:
        return kinds, reloads
    has_previous, has_date = dates.has_previous[rows], dates.has_date[rows]
    dated = has_previous & has_date
    missing_date = has_previous & ~has_date
    problems.add_rows(
        rows[missing_date],
        "the administration date is missing (the previous dose date needs it)",
    )
    gaps = dates.gap[rows]
    for value in np.unique(gaps[dated]):
        at = dated & (gaps == value)
        try:
            kind, is_reload = slot.kind_after_gap(int(value), policy)
        except DosecalcError as exc:  # a policy without a rule for this drug
            problems.add_rows(rows[at], str(exc))
            continue
        kinds[at] = KINDS.index(kind)
        reloads[at] = is_reload
    return kinds, reloads


# -- The dose due ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Doses:
    """The doses due, in mg, filled group by group (NaN where not computed)."""

    computed: np.ndarray  # the dose due
    other: np.ndarray  # the other kind's dose (loading or maintenance), for drugs with both
    per_unit: np.ndarray  # the regimen's per-unit dose, after the row's reduction


@dataclass(frozen=True)
class _DrugDose:
    """One group's drug entry and dose step, and what its dose is rounded to."""

    slot: Slot
    entry: DrugEntry
    kind: str
    step: DoseStep  # the dose due
    alternative: DoseStep | None  # the other kind's, for a drug with a loading dose
    vials: tuple[float, ...]
    tablets: tuple[float, ...]


def _compute_doses_due(
    due: _KindsDue,
    policy: Policy,
    patients: Patients,
    reduction: np.ndarray,
    problems: Problems,
) -> _Doses:
    """The dose due on each row still clear, one group (drug entry and kind)
    at a time: on columns where the batch arithmetic mirrors the engine,
    else by the engine itself."""
    n = len(due.kind_code)
    doses = _Doses(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan))
    for group in due.groups.values():
        rows = np.concatenate(group.parts)
        rows = np.sort(rows[problems.verdict[rows] < 0])
        if not len(rows):
            continue
        drug = _drug_dose(group, policy)
        doses.per_unit[rows] = drug.step.per_unit * (1 - reduction[rows] / 100)
        if _engine_only(drug, policy):
            _doses_by_engine(drug, rows, policy, patients, reduction, problems, doses)
        else:
            _doses_on_columns(drug, rows, policy, patients, reduction, problems, doses)
    return doses


def _drug_dose(group: _DoseGroup, policy: Policy) -> _DrugDose:
    """The dose step of a group, the other kind's step, and the vial and
    tablet sizes the policy rounds the drug's dose to."""
    slot = group.slot
    entry = slot.entry
    assert entry is not None
    vials = drug_vials(entry.drug, policy, entry.route)
    tablets = drug_tablets(entry.drug, entry.route)
    step = slot.step(group.kind)
    alternative = (
        slot.step("maintenance" if group.kind == "loading" else "loading")
        if entry.has_loading
        else None
    )
    return _DrugDose(slot, entry, group.kind, step, alternative, vials, tablets)


def _engine_only(drug: _DrugDose, policy: Policy) -> bool:
    """Doses the column arithmetic does not mirror, so the engine computes
    them: tablet combinations, and AUC (carboplatin) doses unless the policy
    estimates kidney function by Cockcroft-Gault (CKD-EPI 2021 is the
    engine's alone; an order file carries no measured GFR, so "measured"
    is passed over)."""
    kidney = next((m for m in policy.kidney_function if m != "measured"), None)
    return bool(drug.tablets) or (drug.entry.basis == "auc" and kidney != "cockcroft-gault")


def _doses_by_engine(
    drug: _DrugDose,
    rows: np.ndarray,
    policy: Policy,
    patients: Patients,
    reduction: np.ndarray,
    problems: Problems,
    doses: _Doses,
) -> None:
    """A group's doses by the scalar engine, once per distinct patient and
    reduction; an engine error is the row's ``cannot verify``."""
    doses.computed[rows] = _scalar_doses(
        drug.slot,
        drug.step,
        drug.kind,
        policy,
        patients,
        reduction,
        rows,
        drug.vials,
        drug.tablets,
        problems,
    )
    if drug.alternative is not None:
        doses.other[rows] = _scalar_doses(
            drug.slot,
            drug.alternative,
            "",
            policy,
            patients,
            reduction,
            rows,
            drug.vials,
            drug.tablets,
            None,
        )


def _doses_on_columns(
    drug: _DrugDose,
    rows: np.ndarray,
    policy: Policy,
    patients: Patients,
    reduction: np.ndarray,
    problems: Problems,
    doses: _Doses,
) -> None:
    """A group's doses by the batch arithmetic (:mod:`.arith`), checked once
    per drug and kind against the scalar engine. A row the arithmetic cannot
    dose is named: for an AUC dose the engine says why, in its own words."""
    entry = drug.entry
    p = patients.take(rows)
    final, message, missing = final_mg(entry, drug.step, policy, p, reduction[rows], drug.vials)
    if entry.basis == "auc" and missing.any():
        # Missing inputs or a GFR beyond physical limits: the engine's own words.
        final[missing] = _scalar_doses(
            drug.slot,
            drug.step,
            drug.kind,
            policy,
            patients,
            reduction,
            rows[missing],
            drug.vials,
            (),
            problems,
        )
    else:
        problems.add_rows(rows[missing], message or "")
    # The engine's last guard: zero, negative or not a number is not a dose.
    with np.errstate(invalid="ignore"):
        not_a_dose = ~missing & ~(np.isfinite(final) & (final > 0))
    problems.add_rows(rows[not_a_dose], f"{entry.drug}: the computed dose is not a dose")
    doses.computed[rows] = final
    _check_against_engine(
        drug.slot,
        drug.kind,
        policy,
        patients,
        reduction,
        doses.computed,
        rows[~missing],
        drug.vials,
    )
    if drug.alternative is not None:
        doses.other[rows], _, _ = final_mg(
            entry, drug.alternative, policy, p, reduction[rows], drug.vials
        )


# -- The scalar engine, for what the columns do not mirror -----------------------------


def _engine_patient(p: Patients, i: int) -> Any:
    """The scalar engine's Patient for row ``i`` (values already in canonical units)."""
    sex = {FEMALE: "female", MALE: "male"}.get(int(p.sex[i]))
    age = None if np.isnan(p.age_years[i]) else repr(float(p.age_years[i]))
    scr = None if np.isnan(p.scr_mg_dl[i]) else f"{float(p.scr_mg_dl[i])!r} mg/dL"
    return patient_rules.make_patient(
        repr(float(p.height_cm[i])), repr(float(p.weight_kg[i])), sex=sex, age=age, scr=scr
    )


def _scalar_doses(
    slot: Slot,
    step: Any,
    kind: str,
    policy: Policy,
    p: Patients,
    reduction: np.ndarray,
    rows: np.ndarray,
    vials: tuple[float, ...],
    tablets: tuple[float, ...],
    problems: Problems | None,
) -> np.ndarray:
    """Final doses by the scalar engine, once per distinct patient and
    reduction; an engine error becomes the row's ``cannot verify``."""

    assert slot.entry is not None and slot.phase is not None
    doses = np.full(len(rows), np.nan)
    seen: dict[tuple[float, ...], float | str] = {}
    for n, i in enumerate(rows.tolist()):
        key = (
            p.height_cm[i],
            p.weight_kg[i],
            p.sex[i],
            p.age_years[i],
            p.scr_mg_dl[i],
            reduction[i],
        )
        result = seen.get(key)
        if result is None:
            try:
                reductions = {slot.entry.drug: float(reduction[i])} if reduction[i] else {}
                ctx = DosingContext.build(_engine_patient(p, i), policy, reductions)
                line = compute_dose(
                    slot.entry,
                    step,
                    kind or "standard",  # type: ignore[arg-type]
                    ctx,
                    phase=slot.phase.id,
                    cycle=None,
                    day=None,
                    vials_mg=vials,
                    tablets_mg=tablets,
                )
                result = float(line.final_mg)
                if "NOT A TABLET DOSE" in line.rounding_note:
                    result = f"{slot.entry.drug}: {line.rounding_note}"
            except DosecalcError as exc:
                result = str(exc)
            seen[key] = result
        if isinstance(result, str):
            if problems is not None:
                problems.add_rows(np.array([i]), result)
        else:
            doses[n] = result
    return doses


#: Drug and kind pairs already checked against the scalar engine in this process.
_CHECKED: set[tuple[str, str, str, str]] = set()


def _check_against_engine(
    slot: Slot,
    kind: str,
    policy: Policy,
    p: Patients,
    reduction: np.ndarray,
    final: np.ndarray,
    rows: np.ndarray,
    vials: tuple[float, ...],
) -> None:
    """Recompute one dose of each drug and kind with the scalar engine, from
    the row's own patient values: the batch result in that row must be the
    same dose, or the run stops (a silent wrong dose is worse than no
    verification). The row is the group's last, so rows gathered from
    several slots are covered."""

    assert slot.entry is not None and slot.regimen is not None and slot.phase is not None
    key = (policy.id, slot.regimen.id, slot.phase.id, f"{slot.entry.drug}:{kind}")
    usable = rows[~np.isnan(final[rows])]
    if key in _CHECKED or not len(usable):
        return
    i = int(usable[-1])
    patient = _engine_patient(p, i)
    reductions = {slot.entry.drug: float(reduction[i])} if reduction[i] else {}
    ctx = DosingContext.build(patient, policy, reductions)
    line = compute_dose(
        slot.entry,
        slot.step(kind),
        kind,  # type: ignore[arg-type]
        ctx,
        phase=slot.phase.id,
        cycle=None,
        day=None,
        vials_mg=vials,
    )
    if abs(line.final_mg - final[i]) > 1e-9 * max(1.0, abs(line.final_mg)):
        raise CalculationError(
            f"internal check failed: {slot.entry.drug} {kind} is {line.final_mg!r} mg by the "
            f"engine and {float(final[i])!r} mg by the batch path; please report it"
        )
    _CHECKED.add(key)


# -- The verdict -----------------------------------------------------------------------


def _assemble(
    batch: pa.RecordBatch,
    problems: Problems,
    ordered: np.ndarray,
    ordered_basis: np.ndarray,
    due: _KindsDue,
    doses: _Doses,
    policy: Policy,
) -> pa.RecordBatch:
    """Compare ordered with computed doses and build the output batch.

    Each step decides some of the rows the steps before left open (``live``),
    from the most specific explanation of a difference to the broadest: the
    dose could not be computed, the order is on another basis, it is the
    other kind of dose (loading or maintenance), it is the dose or within
    tolerance of it, it is a unit or decimal slip; what is left is outside
    tolerance.
    """
    computed = doses.computed
    tolerance = policy.rounding.tolerance_pct
    problems.add(
        problems.clear & np.isnan(computed), "the dose could not be computed from this row"
    )
    live = problems.clear
    flat = _BASES.index("flat")
    mass = live & (ordered_basis == flat)
    same_basis = live & (ordered_basis == due.expected_basis)
    ordered_mg = _ordered_in_mg(ordered, mass, same_basis & (ordered_basis != flat), doses)

    wrong_basis = live & ~mass & ~same_basis
    _flag_wrong_basis(wrong_basis, ordered_basis, due.expected_basis, problems)
    live &= ~wrong_basis

    within = _within_tolerance(ordered_mg, computed, tolerance)
    wrong_kind = live & ~within & _within_tolerance(ordered_mg, doses.other, tolerance)
    _flag_wrong_kind(wrong_kind, due, policy, problems)
    live &= ~wrong_kind

    exact = _as_printed(ordered_mg, computed)
    problems.verdict[live & exact] = _CODE[OK]
    problems.verdict[live & ~exact & within] = _CODE[WITHIN]
    _flag_outside(live & ~within, ordered, ordered_mg, mass, due.expected_basis, doses, problems)
    return _output_batch(batch, problems, ordered_mg, computed, due.kind_code)


def _ordered_in_mg(
    ordered: np.ndarray, mass: np.ndarray, per_basis: np.ndarray, doses: _Doses
) -> np.ndarray:
    """The ordered dose in mg, for comparison with the computed one: as
    written for an order in mg (``mass``); for an order per m², per kg or as
    an AUC on the drug's own basis (``per_basis``), times the patient's
    metric (the computed dose over the per-unit dose). NaN elsewhere."""
    ordered_mg = np.full(len(ordered), np.nan)
    ordered_mg[mass] = ordered[mass]
    with np.errstate(invalid="ignore", divide="ignore"):
        ordered_mg[per_basis] = (
            ordered[per_basis] * doses.computed[per_basis] / doses.per_unit[per_basis]
        )
    return ordered_mg


def _flag_wrong_basis(
    rows: np.ndarray, ordered_basis: np.ndarray, expected_basis: np.ndarray, problems: Problems
) -> None:
    """An order on another basis than the drug's (mg/kg for a drug dosed per
    m², mg/m² for an AUC dose) is named as such, never converted: the dose
    was written on the wrong basis."""
    for i in np.flatnonzero(rows):
        problems.set(
            int(i),
            f"ordered in {_basis_unit(int(ordered_basis[i]))}; "
            f"the drug is dosed in {_basis_unit(int(expected_basis[i]))}",
            WRONG_UNIT,
        )


def _within_tolerance(
    ordered_mg: np.ndarray, reference: np.ndarray, tolerance: float
) -> np.ndarray:
    """The ordered dose is within the policy's tolerance of ``reference``.
    The tolerance is inclusive ("at most 5%"); a dose written exactly 5% off
    (132.3 mg for 126 mg) must not fall outside by float noise."""
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.abs(ordered_mg - reference) / reference * 100
        within: np.ndarray = change <= tolerance + _PERCENT_NOISE
    return within


def _as_printed(ordered_mg: np.ndarray, computed: np.ndarray) -> np.ndarray:
    """The order is the computed dose as dosecalc prints it (0.1 mg above
    1 mg, 0.01 mg below): "ok" rather than "within tolerance"."""
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(computed >= 1, 0.05, 0.005) + 1e-9
        exact: np.ndarray = np.abs(ordered_mg - computed) <= precision
    return exact


def _flag_wrong_kind(rows: np.ndarray, due: _KindsDue, policy: Policy, problems: Problems) -> None:
    """Orders that are the other kind of dose (within tolerance of it, not of
    the dose due): a maintenance dose where the first loading dose or a
    re-load is due, a loading dose where maintenance is due."""
    loading = due.kind_code == KINDS.index("loading")
    for i in np.flatnonzero(rows):
        if loading[i] and due.reload[i]:
            problems.set(
                int(i),
                f"the maintenance dose was ordered; a re-load (loading dose) is due after "
                f"{int(due.gap[i])} days since the previous dose ({policy.id} policy)",
                RELOAD_DUE,
            )
        elif loading[i]:
            problems.set(
                int(i),
                "the maintenance dose was ordered; the first dose is a loading dose",
                LOADING_DUE,
            )
        else:
            problems.set(
                int(i),
                "a loading dose was ordered; the maintenance dose is due",
                UNEXPECTED_LOADING,
            )


def _flag_outside(
    rest: np.ndarray,
    ordered: np.ndarray,
    ordered_mg: np.ndarray,
    mass: np.ndarray,
    expected_basis: np.ndarray,
    doses: _Doses,
    problems: Problems,
) -> None:
    """Orders outside tolerance (``rest``). A unit or decimal slip (about 10
    or 1000 times the dose, or that fraction of it) or a per-unit dose
    written as mg is a wrong basis or unit, named with its likely cause; the
    others are outside tolerance."""
    computed, per_unit = doses.computed, doses.per_unit
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ordered_mg / computed
        slip = rest & ((ratio >= TEN_FOLD) | (ratio <= 1 / TEN_FOLD))
        # mg written for mg/m² or mg/kg: the ordered number is the per-unit dose.
        basis_dropped = (
            rest
            & mass
            & (expected_basis != _BASES.index("flat"))
            & (np.abs(ordered - per_unit) <= 1e-6 * np.maximum(1.0, per_unit))
        )
    for i in np.flatnonzero(slip | basis_dropped):
        if basis_dropped[i] and not slip[i]:
            message = (
                f"{format_number(ordered[i])} mg is the per-unit dose "
                f"{format_amount(per_unit[i], BASIS_UNITS[_BASES[expected_basis[i]]], 4)} written as mg"
            )
        else:
            message = _slip_message(float(ratio[i]))
        problems.set(int(i), message, WRONG_UNIT)
    problems.verdict[rest & ~slip & ~basis_dropped] = _CODE[OUTSIDE]


def _slip_message(ratio: float) -> str:
    """The likely slip behind an ordered dose ``ratio`` times the computed one."""
    times = 1000 if (ratio >= THOUSAND_FOLD or ratio <= 1 / THOUSAND_FOLD) else 10
    direction = "times" if ratio > 1 else "times less than"
    return f"about {times} {direction} the computed dose: check the unit and decimal point"


def _output_batch(
    batch: pa.RecordBatch,
    problems: Problems,
    ordered_mg: np.ndarray,
    computed: np.ndarray,
    kind_code: np.ndarray,
) -> pa.RecordBatch:
    """The input columns and the verification columns. A row not verified
    (cannot verify, not in regimen) shows only its verdict and reason: no
    computed dose, kind or difference that could be read as checked."""
    verdict = problems.verdict
    shown = verdict != _CODE[CANNOT_VERIFY]
    shown &= verdict != _CODE[NOT_IN_REGIMEN]
    computed_out = np.where(shown, computed, np.nan)
    diff_mg = np.where(shown, ordered_mg - computed, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff_pct = np.where(shown, (ordered_mg - computed) / computed * 100, np.nan)
    kinds = np.where(shown & (kind_code >= 0), kind_code, -1)
    columns = list(batch.columns) + [
        pa.array(computed_out, pa.float64(), from_pandas=True),
        _dictionary(kinds, KINDS),
        pa.array(diff_mg, pa.float64(), from_pandas=True),
        pa.array(diff_pct, pa.float64(), from_pandas=True),
        _dictionary(verdict, VERDICTS),
        _dictionary(problems.detail, problems.messages),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=output_schema(batch.schema))


def _dictionary(codes: np.ndarray, values: tuple[str, ...] | list[str]) -> pa.Array:
    """A dictionary-coded text column (code -1: empty)."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string()))


def _basis_unit(index: int) -> str:
    """How a basis is written: mg, mg/m², mg/kg, AUC (mg/mL·min)."""
    unit = BASIS_UNITS[_BASES[index]]
    return "AUC (mg/mL·min)" if unit == "AUC" else UNIT_LABELS.get(unit, unit)
