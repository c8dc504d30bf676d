"""The declarative field descriptions (validation.Field, Section, Rule) and
their shared readers, on small files written here: each expected problem
(file, line, field path, message) is written out by hand from the file text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import locations
import pytest

from dosecalc.drugs import load_drug_reference
from dosecalc.errors import DataFileError, Problem
from dosecalc.limits import Bound
from dosecalc.policy import load_policy_file
from dosecalc.regimen import load_regimen_file
from dosecalc.validation import (
    DECLARED,
    WRITTEN,
    Checker,
    Field,
    FieldPath,
    Rule,
    Section,
    cited,
    declares_sources,
    list_of,
    one_of,
    section,
    text,
    whole,
    within,
)
from dosecalc.yamlio import load_yaml_text

DOSE = Bound(1.0, 10.0, "mg", "a test range")


def _number(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    """'5 mg' -> 5.0, for the bound tests (a real reader converts units)."""
    try:
        return float(str(value).split()[0])
    except ValueError:
        c.problem(path, f"'{value}' is not a number of mg")
        return None


def _source_ids(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> set[str]:
    return {item for item in c.sequence(value, path) if isinstance(item, str)}


SPEC = Section(
    Field("sources", declares_sources(_source_ids), required=True, default=None),
    Field("name", text, required=True, default=None),
    Field("route", one_of("IV", "PO")),
    Field("dose", within(_number, DOSE), required=True),
    Field("cycles", whole(1, 8), default=4),
    Field("cites", list_of(cited(), non_empty=False), default=[]),
)


def read(spec: Section, yaml_text: str, **options: Any) -> tuple[Any, list[Problem]]:
    data, lines = load_yaml_text(yaml_text, "f.yaml")
    c = Checker("f.yaml", lines)
    result = spec.read(c, data, (), **options)
    return result, c.problems


def test_a_valid_mapping_is_read_field_by_field_with_defaults():
    got, problems = read(
        SPEC, "sources: [label]\nname: ' TC '\nroute: IV\ndose: 5 mg\ncites: [label]\n"
    )
    assert problems == []
    assert got == {
        "sources": {"label"},
        "name": "TC",  # stripped
        "route": "IV",
        "dose": 5.0,
        "cycles": 4,  # the default, read through whole(1, 8)
        "cites": ("label",),
    }


def test_unknown_field_names_the_allowed_ones_at_its_line():
    _, problems = read(SPEC, "sources: [a]\nname: TC\ndose: 5 mg\nroute: IV\nrout: PO\n")
    assert problems == [
        Problem(
            "f.yaml",
            5,
            "rout",
            "unknown field (allowed: cites, cycles, dose, name, route, sources)",
        )
    ]


def test_every_problem_is_reported_at_once_in_reading_order():
    yaml_text = (
        "sources: [label]\n"  # 1
        "name: ''\n"  # 2: empty text
        "route: SC\n"  # 3: not allowed
        "dose: 50 mg\n"  # 4: above 10 mg
        "cycles: 9\n"  # 5: above 8
        "cites: [label, nice]\n"  # 6: nice is not declared
        "colour: red\n"  # 7: unknown
    )
    _, problems = read(SPEC, yaml_text)
    assert problems == [
        Problem(
            "f.yaml",
            7,
            "colour",
            "unknown field (allowed: cites, cycles, dose, name, route, sources)",
        ),
        Problem("f.yaml", 2, "name", "expected text, got text ('')"),
        Problem("f.yaml", 3, "route", "'SC' is not one of: IV, PO"),
        Problem("f.yaml", 4, "dose", "'50 mg' is not between 1 mg and 10 mg: a test range"),
        Problem("f.yaml", 5, "cycles", "9 is more than 8"),
        Problem("f.yaml", 6, "cites[1]", "unknown source 'nice' (declare it under 'sources')"),
    ]
    # The file's error lists them by line, so an author can work down the file.
    with pytest.raises(DataFileError) as caught:
        Checker.raise_if_any(_with(problems))
    assert [p.line for p in caught.value.problems] == [2, 3, 4, 5, 6, 7]


def _with(problems: list[Problem]) -> Checker:
    c = Checker("f.yaml", {})
    c.problems = problems
    return c


def test_a_missing_required_field_is_reported_once_and_not_read():
    # 'dose', 'name' and 'sources' are missing: each is said once, at the
    # mapping; their readers do not add "got nothing" for the same slip.
    got, problems = read(SPEC, "other: 1\n", lenient=False)
    assert problems == [
        Problem(
            "f.yaml",
            1,
            "other",
            "unknown field (allowed: cites, cycles, dose, name, route, sources)",
        ),
        Problem("f.yaml", 1, "", "missing required field 'dose'"),
        Problem("f.yaml", 1, "", "missing required field 'name'"),
        Problem("f.yaml", 1, "", "missing required field 'sources'"),
    ]
    assert got is not None and got["dose"] is None and got["route"] is None


def test_a_value_that_is_not_a_mapping_stops_the_section_unless_lenient():
    inner = Section(Field("formula", one_of("mosteller"), required=True, default=None))
    spec = Section(Field("bsa", section(inner), required=True))
    got, problems = read(spec, "bsa: 2\n")
    assert got == {"bsa": None}
    assert problems == [Problem("f.yaml", 1, "bsa", "expected a mapping, got a number (2)")]

    lenient = Section(Field("bsa", section(inner, lenient=True), required=True))
    got, problems = read(lenient, "bsa: 2\n")
    assert got == {"bsa": {"formula": None}}
    assert problems == [
        Problem("f.yaml", 1, "bsa", "expected a mapping, got a number (2)"),
    ]


def test_nested_citations_see_the_sources_declared_at_the_top():
    drug = Section(Field("source", cited("not in the top-level sources list"), required=True))
    spec = Section(
        Field("sources", declares_sources(_source_ids), required=True),
        Field("drugs", list_of(section(drug)), required=True),
    )
    got, problems = read(spec, "sources: [label]\ndrugs:\n- source: label\n- source: paper\n")
    assert problems == [
        Problem(
            "f.yaml",
            4,
            "drugs[1].source",
            "unknown source 'paper' (not in the top-level sources list)",
        )
    ]
    assert got is not None and got["drugs"] == ({"source": "label"}, {"source": "paper"})


def test_a_required_citation_is_checked_even_when_empty():
    c = Checker("f.yaml", {("source",): 3})
    c.cited(None, ("source",), {"label"}, required=True)
    c.cited(None, ("source",), {"label"})  # optional and empty: already reported as not text
    assert c.problems == [
        Problem("f.yaml", 3, "source", "unknown source None (declare it under 'sources')")
    ]


def test_a_rule_runs_in_its_place_and_sees_the_fields_read_before_it():
    seen: list[tuple[Any, ...]] = []

    def both(c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]) -> Any:
        seen.append((got["a"], got.get("b"), sorted(got[WRITTEN])))
        if "a" in entry and "b" in entry:
            c.problem(path, "give 'a' or 'b', not both")

    spec = Section(Field("a", whole()), Rule("a or b", both), Field("b", whole()))
    got, problems = read(spec, "a: 1\nb: 2\n", context={DECLARED: set()})
    assert seen == [(1, None, ["a", "b"])]  # b not read yet
    assert problems == [Problem("f.yaml", 1, "", "give 'a' or 'b', not both")]
    assert got == {"a": 1, "a or b": None, "b": 2}


# --- The sources list, written once for the three data files ------------------------------

SOURCE_SLIPS = (
    "  - id: Herceptin_PI\n    citation: a label\n",
    "  - id: twice\n    citation: one\n  - id: twice\n    citation: two\n",
    "  - id: a-label\n    citation: a label\n    url: ftp://example.org/label\n",
)
SOURCE_MESSAGES = (
    "'Herceptin_PI' is not a valid id (lower case, digits and hyphens)",
    "duplicate source id 'twice'",
    "expected an http(s) address",
)


def _with_sources_first(original: Path, entries: str, tmp_path: Path) -> Path:
    """``original`` with ``entries`` put first in its ``sources`` list."""
    lines = original.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("sources:"))
    changed = tmp_path / original.name
    changed.write_text("".join([*lines[: at + 1], entries, *lines[at + 1 :]]), encoding="utf-8")
    return changed


@pytest.mark.parametrize(
    ("entries", "message"), list(zip(SOURCE_SLIPS, SOURCE_MESSAGES, strict=True))
)
@pytest.mark.parametrize(
    ("original", "load"),
    [
        (locations.ROOT / "policies" / "standard.yaml", load_policy_file),
        (locations.ROOT / "regimens" / "thp.yaml", load_regimen_file),
        (locations.ROOT / "drugs" / "drugs.yaml", load_drug_reference),
    ],
    ids=["policy", "regimen", "drug reference"],
)
def test_every_data_file_reads_its_sources_by_the_same_rules(
    original: Path, load: Any, entries: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(DataFileError) as refused:
        load(_with_sources_first(original, entries, tmp_path))
    assert message in str(refused.value)
