"""``dosecalc reproduce``: re-run a JSON output of ``dose`` or ``calendar``
from the inputs its provenance record gives, and compare.

The one command that uses an output format: the comparison is between two
JSON outputs, so it calls the JSON renderers of :mod:`dosecalc.output`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..output.calendar import calendar_json
from ..output.text import dose_json
from ..provenance import KEY
from .calendar import calendar_course
from .dose import dose_course


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
        return dose_json(dose_course(regimen, **given))
    if prov["command"] == "calendar":
        start = given.pop("start")
        return calendar_json(calendar_course(regimen, start, **given))
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


def run(path: str) -> Reproduction:
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
