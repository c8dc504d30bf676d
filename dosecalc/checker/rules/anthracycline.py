"""Cumulative anthracycline: the doxorubicin-equivalent total over the whole course
against the policy's lifetime limit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...case import Treatment, WrittenDrug
from ...formatting import format_number
from ...regimen import parse_per_unit_dose
from ..course import (
    Course,
    Finding,
    Findings,
    Identified,
    cycle_count,
    entry_for,
)
from ..written import parse_written_dose
from .doses import daily_on_cycle_days

# Per drug: the doxorubicin-equivalent total so far (mg/m²) and the lines of
# its derivation, in the order written.
Ledger = dict[str, tuple[float, list[str]]]


@dataclass
class _Tally:
    """What the course adds up to, drug by drug and treatment by treatment."""

    # Per drug, in doxorubicin equivalents, in the order written; a stated
    # cumulative dose ("dose cumulée de 400 mg/m2") sums what came before.
    ledger: Ledger = field(default_factory=dict)
    # The caveat of each drug's ratio, printed with the total.
    caveats: dict[str, str] = field(default_factory=dict)
    # The total of each treatment alone: a text about no patient (a
    # protocol, trial arms side by side) is not one patient's lifetime.
    by_treatment: dict[str, float] = field(default_factory=dict)


def anthracyclines(course: Course, out: Findings) -> None:
    """Add up the anthracyclines of the course and judge the total against the
    policy's lifetime limit (or a drug's own limit)."""
    tally = _Tally()
    for found in course.identified:
        for written in found.treatment.drugs:
            drug = found.drugs.get(written.drug)
            if drug:
                _count_drug(course, found, written, drug, tally, out)
    if not any(drug_parts for _, drug_parts in tally.ledger.values()):
        return  # no anthracycline counted
    _judge_total(course, tally, out)


def _count_drug(
    course: Course,
    found: Identified,
    written: WrittenDrug,
    drug: str,
    tally: _Tally,
    out: Findings,
) -> None:
    """Add one written anthracycline line to the tally: its stated cumulative
    dose, then its dose per cycle times the cycles."""
    t = found.treatment
    factor = _equivalence_ratio(course, t, drug, tally, out)
    if factor is None:
        return
    before = tally.ledger.get(drug, (0.0, []))
    stated_here = False
    if written.cumulative:
        stated_here = _record_stated_cumulative(written.cumulative, drug, factor, tally.ledger)
        if not written.dose:
            # Only the cumulative dose is written: nothing more to count.
            return
    count = cycle_count(t.cycles) or len([g for g in t.given if g.drug == written.drug])
    per_cycle, assumed = _dose_per_cycle(course, found, written, drug)
    if per_cycle is not None and not count:
        count, assumed = _one_cycle_at_least(course, t, drug, per_cycle, assumed, out)
    if per_cycle is None:
        out.add(
            "warning" if course.about_a_patient else "info",
            "CUMULATIVE_UNKNOWN",
            t,
            drug,
            f"{drug}: the cumulative dose cannot be counted (no dose written, and none in a library regimen)",
            course.policy.anthracycline_source,
        )
        return
    amount = per_cycle * count * factor
    tally.by_treatment[t.id] = tally.by_treatment.get(t.id, 0.0) + amount
    derivation = f"{drug} {format_number(per_cycle)} mg/m² × {count}{' × ' + format_number(factor) if factor != 1 else ''} = {format_number(amount)} mg/m²{assumed}"
    _add_cycles(tally.ledger, drug, amount, derivation, before if stated_here else None)


def _add_cycles(
    ledger: Ledger,
    drug: str,
    amount: float,
    derivation: str,
    before_stated: tuple[float, list[str]] | None,
) -> None:
    """Add the line's cycles to the drug's total.

    ``before_stated`` is the drug's total before a cumulative dose stated on
    the same line ("8 R-CHOP (50 mg/m2 par cure), soit une dose cumulée de
    400 mg/m2"): the stated dose includes its own cycles; they are not
    counted twice, and the cycles replace it only when they come to more."""
    so_far, parts_so_far = ledger.get(drug, (0.0, []))
    if before_stated is not None:
        if so_far >= before_stated[0] + amount:
            return
        so_far, parts_so_far = before_stated
    ledger[drug] = (so_far + amount, [*parts_so_far, derivation])


def _equivalence_ratio(
    course: Course, t: Treatment, drug: str, tally: _Tally, out: Findings
) -> float | None:
    """The drug's doxorubicin-equivalent ratio, or None when it is no
    anthracycline or has no ratio (then said, never counted as zero)."""
    detail = course.reference.get(drug).anthracycline
    if detail is None:
        return None
    if detail.value is None:
        # Never a silent zero: an anthracycline without a ratio is named.
        out.add(
            "warning",
            "ANTHRACYCLINE_NOT_COUNTED",
            t,
            drug,
            f"{drug} is an anthracycline the cumulative total does not count: {detail.caveat}",
            f"{detail.table}",
        )
        return None
    if detail.caveat:
        tally.caveats[drug] = detail.caveat
    return detail.value


def _record_stated_cumulative(cumulative: str, drug: str, factor: float, ledger: Ledger) -> bool:
    """Take a cumulative dose written in mg/m² ("dose cumulée de 400 mg/m2")
    as the drug's total when it is more than what was counted before it.
    True when the line states one in mg/m² (its own cycles are then in it)."""
    stated = parse_written_dose(cumulative).reading
    if stated is None or stated.basis != "bsa":
        return False
    value = float(stated.amounts[0].to("mg/m**2").magnitude)
    so_far = ledger.get(drug, (0.0, []))[0]
    if value * factor > so_far:
        ledger[drug] = (
            value * factor,
            [
                f"{drug} {format_number(value)} mg/m² stated as the cumulative dose"
                + (f" × {format_number(factor)}" if factor != 1 else "")
            ],
        )
    return True


def _dose_per_cycle(
    course: Course, found: Identified, written: WrittenDrug, drug: str
) -> tuple[float | None, str]:
    """The drug's dose per cycle in mg/m² and what was assumed to get it: the
    dose written (times its days when given a day at a time), else the
    library regimen's standard dose; None when neither is known."""
    t = found.treatment
    per_cycle = None
    assumed = ""
    if written.dose:
        parsed = parse_written_dose(written.dose)
        reading = parsed.reading
        if reading and reading.basis == "bsa":
            per_cycle = float(
                parse_per_unit_dose(
                    f"{float(reading.amounts[0].magnitude)} {reading.unit}", "bsa"
                ).magnitude
            )
            # A dose a day on days of the cycle ("35 mg/m2/j de J2 à
            # J4"): the cycle's dose is the day's times the days.
            on_days = daily_on_cycle_days(t, parsed, list(course.reference.get(drug).usual))
            if on_days is not None:
                per_cycle *= len(on_days[0])
                assumed = f" (a dose a day on days {on_days[1]}: {format_number(per_cycle)} mg/m² per cycle)"
    entry = entry_for(found.phase, drug)
    if per_cycle is None and entry and entry.standard and entry.basis == "bsa":
        per_cycle, assumed = (
            entry.standard.per_unit,
            " (dose not documented: the regimen's standard dose assumed)",
        )
    return per_cycle, assumed


def _one_cycle_at_least(
    course: Course, t: Treatment, drug: str, per_cycle: float, assumed: str, out: Findings
) -> tuple[int, str]:
    """The dose is known, the number of cycles is not written (a course under
    way, "C1 on ..."): one cycle is counted, as a minimum, so that the total
    is never silently short; said as information."""
    out.add(
        "info",
        "CUMULATIVE_UNKNOWN",
        t,
        drug,
        f"{drug}: the number of cycles is not written; the cumulative total counts one cycle of {format_number(per_cycle)} mg/m², a minimum",
        course.policy.anthracycline_source,
    )
    return 1, assumed + " (number of cycles not written: one counted, a minimum)"


def _judge_total(course: Course, tally: _Tally, out: Findings) -> None:
    """One finding for the course's total: its derivation, its share of the
    lifetime limit, and a severity that follows how close it is."""
    ledger = tally.ledger
    total = sum(amount for amount, _ in ledger.values())
    parts = [part for _, drug_parts in ledger.values() for part in drug_parts]
    limit = course.policy.anthracycline_limit_mg_m2
    warn_at = course.policy.anthracycline_warning_mg_m2
    share = total / limit * 100 if limit else 0
    judged, patient, separate = _amount_judged(course, tally, total)
    own = _own_limit(course, ledger)
    if own is not None:
        severity, own_words = _severity_by_own_limit(course, own, judged, patient)
        separate += own_words
    else:
        severity = _severity_by_policy_limit(judged, limit, warn_at, patient)
    message = (
        f"cumulative anthracycline {format_number(total)} mg/m² doxorubicin equivalents ({'; '.join(parts)}): {format_number(share, 0)}% of the"
        f" {format_number(limit)} mg/m² lifetime limit of policy {course.policy.id}; count it before any further anthracycline"
    )
    sources = [course.policy.anthracycline_source]
    if warn_at and total >= warn_at and total < limit:
        message += (
            f"; at {format_number(warn_at)} mg/m² or more consider cardioprotection (dexrazoxane)"
            " and closer LVEF monitoring"
        )
        sources.append(course.policy.anthracycline_warning_source)
    message += separate
    message += "".join(f"; {drug} factor caveat: {text}" for drug, text in tally.caveats.items())
    out.add(
        severity,
        "ANTHRACYCLINE_CUMULATIVE",
        None,
        list(ledger)[-1],  # the anthracycline the total was last counted on
        message,
        "; ".join(sources),
    )


def _amount_judged(course: Course, tally: _Tally, total: float) -> tuple[float, bool, str]:
    """The amount the severity is decided on, whether the text is one
    patient's record, and the words that say so when treatments are apart.

    A patient's record is one lifetime: its treatments add up. A text about
    no patient (no patient data, no date, no stated cumulative dose) may set
    treatments side by side as alternatives (trial arms, a protocol's
    options): each is judged alone, and a total under the limit is for
    information (no patient's record to act on)."""
    history = any(w.cumulative for i in course.identified for w in i.treatment.drugs)
    patient = course.about_a_patient or history
    judged = total if patient else max(tally.by_treatment.values(), default=total)
    separate = ""
    if not patient and len(tally.by_treatment) > 1:
        separate = (
            "; the text documents no patient, so the treatments are not added up:"
            f" the largest alone is {format_number(judged)} mg/m²"
        )
    return judged, patient, separate


def _severity_by_own_limit(
    course: Course, own: tuple[str, float, float, str], judged: float, patient: bool
) -> tuple[str, str]:
    """One anthracycline with a limit of its own (epirubicin 900 mg/m²):
    judged in its own mg/m², not through the uncertain ratio. The severity
    and the words that say so."""
    drug, factor, own_limit, own_source = own
    own_amount = judged / factor
    own_share = own_amount / own_limit * 100
    severity = (
        "error"
        if own_amount >= own_limit
        else ("warning" if patient and own_share >= 80 else "info")
    )
    words = (
        f"; {drug} alone: {format_number(own_amount)} mg/m², {format_number(own_share, 0)}% of its own"
        f" cumulative limit of {format_number(own_limit)} mg/m² ({course.citations([own_source])}),"
        " which decides the severity rather than the equivalence ratio"
    )
    return severity, words


def _severity_by_policy_limit(
    judged: float, limit: float, warn_at: float | None, patient: bool
) -> str:
    """At or over the lifetime limit: an error. Within 80% of it, or past the
    policy's cardioprotection threshold, a warning on a patient's record;
    otherwise information."""
    if judged >= limit:
        return "error"
    if patient and (judged / limit >= 0.8 or (warn_at and judged >= warn_at)):
        return "warning"
    return "info"


def _own_limit(
    course: Course, ledger: dict[str, tuple[float, list[str]]]
) -> tuple[str, float, float, str] | None:
    """The drug, ratio, own limit and its source when the ledger counts one
    anthracycline only and the drug reference gives it a limit of its own."""
    if len(ledger) != 1:
        return None
    drug = next(iter(ledger))
    detail = course.reference.get(drug).anthracycline
    if (
        detail is None
        or detail.value is None
        or detail.own_limit_mg_m2 is None
        or detail.own_limit_source is None
    ):
        return None
    return drug, detail.value, detail.own_limit_mg_m2, detail.own_limit_source


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    anthracyclines(course, out)
    yield from out.items
