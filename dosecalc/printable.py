"""The calendar as a printable, self-contained HTML page (A4 or Letter).

Rendered with Jinja2 (autoescaped; undefined names are errors, never
blanks) from ``templates/calendar.html``. The page holds the patient's
measurements (with blank lines for name and hospital number, to be written
by hand: the calendar never takes identifiers), the regimen and its
sources, the policy, month grids with treatment days marked, the dose
table and the summary. Print CSS sets the paper size, keeps each month and
each table row on one page, and repeats table headers on every page.
"""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from .calendar_render import anthracycline_text, cycle_text, drug_text, summary_rows, treatment_days
from .formatting import format_number
from .render import policy_lines

#: Paper sizes the page is laid out for (CSS @page size keywords).
PAPERS = {"a4": "A4", "letter": "letter"}

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Any:
    """The Jinja2 environment, built once (it caches the compiled template)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _months(report: Any, days: dict[dt.date, list[Any]]) -> list[dict[str, Any]]:
    if not days:
        return []
    first, last = min(min(days), report.start), max(days)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                lines = days.get(day, [])
                cells.append(
                    {
                        "day": day.day if day.month == month else "",
                        "treatment": bool(lines) and day.month == month,
                        "flagged": any(line.non_working and not line.moved for line in lines)
                        and day.month == month,
                        "weekend": day.weekday() >= 5,
                        "title": ", ".join(drug_text(line) for line in lines),
                    }
                )
            weeks.append(cells)
        legend = [
            {
                "day": d.day,
                "weekday": d.strftime("%a"),
                "cycle": cycle_text(days[d]),
                "drugs": ", ".join(drug_text(line) for line in days[d]),
            }
            for d in sorted(x for x in days if (x.year, x.month) == (year, month))
        ]
        months.append(
            {"title": f"{stdcal.month_name[month]} {year}", "weeks": weeks, "legend": legend}
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def calendar_html(report: Any, paper: str = "a4", generated: dt.date | None = None) -> str:
    """The report as one HTML page for ``paper`` (a4 or letter)."""
    from .errors import InputError
    from .governance import banner, review_text
    from .provenance import text_lines

    if paper.lower() not in PAPERS:
        raise InputError(f"--paper '{paper}': choose a4 or letter")
    days = dict(treatment_days(report))
    patient = None
    if report.patient is not None:
        p, bsa = report.patient, report.bsa
        patient = {
            "height": f"{format_number(p.height_cm)} cm",
            "weight": f"{format_number(p.weight_kg)} kg",
            "bsa": f"{format_number(bsa.value_m2, 4)} m² ({bsa.formula}{', capped' if bsa.capped else ''})",
            "notes": list(p.notes) + [f"OVERRIDE: {o}" for o in p.overrides],
        }
    rows = [
        {
            "date": line.date.isoformat(),
            "weekday": line.weekday[:3],
            "phase": line.administration.phase,
            "cycle": line.administration.cycle,
            "course_cycle": line.course_cycle,
            "day": line.administration.day,
            "drug": line.administration.drug,
            "dose": line.dose_text,
            "kind": line.administration.kind,
            "notes": list(line.administration.notes),
            "loading": line.administration.kind == "loading",
            "flagged": bool(line.non_working),
        }
        for line in report.lines
    ]
    summary, summary_headers = summary_rows(report)
    policy = policy_lines(report.policy)
    context = {
        "paper": PAPERS[paper.lower()],
        "regimen": report.regimen,
        "start": report.start.isoformat(),
        "end": report.end.isoformat() if report.end else None,
        "patient": patient,
        "policy_title": policy[0],
        "policy_lines": [line.strip() for line in policy[1:]],
        "settings": report.settings_lines(),
        "warnings": list(report.warnings),
        "continues": report.continues,
        "months": _months(report, days),
        "rows": rows,
        "summary": summary,
        "summary_headers": summary_headers,
        "anthracycline": anthracycline_text(report),
        "generated": (generated or dt.date.today()).isoformat(),
        "banner": banner(report.regimen),
        "review": review_text(report.regimen),
        "supportive": [
            {
                "date": item.date.isoformat(),
                "weekday": item.date.strftime("%a"),
                "cycle": f"{item.phase} {item.cycle}",
                "purpose": item.entry.purpose,
                "text": item.text,
            }
            for item in report.supportive
        ],
        "monitoring": [
            {"date": m.date.isoformat(), "weekday": m.date.strftime("%a"), "text": m.text}
            for m in report.monitoring
        ],
        "provenance": text_lines(report.provenance),
    }
    return _environment().get_template("calendar.html").render(**context)
