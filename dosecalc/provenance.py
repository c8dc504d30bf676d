"""Provenance: what produced an output, and re-running it.

Every output of ``dose`` and ``calendar`` carries a provenance record: the
dosecalc version, the regimen (id, version, review status) and policy ids,
the SHA-256 of the regimen, policy and drug-reference files as loaded, and
the inputs both as given and as interpreted. A printed sheet can so be traced
to exactly what produced it, and ``dosecalc reproduce FILE.json`` re-runs a
JSON output from its recorded inputs and says whether the result is the same
(docs/json.md, "Provenance").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .paths import shipped_dir

#: The JSON key every dose and calendar output carries the record under.
KEY = "provenance"


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def display_path(path: str | Path | None) -> str | None:
    """A shipped data file as ``regimens/ac-th.yaml``; a user's file by its
    full path, so ``reproduce`` finds it from any folder."""
    if path is None:
        return None
    resolved = Path(path).resolve()
    for name in ("regimens", "policies", "drugs"):
        folder = shipped_dir(name).resolve()
        if resolved.parent == folder:
            return f"{name}/{resolved.name}"
    return str(resolved)


def _drug_reference_record() -> dict[str, Any]:
    from .paths import drug_reference_file

    path = drug_reference_file()
    return {"file": display_path(path), "sha256": file_sha256(path)}


def record(
    command: str,
    regimen: Any,
    policy: Any,
    given: dict[str, Any],
    interpreted: dict[str, Any],
) -> dict[str, Any]:
    """The provenance record of one output."""
    from . import __version__

    return {
        "dosecalc_version": __version__,
        "command": command,
        "regimen": {
            "id": regimen.id,
            "version": regimen.version,
            "status": regimen.status,
            "last_reviewed": regimen.last_reviewed.isoformat() if regimen.last_reviewed else None,
            "reviewed_by": regimen.reviewed_by,
            "file": display_path(regimen.path),
            "sha256": regimen.sha256,
        },
        "policy": {
            "id": policy.id,
            "file": display_path(policy.path),
            "sha256": policy.sha256,
        },
        "drug_reference": _drug_reference_record(),
        "inputs": {"given": given, "interpreted": interpreted},
    }


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


# -- dosecalc reproduce ------------------------------------------------------------------------


@dataclass
class Reproduction:
    """The result of re-running a recorded output."""

    file: str
    command: str
    identical: bool
    file_changes: list[str] = field(default_factory=list)  # regimen/policy/drug files now differ
    differences: list[str] = field(default_factory=list)  # output fields that differ
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        verdict = (
            "IDENTICAL: the recorded inputs reproduce the same result"
            if self.identical
            else "DIFFERS: the recorded inputs do not reproduce the same result"
        )
        out = [f"{self.file}: dosecalc {self.command}", verdict]
        out += [f"  file changed: {c}" for c in self.file_changes]
        out += [f"  differs: {d}" for d in self.differences]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)


def _locate(recorded: str | None, kind: str) -> tuple[str | None, tuple[str, ...]]:
    """Where to load a recorded regimen or policy from: (name or path, extra folders)."""
    if recorded is None or recorded.startswith(f"{kind}/"):
        return None, ()
    path = Path(recorded)
    if not path.is_file():
        raise InputError(f"the recorded {kind[:-1]} file '{recorded}' is not there any more")
    return str(path), (str(path.parent),)


def rerun(data: dict[str, Any]) -> dict[str, Any]:
    """Re-run a recorded dose or calendar output from its inputs as given;
    returns the new JSON output."""
    from . import api
    from .calendar_render import calendar_json
    from .render import dose_json

    prov = data[KEY]
    given = dict(prov["inputs"]["given"])
    regimen_file, regimen_dirs = _locate(prov["regimen"].get("file"), "regimens")
    policy_file, _ = _locate(prov["policy"].get("file"), "policies")
    given["regimen_dirs"] = regimen_dirs
    if policy_file:
        given["policy"] = policy_file
    regimen = prov["regimen"]["id"]
    if regimen_file:
        regimen = Path(regimen_file).stem
    given.pop("regimen", None)
    if prov["command"] == "dose":
        return dose_json(api.dose_course(regimen, **given))
    if prov["command"] == "calendar":
        start = given.pop("start")
        return calendar_json(api.calendar_course(regimen, start, **given))
    raise InputError(f"cannot reproduce a '{prov['command']}' output (only dose and calendar)")


def _diff(old: Any, new: Any, path: str, out: list[str], limit: int = 40) -> None:
    if len(out) >= limit:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key, out, limit)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            out.append(f"{path}: {len(old)} items recorded, {len(new)} now")
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            _diff(a, b, f"{path}[{i}]", out, limit)
    elif old != new:
        out.append(
            f"{path}: {json.dumps(old, ensure_ascii=False)} -> {json.dumps(new, ensure_ascii=False)}"
        )


def reproduce(path: str) -> Reproduction:
    """Re-run the JSON output at ``path`` and compare (exit 0 identical, 1 differs)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read '{path}': {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"'{path}' is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get(KEY), dict):
        raise InputError(
            f"'{path}' has no provenance record: give a JSON output of dosecalc dose or calendar"
        )
    prov = data[KEY]
    new = rerun(data)
    new_prov = new[KEY]
    result = Reproduction(path, prov.get("command", "?"), True)
    for part in ("regimen", "policy", "drug_reference"):
        before, after = prov.get(part, {}), new_prov.get(part, {})
        if before.get("sha256") != after.get("sha256"):
            result.file_changes.append(
                f"{part.replace('_', ' ')} {after.get('file')}: sha256 {before.get('sha256')} recorded, {after.get('sha256')} now"
            )
    if prov.get("dosecalc_version") != new_prov.get("dosecalc_version"):
        result.notes.append(
            f"dosecalc {prov.get('dosecalc_version')} recorded, {new_prov.get('dosecalc_version')} now"
        )
    recorded = {k: v for k, v in data.items() if k != KEY}
    now = {k: v for k, v in new.items() if k != KEY}
    _diff(recorded, now, "", result.differences)
    if prov["inputs"].get("interpreted") != new_prov["inputs"].get("interpreted"):
        _diff(
            prov["inputs"].get("interpreted"),
            new_prov["inputs"].get("interpreted"),
            "inputs as interpreted",
            result.differences,
        )
    result.identical = not (result.file_changes or result.differences)
    return result
