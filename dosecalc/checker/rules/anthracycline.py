"""Cumulative anthracycline: the doxorubicin-equivalent total over the whole course
against the policy's lifetime limit."""

from __future__ import annotations

from collections.abc import Iterator

from ...formatting import format_number
from ...regimen import parse_per_unit_dose
from ..course import (
    Course,
    Finding,
    Findings,
    cycle_count,
    entry_for,
)
from ..written import parse_written_dose
from .doses import daily_on_cycle_days


def anthracyclines(course: Course, out: Findings) -> None:

    # Per drug, in doxorubicin equivalents, in the order written; a stated
    # cumulative dose ("dose cumulée de 400 mg/m2") sums what came before.
    ledger: dict[str, tuple[float, list[str]]] = {}
    caveats: dict[str, str] = {}
    # The total of each treatment alone: a text about no patient (a
    # protocol, trial arms side by side) is not one patient's lifetime.
    by_treatment: dict[str, float] = {}
    for found in course.identified:
        t = found.treatment
        for written in t.drugs:
            drug = found.drugs.get(written.drug)
            if not drug:
                continue
            detail = course.reference.get(drug).anthracycline
            if detail is None:
                continue
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
                continue
            factor = detail.value
            if detail.caveat:
                caveats[drug] = detail.caveat
            before = ledger.get(drug, (0.0, []))
            stated_here = False
            if written.cumulative:
                stated = parse_written_dose(written.cumulative).reading
                if stated is not None and stated.basis == "bsa":
                    value = float(stated.amounts[0].to("mg/m**2").magnitude)
                    so_far = ledger.get(drug, (0.0, []))[0]
                    stated_here = True
                    if value * factor > so_far:
                        ledger[drug] = (
                            value * factor,
                            [
                                f"{drug} {format_number(value)} mg/m² stated as the cumulative dose"
                                + (f" × {format_number(factor)}" if factor != 1 else "")
                            ],
                        )
                if not written.dose:
                    continue
            count = cycle_count(t.cycles) or len([g for g in t.given if g.drug == written.drug])
            entry = entry_for(found.phase, drug)
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
            if per_cycle is None and entry and entry.standard and entry.basis == "bsa":
                per_cycle, assumed = (
                    entry.standard.per_unit,
                    " (dose not documented: the regimen's standard dose assumed)",
                )
            if per_cycle is not None and not count:
                # The dose is known, the number of cycles is not written (a
                # course under way, "C1 on ..."): one cycle is counted, as a
                # minimum, so that the total is never silently short.
                count = 1
                assumed += " (number of cycles not written: one counted, a minimum)"
                out.add(
                    "info",
                    "CUMULATIVE_UNKNOWN",
                    t,
                    drug,
                    f"{drug}: the number of cycles is not written; the cumulative total counts one cycle of {format_number(per_cycle)} mg/m², a minimum",
                    course.policy.anthracycline_source,
                )
            if per_cycle is None:
                out.add(
                    "warning" if course.about_a_patient else "info",
                    "CUMULATIVE_UNKNOWN",
                    t,
                    drug,
                    f"{drug}: the cumulative dose cannot be counted (no dose written, and none in a library regimen)",
                    course.policy.anthracycline_source,
                )
                continue
            amount = per_cycle * count * factor
            by_treatment[t.id] = by_treatment.get(t.id, 0.0) + amount
            so_far, parts_so_far = ledger.get(drug, (0.0, []))
            if stated_here:
                # "8 R-CHOP (50 mg/m2 par cure), soit une dose cumulée de 400
                # mg/m2": the cumulative dose stated on the line includes its
                # own cycles; they are not counted twice.
                if so_far >= before[0] + amount:
                    continue
                so_far, parts_so_far = before
            ledger[drug] = (
                so_far + amount,
                [
                    *parts_so_far,
                    f"{drug} {format_number(per_cycle)} mg/m² × {count}{' × ' + format_number(factor) if factor != 1 else ''} = {format_number(amount)} mg/m²{assumed}",
                ],
            )
    total = sum(amount for amount, _ in ledger.values())
    parts = [part for _, drug_parts in ledger.values() for part in drug_parts]
    if not parts:
        return
    limit = course.policy.anthracycline_limit_mg_m2
    warn_at = course.policy.anthracycline_warning_mg_m2
    share = total / limit * 100 if limit else 0
    separate = ""
    # A patient's record is one lifetime: its treatments add up. A text about
    # no patient (no patient data, no date, no stated cumulative dose) may set
    # treatments side by side as alternatives (trial arms, a protocol's
    # options): each is judged alone, and a total under the limit is for
    # information (no patient's record to act on).
    history = any(w.cumulative for i in course.identified for w in i.treatment.drugs)
    patient = course.about_a_patient or history
    judged = total if patient else max(by_treatment.values(), default=total)
    if not patient and len(by_treatment) > 1:
        separate = (
            "; the text documents no patient, so the treatments are not added up:"
            f" the largest alone is {format_number(judged)} mg/m²"
        )
    own = _own_limit(course, ledger)
    if own is not None:
        # One anthracycline with a limit of its own (epirubicin 900 mg/m²):
        # judged in its own mg/m², not through the uncertain ratio.
        drug, factor, own_limit, own_source = own
        own_amount = judged / factor
        own_share = own_amount / own_limit * 100
        severity = (
            "error"
            if own_amount >= own_limit
            else ("warning" if patient and own_share >= 80 else "info")
        )
        separate += (
            f"; {drug} alone: {format_number(own_amount)} mg/m², {format_number(own_share, 0)}% of its own"
            f" cumulative limit of {format_number(own_limit)} mg/m² ({course.citations([own_source])}),"
            " which decides the severity rather than the equivalence ratio"
        )
    else:
        severity = (
            "error"
            if judged >= limit
            else (
                "warning"
                if patient and (judged / limit >= 0.8 or (warn_at and judged >= warn_at))
                else "info"
            )
        )
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
    message += "".join(f"; {drug} factor caveat: {text}" for drug, text in caveats.items())
    out.add(
        severity,
        "ANTHRACYCLINE_CUMULATIVE",
        None,
        list(ledger)[-1],  # the anthracycline the total was last counted on
        message,
        "; ".join(sources),
    )


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
