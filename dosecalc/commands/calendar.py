"""A regimen's course laid out on dates: ``dosecalc calendar``.

:func:`calendar_course` expands a regimen from a start date (with the
engine's :func:`dosecalc.schedule.expand`: phases in sequence, loading and
re-load rules, course limits, delays), then

1. checks every treatment day against the weekends and public holidays of a
   country (the ``holidays`` library) and, when the policy (or
   ``--holidays move``) says so, moves that day's administrations to the
   next working day. Only that day moves: later cycles keep their dates;
2. re-applies the re-load rules when a move changed a gap between doses, so
   a moved dose can never silently stay a maintenance dose;
3. computes every dose when a patient is given (otherwise the calendar
   shows the per-unit dose, "75 mg/m²");
4. sums each drug (count, first and last date, planned total) and the
   cumulative anthracycline dose in doxorubicin equivalents, against the
   policy's lifetime threshold.

The renderers live in :mod:`dosecalc.output.calendar` (table, month grids,
JSON, CSV), :mod:`dosecalc.output.ics` and :mod:`dosecalc.output.html`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Literal

from ..dosing import DosingContext, compute_dose, require_dose
from ..drugs import load_drug_reference
from ..errors import DosecalcError, InputError, UnitError, about_field
from ..formatting import format_amount, format_number
from ..governance import require_usable
from ..model import (
    BASIS_UNITS,
    Administration,
    DoseLine,
    Patient,
    Policy,
    Regimen,
    times_per_day_text,
)
from ..patient import BsaResult
from ..policy import find_policy
from ..regimen import find_regimen
from ..schedule import MAX_CYCLES, CourseSchedule, CycleRef, dose_kind, expand, parse_delays
from ..supportive import SupportiveEntry, day_text, supportive_for
from ..units import normalise_digits, parse_quantity
from .common import (
    Json,
    drug_tablets,
    drug_vials,
    exact,
    given_inputs,
    patient_inputs,
    provenance_record,
    resolve_patient,
)
from .inputs import Library, PatientInput, Typed

if TYPE_CHECKING:
    from holidays import HolidayBase  # imported at run time only with --country

HolidayMode = Literal["flag", "move"]

#: The policy file's word for each holiday mode (``non_working_days``).
_POLICY_MODES: dict[str, HolidayMode] = {"flag": "flag", "next_working_day": "move"}

#: How far a treatment day may be moved to reach a working day. A country
#: whose holidays and weekends close the unit for longer than this is an
#: input problem to resolve by hand, not something to guess at.
MAX_MOVE_DAYS = 14

#: The most doxorubicin equivalents ``--prior-anthracycline`` accepts: four
#: times the highest lifetime limit in use (550 mg/m², doxorubicin US PI), past
#: which the figure is a typing or unit error, not a history.
MAX_PRIOR_ANTHRACYCLINE_MG_M2 = 2200.0

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def short_date(day: dt.date) -> str:
    """``Sat 2016-01-23``: a date as printed in notes."""
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.isoformat()}"


@dataclass(frozen=True)
class HolidaySettings:
    """Which days are non-working, and what is done about them.

    ``mode_source`` says where the choice came from: the policy, or the
    ``--holidays`` option overriding the policy.
    """

    country: str
    subdivision: str | None
    country_name: str
    weekend: tuple[int, ...]  # Monday = 0
    mode: HolidayMode
    mode_source: str

    def describe(self) -> str:
        where = self.country + (f"-{self.subdivision}" if self.subdivision else "")
        weekend = ", ".join(_WEEKDAYS[d][:3] for d in self.weekend)
        action = (
            "flagged only"
            if self.mode == "flag"
            else "moved to the next working day (only that day moves)"
        )
        return f"{where} ({self.country_name}) public holidays and weekends ({weekend}): {action}; {self.mode_source}"


@dataclass(frozen=True)
class CalendarLine:
    """One administration on the calendar.

    ``administration.date`` is the date given (after delays and any holiday
    move); ``scheduled_date`` is the date after delays but before a move;
    ``non_working`` says why ``scheduled_date`` is not a working day (None
    when it is, or when no country was given).
    """

    administration: Administration
    course_cycle: int
    scheduled_date: dt.date
    non_working: str | None = None
    moved: bool = False

    @property
    def date(self) -> dt.date:
        return self.administration.date

    @property
    def weekday(self) -> str:
        return _WEEKDAYS[self.date.weekday()]

    @property
    def dose(self) -> DoseLine | None:
        return self.administration.dose

    @property
    def basis_text(self) -> str:
        """The per-unit dose as the regimen states it: "75 mg/m²", "8 mg/kg"."""
        a = self.administration
        return _with_times(format_amount(a.step.per_unit, BASIS_UNITS[a.basis], 4), a)

    @property
    def dose_text(self) -> str:
        """The dose to print: final mg when a patient was given, else the basis;
        "twice daily" after a dose given twice on its day (capecitabine)."""
        if self.dose is None:
            return self.basis_text
        return _with_times(format_amount(self.dose.final_mg, "mg"), self.administration)

    @property
    def daily_mg(self) -> float | None:
        """The mg given on this line's day: the dose times the doses a day."""
        if self.dose is None:
            return None
        return self.dose.final_mg * self.administration.entry.times_per_day


def _with_times(text: str, administration: Administration) -> str:
    often = times_per_day_text(administration.entry.times_per_day)
    return f"{text} {often}" if often else text


@dataclass(frozen=True)
class SupportiveLine:
    """One supportive administration (premedication, observation) on its
    date: ``day`` is relative to the treatment administration it goes with
    (day -1 falls the day before the treatment is actually given)."""

    date: dt.date
    entry: SupportiveEntry
    phase: str
    cycle: int
    course_cycle: int
    day: int
    treatment_date: dt.date

    @property
    def text(self) -> str:
        if not self.day:
            return self.entry.describe_dose()
        where = (
            f"day {day_text(self.day)} of {self.entry.for_drug} ({short_date(self.treatment_date)})"
        )
        return f"{self.entry.describe_dose()}; {where}"


@dataclass(frozen=True)
class MonitoringDue:
    """A monitoring test due on a date (LVEF before trastuzumab, every 3 months...)."""

    date: dt.date
    test: str
    drug: str
    reason: str
    source: str

    @property
    def text(self) -> str:
        return f"{self.test} due ({self.reason})"


@dataclass(frozen=True)
class DrugTotal:
    """One drug over the course as shown."""

    drug: str
    count: int
    loading: int
    maintenance: int
    standard: int
    first: dt.date
    last: dt.date
    total_mg: float | None  # None without a patient


@dataclass(frozen=True)
class AnthracyclineTotal:
    """Cumulative anthracycline dose of the course, in doxorubicin equivalents.

    ``mg_m2`` is None when it could not be computed; ``problem`` then says
    why (it is never silently zero). ``contributions`` lists each
    anthracycline with its equivalence factor and its mg/m².
    """

    mg_m2: float | None
    mg: float | None  # doxorubicin-equivalent mg, when a patient was given
    limit_mg_m2: float
    limit_source: str
    contributions: tuple[tuple[str, float, float], ...] = ()  # drug, factor, mg/m² (as doxorubicin)
    factor_source: str | None = None
    problem: str | None = None
    prior_mg_m2: float = 0.0  # doxorubicin equivalents given before this course, included in mg_m2
    #: Anthracyclines given in the course that the table has no ratio for:
    #: (drug, why), reported as not counted, never as zero.
    not_counted: tuple[tuple[str, str], ...] = ()
    #: What the factors used rest on, one line per drug: (drug, caveat).
    caveats: tuple[tuple[str, str], ...] = ()
    warning_mg_m2: float | None = None  # the policy's lower warning threshold (300 mg/m²)
    warning_source: str = ""

    @property
    def percent_of_limit(self) -> float | None:
        if self.mg_m2 is None or not self.limit_mg_m2:
            return None
        return self.mg_m2 / self.limit_mg_m2 * 100

    @property
    def exceeds_limit(self) -> bool:
        return self.mg_m2 is not None and self.mg_m2 > self.limit_mg_m2

    @property
    def reaches_warning(self) -> bool:
        """At or above the policy's warning dose (label: consider cardioprotection)."""
        return (
            self.mg_m2 is not None
            and self.warning_mg_m2 is not None
            and self.mg_m2 >= self.warning_mg_m2
        )


@dataclass
class CalendarReport:
    """``dosecalc calendar``: every administration of a course, dated."""

    regimen: Regimen
    policy: Policy
    start: dt.date
    patient: Patient | None
    bsa: BsaResult | None
    lines: list[CalendarLine]
    cycles: list[tuple[str, int, int, dt.date]]  # phase, cycle, course cycle, start date
    continues: str | None
    delays: dict[CycleRef, int]
    holidays: HolidaySettings | None
    drug_totals: list[DrugTotal]
    anthracycline: AnthracyclineTotal
    notes: list[str] = field(default_factory=list)  # patient interpretations, overrides
    warnings: list[str] = field(default_factory=list)
    supportive: list[SupportiveLine] = field(default_factory=list)
    monitoring: list[MonitoringDue] = field(default_factory=list)
    provenance: dict[str, Json] | None = None  # dosecalc.provenance.record

    @property
    def end(self) -> dt.date | None:
        """The date of the last administration shown."""
        return self.lines[-1].date if self.lines else None

    def settings_lines(self) -> list[str]:
        """The calendar's own choices, one line each, for printing."""
        lines = []
        if self.delays:
            lines.append(
                "Delays: "
                + ", ".join(
                    f"cycle {ref} +{days} day{'s' if days != 1 else ''}"
                    for ref, days in self.delays.items()
                )
            )
        if self.holidays is None:
            wanted = (
                " (the policy would move them to the next working day)"
                if self.policy.non_working_days == "next_working_day"
                else ""
            )
            lines.append(
                f"Non-working days: not checked (give --country to flag weekends and public holidays){wanted}"
            )
        else:
            lines.append(f"Non-working days: {self.holidays.describe()}")
        return lines


# -- parsing options -----------------------------------------------------------


#: The dates a calendar may start or end on. A course planned outside them is
#: a typing error (9999-12-31 would also overflow the date arithmetic).
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)


def parse_start(text: Any, option: str = "--start") -> dt.date:
    """An ISO date (``2016-01-19``); raises InputError for anything else,
    including a well-formed date that does not exist (2015-02-29) and a date
    outside FIRST_DATE..LAST_DATE. Digits from any script (full-width
    "２０１６", Arabic-Indic "٢٠١٦") read as the same digits."""
    if isinstance(text, dt.datetime):
        raise InputError(f"{option}: give a date, not a date and time")
    if isinstance(text, dt.date):
        day = text
        raw = day.isoformat()
    else:
        raw = str(text).strip()
        normal = normalise_digits(raw).replace("－", "-")  # full-width hyphen-minus
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", normal):
            raise InputError(f"{option} '{raw}' is not a date: write YYYY-MM-DD, e.g. 2016-01-19")
        try:
            day = dt.date.fromisoformat(normal)
        except ValueError as exc:
            raise InputError(f"{option} '{raw}' is not a real date ({exc})") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(
            f"{option} '{raw}' is outside the dates dosecalc plans for "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})"
        )
    return day


def parse_phase_cycles(items: Sequence[str] | Mapping[str, int]) -> dict[str, int]:
    """``["THP=8"]`` -> ``{"THP": 8}``."""
    if isinstance(items, Mapping):
        return dict(items)
    out: dict[str, int] = {}
    for item in items:
        phase, sep, count = str(item).partition("=")
        if not sep or not phase.strip() or not count.strip().isdigit() or int(count) < 1:
            raise InputError(f"--phase-cycles '{item}': write PHASE=N, e.g. THP=8")
        if phase.strip().lower() in (name.lower() for name in out):
            raise InputError(
                f"--phase-cycles: phase {phase.strip()} is given twice; give its cycles once"
            )
        out[phase.strip()] = int(count)
    return out


def holiday_settings(
    country: str | None, mode: str | None, policy: Policy
) -> tuple[HolidaySettings | None, HolidayBase | None]:
    """The non-working-day settings and the holidays lookup for ``country``
    (``FR``, or ``US-NY`` for a subdivision). Raises InputError for an
    unknown country or subdivision, or ``mode`` without a country."""
    if mode is not None and mode not in ("flag", "move"):
        raise InputError(f"--holidays '{mode}': choose flag or move")
    if not country:
        if mode is not None:
            raise InputError(
                "--holidays needs --country (the country whose weekends and public holidays apply)"
            )
        return None, None
    import holidays

    code, _, subdiv = country.strip().upper().partition("-")
    supported = holidays.list_supported_countries()
    if code not in supported:
        raise InputError(
            f"--country '{country}': not a country the holidays library knows (use an ISO 3166-1 code such as FR, GB, US)"
        )
    if subdiv and subdiv not in supported[code]:
        raise InputError(
            f"--country '{country}': {code} has no subdivision '{subdiv}' (known: {', '.join(supported[code][:12])}{', ...' if len(supported[code]) > 12 else ''})"
        )
    lookup = holidays.country_holidays(code, subdiv=subdiv or None)
    policy_mode = _POLICY_MODES[policy.non_working_days]
    if mode is None:
        chosen: HolidayMode = policy_mode
        source = f"policy {policy.id} (non_working_days: {policy.non_working_days})"
    else:
        chosen = mode  # type: ignore[assignment]
        source = f"--holidays {mode}" + (
            ""
            if mode == policy_mode
            else f", overriding policy {policy.id} (non_working_days: {policy.non_working_days})"
        )
    weekend = tuple(sorted(getattr(lookup, "weekend", {5, 6})))
    return HolidaySettings(
        code, subdiv or None, _country_name(code), weekend, chosen, source
    ), lookup


def _country_name(code: str) -> str:
    """``GB`` -> ``United Kingdom``, from the holidays library's registry."""
    import holidays

    for entity in holidays.registry.COUNTRIES.values():
        if code in entity[1:]:
            return _class_title(entity[0])
    return code


def _class_title(name: str) -> str:
    """``UnitedKingdom`` -> ``United Kingdom``."""
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out += " "
        out += ch
    return out


# -- the calendar --------------------------------------------------------------


def non_working_reason(day: dt.date, settings: HolidaySettings, lookup: HolidayBase) -> str | None:
    """Why ``day`` is not a working day ("weekend", "public holiday: Easter
    Monday"), or None when it is one."""
    reasons = []
    if day.weekday() in settings.weekend:
        reasons.append("weekend")
    names = lookup.get_list(day)
    if names:
        reasons.append("public holiday: " + "; ".join(names))
    return ", ".join(reasons) or None


def next_working_day(day: dt.date, settings: HolidaySettings, lookup: HolidayBase) -> dt.date:
    """The first working day after ``day``. Raises InputError when none is
    found within MAX_MOVE_DAYS."""
    candidate = day
    for _ in range(MAX_MOVE_DAYS):
        candidate += dt.timedelta(days=1)
        if non_working_reason(candidate, settings, lookup) is None:
            return candidate
    raise InputError(
        f"no working day within {MAX_MOVE_DAYS} days after {day.isoformat()} in {settings.country}: choose the date by hand with --delay"
    )


def _apply_holidays(
    lines: list[CalendarLine], settings: HolidaySettings, lookup: HolidayBase
) -> list[CalendarLine]:
    """Flag (and, in move mode, move) administrations on non-working days.

    A move changes only the day concerned: its administrations go to the
    next working day, later days keep their dates."""
    out = []
    for line in lines:
        reason = non_working_reason(line.scheduled_date, settings, lookup)
        if reason is None:
            out.append(line)
            continue
        a = line.administration
        if settings.mode == "move":
            target = next_working_day(line.scheduled_date, settings, lookup)
            note = (
                f"moved from {short_date(line.scheduled_date)} ({reason}) to {short_date(target)}"
            )
            out.append(
                replace(
                    line,
                    administration=replace(a, date=target, notes=(*a.notes, note)),
                    non_working=reason,
                    moved=True,
                )
            )
        else:
            note = f"falls on a non-working day: {short_date(line.scheduled_date)} ({reason})"
            out.append(
                replace(line, administration=replace(a, notes=(*a.notes, note)), non_working=reason)
            )
    return out


def _reapply_reload_rules(lines: list[CalendarLine], policy: Policy) -> list[CalendarLine]:
    """After a holiday move, decide loading or maintenance again from the
    dates actually given, with the same policy rules the engine uses
    (:func:`dosecalc.schedule.reload_due`, through ``dose_kind``).

    The engine decided on the dates before the move; a move lengthens the
    gap before the moved dose (which may now need a re-load) and shortens
    the gap after it. Re-load notes from the engine are replaced by the
    ones worked out here; other notes (holiday flags, moves) are kept.
    """
    last: dict[str, tuple[dt.date, dt.date]] = {}  # drug -> (actual, nominal) of its previous dose
    out = []
    for line in sorted(lines, key=lambda item: (item.date, item.course_cycle)):
        a = line.administration
        entry = a.entry
        previous = last.get(a.drug)
        last[a.drug] = (a.date, a.nominal_date)
        if not entry.has_loading:
            out.append(line)
            continue
        kind, step, reload_notes = dose_kind(entry, previous, a.nominal_date, a.date, policy)
        notes = (*reload_notes, *(n for n in a.notes if not n.startswith("re-load:")))
        out.append(replace(line, administration=replace(a, kind=kind, step=step, notes=notes)))
    return out


def _check_order(lines: list[CalendarLine]) -> list[str]:
    """Warnings when a move put a dose on or after the next dose of the same drug."""
    warnings = []
    by_drug: dict[str, list[CalendarLine]] = {}
    for line in lines:
        by_drug.setdefault(line.administration.drug, []).append(line)
    for drug, items in by_drug.items():
        items.sort(key=lambda item: item.scheduled_date)
        for before, after in zip(items, items[1:], strict=False):
            if before.date >= after.date:
                warnings.append(
                    f"{drug}: the dose moved to {short_date(before.date)} is on or after the next {drug} dose ({short_date(after.date)}); review the schedule by hand"
                )
    return warnings


def _doses(
    lines: list[CalendarLine], ctx: DosingContext, policy: Policy, library: Library
) -> list[CalendarLine]:
    """Every line with its computed dose. A dose depends only on the entry,
    the step and the kind, so each distinct one is computed once."""
    cache: dict[tuple[int, str, int], DoseLine] = {}
    out = []
    for line in lines:
        a = line.administration
        key = (id(a.entry), a.kind, id(a.step))
        if key not in cache:
            cache[key] = compute_dose(
                a.entry,
                a.step,
                a.kind,
                ctx,
                phase=a.phase,
                cycle=a.cycle,
                day=a.day,
                cycles_text=str(a.cycle),
                vials_mg=drug_vials(a.drug, policy, a.entry.route, library),
                tablets_mg=drug_tablets(a.drug, a.entry.route, library),
            )
        reason = "; ".join(n for n in a.notes if n.startswith("re-load:")) or None
        dose = replace(
            cache[key], cycle=a.cycle, day=a.day, cycles_text=str(a.cycle), reason=reason
        )
        out.append(replace(line, administration=replace(a, dose=dose)))
    return out


def _drug_totals(
    regimen: Regimen, lines: list[CalendarLine], with_patient: bool
) -> list[DrugTotal]:
    totals = []
    for drug in regimen.drugs():
        items = [line for line in lines if line.administration.drug == drug]
        if not items:
            continue
        kinds = [line.administration.kind for line in items]
        total = sum(line.daily_mg or 0.0 for line in items) if with_patient else None
        if total is not None:
            require_dose(total, f"{drug} total")
        totals.append(
            DrugTotal(
                drug,
                len(items),
                kinds.count("loading"),
                kinds.count("maintenance"),
                kinds.count("standard"),
                min(line.date for line in items),
                max(line.date for line in items),
                total,
            )
        )
    return totals


def supportive_lines(regimen: Regimen, lines: list[CalendarLine]) -> list[SupportiveLine]:
    """Every supportive administration of the course on its date, from the
    regimen data, relative to the date each treatment dose is actually given
    (after delays and holiday moves)."""
    out = []
    seen: set[str] = set()  # drugs already given: the calendar starts at the course's start
    for line in lines:
        a = line.administration
        first = a.drug not in seen
        seen.add(a.drug)
        for entry in supportive_for(regimen.phase(a.phase), a.drug, a.kind, first):
            for day in entry.days:
                out.append(
                    SupportiveLine(
                        a.date + dt.timedelta(days=day),
                        entry,
                        a.phase,
                        a.cycle,
                        line.course_cycle,
                        day,
                        a.date,
                    )
                )
    out.sort(key=lambda s: (s.date, s.treatment_date, s.entry.purpose != "premedication"))
    return out


def monitoring_due(
    regimen: Regimen, lines: list[CalendarLine], complete: bool = True
) -> list[MonitoringDue]:
    """The dates each monitoring rule of the regimen falls due over the course
    shown; the end-of-treatment test only when the course shown is complete."""
    sources = {s.id: s.citation for s in regimen.sources}
    due = []
    for rule in regimen.monitoring:
        dates = [line.date for line in lines if line.administration.drug == rule.drug]
        if not dates:
            continue
        for date, reason in rule.due_dates(min(dates), max(dates)):
            if not complete and reason.startswith("at the end"):
                continue
            due.append(
                MonitoringDue(date, rule.test, rule.drug, reason, sources.get(rule.source, ""))
            )
    return sorted(due, key=lambda m: m.date)


def parse_prior_anthracycline(value: Any) -> float:
    """Doxorubicin equivalents given before the course, in mg/m² (a bare
    number is mg/m²); 0 when not given."""
    if value is None or str(value).strip() == "":
        return 0.0
    try:
        quantity = parse_quantity(
            value,
            dimension="[mass] / [length] ** 2",
            default_unit="mg/m2",
            what="prior anthracycline",
        )
    except UnitError as exc:
        raise about_field(exc, "prior-anthracycline") from None
    amount = float(quantity.to("mg/m**2").magnitude)
    if amount < 0:
        raise InputError(f"--prior-anthracycline '{value}' cannot be negative")
    if amount > MAX_PRIOR_ANTHRACYCLINE_MG_M2:
        raise InputError(
            f"--prior-anthracycline '{value}' is more than {format_number(MAX_PRIOR_ANTHRACYCLINE_MG_M2)} mg/m²: check the unit and the figure"
        )
    return amount


def anthracycline_total(
    regimen: Regimen,
    lines: list[CalendarLine],
    policy: Policy,
    bsa_m2: float | None,
    prior_mg_m2: float = 0.0,
    drug_reference: str | None = None,
) -> AnthracyclineTotal:
    """The course's cumulative anthracycline dose in doxorubicin equivalents.

    Each drug's factor comes from the drug reference (``drugs/drugs.yaml``,
    ``anthracycline_factor``, with its source; clinical-reference §7.3: the
    equivalence tables disagree, so the table used is printed). A drug the
    reference does not list makes the total unknown rather than zero.
    """
    unknown = AnthracyclineTotal(  # the total when it cannot be computed: never zero
        None,
        None,
        limit_mg_m2=policy.anthracycline_limit_mg_m2,
        limit_source=_source_text(policy, policy.anthracycline_source),
        prior_mg_m2=prior_mg_m2,
        warning_mg_m2=policy.anthracycline_warning_mg_m2,
        warning_source=policy.anthracycline_warning_source,
    )
    try:
        reference = load_drug_reference(drug_reference)
    except (OSError, DosecalcError) as exc:
        return replace(
            unknown, problem=f"not computed: the drug reference could not be loaded ({exc})"
        )

    factors: dict[str, float] = {}
    uncounted: dict[str, str] = {}
    caveats: dict[str, str] = {}
    factor_sources: set[str] = set()
    for drug in regimen.drugs():
        try:
            info = reference.get(drug)
        except DosecalcError:
            return replace(
                unknown,
                problem=f"not computed: {drug} is not in the drug reference, so it cannot be ruled out as an anthracycline",
            )
        detail = info.anthracycline
        if detail is None:
            continue
        if detail.value is None:
            uncounted[drug] = detail.caveat or "no equivalence ratio"
            continue
        factors[drug] = float(detail.value)
        factor_sources.add(f"{detail.table} [{detail.source}]")
        if detail.caveat:
            caveats[drug] = detail.caveat
    mg_m2 = prior_mg_m2  # the ledger starts from what was given before this course
    mg: float | None = 0.0
    contributions: dict[str, float] = {}
    for line in lines:
        a = line.administration
        factor = factors.get(a.drug)
        if factor is None:
            continue
        if a.basis == "bsa":
            per_m2 = a.step.per_unit
        elif line.dose is not None and bsa_m2:
            per_m2 = line.dose.final_mg / bsa_m2
        else:
            return replace(
                unknown,
                problem=f"not computed: {a.drug} is not dosed per m² here; give the patient's height and weight",
            )
        contributions[a.drug] = contributions.get(a.drug, 0.0) + per_m2 * factor
        mg_m2 += per_m2 * factor
        mg = None if mg is None or line.dose is None else mg + line.dose.final_mg * factor
    if not any(line.dose for line in lines):
        mg = None
    given = {line.administration.drug for line in lines}
    return replace(
        unknown,
        mg_m2=mg_m2,
        mg=mg,
        contributions=tuple((drug, factors[drug], value) for drug, value in contributions.items()),
        factor_source="; ".join(sorted(factor_sources)) or None,
        not_counted=tuple((drug, why) for drug, why in uncounted.items() if drug in given),
        caveats=tuple((drug, text) for drug, text in caveats.items() if drug in contributions),
    )


def _source_text(policy: Policy, source_id: str) -> str:
    for source in policy.sources:
        if source.id == source_id:
            return source.citation
    return source_id


@dataclass(frozen=True)
class CalendarRequest:
    """What ``dosecalc calendar`` is asked: a regimen from a start date, a
    patient (optional: without height and weight the per-unit doses are
    shown), and the choices."""

    regimen: str
    start: Typed | dt.date
    patient: PatientInput = PatientInput()
    _: KW_ONLY  # the choices by name: a swapped cycles and until cannot pass
    policy: str | None = None
    cycles: int | None = None  # counted over the whole course
    until: Typed | dt.date | None = None
    delays: Sequence[str] | Mapping[Any, int] = ()  # "3=7", "TH:5=14"
    phase_cycles: Sequence[str] | Mapping[str, int] = ()  # "THP=8"
    country: str | None = None  # "FR", "US-NY"
    holidays: str | None = None  # "flag" or "move", over the policy's choice
    prior_anthracycline: Typed | None = None  # "240 mg/m2" doxorubicin equivalents
    allow_draft: bool = False
    library: Library = Library()

    def given(self) -> dict[str, Json]:
        """The inputs as given, in the keyword API's order (provenance)."""
        p = self.patient
        return given_inputs(
            {
                "regimen": self.regimen,
                "start": self.start,
                **p.given_measurements(),
                "policy": self.policy,
                "cycles": self.cycles,
                "until": self.until,
                "delays": self.delays,
                "phase_cycles": self.phase_cycles,
                "country": self.country,
                "holidays": self.holidays,
                "accept_implausible": p.accept_implausible,
                "prior_anthracycline": self.prior_anthracycline,
                "gfr": p.gfr,
                "allow_draft": self.allow_draft,
            }
        )


def run(request: CalendarRequest) -> CalendarReport:
    """Every administration of the regimen from the start date, dated.

    ``height`` and ``weight`` (both or neither) add each dose in mg.
    ``cycles`` (counted over the whole course) or ``until`` bound an
    open-ended course; ``delays`` shift a cycle and everything after it;
    ``phase_cycles`` sets the cycles of a phase that allows it. ``country``
    flags weekends and public holidays; ``holidays`` overrides the policy's
    ``non_working_days``. ``prior_anthracycline`` starts the cumulative
    anthracycline ledger.
    """
    start_date, until_date = _dates(request)
    _check_bounds(request)
    library = request.library
    reg = find_regimen(request.regimen, library.regimen_dirs)
    require_usable(reg, request.allow_draft)
    pol = find_policy(request.policy, library.policy_dirs)
    delay_map = parse_delays(request.delays)
    settings, lookup = holiday_settings(request.country, request.holidays, pol)
    patient = resolve_patient(request.patient) if request.patient.height is not None else None
    schedule = expand(
        reg,
        pol,
        start_date,
        delays=delay_map,
        phase_cycles=parse_phase_cycles(request.phase_cycles),
        max_cycles=request.cycles,
        until=until_date,
    )
    lines, warnings = _dated_lines(schedule, pol, settings, lookup)
    bsa = None
    notes: list[str] = []
    if patient is not None:
        ctx = DosingContext.build(patient, pol)
        bsa = ctx.bsa
        lines = _doses(lines, ctx, pol, library)
        notes = list(patient.notes) + [f"OVERRIDE: {o}" for o in patient.overrides]
    prior = parse_prior_anthracycline(request.prior_anthracycline)
    anthracycline = anthracycline_total(
        reg, lines, pol, bsa.value_m2 if bsa else None, prior, library.drug_reference
    )
    warnings += anthracycline_warnings(anthracycline)
    interpreted: dict[str, Json] = {
        "regimen": reg.id,
        "policy": pol.id,
        "start": start_date.isoformat(),
        "until": until_date.isoformat() if until_date else None,
        "cycles": request.cycles,
        "delays": {str(ref): days for ref, days in delay_map.items()},
        "phase_cycles": parse_phase_cycles(request.phase_cycles),
        "non_working_days": settings.describe() if settings else None,
        "prior_anthracycline_mg_m2": exact(prior),
        "patient": patient_inputs(patient) if patient else None,
    }
    if settings is not None:
        interpreted["holidays_library"] = version("holidays")
    return CalendarReport(
        regimen=reg,
        policy=pol,
        start=start_date,
        patient=patient,
        bsa=bsa,
        lines=lines,
        cycles=schedule.cycles,
        continues=schedule.continues,
        delays=delay_map,
        holidays=settings,
        drug_totals=_drug_totals(reg, lines, patient is not None),
        anthracycline=anthracycline,
        notes=notes,
        warnings=warnings,
        supportive=supportive_lines(reg, lines),
        monitoring=monitoring_due(reg, lines, complete=schedule.continues is None),
        provenance=provenance_record("calendar", reg, pol, request.given(), interpreted, library),
    )


def calendar_course(
    regimen: str,
    start: Typed | dt.date,
    *,
    height: Typed | None = None,
    weight: Typed | None = None,
    sex: str | None = None,
    age: Typed | None = None,
    scr: Typed | None = None,
    policy: str | None = None,
    cycles: int | None = None,
    until: Typed | dt.date | None = None,
    delays: Sequence[str] | Mapping[Any, int] = (),
    phase_cycles: Sequence[str] | Mapping[str, int] = (),
    country: str | None = None,
    holidays: str | None = None,
    regimen_dirs: tuple[str, ...] = (),
    policy_dirs: tuple[str, ...] = (),
    accept_implausible: bool = False,
    prior_anthracycline: Typed | None = None,
    gfr: Typed | None = None,
    allow_draft: bool = False,
) -> CalendarReport:
    """:func:`run` with keyword arguments (the Python API; ``reproduce``
    calls it with the inputs a provenance record gives)."""
    return run(
        CalendarRequest(
            regimen,
            start,
            PatientInput(height, weight, sex, age, scr, gfr, accept_implausible),
            policy=policy,
            cycles=cycles,
            until=until,
            delays=delays,
            phase_cycles=phase_cycles,
            country=country,
            holidays=holidays,
            prior_anthracycline=prior_anthracycline,
            allow_draft=allow_draft,
            library=Library(regimen_dirs, policy_dirs),
        )
    )


def _dates(request: CalendarRequest) -> tuple[dt.date, dt.date | None]:
    """The start date and the last date asked for (``--until``), checked."""
    start_date = parse_start(request.start)
    until_date = parse_start(request.until, "--until") if request.until is not None else None
    if until_date is not None and until_date < start_date:
        raise InputError(
            f"--until {until_date.isoformat()} is before the start {start_date.isoformat()}"
        )
    return start_date, until_date


def _check_bounds(request: CalendarRequest) -> None:
    """The number of cycles in range, and height and weight both or neither."""
    cycles = request.cycles
    if cycles is not None and (
        isinstance(cycles, bool) or not isinstance(cycles, int) or not 1 <= cycles <= MAX_CYCLES
    ):
        raise InputError(
            f"--cycles {cycles!r}: give a whole number from 1 to {MAX_CYCLES} (about 20 years of weekly cycles)"
        )
    if (request.patient.height is None) != (request.patient.weight is None):
        raise InputError(
            "give both --height and --weight for doses in mg, or neither for the per-unit doses"
        )


def _dated_lines(
    schedule: CourseSchedule,
    policy: Policy,
    settings: HolidaySettings | None,
    lookup: HolidayBase | None,
) -> tuple[list[CalendarLine], list[str]]:
    """The schedule's administrations as calendar lines, flagged or moved off
    non-working days (re-load rules applied again after a move), in the order
    printed: date, phase, day, drug. Returns the lines and the warnings."""
    reg = schedule.regimen
    course_cycle = {(p, c): n for p, c, n, _ in schedule.cycles}
    lines = [
        CalendarLine(a, course_cycle[(a.phase, a.cycle)], a.date) for a in schedule.administrations
    ]
    warnings: list[str] = []
    if settings is not None and lookup is not None:
        lines = _apply_holidays(lines, settings, lookup)
        if any(line.moved for line in lines):
            lines = _reapply_reload_rules(lines, policy)
            warnings += _check_order(lines)
    phase_order = {p.id: i for i, p in enumerate(reg.phases)}
    drug_order = {d: i for i, d in enumerate(reg.drugs())}
    lines.sort(
        key=lambda line: (
            line.date,
            phase_order[line.administration.phase],
            line.administration.day,
            drug_order[line.administration.drug],
        )
    )
    return lines, warnings


def anthracycline_warnings(anthracycline: AnthracyclineTotal) -> list[str]:
    """The warnings of the cumulative anthracycline ledger: over the limit,
    at the warning dose, or an anthracycline the total cannot count."""
    warnings = []
    if anthracycline.exceeds_limit:
        warnings.append(
            f"cumulative anthracycline {format_number(anthracycline.mg_m2 or 0, 1)} mg/m² exceeds the policy limit of {format_number(anthracycline.limit_mg_m2)} mg/m²"
        )
    elif anthracycline.reaches_warning:
        warnings.append(
            f"cumulative anthracycline {format_number(anthracycline.mg_m2 or 0, 1)} mg/m² reaches {format_number(anthracycline.warning_mg_m2 or 0)} mg/m²: "
            f"consider cardioprotection (dexrazoxane) and closer LVEF monitoring before more anthracycline ({anthracycline.warning_source})"
        )
    for drug, why in anthracycline.not_counted:
        warnings.append(f"{drug} is an anthracycline not counted in the cumulative total: {why}")
    return warnings
