"""Turning reports into text: tables for people, JSON and CSV for programs.

Every dose printed here goes through ``dosecalc.formatting`` (ISMP rules).
The JSON field names are a contract other tools read: change them only
with care (see docs/json.md).
"""

from __future__ import annotations

from typing import Any

from .formatting import UNIT_LABELS, format_amount, format_number, format_percent
from .model import times_per_day_text

FORMATS = ("table", "json", "csv")


def _table(rows: list[list[Any]], headers: list[str]) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    import csv  # only for --format csv: kept off the table path's start-up
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "; ".join(v) if isinstance(v, (list, tuple)) else v for k, v in row.items()}
        )
    return out.getvalue().rstrip("\n")


def to_json(data: Any) -> str:
    import json  # only for --format json

    return json.dumps(data, indent=2, ensure_ascii=False)


def _r(value: float | None, decimals: int = 2) -> float | int | None:
    """A number for JSON and CSV: rounded half-up, as printed, never a float
    artefact, and a whole number without a trailing ".0" (ISMP: "840", never
    "840.0")."""
    if value is None:
        return None
    rounded = float(format_number(value, decimals).replace(",", ""))
    return int(rounded) if rounded.is_integer() else rounded


# -- bsa -----------------------------------------------------------------------


def override_notes(patient: Any) -> list[str]:
    """The patient's overridden plausibility checks, each marked OVERRIDE so
    that no format (table, JSON, CSV, iCalendar, HTML) loses the mark."""
    return [f"OVERRIDE: {o}" for o in patient.overrides] if patient is not None else []


def override_text(patient: Any) -> str:
    """The override marks as one CSV field ("" when none)."""
    return "; ".join(override_notes(patient))


def bsa_output(report: Any, fmt: str) -> str:
    p = report.patient
    rows = [
        {
            "formula": r.formula,
            "bsa_m2": _r(r.value_m2, 4),
            "raw_bsa_m2": _r(r.raw_m2, 4),
            "capped": r.capped,
            "expression": r.expression,
        }
        for r in report.results
    ]
    if fmt == "json":
        data: dict[str, Any] = {
            "height_cm": _r(p.height_cm, 2),
            "weight_kg": _r(p.weight_kg, 2),
            "bmi_kg_m2": _r(report.bmi, 1),
            "notes": list(p.notes) + override_notes(p),
            "overrides": list(p.overrides),
        }
        if len(rows) == 1:
            data.update(rows[0])
        else:
            data["results"] = rows
        return to_json(data)
    if fmt == "csv":
        return _csv([row | {"override": override_text(p)} for row in rows])
    head = f"height {format_number(p.height_cm)} cm, weight {format_number(p.weight_kg)} kg, BMI {format_number(report.bmi, 1)} kg/m²"
    lines = [head] + [f"  note: {n}" for n in p.notes] + [f"  {o}" for o in override_notes(p)]
    table = _table(
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


def _dose_json(line: Any) -> dict[str, Any]:
    return {
        "phase": line.phase,
        "cycle": line.cycle,
        "cycles": line.cycles_text,
        "day": line.day,
        "drug": line.drug,
        "route": line.route,
        "kind": line.kind,
        "basis": line.basis,
        "dose_per_unit": _r(line.per_unit, 4),
        "dose_unit": UNIT_LABELS[line.per_unit_unit],
        "metric": line.metric_name or None,
        "metric_value": _r(line.metric_value, 4),
        "calculated_mg": _r(line.calculated_mg, 2),
        "reduction_pct": _r(line.reduction_pct, 1),
        "cap_mg": _r(line.cap_mg, 2),
        "capped": line.capped,
        "dose_mg": _r(line.final_mg, 2),
        "difference_pct": _r(line.difference_pct, 1),
        "rounding": line.rounding_note,
        "infusion": line.infusion,
        "times_per_day": line.times_per_day,
        "reason": line.reason,
        "caution": line.caution,
        "derivation": list(line.derivation),
    }


def _weight_change_json(change: Any) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "previous_kg": _r(change.previous_kg, 2),
        "current_kg": _r(change.current_kg, 2),
        "change_pct": _r(change.change_pct, 1),
        "threshold_pct": _r(change.threshold_pct, 1),
        "recalculate": change.recalculate,
    }


def _metric_text(line: Any) -> str:
    if line.metric_name == "BSA":
        return f"BSA {format_number(line.metric_value, 4)} m²"
    if line.metric_name == "weight":
        return f"{format_number(line.metric_value, 2)} kg"
    if line.metric_name == "GFR":
        return f"GFR {format_number(line.metric_value, 1)} mL/min"
    return "flat"


def _policy_json(policy: Any) -> dict[str, Any]:
    return {"id": policy.id, "name": policy.name, "settings": policy.summary_lines()}


def _regimen_json(regimen: Any) -> dict[str, Any]:
    return {
        "id": regimen.id,
        "name": regimen.name,
        "sources": [{"id": s.id, "citation": s.citation, "url": s.url} for s in regimen.sources],
    }


def patient_json(patient: Any, bsa: Any) -> dict[str, Any]:
    return {
        "height_cm": _r(patient.height_cm, 2),
        "weight_kg": _r(patient.weight_kg, 2),
        "sex": patient.sex,
        "age_years": patient.age_years,
        "scr_mg_dl": _r(patient.scr_mg_dl, 2),
        "measured_gfr_ml_min": _r(patient.measured_gfr_ml_min, 1),
        "bsa_m2": _r(bsa.value_m2, 4),
        "bsa_formula": bsa.formula,
        "notes": list(patient.notes) + override_notes(patient),
        "overrides": list(patient.overrides),
    }


def patient_lines(patient: Any, bsa: Any) -> list[str]:
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


def policy_lines(policy: Any) -> list[str]:
    return [f"Policy: {policy.id} ({policy.name})"] + [
        f"  {line}" for line in policy.summary_lines()
    ]


def supportive_json(regimen: Any, phase_ids: list[str] | None = None) -> list[dict[str, Any]]:
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


def monitoring_json(regimen: Any) -> list[dict[str, Any]]:
    sources = {s.id: s.citation for s in regimen.sources}
    return [m.as_dict() | {"source": sources.get(m.source, m.source)} for m in regimen.monitoring]


def supportive_lines_text(regimen: Any, phase_ids: list[str] | None = None) -> list[str]:
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


def governance_json(regimen: Any) -> dict[str, Any]:
    return {
        "version": regimen.version,
        "status": regimen.status,
        "last_reviewed": regimen.last_reviewed.isoformat() if regimen.last_reviewed else None,
        "reviewed_by": regimen.reviewed_by,
    }


def dose_json(report: Any) -> dict[str, Any]:
    phases = list(dict.fromkeys(line.phase for line in report.lines))
    return {
        "regimen": _regimen_json(report.regimen) | governance_json(report.regimen),
        "policy": _policy_json(report.policy),
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


def dose_row(line: Any, bsa: Any) -> list[str]:
    """One dose line as the printed cells of :data:`DOSE_HEADERS`."""
    note = line.rounding_note if abs(line.difference_pct) >= 0.05 else ""
    if line.capped:
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


def dose_cautions(report: Any) -> list[tuple[str, str]]:
    """Each drug's caution once, (drug, text), in the order of the table."""
    return list(dict.fromkeys((line.drug, line.caution) for line in report.lines if line.caution))


def dose_output(report: Any, fmt: str, explain: bool = False) -> str:
    from .governance import banner
    from .provenance import csv_comment, text_lines

    if fmt == "json":
        return to_json(dose_json(report))
    if fmt == "csv":
        body = _csv(
            [
                {k: v for k, v in _dose_json(line).items() if k != "derivation"}
                | {"override": override_text(report.patient)}
                for line in report.lines
            ]
        )
        return csv_comment(report.provenance) + "\n" + body
    rows = [dose_row(line, report.bsa) for line in report.lines]
    from .governance import review_text

    out = [banner(report.regimen)] if banner(report.regimen) else []
    out += [
        f"Regimen: {report.regimen.id} ({report.regimen.name}); {review_text(report.regimen)}",
        f"Scope: {report.scope}",
    ]
    out += patient_lines(report.patient, report.bsa)
    if report.weight_change is not None:
        flag = "RECALCULATE: " if report.weight_change.recalculate else ""
        out.append(f"  {flag}{report.weight_change.describe(report.policy.id)}")
    out.append("")
    out.append(_table(rows, list(DOSE_HEADERS)))
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


def regimen_list_output(summaries: list[Any], fmt: str) -> str:
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
        return _csv(rows)
    return _table(
        [
            [r["id"], r["name"], r["setting"], r["version"], r["status"], r["last_reviewed"] or ""]
            for r in rows
        ],
        ["id", "name", "setting", "version", "status", "last reviewed"],
    )


def regimen_show_output(regimen: Any, fmt: str) -> str:
    from .model import BASIS_UNITS

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
                    "dose_per_unit": _r(level.per_unit(start), 4),
                    "percent": _r(level.percent, 2),
                }
                for i, level in enumerate(entry.dose_levels.levels)
            ],
            "source": entry.dose_levels.source,
        }

    phases = []
    for phase in regimen.phases:
        drugs = [
            {
                "drug": e.drug,
                "route": e.route,
                "basis": e.basis,
                "dose": dose_text(e),
                "days": list(e.days),
                "cycles": list(e.cycles) if e.cycles else None,
                "max_dose_mg": _r(e.max_dose_mg, 2),
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
        _regimen_json(regimen)
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
        return _csv(
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
    from .governance import banner, review_text

    out = [banner(regimen)] if banner(regimen) else []
    out += [f"{regimen.id}: {regimen.name}", f"setting: {regimen.setting}", review_text(regimen)]
    if regimen.aliases:
        out.append(f"also known as: {', '.join(regimen.aliases)}")
    for p in phases:
        out.append("")
        out.append(
            f"Phase {p['id']}: {p['name']}, every {p['cycle_length_days']} days, {p['cycles']}"
        )
        out.append(
            _table(
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


def check_output(report: Any, fmt: str) -> str:
    findings = [f.as_dict() for f in report.findings]
    if fmt == "json":
        return to_json(
            {
                "case": {
                    "id": report.case.id,
                    "title": report.case.title,
                    "file": report.case.path,
                },
                "policy": _policy_json(report.policy),
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
        return _csv(findings)
    import textwrap

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
        out.append(_table(rows, ["severity", "code", "drug", "finding", "source"]))
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
    parts = [" ".join(part.split()).strip(" ,") for part in "".join(kept).split(";")]
    return "; ".join(dict.fromkeys(p for p in parts if p))


def _statement_json(statement: Any) -> dict[str, Any]:
    """What was read from one sentence of a free text."""
    return {
        "text": statement.text,
        "drugs": [
            {
                "written": m.written,
                "drug": m.drug_id,
                "misspelled": m.name.misspelled,
                "dose": m.dose.text if m.dose else None,
                "frequency": m.frequency.spelled_out() if m.frequency else None,
            }
            for m in statement.drugs
        ],
        "frequency": statement.frequency.text if statement.frequency else None,
        "cycles": statement.cycles.text if statement.cycles else None,
        "duration": statement.duration.text if statement.duration else None,
        "dates": [d.text for d in statement.dates],
    }


def _statement_text(statement: Any) -> str:
    data = _statement_json(statement)
    parts = []
    for d in data["drugs"]:
        item = d["written"] + (
            f" (= {d['drug']}, misspelled)"
            if d["misspelled"]
            else (f" (= {d['drug']})" if d["written"].lower() != d["drug"] else "")
        )
        if d["dose"]:
            item += f" {d['dose']}"
        parts.append(item)
    text = ", ".join(parts) if parts else "(no drug)"
    for key in ("frequency", "cycles", "duration"):
        if data[key]:
            text += f"; {key}: {data[key]}"
    if data["dates"]:
        text += f"; dates: {', '.join(data['dates'])}"
    return text


# -- demo ----------------------------------------------------------------------


def demo_output(demo: Any) -> str:
    """The case report's regimens for the example patient, its THP calendar,
    and the check of the case report, one after the other."""
    from .calendar_render import render as render_calendar

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
