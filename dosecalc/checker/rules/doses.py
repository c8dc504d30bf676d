"""Dose and basis: each written dose against the regimen's doses (or the drug reference's
usual range), graded by harm: a dose no label allows is an error with its factor."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ...case import Treatment
from ...drugs import DrugInfo, UsualDose
from ...formatting import format_amount, format_number
from ...model import BASIS_UNITS, DrugEntry
from ...patient import dosing_weight, policy_bsa
from ...regimen import parse_per_unit_dose
from ...textfold import fold
from ...vocabulary import frequency_from_id, parse_frequency
from ..course import (
    SRC_ISMP,
    Course,
    Finding,
    Findings,
    Identified,
    basis_words,
    entry_for,
    matching_steps,
    regimen_steps,
    spaced,
    steps_text,
    times_text,
    unit_text,
    written_route,
)
from ..written import DoseReading, WrittenDose, parse_written_dose
from .frequency import dose_frequency, reference_frequency
from .loading import loading_due, loading_from_library


def doses(course: Course, out: Findings, found: Identified) -> None:
    t = found.treatment
    components = _product_components(found)
    for written in t.drugs:
        drug = found.drugs.get(written.drug)
        if drug is None:
            continue
        if written.reduction:
            course.reductions[(t.id, drug)] = written.reduction
        if written.reduced:
            course.reduced.add((t.id, drug))
        first, then = components.get(drug, (written.dose, written.maintenance))
        if first is not None:
            _dose(course, out, found, drug, first, then=False)
        if then is not None:
            _dose(course, out, found, drug, then, then=True)


def _product_components(found: Identified) -> dict[str, tuple[str | None, str | None]]:
    """The doses of a fixed-dose product whose components are written as one
    dose ("Phesgo 1200 mg/600 mg SC, then 600 mg/600 mg"): the label writes
    them in the order of its drugs (pertuzumab, then trastuzumab), which is
    the order of the library phase's drug lines. Only when the phase is such
    a product (every drug a flat dose by one route), the treatment names all
    its drugs, and one of them carries the whole dose while the others carry
    none; each component is then that drug's dose."""
    phase, t = found.phase, found.treatment
    if phase is None or len(phase.drugs) < 2:
        return {}
    order = [e.drug for e in phase.drugs]
    if any(e.basis != "flat" for e in phase.drugs) or len({e.route for e in phase.drugs}) != 1:
        return {}
    lines = {found.drugs.get(w.drug): w for w in t.drugs}
    if set(order) - set(lines):
        return {}
    carriers = [lines[d] for d in order if lines[d].dose is not None]
    if len(carriers) != 1 or any(
        lines[d].maintenance for d in order if lines[d] is not carriers[0]
    ):
        return {}
    carrier = carriers[0]
    split = [_components(carrier.dose, len(order)), _components(carrier.maintenance, len(order))]
    if split[0] is None or (carrier.maintenance is not None and split[1] is None):
        return {}
    first, then = split
    return {
        drug: (first[i] if first else None, then[i] if then else None)
        for i, drug in enumerate(order)
    }


def _components(text: str | None, count: int) -> list[str] | None:
    """The ``count`` components of a dose written as one ("1200 mg/600 mg
    SC" -> "1200 mg SC", "600 mg SC"), or None when it is not such a dose."""
    if text is None:
        return None
    dose = parse_written_dose(text)
    reading = dose.reading
    if reading is None or not reading.is_combination or len(reading.amounts) != count:
        return None
    route = f" {dose.route}" if dose.route else ""
    return [f"{float(a.magnitude):g} {reading.unit}{route}" for a in reading.amounts]


def _dose(
    course: Course, out: Findings, found: Identified, drug: str, text: str, then: bool
) -> None:
    """One written dose of ``drug``: the first (``then`` False: a loading
    dose when one is due) or the maintenance dose written after it."""
    t = found.treatment
    dose = parse_written_dose(text)
    if dose.problem == "a dose cannot be negative":
        out.add(
            "error",
            "DOSE_IMPLAUSIBLE",
            t,
            drug,
            f"'{text}': a dose cannot be negative (a stray sign, or a range such as '60-75'?)",
            SRC_ISMP,
        )
        return
    if not dose.understood:
        out.add(
            "warning",
            "NOT_UNDERSTOOD",
            t,
            drug,
            f"dose '{text}' was not understood ({dose.problem})",
            SRC_ISMP,
        )
        return
    if dose.leftover:
        harmless = _harmless_detail(course, found, drug, dose.leftover)
        out.add(
            "info" if harmless else "warning",
            "NOT_UNDERSTOOD",
            t,
            drug,
            f"in '{text}', '{dose.leftover}' was not read"
            + (
                " (days of the cycle or how it is given: the dose and frequency were checked without it)"
                if harmless
                else ""
            ),
            SRC_ISMP,
        )
    info = course.reference.get(drug)
    entry = entry_for(found.phase, drug)
    before = len(out.items)
    if entry is not None:
        dose_frequency(course, out, found, drug, dose)
        _regimen_dose(course, out, found, drug, entry, dose, then)
    elif info.usual:
        # No regimen to compare with (supportive care, or a drug the
        # library has no regimen for): the drug reference's usual range.
        reference_dose(course, out, t, drug, dose, text, written_route(t, drug, found))
        if not then:
            loading_from_library(course, out, found, drug, dose)
    # Spacing advice only for a dose that is otherwise right: for a
    # wrong or ambiguous one, the other finding says what to write.
    flagged = any(f.severity != "info" and f.drug == drug for f in out.items[before:])
    if dose.run_together and not flagged:
        out.add(
            "info",
            "ISMP_SPACING",
            t,
            drug,
            f"'{text}': number and unit run together; write a space ('{spaced(dose)}')",
            SRC_ISMP,
        )


# What a pharmacist writes after a dose that changes neither the dose nor how
# often it is given: the route or way of giving it ("per os", "IV bolus",
# "over 46 hours", "continuously", "en continu"); and the days of the cycle
# ("days 1-14", "J1-J14", "day 2") when they are the regimen's days for the
# drug, or the drug is supportive care. Left unread, it is a note; other
# days (capecitabine "days 1-21" for days 1-14 is 1.5 times the intensity)
# stay a warning.
_ADMINISTRATION_DETAIL = re.compile(
    r"(?:iv\s+|en\s+)?(?:bolus|push|perfusion|infusion)"
    r"|(?:iv\s+)?(?:over|en|sur)\s+\d+\s*(?:hours?|heures?|h|minutes?|min)"
    r"|continuously|en\s+continu|continu|per\s+os|orally|par\s+voie\s+orale"
)
_CYCLE_DAYS = re.compile(
    r"(?:on\s+)?(?:days?|d|j|jours?)\s*(\d+)"
    r"((?:\s*(?:-|a|to|and|et|,|&)\s*(?:(?:days?|d|j)\s*)?\d+)*)"
)


def _cycle_days(text: str) -> set[int] | None:
    """The days of a cycle written as "days 1-14", "J1-J14", "days 1, 8 and 15"."""
    match = _CYCLE_DAYS.fullmatch(text)
    if match is None:
        return None
    days = {int(match.group(1))}
    previous = int(match.group(1))
    for joiner, number in re.findall(
        r"(-|a|to|and|et|,|&)\s*(?:(?:days?|d|j)\s*)?(\d+)", match.group(2)
    ):
        value = int(number)
        if joiner in ("-", "a", "to") and value >= previous:
            days.update(range(previous, value + 1))
        else:
            days.add(value)
        previous = value
    return days


def _harmless_detail(course: Course, found: Identified, drug: str, leftover: str) -> bool:
    text = fold(leftover).strip(" ,;.")
    if _ADMINISTRATION_DETAIL.fullmatch(text):
        return True
    days = _cycle_days(text)
    if days is None:
        return False
    if course.reference.get(drug).category == "supportive":
        return True
    # The regimen's days for the drug; without a regimen, the days a library
    # regimen gives it (capecitabine days 1-14).
    phases = (
        [found.phase]
        if found.phase is not None
        else [phase for regimen in course.regimens for phase in regimen.phases]
    )
    return any(
        (entry := entry_for(phase, drug)) is not None
        and bool(entry.days)
        and days <= set(entry.days)
        for phase in phases
    )


def _regimen_dose(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    then: bool = False,
) -> None:
    """A written dose against the regimen's doses for the drug: the reading
    to judge (its unit and basis settled first), the loading dose where one
    is due, then an amount that is none of the regimen's doses."""
    reading = _reading_to_judge(course, out, found, drug, entry, dose)
    if reading is None:
        return
    written = _per_unit(reading, entry.basis)
    value = float(written.magnitude)
    steps = regimen_steps(entry)
    matches = matching_steps(steps, value, course.policy.rounding.tolerance_pct)
    if then:
        if _loading_written_as_maintenance(course, out, found, drug, entry, dose, matches):
            return
    else:
        loading_due(course, out, found, drug, entry, matches, value)
    if matches:
        return
    if _daily_total(course, out, found, drug, entry, dose, value, written.units):
        return
    _judge_amount(course, out, found, drug, entry, dose, value, written.units)


def _reading_to_judge(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
) -> DoseReading | None:
    """The reading of the written dose to judge against the regimen, or None
    when there is none to judge (a finding already says why)."""
    if dose.ambiguous:
        return _ambiguous_reading(course, out, found, drug, entry, dose)
    reading = dose.reading
    if reading is None:
        return None
    if reading.basis != entry.basis:
        _other_basis(course, out, found, drug, entry, dose, reading)
        return None
    return reading


def _ambiguous_reading(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
) -> DoseReading | None:
    """A dose that reads two ways ("1,200 mg": a thousands separator or a
    decimal comma): of the readings in the regimen's basis, the one nearest
    its doses is judged; the ambiguity itself is reported (ISMP: write doses
    that read one way)."""
    t = found.treatment
    readings = list(dose.readings)
    fitting = sorted(
        (r for r in readings if r.basis == entry.basis),
        key=lambda r: _distance(r, entry),
    )
    if _only_one_plausible(course, readings, fitting, entry):
        # "1,200 mg" for pertuzumab: 1,200 mg is the regimen's loading dose
        # and 1.2 mg is a thousand times off any of its doses. No one would
        # read it the other way: the regimen's reading is judged, with a note.
        out.add(
            "info",
            "UNIT_AMBIGUOUS",
            t,
            drug,
            f"'{dose.text}' read as {format_amount(float(fitting[0].amounts[0].magnitude), fitting[0].unit, 4)}"
            " (a regimen dose; the other reading is about 1000 times off any of them)",
            SRC_ISMP,
        )
        return fitting[0]
    message = _two_units_message(course, entry, dose, readings, fitting)
    out.add("warning", "UNIT_AMBIGUOUS", t, drug, message, SRC_ISMP)
    return fitting[0] if fitting else None


def _two_units_message(
    course: Course,
    entry: DrugEntry,
    dose: WrittenDose,
    readings: list[DoseReading],
    fitting: list[DoseReading],
) -> str:
    """What to confirm for a dose that reads two ways: the reading in the
    regimen's basis, in mg at the patient's weight when dosed per kg (a
    weight is needed for that), and how to write it so it reads one way."""
    expected_unit = BASIS_UNITS[entry.basis]
    text = " or ".join(
        f"{format_amount(float(r.amounts[0].magnitude), r.unit, 4)}" for r in readings
    )
    message = f"'{dose.text}' has two units ({text})"
    if fitting:
        chosen = fitting[0]
        per_unit = float(chosen.amounts[0].magnitude)
        message += f": confirm {format_amount(per_unit, expected_unit, 4)}"
        if course.patient and entry.basis == "weight":
            mg_reading = next((r for r in readings if r.basis == "flat"), None)
            message += f" (= {format_amount(per_unit * course.patient.weight_kg, 'mg')} at {format_number(course.patient.weight_kg)} kg)"
            if mg_reading is not None:
                message += (
                    f", not {format_amount(float(mg_reading.amounts[0].to('mg').magnitude), 'mg')}"
                )
        elif entry.basis == "weight":
            message += " (a weight is needed to give it in mg: the case gives none)"
        message += f"; write it as '{format_amount(per_unit, expected_unit, 4)}'"
    return message


def _other_basis(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    reading: DoseReading,
) -> None:
    """A dose on another basis than the regimen's (mg/m² for a drug dosed
    per kg): right when it is the regimen dose worked out in mg for this
    patient, or written beside it; otherwise a wrong basis, an error, since
    the dose given would follow the wrong body measure."""
    if _confirm_in_mg(course, out, found, drug, entry, dose, reading):
        return
    if _worked_out_beside(
        course, out, found, drug, entry.basis, dose, reading, course.sources(found)
    ):
        return
    out.add(
        "error",
        "WRONG_BASIS",
        found.treatment,
        drug,
        f"'{dose.text}' is a {basis_words(reading.basis)} dose; {drug} is dosed {basis_words(entry.basis)} ({BASIS_UNITS[entry.basis]})",
        course.sources(found),
    )


def _per_unit(reading: DoseReading, basis: str) -> Any:
    """The reading as a quantity per unit of the basis (mg/kg, mg/m²), or as
    an AUC in mg/mL·min for carboplatin."""
    return (
        parse_per_unit_dose(
            f"{float(reading.amounts[0].magnitude)} {reading.unit.replace('AUC', 'mg/mL*min')}",
            basis,
        )
        if reading.unit != "AUC"
        else reading.amounts[0]
    )


def _loading_written_as_maintenance(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    matches: list[str],
) -> bool:
    """The dose written after the loading dose must be the maintenance dose:
    the loading dose again there is a warning (True: nothing more to judge)."""
    if not (matches and matches[0] == "loading" and entry.maintenance is not None):
        return False
    out.add(
        "warning",
        "UNEXPECTED_LOADING",
        found.treatment,
        drug,
        f"'{dose.text}' is written as the dose after the loading dose, but it is the loading dose: the maintenance dose is {format_amount(entry.maintenance.per_unit, BASIS_UNITS[entry.basis], 4)}",
        course.sources(found),
    )
    return True


def _daily_total(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
    units: Any,
) -> bool:
    """A daily total of a drug taken several times a day ("soit une dose
    quotidienne totale de 2500 mg/m2" for capecitabine 1250 mg/m2 twice
    daily) is compared with the labelled daily total, not with the dose per
    intake. It counts as a daily total only when written so: with a daily
    frequency, or beside a statement of the same drug at the dose per
    intake several times a day. "2500 mg/m2 twice daily" stays a dose per
    intake (and a double dose)."""
    times = entry.times_per_day
    freq = dose.frequency
    if times <= 1 or (freq is not None and freq.interval_days < 0.99):
        return False
    per_intake = value / times
    tolerance = course.policy.rounding.tolerance_pct / 100
    info = course.reference.get(drug)
    labelled = []
    for usual in info.usual:
        if usual.basis != entry.basis or not usual.allows_frequency(
            "twice_daily" if times == 2 else "three_times_daily"
        ):
            continue
        try:
            low = float(usual.minimum.to(units).magnitude)
            high = float(usual.maximum.to(units).magnitude)
        except Exception:  # a unit Pint cannot convert: not comparable
            continue
        if low * (1 - tolerance) <= per_intake <= high * (1 + tolerance):
            labelled.append((low, high, usual))
    if not labelled:
        return False
    written_daily = freq is not None and abs(freq.interval_days - 1) < 0.01
    beside = _written_per_intake(course, drug, entry.basis, per_intake, times, tolerance)
    if not (written_daily or beside):
        return False
    low, high, usual = labelled[0]
    unit = BASIS_UNITS[entry.basis]
    why = "written as a daily dose" if written_daily else f"the text also writes {beside}"
    out.add(
        "info",
        "DOSE_DAILY_TOTAL",
        found.treatment,
        drug,
        f"'{dose.text}' is a daily total ({why}): {times} × {format_amount(per_intake, unit, 4)}"
        f" ({drug} is taken {times} times a day); the labelled daily total is"
        f" {format_amount(low * times, unit, 4)} to {format_amount(high * times, unit, 4)}"
        f" ({format_amount(low, unit, 4)} to {format_amount(high, unit, 4)} {times} times a day)",
        course.citations(usual.sources),
    )
    return True


def _written_per_intake(
    course: Course, drug: str, basis: str, per_intake: float, times: int, tolerance: float
) -> str | None:
    """A statement of ``drug`` in the course at ``per_intake`` taken
    ``times`` a day, as written, or None."""
    for other in course.identified:
        for written in other.treatment.drugs:
            if other.drugs.get(written.drug) != drug or not written.dose:
                continue
            parsed = parse_written_dose(written.dose)
            reading, freq = parsed.reading, parsed.frequency
            if freq is None and other.treatment.frequency:
                freq = parse_frequency(other.treatment.frequency)
            if (
                reading is None
                or reading.basis != basis
                or reading.is_combination
                or freq is None
                or abs(freq.interval_days * times - 1) > 0.05
            ):
                continue
            amount = float(reading.amounts[0].magnitude)
            if abs(amount - per_intake) <= per_intake * tolerance:
                return f"'{written.dose}'"
    return None


def _only_one_plausible(
    course: Course, readings: list[DoseReading], fitting: list[DoseReading], entry: DrugEntry
) -> bool:
    """Whether, of two readings in the same unit ("1,200 mg": 1.2 mg or 1,200
    mg), one is a regimen dose (within the rounding tolerance) and every
    other is at least 100 times off all of the regimen's doses."""
    if not fitting or len(fitting) != len(readings) or len({r.unit for r in readings}) != 1:
        return False
    tolerance = course.policy.rounding.tolerance_pct / 100
    best, others = fitting[0], fitting[1:]
    return _distance(best, entry) <= math.log(1 + tolerance) + 1e-9 and all(
        _distance(r, entry) >= math.log(100) for r in others
    )


def _confirm_in_mg(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    reading: DoseReading,
) -> bool:
    """A dose in mg for a drug dosed per kg or per m² is right when it is
    the per-unit dose at the patient's documented weight or BSA (within
    the policy's rounding tolerance): a confirmation, not a finding."""
    if course.patient is None or reading.basis != "flat" or entry.basis not in ("bsa", "weight"):
        return False
    if entry.basis == "bsa":
        metric = policy_bsa(course.patient, course.policy).value_m2
        how = f"BSA {format_number(metric, 2)} m²"
    else:
        metric, how = dosing_weight(
            course.patient, course.policy.dosing_weight, course.policy.adjusted_weight_factor
        )
    mg = float(reading.amounts[0].to("mg").magnitude)
    tolerance = course.policy.rounding.tolerance_pct
    for kind, step in regimen_steps(entry).items():
        expected = step.per_unit * metric
        if expected and abs(mg - expected) <= expected * tolerance / 100:
            loading_due(course, out, found, drug, entry, [kind], step.per_unit)
            out.add(
                "info",
                "DOSE_CONFIRMED",
                found.treatment,
                drug,
                f"'{dose.text}' is {format_amount(step.per_unit, BASIS_UNITS[entry.basis], 4)} × {how}"
                f" = {format_amount(expected, 'mg')} (within policy {course.policy.id}'s {format_number(tolerance)}% rounding tolerance)",
                course.sources(found),
            )
            return True
    return False


# The adult weights and body surface areas a dose in mg worked out from a
# per-kg or per-m² dose can imply: outside them the mg dose is no such
# translation ("trastuzumab 6 mg/kg ... 4260 mg" implies 710 kg).
_ADULT_WEIGHT_KG = (30.0, 200.0)
_ADULT_BSA_M2 = (1.2, 2.8)


def _worked_out_beside(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    basis: str,
    dose: WrittenDose,
    reading: DoseReading,
    source: str,
) -> bool:
    """A dose in mg written beside the per-kg or per-m² dose of the same drug
    ("Herceptin 6mg/kg IV q3w ... Wt 71 kg -> 426 mg") is that dose worked
    out for the patient, not a flat dose given instead: when the case gives
    no weight or BSA to confirm it (:func:`_confirm_in_mg` does when it
    does), the weight or BSA it implies is stated for the pharmacist to
    check, provided it is an adult's. "Beside" is the same statement or an
    earlier one of the same text."""
    if (
        course.patient is not None
        or reading.basis != "flat"
        or reading.is_combination
        or basis not in ("bsa", "weight")
    ):
        return False
    mg = float(reading.amounts[0].to("mg").magnitude)
    low, high = _ADULT_WEIGHT_KG if basis == "weight" else _ADULT_BSA_M2
    unit = BASIS_UNITS[basis]
    for per_unit in _per_unit_beside(course, found, drug, basis):
        metric = mg / per_unit if per_unit else 0.0
        if low <= metric <= high:
            implied = (
                f"{format_number(metric, 1)} kg"
                if basis == "weight"
                else f"a BSA of {format_number(metric, 2)} m²"
            )
            out.add(
                "info",
                "DOSE_WORKED_OUT",
                found.treatment,
                drug,
                f"'{dose.text}' is the {format_amount(per_unit, unit, 4)} written beside it, worked out"
                f" for the patient ({format_amount(per_unit, unit, 4)} × {implied} = {format_amount(mg, 'mg')});"
                f" no {'weight' if basis == 'weight' else 'height and weight'} was read to confirm {implied}",
                source,
            )
            return True
    return False


def _per_unit_beside(course: Course, found: Identified, drug: str, basis: str) -> list[float]:
    """The per-kg or per-m² doses of ``drug`` written in the same statement
    or in an earlier one, nearest first: a verification note gives the plan
    ("doxorubicin 60 mg/m2 ... then paclitaxel 80 mg/m2 weekly") and then the
    doses worked out for the day ("C1D1: doxorubicin 106 mg"), with other
    statements between them."""
    order = [i.treatment for i in course.identified]
    index = order.index(found.treatment) if found.treatment in order else 0
    nearby = [found, *reversed(course.identified[:index])]
    doses = []
    for other in nearby:
        for written in other.treatment.drugs:
            if other.drugs.get(written.drug) != drug:
                continue
            for text in (written.dose, written.maintenance):
                reading = parse_written_dose(text).reading if text else None
                if reading is not None and reading.basis == basis and not reading.is_combination:
                    doses.append(float(reading.amounts[0].magnitude))
    return doses


def _judge_amount(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
    units: Any,
) -> None:
    """A dose that is none of the regimen's: graded by the harm it could do.

    About 1000-fold off is a unit error (mg for g). Above the highest
    usual dose of the drug reference for this schedule (or twice the
    regimen dose when the reference gives none), or under half the
    regimen dose, no label or regimen allows it: an error, with the
    factor. A documented reduction level is a note; anything else in
    between is a warning for the prescriber to confirm."""
    t = found.treatment
    steps = regimen_steps(entry)
    nearest_kind, nearest = min(
        steps.items(), key=lambda item: abs(math.log(value / item[1].per_unit)) if value else 0
    )
    fold = value / nearest.per_unit if nearest.per_unit else 0
    sources = course.sources(found)
    if fold >= 500 or (fold and fold <= 1 / 500):
        out.add(
            "error",
            "UNIT_IMPLAUSIBLE",
            t,
            drug,
            f"'{dose.text}' is about 1000 times the regimen dose ({steps_text(entry)}): check mg against g",
            sources,
        )
        return
    if _reduction_as_written(course, out, found, drug, entry, dose, value, sources):
        return
    if _documented_level(out, found, drug, entry, dose, value):
        return
    _grade_off_regimen(
        course, out, found, drug, entry, dose, value, units, (nearest_kind, nearest.per_unit)
    )


def _reduction_as_written(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
    sources: str,
) -> bool:
    """A dose that is the reduction the source writes ("reduced by 50%") of
    the regimen's dose, or of the dose written before it ("75 mg/m2 ...,
    then 37.5 mg/m2 (reduced by 50%)"), within the rounding tolerance: a
    note, as documented (True)."""
    t = found.treatment
    tolerance = course.policy.rounding.tolerance_pct / 100
    share = course.reductions.get((t.id, drug))
    bases = [(kind, step.per_unit) for kind, step in regimen_steps(entry).items()]
    earlier = _earlier_value(course, found, drug, entry.basis) if share else None
    if earlier is not None:
        bases.append(("previous", earlier))
    reduced = next(
        (
            (kind, base)
            for kind, base in bases
            if share and abs(value - base * share) <= base * share * tolerance
        ),
        None,
    )
    if reduced is None or share is None:
        return False
    out.add(
        "info",
        "DOSE_REDUCED",
        t,
        drug,
        f"'{dose.text}' is written as {format_number(share * 100)}% of "
        + (
            f"the previous dose ({format_amount(reduced[1], BASIS_UNITS[entry.basis], 4)})"
            if reduced[0] == "previous"
            else f"the regimen {reduced[0]} dose ({steps_text(entry)})"
        )
        + ": a reduction, as documented",
        sources,
    )
    return True


def _documented_level(
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
) -> bool:
    """A reduction the label or trial documents (the regimen's dose levels) is
    a decision to record, not a discrepancy: say which level it is (True)."""
    levels = entry.dose_levels
    level = entry.reduction_level(value) if levels is not None else None
    if levels is None or level is None:
        return False
    start = entry.starting_step.per_unit
    out.add(
        "info",
        "DOSE_REDUCTION_DOCUMENTED",
        found.treatment,
        drug,
        f"'{dose.text}' is documented dose reduction {level} of {drug} "
        f"(from {format_amount(start, BASIS_UNITS[entry.basis], 4)}); confirm the reason is recorded",
        _level_source(found, levels.source),
    )
    return True


def _grade_off_regimen(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
    units: Any,
    nearest: tuple[str, float],
) -> None:
    """A dose that is neither the regimen's nor a documented reduction,
    graded by harm against the nearest regimen dose (its kind and value).

    Not this regimen's dose, but the drug's published dose for the schedule
    written (trastuzumab 6 mg/kg every 3 weeks in a TCH whose library phase
    is weekly; 2 mg/kg weekly beside a 3-weekly regimen), or, in a label or
    protocol, another of its labelled doses (Enhertu 6.4 mg/kg, gastric):
    nothing to correct. Only the schedule written can clear a dose the
    regimen's comparison would call implausible. Above the highest usual
    dose or under half the regimen's lowest: an error; a reduction written
    as such: a note; anything else: a warning to confirm."""
    t = found.treatment
    nearest_kind, nearest_value = nearest
    fold = value / nearest_value if nearest_value else 0
    sources = course.sources(found)
    tolerance = course.policy.rounding.tolerance_pct / 100
    highest, where = _highest_usual(course, found, drug, entry, units)
    lowest = min(s.per_unit for s in regimen_steps(entry).values())
    times = times_text(fold)
    interval = float(entry.interval_days or (found.phase.cycle_length_days if found.phase else 0))
    published = _published_dose(course, t, drug, entry, dose, value, units, interval)
    if published is not None and published[2]:
        _published_note(course, out, t, drug, entry, dose, times, nearest_kind, published, sources)
        return
    if value > highest * (1 + tolerance) or value < lowest / 2:
        limit = (
            f"above the highest usual dose ({format_amount(highest, BASIS_UNITS[entry.basis], 4)}, {where})"
            if value > highest
            else "under half the regimen dose, and not a documented reduction level"
        )
        decimal = " A decimal-point error?" if abs(math.log10(fold)) > 0.9 else ""
        out.add(
            "error",
            "DOSE_IMPLAUSIBLE",
            t,
            drug,
            f"'{dose.text}' is {times} the regimen {nearest_kind} dose ({steps_text(entry)}): {limit}.{decimal}",
            sources,
        )
        return
    if (t.id, drug) in course.reduced and value < nearest_value:
        out.add(
            "info",
            "DOSE_REDUCED",
            t,
            drug,
            f"'{dose.text}' is written as a dose reduction of {drug} ({steps_text(entry)}; {times} the {nearest_kind} dose): record the reason",
            sources,
        )
        return
    if published is not None:
        _published_note(course, out, t, drug, entry, dose, times, nearest_kind, published, sources)
        return
    out.add(
        "warning",
        "DOSE_DIFFERS",
        t,
        drug,
        f"'{dose.text}' differs from the regimen dose ({steps_text(entry)}; {times} the {nearest_kind} dose): confirm and record the reason",
        sources,
    )


def _published_dose(
    course: Course,
    t: Treatment,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    value: float,
    units: Any,
    regimen_interval: float,
) -> tuple[UsualDose, str, bool] | None:
    """The drug reference's usual dose that ``value`` is, why it counts, and
    whether it is for the schedule written:
    for a schedule written other than the regimen's (trastuzumab 6 mg/kg
    every 3 weeks where the library's TCH is weekly); or, in a text about no
    patient (a label, a protocol), for any of its schedules. In a patient's
    record, another dose on the regimen's own schedule (docetaxel 100 mg/m2
    in TCH) stays a difference to confirm."""
    freq = dose.frequency or (parse_frequency(t.frequency) if t.frequency else None)
    within = []
    for usual in course.reference.get(drug).usual:
        if usual.basis != entry.basis or (
            usual.route and entry.route and usual.route.upper() != entry.route.upper()
        ):
            continue
        try:
            low = float(usual.minimum.to(units).magnitude)
            high = float(usual.maximum.to(units).magnitude)
        except Exception:  # a unit Pint cannot convert: not comparable
            continue
        if low - 1e-9 <= value <= high + 1e-9:
            within.append(usual)
    other_schedule = freq is not None and abs(freq.interval_days - regimen_interval) > 0.5
    for usual in within:
        if freq is not None and other_schedule and usual.allows_frequency(freq.id):
            return usual, f"the drug's usual dose {freq.spelled_out()}", True
    if within and not course.about_a_patient:
        why = "a usual dose of the drug in the drug reference (the text documents no patient)"
        return within[0], why, False
    return None


def _published_note(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    entry: DrugEntry,
    dose: WrittenDose,
    times: str,
    nearest_kind: str,
    published: tuple[UsualDose, str, bool],
    sources: str,
) -> None:
    usual, why, _ = published
    out.add(
        "info",
        "DOSE_DIFFERS",
        t,
        drug,
        f"'{dose.text}' is not the regimen dose ({steps_text(entry)}; {times} the {nearest_kind} dose)"
        f" but {why} ({_range_text(usual)})",
        course.citations(usual.sources) or sources,
    )


def _range_text(usual: UsualDose) -> str:
    low, high = usual.minimum, usual.maximum
    unit = unit_text(low)
    if float(low.magnitude) == float(high.magnitude):
        text = format_amount(float(low.magnitude), unit, 3)
    else:
        text = f"{format_amount(float(low.magnitude), unit, 3)} to {format_amount(float(high.to(low.units).magnitude), unit, 3)}"
    return f"{text}: {usual.note}" if usual.note else text


def _highest_usual(
    course: Course, found: Identified, drug: str, entry: DrugEntry, units: Any
) -> tuple[float, str]:
    """The highest dose the drug reference gives for this drug at the
    phase's schedule (any schedule when none matches), in the regimen's
    unit; twice the regimen's highest dose when the reference has none."""
    info = course.reference.get(drug)
    cycle = found.phase.cycle_length_days if found.phase else None
    usual = [u for u in info.usual if u.basis == entry.basis]
    at_cycle = [
        u
        for u in usual
        if cycle is not None
        and any(
            (f := frequency_from_id(fid)) is not None and abs(f.interval_days - cycle) < 0.5
            for fid in u.frequencies
        )
    ]
    highest = []
    for u in at_cycle or usual:
        try:
            highest.append(float(u.maximum.to(units).magnitude))
        except Exception:  # a unit Pint cannot convert: not comparable
            continue
    if highest:
        return max(highest), "drug reference"
    return 2 * max(s.per_unit for s in regimen_steps(entry).values()), "twice the regimen dose"


def reference_dose(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    dose: WrittenDose,
    text: str,
    route: str | None = None,
) -> None:
    """A written dose against the drug reference's usual adult range for its
    route and basis, when no regimen gives the dose: the frequency is judged
    whatever the dose, then the dose graded by the harm it could do."""
    info = course.reference.get(drug)
    reading = dose.reading
    if reading is None:
        return
    route = dose.route or route
    if route and info.usual and not any(u.route == route for u in info.usual):
        # The reference gives no dose for this route (a subcutaneous
        # product of an IV drug): nothing to compare with.
        return
    if dose.frequency is None and t.frequency and info.category != "supportive":
        dose = _with_treatment_frequency(t, t.frequency, dose, info, reading)
    sources = course.citations(info.sources)
    _components_written(out, t, drug, info, reading, text, sources)
    # A fixed combination's usual range is stated as the total ("4.5 g")
    # or as its first component, as the drug reference says.
    by_total = info.combination is not None and info.combination.dose_basis == "total"
    amount = reading.total if by_total else reading.amounts[0]
    for_route = [u for u in info.usual if route is None or u.route == route] or list(info.usual)
    schedules = [u for u in for_route if u.basis == reading.basis]
    per_cycle = daily_on_cycle_days(t, dose, schedules)
    if per_cycle is not None:
        amount, cycle_text = _as_cycle_dose(out, t, drug, reading, amount, per_cycle, text, sources)
        dose = replace(dose, frequency=None)
        computed = True
    else:
        computed, cycle_text = False, ""
    if not schedules:
        _no_usual_dose_on_basis(
            course, out, t, drug, dose, reading, text, info, for_route, route, sources
        )
        return
    factors = [
        (u, f) for u in schedules if (f := u.range_factor(amount, reading.basis)) is not None
    ]
    if not factors:
        return
    inside = [u for u, f in factors if f == 1.0]
    # The frequency is judged whatever the dose: a dose finding never
    # hides a frequency finding. A dose at or above the usual minimum given
    # more often than labelled multiplies the dose intensity (an error); a
    # lower dose given more often may be a weekly or metronomic schedule.
    not_below = any(f >= 1.0 for _, f in factors)
    reference_frequency(course, out, t, drug, dose, inside or schedules, not_below)
    if inside:
        return
    usual, factor = min(factors, key=lambda item: abs(math.log(item[1])))
    range_text = _usual_range_text(usual, reading.basis)
    sources = course.citations(usual.sources) or sources
    if _unit_thousandfold(out, t, drug, dose, reading, factor, range_text, text, sources):
        return
    _grade_against_usual(
        course,
        out,
        t,
        drug,
        info,
        amount,
        usual,
        factor,
        (text, range_text, cycle_text),
        computed,
        sources,
    )


def _with_treatment_frequency(
    t: Treatment, frequency: str, dose: WrittenDose, info: DrugInfo, reading: DoseReading
) -> WrittenDose:
    """A dose written without its own frequency takes the treatment's; when
    the days written with the dose are evenly spaced inside the cycle
    ("80 mg/m2 J1 J8 J15, cycles de 21 jours") and the reference gives the
    dose at that interval only, that interval is the dose's frequency."""
    written = parse_frequency(frequency)
    if written is None:
        return dose
    inner = _within_cycle(t, dose, written.interval_days)
    labelled = [_labelled_at(info, reading, f) for f in (written, inner)]
    return replace(dose, frequency=inner if labelled == [False, True] else written)


def _components_written(
    out: Findings,
    t: Treatment,
    drug: str,
    info: DrugInfo,
    reading: DoseReading,
    text: str,
    sources: str,
) -> None:
    """A dose written as components ("800 mg + 600 mg") that is not the fixed
    product's own ratio: whether it is the total or the first component
    must be stated, since the two differ by the second component."""
    if reading.is_combination and not (
        reading.units_each and info.combination and info.combination.matches_ratio(reading.amounts)
    ):
        parts = " + ".join(
            format_amount(float(a.magnitude), reading.unit, 3) for a in reading.amounts
        )
        total = format_amount(float(reading.total.magnitude), reading.unit, 3)
        out.add(
            "warning",
            "COMBINATION_DOSE_EXPRESSION",
            t,
            drug,
            f"'{text}' writes the dose as components ({parts}): state whether it is the total ({total}) or the first component",
            sources,
        )


def _as_cycle_dose(
    out: Findings,
    t: Treatment,
    drug: str,
    reading: DoseReading,
    amount: Any,
    per_cycle: tuple[set[int], str],
    text: str,
    sources: str,
) -> tuple[Any, str]:
    """A dose a day on listed days of a cycle ("35 mg/m2/j de J2 à J4") is
    judged as the cycle's dose (its dose intensity), against the drug's
    per-cycle usual range; the days come from the source text. The cycle's
    amount, and the words that say how it was worked out."""
    days, where = per_cycle
    amount = amount * len(days)
    cycle_text = (
        f" on days {where} ({format_amount(float(amount.magnitude), reading.unit, 4)} per cycle)"
    )
    out.add(
        "info",
        "DOSE_PER_CYCLE",
        t,
        drug,
        f"'{text}' a day on days {where}: {len(days)} × {format_amount(float(reading.amounts[0].magnitude), reading.unit, 4)}"
        f" = {format_amount(float(amount.magnitude), reading.unit, 4)} per cycle, judged as the cycle's dose",
        sources,
    )
    return amount, cycle_text


def _no_usual_dose_on_basis(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    dose: WrittenDose,
    reading: DoseReading,
    text: str,
    info: DrugInfo,
    for_route: list[UsualDose],
    route: str | None,
    sources: str,
) -> None:
    """The reference gives no usual dose on the basis written (mg for a drug
    dosed per m²): right when it is the per-unit dose written beside it
    worked out for the patient; otherwise said, since it cannot be judged."""
    found = next((i for i in course.identified if i.treatment is t), None)
    bases = {u.basis for u in for_route}
    if (
        found is not None
        and len(bases) == 1
        and _worked_out_beside(course, out, found, drug, bases.pop(), dose, reading, sources)
    ):
        return
    _basis_unknown_to_reference(course, out, t, drug, reading, text, info, for_route, route)


def _usual_range_text(usual: UsualDose, basis: str) -> str:
    """The usual range as printed: "AUC 5 to 6", or amounts with their unit."""
    if basis == "auc":
        return f"AUC {format_number(float(usual.minimum.magnitude))} to {format_number(float(usual.maximum.magnitude))}"
    return f"{format_amount(float(usual.minimum.magnitude), unit_text(usual.minimum), 3)} to {format_amount(float(usual.maximum.magnitude), unit_text(usual.maximum), 3)}"


def _unit_thousandfold(
    out: Findings,
    t: Treatment,
    drug: str,
    dose: WrittenDose,
    reading: DoseReading,
    factor: float,
    range_text: str,
    text: str,
    sources: str,
) -> bool:
    """About 1000 times off the usual range (300-fold or more) is a unit
    error, an error: below it, the unit a thousand times larger is meant
    ("240 mcg" for 240 mg, "1.5 mg/m2" for 1.5 g/m2) and is named."""
    if factor <= 1 / 300:
        mass, _, per = reading.unit.partition("/")
        larger = {"mcg": "mg", "mg": "g"}.get(mass, "g")
        unit = f"{larger}/{per}" if per else larger
        meant = " / ".join(format_amount(float(a.magnitude), unit, 3) for a in reading.amounts)
        freq = f" {dose.frequency.spelled_out()}" if dose.frequency else ""
        out.add(
            "error",
            "UNIT_IMPLAUSIBLE",
            t,
            drug,
            f"'{text}' is below the plausible range ({range_text}) by about 1000 times: {meant}{freq} ({larger}, not {mass}) is meant",
            sources,
        )
        return True
    if factor >= 300:
        out.add(
            "error",
            "UNIT_IMPLAUSIBLE",
            t,
            drug,
            f"'{text}' is above the plausible range ({range_text}) by about 1000 times: check the unit",
            sources,
        )
        return True
    return False


def _grade_against_usual(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    info: DrugInfo,
    amount: Any,
    usual: UsualDose,
    factor: float,
    words: tuple[str, str, str],
    computed: bool,
    sources: str,
) -> None:
    """A dose outside the usual range, by harm: the reduction the source
    writes (a note), an anticancer dose no label allows (an error), a
    reduction written as such (a note), else a warning to confirm.

    ``words`` are the dose as written, the range as printed and, for a
    cycle's dose worked out from a dose a day (``computed``), how."""
    text, range_text, cycle_text = words
    if (share := course.reductions.get((t.id, drug))) and (
        float(usual.minimum.magnitude) * share * 0.95
        <= float(amount.to(usual.minimum.units).magnitude)
        <= float(usual.maximum.to(usual.minimum.units).magnitude) * share * 1.05
    ):
        out.add(
            "info",
            "DOSE_REDUCED",
            t,
            drug,
            f"'{text}' is written as {format_number(share * 100)}% of the usual dose ({range_text}): a reduction, as documented",
            sources,
        )
    elif info.category != "supportive" and (
        (factor >= 1.5 and not computed) or factor >= 2 or factor < 0.5
    ):
        # An anticancer drug above the label's highest dose, or under half
        # its lowest: no label allows it. A cycle total worked out from a
        # dose a day is graded like a schedule, by dose intensity: twice the
        # highest usual cycle dose or more (frequency.HARMFUL_INTENSITY).
        decimal = " A decimal-point error?" if abs(math.log10(factor)) > 0.9 else ""
        where = "above the highest" if factor > 1 else "under half the lowest"
        out.add(
            "error",
            "DOSE_IMPLAUSIBLE",
            t,
            drug,
            f"'{text}'{cycle_text} is {times_text(factor)} the {'highest' if factor > 1 else 'lowest'} usual dose ({range_text}): {where} dose the label gives.{decimal}",
            sources,
        )
    elif (t.id, drug) in course.reduced and factor < 1:
        out.add(
            "info",
            "DOSE_REDUCED",
            t,
            drug,
            f"'{text}' is written as a dose reduction, under the usual adult range ({range_text})",
            sources,
        )
    else:
        out.add(
            "warning",
            "DOSE_OUT_OF_RANGE",
            t,
            drug,
            f"'{text}'{cycle_text} is outside the usual adult range ({range_text})"
            + (
                f": {times_text(factor)} the {'highest' if factor > 1 else 'lowest'} usual cycle dose"
                if computed
                else ""
            ),
            sources,
        )


# Days of a cycle written right after a dose: "J1 J8 J15", "days 1, 8 and 15",
# "d1, d8".
_DAYS_AFTER = re.compile(
    r"\s*(?:on\s+|les\s+|le\s+|au\s+)?(?:days?|d|j|jours?)\s*(\d+)"
    r"((?:\s*(?:,|et|and|&)?\s*(?:days?|d|j|jours?)?\s*\d+)*)"
)


def _labelled_at(info: DrugInfo, reading: DoseReading, frequency: Any) -> bool:
    """Whether the drug reference gives the dose at this frequency."""
    return frequency is not None and any(
        u.allows_frequency(frequency.id)
        and u.range_factor(reading.amounts[0], reading.basis) == 1.0
        for u in info.usual
    )


def _within_cycle(t: Treatment, dose: WrittenDose, cycle_days: float) -> Any:
    """The interval between the doses of a cycle when the days written after
    the dose are evenly spaced inside it ("paclitaxel 80 mg/m2 J1 J8 J15,
    cycles de 21 jours" is weekly); None otherwise. It is used only when
    the reference gives the dose at that interval and not at the cycle's
    (gemcitabine 1250 mg/m2 on days 1 and 8 is labelled per 21-day cycle)."""
    written = fold(dose.text)
    # The days written with the dose itself ("80 mg/m2 J1 J8 J15" in a case
    # file), else right after it in the source sentence.
    match = re.search(rf"(?<=[a-z0-9]){_DAYS_AFTER.pattern}", written)
    if match is None and t.quote:
        quote = fold(t.quote)
        at = quote.find(written)
        match = _DAYS_AFTER.match(quote, at + len(written)) if at >= 0 else None
        if match is None:
            # The days written once for the whole regimen ("nab-paclitaxel +
            # gemcitabine, J1 J8 J15, cycles de 28 jours"), when there is one
            # such list.
            lists = {
                m.group(0).strip()
                for m in re.finditer(rf"(?<![a-z0-9]){_DAYS_AFTER.pattern}", quote)
                if m.group(2).strip()
            }
            found = [_DAYS_AFTER.match(x) for x in lists]
            match = found[0] if len(found) == 1 else None
    if match is None:
        return None
    days = [int(match.group(1))] + [int(d) for d in re.findall(r"\d+", match.group(2))]
    steps = {b - a for a, b in zip(days, days[1:], strict=False)}
    if len(days) < 2 or len(steps) != 1:
        return None
    step = steps.pop()
    if step <= 0 or step >= cycle_days or days[-1] > cycle_days:
        return None
    return parse_frequency(f"every {step} days")


def daily_on_cycle_days(
    t: Treatment, dose: WrittenDose, schedules: list[UsualDose]
) -> tuple[set[int], str] | None:
    """The cycle days written right after a dose a day ("750 mg/m2/j de J1
    à J4", "400 mg/m2 daily on days 2-4") when the drug reference gives no
    daily schedule for it; None otherwise."""
    freq = dose.frequency
    if freq is None or abs(freq.interval_days - 1) > 0.01 or not t.quote:
        return None
    if any(u.allows_frequency(freq.id) for u in schedules):
        return None  # a labelled dose a day (fluorouracil infusion): judged as such
    intervals = [
        f.interval_days for u in schedules for fid in u.frequencies if (f := frequency_from_id(fid))
    ]
    if not intervals or min(intervals) < 7:
        return None  # not a drug given once per cycle: its range is not a cycle's dose
    quote, written = fold(t.quote), fold(dose.text)
    at = quote.find(written)
    if at < 0:
        return None
    after = quote[at + len(written) :]
    match = re.match(r"\s*(?:de|du|les|on|from)?\s*((?:days?|d|j|jours?)\s*\d+[^.;()]*)", after)
    if match is None:
        return None
    words = re.match(
        r"(?:days?|d|j|jours?)\s*\d+(?:\s*(?:-|a|to|and|et|,|&)\s*(?:(?:days?|d|j)\s*)?\d+)*",
        match.group(1),
    )
    days = _cycle_days(words.group(0)) if words else None
    if not days or len(days) < 2 or max(days) > 28:
        return None
    return days, f"{min(days)}-{max(days)}" if len(days) == max(days) - min(
        days
    ) + 1 else ", ".join(str(d) for d in sorted(days))


def _basis_unknown_to_reference(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    reading: DoseReading,
    text: str,
    info: DrugInfo,
    usual: list[UsualDose] | None = None,
    route: str | None = None,
) -> None:
    """A flat dose for a drug the reference doses only per kg or per m²
    (or the reverse) is an error, with or without a library regimen:
    "T-DM1 3.6 mg" for 3.6 mg/kg is a 60-fold underdose."""
    schedules = usual if usual is not None else list(info.usual)
    bases = {u.basis for u in schedules}
    if not bases or reading.basis in bases or reading.basis == "auc":
        return
    ranges = ", ".join(
        dict.fromkeys(
            f"{format_amount(float(u.minimum.magnitude), unit_text(u.minimum), 3)} to {format_amount(float(u.maximum.magnitude), unit_text(u.maximum), 3)}"
            for u in schedules
        )
    )
    how = f" {route}" if route else ""
    out.add(
        "error",
        "WRONG_BASIS",
        t,
        drug,
        f"'{text}' is a {basis_words(reading.basis)} dose; {drug}{how} is dosed {' or '.join(basis_words(b) for b in sorted(bases))} ({ranges})",
        course.citations(info.sources),
    )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    for found in course.identified:
        doses(course, out, found)
    yield from out.items


def _distance(reading: DoseReading, entry: DrugEntry) -> float:
    """How far a reading is from the regimen's nearest dose (log scale)."""
    value = float(reading.amounts[0].magnitude)
    steps = [s.per_unit for s in regimen_steps(entry).values() if s.per_unit]
    if value <= 0 or not steps:
        return math.inf
    return min(abs(math.log(value / step)) for step in steps)


def _level_source(found: Identified, source_id: str) -> str:
    """The citation of a regimen source id (dose levels cite one)."""
    if found.regimen is None:
        return "dosecalc regimen library"
    by_id = {s.id: s.citation for s in found.regimen.sources}
    return f"regimen {found.regimen.id}: {by_id.get(source_id, source_id)}"


def _earlier_value(course: Course, found: Identified, drug: str, basis: str) -> float | None:
    """The per-unit dose of ``drug`` written in the latest earlier treatment."""
    value = None
    for other in course.identified:
        if other is found:
            break
        for written in other.treatment.drugs:
            if other.drugs.get(written.drug) != drug or not written.dose:
                continue
            reading = parse_written_dose(written.dose).reading
            if reading is not None and reading.basis == basis and not reading.is_combination:
                value = float(reading.amounts[0].magnitude)
    return value
