"""The checker's shape: one module per rule under dosecalc/checker/rules/,
each listed in RULES; the engine and the data layer never import from the
checker; the checker's modules import each other without cycles, at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import locations

from dosecalc.checker import rules

PACKAGE = locations.ROOT / "dosecalc"
# The layers below the checker (docs: layers of the package).
ENGINE_AND_DATA = [
    "patient.py",
    "metrics.py",
    "dosing.py",
    "schedule.py",
    "regimen.py",
    "policy.py",
    "drugs.py",
    "yamlio.py",
    "validation.py",
    "paths.py",
    "model.py",
    "errors.py",
    "formatting.py",
    "units.py",
    "vocabulary.py",
    "textfold.py",
]


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at the top of the file) for each relative import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in tree.body:  # "if TYPE_CHECKING:" imports are for annotations only
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            top |= {id(child) for child in node.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = (*parts[:-1], "")  # a package's own level is the package
            package = parts[: -node.level]
            if node.module:
                found.append((".".join((*package, node.module)), id(node) in top))
            else:  # "from . import frequency": the submodules
                found += [(".".join((*package, a.name)), id(node) in top) for a in node.names]
    return found


def test_every_rule_module_is_a_rule():
    modules = {p.stem for p in (PACKAGE / "checker" / "rules").glob("*.py")} - {"__init__"}
    listed = {rule.__module__.rsplit(".", 1)[-1] for rule in rules.RULES}
    assert modules == listed


def test_the_engine_and_data_layers_never_import_the_checker():
    for name in ENGINE_AND_DATA:
        for target, _ in imports_of(PACKAGE / name):
            assert not target.startswith("dosecalc.checker"), (name, target)


def test_the_checker_imports_at_the_top_without_cycles():
    files = [*(PACKAGE / "checker").rglob("*.py"), PACKAGE / "case.py"]
    graph = {}
    for path in files:
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        found = imports_of(path)
        assert all(at_top for _, at_top in found), (module, [t for t, top in found if not top])
        graph[module] = {t for t, _ in found}
    visiting, done = set(), set()

    def visit(module: str, trail: list[str]) -> None:
        assert module not in visiting, " -> ".join([*trail, module])
        if module in done or module not in graph:
            return
        visiting.add(module)
        for target in graph[module]:
            visit(target, [*trail, module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])
