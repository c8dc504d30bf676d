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
            if written.cumulative:
                stated = parse_written_dose(written.cumulative).reading
                if stated is not None and stated.basis == "bsa":
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
                if not written.dose:
                    continue
            count = cycle_count(t.cycles) or len([g for g in t.given if g.drug == written.drug])
            entry = entry_for(found.phase, drug)
            per_cycle = None
            assumed = ""
            if written.dose:
                reading = parse_written_dose(written.dose).reading
                if reading and reading.basis == "bsa":
                    per_cycle = float(
                        parse_per_unit_dose(
                            f"{float(reading.amounts[0].magnitude)} {reading.unit}", "bsa"
                        ).magnitude
                    )
            if per_cycle is None and entry and entry.standard and entry.basis == "bsa":
                per_cycle, assumed = (
                    entry.standard.per_unit,
                    " (dose not documented: the regimen's standard dose assumed)",
                )
            if per_cycle is None or not count:
                out.add(
                    "warning" if course.about_a_patient else "info",
                    "CUMULATIVE_UNKNOWN",
                    t,
                    drug,
                    f"{drug}: the cumulative dose cannot be counted (dose or number of cycles missing)",
                    course.policy.anthracycline_source,
                )
                continue
            amount = per_cycle * count * factor
            by_treatment[t.id] = by_treatment.get(t.id, 0.0) + amount
            so_far, parts_so_far = ledger.get(drug, (0.0, []))
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
    severity = (
        "error"
        if total >= limit
        else ("warning" if share >= 80 or (warn_at and total >= warn_at) else "info")
    )
    separate = ""
    history = any(w.cumulative for i in course.identified for w in i.treatment.drugs)
    if not (course.about_a_patient or history):
        # No patient, no date, no stated cumulative dose: the treatments may
        # be alternatives (trial arms, a protocol's options), so each is
        # judged alone, and a total under the limit is for information (no
        # patient's record to act on).
        alone = max(by_treatment.values(), default=total)
        if len(by_treatment) > 1:
            separate = (
                "; the text documents no patient, so the treatments are not added up:"
                f" the largest alone is {format_number(alone)} mg/m²"
            )
        severity = "error" if alone >= limit else "info"
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


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    anthracyclines(course, out)
    yield from out.items
