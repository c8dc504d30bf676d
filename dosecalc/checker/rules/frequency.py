"""Frequency: the written schedule against the regimen phase's cycle (or, without a
regimen, the drug reference's usual schedules); a several-fold dose intensity is an error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from ...case import Treatment
from ...drugs import UsualDose
from ...formatting import format_number
from ...model import Phase
from ...textfold import fold
from ...vocabulary import frequency_from_id, parse_frequency
from ..course import (
    SRC_ISMP,
    Course,
    Finding,
    Findings,
    Identified,
    cycle_count,
    days_text,
    spell_interval,
)
from ..written import WrittenDose, parse_written_dose

#: A written schedule that gives at least this multiple of the labelled dose
#: intensity (or at most its inverse) is an error: the published denser
#: schedules stay under it (dose-dense every 2 weeks for every 3 weeks is 1.5
#: times; weekly paclitaxel 80 mg/m2 against 175 mg/m2 every 3 weeks, 1.4
#: times), whereas the slips that hurt patients are far above it ("three
#: times a week" for every three weeks is 9 times, weekly for every 3 weeks
#: 3 times). Between the two, a schedule the data does not list is a warning.
HARMFUL_INTENSITY = 2.0


def intensity_severity(fold: float) -> str:
    """error when ``fold`` (written over labelled dose intensity) is a
    harmful multiple, else warning."""
    if fold >= HARMFUL_INTENSITY or (fold and fold <= 1 / HARMFUL_INTENSITY):
        return "error"
    return "warning"


def frequency(course: Course, out: Findings, found: Identified) -> None:

    t, phase = found.treatment, found.phase
    if phase is None:
        return
    if not t.frequency:
        out.add(
            "info",
            "FREQUENCY_NOT_STATED",
            t,
            None,
            f"no frequency written; the regimen gives every {days_text(phase.cycle_length_days)}",
            "dosecalc regimen library",
        )
        return
    freq = parse_frequency(t.frequency)
    if freq is None:
        out.add(
            "warning",
            "NOT_UNDERSTOOD",
            t,
            None,
            f"frequency '{t.frequency}' was not understood; the regimen gives every {days_text(phase.cycle_length_days)}",
            SRC_ISMP,
        )
        return
    expected = phase.cycle_length_days
    if abs(freq.interval_days - expected) <= 0.5:
        return
    own = _own_frequencies(found)
    if all(e.drug in own or _fits_entry(freq, e, phase, t) for e in phase.drugs):
        # Every drug's own schedule within the cycle (weekly, twice daily); a
        # drug whose dose carries its own frequency ("trastuzumab 6 mg/kg once
        # every 21 days" beside "capecitabine twice a day") is judged on it,
        # with its dose (dose_frequency), not on the treatment's.
        return
    drugs = ", ".join(e.drug for e in phase.drugs)
    fold = expected / freq.interval_days
    if _listed_for_all(course, found, freq.id):
        out.add(
            "info",
            "FREQUENCY_OTHER_SCHEDULE",
            t,
            None,
            f"{drugs}: '{t.frequency}' ({freq.spelled_out()}) is not this regimen's cycle (every {days_text(expected)})"
            f" but is a published schedule of each of these drugs in the drug reference ({format_number(fold, 2)} times the regimen's dose intensity)",
            _listed_sources(course, phase, freq.id),
        )
        return
    labelled = _labelled_schedules(course, phase)
    evidence = _dates_evidence(course, t, phase, freq.interval_days)
    message = (
        f"{drugs}: frequency '{t.frequency}' ({freq.spelled_out()}) does not match any labelled schedule"
        f" ({labelled}); it would give {format_number(fold, 1)} times the labelled dose frequency."
        f" Did you mean every {days_text(expected)}?"
    )
    if evidence:
        message += f" {evidence}"
    if freq.error_prone:
        message += f" {freq.ismp_warning}"
    only = phase.drugs[0].drug if len(phase.drugs) == 1 else None
    severity = intensity_severity(fold)
    out.add(
        severity,
        "FREQUENCY_IMPLAUSIBLE" if severity == "error" else "FREQUENCY_UNUSUAL",
        t,
        only,
        message,
        f"{course.sources(found)}; {SRC_ISMP}",
    )


def dose_frequency(
    course: Course, out: Findings, found: Identified, drug: str, dose: WrittenDose
) -> None:
    """A frequency written with one regimen drug's dose ("docetaxel 75
    mg/m2 weekly") is checked like the treatment's."""

    t, phase, freq = found.treatment, found.phase, dose.frequency
    if phase is None or freq is None:
        return
    written = parse_frequency(t.frequency) if t.frequency else None
    if (written is not None and written.same_schedule(freq)) or abs(
        freq.interval_days - phase.cycle_length_days
    ) <= 0.5:
        return
    entry = next((e for e in phase.drugs if e.drug == drug), None)
    if entry is not None and _fits_entry(freq, entry, phase, t):
        return
    fold = phase.cycle_length_days / freq.interval_days
    if _published_at(course, drug, freq.id, dose):
        return  # a published schedule of the drug at this dose
    message = (
        f"{drug}: frequency '{freq.text}' written with the dose ({freq.spelled_out()}) does not match the regimen, every {days_text(phase.cycle_length_days)};"
        f" it would give {format_number(fold, 1)} times the regimen's dose frequency"
    )
    if freq.error_prone:
        message += f". {freq.ismp_warning}"
    severity = intensity_severity(fold)
    out.add(
        severity,
        "FREQUENCY_IMPLAUSIBLE" if severity == "error" else "FREQUENCY_UNUSUAL",
        t,
        drug,
        message,
        f"{course.sources(found)}; {SRC_ISMP}",
    )


def _own_frequencies(found: Identified) -> set[str]:
    """The drugs of the treatment whose written dose carries a frequency of
    its own, other than the treatment's (that one is judged here)."""
    t = found.treatment
    treatment_freq = parse_frequency(t.frequency) if t.frequency else None
    own = set()
    for written in t.drugs:
        drug = found.drugs.get(written.drug)
        freq = parse_written_dose(written.dose).frequency if written.dose else None
        if (
            drug
            and freq is not None
            and not (treatment_freq is not None and treatment_freq.same_schedule(freq))
        ):
            own.add(drug)
    return own


def _published_at(course: Course, drug: str, frequency_id: str, dose: WrittenDose | None) -> bool:
    """Whether the drug reference lists ``frequency_id`` as a published
    schedule of ``drug`` for the dose written (any dose when none is):
    "6 mg/kg weekly" is not the weekly trastuzumab schedule of 2 to 4 mg/kg."""
    reading = dose.reading if dose is not None else None
    for usual in course.reference.get(drug).usual:
        if not usual.allows_frequency(frequency_id):
            continue
        if reading is None or reading.is_combination:
            return True
        if usual.range_factor(reading.amounts[0], reading.basis) == 1.0:
            return True
    return False


def _listed_for_all(course: Course, found: Identified, frequency_id: str) -> bool:
    """Whether every drug of the phase has ``frequency_id`` among the drug
    reference's published schedules at its written dose (dose-dense every 2
    weeks)."""
    assert found.phase is not None
    written = {
        found.drugs.get(w.drug): parse_written_dose(w.dose)
        for w in found.treatment.drugs
        if w.dose and found.drugs.get(w.drug)
    }
    return all(
        _published_at(course, e.drug, frequency_id, written.get(e.drug)) for e in found.phase.drugs
    )


def _listed_sources(course: Course, phase: Phase, frequency_id: str) -> str:
    ids = [
        source
        for e in phase.drugs
        for u in course.reference.get(e.drug).usual
        if u.allows_frequency(frequency_id)
        for source in u.sources
    ]
    return course.citations(dict.fromkeys(ids))


def _labelled_schedules(course: Course, phase: Phase) -> str:
    """The schedules the labels allow for the phase's drugs, in words."""

    ids: dict[str, None] = {}
    for entry in phase.drugs:
        for usual in course.reference.get(entry.drug).usual:
            for fid in usual.frequencies:
                ids.setdefault(fid)
    words = [f.spelled_out() for fid in ids if (f := frequency_from_id(fid))]
    return " or ".join(words) if words else f"every {days_text(phase.cycle_length_days)}"


def _dates_evidence(course: Course, t: Treatment, phase: Phase, written_interval: float) -> str:
    count = cycle_count(t.cycles)
    if not (
        t.start
        and t.end
        and count
        and count > 1
        and t.start.precision == "day"
        and t.end.precision == "day"
    ):
        return ""
    span = (t.end.value - t.start.value).days
    cycle_end = t.start.value + dt.timedelta(days=phase.cycle_length_days * (count - 1))
    written_end = t.start.value + dt.timedelta(days=round(written_interval * (count - 1)))
    if cycle_end == t.end.value:
        return (
            f"The dates are consistent only with every {days_text(phase.cycle_length_days)}: {count} cycles from {t.start} end on"
            f" {cycle_end.isoformat()} as documented, whereas {count} doses {spell_interval(written_interval)} would end on {written_end.isoformat()}."
        )
    if cycle_end < t.end.value < cycle_end + dt.timedelta(days=phase.cycle_length_days):
        return (
            f"The dates fit every {days_text(phase.cycle_length_days)}: {count} cycles from {t.start} are complete on {cycle_end.isoformat()}"
            f" (documented: {count} cycles by {t.end}), whereas {count} doses {spell_interval(written_interval)} would have been complete by {written_end.isoformat()}."
        )
    return f"The documented dates ({count} cycles over {span} days) fit neither schedule exactly."


def reference_frequency(
    course: Course,
    out: Findings,
    t: Treatment,
    drug: str,
    dose: WrittenDose,
    schedules: list[UsualDose],
    in_range: bool = False,
) -> None:
    freq = dose.frequency
    if freq is None:
        return
    verdicts = [u.allows_frequency(freq.id) for u in schedules]
    if any(v is not False for v in verdicts):
        return
    usual = [f for u in schedules for fid in u.frequencies if (f := frequency_from_id(fid))]
    densest = min((f.interval_days for f in usual), default=0)
    # The dose intensity against the densest labelled schedule of this dose.
    fold = densest / freq.interval_days if densest else 0
    if (
        in_range
        and course.reference.get(drug).category != "supportive"
        and fold >= HARMFUL_INTENSITY
    ):
        # An anticancer dose of a labelled schedule given several times
        # more often than any labelled schedule: a harmful multiple of the
        # labelled dose intensity.
        message = (
            f"{drug} '{dose.text}' {freq.spelled_out()}: the dose is labelled"
            f" {' or '.join(dict.fromkeys(f.spelled_out() for f in usual))}; {freq.spelled_out()} would give"
            f" {format_number(fold, 1)} times the labelled dose intensity"
        )
        if freq.error_prone:
            message += f". {freq.ismp_warning}"
        out.add(
            "error",
            "FREQUENCY_IMPLAUSIBLE",
            t,
            drug,
            message,
            f"{course.citations(schedules[0].sources)}; {SRC_ISMP}",
        )
        return

    allowed = ", ".join(
        dict.fromkeys(
            f.spelled_out()
            for u in schedules
            for fid in u.frequencies
            if (f := frequency_from_id(fid))
        )
    )
    denser = (
        f": {format_number(fold, 2)} times the dose intensity of the densest labelled schedule; confirm the schedule"
        + " and its growth-factor support"
        if in_range and fold > 1 and course.reference.get(drug).category != "supportive"
        else ""
    )
    out.add(
        "warning",
        "FREQUENCY_UNUSUAL",
        t,
        drug,
        f"{drug} {freq.spelled_out()} is not a usual frequency ({allowed}){denser}",
        course.citations(schedules[0].sources),
    )


def check(course: Course) -> Iterator[Finding]:
    out = Findings()
    for found in course.identified:
        frequency(course, out, found)
    yield from out.items


# "J1 J8 J15", "days 1, 8 and 15", "d1-14": days listed within a cycle.
_DAYS_LISTED = re.compile(
    r"(?<![a-z])(?:j|d|days?|jours?)\s?1\b\s*(?:[,et&and-]|\s)+\s*(?:j|d)?\s?\d"
)
_CYCLE_WORDS = re.compile(r"(?<![a-z])(?:cycles?|cures?|courses?|j1\s?=)")


def _fits_entry(freq: Any, entry: Any, phase: Phase, t: Treatment) -> bool:
    """Whether a written frequency is one the regimen's data gives the drug:
    its dosing interval within the phase (weekly on days 1, 8, 15), doses a
    day (capecitabine twice daily), or the cycle written as the cycle of a
    several-dose phase ("28-day cycle" with days 1, 8 and 15 listed)."""
    interval = freq.interval_days
    own = [float(entry.interval_days)] if entry.interval_days else []
    if entry.times_per_day > 1:
        own.append(1 / entry.times_per_day)
    if any(abs(interval - days) <= max(0.1, days * 0.05) for days in own):
        return True
    written = fold(" ".join(x for x in (t.frequency or "", freq.text, t.quote or "") if x))
    several = (
        len(entry.days) > 1
        or (entry.interval_days or phase.cycle_length_days) < phase.cycle_length_days
    )
    cycle_written = bool(_CYCLE_WORDS.search(fold(freq.text)) or _DAYS_LISTED.search(written))
    return (
        cycle_written
        and interval > phase.cycle_length_days
        and round(interval) % round(phase.cycle_length_days) == 0
        or (several and cycle_written and interval >= phase.cycle_length_days)
    )
