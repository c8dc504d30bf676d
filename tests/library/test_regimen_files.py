"""Regimen and policy files: the shipped library validates, and every kind of
malformed file gives a DataFileError whose problems name the file, the line
and the field path. Expected lines are found in the test's own text."""

from __future__ import annotations

from pathlib import Path

import pytest

from dosecalc import api
from dosecalc.errors import DataFileError, NotFoundError
from dosecalc.paths import shipped_dir
from dosecalc.policy import find_policy, load_policy_file, policy_files
from dosecalc.regimen import load_all, load_regimen_file, regimen_files
from dosecalc.yamlio import MAX_FILE_CHARS, load_yaml_text

VALID = """\
schema_version: 1
id: tdp
name: Test docetaxel + trastuzumab + pertuzumab
setting: metastatic
version: 1
status: reviewed
last_reviewed: 2026-11-01
reviewed_by: test fixture
sources:
  - id: src
    citation: Test citation
phases:
  - id: P
    name: Phase P
    cycle_length: 21 days
    cycles: 6
    drugs:
      - drug: pertuzumab
        route: IV
        basis: flat
        loading: {dose: 840 mg, infusion: 60 min}
        maintenance: {dose: 420 mg, infusion: 30 min}
        days: [1]
      - drug: trastuzumab
        route: IV
        basis: weight
        loading: {dose: 8 mg/kg, infusion: 90 min}
        maintenance: {dose: 6 mg/kg, infusion: 30 min}
        days: [1]
      - drug: docetaxel
        route: IV
        basis: bsa
        dose: 75 mg/m2
        infusion: 60 min
        days: [1]
        sources: [src]
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def write(tmp_path: Path, text: str | bytes, name: str = "tdp.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, loader=load_regimen_file):
    with pytest.raises(DataFileError) as info:
        loader(path)
    problems = info.value.problems
    assert problems, "a DataFileError must carry its problems"
    assert all(p.file == str(path) for p in problems)
    return problems


def by_path(problems):
    return {p.path: p for p in problems}


# -- The shipped library ---------------------------------------------------------------


def test_the_valid_fixture_is_valid(tmp_path):
    regimen = load_regimen_file(write(tmp_path, VALID))
    assert regimen.id == "tdp"
    assert [d.drug for d in regimen.phases[0].drugs] == ["pertuzumab", "trastuzumab", "docetaxel"]


def test_shipped_regimens_validate():
    files = regimen_files()
    assert {p.stem for p in files} >= {"ac-th", "ddac-th", "thp"}
    regimens = load_all()
    assert {r.id for r in regimens} >= {"ac-th", "ddac-th", "thp"}
    assert api.validate_regimens() == [str(p) for p in files]


def test_every_shipped_drug_cites_a_declared_source():
    for regimen in load_all():
        declared = {s.id for s in regimen.sources}
        for phase in regimen.phases:
            for entry in phase.drugs:
                assert entry.sources, (regimen.id, phase.id, entry.drug)
                assert set(entry.sources) <= declared


@pytest.mark.parametrize("name", ["standard", "hopa-vial-10", "capped-bsa-no-gfr-cap"])
def test_shipped_policies_validate(name):
    policy = find_policy(name)
    assert policy.id == name
    assert policy.summary_lines()


def test_every_shipped_policy_file_loads():
    for path in policy_files():
        assert load_policy_file(path).id == path.stem


def test_regimen_found_by_alias():
    assert api.show_regimen("CLEOPATRA").id == "thp"
    assert api.show_regimen("AC->TH").id == "ac-th"


def test_unknown_regimen():
    with pytest.raises(NotFoundError, match="known: .*thp"):
        api.show_regimen("folfox")


# -- One problem per malformed field, with file, line and path -------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "needle", "message"),
    [
        (
            "setting: metastatic",
            "setting: metastatic\ncolour: blue",
            "colour",
            "colour: blue",
            "unknown field",
        ),
        ("dose: 75 mg/m2", "dose: 75", "phases[0].drugs[2].dose", "dose: 75", "no unit"),
        (
            "dose: 75 mg/m2",
            "dose: 75 mg/kg",
            "phases[0].drugs[2].dose",
            "dose: 75 mg/kg",
            "does not fit basis 'bsa'",
        ),
        (
            "dose: 75 mg/m2",
            "dose: 75 mg/m2/day",
            "phases[0].drugs[2].dose",
            "dose: 75 mg/m2/day",
            "bsa",
        ),
        (
            "{dose: 840 mg, infusion: 60 min}",
            "{dose: 840 mgg, infusion: 60 min}",
            "phases[0].drugs[0].loading.dose",
            "840 mgg",
            "mgg",
        ),
        (
            "{dose: 8 mg/kg, infusion: 90 min}",
            "{dose: 8 mg/m2, infusion: 90 min}",
            "phases[0].drugs[1].loading.dose",
            "8 mg/m2",
            "mg/kg",
        ),
        (
            "{dose: 840 mg, infusion: 60 min}",
            "{dose: 0 mg, infusion: 60 min}",
            "phases[0].drugs[0].loading.dose",
            "0 mg",
            "more than zero",
        ),
        (
            "        days: [1]\n        sources",
            "        days: [22]\n        sources",
            "phases[0].drugs[2].days[0]",
            "days: [22]",
            "outside the 21-day cycle",
        ),
        (
            "        days: [1]\n        sources",
            "        days: [1, 1]\n        sources",
            "phases[0].drugs[2].days",
            "days: [1, 1]",
            "twice",
        ),
        ("cycles: 6", "cycles: yes", "phases[0].cycles", "cycles: yes", ""),
        ("cycles: 6", "cycles: true", "phases[0].cycles", "cycles: true", "boolean"),
        ("cycles: 6", "cycles: 0", "phases[0].cycles", "cycles: 0", "less than 1"),
        (
            "cycle_length: 21 days",
            "cycle_length: 21",
            "phases[0].cycle_length",
            "cycle_length: 21",
            "unit",
        ),
        (
            "cycle_length: 21 days",
            "cycle_length: 21 kg",
            "phases[0].cycle_length",
            "cycle_length: 21 kg",
            "duration",
        ),
        (
            "cycle_length: 21 days",
            "cycle_length: 1:30",
            "phases[0].cycle_length",
            "cycle_length: 1:30",
            "",
        ),
        (
            "infusion: 60 min\n        days",
            "infusion: 1:30\n        days",
            "phases[0].drugs[2].infusion",
            "infusion: 1:30",
            "",
        ),
        (
            "infusion: 60 min\n        days",
            "infusion: 45\n        days",
            "phases[0].drugs[2].infusion",
            "infusion: 45",
            "unit",
        ),
        (
            "route: IV\n        basis: bsa",
            "route: IT\n        basis: bsa",
            "phases[0].drugs[2].route",
            "route: IT",
            "not one of",
        ),
        (
            "basis: bsa",
            "basis: surface",
            "phases[0].drugs[2].basis",
            "basis: surface",
            "not one of",
        ),
        (
            "drug: docetaxel",
            "drug: Docetaxel",
            "phases[0].drugs[2].drug",
            "drug: Docetaxel",
            "lower-case",
        ),
        (
            "sources: [src]",
            "sources: [nowhere]",
            "phases[0].drugs[2].sources[0]",
            "sources: [nowhere]",
            "unknown source",
        ),
        (
            "schema_version: 1",
            "schema_version: 2",
            "schema_version",
            "schema_version: 2",
            "unsupported",
        ),
        ("id: tdp", "id: TDP 1", "id", "id: TDP 1", "lower-case"),
    ],
)
def test_malformed_field(tmp_path, old, new, path, needle, message):
    assert old in VALID
    text = VALID.replace(old, new, 1)
    problems = problems_of(write(tmp_path, text))
    found = by_path(problems)
    assert path in found, [str(p) for p in problems]
    assert found[path].line == line_of(text, needle)
    assert message in found[path].message
    assert str(found[path]).startswith(f"{tmp_path / 'tdp.yaml'}:{line_of(text, needle)}: {path}: ")


def test_loading_without_maintenance(tmp_path):
    text = VALID.replace("        maintenance: {dose: 6 mg/kg, infusion: 30 min}\n", "")
    found = by_path(problems_of(write(tmp_path, text)))
    assert "maintenance" in found["phases[0].drugs[1].loading"].message
    assert found["phases[0].drugs[1].loading"].line == line_of(text, "{dose: 8 mg/kg")


def test_dose_and_loading_together(tmp_path):
    text = VALID.replace(
        "        days: [1]\n      - drug: docetaxel",
        "        dose: 6 mg/kg\n        days: [1]\n      - drug: docetaxel",
    )
    found = by_path(problems_of(write(tmp_path, text)))
    assert "not both" in found["phases[0].drugs[1]"].message


def test_missing_required_fields(tmp_path):
    text = VALID.replace("name: Test docetaxel + trastuzumab + pertuzumab\n", "").replace(
        "        route: IV\n        basis: bsa\n", "        basis: bsa\n"
    )
    messages = [str(p) for p in problems_of(write(tmp_path, text))]
    assert any(": missing required field 'name'" in m for m in messages)
    assert any("phases[0].drugs[2]: missing required field 'route'" in m for m in messages)


def test_several_problems_are_all_reported_at_once(tmp_path):
    text = (
        VALID.replace("setting: metastatic", "setting: metastatic\ncolour: blue")
        .replace("cycles: 6", "cycles: true")
        .replace("{dose: 840 mg, infusion: 60 min}", "{dose: 840 mgg, infusion: 60 min}")
        .replace("dose: 75 mg/m2", "dose: 75")
        .replace("        days: [1]\n        sources", "        days: [22]\n        sources")
    )
    problems = problems_of(write(tmp_path, text))
    expected = {
        "colour": line_of(text, "colour: blue"),
        "phases[0].cycles": line_of(text, "cycles: true"),
        "phases[0].drugs[0].loading.dose": line_of(text, "840 mgg"),
        "phases[0].drugs[2].dose": line_of(text, "dose: 75"),
        "phases[0].drugs[2].days[0]": line_of(text, "days: [22]"),
    }
    assert {p.path: p.line for p in problems} == expected
    error = DataFileError(problems)
    assert "and 4 more problems" in str(error)
    assert len(error.details().splitlines()) == 5


def test_problems_across_files_are_collected(tmp_path):
    write(tmp_path, VALID.replace("dose: 75 mg/m2", "dose: 75"), "one.yaml")
    write(
        tmp_path,
        VALID.replace("id: tdp", "id: tdp2").replace("cycles: 6", "cycles: yes"),
        "two.yaml",
    )
    with pytest.raises(DataFileError) as info:
        api.validate_regimens((str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")))
    assert {Path(p.file).name for p in info.value.problems} == {"one.yaml", "two.yaml"}


# -- Files that are not regimens at all --------------------------------------------------------


def test_anchors_and_aliases_are_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    bomb += "".join(
        f"l{i}: &l{i} [" + ", ".join([f"*{'b' if i == 0 else f'l{i - 1}'}"] * 9) + "]\n"
        for i in range(8)
    )
    problems = problems_of(write(tmp_path, bomb))
    assert len(problems) == 1
    assert "aliases" in problems[0].message
    # Reported where the anchored node starts: the first line of the chain.
    assert problems[0].line == line_of(bomb, "a: &a")


def test_an_alias_inside_a_regimen_is_refused(tmp_path):
    text = VALID.replace(
        "      - drug: pertuzumab", "      - &p\n        drug: pertuzumab"
    ).replace("      - drug: docetaxel", "      - *p\n      - drug: docetaxel")
    assert "aliases" in problems_of(write(tmp_path, text))[0].message


def test_garbage_is_not_valid_yaml_with_a_line(tmp_path):
    text = "id: x\nphases: [unclosed\n  - {: :\n"
    problems = problems_of(write(tmp_path, text))
    assert problems[0].message.startswith("not valid YAML")
    assert problems[0].line in (2, 3, 4)


def test_tabs_are_not_valid_yaml(tmp_path):
    problems = problems_of(write(tmp_path, "id: x\n\tname: y\n"))
    assert problems[0].line == 2


def test_binary_bytes(tmp_path):
    problems = problems_of(write(tmp_path, bytes(range(256)) * 4))
    assert "cannot read" in problems[0].message


def test_latin1_file(tmp_path):
    problems = problems_of(write(tmp_path, "name: caf\xe9\n".encode("latin-1")))
    assert "cannot read" in problems[0].message


def test_nul_character(tmp_path):
    problems = problems_of(write(tmp_path, "id: a\x00b\n"))
    assert "binary file, not text" in problems[0].message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    problems = problems_of(write(tmp_path, text))
    assert "expected a mapping, got nothing" in problems[0].message


@pytest.mark.parametrize(
    ("text", "kind"), [("- 1\n- 2\n", "a list"), ("hello\n", "text"), ("42\n", "a number")]
)
def test_not_a_mapping(tmp_path, text, kind):
    assert kind in problems_of(write(tmp_path, text))[0].message


def test_huge_file(tmp_path):
    text = VALID + "# " + "x" * MAX_FILE_CHARS + "\n"
    problems = problems_of(write(tmp_path, text))
    assert "larger than" in problems[0].message


def test_python_tags_are_refused(tmp_path):
    problems = problems_of(write(tmp_path, "id: !!python/object/apply:os.system ['echo unsafe']\n"))
    assert "not valid YAML" in problems[0].message


def test_duplicate_keys_are_refused(tmp_path):
    # YAML forbids duplicate keys; PyYAML silently keeps the last. A second
    # 'dose:' must never quietly replace the first.
    text = VALID.replace(
        "        dose: 75 mg/m2\n", "        dose: 75 mg/m2\n        dose: 100 mg/m2\n"
    )
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 1
    assert "duplicate" in problems[0].message
    assert problems[0].line == line_of(text, "dose: 100 mg/m2")
    assert problems[0].path == "phases[0].drugs[2].dose"


@pytest.mark.parametrize(
    "value", ["!!float abc", "!!int abc", "!!timestamp 2001-99-99", "!!bool maybe"]
)
def test_explicit_tags_with_bad_values(tmp_path, value):
    problems = problems_of(write(tmp_path, VALID.replace("cycles: 6", f"cycles: {value}")))
    assert problems[0].line == line_of(VALID, "cycles: 6")


@pytest.mark.parametrize(
    ("text", "line"), [("? [a]: 1\n", 1), ("id: x\nphases:\n  ? {a: 1}\n  : 2\n", 3)]
)
def test_a_list_or_mapping_as_a_key(tmp_path, text, line):
    problems = problems_of(write(tmp_path, text))
    assert "key" in problems[0].message
    assert problems[0].line == line


def test_an_empty_tagged_value(tmp_path):
    problems = problems_of(write(tmp_path, VALID.replace("cycles: 6", "cycles: !!timestamp")))
    assert problems[0].line == line_of(VALID, "cycles: 6")


def test_deep_nesting(tmp_path):
    depth = 990  # inside libyaml's own limit of 1000
    for text in ("[" * depth + "]" * depth, "{a: " * depth + "1" + "}" * depth):
        problems = problems_of(write(tmp_path, text))
        assert "nest" in problems[0].message


def test_yaml_1_1_scalars_stay_strings():
    data, _ = load_yaml_text("a: 1:30\nb: 010\nc: NO\nd: yes\ne: true\nf: 12\n", "f.yaml")
    assert data == {"a": "1:30", "b": "010", "c": "NO", "d": "yes", "e": True, "f": 12}


# -- Policy files -------------------------------------------------------------------------------


def _standard_policy_text() -> str:
    return (shipped_dir("policies") / "standard.yaml").read_text(encoding="utf-8")


def test_malformed_policy_reports_every_problem(tmp_path):
    text = (
        _standard_policy_text()
        .replace("formula: mosteller", "formula: mostellar")
        .replace("tolerance: 5%", "tolerance: 5")
        .replace("gfr_cap: 125 mL/min", "gfr_cap: 125 mg")
        .replace("threshold: 7 days", "threshold: 7", 1)
        .replace("weight_change: 10%", "weight_change: 10%\nbsa_rounding: 2")
    )
    problems = problems_of(write(tmp_path, text, "broken.yaml"), load_policy_file)
    expected = {
        "bsa.formula": line_of(text, "formula: mostellar"),
        "rounding.tolerance": line_of(text, "tolerance: 5"),
        "carboplatin.gfr_cap": line_of(text, "gfr_cap: 125 mg"),
        "reload[0].threshold": line_of(text, "threshold: 7"),
        "bsa_rounding": line_of(text, "bsa_rounding: 2"),
    }
    assert {p.path: p.line for p in problems} == expected


def test_policy_with_an_unknown_source(tmp_path):
    text = _standard_policy_text().replace("source: protocol-450", "source: nowhere")
    found = by_path(problems_of(write(tmp_path, text, "broken.yaml"), load_policy_file))
    assert "unknown source" in found["anthracycline_limit.source"].message


def test_policy_file_given_by_path(tmp_path):
    text = _standard_policy_text().replace("id: standard", "id: local")
    path = write(tmp_path, text, "local.yaml")
    assert find_policy(str(path)).id == "local"


def test_unknown_policy():
    with pytest.raises(NotFoundError, match="known: .*standard"):
        find_policy("nope")


# -- User folders ---------------------------------------------------------------------------------


def test_user_folder_with_regimens_option(tmp_path):
    write(tmp_path, VALID)
    ids = [s.id for s in api.list_regimens((str(tmp_path),))]
    assert "tdp" in ids and "thp" in ids
    assert api.show_regimen("tdp", (str(tmp_path),)).path == str(tmp_path / "tdp.yaml")


def test_user_folder_from_environment(tmp_path, monkeypatch):
    write(tmp_path, VALID)
    monkeypatch.setenv("DOSECALC_REGIMENS", str(tmp_path))
    assert "tdp" in [s.id for s in api.list_regimens()]
    report = api.dose_course("tdp", height="165 cm", weight="62 kg")
    assert report.regimen.id == "tdp"


def test_user_file_shadows_a_shipped_one(tmp_path):
    shadow = VALID.replace("id: tdp", "id: thp").replace(
        "name: Test docetaxel", "name: Local docetaxel"
    )
    write(tmp_path, shadow, "thp.yaml")
    assert api.show_regimen("thp", (str(tmp_path),)).name.startswith("Local")
    assert not api.show_regimen("thp").name.startswith("Local")


def test_a_broken_user_file_is_reported_by_list(tmp_path):
    write(tmp_path, VALID.replace("dose: 75 mg/m2", "dose: 75"))
    with pytest.raises(DataFileError) as info:
        api.list_regimens((str(tmp_path),))
    assert info.value.problems[0].path == "phases[0].drugs[2].dose"


def test_missing_user_folder(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        api.list_regimens((str(tmp_path / "nowhere"),))


def test_user_policy_folder(tmp_path):
    write(tmp_path, _standard_policy_text().replace("id: standard", "id: site"), "site.yaml")
    assert find_policy("site", (str(tmp_path),)).id == "site"


def test_missing_folder_from_environment_is_an_error(tmp_path, monkeypatch):
    # A mistyped DOSECALC_REGIMENS must not silently fall back to the shipped
    # regimen of the same name when the user meant a local version of it.
    monkeypatch.setenv("DOSECALC_REGIMENS", str(tmp_path / "nowhere"))
    with pytest.raises(NotFoundError, match="nowhere"):
        api.show_regimen("thp")


def test_missing_policy_folder_from_environment_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DOSECALC_POLICIES", str(tmp_path / "nowhere"))
    with pytest.raises(NotFoundError, match="nowhere"):
        find_policy("standard")
