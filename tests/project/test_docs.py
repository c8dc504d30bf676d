"""Documentation that cannot drift from the program."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import locations
import pytest
from click.testing import CliRunner

from dosecalc.cli import main

ROOT = locations.ROOT
# The project folders a README example may name by a relative path.
README_INPUTS = ("seeds", "examples", "regimens", "policies", "drugs")


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


# --- README examples ---------------------------------------------------------------------
# Every `$ dosecalc ...` line in a README code block is run, and the lines
# after it (up to the next `$` line or the end of the block) are compared
# with the real output. Only trailing spaces are normalised. An example may
# be abbreviated with "...": a line that is only "..." stands for any number
# of lines, and "..." inside a line for any text within that line. A command
# shown without output must still run (exit 0, or 1 for a check that finds
# errors).


def readme_examples() -> list[tuple[str, list[str]]]:
    """(command line, expected output lines) for every README example."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            if inside:
                blocks.append([])
        elif inside:
            blocks[-1].append(line)
    examples: list[tuple[str, list[str]]] = []
    for lines in blocks:
        if not lines or not lines[0].startswith("$ dosecalc "):
            continue
        for line in lines:
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line.rstrip())
    return examples


def _pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def test_the_readme_has_examples() -> None:
    commands = [command for command, _ in readme_examples()]
    assert len(commands) >= 8
    assert any(c.startswith("dosecalc regimens list") for c in commands)


@pytest.mark.parametrize(
    ("command", "expected"), readme_examples(), ids=[c for c, _ in readme_examples()]
)
def test_readme_example(
    command: str, expected: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The examples name files relative to the project (examples/orders.csv);
    # they run in a scratch folder that links to those, so that a file an
    # example writes (verify -o checked.csv) never lands in the project.
    for name in README_INPUTS:
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command, comments=True)
    assert argv[0] == "dosecalc"
    runner = CliRunner()
    with runner.isolation() as (out, err, _both):
        code = main(argv[1:])
    output = out.getvalue().decode()
    assert "Traceback" not in err.getvalue().decode()
    if not expected:
        assert code in (0, 1, None), err.getvalue().decode()
        return
    assert code in (0, None), err.getvalue().decode()
    actual = "".join(line.rstrip() + "\n" for line in output.splitlines())
    assert _pattern(expected).fullmatch(actual), (
        f"README example is stale: {command}\n--- README\n"
        + "\n".join(expected)
        + "\n--- real output\n"
        + actual
    )
