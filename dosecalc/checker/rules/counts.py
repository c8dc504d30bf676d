"""Counts and durations: cycle counts against the regimen, course limits (trastuzumab
for 52 weeks), and whether the documented dates fit the count on the calendar."""

from __future__ import annotations

from collections.abc import Iterator

from ...formatting import format_number
from ...model import CourseLimit, Phase, Regimen
from ...schedule import expand
from ..course import (
    Course,
    Finding,
    Findings,
    Identified,
    cycle_count,
    days_text,
    duration_weeks,
    phase_counts,
    single_phase,
    treatment_span,
)


def cycles(course: Course, out: Findings, found: Identified) -> None:
    t, phase = found.treatment, found.phase
    if phase is None or not t.cycles:
        return
    count = cycle_count(t.cycles)
    if count is None:
        out.add(
            "warning",
            "NOT_UNDERSTOOD",
            t,
            None,
            f"number of cycles '{t.cycles}' was not understood",
            "dosecalc regimen library",
        )
        return
    expected = phase.cycles.count
    drugs = " + ".join(e.drug for e in phase.drugs)
    if phase.cycles.mode == "fixed" and expected and count != expected:
        if _line_count(course, found) == expected:
            return  # a line written as several treatments (C1-C2, then C3-C4 reduced)
        if expected % count == 0 and phase.cycle_length_days < 21:
            per = expected // count
            out.add(
                "warning",
                "COUNT_AMBIGUOUS",
                t,
                None,
                f"{drugs} every {days_text(phase.cycle_length_days)} is normally {expected} doses; '{t.cycles}' means {count} doses,"
                f" or {count} cycles of {per} doses ({count} × {per} = {expected})? Confirm before printing the calendar.",
                course.sources(found),
            )
        else:
            if not _in_sequence(course, found):
                # Docetaxel alone identified as the D phase of FEC-D, in a course
                # without its FEC (EC then docetaxel x 4): FEC-D's count is not
                # this course's regimen.
                assert found.regimen is not None
                out.add(
                    "info",
                    "CYCLE_COUNT_DIFFERS",
                    t,
                    None,
                    f"{drugs}: {count} cycles documented; the library gives {expected} as phase {phase.id} of {found.regimen.id},"
                    " whose other phases the course does not document: not this course's count",
                    course.sources(found),
                )
                return
            other = _phase_with_count(course, found, count)
            if other is not None:
                # FEC x 3 followed by docetaxel x 3, identified as FEC 100 by its
                # written name: the count is the FEC phase of FEC-D.
                sequence, other_phase = other
                out.add(
                    "info",
                    "CYCLE_COUNT_DIFFERS",
                    t,
                    None,
                    f"{drugs}: {count} cycles documented, the regimen gives {expected};"
                    f" {count} is the count of phase {other_phase.id} of {sequence.id} ({sequence.name}), whose other phases the course documents",
                    course.sources(found),
                )
                return
            # In a label, protocol or trial summary (no patient documented)
            # the count is that protocol's own (docetaxel x 4 after EC where
            # the library's FEC-D gives 3): a note, not a slip.
            out.add(
                "warning" if course.about_a_patient else "info",
                "CYCLE_COUNT_DIFFERS",
                t,
                None,
                f"{drugs}: {count} cycles documented, the regimen gives {expected}"
                + (
                    ""
                    if course.about_a_patient
                    else " (the text documents no patient: another protocol's count)"
                ),
                course.sources(found),
            )
    elif phase.cycles.mode == "minimum" and expected and count < expected:
        regimen = found.regimen
        if regimen is not None and t.setting == regimen.setting:
            out.add(
                "error",
                "CYCLES_BELOW_MINIMUM",
                t,
                None,
                f"{drugs}: {count} cycles documented, fewer than the minimum of {expected}",
                course.sources(found),
            )
        else:
            # The minimum is the regimen's setting's (metastatic THP); a
            # short course in another or unstated setting is a question.
            out.add(
                "warning",
                "CYCLE_COUNT_DIFFERS",
                t,
                None,
                f"{drugs}: {count} cycles documented; the regimen gives at least {expected} in the {regimen.setting if regimen else ''} setting: confirm the setting",
                course.sources(found),
            )


def _line_count(course: Course, found: Identified) -> int | None:
    """The cycles of one line written as several treatments of the same
    phase (C1-C2, then C3-C4 at a reduced dose): each treatment's count, or
    its administrations on the drug's timeline. None for a single treatment."""
    if found.regimen is None or found.phase is None:
        return None
    group = [
        i
        for i in course.identified
        if i.regimen is not None
        and i.phase is not None
        and i.regimen.id == found.regimen.id
        and i.phase.id == found.phase.id
    ]
    if len(group) < 2:
        return None
    drug = found.phase.drugs[0].drug
    total = 0
    for i in group:
        count = cycle_count(i.treatment.cycles)
        if count is None:
            count = len({d.value for d in course.timeline(drug) if d.treatment is i.treatment})
        total += count
    return total


def _in_sequence(course: Course, found: Identified) -> bool:
    """Whether the identified phase's regimen is the course's: a one-phase
    regimen, or one whose other phases' drugs the course documents."""
    if found.regimen is None or len(found.regimen.phases) < 2:
        return True
    documented = {d for i in course.identified if i is not found for d in i.drugs.values()}
    return all(
        {e.drug for e in p.drugs} <= documented
        for p in found.regimen.phases
        if p is not found.phase
    )


def _phase_with_count(
    course: Course, found: Identified, count: int
) -> tuple[Regimen, Phase] | None:
    """A phase of another library regimen with the same drugs and this
    count, whose other phases' drugs the course also documents."""
    assert found.phase is not None
    drugs = {e.drug for e in found.phase.drugs}
    documented = {d for i in course.identified if i is not found for d in i.drugs.values()}
    for regimen in course.regimens:
        for phase in regimen.phases:
            if (
                {e.drug for e in phase.drugs} != drugs
                or phase.cycles.mode != "fixed"
                or phase.cycles.count != count
                or len(regimen.phases) < 2
            ):
                continue
            others = [p for p in regimen.phases if p is not phase]
            if all({e.drug for e in p.drugs} <= documented for p in others):
                return regimen, phase
    return None


def course_limits(course: Course, out: Findings, found: Identified) -> None:
    t, regimen = found.treatment, found.regimen
    if regimen is None:
        return
    for limit in regimen.course_limits:
        if limit.drug not in found.drugs.values():
            continue
        weeks = duration_weeks(t.duration) if t.duration else None
        first = course.first_start(limit.drug)
        # The last day of this treatment on the drug's timeline: its written
        # end, its last dated dose, or the calendar's last dose.
        on_timeline = [d.latest for d in course.timeline(limit.drug) if d.treatment is t]
        last = max(on_timeline) if on_timeline else treatment_span(found)[1]
        dates = f" (given from {first.isoformat()} to {t.end})" if first and t.end else ""
        if weeks is not None and weeks > limit.duration_days / 7 + 0.5:
            out.add(
                "error",
                "DURATION_EXCEEDED",
                t,
                limit.drug,
                f"{limit.drug} for {t.duration}{dates} exceeds {format_number(limit.duration_days / 7)} weeks; extending adjuvant treatment beyond 1 year is not recommended",
                _limit_source(course, found, limit),
            )
        elif first and last and (last - first).days > limit.duration_days + 31:
            # On the course's timeline: the written end, the last dated dose,
            # or the last cycle the count gives on the calendar.
            until = str(t.end) if t.end else f"{last.isoformat()} (the last dose on the calendar)"
            out.add(
                "error",
                "DURATION_EXCEEDED",
                t,
                limit.drug,
                f"{limit.drug} from {first.isoformat()} to {until} is longer than {format_number(limit.duration_days / 7)} weeks; extending adjuvant treatment beyond 1 year is not recommended",
                _limit_source(course, found, limit),
            )


def dates(course: Course, out: Findings, found: Identified) -> None:
    t, phase, regimen = found.treatment, found.phase, found.regimen
    count = cycle_count(t.cycles)
    if (
        not (phase and regimen and t.start and t.end and count)
        or t.start.precision != "day"
        or t.end.precision != "day"
    ):
        return

    schedule = expand(
        single_phase(regimen, phase),
        course.policy,
        t.start.value,
        max_cycles=count,
        phase_cycles=phase_counts(phase, count),
    )
    last = schedule.cycles[-1][3] if schedule.cycles else None
    if last == t.end.value:
        out.add(
            "info",
            "DATES_CONSISTENT",
            t,
            None,
            f"{count} cycles every {days_text(phase.cycle_length_days)} from {t.start} end on {last.isoformat()}, as documented",
            "dosecalc calendar",
        )
    elif last is not None and last > t.end.value:
        out.add(
            "warning",
            "DATES_INCONSISTENT",
            t,
            None,
            f"{count} cycles every {days_text(phase.cycle_length_days)} from {t.start} cannot be complete by {t.end} (cycle {count} falls on {last.isoformat()})",
            "dosecalc calendar",
        )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    for found in course.identified:
        cycles(course, out, found)
        course_limits(course, out, found)
        dates(course, out, found)
    yield from out.items


def _limit_source(course: Course, found: Identified, limit: CourseLimit) -> str:
    """The regimen's citation for its course limit (trastuzumab 52 weeks)."""
    by_id = {s.id: s.citation for s in found.regimen.sources} if found.regimen else {}
    return by_id.get(limit.source or "", "") or course.sources(found)
