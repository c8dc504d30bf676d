"""Turning reports into text: tables for people, JSON and CSV for programs.

Every dose printed here goes through ``dosecalc.formatting`` (ISMP rules).
The JSON field names are a contract other tools read: change them only
with care (see docs/json.md).
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, Any

from ..formatting import UNIT_LABELS, format_amount, format_number, format_percent, json_number
from ..model import BASIS_UNITS, DoseLine, times_per_day_text
from .calendar import render as render_calendar
from .common import (
    banner_lines,
    csv_comment,
    csv_text,
    governance_json,
    monitoring_json,
    override_notes,
    override_text,
    patient_json,
    patient_lines,
    policy_json,
    policy_lines,
    regimen_json,
    review_text,
    supportive_json,
    supportive_lines_text,
    text_lines,
    text_table,
    to_json,
)

if TYPE_CHECKING:
    from ..checker.check import CheckReport
    from ..commands.bsa import BsaReport
    from ..commands.demo import DemoReport
    from ..commands.dose import DoseReport, WeightChange
    from ..commands.regimens import RegimenSummary
    from ..model import Regimen
    from ..patient import BsaResult


FORMATS = ("table", "json", "csv")


# -- bsa -----------------------------------------------------------------------


def bsa_output(report: BsaReport, fmt: str) -> str:
    p = report.patient
    rows = [
        {
            "formula": r.formula,
            "bsa_m2": json_number(r.value_m2, 4),
            "raw_bsa_m2": json_number(r.raw_m2, 4),
            "capped": r.capped,
            "expression": r.expression,
        }
        for r in report.results
    ]
    if fmt == "json":
        data: dict[str, Any] = {
            "height_cm": json_number(p.height_cm, 2),
            "weight_kg": json_number(p.weight_kg, 2),
            "bmi_kg_m2": json_number(report.bmi, 1),
            "notes": list(p.notes) + override_notes(p),
            "overrides": list(p.overrides),
        }
        if len(rows) == 1:
            data.update(rows[0])
        else:
            data["results"] = rows
        return to_json(data)
    if fmt == "csv":
        return csv_text([row | {"override": override_text(p)} for row in rows])
    head = f"height {format_number(p.height_cm)} cm, weight {format_number(p.weight_kg)} kg, BMI {format_number(report.bmi, 1)} kg/m²"
    lines = [head] + [f"  note: {n}" for n in p.notes] + [f"  {o}" for o in override_notes(p)]
    table = text_table(
        [
            [
                r.formula,
                format_amount(r.value_m2, "m2", 2),
                format_number(r.raw_m2, 4) + (" (capped)" if r.capped else ""),
                r.expression,
            ]
            for r in report.results
        ],
        ["formula", "BSA", "unrounded m²", "expression"],
    )
    return "\n".join(lines) + "\n\n" + table


# -- dose ----------------------------------------------------------------------


def _dose_json(line: DoseLine) -> dict[str, Any]:
    return {
        "phase": line.phase,
        "cycle": line.cycle,
        "cycles": line.cycles_text,
        "day": line.day,
        "drug": line.drug,
        "route": line.route,
        "kind": line.kind,
        "basis": line.basis,
        "dose_per_unit": json_number(line.per_unit, 4),
        "dose_unit": UNIT_LABELS[line.per_unit_unit],
        "metric": line.metric_name or None,
        "metric_value": json_number(line.metric_value, 4),
        "calculated_mg": json_number(line.calculated_mg, 2),
        "reduction_pct": json_number(line.reduction_pct, 1),
        "cap_mg": json_number(line.cap_mg, 2),
        "capped": line.capped,
        "dose_mg": json_number(line.final_mg, 2),
        "difference_pct": json_number(line.difference_pct, 1),
        "rounding": line.rounding_note,
        "infusion": line.infusion,
        "times_per_day": line.times_per_day,
        "reason": line.reason,
        "caution": line.caution,
        "derivation": list(line.derivation),
    }


def _weight_change_json(change: WeightChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "previous_kg": json_number(change.previous_kg, 2),
        "current_kg": json_number(change.current_kg, 2),
        "change_pct": json_number(change.change_pct, 1),
        "threshold_pct": json_number(change.threshold_pct, 1),
        "recalculate": change.recalculate,
    }


def _metric_text(line: DoseLine) -> str:
    """The patient measurement a dose was calculated on ("flat" when none)."""
    value = line.metric_value
    if value is None:  # a flat dose: no metric
        return "flat"
    if line.metric_name == "BSA":
        return f"BSA {format_number(value, 4)} m²"
    if line.metric_name == "weight":
        return f"{format_number(value, 2)} kg"
    if line.metric_name == "GFR":
        return f"GFR {format_number(value, 1)} mL/min"
    return "flat"


def dose_json(report: DoseReport) -> dict[str, Any]:
    phases = list(dict.fromkeys(line.phase for line in report.lines))
    return {
        "regimen": regimen_json(report.regimen) | governance_json(report.regimen),
        "policy": policy_json(report.policy),
        "patient": patient_json(report.patient, report.bsa),
        "scope": report.scope,
        "weight_change": _weight_change_json(report.weight_change),
        "doses": [_dose_json(line) for line in report.lines],
        "supportive": supportive_json(report.regimen, phases),
        "monitoring": monitoring_json(report.regimen),
        "provenance": report.provenance,
    }


#: The columns of the dose table (the command line's and the web page's).
DOSE_HEADERS = (
    "phase",
    "cycles",
    "drug",
    "kind",
    "dose",
    "basis",
    "calculated",
    "final",
    "diff",
    "infusion",
    "note",
)


def dose_row(line: DoseLine, bsa: BsaResult) -> list[str]:
    """One dose line as the printed cells of :data:`DOSE_HEADERS`."""
    note = line.rounding_note if abs(line.difference_pct) >= 0.05 else ""
    if line.capped and line.cap_mg is not None:
        note = f"capped at {format_amount(line.cap_mg, 'mg')}; {note}"
    if line.reduction_pct:
        absorbed = (
            " (absorbed by the cap: check)"
            if line.capped and line.cap_mg is not None and line.modified_mg > line.cap_mg
            else ""
        )
        note = f"reduced {format_number(line.reduction_pct)}%{absorbed}; {note}"
    if line.basis == "bsa" and bsa.capped:
        full = line.per_unit * bsa.uncapped_m2
        note = f"BSA cap: {format_percent((line.calculated_mg - full) / full * 100, 0)} vs {format_amount(full, 'mg')} uncapped; {note}"
    return [
        line.phase,
        line.cycles_text,
        line.drug,
        line.kind,
        " ".join(
            filter(
                None,
                (
                    format_amount(line.per_unit, line.per_unit_unit, 4),
                    times_per_day_text(line.times_per_day),
                ),
            )
        ),
        _metric_text(line),
        format_amount(line.calculated_mg, "mg"),
        format_amount(line.final_mg, "mg"),
        format_percent(line.difference_pct),
        line.infusion or "",
        (("CAUTION (below); " if line.caution else "") + note).strip("; "),
    ]


def dose_cautions(report: DoseReport) -> list[tuple[str, str]]:
    """Each drug's caution once, (drug, text), in the order of the table."""
    return list(dict.fromkeys((line.drug, line.caution) for line in report.lines if line.caution))


def dose_output(report: DoseReport, fmt: str, explain: bool = False) -> str:
    if fmt == "json":
        return to_json(dose_json(report))
    if fmt == "csv":
        body = csv_text(
            [
                {k: v for k, v in _dose_json(line).items() if k != "derivation"}
                | {"override": override_text(report.patient)}
                for line in report.lines
            ]
        )
        return csv_comment(report.provenance) + "\n" + body
    rows = [dose_row(line, report.bsa) for line in report.lines]
    out = banner_lines(report.regimen)
    out += [
        f"Regimen: {report.regimen.id} ({report.regimen.name}); {review_text(report.regimen)}",
        f"Scope: {report.scope}",
    ]
    out += patient_lines(report.patient, report.bsa)
    if report.weight_change is not None:
        flag = "RECALCULATE: " if report.weight_change.recalculate else ""
        out.append(f"  {flag}{report.weight_change.describe(report.policy.id)}")
    out.append("")
    out.append(text_table(rows, list(DOSE_HEADERS)))
    cautions = dose_cautions(report)
    if cautions:
        out.append("")
        out += [f"CAUTION, {drug}: {text}" for drug, text in cautions]
    if explain:
        out.append("")
        for line in report.lines:
            out.append(f"{line.drug}, {line.phase} cycle {line.cycles_text} ({line.kind}):")
            out += [f"  {step}" for step in line.derivation]
            if line.reason:
                out.append(f"  {line.reason}")
    supportive = supportive_lines_text(
        report.regimen, list(dict.fromkeys(line.phase for line in report.lines))
    )
    if supportive:
        out += ["", "Premedication, supportive care and monitoring (regimen data):"]
        out += [f"  {line}" for line in supportive]
    out.append("")
    out += policy_lines(report.policy)
    out.append("Sources: " + "; ".join(f"[{s.id}] {s.citation}" for s in report.regimen.sources))
    out += [""] + text_lines(report.provenance)
    return "\n".join(out)


# -- regimens ------------------------------------------------------------------


def regimen_list_output(summaries: list[RegimenSummary], fmt: str) -> str:
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "setting": s.setting,
            "phases": s.phases,
            "version": s.version,
            "status": s.status,
            "last_reviewed": s.last_reviewed,
        }
        for s in summaries
    ]
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return csv_text(rows)
    return text_table(
        [
            [r["id"], r["name"], r["setting"], r["version"], r["status"], r["last_reviewed"] or ""]
            for r in rows
        ],
        ["id", "name", "setting", "version", "status", "last reviewed"],
    )


def regimen_show_output(regimen: Regimen, fmt: str) -> str:
    def dose_text(entry: Any) -> str:
        unit = BASIS_UNITS[entry.basis]
        if entry.standard:
            text = format_amount(entry.standard.per_unit, unit, 4)
        else:
            text = f"{format_amount(entry.loading.per_unit, unit, 4)} loading, then {format_amount(entry.maintenance.per_unit, unit, 4)}"
        often = times_per_day_text(entry.times_per_day)
        return f"{text} {often}" if often else text

    def levels_json(entry: Any) -> dict[str, Any] | None:
        if entry.dose_levels is None:
            return None
        start = entry.starting_step.per_unit
        return {
            "levels": [
                {
                    "level": -(i + 1),
                    "dose": format_amount(level.per_unit(start), BASIS_UNITS[entry.basis], 4),
                    "dose_per_unit": json_number(level.per_unit(start), 4),
                    "percent": json_number(level.percent, 2),
                }
                for i, level in enumerate(entry.dose_levels.levels)
            ],
            "source": entry.dose_levels.source,
        }

    phases: list[dict[str, Any]] = []
    for phase in regimen.phases:
        drugs = [
            {
                "drug": e.drug,
                "route": e.route,
                "basis": e.basis,
                "dose": dose_text(e),
                "days": list(e.days),
                "cycles": list(e.cycles) if e.cycles else None,
                "max_dose_mg": json_number(e.max_dose_mg, 2),
                "reload_rule": e.reload_rule,
                "times_per_day": e.times_per_day,
                "dose_levels": levels_json(e),
                "caution": e.caution,
                "sources": list(e.sources),
            }
            for e in phase.drugs
        ]
        phases.append(
            {
                "id": phase.id,
                "name": phase.name,
                "cycle_length_days": phase.cycle_length_days,
                "cycles": phase.cycles.describe(),
                "drugs": drugs,
            }
        )
    data = (
        regimen_json(regimen)
        | {
            "setting": regimen.setting,
            "aliases": list(regimen.aliases),
            "phases": phases,
            "course_limits": [
                {"drug": c.drug, "duration_days": c.duration_days, "source": c.source}
                for c in regimen.course_limits
            ],
            "notes": list(regimen.notes),
            "file": regimen.path,
            "supportive": supportive_json(regimen),
            "monitoring": monitoring_json(regimen),
        }
        | governance_json(regimen)
    )
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        return csv_text(
            [
                {
                    "phase": p["id"],
                    **{k: v for k, v in d.items() if k != "dose_levels"},
                    "dose_levels": "; ".join(
                        level["dose"] for level in (d["dose_levels"] or {}).get("levels", [])
                    ),
                }
                for p in phases
                for d in p["drugs"]
            ]
        )
    out = banner_lines(regimen)
    out += [f"{regimen.id}: {regimen.name}", f"setting: {regimen.setting}", review_text(regimen)]
    if regimen.aliases:
        out.append(f"also known as: {', '.join(regimen.aliases)}")
    for p in phases:
        out.append("")
        out.append(
            f"Phase {p['id']}: {p['name']}, every {p['cycle_length_days']} days, {p['cycles']}"
        )
        out.append(
            text_table(
                [
                    [
                        d["drug"],
                        d["route"],
                        d["dose"],
                        ", ".join(map(str, d["days"])),
                        ", ".join(d["sources"]),
                    ]
                    for d in p["drugs"]
                ],
                ["drug", "route", "dose", "days", "sources"],
            )
        )
        for d in p["drugs"]:
            if d["dose_levels"]:
                steps = ", then ".join(level["dose"] for level in d["dose_levels"]["levels"])
                out.append(
                    f"  {d['drug']} documented dose reductions: {steps} [{d['dose_levels']['source']}]"
                )
    for limit in regimen.course_limits:
        out.append(
            f"\nCourse limit: {limit.drug} stops {format_number(limit.duration_days / 7)} weeks after its first dose [{limit.source}]"
        )
    supportive = supportive_lines_text(regimen)
    if supportive:
        out.append("\nPremedication, supportive care and monitoring:")
        out += [f"  {line}" for line in supportive]
    if regimen.notes:
        out.append("\nNotes:")
        out += [f"  - {n}" for n in regimen.notes]
    out.append("\nSources:")
    out += [f"  [{s.id}] {s.citation}" + (f" <{s.url}>" if s.url else "") for s in regimen.sources]
    return "\n".join(out)


# -- check ---------------------------------------------------------------------


def check_output(report: CheckReport, fmt: str) -> str:
    findings = [f.as_dict() for f in report.findings]
    if fmt == "json":
        return to_json(
            {
                "case": {
                    "id": report.case.id,
                    "title": report.case.title,
                    "file": report.case.path,
                },
                "policy": policy_json(report.policy),
                "summary": {
                    s: sum(1 for f in report.findings if f.severity == s)
                    for s in ("error", "warning", "info")
                },
                "identified": [
                    {
                        "treatment": i.treatment.id,
                        "regimen": i.regimen.id if i.regimen else None,
                        "phase": i.phase.id if i.phase else None,
                        "drugs": i.drugs,
                    }
                    for i in report.identified
                ],
                "extracted": [_statement_json(s) for s in report.extracted],
                "findings": findings,
            }
        )
    if fmt == "csv":
        return csv_text(findings)
    out = [f"Case: {report.case.title}" + (f" ({report.case.path})" if report.case.path else "")]
    if report.extracted:
        out.append("")
        out.append("Read from the text:")
        out += [f"  - {_statement_text(s)}" for s in report.extracted]
    out.append("")
    out.append("Treatments as identified:")
    for i in report.identified:
        where = (
            f"{i.regimen.id} phase {i.phase.id}" if i.regimen and i.phase else "no library regimen"
        )
        names = ", ".join(f"{w} → {d}" if w.lower() != d else d for w, d in i.drugs.items())
        out.append(f"  {i.treatment.id}: {names or 'no drug recognised'} ({where})")
    by_treatment: dict[str, list[Any]] = {}
    for f in report.findings:
        by_treatment.setdefault(f.treatment or "whole course", []).append(f)
    for treatment, items in by_treatment.items():
        out.append("")
        out.append(f"{treatment}:")
        rows = []
        for f in items:
            rows.append(
                [
                    f.severity.upper(),
                    f.code,
                    f.drug or "",
                    "\n".join(textwrap.wrap(f.message, 72)),
                    "\n".join(textwrap.wrap(_short_source(f.source), 30)),
                ]
            )
        out.append(text_table(rows, ["severity", "code", "drug", "finding", "source"]))
    counts = {
        s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")
    }
    out.append("")
    out.append(
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s); policy {report.policy.id}"
    )
    return "\n".join(out)


def _short_source(source: str) -> str:
    """A citation trimmed for a table column (JSON keeps it whole): the
    parenthesised details of each source are left out."""
    depth, kept = 0, []
    for char in source:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    # A removed "(...)" must not leave a space before the punctuation after it.
    text = re.sub(r"\s+([.,:])", r"\1", "".join(kept))
    parts = [" ".join(part.split()).strip(" ,") for part in text.split(";")]
    return "; ".join(dict.fromkeys(p for p in parts if p))


def _statement_json(read: Any) -> dict[str, Any]:
    """One treatment as read from a free text: its drugs (dose, maintenance
    dose, own frequency), shared frequency, count, duration, dates, and where
    it was read (the clause and its character span)."""

    def when(mention: Any) -> str | None:
        return mention.text if mention is not None else None

    return {
        "text": read.text,
        "span": list(read.span),
        "drugs": [
            {
                "written": d.written,
                "drug": d.drug_id,
                "misspelled": d.name.misspelled,
                "dose": d.dose.text if d.dose else None,
                "maintenance": d.maintenance.text if d.maintenance else None,
                "frequency": d.frequency.spelled_out() if d.frequency else None,
                "route": d.route,
            }
            for d in read.drugs
        ],
        "frequency": read.frequency.text if read.frequency else None,
        "cycles": read.cycles.text if read.cycles else None,
        "duration": read.duration.text if read.duration else None,
        "start": when(read.start),
        "end": when(read.end),
        "given": [d.text for d in read.given],
        "continued": read.continued,
    }


def _statement_text(read: Any) -> str:
    data = _statement_json(read)
    parts = []
    for d in data["drugs"]:
        item = d["written"] + (
            f" (= {d['drug']}, misspelled)"
            if d["misspelled"]
            else (f" (= {d['drug']})" if d["written"].lower() != d["drug"] else "")
        )
        if d["dose"]:
            item += f" {d['dose']}"
        if d["maintenance"]:
            item += f" then {d['maintenance']}"
        if d["frequency"] and not data["frequency"]:
            item += f" ({d['frequency']})"
        parts.append(item)
    text = ", ".join(parts) if parts else "(no drug)"
    for key in ("frequency", "cycles", "duration", "start", "end"):
        if data[key]:
            text += f"; {key}: {data[key]}"
    if data["given"]:
        text += f"; also given: {', '.join(data['given'])}"
    if data["continued"]:
        text += "; continues an earlier line"
    start, end = data["span"]
    return f"{text}  [characters {start}-{end}]"


# -- demo ----------------------------------------------------------------------


def demo_output(demo: DemoReport) -> str:
    """The case report's regimens for the example patient, its THP calendar,
    and the check of the case report, one after the other."""
    rule = "=" * 100
    patient = ", ".join(f"{key} {value}" for key, value in demo.patient.items())
    out = [
        rule,
        "dosecalc demo: the seed case report (HER2-positive breast cancer, AC -> weekly paclitaxel-trastuzumab,",
        "then docetaxel-trastuzumab-pertuzumab at relapse) for an EXAMPLE patient: "
        + patient
        + ".",
        "The case report gives no height or weight; these are illustrative values, not the patient's.",
        rule,
    ]
    step = 0
    for report in demo.doses:
        step += 1
        out += [
            "",
            rule,
            f"{step}. Doses: dosecalc dose {report.regimen.id} --height 165 --weight 62",
            rule,
            dose_output(report, "table"),
        ]
    out += [
        "",
        rule,
        f"{step + 1}. Calendar: dosecalc calendar thp --start 2016-01-19 --cycles 8 --height 165 --weight 62 --prior-anthracycline '240 mg/m2'",
        rule,
    ]
    out.append(render_calendar(demo.calendar, "table"))
    out += [
        "",
        rule,
        f"{step + 2}. Check of the case report: dosecalc check seeds/case-report.yaml",
        rule,
        check_output(demo.check, "table"),
    ]
    return "\n".join(out)
