"""Provenance: the record of what produced an output.

Every output of ``dose`` and ``calendar`` carries a provenance record: the
dosecalc version, the regimen (id, version, review status) and policy ids,
the SHA-256 of the regimen, policy and drug-reference files as loaded, and
the inputs both as given and as interpreted. A printed sheet can so be traced
to exactly what produced it, and ``dosecalc reproduce FILE.json`` re-runs a
JSON output from its recorded inputs and says whether the result is the same
(docs/json.md, "Provenance"; :mod:`dosecalc.commands.reproduce`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from . import __version__
from .paths import drug_reference_file, shipped_dir

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


def _drug_reference_record(path: str | Path | None) -> dict[str, Any]:
    path = path if path is not None else drug_reference_file()
    return {"file": display_path(path), "sha256": file_sha256(path)}


def record(
    command: str,
    regimen: Any,
    policy: Any,
    given: dict[str, Any],
    interpreted: dict[str, Any],
    drug_reference: str | Path | None = None,
) -> dict[str, Any]:
    """The provenance record of one output (``drug_reference``: the drug
    reference file read, None for the shipped one)."""
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
        "drug_reference": _drug_reference_record(drug_reference),
        "inputs": {"given": given, "interpreted": interpreted},
    }
