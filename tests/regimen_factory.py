"""Small regimen files for tests, written to a temporary folder.

The shipped library only has breast regimens; the engine's cap, AUC and
validation paths need drugs and shapes it does not contain. These builders
write minimal, valid regimen YAML that a test then adjusts.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = """\
schema_version: 1
id: {id}
name: {name}
setting: any
version: 1
status: reviewed
last_reviewed: 2026-11-01
reviewed_by: test fixture
sources:
  - id: test-source
    citation: Test fixture, not a clinical source
phases:
"""


def write_regimen(
    folder: Path, regimen_id: str, phases_yaml: str, name: str = "Test regimen", extra: str = ""
) -> Path:
    """Write ``<folder>/<regimen_id>.yaml`` with the given ``phases:`` body."""
    text = (
        HEADER.format(id=regimen_id, name=name)
        + textwrap.indent(textwrap.dedent(phases_yaml).strip("\n"), "  ")
        + "\n"
    )
    if extra:
        text += textwrap.dedent(extra)
    path = folder / f"{regimen_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def one_drug_phase(
    drug: str,
    basis: str,
    dose: str,
    *,
    max_dose: str | None = None,
    cycle_length: str = "21 days",
    cycles: int = 4,
) -> str:
    """A single phase with one drug given on day 1."""
    cap = f"\n          max_dose: {max_dose}" if max_dose else ""
    return f"""\
    - id: A
      name: Phase A
      cycle_length: {cycle_length}
      cycles: {cycles}
      drugs:
        - drug: {drug}
          route: IV
          basis: {basis}
          dose: {dose}{cap}
          days: [1]
    """


def vincristine_like(folder: Path) -> Path:
    """Vincristine-like 1.4 mg/m² capped at 2 mg per dose (R-CHOP practice)."""
    return write_regimen(
        folder,
        "vcap",
        one_drug_phase("vincristine", "bsa", "1.4 mg/m2", max_dose="2 mg"),
        name="Capped vinca test",
    )


def carboplatin_auc(folder: Path, auc: str = "AUC 6") -> Path:
    """Carboplatin by Calvert at the given AUC."""
    return write_regimen(
        folder, "carbo", one_drug_phase("carboplatin", "auc", auc), name="Carboplatin AUC test"
    )
