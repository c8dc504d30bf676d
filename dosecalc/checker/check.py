"""The regimen checker: compare a documented course with what it should be.

Each rule re-derives one thing (the regimen the drugs form, its frequency,
cycle count, loading doses, units, cumulative anthracycline, LVEF
monitoring, the dates) and reports a :class:`Finding` with a severity, a
code, the item it concerns, a message and the source of the rule. Anything
the checker cannot read is reported (code ``NOT_UNDERSTOOD``), never skipped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..case import Case, CaseDate, Treatment
from ..drugs import DrugInfo, load_drug_reference
from ..formatting import format_amount, format_number
from ..model import BASIS_UNITS, DoseStep, DrugEntry, Patient, Phase, Policy, Regimen
from ..patient import dosing_weight, policy_bsa
from ..regimen import parse_per_unit_dose
from ..schedule import expand
from ..textfold import fold
from ..vocabulary import frequency_from_id, parse_frequency
from .written import parse_written_dose

SEVERITIES = ("error", "warning", "info")

# Sources of the rules, cited with every finding.
SRC_HERCEPTIN = "Herceptin US PI 2.2 (weekly 4 then 2 mg/kg, or every 3 weeks 8 then 6 mg/kg; 52 weeks in total)"
SRC_HERCEPTIN_LVEF = "Herceptin US PI 2.2 and 5.1 (LVEF at baseline and every 3 months; hold for a fall of 16 points or more)"
SRC_PERJETA = (
    "Perjeta US PI 2.2-2.3 (840 mg then 420 mg every 3 weeks; re-load after 6 weeks or more)"
)
SRC_ISMP = "ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021)"
SRC_DOCETAXEL_PREMED = (
    "Docetaxel PI (dexamethasone 8 mg twice daily for 3 days starting the day before)"
)
SRC_CLEOPATRA = "CLEOPATRA (Baselga 2012) required a disease-free interval of 12 months or more after adjuvant trastuzumab"
SRC_WEIGHT_CHANGE = "ASCO/ONS chemotherapy administration safety standards (2016): the practice sets when a weight change requires recalculation; threshold from the policy (10% is common for adults)"
SRC_CASE_FORMAT = "dosecalc case file format (docs/case-format.md)"
SRC_VOCABULARY = "dosecalc drug reference (drugs/drugs.yaml): French and English INNs"


@dataclass(frozen=True)
class Finding:
    """One thing the checker found."""

    severity: str  # error | warning | info
    code: str
    treatment: str | None
    drug: str | None
    message: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "treatment": self.treatment,
            "drug": self.drug,
            "message": self.message,
            "source": self.source,
        }


@dataclass
class Identified:
    """What the checker made of one treatment."""

    treatment: Treatment
    drugs: dict[str, str]  # name as written -> drug id
    regimen: Regimen | None = None
    phase: Phase | None = None


@dataclass
class CheckReport:
    """``dosecalc check``: every finding, errors first."""

    case: Case
    policy: Policy
    patient: Patient | None
    findings: list[Finding]
    identified: list[Identified] = field(default_factory=list)
    extracted: list[Any] = field(default_factory=list)  # statements read from free text

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


class _Run:
    """State of one check: the case, the library, and the findings so far."""

    def __init__(
        self, case: Case, policy: Policy, regimens: list[Regimen], patient: Patient | None
    ):

        self.case = case
        self.policy = policy
        self.regimens = regimens
        self.patient = patient
        self.reference = load_drug_reference()
        self.findings: list[Finding] = []
        self.identified: list[Identified] = []
        # Dates the timeline worked out (not written), with how.
        self.estimated: dict[CaseDate, str] = {}

    def add(
        self,
        severity: str,
        code: str,
        treatment: Treatment | None,
        drug: str | None,
        message: str,
        source: str,
    ) -> None:
        self.findings.append(
            Finding(severity, code, treatment.id if treatment else None, drug, message, source)
        )

    # -- names and regimens -----------------------------------------------------

    def identify(self, t: Treatment) -> Identified:
        found = Identified(t, {})
        for written in t.drugs:
            match = self.reference.match(written.drug)
            if match is None:
                self.add(
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
                self.add(
                    "warning",
                    "DRUG_NAME_MISSPELLED",
                    t,
                    match.drug_id,
                    f"'{written.drug}' read as {match.drug_id} (misspelled; confirm the drug before it enters the cumulative-dose ledger)",
                    SRC_VOCABULARY,
                )
        treated = {
            d for d in found.drugs.values() if self.reference.get(d).category != "supportive"
        }
        if treated:
            found.regimen, found.phase = self._phase_for(t, treated, _written_routes(t, found))
            if found.phase is None:
                names = ", ".join(sorted(treated))
                which = f"gives {names} together" if len(treated) > 1 else f"gives {names} alone"
                # What the library lacks is a reminder, not a fault of the note.
                self.add(
                    "info",
                    "REGIMEN_NOT_FOUND",
                    t,
                    None,
                    f"no regimen of the library {which}: doses and schedule were checked against the drug reference's usual ranges only",
                    "dosecalc regimen library",
                )
        self.identified.append(found)
        return found

    def _phase_for(
        self, t: Treatment, drugs: set[str], routes: dict[str, str] | None = None
    ) -> tuple[Regimen | None, Phase | None]:

        # Supportive drugs of a phase (G-CSF) are not part of its identity:
        # notes name the treatment drugs, not the support.
        def treated(phase: Phase) -> set[str]:
            return {
                e.drug
                for e in phase.drugs
                if e.drug not in self.reference
                or self.reference.get(e.drug).category != "supportive"
            }

        # A route written for a drug must be the phase's (subcutaneous
        # trastuzumab is not the IV phase's mg/kg drug): read from the data.
        def same_routes(phase: Phase) -> bool:
            return all(
                (routes or {}).get(e.drug, e.route).upper() == e.route.upper() for e in phase.drugs
            )

        candidates = [
            (r, p)
            for r in self.regimens
            for p in r.phases
            if treated(p) == drugs and same_routes(p)
        ]
        if not candidates:
            return None, None
        frequency = parse_frequency(t.frequency) if t.frequency else None
        if frequency is None:
            own = {
                f.id: f
                for w in t.drugs
                if (m := self.reference.match(w.drug)) is not None and m.drug_id in drugs
                for text in (w.maintenance, w.dose)
                if text and (f := parse_written_dose(text).frequency) is not None
            }
            frequency = next(iter(own.values())) if len(own) == 1 else None
        setting = t.setting or ""

        written_doses = self._written_values(t)

        def fits(phase: Phase) -> int:
            """How many written doses are one of the phase's doses."""
            return sum(
                1
                for e in phase.drugs
                for value, basis in written_doses.get(e.drug, [])
                if basis == e.basis and _matching_steps(_steps(e), value, 5)
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

        # Prefer the phase whose doses were written, then whose cycle matches
        # a plausible written frequency, then the regimen of the same setting,
        # then the library's order.
        def score(item: tuple[Regimen, Phase]) -> tuple[int, int, int]:
            regimen, phase = item
            freq_match = int(
                frequency is not None
                and abs(frequency.interval_days - phase.cycle_length_days) < 0.5
            )
            setting_match = int(
                regimen.setting == setting
                or (
                    setting in ("neoadjuvant", "adjuvant")
                    and regimen.setting in ("neoadjuvant", "adjuvant")
                )
            )
            return (fits(phase), freq_match, setting_match)

        best = max(candidates, key=score)
        return best

    def _written_values(self, t: Treatment) -> dict[str, list[tuple[float, str]]]:
        """Per drug id, the per-unit values and bases of its written doses."""
        values: dict[str, list[tuple[float, str]]] = {}
        for written in t.drugs:
            match = self.reference.match(written.drug)
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

    # -- frequency and dates ----------------------------------------------------

    def frequency(self, found: Identified) -> None:

        t, phase = found.treatment, found.phase
        if phase is None:
            return
        if not t.frequency:
            self.add(
                "info",
                "FREQUENCY_NOT_STATED",
                t,
                None,
                f"no frequency written; the regimen gives every {_days(phase.cycle_length_days)}",
                "dosecalc regimen library",
            )
            return
        freq = parse_frequency(t.frequency)
        if freq is None:
            self.add(
                "warning",
                "NOT_UNDERSTOOD",
                t,
                None,
                f"frequency '{t.frequency}' was not understood; the regimen gives every {_days(phase.cycle_length_days)}",
                SRC_ISMP,
            )
            return
        expected = phase.cycle_length_days
        if abs(freq.interval_days - expected) <= 0.5:
            return
        drugs = ", ".join(e.drug for e in phase.drugs)
        fold = expected / freq.interval_days
        labelled = self._labelled_schedules(phase)
        evidence = self._dates_evidence(t, phase, freq.interval_days)
        message = (
            f"{drugs}: frequency '{t.frequency}' ({freq.spelled_out()}) does not match any labelled schedule"
            f" ({labelled}); it would give {format_number(fold, 1)} times the labelled dose frequency."
            f" Did you mean every {_days(expected)}?"
        )
        if evidence:
            message += f" {evidence}"
        if freq.error_prone:
            message += f" {freq.ismp_warning}"
        only = phase.drugs[0].drug if len(phase.drugs) == 1 else None
        self.add(
            "error",
            "FREQUENCY_IMPLAUSIBLE",
            t,
            only,
            message,
            f"{self._sources(found)}; {SRC_ISMP}",
        )

    def _dose_frequency(self, found: Identified, drug: str, dose: Any) -> None:
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
        fold = phase.cycle_length_days / freq.interval_days
        message = (
            f"{drug}: frequency '{freq.text}' written with the dose ({freq.spelled_out()}) does not match the regimen, every {_days(phase.cycle_length_days)};"
            f" it would give {format_number(fold, 1)} times the regimen's dose frequency"
        )
        if freq.error_prone:
            message += f". {freq.ismp_warning}"
        self.add(
            "error",
            "FREQUENCY_IMPLAUSIBLE",
            t,
            drug,
            message,
            f"{self._sources(found)}; {SRC_ISMP}",
        )

    def _labelled_schedules(self, phase: Phase) -> str:
        """The schedules the labels allow for the phase's drugs, in words."""

        ids: dict[str, None] = {}
        for entry in phase.drugs:
            for usual in self.reference.get(entry.drug).usual:
                for fid in usual.frequencies:
                    ids.setdefault(fid)
        words = [f.spelled_out() for fid in ids if (f := frequency_from_id(fid))]
        return " or ".join(words) if words else f"every {_days(phase.cycle_length_days)}"

    def _dates_evidence(self, t: Treatment, phase: Phase, written_interval: float) -> str:
        count = _count(t.cycles)
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
                f"The dates are consistent only with every {_days(phase.cycle_length_days)}: {count} cycles from {t.start} end on"
                f" {cycle_end.isoformat()} as documented, whereas {count} doses {_spell_interval(written_interval)} would end on {written_end.isoformat()}."
            )
        if cycle_end < t.end.value < cycle_end + dt.timedelta(days=phase.cycle_length_days):
            return (
                f"The dates fit every {_days(phase.cycle_length_days)}: {count} cycles from {t.start} are complete on {cycle_end.isoformat()}"
                f" (documented: {count} cycles by {t.end}), whereas {count} doses {_spell_interval(written_interval)} would have been complete by {written_end.isoformat()}."
            )
        return (
            f"The documented dates ({count} cycles over {span} days) fit neither schedule exactly."
        )

    def dates(self, found: Identified) -> None:
        t, phase, regimen = found.treatment, found.phase, found.regimen
        count = _count(t.cycles)
        if (
            not (phase and regimen and t.start and t.end and count)
            or t.start.precision != "day"
            or t.end.precision != "day"
        ):
            return

        schedule = expand(
            _single_phase(regimen, phase),
            self.policy,
            t.start.value,
            max_cycles=count,
            phase_cycles=_phase_count(phase, count),
        )
        last = schedule.cycles[-1][3] if schedule.cycles else None
        if last == t.end.value:
            self.add(
                "info",
                "DATES_CONSISTENT",
                t,
                None,
                f"{count} cycles every {_days(phase.cycle_length_days)} from {t.start} end on {last.isoformat()}, as documented",
                "dosecalc calendar",
            )
        elif last is not None and last > t.end.value:
            self.add(
                "warning",
                "DATES_INCONSISTENT",
                t,
                None,
                f"{count} cycles every {_days(phase.cycle_length_days)} from {t.start} cannot be complete by {t.end} (cycle {count} falls on {last.isoformat()})",
                "dosecalc calendar",
            )

    # -- cycles and durations ---------------------------------------------------

    def cycles(self, found: Identified) -> None:
        t, phase = found.treatment, found.phase
        if phase is None or not t.cycles:
            return
        count = _count(t.cycles)
        if count is None:
            self.add(
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
            if expected % count == 0 and phase.cycle_length_days < 21:
                per = expected // count
                self.add(
                    "warning",
                    "COUNT_AMBIGUOUS",
                    t,
                    None,
                    f"{drugs} every {_days(phase.cycle_length_days)} is normally {expected} doses; '{t.cycles}' means {count} doses,"
                    f" or {count} cycles of {per} doses ({count} × {per} = {expected})? Confirm before printing the calendar.",
                    self._sources(found),
                )
            else:
                self.add(
                    "warning",
                    "CYCLE_COUNT_DIFFERS",
                    t,
                    None,
                    f"{drugs}: {count} cycles documented, the regimen gives {expected}",
                    self._sources(found),
                )
        elif phase.cycles.mode == "minimum" and expected and count < expected:
            regimen = found.regimen
            if regimen is not None and t.setting == regimen.setting:
                self.add(
                    "error",
                    "CYCLES_BELOW_MINIMUM",
                    t,
                    None,
                    f"{drugs}: {count} cycles documented, fewer than the minimum of {expected}",
                    self._sources(found),
                )
            else:
                # The minimum is the regimen's setting's (metastatic THP); a
                # short course in another or unstated setting is a question.
                self.add(
                    "warning",
                    "CYCLE_COUNT_DIFFERS",
                    t,
                    None,
                    f"{drugs}: {count} cycles documented; the regimen gives at least {expected} in the {regimen.setting if regimen else ''} setting: confirm the setting",
                    self._sources(found),
                )

    def course_limits(self, found: Identified) -> None:
        t, regimen = found.treatment, found.regimen
        if regimen is None:
            return
        for limit in regimen.course_limits:
            if limit.drug not in found.drugs.values():
                continue
            weeks = _duration_weeks(t.duration) if t.duration else None
            first = self._first_start(limit.drug)
            dates = f" (given from {first.isoformat()} to {t.end})" if first and t.end else ""
            if weeks is not None and weeks > limit.duration_days / 7 + 0.5:
                self.add(
                    "error",
                    "DURATION_EXCEEDED",
                    t,
                    limit.drug,
                    f"{limit.drug} for {t.duration}{dates} exceeds {format_number(limit.duration_days / 7)} weeks; extending adjuvant treatment beyond 1 year is not recommended",
                    SRC_HERCEPTIN,
                )
            elif first and t.end and (t.end.latest - first).days > limit.duration_days + 31:
                self.add(
                    "error",
                    "DURATION_EXCEEDED",
                    t,
                    limit.drug,
                    f"{limit.drug} from {first.isoformat()} to {t.end} is longer than {format_number(limit.duration_days / 7)} weeks; extending adjuvant treatment beyond 1 year is not recommended",
                    SRC_HERCEPTIN,
                )

    def _first_start(self, drug: str) -> dt.date | None:
        dates = [
            i.treatment.start.value
            for i in self.identified
            if drug in i.drugs.values()
            and i.treatment.start
            and i.treatment.setting in ("neoadjuvant", "adjuvant")
        ]
        return min(dates) if dates else None

    # -- doses ------------------------------------------------------------------

    def doses(self, found: Identified) -> None:
        t = found.treatment
        for written in t.drugs:
            drug = found.drugs.get(written.drug)
            if drug is None:
                continue
            if written.dose is not None:
                self._dose(found, drug, written.dose, then=False)
            if written.maintenance is not None:
                self._dose(found, drug, written.maintenance, then=True)

    def _dose(self, found: Identified, drug: str, text: str, then: bool) -> None:
        """One written dose of ``drug``: the first (``then`` False: a loading
        dose when one is due) or the maintenance dose written after it."""
        t = found.treatment
        dose = parse_written_dose(text)
        if dose.problem == "a dose cannot be negative":
            self.add(
                "error",
                "DOSE_IMPLAUSIBLE",
                t,
                drug,
                f"'{text}': a dose cannot be negative (a stray sign, or a range such as '60-75'?)",
                SRC_ISMP,
            )
            return
        if not dose.understood:
            self.add(
                "warning",
                "NOT_UNDERSTOOD",
                t,
                drug,
                f"dose '{text}' was not understood ({dose.problem})",
                SRC_ISMP,
            )
            return
        if dose.leftover:
            self.add(
                "warning",
                "NOT_UNDERSTOOD",
                t,
                drug,
                f"in '{text}', '{dose.leftover}' was not understood",
                SRC_ISMP,
            )
        info = self.reference.get(drug)
        entry = _entry_for(found.phase, drug)
        before = len(self.findings)
        if entry is not None:
            self._dose_frequency(found, drug, dose)
            self._regimen_dose(found, drug, entry, dose, then)
        elif info.usual:
            # No regimen to compare with (supportive care, or a drug the
            # library has no regimen for): the drug reference's usual range.
            self._supportive_dose(t, drug, dose, text, _written_route(t, drug, found))
            if not then:
                self._loading_from_library(found, drug, dose)
        # Spacing advice only for a dose that is otherwise right: for a
        # wrong or ambiguous one, the other finding says what to write.
        flagged = any(f.severity != "info" and f.drug == drug for f in self.findings[before:])
        if dose.run_together and not flagged:
            self.add(
                "info",
                "ISMP_SPACING",
                t,
                drug,
                f"'{text}': number and unit run together; write a space ('{_spaced(dose)}')",
                SRC_ISMP,
            )

    def _regimen_dose(
        self, found: Identified, drug: str, entry: DrugEntry, dose: Any, then: bool = False
    ) -> None:
        t = found.treatment
        readings = list(dose.readings)
        fitting = [r for r in readings if r.basis == entry.basis]
        expected_unit = BASIS_UNITS[entry.basis]
        if dose.ambiguous:
            text = " or ".join(
                f"{format_amount(float(r.amounts[0].magnitude), r.unit, 4)}" for r in readings
            )
            message = f"'{dose.text}' has two units ({text})"
            if fitting:
                chosen = fitting[0]
                per_unit = float(chosen.amounts[0].magnitude)
                message += f": confirm {format_amount(per_unit, expected_unit, 4)}"
                if self.patient and entry.basis == "weight":
                    mg_reading = next((r for r in readings if r.basis == "flat"), None)
                    message += f" (= {format_amount(per_unit * self.patient.weight_kg, 'mg')} at {format_number(self.patient.weight_kg)} kg)"
                    if mg_reading is not None:
                        message += f", not {format_amount(float(mg_reading.amounts[0].to('mg').magnitude), 'mg')}"
                elif entry.basis == "weight":
                    message += " (a weight is needed to give it in mg: the case gives none)"
                message += f"; write it as '{format_amount(per_unit, expected_unit, 4)}'"
            self.add("warning", "UNIT_AMBIGUOUS", t, drug, message, SRC_ISMP)
            if not fitting:
                return
            reading = fitting[0]
        else:
            reading = dose.reading
            if reading is None:
                return
            if reading.basis != entry.basis:
                if self._confirm_in_mg(found, drug, entry, dose, reading):
                    return
                self.add(
                    "error",
                    "WRONG_BASIS",
                    t,
                    drug,
                    f"'{dose.text}' is a {_basis_words(reading.basis)} dose; {drug} is dosed {_basis_words(entry.basis)} ({expected_unit})",
                    self._sources(found),
                )
                return

        written = (
            parse_per_unit_dose(
                f"{float(reading.amounts[0].magnitude)} {reading.unit.replace('AUC', 'mg/mL*min')}",
                entry.basis,
            )
            if reading.unit != "AUC"
            else reading.amounts[0]
        )
        value = float(written.magnitude)
        steps = _steps(entry)
        matches = _matching_steps(steps, value, self.policy.rounding.tolerance_pct)
        if then:
            # The dose written after the loading dose must be the maintenance dose.
            if matches and matches[0] == "loading" and entry.maintenance is not None:
                self.add(
                    "warning",
                    "UNEXPECTED_LOADING",
                    t,
                    drug,
                    f"'{dose.text}' is written as the dose after the loading dose, but it is the loading dose: the maintenance dose is {format_amount(entry.maintenance.per_unit, BASIS_UNITS[entry.basis], 4)}",
                    self._sources(found),
                )
                return
        else:
            self._loading(found, drug, entry, matches, value)
        if matches:
            return
        self._judge_amount(found, drug, entry, dose, value, written.units)

    def _confirm_in_mg(
        self, found: Identified, drug: str, entry: DrugEntry, dose: Any, reading: Any
    ) -> bool:
        """A dose in mg for a drug dosed per kg or per m² is right when it is
        the per-unit dose at the patient's documented weight or BSA (within
        the policy's rounding tolerance): a confirmation, not a finding."""
        if self.patient is None or reading.basis != "flat" or entry.basis not in ("bsa", "weight"):
            return False
        if entry.basis == "bsa":
            metric = policy_bsa(self.patient, self.policy).value
            how = f"BSA {format_number(metric, 2)} m²"
        else:
            metric, how = dosing_weight(
                self.patient, self.policy.dosing_weight, self.policy.adjusted_weight_factor
            )
        mg = float(reading.amounts[0].to("mg").magnitude)
        tolerance = self.policy.rounding.tolerance_pct
        for kind, step in _steps(entry).items():
            expected = step.per_unit * metric
            if expected and abs(mg - expected) <= expected * tolerance / 100:
                self._loading(found, drug, entry, [kind], step.per_unit)
                self.add(
                    "info",
                    "DOSE_CONFIRMED",
                    found.treatment,
                    drug,
                    f"'{dose.text}' is {format_amount(step.per_unit, BASIS_UNITS[entry.basis], 4)} × {how}"
                    f" = {format_amount(expected, 'mg')} (within policy {self.policy.id}'s {format_number(tolerance)}% rounding tolerance)",
                    self._sources(found),
                )
                return True
        return False

    def _judge_amount(
        self, found: Identified, drug: str, entry: DrugEntry, dose: Any, value: float, units: Any
    ) -> None:
        """A dose that is none of the regimen's: graded by the harm it could do.

        About 1000-fold off is a unit error (mg for g). Above the highest
        usual dose of the drug reference for this schedule (or twice the
        regimen dose when the reference gives none), or under half the
        regimen dose, no label or regimen allows it: an error, with the
        factor. A documented reduction level is a note; anything else in
        between is a warning for the prescriber to confirm."""
        t = found.treatment
        steps = _steps(entry)
        nearest_kind, nearest = min(
            steps.items(), key=lambda item: abs(math.log(value / item[1].per_unit)) if value else 0
        )
        fold = value / nearest.per_unit if nearest.per_unit else 0
        sources = self._sources(found)
        if fold >= 500 or (fold and fold <= 1 / 500):
            self.add(
                "error",
                "UNIT_IMPLAUSIBLE",
                t,
                drug,
                f"'{dose.text}' is about 1000 times the regimen dose ({_steps_text(entry)}): check mg against g",
                sources,
            )
            return
        tolerance = self.policy.rounding.tolerance_pct / 100
        levels = _dose_levels(entry, self.reference.get(drug), units)
        level = next((lv for lv in levels if abs(lv - value) <= lv * tolerance), None)
        if level is not None and value < nearest.per_unit:
            self.add(
                "info",
                "DOSE_REDUCED",
                t,
                drug,
                f"'{dose.text}' is a documented reduction level of {drug} (from {_steps_text(entry)}): record the reason",
                sources,
            )
            return
        highest, where = self._highest_usual(found, drug, entry, units)
        lowest = min(s.per_unit for s in steps.values())
        times = _times(fold)
        if value > highest * (1 + tolerance) or value < lowest / 2:
            limit = (
                f"above the highest usual dose ({format_amount(highest, BASIS_UNITS[entry.basis], 4)}, {where})"
                if value > highest
                else "under half the regimen dose, and not a documented reduction level"
            )
            decimal = " A decimal-point error?" if abs(math.log10(fold)) > 0.9 else ""
            self.add(
                "error",
                "DOSE_IMPLAUSIBLE",
                t,
                drug,
                f"'{dose.text}' is {times} the regimen {nearest_kind} dose ({_steps_text(entry)}): {limit}.{decimal}",
                sources,
            )
            return
        self.add(
            "warning",
            "DOSE_DIFFERS",
            t,
            drug,
            f"'{dose.text}' differs from the regimen dose ({_steps_text(entry)}; {times} the {nearest_kind} dose): confirm and record the reason",
            sources,
        )

    def _highest_usual(
        self, found: Identified, drug: str, entry: DrugEntry, units: Any
    ) -> tuple[float, str]:
        """The highest dose the drug reference gives for this drug at the
        phase's schedule (any schedule when none matches), in the regimen's
        unit; twice the regimen's highest dose when the reference has none."""
        info = self.reference.get(drug)
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
        return 2 * max(s.per_unit for s in _steps(entry).values()), "twice the regimen dose"

    def _loading(
        self, found: Identified, drug: str, entry: DrugEntry, matches: list[str], value: float
    ) -> None:
        """Whether a loading dose is due here, and whether the documented dose is one."""
        if entry.loading is None:
            return
        t = found.treatment
        previous = self._previous_end(drug, t)
        rule = self.policy.reload_rules.get(entry.reload_rule or drug)
        due, why = True, f"first {drug} dose of this treatment line"
        if previous is not None and t.start is not None:
            gap_low = (t.start.value - previous.latest).days
            gap_high = (t.start.latest - previous.value).days
            scheduled = found.phase.cycle_length_days if found.phase else 21
            gap = f"{gap_low} days" if gap_low == gap_high else f"about {gap_low}-{gap_high} days"
            if rule and rule.requires_reload(gap_low, scheduled):
                how = f": {self.estimated[previous]}" if previous in self.estimated else ""
                why = f"{gap} since the last {drug} ({previous}{how}); policy {self.policy.id}: {rule.describe()}"
            elif rule and not rule.requires_reload(gap_high, scheduled):
                due, why = False, f"{gap_high} days or less since the last {drug}"
            else:
                self.add(
                    "warning",
                    "RELOAD_UNCERTAIN",
                    t,
                    drug,
                    f"the gap since the last {drug} ({previous}) is too imprecise to tell whether a re-load is due",
                    SRC_PERJETA,
                )
                return
        elif t.continued:
            # "Cure 4", "poursuivi", "entretien": the line started earlier.
            return
        else:
            earlier = self._earlier_undated(drug, found)
            if earlier is not None:
                # Maintenance doses of a line that started earlier, with no
                # date to measure a gap: a continuation, not a new line.
                return
        source = (
            SRC_PERJETA
            if drug == "pertuzumab"
            else f"{SRC_HERCEPTIN}; {rule.source if rule else ''}".rstrip("; ")
        )
        if due and "loading" in matches:
            self.add(
                "info",
                "LOADING_CONFIRMED",
                t,
                drug,
                f"loading dose {format_amount(value, BASIS_UNITS[entry.basis], 4)} is correct: {why}",
                source,
            )
        elif due and "maintenance" in matches:
            self.add(
                "error",
                "LOADING_MISSING",
                t,
                drug,
                f"a loading dose of {format_amount(entry.loading.per_unit, BASIS_UNITS[entry.basis], 4)} is due ({why}), but the maintenance dose is documented",
                source,
            )
        elif not due and "loading" in matches:
            self.add(
                "warning",
                "UNEXPECTED_LOADING",
                t,
                drug,
                f"a loading dose is documented, but {why}: a maintenance dose is expected",
                source,
            )

    def administrations(self, found: Identified) -> None:
        """Doses actually given: after a gap beyond the policy's re-load
        threshold the next dose must be a loading dose; otherwise the
        maintenance dose is due."""
        t = found.treatment
        by_drug: dict[str, list[Any]] = {}
        for given in t.given:
            match = self.reference.match(given.drug)
            if match is None:
                self.add(
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
            entry = _entry_for(found.phase, drug)
            rule = (
                self.policy.reload_rules.get(entry.reload_rule or drug)
                if entry and entry.loading
                else None
            )
            if entry is None or rule is None:
                continue
            source = SRC_PERJETA if drug == "pertuzumab" else f"{SRC_HERCEPTIN}; {rule.source}"
            doses = sorted(doses, key=lambda g: g.date.value)
            for previous, given in zip(doses, doses[1:], strict=False):
                if (
                    given.dose is None
                    or "day" != given.date.precision
                    or "day" != previous.date.precision
                ):
                    continue
                gap = (given.date.value - previous.date.value).days
                kind = self._step_kind(entry, given.dose)
                if kind is None:
                    self.add(
                        "warning",
                        "DOSE_DIFFERS",
                        t,
                        drug,
                        f"{drug} on {given.date}: '{given.dose}' is neither a dose of the regimen ({_steps_text(entry)}) nor understood as one",
                        self._sources(found),
                    )
                    continue
                due = (
                    rule.requires_reload(gap, int(found.phase.cycle_length_days))
                    if found.phase
                    else False
                )
                after = f"{gap} days after the dose of {previous.date}; policy {self.policy.id}: {rule.describe()}"
                if due and kind == "maintenance":
                    self.add(
                        "error",
                        "LOADING_MISSING",
                        t,
                        drug,
                        f"{drug} on {given.date}: a re-load of {format_amount(entry.loading.per_unit, BASIS_UNITS[entry.basis], 4)} is due ({after}), but the maintenance dose '{given.dose}' was given",
                        source,
                    )
                elif not due and kind == "loading":
                    self.add(
                        "warning",
                        "UNEXPECTED_LOADING",
                        t,
                        drug,
                        f"{drug} on {given.date}: the loading dose '{given.dose}' was given {after}: the maintenance dose {format_amount(entry.maintenance.per_unit, BASIS_UNITS[entry.basis], 4)} is due",
                        source,
                    )  # type: ignore[union-attr]

    def _step_kind(self, entry: DrugEntry, text: str) -> str | None:
        """Which step of ``entry`` a written dose is: loading, maintenance or standard."""

        readings = [
            r
            for r in parse_written_dose(text).readings
            if r.basis == entry.basis and r.unit != "AUC"
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

    def _loading_from_library(self, found: Identified, drug: str, dose: Any) -> None:
        """A drug with a loading dose given outside any library regimen
        (docetaxel + trastuzumab without pertuzumab): the loading rule of the
        library phase whose loading or maintenance dose was written decides."""
        reading = dose.reading
        if reading is None or reading.is_combination:
            return
        route = _written_route(found.treatment, drug, found)
        for regimen in self.regimens:
            for phase in regimen.phases:
                entry = _entry_for(phase, drug)
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
                matches = _matching_steps(_steps(entry), value, self.policy.rounding.tolerance_pct)
                if matches:
                    self._loading(
                        replace(found, regimen=regimen, phase=phase), drug, entry, matches, value
                    )
                    return

    def _previous_end(self, drug: str, t: Treatment) -> Any:
        """The last known day of ``drug`` before ``t`` started, on the course's
        timeline (a CaseDate): the latest end of an earlier treatment with it,
        from its written end, its last dated administration, or else its start
        and cycle count on its phase's cycle."""
        if t.start is None:
            return None
        ends = []
        for i in self.identified:
            if i.treatment is t or drug not in i.drugs.values():
                continue
            end = i.treatment.end
            given = [g.date for g in i.treatment.given if self.reference.match(g.drug)]
            if given:
                last = max(given, key=lambda d: d.value)
                end = last if end is None or last.value > end.value else end
            if end is None:
                start, estimated = _span(i)
                if start is not None and estimated is not None and estimated != start:
                    end = CaseDate(estimated, "day")
                    self.estimated[end] = (
                        f"cycle {_count(i.treatment.cycles)} from {i.treatment.start}"
                        f" every {_days(i.phase.cycle_length_days)}, by the calendar"  # type: ignore[union-attr]
                    )
            if end is not None and end.value <= t.start.value:
                ends.append(end)
        return max(ends, key=lambda d: d.value, default=None)

    def _earlier_undated(self, drug: str, found: Identified) -> Treatment | None:
        """An earlier treatment (in the order written) with ``drug`` whose
        dates cannot place it: the line may have started there."""
        t = found.treatment
        for i in self.identified:
            if i.treatment is t:
                return None
            if drug in i.drugs.values() and not _after(i.treatment, t):
                return i.treatment
        return None

    def _supportive_dose(
        self, t: Treatment, drug: str, dose: Any, text: str, route: str | None = None
    ) -> None:
        info = self.reference.get(drug)
        reading = dose.reading
        if reading is None:
            return
        route = dose.route or route
        if route and info.usual and not any(u.route == route for u in info.usual):
            # The reference gives no dose for this route (a subcutaneous
            # product of an IV drug): nothing to compare with.
            return
        if dose.frequency is None and t.frequency and info.category != "supportive":
            written = parse_frequency(t.frequency)
            if written is not None:
                dose = replace(dose, frequency=written)
        sources = self._citations(info.sources)
        if reading.is_combination and not (
            reading.units_each
            and info.combination
            and info.combination.matches_ratio(reading.amounts)
        ):
            parts = " + ".join(
                format_amount(float(a.magnitude), reading.unit, 3) for a in reading.amounts
            )
            total = format_amount(float(reading.total.magnitude), reading.unit, 3)
            self.add(
                "warning",
                "COMBINATION_DOSE_EXPRESSION",
                t,
                drug,
                f"'{text}' writes the dose as components ({parts}): state whether it is the total ({total}) or the first component",
                sources,
            )
        # A fixed combination's usual range is stated as the total ("4.5 g")
        # or as its first component, as the drug reference says.
        by_total = info.combination is not None and info.combination.dose_basis == "total"
        amount = reading.total if by_total else reading.amounts[0]
        for_route = [u for u in info.usual if route is None or u.route == route] or list(info.usual)
        schedules = [u for u in for_route if u.basis == reading.basis]
        if not schedules:
            self._basis_unknown_to_reference(t, drug, dose, text, info, for_route, route)
            return
        factors = [(u, u.range_factor(amount, reading.basis)) for u in schedules]
        factors = [(u, f) for u, f in factors if f is not None]
        if not factors:
            return
        inside = [u for u, f in factors if f == 1.0]
        # The frequency is judged whatever the dose: a dose finding never
        # hides a frequency finding.
        self._supportive_frequency(t, drug, dose, inside or schedules, bool(inside))
        if inside:
            return
        usual, factor = min(factors, key=lambda item: abs(math.log(item[1])))
        if reading.basis == "auc":
            range_text = f"AUC {format_number(float(usual.minimum.magnitude))} to {format_number(float(usual.maximum.magnitude))}"
        else:
            range_text = f"{format_amount(float(usual.minimum.magnitude), _unit_text(usual.minimum), 3)} to {format_amount(float(usual.maximum.magnitude), _unit_text(usual.maximum), 3)}"
        sources = self._citations(usual.sources) or sources
        if factor <= 1 / 300:
            meant = " / ".join(format_amount(float(a.magnitude), "g", 3) for a in reading.amounts)
            freq = f" {dose.frequency.spelled_out()}" if dose.frequency else ""
            self.add(
                "error",
                "UNIT_IMPLAUSIBLE",
                t,
                drug,
                f"'{text}' is below the plausible range ({range_text}) by about 1000 times: {meant}{freq} (g, not mg) is meant",
                sources,
            )
        elif factor >= 300:
            self.add(
                "error",
                "UNIT_IMPLAUSIBLE",
                t,
                drug,
                f"'{text}' is above the plausible range ({range_text}) by about 1000 times: check the unit",
                sources,
            )
        elif info.category != "supportive" and (factor >= 1.5 or factor < 0.5):
            # An anticancer drug above the label's highest dose, or under half
            # its lowest: no label allows it.
            decimal = " A decimal-point error?" if abs(math.log10(factor)) > 0.9 else ""
            where = "above the highest" if factor > 1 else "under half the lowest"
            self.add(
                "error",
                "DOSE_IMPLAUSIBLE",
                t,
                drug,
                f"'{text}' is {_times(factor)} the {'highest' if factor > 1 else 'lowest'} usual dose ({range_text}): {where} dose the label gives.{decimal}",
                sources,
            )
        else:
            self.add(
                "warning",
                "DOSE_OUT_OF_RANGE",
                t,
                drug,
                f"'{text}' is outside the usual adult range ({range_text})",
                sources,
            )

    def _basis_unknown_to_reference(
        self,
        t: Treatment,
        drug: str,
        dose: Any,
        text: str,
        info: DrugInfo,
        usual: list[Any] | None = None,
        route: str | None = None,
    ) -> None:
        """A flat dose for a drug the reference doses only per kg or per m²
        (or the reverse) is an error, with or without a library regimen:
        "T-DM1 3.6 mg" for 3.6 mg/kg is a 60-fold underdose."""
        reading = dose.reading
        schedules = usual if usual is not None else list(info.usual)
        bases = {u.basis for u in schedules}
        if not bases or reading.basis in bases or reading.basis == "auc":
            return
        ranges = ", ".join(
            dict.fromkeys(
                f"{format_amount(float(u.minimum.magnitude), _unit_text(u.minimum), 3)} to {format_amount(float(u.maximum.magnitude), _unit_text(u.maximum), 3)}"
                for u in schedules
            )
        )
        how = f" {route}" if route else ""
        self.add(
            "error",
            "WRONG_BASIS",
            t,
            drug,
            f"'{text}' is a {_basis_words(reading.basis)} dose; {drug}{how} is dosed {' or '.join(_basis_words(b) for b in sorted(bases))} ({ranges})",
            self._citations(info.sources),
        )

    def _citations(self, source_ids: Any) -> str:
        return "; ".join(
            self.reference.sources[s].citation for s in source_ids if s in self.reference.sources
        )

    def _supportive_frequency(
        self, t: Treatment, drug: str, dose: Any, schedules: list[Any], in_range: bool = False
    ) -> None:
        freq = dose.frequency
        if freq is None:
            return
        verdicts = [u.allows_frequency(freq.id) for u in schedules]
        if any(v is not False for v in verdicts):
            return
        usual = [f for u in schedules for fid in u.frequencies if (f := frequency_from_id(fid))]
        longest = max((f.interval_days for f in usual), default=0)
        if (
            in_range
            and self.reference.get(drug).category != "supportive"
            and longest
            and freq.interval_days * 1.5 <= min(f.interval_days for f in usual)
        ):
            # An anticancer dose of a labelled schedule given more often than
            # any labelled schedule: a multiple of the labelled dose intensity.
            fold = longest / freq.interval_days
            message = (
                f"{drug} '{dose.text}' {freq.spelled_out()}: the dose is labelled"
                f" {' or '.join(dict.fromkeys(f.spelled_out() for f in usual))}; {freq.spelled_out()} would give"
                f" {format_number(fold, 1)} times the labelled dose intensity"
            )
            if freq.error_prone:
                message += f". {freq.ismp_warning}"
            self.add(
                "error",
                "FREQUENCY_IMPLAUSIBLE",
                t,
                drug,
                message,
                f"{self._citations(schedules[0].sources)}; {SRC_ISMP}",
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
        self.add(
            "warning",
            "FREQUENCY_UNUSUAL",
            t,
            drug,
            f"{drug} {freq.spelled_out()} is not a usual frequency ({allowed})",
            self._citations(schedules[0].sources),
        )

    # -- course-wide ------------------------------------------------------------

    def anthracyclines(self) -> None:

        # Per drug, in doxorubicin equivalents, in the order written; a stated
        # cumulative dose ("dose cumulée de 400 mg/m2") sums what came before.
        ledger: dict[str, tuple[float, list[str]]] = {}
        for found in self.identified:
            t = found.treatment
            for written in t.drugs:
                drug = found.drugs.get(written.drug)
                factor = self.reference.get(drug).anthracycline_factor if drug else None
                if not factor:
                    continue
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
                count = _count(t.cycles) or len([g for g in t.given if g.drug == written.drug])
                entry = _entry_for(found.phase, drug)
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
                    self.add(
                        "warning",
                        "CUMULATIVE_UNKNOWN",
                        t,
                        drug,
                        f"{drug}: the cumulative dose cannot be counted (dose or number of cycles missing)",
                        self.policy.anthracycline_source,
                    )
                    continue
                amount = per_cycle * count * factor
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
        limit = self.policy.anthracycline_limit_mg_m2
        share = total / limit * 100 if limit else 0
        severity = "error" if total >= limit else ("warning" if share >= 80 else "info")
        self.add(
            severity,
            "ANTHRACYCLINE_CUMULATIVE",
            None,
            list(ledger)[-1],  # the anthracycline the total was last counted on
            f"cumulative anthracycline {format_number(total)} mg/m² doxorubicin equivalents ({'; '.join(parts)}): {format_number(share, 0)}% of the"
            f" {format_number(limit)} mg/m² lifetime limit of policy {self.policy.id}; count it before any further anthracycline",
            self.policy.anthracycline_source,
        )

    def lvef(self) -> None:
        """LVEF against the label of the drugs that require it (the drug
        reference's ``monitoring: [lvef]``: trastuzumab, pertuzumab, T-DM1...).

        The baseline of a value is the last LVEF before the line it falls in
        started. A fall of 16 points or more, or of 10 points or more to
        below the policy's lower limit of normal, withholds treatment: an
        error when the drug was given after it, a warning when the record
        stops there."""
        monitored = [
            i
            for i in self.identified
            if any("lvef" in self.reference.get(d).monitoring for d in i.drugs.values())
        ]
        if not monitored:
            return
        drug = _monitored_drug(self.reference, monitored[-1])
        values = self.case.patient.lvef
        latest = monitored[-1].treatment
        if not values:
            self.add(
                "info",
                "LVEF_MISSING",
                latest,
                drug,
                f"no LVEF documented: the label asks for a baseline LVEF before {drug}, then every 3 months",
                SRC_HERCEPTIN_LVEF,
            )
            return
        if all(m.date for m in values):
            values = tuple(sorted(values, key=lambda m: m.date.value))  # type: ignore[union-attr]
        spans = [_span(i) for i in monitored]
        line_starts = _line_starts(
            [
                s
                for s, i in zip(spans, monitored, strict=True)
                if s[0] is not None and not i.treatment.continued
            ]
        )
        limit = self.policy.lvef_lower_limit_pct
        for index, m in enumerate(values):
            baseline, started = _lvef_baseline(values, index, line_starts)
            when = f" on {m.date}" if m.date else ""
            since = f" on {baseline.date}" if baseline.date else ""
            line = f", the last before the line started on {started.isoformat()}" if started else ""
            fall = baseline.value - m.value
            significant = fall >= 16 or (fall >= 10 and m.value < limit)
            if m is baseline:
                follow = (
                    f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
                    if m.date
                    else ""
                )
                severity, code = (
                    ("warning", "LVEF_LOW") if m.value < limit else ("info", "LVEF_BASELINE")
                )
                state = (
                    f"is below {format_number(limit)}% (policy {self.policy.id}): {drug} needs cardiology review"
                    if m.value < limit
                    else "is normal"
                )
                self.add(
                    severity,
                    code,
                    latest,
                    drug,
                    f"LVEF {m.text}{when} {state}: record it as the baseline{follow}; hold {drug} for a fall of 16 points or more, or of 10 points or more to below {format_number(limit)}%",
                    SRC_HERCEPTIN_LVEF,
                )
            elif significant:
                after = _given_after(spans, m.date.value) if m.date else None
                if after is None:
                    after = _continued_after(monitored, m)
                why = (
                    "16 points or more"
                    if fall >= 16
                    else f"10 points or more, to below {format_number(limit)}% (policy {self.policy.id})"
                )
                message = (
                    f"LVEF fell from {baseline.text}{since}{line} to {m.text}{when}, {format_number(fall)} points ({why}):"
                    f" the label withholds {drug} for at least 4 weeks and repeats the LVEF every 4 weeks"
                )
                if after is not None:
                    self.add(
                        "error",
                        "LVEF_DECLINE",
                        latest,
                        drug,
                        f"{message}; yet {drug} was given after it ({after})",
                        SRC_HERCEPTIN_LVEF,
                    )
                else:
                    self.add(
                        "warning",
                        "LVEF_DECLINE",
                        latest,
                        drug,
                        f"{message}; the record does not say whether it was held",
                        SRC_HERCEPTIN_LVEF,
                    )
            elif m.value < limit:
                self.add(
                    "warning",
                    "LVEF_LOW",
                    latest,
                    drug,
                    f"LVEF {m.text}{when} is below {format_number(limit)}% (policy {self.policy.id}), {format_number(fall)} points from the baseline {baseline.text}{since}: {drug} needs cardiology review",
                    SRC_HERCEPTIN_LVEF,
                )
            else:
                follow = (
                    f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
                    if m.date
                    else ""
                )
                change = (
                    f"{format_number(abs(fall))} point{'' if abs(fall) == 1 else 's'} {'below' if fall > 0 else 'above'}"
                    if fall
                    else "the same as"
                )
                self.add(
                    "info",
                    "LVEF_MONITORED",
                    latest,
                    drug,
                    f"LVEF {m.text}{when}: {change} the baseline {baseline.text}{since}{line}{follow}",
                    SRC_HERCEPTIN_LVEF,
                )

    def nothing_found(self) -> None:
        if not self.case.treatments:
            self.add(
                "warning",
                "NO_TREATMENT_FOUND",
                None,
                None,
                "no drug statement was found (no drug of the drug reference is named): nothing was checked",
                SRC_VOCABULARY,
            )

    def weight_changes(self) -> None:
        """A weight change at or over the policy's threshold since the weight
        doses were last calculated on means recalculating BSA and doses. The
        baseline is the first weight, then each weight that crossed it."""
        weights = sorted(
            (m for m in self.case.patient.measurements if m.name == "weight" and m.date),
            key=lambda m: m.date.value,
        )  # type: ignore[union-attr]
        if not weights:
            return
        threshold = self.policy.weight_change_pct
        baseline = weights[0]
        for current in weights[1:]:
            change = (current.value - baseline.value) / baseline.value * 100
            if abs(change) < threshold:
                continue
            self.add(
                "warning",
                "WEIGHT_CHANGED",
                None,
                None,
                f"weight {baseline.text} on {baseline.date} → {current.text} on {current.date} ({format_number(change, 1)}%):"
                f" at or over policy {self.policy.id}'s {format_number(threshold)}% threshold; recalculate BSA and doses from {current.date}",
                SRC_WEIGHT_CHANGE,
            )
            baseline = current

    def premedication(self) -> None:
        given = {d for i in self.identified for d in i.drugs.values()}
        for found in self.identified:
            if "docetaxel" in found.drugs.values() and "dexamethasone" not in given:
                self.add(
                    "warning",
                    "PREMEDICATION_MISSING",
                    found.treatment,
                    "docetaxel",
                    "docetaxel needs dexamethasone premedication (e.g. 8 mg twice daily for 3 days starting the day before); none is documented",
                    SRC_DOCETAXEL_PREMED,
                )

    def missing_data(self) -> None:
        if self.patient is not None:
            return
        needs = [
            i.treatment.id
            for i in self.identified
            if i.phase and any(e.basis in ("bsa", "weight") for e in i.phase.drugs)
        ]
        if needs:
            self.add(
                "info",
                "PATIENT_DATA_MISSING",
                None,
                None,
                f"height and weight are not documented, so final doses in mg cannot be verified for {', '.join(needs)}; per-unit doses were checked."
                " Give --height and --weight to compute them.",
                "dosecalc",
            )

    def eligibility(self) -> None:
        for found in self.identified:
            t = found.treatment
            if found.regimen is None or found.regimen.id != "thp" or t.start is None:
                continue
            previous = self._previous_end("trastuzumab", t)
            if previous is not None:
                months = (
                    (t.start.value.year - previous.value.year) * 12
                    + t.start.value.month
                    - previous.value.month
                )
                if months < 12:
                    self.add(
                        "info",
                        "ELIGIBILITY_NOTE",
                        t,
                        "pertuzumab",
                        f"relapse about {months} months after adjuvant trastuzumab ended ({previous}): shorter than the 12-month disease-free interval of the pivotal trial; for the prescriber to weigh",
                        SRC_CLEOPATRA,
                    )

    def _sources(self, found: Identified) -> str:
        """The citations behind the treatment's phase: its drug lines' sources."""
        if found.regimen is None or found.phase is None:
            return "dosecalc regimen library"
        by_id = {s.id: s.citation for s in found.regimen.sources}
        ids = dict.fromkeys(e.sources[0] for e in found.phase.drugs if e.sources)
        return f"regimen {found.regimen.id}: " + "; ".join(by_id[i] for i in ids)


def check_case(
    case: Case,
    policy: Policy,
    regimens: list[Regimen],
    patient: Patient | None = None,
    extra: list[Finding] | None = None,
) -> CheckReport:
    """Run every check on ``case`` (plus ``extra`` findings about its source
    text); findings come errors first."""
    run = _Run(case, policy, regimens, patient)
    run.findings += list(extra or [])
    # What the case reader assumed or did not read is part of the answer.
    run.findings += [
        Finding(n.severity, n.code, None, None, n.message, SRC_CASE_FORMAT)
        for n in case.assumptions
    ]
    for treatment in case.treatments:
        run.identify(treatment)
    for found in run.identified:
        run.frequency(found)
        run.cycles(found)
        run.doses(found)
        run.course_limits(found)
        run.administrations(found)
        run.dates(found)
    run.nothing_found()
    run.anthracyclines()
    run.lvef()
    run.weight_changes()
    run.premedication()
    run.eligibility()
    run.missing_data()
    order = {s: i for i, s in enumerate(SEVERITIES)}
    treatment_order = {t.id: i for i, t in enumerate(case.treatments)}
    findings = sorted(
        run.findings, key=lambda f: (order[f.severity], treatment_order.get(f.treatment or "", -1))
    )
    return CheckReport(case, policy, patient, findings, run.identified)


# -- small helpers ---------------------------------------------------------------

_COUNT = re.compile(r"(\d+)")


def _count(text: str | None) -> int | None:
    if not text:
        return None
    match = _COUNT.search(str(text))
    return int(match.group(1)) if match else None


def _days(days: float) -> str:
    if days % 7 == 0:
        weeks = int(days // 7)
        return "week" if weeks == 1 else f"{weeks} weeks"
    return f"{format_number(days, 1)} days"


def _spell_interval(days: float) -> str:
    per_week = 7 / days
    if abs(per_week - round(per_week)) < 1e-6 and per_week >= 1:
        return f"{int(round(per_week))} times weekly" if per_week > 1 else "weekly"
    return f"every {_days(days)}"


def _duration_weeks(text: str) -> float | None:

    folded = fold(text)
    if re.search(r"\b(un|1|one)\s+(an|year)\b|\b12\s+mo(is|nths?)\b", folded):
        return 52.0
    match = re.search(r"(\d+)\s*(semaines?|weeks?)", folded)
    if match:
        return float(match.group(1))
    match = re.search(r"(\d+)\s*(mois|months?)", folded)
    if match:
        return float(match.group(1)) * 52 / 12
    match = re.search(r"(\d+)\s*(ans|years?)", folded)
    if match:
        return float(match.group(1)) * 52
    return None


def _after(other: Treatment, t: Treatment) -> bool:
    """True when ``other`` is known to start after ``t`` starts."""
    return bool(other.start and t.start and other.start.value > t.start.latest)


def _entry_for(phase: Phase | None, drug: str) -> DrugEntry | None:
    if phase is None:
        return None
    return next((e for e in phase.drugs if e.drug == drug), None)


def _single_phase(regimen: Regimen, phase: Phase) -> Regimen:
    return replace(regimen, phases=(phase,), course_limits=())


def _phase_count(phase: Phase, count: int) -> dict[str, int]:
    if phase.cycles.mode in ("until_progression",) or (
        phase.cycles.mode == "minimum" and count >= (phase.cycles.count or 0)
    ):
        return {phase.id: count}
    return {}


def _steps_text(entry: DrugEntry) -> str:
    unit = BASIS_UNITS[entry.basis]
    if entry.standard:
        return format_amount(entry.standard.per_unit, unit, 4)
    return f"{format_amount(entry.loading.per_unit, unit, 4)} loading, then {format_amount(entry.maintenance.per_unit, unit, 4)}"  # type: ignore[union-attr]


def _basis_words(basis: str) -> str:
    return {"bsa": "per m²", "weight": "per kg", "flat": "flat (mg)", "auc": "AUC"}[basis]


def _spaced(dose: Any) -> str:
    reading = dose.reading or (dose.readings[0] if dose.readings else None)
    if reading is None:
        return dose.text
    return " / ".join(format_amount(float(a.magnitude), reading.unit, 4) for a in reading.amounts)


def _unit_text(amount: Any) -> str:
    return format(amount.units, "~").replace(" ", "").replace("**", "").replace("µg", "mcg")


def _steps(entry: DrugEntry) -> dict[str, DoseStep]:
    """The regimen's doses of ``entry``: standard, or loading and maintenance."""
    steps = {
        "standard": entry.standard,
        "loading": entry.loading,
        "maintenance": entry.maintenance,
    }
    return {kind: step for kind, step in steps.items() if step is not None}


def _matching_steps(steps: dict[str, DoseStep], value: float, tolerance_pct: float) -> list[str]:
    """The steps ``value`` is, within the policy's rounding tolerance (a
    deviation the pharmacy would make itself is not a finding), nearest first."""
    close = [
        (abs(step.per_unit - value), kind)
        for kind, step in steps.items()
        if abs(step.per_unit - value) <= step.per_unit * tolerance_pct / 100 + 1e-9
    ]
    return [kind for _, kind in sorted(close)]


def _dose_levels(entry: DrugEntry, info: DrugInfo, units: Any) -> list[float]:
    """Documented dose-reduction levels (the label's), in the regimen's unit,
    from the regimen's drug entry or the drug reference when they give them."""
    levels: list[float] = []
    for owner in (entry, info):
        for level in getattr(owner, "dose_levels", None) or ():
            amount = getattr(level, "amount", level)
            try:
                levels.append(float(amount.to(units).magnitude))
            except Exception:  # not a quantity in this basis: not comparable
                continue
    return levels


def _times(fold: float) -> str:
    """'10 times' or '1/10 of' a dose, for messages."""
    if fold >= 1:
        return f"{format_number(fold, 1)} times"
    return f"1/{format_number(1 / fold, 1)} of" if fold else "none of"


def _monitored_drug(reference: Any, found: Identified) -> str:
    """The drug an LVEF finding is about: the first of the treatment whose
    label asks for LVEF monitoring."""
    monitored = [d for d in found.drugs.values() if "lvef" in reference.get(d).monitoring]
    return "trastuzumab" if "trastuzumab" in monitored else monitored[0]


def _span(found: Identified) -> tuple[dt.date | None, dt.date | None]:
    """First and last known day of a treatment: its dated administrations,
    else its start and end, else the end its cycle count gives."""
    t = found.treatment
    given = [g.date.value for g in t.given]
    start = min(given + ([t.start.value] if t.start else []), default=None)
    end = max(given + ([t.end.latest] if t.end else []), default=None)
    count = _count(t.cycles)
    if end is None and start is not None and count and found.phase is not None:
        end = start + dt.timedelta(days=found.phase.cycle_length_days * (count - 1))
    return start, end


#: A gap longer than this between two treatments starts a new line (the
#: re-load threshold of pertuzumab, Perjeta US PI 2.3: 6 weeks).
_NEW_LINE_GAP_DAYS = 42


def _line_starts(spans: list[tuple[Any, Any]]) -> list[dt.date]:
    """The days the lines of treatment started: a treatment starts a line
    when it begins more than six weeks after every earlier one ended."""
    starts: list[dt.date] = []
    last: dt.date | None = None
    for start, end in sorted(spans, key=lambda s: s[0]):
        if last is None or (start - last).days > _NEW_LINE_GAP_DAYS:
            starts.append(start)
        last = max(d for d in (last, end, start) if d is not None)
    return starts


def _lvef_baseline(values: Any, index: int, line_starts: list[dt.date]) -> tuple[Any, Any]:
    """The baseline of ``values[index]``: the last value measured on or before
    the start of the line it falls in (the first value of the line when none
    was), and that line's start."""
    m = values[index]
    if m.date is None or not all(v.date for v in values):
        return values[0], None
    started = max((s for s in line_starts if s <= m.date.value), default=None)
    if started is None:
        # Before any line started: a pre-treatment value, its own baseline;
        # when no line start is known (a course written as continuing), the
        # first value is.
        return (m, None) if line_starts else (values[0], None)
    before = [v for v in values if v.date.value <= started]
    if before:
        return before[-1], started
    return next(v for v in values if v.date.value >= started), started


def _given_after(spans: list[tuple[Any, Any]], day: dt.date) -> str | None:
    """When a monitored drug is known to have been given after ``day``."""
    later = [
        end if start is None or start <= day else start
        for start, end in spans
        if end is not None and end > day
    ]
    return f"until {max(later).isoformat()}" if later else None


def _written_route(t: Treatment, drug: str, found: Identified) -> str | None:
    """The route written for ``drug`` in ``t`` (its line's, or its dose's)."""
    return _written_routes(t, found).get(drug)


def _written_routes(t: Treatment, found: Identified) -> dict[str, str]:
    routes = {}
    for written in t.drugs:
        drug = found.drugs.get(written.drug)
        route = written.route
        if route is None and written.dose:
            route = parse_written_dose(written.dose).route
        if drug and route and route.upper() in ("IV", "SC", "PO", "IM"):
            routes[drug] = route.upper()
    return routes


def _continued_after(monitored: list[Identified], m: Any) -> str | None:
    """A treatment written after the LVEF value in a text and saying it
    continues ("Trastuzumab and pertuzumab continued every 3 weeks")."""
    if m.position is None:
        return None
    for found in monitored:
        t = found.treatment
        if t.continued and t.position is not None and t.position > m.position:
            return f"'{t.quote or t.regimen}'"
    return None
