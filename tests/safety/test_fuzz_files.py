"""The file contract, fuzzed: whatever a case file, a free text, a regimen or
a policy file holds, dosecalc answers (exit 0, or 1 when a check finds an
error) or refuses with exit 2 and messages that start with 'Error:' and name
the file. Never a traceback, never an internal error.

Files are mutations of real ones (the seed case, the shipped regimens and
policies) so that most of them get past the YAML parser and reach the
validators and the checker, where the interesting failures live.
"""

from __future__ import annotations

import os
import re

import locations
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc.cli import main

ROOT = locations.ROOT
SEED_CASE = (ROOT / "seeds" / "case-report.yaml").read_text(encoding="utf-8")
SEED_TEXT = (ROOT / "seeds" / "case-report.fr.txt").read_text(encoding="utf-8")
REGIMEN = (ROOT / "regimens" / "thp.yaml").read_text(encoding="utf-8")
POLICY = (ROOT / "policies" / "standard.yaml").read_text(encoding="utf-8")

_EXAMPLES = os.environ.get("DOSECALC_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_EXAMPLES or 30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=_EXAMPLES is None,
)

#: What a mistyping colleague or a hostile file puts where a number or a word was.
REPLACEMENTS = st.sampled_from(
    [
        "",
        "0",
        "-75",
        "1e308",
        "nan",
        "1,000",
        "0,8",
        "75 g/m2",
        "75 mg/m",
        "mg",
        "null",
        "[]",
        "{}",
        "'",
        '"',
        ":",
        "- x",
        "&a",
        "*a",
        "!!python/object:os.system",
        "\t",
        "  ",
        "٧٥",
        "７５",
        "<script>",
        "x" * 300,
        "1:30",
        "2016-02-30",
        "12/03/2024",
        "three times a week",
    ]
)
TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[A-Za-zÀ-ÿ]+|\S")


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few of its tokens replaced, lines dropped or duplicated."""
    tokens = [m.span() for m in TOKEN.finditer(text)]
    out = text
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        start, end = tokens[draw(st.integers(min_value=0, max_value=len(tokens) - 1))]
        if end > len(out):
            continue
        out = out[:start] + draw(REPLACEMENTS) + out[end:]
    lines = out.splitlines()
    if lines and draw(st.booleans()):
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        lines.insert(i, lines[i]) if draw(st.booleans()) else lines.pop(i)
    return "\n".join(lines) + "\n"


def run(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _both):
        code = main(args)
    return code, out.getvalue().decode(), err.getvalue().decode()


def assert_contract(args: list[str], allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    code, out, err = run(args)
    assert code in allowed, (args, code, err)
    assert "Traceback" not in out + err, err
    assert "internal error" not in err, err
    if code == 2:
        first = err.splitlines()[0]
        assert first.startswith("Error: "), err


@FUZZ
@given(text=mutated(SEED_CASE))
def test_any_case_file_is_checked_or_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("case") / "case.yaml"
    path.write_text(text, encoding="utf-8")
    assert_contract(["check", str(path), "--format", "json"])


@FUZZ
@given(text=mutated(SEED_TEXT))
def test_any_free_text_is_checked_or_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("text") / "note.txt"
    path.write_text(text, encoding="utf-8")
    assert_contract(["check", "--text", str(path)])


@FUZZ
@given(text=mutated(REGIMEN))
def test_any_regimen_file_is_dosed_or_refused(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("regimens")
    (folder / "thp.yaml").write_text(text, encoding="utf-8")
    assert_contract(["regimens", "validate", str(folder / "thp.yaml")], allowed=(0, 2))
    assert_contract(
        ["--regimens", str(folder), "dose", "thp", "--height", "165 cm", "--weight", "62 kg"],
        allowed=(0, 2),
    )


@FUZZ
@given(text=mutated(POLICY))
def test_any_policy_file_is_used_or_refused(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("policies")
    (folder / "fuzzed.yaml").write_text(text.replace("id: standard", "id: fuzzed"), "utf-8")
    assert_contract(
        [
            "--policies",
            str(folder),
            "dose",
            "tch",
            "--policy",
            "fuzzed",
            "--height",
            "165 cm",
            "--weight",
            "62 kg",
            "--sex",
            "female",
            "--age",
            "40",
            "--scr",
            "0.8 mg/dL",
        ],
        allowed=(0, 2),
    )
