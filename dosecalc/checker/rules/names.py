"""Names and regimens: each written drug is recognised in the drug reference (misspellings
flagged), and the library phase made of exactly these treating drugs, by the route
and doses written, is the treatment's regimen."""

from __future__ import annotations

from collections.abc import Iterator

from ...case import Treatment
from ...model import Phase, Regimen
from ...vocabulary import parse_frequency
from ..course import (
    SRC_VOCABULARY,
    Course,
    Finding,
    Findings,
    Identified,
    cycle_count,
    matching_steps,
    regimen_steps,
    written_routes,
)
from ..written import parse_written_dose


def identify(course: Course, out: Findings, t: Treatment) -> Identified:
    found = Identified(t, {})
    for written in t.drugs:
        match = course.reference.match(written.drug)
        if match is None:
            out.add(
                "warning",
                "NOT_UNDERSTOOD",
                t,
                None,
                f"drug '{written.drug}' is not in the drug reference: it was not checked",
                SRC_VOCABULARY,
            )
            continue
        found.drugs[written.drug] = match.drug_id
        if match.misspelled:
            out.add(
                "warning",
                "DRUG_NAME_MISSPELLED",
                t,
                match.drug_id,
                f"'{written.drug}' read as {match.drug_id} (misspelled; confirm the drug before it enters the cumulative-dose ledger)",
                SRC_VOCABULARY,
            )
    treated = {d for d in found.drugs.values() if course.reference.get(d).category != "supportive"}
    if treated:
        found.regimen, found.phase = _phase_for(course, t, treated, written_routes(t, found))
        if found.phase is None:
            names = ", ".join(sorted(treated))
            which = f"gives {names} together" if len(treated) > 1 else f"gives {names} alone"
            # What the library lacks is a reminder, not a fault of the note.
            out.add(
                "info",
                "REGIMEN_NOT_FOUND",
                t,
                None,
                f"no regimen of the library {which}: doses and schedule were checked against the drug reference's usual ranges only",
                "dosecalc regimen library",
            )
    course.identified.append(found)
    return found


def _phase_for(
    course: Course, t: Treatment, drugs: set[str], routes: dict[str, str] | None = None
) -> tuple[Regimen | None, Phase | None]:

    # Supportive drugs of a phase (G-CSF) are not part of its identity:
    # notes name the treatment drugs, not the support.
    def treated(phase: Phase) -> set[str]:
        return {
            e.drug
            for e in phase.drugs
            if e.drug not in course.reference
            or course.reference.get(e.drug).category != "supportive"
        }

    # A route written for a drug must be the phase's (subcutaneous
    # trastuzumab is not the IV phase's mg/kg drug): read from the data.
    def same_routes(phase: Phase) -> bool:
        return all(
            (routes or {}).get(e.drug, e.route).upper() == e.route.upper() for e in phase.drugs
        )

    candidates = [
        (r, p) for r in course.regimens for p in r.phases if treated(p) == drugs and same_routes(p)
    ]
    if not candidates:
        return None, None
    frequency = parse_frequency(t.frequency) if t.frequency else None
    if frequency is None:
        own = {
            f.id: f
            for w in t.drugs
            if (m := course.reference.match(w.drug)) is not None and m.drug_id in drugs
            for text in (w.maintenance, w.dose)
            if text and (f := parse_written_dose(text).frequency) is not None
        }
        frequency = next(iter(own.values())) if len(own) == 1 else None
    setting = t.setting or ""

    written_doses = _written_values(course, t)

    def fits(phase: Phase) -> int:
        """How many written doses are one of the phase's doses."""
        return sum(
            1
            for e in phase.drugs
            for value, basis in written_doses.get(e.drug, [])
            if basis == e.basis and matching_steps(regimen_steps(e), value, 5)
        )

    # A phase none of whose doses was written, at another schedule than
    # the one written, is not the treatment (weekly trastuzumab 4 then
    # 2 mg/kg is not the every-3-weeks 'H' phase).
    if frequency is not None and any(written_doses.values()):
        candidates = [
            (r, p)
            for r, p in candidates
            if fits(p) or abs(frequency.interval_days - p.cycle_length_days) < 0.5
        ] or candidates
        if not any(fits(p) for _, p in candidates) and not any(
            abs(frequency.interval_days - p.cycle_length_days) < 0.5 for _, p in candidates
        ):
            return None, None

    written_name = _name_key(t.regimen or "")
    written_count = cycle_count(t.cycles) if t.cycles else None

    def count_fits(phase: Phase) -> int:
        mode, count = phase.cycles.mode, phase.cycles.count or 0
        if written_count is None:
            return 0
        return int(
            (mode == "fixed" and written_count == count)
            or (mode == "minimum" and written_count >= count)
            or mode == "until_progression"
        )

    # Prefer the regimen the treatment names (its id or an alias: several
    # regimens share a phase's drugs, e.g. THP in thp and ac-thp), then the
    # phase whose doses were written, then whose cycle matches a plausible
    # written frequency, then the regimen of the same setting, then the
    # phase whose number of cycles fits the documented count, then the
    # library's order.
    def score(item: tuple[Regimen, Phase]) -> tuple[int, int, int, int, int]:
        regimen, phase = item
        name_match = int(
            bool(written_name)
            and written_name in {_name_key(n) for n in (regimen.id, *regimen.aliases)}
        )
        freq_match = int(
            frequency is not None and abs(frequency.interval_days - phase.cycle_length_days) < 0.5
        )
        setting_match = int(
            regimen.setting == setting
            or (
                setting in ("neoadjuvant", "adjuvant")
                and regimen.setting in ("neoadjuvant", "adjuvant")
            )
        )
        return (name_match, fits(phase), freq_match, setting_match, count_fits(phase))

    best = max(candidates, key=score)
    return best


def _written_values(course: Course, t: Treatment) -> dict[str, list[tuple[float, str]]]:
    """Per drug id, the per-unit values and bases of its written doses."""
    values: dict[str, list[tuple[float, str]]] = {}
    for written in t.drugs:
        match = course.reference.match(written.drug)
        if match is None:
            continue
        for text in (written.dose, written.maintenance):
            reading = parse_written_dose(text).reading if text else None
            if reading is None or reading.is_combination:
                continue
            values.setdefault(match.drug_id, []).append(
                (float(reading.amounts[0].magnitude), reading.basis)
            )
    return values


def nothing_found(course: Course, out: Findings) -> None:
    if not course.case.treatments:
        out.add(
            "warning",
            "NO_TREATMENT_FOUND",
            None,
            None,
            "no drug statement was found (no drug of the drug reference is named): nothing was checked",
            SRC_VOCABULARY,
        )


def check_nothing_found(course: Course) -> Iterator[Finding]:
    """A text that names no drug of the reference: nothing was checked."""
    out = Findings()
    nothing_found(course, out)
    yield from out.items


def _name_key(name: str) -> str:
    """A regimen name compared without case, spaces or punctuation: "AC->THP",
    "ac thp" and "AC-THP" are one name."""
    return "".join(ch for ch in name.lower() if ch.isalnum())
