"""Documentation that cannot drift from the program."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_every_commands_help() -> None:
    reference = _load_script("cli_reference")
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == reference.render(), (
        "docs/cli.md is stale: run python scripts/cli_reference.py"
    )


def test_cli_reference_lists_every_command() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in ("bsa", "dose", "calendar", "check", "regimens list", "regimens validate"):
        assert f"## `dosecalc {command}`" in written
