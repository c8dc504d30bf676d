"""Printing a :class:`dosecalc.commands.calendar.CalendarReport`: a table per phase,
month grids like ``cal``, JSON and CSV. (iCalendar: :mod:`dosecalc.output.ics`;
printable HTML: :mod:`dosecalc.output.html`.)

Every dose goes through :mod:`dosecalc.formatting` (ISMP). The JSON field
names are a contract (docs/calendar.md): change them only with care.
"""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from typing import TYPE_CHECKING, Any

from ..formatting import UNIT_LABELS, json_number
from ..model import BASIS_UNITS
from .common import (
    WEEKDAY_SHORT,
    anthracycline_text,
    banner_lines,
    csv_comment,
    csv_text,
    cycle_text,
    drug_text,
    governance_json,
    monitoring_json,
    override_text,
    patient_json,
    patient_lines,
    policy_json,
    policy_lines,
    regimen_json,
    review_text,
    short_day,
    summary_rows,
    supportive_json,
    text_lines,
    text_table,
    to_json,
    treatment_days,
)

if TYPE_CHECKING:
    from ..commands.calendar import CalendarLine, CalendarReport, SupportiveLine


FORMATS = ("table", "json", "csv", "ics", "html")
VIEWS = ("list", "month")


def render(
    report: CalendarReport, fmt: str = "table", view: str = "list", paper: str = "a4"
) -> str:
    """The report in ``fmt``; ``view`` (list or month) applies to the table format,
    ``paper`` (a4 or letter) to HTML."""
    if fmt == "json":
        return to_json(calendar_json(report))
    if fmt == "csv":
        return csv_comment(report.provenance) + "\n" + csv_text(csv_rows(report))
    if fmt == "ics":
        from .ics import calendar_ics

        return calendar_ics(report)
    if fmt == "html":
        from .html import calendar_html

        return calendar_html(report, paper=paper)
    if view == "month":
        return month_text(report)
    return table_text(report)


# -- shared helpers ------------------------------------------------------------


def header_lines(report: CalendarReport) -> list[str]:
    last = report.end
    lines = banner_lines(report.regimen)
    lines += [
        f"Regimen: {report.regimen.id} ({report.regimen.name}); {review_text(report.regimen)}",
        f"Start: {short_day(report.start)}"
        + (f"; last administration shown: {short_day(last)}" if last else ""),
    ]
    if report.patient is not None and report.bsa is not None:
        lines += patient_lines(report.patient, report.bsa)
    else:
        lines.append(
            "Patient: not given; doses are shown per unit (mg/m², mg/kg, mg); give --height and --weight for doses in mg"
        )
    lines += report.settings_lines()
    return lines


def supportive_text(report: CalendarReport) -> list[str]:
    """The supportive administrations and the monitoring due, dated (table and month views)."""
    out: list[str] = []
    if report.supportive:
        out += [
            "",
            "Premedication and supportive care (regimen data; day -1 falls the day before the dose)",
        ]
        out.append(
            text_table(
                [
                    [
                        s.date.isoformat(),
                        WEEKDAY_SHORT[s.date.weekday()],
                        f"{s.phase} {s.cycle}",
                        s.entry.purpose,
                        s.text,
                    ]
                    for s in report.supportive
                ],
                ["date", "day of week", "cycle", "purpose", "what"],
            )
        )
    if report.monitoring:
        out += ["", "Monitoring due"]
        out.append(
            text_table(
                [
                    [m.date.isoformat(), WEEKDAY_SHORT[m.date.weekday()], m.test, m.reason]
                    for m in report.monitoring
                ],
                ["date", "day of week", "test", "why"],
            )
        )
    return out


def footer_lines(report: CalendarReport) -> list[str]:
    out = []
    if report.warnings:
        out.append("")
        out += [f"WARNING: {w}" for w in report.warnings]
    out.append("")
    out += policy_lines(report.policy)
    out.append("Sources: " + "; ".join(f"[{s.id}] {s.citation}" for s in report.regimen.sources))
    out += [""] + text_lines(report.provenance)
    return out


# -- table ---------------------------------------------------------------------


def table_text(report: CalendarReport) -> str:
    out = header_lines(report)
    for phase in report.regimen.phases:
        lines = [line for line in report.lines if line.administration.phase == phase.id]
        if not lines:
            continue
        out.append("")
        out.append(
            f"Phase {phase.id}: {phase.name} (every {phase.cycle_length_days} days, {phase.cycles.describe()})"
            + (f"; emetogenic risk {phase.emetogenic_risk.level}" if phase.emetogenic_risk else "")
        )
        rows = [
            [
                line.date.isoformat(),
                line.weekday[:3],
                str(line.administration.cycle),
                str(line.course_cycle),
                str(line.administration.day),
                line.administration.drug,
                line.dose_text,
                line.administration.kind,
                "; ".join(line.administration.notes),
            ]
            for line in lines
        ]
        out.append(
            text_table(
                rows,
                [
                    "date",
                    "day of week",
                    "cycle",
                    "course cycle",
                    "day",
                    "drug",
                    "dose",
                    "kind",
                    "notes",
                ],
            )
        )
    out += supportive_text(report)
    out += _course_end(report)
    return "\n".join(out + footer_lines(report))


def _course_end(report: CalendarReport) -> list[str]:
    out = [""]
    if report.continues:
        out.append(f"The course continues beyond this calendar: {report.continues}.")
    elif report.lines:
        out.append("End of the course as planned.")
    else:
        out.append("No administrations in the requested range.")
    rows, headers = summary_rows(report)
    if rows:
        out += ["", "Summary", text_table(rows, headers)]
    out += ["", anthracycline_text(report)]
    return out


# -- month grids ---------------------------------------------------------------


def month_text(report: CalendarReport) -> str:
    """Month grids like ``cal``: a treatment day is shown as [19]; a
    treatment day on a non-working day that was only flagged as [19]!."""
    days = dict(treatment_days(report))
    out = header_lines(report)
    out.append("")
    out.append(
        "[n] treatment day; [n]! treatment day on a weekend or public holiday (flagged, not moved)"
    )
    for year, month in _months(report):
        out.append("")
        out += month_grid(year, month, days)
        for day in sorted(d for d in days if (d.year, d.month) == (year, month)):
            lines = days[day]
            flag = (
                " (non-working day: " + lines[0].non_working + ")"
                if lines[0].non_working and not lines[0].moved
                else ""
            )
            out.append(
                f"  {day.day:>2} {WEEKDAY_SHORT[day.weekday()]}  {cycle_text(lines)}: {', '.join(drug_text(line) for line in lines)}{flag}"
            )
            for note in _day_notes(lines):
                out.append(f"         {note}")
    out += supportive_text(report)
    out += _course_end(report)
    return "\n".join(out + footer_lines(report))


def _day_notes(lines: list[CalendarLine]) -> list[str]:
    notes: list[str] = []
    for line in lines:
        for note in line.administration.notes:
            if note.startswith("falls on a non-working day"):
                continue
            text = f"{line.administration.drug}: {note}" if note.startswith("re-load") else note
            if text not in notes:
                notes.append(text)
    return notes


def _months(report: CalendarReport) -> list[tuple[int, int]]:
    if not report.lines:
        return [(report.start.year, report.start.month)]
    first, last = min(line.date for line in report.lines), max(line.date for line in report.lines)
    first = min(first, report.start)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_grid(year: int, month: int, days: dict[dt.date, list[CalendarLine]]) -> list[str]:
    """One month, Monday first, each cell five characters wide."""
    title = f"{stdcal.month_name[month]} {year}"
    width = 7 * 5
    lines = [
        title.center(width).rstrip(),
        "".join(f" {name[:2]}  " for name in WEEKDAY_SHORT).rstrip(),
    ]
    for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append("     ")
            elif day in days:
                flagged = any(line.non_working and not line.moved for line in days[day])
                cells.append(f"[{day.day:>2}]" + ("!" if flagged else " "))
            else:
                cells.append(f" {day.day:>2}  ")
        lines.append("".join(cells).rstrip())
    return lines


# -- JSON and CSV --------------------------------------------------------------


def administration_json(line: CalendarLine, with_patient: bool) -> dict[str, Any]:
    a = line.administration
    data: dict[str, Any] = {
        "date": line.date.isoformat(),
        "weekday": line.weekday,
        "phase": a.phase,
        "cycle": a.cycle,
        "course_cycle": line.course_cycle,
        "day": a.day,
        "drug": a.drug,
        "route": a.route,
        "kind": a.kind,
        "basis": a.basis,
        "dose_per_unit": json_number(a.step.per_unit, 4),
        "dose_unit": UNIT_LABELS[_unit(a.basis)],
        "dose_text": line.dose_text,
        "dose_mg": json_number(line.dose.final_mg, 2) if with_patient and line.dose else None,
        "times_per_day": a.entry.times_per_day,
        "nominal_date": a.nominal_date.isoformat(),
        "scheduled_date": line.scheduled_date.isoformat(),
        "non_working": line.non_working,
        "moved_from": line.scheduled_date.isoformat() if line.moved else None,
        "notes": list(a.notes),
    }
    return data


def _unit(basis: str) -> str:
    return BASIS_UNITS[basis]


def calendar_json(report: CalendarReport) -> dict[str, Any]:
    with_patient = report.patient is not None
    total = report.anthracycline
    h = report.holidays
    return {
        "regimen": regimen_json(report.regimen) | governance_json(report.regimen),
        "start": report.start.isoformat(),
        "end": report.end.isoformat() if report.end else None,
        "policy": policy_json(report.policy),
        "patient": (
            patient_json(report.patient, report.bsa)
            if report.patient is not None and report.bsa is not None
            else None
        ),
        "settings": {
            "delays": [{"cycle": str(ref), "days": days} for ref, days in report.delays.items()],
            "country": (h.country + (f"-{h.subdivision}" if h.subdivision else "")) if h else None,
            "weekend": [stdcal.day_name[d] for d in h.weekend] if h else None,
            "non_working_days": h.mode if h else None,
            "non_working_days_source": h.mode_source if h else None,
        },
        "continues": report.continues,
        "cycles": [
            {"phase": p, "cycle": c, "course_cycle": n, "date": d.isoformat()}
            for p, c, n, d in report.cycles
        ],
        "administrations": [administration_json(line, with_patient) for line in report.lines],
        "summary": {
            "drugs": [
                {
                    "drug": t.drug,
                    "administrations": t.count,
                    "loading": t.loading,
                    "maintenance": t.maintenance,
                    "standard": t.standard,
                    "first": t.first.isoformat(),
                    "last": t.last.isoformat(),
                    "total_mg": json_number(t.total_mg, 2),
                }
                for t in report.drug_totals
            ],
            "anthracycline": {
                "doxorubicin_equivalent_mg_m2": json_number(total.mg_m2, 2),
                "doxorubicin_equivalent_mg": json_number(total.mg, 2),
                "limit_mg_m2": json_number(total.limit_mg_m2, 2),
                "limit_source": total.limit_source,
                "percent_of_limit": json_number(total.percent_of_limit, 1),
                "exceeds_limit": total.exceeds_limit,
                "contributions": [
                    {"drug": d, "factor": f, "mg_m2": json_number(v, 2)}
                    for d, f, v in total.contributions
                ],
                "factor_source": total.factor_source,
                "factor_caveats": [{"drug": d, "caveat": c} for d, c in total.caveats],
                "not_counted": [{"drug": d, "reason": r} for d, r in total.not_counted],
                "warning_mg_m2": json_number(total.warning_mg_m2, 2),
                "warning_source": total.warning_source,
                "reaches_warning": total.reaches_warning,
                "problem": total.problem,
                "includes_prior": bool(total.prior_mg_m2),
                "prior_mg_m2": json_number(total.prior_mg_m2, 2),
            },
        },
        "notes": list(report.notes),
        "warnings": list(report.warnings),
        "phases": supportive_json(report.regimen),
        "supportive": [supportive_line_json(line) for line in report.supportive],
        "monitoring_rules": monitoring_json(report.regimen),
        "monitoring": [
            {
                "date": m.date.isoformat(),
                "weekday": stdcal.day_name[m.date.weekday()],
                "test": m.test,
                "drug": m.drug,
                "reason": m.reason,
                "source": m.source,
            }
            for m in report.monitoring
        ],
        "provenance": report.provenance,
    }


def supportive_line_json(line: SupportiveLine) -> dict[str, Any]:
    e = line.entry
    return {
        "date": line.date.isoformat(),
        "weekday": stdcal.day_name[line.date.weekday()],
        "phase": line.phase,
        "cycle": line.cycle,
        "course_cycle": line.course_cycle,
        "day_relative": line.day,
        "treatment_date": line.treatment_date.isoformat(),
        "for": e.for_drug,
        "purpose": e.purpose,
        "drug": e.drug,
        "dose_mg": json_number(e.dose_mg, 2),
        "route": e.route,
        "times_per_day": e.times_per_day,
        "option": e.option,
        "text": line.text,
    }


def csv_rows(report: CalendarReport) -> list[dict[str, Any]]:
    """One row per administration (category ``treatment``), then per
    supportive administration and per monitoring date, in the same columns."""
    with_patient = report.patient is not None
    rows = []
    for line in report.lines:
        data = administration_json(line, with_patient)
        data["notes"] = "; ".join(data["notes"])
        data["override"] = override_text(report.patient)
        rows.append(data | {"category": "treatment"})
    if not rows:
        return rows
    # Supportive and monitoring rows carry the override mark too: every row of
    # a calendar computed from overridden values says so.
    blank = dict.fromkeys(rows[0]) | {"override": override_text(report.patient)}
    for s in report.supportive:
        e = s.entry
        rows.append(
            blank
            | {
                "date": s.date.isoformat(),
                "weekday": stdcal.day_name[s.date.weekday()],
                "phase": s.phase,
                "cycle": s.cycle,
                "course_cycle": s.course_cycle,
                "day": s.day,
                "drug": e.drug or "observation",
                "route": e.route,
                "kind": e.purpose,
                "dose_text": s.text,
                "dose_mg": json_number(e.dose_mg, 2),
                "category": "supportive",
            }
        )
    for m in report.monitoring:
        rows.append(
            blank
            | {
                "date": m.date.isoformat(),
                "weekday": stdcal.day_name[m.date.weekday()],
                "drug": m.drug,
                "kind": m.test,
                "dose_text": m.text,
                "category": "monitoring",
            }
        )
    return rows
