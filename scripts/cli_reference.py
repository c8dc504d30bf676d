"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

    python scripts/cli_reference.py          # rewrite docs/cli.md
    python scripts/cli_reference.py --check  # exit 1 when docs/cli.md is stale

tests/project/test_docs.py runs the check, so a changed option fails the suite until
the reference is regenerated.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from dosecalc.cli import cli

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
HEADER = (
    "# Command-line reference\n\n"
    "Generated from each command's `--help` by `python scripts/cli_reference.py`;\n"
    "a test fails when this page and the program disagree.\n"
)


def _contexts(
    command: click.Command, name: str, parent: click.Context | None
) -> Iterator[click.Context]:
    """Each command's context, chained to its parent's as Click chains them at
    run time (so the group's context settings, like -h, are inherited)."""
    context = command.make_context(name, ["--help"], parent=parent, resilient_parsing=True)
    context.terminal_width = context.max_content_width = 100
    yield context
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(context)):
            sub = command.get_command(context, sub_name)
            if sub is not None and not sub.hidden:
                yield from _contexts(sub, sub_name, context)


def render() -> str:
    parts = [HEADER]
    for context in _contexts(cli, "dosecalc", None):
        parts.append(
            f"\n## `{context.command_path}`\n\n```\n{context.command.get_help(context)}\n```\n"
        )
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/cli.md is stale: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
