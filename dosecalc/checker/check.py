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
from dataclasses import dataclass, field
from typing import Any

from ..case import Case, Treatment
from ..formatting import format_amount, format_number
from ..model import BASIS_UNITS, DrugEntry, Patient, Phase, Policy, Regimen
from ..schedule import reload_due, reload_rule_for
from ..supportive import premedication_for

SEVERITIES = ("error", "warning", "info")

# Sources of the rules, cited with every finding.
SRC_HERCEPTIN = "Herceptin US PI 2.2 (weekly 4 then 2 mg/kg, or every 3 weeks 8 then 6 mg/kg; 52 weeks in total)"
SRC_HERCEPTIN_LVEF = "Herceptin US PI 2.2 and 5.1 (LVEF at baseline and every 3 months; hold for a fall of 16 points or more)"
SRC_PERJETA = (
    "Perjeta US PI 2.2-2.3 (840 mg then 420 mg every 3 weeks; re-load after 6 weeks or more)"
)
SRC_ISMP = "ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (2021)"
SRC_CLEOPATRA = "CLEOPATRA (Baselga 2012) required a disease-free interval of 12 months or more after adjuvant trastuzumab"
SRC_WEIGHT_CHANGE = "ASCO/ONS chemotherapy administration safety standards (2016): the practice sets when a weight change requires recalculation; threshold from the policy (10% is common for adults)"
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
        from ..drugs import load_drug_reference

        self.case = case
        self.policy = policy
        self.regimens = regimens
        self.patient = patient
        self.reference = load_drug_reference()
        self.findings: list[Finding] = []
        self.identified: list[Identified] = []

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
            found.regimen, found.phase = self._phase_for(t, treated, found.drugs)
            if found.phase is None:
                names = ", ".join(sorted(treated))
                which = f"gives {names} together" if len(treated) > 1 else f"gives {names} alone"
                self.add(
                    "warning",
                    "REGIMEN_NOT_FOUND",
                    t,
                    None,
                    f"no regimen of the library {which}: doses and schedule were checked against the drug reference's usual ranges only",
                    "dosecalc regimen library",
                )
        self.identified.append(found)
        return found

    def _phase_for(
        self, t: Treatment, drugs: set[str], names: dict[str, str]
    ) -> tuple[Regimen | None, Phase | None]:
        from .frequency import parse_frequency

        # Supportive drugs of a phase (G-CSF) are not part of its identity:
        # notes name the treatment drugs, not the support.
        def treated(phase: Phase) -> set[str]:
            return {
                e.drug
                for e in phase.drugs
                if e.drug not in self.reference
                or self.reference.get(e.drug).category != "supportive"
            }

        candidates = [(r, p) for r in self.regimens for p in r.phases if treated(p) == drugs]
        if not candidates:
            return None, None
        frequency = parse_frequency(t.frequency) if t.frequency else None
        setting = t.setting or ""

        # Prefer the regimen the treatment names (its id or an alias: several
        # regimens share a phase's drugs, e.g. THP in thp and ac-thp), then
        # the phase whose cycle matches a plausible written frequency, then
        # the regimen of the same setting, then the phase whose doses are the
        # written ones, then the phase whose number of cycles fits the
        # documented count, then the library's order.
        written_name = _name_key(t.regimen or "")
        written_count = _count(t.cycles) if t.cycles else None

        def count_fits(phase: Phase) -> int:
            mode, count = phase.cycles.mode, phase.cycles.count or 0
            if written_count is None:
                return 0
            return int(
                (mode == "fixed" and written_count == count)
                or (mode == "minimum" and written_count >= count)
                or mode == "until_progression"
            )

        def doses_fit(phase: Phase) -> int:
            """How many written doses are one of the phase's doses (capecitabine
            1250 mg/m2 is the label regimen, 1000 mg/m2 the reduced one)."""
            return sum(
                1
                for written in t.drugs
                if written.dose
                and (entry := _entry_for(phase, names.get(written.drug, ""))) is not None
                and _written_per_unit(written.dose, entry)
                in {
                    round(s.per_unit, 6)
                    for s in (entry.standard, entry.loading, entry.maintenance)
                    if s
                }
            )

        def score(item: tuple[Regimen, Phase]) -> tuple[int, int, int, int, int]:
            regimen, phase = item
            name_match = int(
                bool(written_name)
                and written_name in {_name_key(n) for n in (regimen.id, *regimen.aliases)}
            )
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
            return (name_match, freq_match, setting_match, doses_fit(phase), count_fits(phase))

        best = max(candidates, key=score)
        return best

    # -- frequency and dates ----------------------------------------------------

    def frequency(self, found: Identified) -> None:
        from .frequency import parse_frequency

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
        from .frequency import parse_frequency

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
        from .frequency import frequency_from_id

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
        from ..schedule import expand

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
            self.add(
                "error",
                "CYCLES_BELOW_MINIMUM",
                t,
                None,
                f"{drugs}: {count} cycles documented, fewer than the minimum of {expected}",
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
                    "warning",
                    "DURATION_EXCEEDED",
                    t,
                    limit.drug,
                    f"{limit.drug} for {t.duration}{dates} exceeds {format_number(limit.duration_days / 7)} weeks; extending adjuvant treatment beyond 1 year is not recommended",
                    SRC_HERCEPTIN,
                )
            elif first and t.end and (t.end.latest - first).days > limit.duration_days + 31:
                self.add(
                    "warning",
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
        from .written import parse_written_dose

        t = found.treatment
        for written in t.drugs:
            drug = found.drugs.get(written.drug)
            if drug is None or written.dose is None:
                continue
            dose = parse_written_dose(written.dose)
            if not dose.understood:
                self.add(
                    "warning",
                    "NOT_UNDERSTOOD",
                    t,
                    drug,
                    f"dose '{written.dose}' was not understood ({dose.problem})",
                    SRC_ISMP,
                )
                continue
            if dose.leftover:
                self.add(
                    "warning",
                    "NOT_UNDERSTOOD",
                    t,
                    drug,
                    f"in '{written.dose}', '{dose.leftover}' was not understood",
                    SRC_ISMP,
                )
            info = self.reference.get(drug)
            entry = _entry_for(found.phase, drug)
            before = len(self.findings)
            if entry is not None:
                self._dose_frequency(found, drug, dose)
                self._regimen_dose(found, drug, entry, dose)
            elif info.usual:
                # No regimen to compare with (supportive care, or a drug the
                # library has no regimen for): the drug reference's usual range.
                self._supportive_dose(t, drug, dose, written.dose)
            # Spacing advice only for a dose that is otherwise right: for a
            # wrong or ambiguous one, the other finding says what to write.
            flagged = any(f.severity != "info" and f.drug == drug for f in self.findings[before:])
            if dose.run_together and not flagged:
                self.add(
                    "info",
                    "ISMP_SPACING",
                    t,
                    drug,
                    f"'{written.dose}': number and unit run together; write a space ('{_spaced(dose)}')",
                    SRC_ISMP,
                )

    def _regimen_dose(self, found: Identified, drug: str, entry: DrugEntry, dose: Any) -> None:
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
                self.add(
                    "error",
                    "WRONG_BASIS",
                    t,
                    drug,
                    f"'{dose.text}' is a {_basis_words(reading.basis)} dose; {drug} is dosed {_basis_words(entry.basis)} ({expected_unit})",
                    self._sources(found),
                )
                return
        from ..regimen import parse_per_unit_dose

        written = (
            parse_per_unit_dose(
                f"{float(reading.amounts[0].magnitude)} {reading.unit.replace('AUC', 'mg/mL*min')}",
                entry.basis,
            )
            if reading.unit != "AUC"
            else reading.amounts[0]
        )
        value = float(written.magnitude)
        steps = {
            "standard": entry.standard,
            "loading": entry.loading,
            "maintenance": entry.maintenance,
        }
        matches = [
            kind
            for kind, step in steps.items()
            if step is not None and abs(step.per_unit - value) < 1e-6
        ]
        self._loading(found, drug, entry, matches, value)
        if matches:
            return
        level = entry.reduction_level(value)
        if level is not None and entry.dose_levels is not None:
            # A reduction the label or trial documents is a decision to
            # record, not a discrepancy: say which level it is.
            start = entry.starting_step.per_unit
            self.add(
                "info",
                "DOSE_REDUCTION_DOCUMENTED",
                t,
                drug,
                f"'{dose.text}' is documented dose reduction {level} of {drug} "
                f"(from {format_amount(start, expected_unit, 4)}); confirm the reason is recorded",
                self._level_source(found, entry.dose_levels.source),
            )
            return
        reference = [s.per_unit for s in steps.values() if s is not None]
        ratio = max(value / r for r in reference) if value else 0
        low = min(value / r for r in reference) if value else 0
        if ratio >= 500 or (low and low <= 1 / 500):
            self.add(
                "error",
                "UNIT_IMPLAUSIBLE",
                t,
                drug,
                f"'{dose.text}' is about 1000 times the regimen dose ({_steps_text(entry)}): check mg against g",
                self._sources(found),
            )
        else:
            self.add(
                "warning",
                "DOSE_DIFFERS",
                t,
                drug,
                f"'{dose.text}' differs from the regimen dose ({_steps_text(entry)})",
                self._sources(found),
            )

    def _loading(
        self, found: Identified, drug: str, entry: DrugEntry, matches: list[str], value: float
    ) -> None:
        """Whether a loading dose is due here, and whether the documented dose is one."""
        if entry.loading is None:
            return
        t = found.treatment
        previous = self._previous_end(drug, t)
        rule = reload_rule_for(entry, self.policy)
        due, why = True, f"first {drug} dose of this treatment line"
        if previous is not None and t.start is not None:
            gap_low = (t.start.value - previous.latest).days
            gap_high = (t.start.latest - previous.value).days
            scheduled = entry.interval_days or 21
            gap = f"{gap_low} days" if gap_low == gap_high else f"about {gap_low}-{gap_high} days"
            if rule and reload_due(entry, self.policy, gap_low, scheduled)[0]:
                why = f"{gap} since the last {drug} ({previous}); policy {self.policy.id}, {rule.scope()}: {rule.describe()}"
            elif rule and not reload_due(entry, self.policy, gap_high, scheduled)[0]:
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
        elif previous is None and any(
            i.treatment is not t and drug in i.drugs.values() and not _after(i.treatment, t)
            for i in self.identified
        ):
            why = f"first {drug} dose; earlier dates are not documented"
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
            rule = reload_rule_for(entry, self.policy) if entry and entry.loading else None
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
                due = reload_due(entry, self.policy, gap, entry.interval_days or gap)[0]
                after = f"{gap} days after the dose of {previous.date}; policy {self.policy.id}, {rule.scope()}: {rule.describe()}"
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
        from ..regimen import parse_per_unit_dose
        from .written import parse_written_dose

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

    def _previous_end(self, drug: str, t: Treatment) -> Any:
        """The end of the latest earlier treatment with ``drug`` (a CaseDate)."""
        earlier = [
            i.treatment
            for i in self.identified
            if i.treatment is not t
            and drug in i.drugs.values()
            and i.treatment.end
            and t.start
            and i.treatment.end.value <= t.start.value
        ]
        return max((e.end for e in earlier), key=lambda d: d.value, default=None)

    def _supportive_dose(self, t: Treatment, drug: str, dose: Any, text: str) -> None:
        info = self.reference.get(drug)
        reading = dose.reading
        if reading is None:
            return
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
        schedules = [
            u
            for u in info.usual
            if u.basis == reading.basis and (dose.route is None or u.route == dose.route)
        ] or [u for u in info.usual if u.basis == reading.basis]
        if not schedules:
            return
        factors = [(u, u.range_factor(amount, reading.basis)) for u in schedules]
        factors = [(u, f) for u, f in factors if f is not None]
        if not factors:
            return
        inside = [u for u, f in factors if f == 1.0]
        if inside:
            self._supportive_frequency(t, drug, dose, inside)
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
        else:
            self.add(
                "warning",
                "DOSE_OUT_OF_RANGE",
                t,
                drug,
                f"'{text}' is outside the usual adult range ({range_text})",
                sources,
            )

    def _citations(self, source_ids: Any) -> str:
        return "; ".join(
            self.reference.sources[s].citation for s in source_ids if s in self.reference.sources
        )

    def _supportive_frequency(
        self, t: Treatment, drug: str, dose: Any, schedules: list[Any]
    ) -> None:
        freq = dose.frequency
        if freq is None:
            return
        verdicts = [u.allows_frequency(freq.id) for u in schedules]
        if any(v is not False for v in verdicts):
            return
        from .frequency import frequency_from_id

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
        from ..regimen import parse_per_unit_dose
        from .written import parse_written_dose

        total, parts = 0.0, []
        caveats: dict[str, str] = {}
        for found in self.identified:
            t = found.treatment
            for written in t.drugs:
                drug = found.drugs.get(written.drug)
                detail = self.reference.get(drug).anthracycline if drug else None
                if detail is None:
                    continue
                if detail.value is None:
                    # Never a silent zero: an anthracycline without a ratio is named.
                    self.add(
                        "warning",
                        "ANTHRACYCLINE_NOT_COUNTED",
                        t,
                        drug,
                        f"{drug} is an anthracycline the cumulative total does not count: {detail.caveat}",
                        f"{detail.table}",
                    )
                    continue
                factor = detail.value
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
                total += amount
                if detail.caveat:
                    caveats[drug] = detail.caveat
                parts.append(
                    f"{drug} {format_number(per_cycle)} mg/m² × {count}{' × ' + format_number(factor) if factor != 1 else ''} = {format_number(amount)} mg/m²{assumed}"
                )
        if not parts:
            return
        limit = self.policy.anthracycline_limit_mg_m2
        warn_at = self.policy.anthracycline_warning_mg_m2
        share = total / limit * 100 if limit else 0
        severity = (
            "error"
            if total >= limit
            else ("warning" if share >= 80 or (warn_at and total >= warn_at) else "info")
        )
        message = (
            f"cumulative anthracycline {format_number(total)} mg/m² doxorubicin equivalents ({'; '.join(parts)}): {format_number(share, 0)}% of the"
            f" {format_number(limit)} mg/m² lifetime limit of policy {self.policy.id}; count it before any further anthracycline"
        )
        sources = [self.policy.anthracycline_source]
        if warn_at and total >= warn_at and total < limit:
            message += (
                f"; at {format_number(warn_at)} mg/m² or more consider cardioprotection (dexrazoxane)"
                " and closer LVEF monitoring"
            )
            sources.append(self.policy.anthracycline_warning_source)
        message += "".join(f"; {drug} factor caveat: {text}" for drug, text in caveats.items())
        self.add(
            severity,
            "ANTHRACYCLINE_CUMULATIVE",
            None,
            "doxorubicin",
            message,
            "; ".join(sources),
        )

    def lvef(self) -> None:
        anti_her2 = [
            i for i in self.identified if {"trastuzumab", "pertuzumab"} & set(i.drugs.values())
        ]
        if not anti_her2:
            return
        values = self.case.patient.lvef
        latest = anti_her2[-1].treatment
        if not values:
            self.add(
                "warning",
                "LVEF_MISSING",
                latest,
                "trastuzumab",
                "no LVEF documented: a baseline LVEF is needed before trastuzumab, then every 3 months",
                SRC_HERCEPTIN_LVEF,
            )
            return
        if all(m.date for m in values):
            values = tuple(sorted(values, key=lambda m: m.date.value))  # type: ignore[union-attr]
        baseline = values[0]
        since = f" on {baseline.date}" if baseline.date else ""
        for m in values:
            when = f" on {m.date}" if m.date else ""
            follow = (
                f"; next assessment due by {(m.date.value + dt.timedelta(days=91)).isoformat()} (every 3 months during treatment)"
                if m.date
                else ""
            )
            fall = baseline.value - m.value
            if m.value < 50:
                self.add(
                    "warning",
                    "LVEF_LOW",
                    latest,
                    "trastuzumab",
                    f"LVEF {m.text}{when} is below 50%: trastuzumab needs cardiology review",
                    SRC_HERCEPTIN_LVEF,
                )
            elif m is baseline:
                self.add(
                    "info",
                    "LVEF_BASELINE",
                    latest,
                    "trastuzumab",
                    f"LVEF {m.text}{when} is normal: record it as the baseline{follow}; hold trastuzumab for a fall of 16 points or more",
                    SRC_HERCEPTIN_LVEF,
                )
            elif fall >= 16:
                self.add(
                    "warning",
                    "LVEF_DECLINE",
                    latest,
                    "trastuzumab",
                    f"LVEF fell from {baseline.text}{since} to {m.text}{when}, {format_number(fall)} points: withhold trastuzumab for at least 4 weeks"
                    " (a fall of 16 points or more from baseline) and repeat the LVEF every 4 weeks",
                    SRC_HERCEPTIN_LVEF,
                )
            else:
                change = (
                    f"{format_number(abs(fall))} point{'' if abs(fall) == 1 else 's'} {'below' if fall > 0 else 'above'}"
                    if fall
                    else "the same as"
                )
                self.add(
                    "info",
                    "LVEF_MONITORED",
                    latest,
                    "trastuzumab",
                    f"LVEF {m.text}{when}: {change} the baseline {baseline.text}{since}{follow}",
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
        """A treatment drug whose regimen prescribes premedication, with none of
        those premedication drugs documented anywhere in the course. What is
        required comes from the regimen data (``premedication_for``)."""
        given = {d for i in self.identified for d in i.drugs.values()}
        for found in self.identified:
            for drug in dict.fromkeys(found.drugs.values()):
                # The identified regimen's data first; a regimen without
                # supportive data for the drug falls back on another regimen
                # of the library that has it.
                regimen = next(
                    (
                        r
                        for r in (found.regimen, *self.regimens)
                        if r is not None and premedication_for(drug, r)
                    ),
                    None,
                )
                if regimen is None:
                    continue
                needed = premedication_for(drug, regimen)
                if any(e.drugs() & given for e in needed):
                    continue
                sources = {s.id: s.citation for s in regimen.sources}
                self.add(
                    "warning",
                    "PREMEDICATION_MISSING",
                    found.treatment,
                    drug,
                    f"{drug} needs premedication ({'; '.join(e.describe() for e in needed)}); none is documented",
                    "; ".join(dict.fromkeys(sources.get(e.source, e.source) for e in needed)),
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

    def _level_source(self, found: Identified, source_id: str) -> str:
        """The citation of a regimen source id (dose levels cite one)."""
        if found.regimen is None:
            return "dosecalc regimen library"
        by_id = {s.id: s.citation for s in found.regimen.sources}
        return f"regimen {found.regimen.id}: {by_id.get(source_id, source_id)}"

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


def _written_per_unit(text: str, entry: DrugEntry) -> float | None:
    """A written dose as a per-unit number in the entry's basis (75 for
    '75 mg/m2' against a bsa entry), or None when it does not read as one."""
    from ..errors import DosecalcError
    from ..regimen import parse_per_unit_dose
    from .written import parse_written_dose

    dose = parse_written_dose(text)
    reading = dose.reading if dose.understood and not dose.ambiguous else None
    if reading is None or reading.basis != entry.basis:
        return None
    if reading.unit == "AUC":
        return round(float(reading.amounts[0].magnitude), 6)
    try:
        amount = parse_per_unit_dose(
            f"{float(reading.amounts[0].magnitude)} {reading.unit}", entry.basis
        )
    except DosecalcError:
        return None
    return round(float(amount.magnitude), 6)


def _name_key(name: str) -> str:
    """A regimen name compared without case, spaces or punctuation: "AC->THP",
    "ac thp" and "AC-THP" are one name."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


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
    from .text import fold

    folded = fold(text)
    if re.search(r"\b(un|1|one)\s++(an|year)\b|\b12\s++mo(is|nths?)\b", folded):
        return 52.0
    match = re.search(r"(\d+)\s*+(semaines?|weeks?)", folded)
    if match:
        return float(match.group(1))
    match = re.search(r"(\d+)\s*+(mois|months?)", folded)
    if match:
        return float(match.group(1)) * 52 / 12
    match = re.search(r"(\d+)\s*+(ans|years?)", folded)
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
    from dataclasses import replace

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
