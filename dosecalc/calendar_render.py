"""Printing a :class:`dosecalc.calendar.CalendarReport`: a table per phase,
month grids like ``cal``, JSON and CSV. (iCalendar: :mod:`dosecalc.ics`;
printable HTML: :mod:`dosecalc.printable`.)

Every dose goes through :mod:`dosecalc.formatting` (ISMP). The JSON field
names are a contract (docs/calendar.md): change them only with care.
"""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from typing import Any

from .formatting import UNIT_LABELS, format_amount, format_number
from .render import (
    _csv,
    _policy_json,
    _r,
    _regimen_json,
    _table,
    override_text,
    patient_json,
    patient_lines,
    policy_lines,
    to_json,
)

FORMATS = ("table", "json", "csv", "ics", "html")
VIEWS = ("list", "month")

_WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render(report: Any, fmt: str = "table", view: str = "list", paper: str = "a4") -> str:
    """The report in ``fmt``; ``view`` (list or month) applies to the table format,
    ``paper`` (a4 or letter) to HTML."""
    if fmt == "json":
        return to_json(calendar_json(report))
    if fmt == "csv":
        from .provenance import csv_comment

        return csv_comment(report.provenance) + "\n" + _csv(csv_rows(report))
    if fmt == "ics":
        from .ics import calendar_ics

        return calendar_ics(report)
    if fmt == "html":
        from .printable import calendar_html

        return calendar_html(report, paper=paper)
    if view == "month":
        return month_text(report)
    return table_text(report)


# -- shared helpers ------------------------------------------------------------


def treatment_days(report: Any) -> list[tuple[dt.date, list[Any]]]:
    """The report's lines grouped by date, in date order."""
    days: dict[dt.date, list[Any]] = {}
    for line in report.lines:
        days.setdefault(line.date, []).append(line)
    return sorted(days.items())


def drug_text(line: Any) -> str:
    """``pertuzumab 840 mg (loading)``; without a patient ``docetaxel 75 mg/m²``."""
    kind = line.administration.kind
    return f"{line.administration.drug} {line.dose_text}" + (
        f" ({kind})" if kind != "standard" else ""
    )


def cycle_text(lines: list[Any]) -> str:
    """``THP cycle 1 day 1`` for the lines of one treatment day."""
    seen: list[str] = []
    for line in lines:
        a = line.administration
        text = f"{a.phase} cycle {a.cycle} day {a.day}"
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def anthracycline_text(report: Any) -> str:
    """One line: the cumulative anthracycline dose against the policy limit."""
    total = report.anthracycline
    limit = f"the policy's lifetime limit is {format_number(total.limit_mg_m2)} mg/m² ({total.limit_source})"
    if total.mg_m2 is None:
        return f"Cumulative anthracycline (doxorubicin equivalents): {total.problem}; {limit}"
    before = (
        f"It includes {format_amount(total.prior_mg_m2, 'mg/m2', 1)} given before this course."
        if total.prior_mg_m2
        else "Anthracyclines given before this course are not included (give --prior-anthracycline)."
    )
    if not total.contributions:
        none = "none counted in this course" if total.not_counted else "none in this course"
        if total.prior_mg_m2:
            text = (
                f"Cumulative anthracycline (doxorubicin equivalents): {none}; {format_amount(total.mg_m2, 'mg/m2', 1)} in all, "
                f"{format_number(total.percent_of_limit or 0, 1)}% of the limit; {limit}. {before}"
            )
        else:
            zero = "0 mg/m² counted" if total.not_counted else "0 mg/m²"
            text = f"Cumulative anthracycline (doxorubicin equivalents): {none} ({zero}); {limit}. {before}"
        if total.exceeds_limit or total.reaches_warning or total.not_counted:
            text = "WARNING: " + text
        return text + _not_counted_text(total)
    text = f"Cumulative anthracycline (doxorubicin equivalents) at the end of this course: {format_amount(total.mg_m2, 'mg/m2', 1)}"
    if total.mg is not None:
        text += f" ({format_amount(total.mg, 'mg')})"
    text += f", {format_number(total.percent_of_limit or 0, 1)}% of the limit; {limit}"
    parts = [
        f"{drug} {format_amount(value, 'mg/m2', 1)}"
        + (
            f" ({format_amount(value / factor, 'mg/m2', 1)} × {format_number(factor, 3)})"
            if factor != 1
            else ""
        )
        for drug, factor, value in total.contributions
    ]
    text += "; from " + ", ".join(parts)
    if total.factor_source:
        text += f"; equivalence factors: {total.factor_source}"
    text += "".join(f"; {drug} factor caveat: {caveat}" for drug, caveat in total.caveats)
    text += f". {before}"
    if total.warning_mg_m2:
        text += (
            f" At {format_number(total.warning_mg_m2)} mg/m² or more: consider cardioprotection (dexrazoxane)"
            f" and closer LVEF monitoring ({total.warning_source})."
        )
    if total.exceeds_limit or total.reaches_warning:
        text = "WARNING: " + text
    return text + _not_counted_text(total)


def _not_counted_text(total: Any) -> str:
    return "".join(
        f" NOT COUNTED: {drug} is an anthracycline given in this course ({why})."
        for drug, why in total.not_counted
    )


def header_lines(report: Any) -> list[str]:
    from .governance import banner, review_text

    last = report.end
    lines = [banner(report.regimen)] if banner(report.regimen) else []
    lines += [
        f"Regimen: {report.regimen.id} ({report.regimen.name}); {review_text(report.regimen)}",
        f"Start: {_short(report.start)}"
        + (f"; last administration shown: {_short(last)}" if last else ""),
    ]
    if report.patient is not None:
        lines += patient_lines(report.patient, report.bsa)
    else:
        lines.append(
            "Patient: not given; doses are shown per unit (mg/m², mg/kg, mg); give --height and --weight for doses in mg"
        )
    lines += report.settings_lines()
    return lines


def supportive_text(report: Any) -> list[str]:
    """The supportive administrations and the monitoring due, dated (table and month views)."""
    out: list[str] = []
    if report.supportive:
        out += [
            "",
            "Premedication and supportive care (regimen data; day -1 falls the day before the dose)",
        ]
        out.append(
            _table(
                [
                    [
                        s.date.isoformat(),
                        _WEEKDAY_SHORT[s.date.weekday()],
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
            _table(
                [
                    [m.date.isoformat(), _WEEKDAY_SHORT[m.date.weekday()], m.test, m.reason]
                    for m in report.monitoring
                ],
                ["date", "day of week", "test", "why"],
            )
        )
    return out


def footer_lines(report: Any) -> list[str]:
    from .provenance import text_lines

    out = []
    if report.warnings:
        out.append("")
        out += [f"WARNING: {w}" for w in report.warnings]
    out.append("")
    out += policy_lines(report.policy)
    out.append("Sources: " + "; ".join(f"[{s.id}] {s.citation}" for s in report.regimen.sources))
    out += [""] + text_lines(report.provenance)
    return out


def summary_rows(report: Any) -> tuple[list[list[str]], list[str]]:
    rows = []
    for t in report.drug_totals:
        kinds = ", ".join(
            f"{n} {k}" for n, k in ((t.loading, "loading"), (t.maintenance, "maintenance")) if n
        )
        row = [t.drug, str(t.count), kinds, _short(t.first), _short(t.last)]
        if report.patient is not None:
            row.append(format_amount(t.total_mg or 0, "mg"))
        rows.append(row)
    headers = ["drug", "administrations", "of which", "first", "last"] + (
        ["total planned"] if report.patient is not None else []
    )
    return rows, headers


def _short(day: dt.date) -> str:
    return f"{_WEEKDAY_SHORT[day.weekday()]} {day.isoformat()}"


# -- table ---------------------------------------------------------------------


def table_text(report: Any) -> str:
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
            _table(
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


def _course_end(report: Any) -> list[str]:
    out = [""]
    if report.continues:
        out.append(f"The course continues beyond this calendar: {report.continues}.")
    elif report.lines:
        out.append("End of the course as planned.")
    else:
        out.append("No administrations in the requested range.")
    rows, headers = summary_rows(report)
    if rows:
        out += ["", "Summary", _table(rows, headers)]
    out += ["", anthracycline_text(report)]
    return out


# -- month grids ---------------------------------------------------------------


def month_text(report: Any) -> str:
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
                f"  {day.day:>2} {_WEEKDAY_SHORT[day.weekday()]}  {cycle_text(lines)}: {', '.join(drug_text(line) for line in lines)}{flag}"
            )
            for note in _day_notes(lines):
                out.append(f"         {note}")
    out += supportive_text(report)
    out += _course_end(report)
    return "\n".join(out + footer_lines(report))


def _day_notes(lines: list[Any]) -> list[str]:
    notes: list[str] = []
    for line in lines:
        for note in line.administration.notes:
            if note.startswith("falls on a non-working day"):
                continue
            text = f"{line.administration.drug}: {note}" if note.startswith("re-load") else note
            if text not in notes:
                notes.append(text)
    return notes


def _months(report: Any) -> list[tuple[int, int]]:
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


def month_grid(year: int, month: int, days: dict[dt.date, list[Any]]) -> list[str]:
    """One month, Monday first, each cell five characters wide."""
    title = f"{stdcal.month_name[month]} {year}"
    width = 7 * 5
    lines = [
        title.center(width).rstrip(),
        "".join(f" {name[:2]}  " for name in _WEEKDAY_SHORT).rstrip(),
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


def _n(value: float | None, decimals: int = 2) -> float | int | None:
    """A number for JSON and CSV as printed: rounded half-up, and a whole
    number without a trailing ".0" (ISMP: "126", never "126.0")."""
    rounded = _r(value, decimals)
    if rounded is not None and rounded == int(rounded):
        return int(rounded)
    return rounded


def administration_json(line: Any, with_patient: bool) -> dict[str, Any]:
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
        "dose_per_unit": _n(a.step.per_unit, 4),
        "dose_unit": UNIT_LABELS[_unit(a.basis)],
        "dose_text": line.dose_text,
        "dose_mg": _n(line.dose.final_mg, 2) if with_patient and line.dose else None,
        "times_per_day": a.entry.times_per_day,
        "nominal_date": a.nominal_date.isoformat(),
        "scheduled_date": line.scheduled_date.isoformat(),
        "non_working": line.non_working,
        "moved_from": line.scheduled_date.isoformat() if line.moved else None,
        "notes": list(a.notes),
    }
    return data


def _unit(basis: str) -> str:
    from .model import BASIS_UNITS

    return BASIS_UNITS[basis]


def calendar_json(report: Any) -> dict[str, Any]:
    with_patient = report.patient is not None
    total = report.anthracycline
    h = report.holidays
    from .render import governance_json, monitoring_json, supportive_json

    return {
        "regimen": _regimen_json(report.regimen) | governance_json(report.regimen),
        "start": report.start.isoformat(),
        "end": report.end.isoformat() if report.end else None,
        "policy": _policy_json(report.policy),
        "patient": patient_json(report.patient, report.bsa) if with_patient else None,
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
                    "total_mg": _n(t.total_mg, 2),
                }
                for t in report.drug_totals
            ],
            "anthracycline": {
                "doxorubicin_equivalent_mg_m2": _n(total.mg_m2, 2),
                "doxorubicin_equivalent_mg": _n(total.mg, 2),
                "limit_mg_m2": _n(total.limit_mg_m2, 2),
                "limit_source": total.limit_source,
                "percent_of_limit": _n(total.percent_of_limit, 1),
                "exceeds_limit": total.exceeds_limit,
                "contributions": [
                    {"drug": d, "factor": f, "mg_m2": _n(v, 2)} for d, f, v in total.contributions
                ],
                "factor_source": total.factor_source,
                "factor_caveats": [{"drug": d, "caveat": c} for d, c in total.caveats],
                "not_counted": [{"drug": d, "reason": r} for d, r in total.not_counted],
                "warning_mg_m2": _n(total.warning_mg_m2, 2),
                "warning_source": total.warning_source,
                "reaches_warning": total.reaches_warning,
                "problem": total.problem,
                "includes_prior": bool(total.prior_mg_m2),
                "prior_mg_m2": _n(total.prior_mg_m2, 2),
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


def supportive_line_json(line: Any) -> dict[str, Any]:
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
        "dose_mg": _n(e.dose_mg, 2),
        "route": e.route,
        "times_per_day": e.times_per_day,
        "option": e.option,
        "text": line.text,
    }


def csv_rows(report: Any) -> list[dict[str, Any]]:
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
                "dose_mg": _n(e.dose_mg, 2),
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
