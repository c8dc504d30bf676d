"""The package's shape: every module imports on its own, imports form no
cycle, and no import runs against the layer table (docs/architecture.md).

The graph is read from the source (ast), every import included, those inside
functions too; only imports under ``if TYPE_CHECKING:`` (types for the
checker, never run) are left out.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import locations
import pytest

PACKAGE = locations.ROOT / "dosecalc"

#: Each module's layer, by its dotted name under ``dosecalc`` (the first
#: matching prefix wins). docs/architecture.md explains each layer.
LAYERS = {
    "cli": "face",
    "web": "face",
    "__main__": "face",
    "api": "commands",
    "commands": "commands",
    "verify": "commands",  # dosecalc verify: the batch engine behind one command
    "datacache": "data",
    "checker": "checker",
    "case": "checker",
    "output": "output",
    "patient": "engine",
    "metrics": "engine",
    "dosing": "engine",
    "schedule": "engine",
    "regimen": "data",
    "policy": "data",
    "drugs": "data",
    "supportive": "data",
    "governance": "data",
    "provenance": "data",
    "yamlio": "data",
    "validation": "data",
    "paths": "data",
    "inputfile": "data",
    "model": "ground",
    "errors": "ground",
    "formatting": "ground",
    "units": "ground",
    "limits": "ground",
    "vocabulary": "ground",
    "textfold": "ground",
    "": "ground",  # dosecalc/__init__.py: the version
}

#: The layers each layer may import (besides its own).
MAY_USE = {
    "face": {"commands", "output", "ground"},
    "commands": {"checker", "engine", "data", "ground"},
    "checker": {"engine", "data", "ground"},
    "output": {"ground"},
    "engine": {"data", "ground"},
    "data": {"ground"},
    "ground": set(),
}

#: Imports against the table, each with its reason.
EXCEPTIONS = {
    # verify writes its results chunk by chunk while it computes them, so that
    # memory does not grow with the input: it streams through the atomic writer.
    ("verify.io", "output.files"),
    # reproduce compares two JSON outputs, so it renders them.
    ("commands.reproduce", "output.text"),
    ("commands.reproduce", "output.calendar"),
}


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


MODULES = module_names()


def layer(name: str) -> str:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + ".") or not prefix:
            return LAYERS[prefix]
    raise AssertionError(
        f"module {name} has no layer: add it to LAYERS here and to docs/architecture.md"
    )


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imported_modules(name: str) -> set[str]:
    """The package's modules that module ``name`` imports."""
    path = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    is_package = path.is_dir()
    source = path / "__init__.py" if is_package else path.with_suffix(".py")
    package = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _imports(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            bases = [a.name for a in node.names]
            bases = [
                b.removeprefix("dosecalc").lstrip(".")
                for b in bases
                if b.split(".")[0] == "dosecalc"
            ]
            candidates = bases
        else:
            if node.level == 0:
                if not node.module or node.module.split(".")[0] != "dosecalc":
                    continue
                base = node.module.removeprefix("dosecalc").lstrip(".")
            else:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            # "from .commands import dose" imports the submodule commands.dose.
            candidates = [f"{base}.{a.name}" if base else a.name for a in node.names] + [base]
        for candidate in candidates:
            if candidate in MODULES and candidate != name:
                targets.add(candidate)
                break
    return targets


GRAPH = {name: imported_modules(name) for name in MODULES}


def test_every_module_has_a_layer():
    for name in MODULES:
        assert layer(name) in MAY_USE


def test_no_import_runs_against_the_layers():
    wrong = [
        f"{name} ({layer(name)}) imports {target} ({layer(target)})"
        for name, targets in GRAPH.items()
        for target in sorted(targets)
        if layer(target) != layer(name)
        and layer(target) not in MAY_USE[layer(name)]
        and (name, target) not in EXCEPTIONS
    ]
    assert wrong == []


def test_the_import_graph_has_no_cycle():
    # A package's __init__ is imported with each of its modules; an import of
    # the package itself from inside it is not a cycle of interest.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                walk(target, [*trail, target])
        state[node] = 2

    for name in MODULES:
        if name not in state:
            walk(name, [name])
    assert cycles == []


def test_the_engine_and_data_never_import_checker_output_or_commands():
    lower = {"engine", "data", "ground"}
    upper = {"checker", "output", "commands", "face"}
    wrong = [
        (name, target)
        for name, targets in GRAPH.items()
        for target in targets
        if layer(name) in lower and layer(target) in upper and (name, target) not in EXCEPTIONS
    ]
    assert wrong == []


def test_the_graph_reader_sees_imports_inside_functions():
    # cli imports each command's module inside the command's function.
    assert {"commands.dose", "output.text", "output.calendar"} <= GRAPH["cli"]
    # output.calendar imports the iCalendar and HTML renderers at format dispatch.
    assert {"output.ics", "output.html"} <= GRAPH["output.calendar"]


@pytest.mark.parametrize("name", [m for m in MODULES if m != "__main__"])  # __main__ runs the CLI
def test_every_module_imports_first_in_a_fresh_interpreter(name):
    dotted = f"dosecalc.{name}" if name else "dosecalc"
    result = subprocess.run(
        [sys.executable, "-c", f"import {dotted}"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
