"""Loading and re-load: on the course's timeline, whether a loading dose is due (first
dose of a line, or after a gap beyond the policy's re-load rule) and was given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ...case import GivenDose
from ...formatting import format_amount
from ...model import BASIS_UNITS, DrugEntry, ReloadRule
from ...regimen import parse_per_unit_dose
from ...schedule import reload_due, reload_rule_for
from ..course import (
    SRC_VOCABULARY,
    Course,
    Finding,
    Findings,
    Identified,
    TimelineDose,
    entry_for,
    matching_steps,
    regimen_steps,
    steps_text,
    written_route,
)
from ..written import WrittenDose, parse_written_dose


def loading_due(
    course: Course,
    out: Findings,
    found: Identified,
    drug: str,
    entry: DrugEntry,
    matches: list[str],
    value: float,
) -> None:
    """Whether a loading dose is due here, and whether the documented dose is one."""
    if entry.loading is None:
        return
    t = found.treatment
    previous = course.previous_end(drug, t)
    rule = reload_rule_for(entry, course.policy)
    source = _loading_source(course, found, entry, rule)
    due, why = True, f"first {drug} dose of this treatment line"
    if previous is not None and t.start is not None:
        gap_low = (t.start.value - previous.latest).days
        gap_high = (t.start.latest - previous.value).days
        scheduled = entry.interval_days or 21
        gap = f"{gap_low} days" if gap_low == gap_high else f"about {gap_low}-{gap_high} days"
        if rule and reload_due(entry, course.policy, gap_low, scheduled)[0]:
            how = f": {previous.how}" if previous.how else ""
            why = f"{gap} since the last {drug} ({previous}{how}); policy {course.policy.id}, {rule.scope()}: {rule.describe()}"
        elif rule and not reload_due(entry, course.policy, gap_high, scheduled)[0]:
            due, why = False, f"{gap_high} days or less since the last {drug}"
        else:
            out.add(
                "warning",
                "RELOAD_UNCERTAIN",
                t,
                drug,
                f"the gap since the last {drug} ({previous}) is too imprecise to tell whether a re-load is due",
                source,
            )
            return
    elif t.continued:
        # "Cure 4", "poursuivi", "entretien": the line started earlier.
        return
    else:
        earlier = course.earlier_undated(drug, found)
        if earlier is not None:
            # Maintenance doses of a line that started earlier, with no
            # date to measure a gap: a continuation, not a new line.
            return
    if due and "loading" in matches:
        out.add(
            "info",
            "LOADING_CONFIRMED",
            t,
            drug,
            f"loading dose {format_amount(value, BASIS_UNITS[entry.basis], 4)} is correct: {why}",
            source,
        )
    elif due and "maintenance" in matches and not _written_as_first(course, found, previous):
        # An undated maintenance dose that nothing marks as a line's first
        # (a label, protocol or abstract giving the schedule's dose): what
        # the text leaves out is a note, not a dose given wrong.
        out.add(
            "info",
            "LOADING_NOT_DOCUMENTED",
            t,
            drug,
            f"the maintenance dose is written without the loading dose of {format_amount(entry.loading.per_unit, BASIS_UNITS[entry.basis], 4)}"
            " that starts a line; the statement is undated and nothing marks it as the first dose: give the loading dose first if the line starts here",
            source,
        )
    elif due and "maintenance" in matches:
        out.add(
            "error",
            "LOADING_MISSING",
            t,
            drug,
            f"a loading dose of {format_amount(entry.loading.per_unit, BASIS_UNITS[entry.basis], 4)} is due ({why}), but the maintenance dose is documented",
            source,
        )
    elif not due and "loading" in matches:
        out.add(
            "warning",
            "UNEXPECTED_LOADING",
            t,
            drug,
            f"a loading dose is documented, but {why}: a maintenance dose is expected",
            source,
        )


def _written_as_first(course: Course, found: Identified, previous: TimelineDose | None) -> bool:
    """Whether a dose judged as the first of its line is written as one: in
    a patient's record, a dated start (or a dated earlier dose to measure a
    gap from), or later statements that continue the line ("subsequent
    doses: ..."). A label or protocol stating the schedule's maintenance
    dose, undated, writes no first dose."""
    t = found.treatment
    if t.start is not None or previous is not None or course.about_a_patient:
        # A patient's record: the first statement of a drug starts its line.
        return True
    drugs = set(found.drugs.values())
    order = [i.treatment for i in course.identified]
    after = course.identified[order.index(t) + 1 :] if t in order else []
    return any(i.treatment.continued and drugs & set(i.drugs.values()) for i in after)


def administrations(course: Course, out: Findings, found: Identified) -> None:
    """Doses actually given: after a gap beyond the policy's re-load
    threshold the next dose must be a loading dose; otherwise the
    maintenance dose is due."""
    t = found.treatment
    by_drug: dict[str, list[GivenDose]] = {}
    for given in t.given:
        match = course.reference.match(given.drug)
        if match is None:
            out.add(
                "warning",
                "NOT_UNDERSTOOD",
                t,
                None,
                f"administration of {given.date}: drug '{given.drug}' is not in the drug reference: it was not checked",
                SRC_VOCABULARY,
            )
            continue
        by_drug.setdefault(match.drug_id, []).append(given)
    for drug, doses in by_drug.items():
        entry = entry_for(found.phase, drug)
        rule = reload_rule_for(entry, course.policy) if entry and entry.loading else None
        # A validated regimen has a maintenance dose with every loading dose.
        if entry is None or rule is None or entry.loading is None or entry.maintenance is None:
            continue
        source = _loading_source(course, found, entry, rule)
        doses = sorted(doses, key=lambda g: g.date.value)
        for previous, given in zip(doses, doses[1:], strict=False):
            if (
                given.dose is None
                or "day" != given.date.precision
                or "day" != previous.date.precision
            ):
                continue
            gap = (given.date.value - previous.date.value).days
            kind = _step_kind(course, entry, given.dose)
            if kind is None:
                out.add(
                    "warning",
                    "DOSE_DIFFERS",
                    t,
                    drug,
                    f"{drug} on {given.date}: '{given.dose}' is neither a dose of the regimen ({steps_text(entry)}) nor understood as one",
                    course.sources(found),
                )
                continue
            due = reload_due(entry, course.policy, gap, entry.interval_days or gap)[0]
            after = f"{gap} days after the dose of {previous.date}; policy {course.policy.id}, {rule.scope()}: {rule.describe()}"
            if due and kind == "maintenance":
                out.add(
                    "error",
                    "LOADING_MISSING",
                    t,
                    drug,
                    f"{drug} on {given.date}: a re-load of {format_amount(entry.loading.per_unit, BASIS_UNITS[entry.basis], 4)} is due ({after}), but the maintenance dose '{given.dose}' was given",
                    source,
                )
            elif not due and kind == "loading":
                out.add(
                    "warning",
                    "UNEXPECTED_LOADING",
                    t,
                    drug,
                    f"{drug} on {given.date}: the loading dose '{given.dose}' was given {after}: the maintenance dose {format_amount(entry.maintenance.per_unit, BASIS_UNITS[entry.basis], 4)} is due",
                    source,
                )


def _step_kind(course: Course, entry: DrugEntry, text: str) -> str | None:
    """Which step of ``entry`` a written dose is: loading, maintenance or standard."""

    readings = [
        r for r in parse_written_dose(text).readings if r.basis == entry.basis and r.unit != "AUC"
    ]
    if len(readings) != 1:
        return None
    value = float(
        parse_per_unit_dose(
            f"{float(readings[0].amounts[0].magnitude)} {readings[0].unit}", entry.basis
        ).magnitude
    )
    steps = {
        "loading": entry.loading,
        "maintenance": entry.maintenance,
        "standard": entry.standard,
    }
    return next(
        (
            kind
            for kind, step in steps.items()
            if step is not None and abs(step.per_unit - value) < 1e-6
        ),
        None,
    )


def loading_from_library(
    course: Course, out: Findings, found: Identified, drug: str, dose: WrittenDose
) -> None:
    """A drug with a loading dose given outside any library regimen
    (docetaxel + trastuzumab without pertuzumab): the loading rule of the
    library phase whose loading or maintenance dose was written decides."""
    reading = dose.reading
    if reading is None or reading.is_combination:
        return
    route = written_route(found.treatment, drug, found)
    for regimen in course.regimens:
        for phase in regimen.phases:
            entry = entry_for(phase, drug)
            if (
                entry is None
                or entry.loading is None
                or entry.basis != reading.basis
                or (route is not None and entry.route.upper() != route)
            ):
                continue
            value = float(
                parse_per_unit_dose(
                    f"{float(reading.amounts[0].magnitude)} {reading.unit}", entry.basis
                ).magnitude
            )
            matches = matching_steps(
                regimen_steps(entry), value, course.policy.rounding.tolerance_pct
            )
            if matches:
                loading_due(
                    course,
                    out,
                    replace(found, regimen=regimen, phase=phase),
                    drug,
                    entry,
                    matches,
                    value,
                )
                return


def check(course: Course) -> Iterator[Finding]:
    """Administrations documented one by one (the first dose of each
    treatment is judged with its dose, in :mod:`.doses`)."""
    out = Findings()
    for found in course.identified:
        administrations(course, out, found)
    yield from out.items


def _loading_source(
    course: Course, found: Identified, entry: DrugEntry, rule: ReloadRule | None
) -> str:
    """The regimen's citations for this drug line, then the policy's re-load
    rule's source: where the loading dose and the re-load threshold come from."""
    by_id = {s.id: s.citation for s in found.regimen.sources} if found.regimen else {}
    cited = [by_id[s] for s in entry.sources if s in by_id]
    if rule is not None and rule.source:
        cited.append(rule.source)
    return "; ".join(dict.fromkeys(cited)) or "dosecalc regimen library"
