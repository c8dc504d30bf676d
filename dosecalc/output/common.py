"""What the renderers share: tables, CSV and JSON text, the patient, policy,
governance and provenance lines, and the pieces of a calendar that the table,
iCalendar and HTML outputs all print.

Every number goes through :mod:`dosecalc.formatting` (ISMP). Nothing here
computes: each function takes a report (or a part of one) and returns text or
JSON-ready data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..formatting import format_amount, format_number, json_number
from ..model import Patient, Policy, Regimen

if TYPE_CHECKING:
    from ..commands.calendar import AnthracyclineTotal, CalendarLine, CalendarReport
    from ..patient import BsaResult

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def text_table(rows: list[list[Any]], headers: list[str]) -> str:
    """``rows`` in columns under ``headers``: tabulate's "simple" table, every
    cell as text, left-aligned, each column two wider than its header at least.

    A table of plain text, one terminal column per character, is laid out
    here: that is every dose table, and it spares ``dosecalc dose`` the import
    of tabulate (about 4 ms, a tenth of what dosecalc adds to Pint's start-up).
    Any other cell (a line break, an escape sequence, a wide or combining
    character) goes to tabulate, which measures such text on a terminal."""
    texts = [[_text(value) for value in row] for row in rows]
    simple = bool(headers) and all(len(row) == len(headers) for row in texts)
    if not simple or not all(map(_one_column_each, chain(headers, *texts))):
        from tabulate import tabulate

        return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    cells = [[text.strip() for text in row] for row in texts]
    widths = [
        max([len(header) + 2, *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)
    ]
    lines = [headers, ["-" * width for width in widths], *cells]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _text(value: Any) -> str:
    """A cell as tabulate writes it with numbers left as they are (bytes are
    left to tabulate: "\0" is never printable)."""
    if value is None:
        return ""
    return "\0" if isinstance(value, bytes) else f"{value}"


def _one_column_each(text: str) -> bool:
    """Whether every character of ``text`` takes one column on a terminal
    however measured: printable, before the combining marks (U+0300)."""
    return text.isprintable() and (text.isascii() or max(text) < "\u0300")


def csv_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "; ".join(v) if isinstance(v, (list, tuple)) else v for k, v in row.items()}
        )
    return out.getvalue().rstrip("\n")


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def override_notes(patient: Patient | None) -> list[str]:
    """The patient's overridden plausibility checks, each marked OVERRIDE so
    that no format (table, JSON, CSV, iCalendar, HTML) loses the mark."""
    return [f"OVERRIDE: {o}" for o in patient.overrides] if patient is not None else []


def override_text(patient: Patient | None) -> str:
    """The override marks as one CSV field ("" when none)."""
    return "; ".join(override_notes(patient))


def policy_json(policy: Policy) -> dict[str, Any]:
    return {"id": policy.id, "name": policy.name, "settings": policy.summary_lines()}


def regimen_json(regimen: Regimen) -> dict[str, Any]:
    return {
        "id": regimen.id,
        "name": regimen.name,
        "sources": [{"id": s.id, "citation": s.citation, "url": s.url} for s in regimen.sources],
    }


def patient_json(patient: Patient, bsa: BsaResult) -> dict[str, Any]:
    return {
        "height_cm": json_number(patient.height_cm, 2),
        "weight_kg": json_number(patient.weight_kg, 2),
        "sex": patient.sex,
        "age_years": patient.age_years,
        "scr_mg_dl": json_number(patient.scr_mg_dl, 2),
        "measured_gfr_ml_min": json_number(patient.measured_gfr_ml_min, 1),
        "bsa_m2": json_number(bsa.value_m2, 4),
        "bsa_formula": bsa.formula,
        "notes": list(patient.notes) + override_notes(patient),
        "overrides": list(patient.overrides),
    }


def patient_lines(patient: Patient, bsa: BsaResult) -> list[str]:
    parts = [
        f"height {format_number(patient.height_cm)} cm",
        f"weight {format_number(patient.weight_kg)} kg",
    ]
    if patient.sex:
        parts.append(patient.sex)
    if patient.age_years is not None:
        parts.append(f"{format_number(patient.age_years)} years")
    if patient.scr_mg_dl is not None:
        parts.append(f"SCr {format_number(patient.scr_mg_dl, 2)} mg/dL")
    if patient.measured_gfr_ml_min is not None:
        parts.append(f"measured GFR {format_number(patient.measured_gfr_ml_min, 1)} mL/min")
    bsa_text = f"BSA {format_number(bsa.value_m2, 4)} m² ({bsa.formula}"
    bsa_text += ", capped)" if bsa.capped else ")"
    lines = [f"Patient: {', '.join(parts)}; {bsa_text}"]
    lines += [f"  note: {n}" for n in patient.notes]
    lines += [f"  {o}" for o in override_notes(patient)]
    return lines


def policy_lines(policy: Policy) -> list[str]:
    return [f"Policy: {policy.id} ({policy.name})"] + [
        f"  {line}" for line in policy.summary_lines()
    ]


def supportive_json(regimen: Regimen, phase_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Each phase's emetogenic risk and supportive care, from the regimen data."""
    sources = {s.id: s.citation for s in regimen.sources}
    out = []
    for phase in regimen.phases:
        if phase_ids is not None and phase.id not in phase_ids:
            continue
        risk = phase.emetogenic_risk
        out.append(
            {
                "phase": phase.id,
                "emetogenic_risk": {
                    "level": risk.level,
                    "note": risk.note,
                    "source": sources.get(risk.source, risk.source),
                }
                if risk
                else None,
                "supportive": [e.as_dict() for e in phase.supportive],
            }
        )
    return out


def monitoring_json(regimen: Regimen) -> list[dict[str, Any]]:
    sources = {s.id: s.citation for s in regimen.sources}
    return [m.as_dict() | {"source": sources.get(m.source, m.source)} for m in regimen.monitoring]


def supportive_lines_text(regimen: Regimen, phase_ids: list[str] | None = None) -> list[str]:
    """Emetogenic risk, premedication and observation per phase, then monitoring."""
    out = []
    for item in supportive_json(regimen, phase_ids):
        risk = item["emetogenic_risk"]
        if risk is None:
            level = "not stated"
        elif risk["note"]:
            level = f"{risk['level']} ({risk['note']})"
        else:
            level = risk["level"]
        head = f"Phase {item['phase']}: emetogenic risk {level}"
        out.append(head)
        for entry in item["supportive"]:
            out.append(f"  {entry['purpose']}: {entry['text']}")
    for rule in regimen.monitoring:
        out.append(f"Monitoring: {rule.describe()}" + (f" ({rule.note})" if rule.note else ""))
    return out


def governance_json(regimen: Regimen) -> dict[str, Any]:
    return {
        "version": regimen.version,
        "status": regimen.status,
        "last_reviewed": regimen.last_reviewed.isoformat() if regimen.last_reviewed else None,
        "reviewed_by": regimen.reviewed_by,
    }


def banner(regimen: Regimen) -> str | None:
    """The line printed above every output of a draft regimen."""
    if regimen.status != "draft":
        return None
    return f"DRAFT REGIMEN: {regimen.id} version {regimen.version} has not been reviewed; check every dose against the source before use"


def banner_lines(regimen: Regimen) -> list[str]:
    """The draft banner as a list of lines: one line, or none."""
    text = banner(regimen)
    return [text] if text else []


def review_text(regimen: Regimen) -> str:
    """``version 1, reviewed 2026-12-01 by ...`` for headers and lists."""
    text = f"version {regimen.version}, {regimen.status}"
    if regimen.last_reviewed:
        text += f" {regimen.last_reviewed.isoformat()}"
    if regimen.reviewed_by:
        text += f" by {regimen.reviewed_by}"
    return text


def text_lines(prov: dict[str, Any] | None) -> list[str]:
    """The record as printed under a table, at the foot of an HTML page and
    in an iCalendar description: every hash in full."""
    if not prov:
        return []
    reg, pol, drugs = prov["regimen"], prov["policy"], prov["drug_reference"]
    review = f"{reg['status']}"
    if reg.get("last_reviewed"):
        review += f" {reg['last_reviewed']}"
    if reg.get("reviewed_by"):
        review += f" by {reg['reviewed_by']}"
    given = ", ".join(
        f"{key} {_value_text(value)}"
        for key, value in prov["inputs"]["given"].items()
        if value not in (None, [], {}, False)
    )
    return [
        f"Provenance: dosecalc {prov['dosecalc_version']} {prov['command']}; regimen {reg['id']} version {reg['version']} ({review}); policy {pol['id']}",
        f"  regimen file {reg['file']} sha256 {reg['sha256']}",
        f"  policy file {pol['file']} sha256 {pol['sha256']}",
        f"  drug reference {drugs['file']} sha256 {drugs['sha256']}",
        f"  inputs as given: {given}",
        "  inputs as interpreted: " + json.dumps(prov["inputs"]["interpreted"], ensure_ascii=False),
    ]


def _value_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def csv_comment(prov: dict[str, Any] | None) -> str:
    """The record as ``#`` comment lines for the head of a CSV file."""
    return "\n".join(f"# {line}" for line in text_lines(prov))


# -- calendar reports (table, iCalendar, HTML) ------------------------------------------


def treatment_days(report: CalendarReport) -> list[tuple[dt.date, list[CalendarLine]]]:
    """The report's lines grouped by date, in date order."""
    days: dict[dt.date, list[Any]] = {}
    for line in report.lines:
        days.setdefault(line.date, []).append(line)
    return sorted(days.items())


def drug_text(line: CalendarLine) -> str:
    """``pertuzumab 840 mg (loading)``; without a patient ``docetaxel 75 mg/m²``."""
    kind = line.administration.kind
    return f"{line.administration.drug} {line.dose_text}" + (
        f" ({kind})" if kind != "standard" else ""
    )


def cycle_text(lines: list[CalendarLine]) -> str:
    """``THP cycle 1 day 1`` for the lines of one treatment day."""
    seen: list[str] = []
    for line in lines:
        a = line.administration
        text = f"{a.phase} cycle {a.cycle} day {a.day}"
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def anthracycline_text(report: CalendarReport) -> str:
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


def _not_counted_text(total: AnthracyclineTotal) -> str:
    return "".join(
        f" NOT COUNTED: {drug} is an anthracycline given in this course ({why})."
        for drug, why in total.not_counted
    )


def summary_rows(report: CalendarReport) -> tuple[list[list[str]], list[str]]:
    rows = []
    for t in report.drug_totals:
        kinds = ", ".join(
            f"{n} {k}" for n, k in ((t.loading, "loading"), (t.maintenance, "maintenance")) if n
        )
        row = [t.drug, str(t.count), kinds, short_day(t.first), short_day(t.last)]
        if report.patient is not None:
            row.append(format_amount(t.total_mg or 0, "mg"))
        rows.append(row)
    headers = ["drug", "administrations", "of which", "first", "last"] + (
        ["total planned"] if report.patient is not None else []
    )
    return rows, headers


def short_day(day: dt.date) -> str:
    return f"{WEEKDAY_SHORT[day.weekday()]} {day.isoformat()}"
