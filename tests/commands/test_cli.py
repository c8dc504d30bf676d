"""The command line: JSON and CSV contracts, error messages and exit codes,
help text, ISMP formatting of printed doses, and start-up imports.

Commands run through ``dosecalc.cli.main`` (the one place errors become
messages) inside Click's CliRunner isolation, and a few through a real
subprocess of the installed console script.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import CliResult as Result
from conftest import run_cli as run
from regimen_factory import carboplatin_auc

from dosecalc.cli import cli, entry_point

BIN = Path(sys.executable).parent
DOSECALC = BIN / "dosecalc"
CASE = ["--height", "165 cm", "--weight", "62 kg"]


def assert_one_line_error(result: Result, code: int = 2) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip("\n").splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.err + result.out
    return lines[0]


# -- JSON contracts ---------------------------------------------------------------------------


def test_regimens_list_json():
    result = run("regimens", "list", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, list)
    assert all(isinstance(item, dict) and {"id", "name"} <= set(item) for item in data)
    assert {"ac-th", "ddac-th", "thp"} <= {item["id"] for item in data}


def test_bsa_json():
    result = run("bsa", *CASE, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["bsa_m2"] == 1.6857
    assert data["formula"] == "mosteller"


def test_bsa_json_all_formulas():
    data = json.loads(
        run("bsa", *CASE, "--sex", "female", "--formula", "all", "--format", "json").out
    )
    values = {row["formula"]: row["bsa_m2"] for row in data["results"]}
    assert values["dubois"] == 1.6819
    assert values["boyd"] == 1.7015
    assert values["schlich"] == 1.6166


def test_dose_json_contract():
    result = run("dose", "thp", *CASE, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert {"regimen", "policy", "patient", "doses"} <= set(data)
    assert data["regimen"]["id"] == "thp"
    assert data["policy"]["id"] == "standard"
    patient = data["patient"]
    assert patient["height_cm"] == 165
    assert patient["weight_kg"] == 62
    assert patient["bsa_m2"] == 1.6857
    assert patient["bsa_formula"] == "mosteller"
    keys = {"phase", "cycle", "day", "drug", "kind", "basis", "calculated_mg", "dose_mg"}
    assert data["doses"]
    for item in data["doses"]:
        assert keys <= set(item), set(item)
    docetaxel = next(d for d in data["doses"] if d["drug"] == "docetaxel")
    assert docetaxel["basis"] == "bsa"
    assert docetaxel["kind"] == "standard"
    assert docetaxel["calculated_mg"] == round(75 * math.sqrt(165 * 62 / 3600), 2) == 126.43
    assert docetaxel["dose_mg"] == 126
    loading = next(
        d for d in data["doses"] if d["drug"] == "trastuzumab" and d["kind"] == "loading"
    )
    assert (loading["phase"], loading["cycle"], loading["day"], loading["dose_mg"]) == (
        "THP",
        1,
        1,
        496,
    )


def test_dose_json_with_reduction():
    data = json.loads(
        run("dose", "thp", *CASE, "--reduce", "docetaxel=20%", "--format", "json").out
    )
    docetaxel = next(d for d in data["doses"] if d["drug"] == "docetaxel")
    assert docetaxel["dose_mg"] == 101  # 126.43 × 0.8 = 101.14


def _without_comments(text: str) -> str:
    """A CSV output without its '#' provenance comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def test_dose_csv():
    result = run("dose", "thp", *CASE, "--format", "csv")
    assert result.code == 0, result.err
    assert result.out.startswith("# Provenance: dosecalc")
    rows = list(csv.DictReader(io.StringIO(_without_comments(result.out))))
    assert rows
    assert {"phase", "cycle", "day", "drug", "kind", "basis", "calculated_mg", "dose_mg"} <= set(
        rows[0]
    )
    docetaxel = next(r for r in rows if r["drug"] == "docetaxel")
    assert float(docetaxel["dose_mg"]) == 126


WHOLE_WITH_TRAILING_ZERO = re.compile(r"^-?\d+\.0+$")


def test_dose_csv_and_json_print_whole_numbers_without_a_trailing_zero():
    # ISMP: "840 mg", never "840.0" (read as 8400); a CSV opened as text
    # shows exactly what was written.
    rows = list(
        csv.DictReader(
            io.StringIO(_without_comments(run("dose", "thp", *CASE, "--format", "csv").out))
        )
    )
    pertuzumab = next(r for r in rows if r["drug"] == "pertuzumab" and r["kind"] == "loading")
    assert pertuzumab["dose_mg"] == "840"
    assert pertuzumab["dose_per_unit"] == "840"
    assert not [v for r in rows for v in r.values() if v and WHOLE_WITH_TRAILING_ZERO.match(v)]
    text = run("dose", "thp", *CASE, "--format", "json").out
    assert not re.search(r":\s*-?\d+\.0+[,\n}]", text), re.findall(r":\s*-?\d+\.0+[,\n}]", text)


def test_bsa_csv():
    rows = list(csv.DictReader(io.StringIO(run("bsa", *CASE, "--format", "csv").out)))
    assert rows[0]["formula"] == "mosteller"
    assert float(rows[0]["bsa_m2"]) == 1.6857


def test_regimens_show_json():
    data = json.loads(run("regimens", "show", "thp", "--format", "json").out)
    assert data["id"] == "thp"
    assert [p["id"] for p in data["phases"]] == ["THP", "HP"]


def test_regimens_show_json_max_dose_is_a_whole_number(tmp_path):
    from regimen_factory import vincristine_like

    vincristine_like(tmp_path)
    text = run("--regimens", str(tmp_path), "regimens", "show", "vcap", "--format", "json").out
    assert '"max_dose_mg": 2,' in text


def test_regimens_validate():
    result = run("regimens", "validate")
    assert result.code == 0
    assert "valid" in result.out


# -- Errors: one line, exit 2, never a traceback ------------------------------------------------


def test_height_in_kg():
    line = assert_one_line_error(run("dose", "thp", "--height", "62 kg", "--weight", "62"))
    assert "62 kg" in line


def test_implausible_weight():
    line = assert_one_line_error(run("bsa", "--height", "165", "--weight", "6.2 kg"))
    assert "check the unit" in line


def test_unknown_regimen():
    assert "no regimen 'folfox'" in assert_one_line_error(run("dose", "folfox", *CASE))


def test_unknown_policy():
    assert_one_line_error(run("dose", "thp", *CASE, "--policy", "nope"))


def test_bad_reduction():
    assert "DRUG=PERCENT" in assert_one_line_error(
        run("dose", "thp", *CASE, "--reduce", "docetaxel=20")
    )


def test_non_finite_height():
    assert_one_line_error(run("bsa", "--height", "1e400", "--weight", "62"))


def test_auc_dose_without_scr(tmp_path):
    carboplatin_auc(tmp_path)
    line = assert_one_line_error(
        run("--regimens", str(tmp_path), "dose", "carbo", *CASE, "--sex", "F", "--age", "40")
    )
    assert "--scr" in line


def test_broken_regimen_file_in_user_folder(tmp_path):
    from regimen_factory import one_drug_phase, write_regimen

    path = write_regimen(tmp_path, "broken", one_drug_phase("docetaxel", "bsa", "75"))
    line_no = path.read_text(encoding="utf-8").splitlines().index("        dose: 75") + 1
    line = assert_one_line_error(run("--regimens", str(tmp_path), "regimens", "list"))
    assert f"broken.yaml:{line_no}: phases[0].drugs[0].dose: " in line


def test_several_problems_one_per_line(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        "schema_version: 1\nid: x\ncolour: blue\n", encoding="utf-8"
    )
    result = run("regimens", "validate", str(tmp_path / "broken.yaml"))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("Error: ")
    assert len(lines) > 2  # unknown 'colour', and each missing field
    assert all("broken.yaml" in line for line in lines)
    assert "Traceback" not in result.err


def test_usage_error_exits_2():
    result = run("dose", "thp", "--weight", "62")
    assert result.code == 2
    assert "Error:" in result.err and "--height" in result.err
    assert "Traceback" not in result.err + result.out


def test_regimens_from_environment(tmp_path):
    carboplatin_auc(tmp_path)
    result = run("regimens", "list", "--format", "json", env={"DOSECALC_REGIMENS": str(tmp_path)})
    assert "carbo" in {item["id"] for item in json.loads(result.out)}


# -- Help text with an example, for every command ----------------------------------------------------


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = list(_leaf_commands(cli))


def test_there_are_commands():
    assert {("bsa",), ("dose",), ("regimens", "list")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help_with_an_example(path):
    result = run(*path, "--help")
    assert result.code == 0, result.err
    assert result.out.startswith(f"Usage: dosecalc {' '.join(path)}")
    assert re.search(r"Examples?:", result.out), result.out
    # The example is a real invocation of this very command.
    assert f"dosecalc {' '.join(path)}" in result.out.split("Example", 1)[1]


def test_top_level_help():
    result = run("--help")
    assert result.code == 0
    for name in cli.commands:
        assert name in result.out


# -- ISMP formatting of printed doses --------------------------------------------------------------

UNITS = r"(?:mg|mcg|g|kg|mL|cm|m²|mg/m²|mg/kg|mL/min|mg/dL)"
TRAILING_ZERO = re.compile(r"(?<![\w.])\d[\d,]*\.\d*0(?![\d])")
NAKED_DECIMAL = re.compile(r"(?<![\w.])\.\d")
RUN_TOGETHER = re.compile(rf"\d{UNITS}(?![\w])")


def _printed_doses(*args: str) -> str:
    result = run("dose", *args, "--explain")
    assert result.code == 0, result.err
    # The engine's own text: everything above the policy and sources block
    # (citations are quoted as written in the regimen files).
    return result.out.split("\nPolicy: ")[0]


@pytest.mark.parametrize(
    "args",
    [
        ("thp", *CASE),
        ("ac-th", *CASE),
        ("thp", "--height", "190 cm", "--weight", "110 kg", "--policy", "capped-bsa-no-gfr-cap"),
        ("ac-th", "--height", "5 ft 5 in", "--weight", "136.7 lb", "--reduce", "doxorubicin=25%"),
        ("thp", "--height", "152", "--weight", "45.5", "--cycle", "1"),
    ],
)
def test_ismp_formatting_of_printed_doses(args):
    text = _printed_doses(*args)
    assert " mg" in text
    assert not TRAILING_ZERO.findall(text), TRAILING_ZERO.findall(text)
    assert not NAKED_DECIMAL.findall(text), NAKED_DECIMAL.findall(text)
    assert not RUN_TOGETHER.findall(text), RUN_TOGETHER.findall(text)


def test_ismp_formatting_of_small_doses(tmp_path):
    # 1.4 mg/m² at BSA 1.9 m², capped at 2 mg: never "2.0 mg".
    from regimen_factory import vincristine_like

    vincristine_like(tmp_path)
    text = run(
        "--regimens",
        str(tmp_path),
        "dose",
        "vcap",
        "--height",
        "190 cm",
        "--weight",
        "68.4 kg",
        "--explain",
    ).out
    assert "2 mg" in text
    assert not TRAILING_ZERO.findall(text.split("\nPolicy: ")[0])


def test_the_ismp_regexes_catch_what_they_should():
    # A test that cannot fail is a defect: prove the scanners fire.
    assert TRAILING_ZERO.findall("dose 126.0 mg")
    assert TRAILING_ZERO.findall("2.50 mg")
    assert not TRAILING_ZERO.findall("126.4 mg, 150 mg, 1,011 mg, 0.007184")
    assert NAKED_DECIMAL.findall("give .5 mg")
    assert not NAKED_DECIMAL.findall("give 0.5 mg")
    assert RUN_TOGETHER.findall("give 8mg")
    assert not RUN_TOGETHER.findall("give 8 mg/m²")


# -- Real subprocesses ------------------------------------------------------------------------------


def test_python_m_dosecalc_help():
    result = subprocess.run(
        [sys.executable, "-m", "dosecalc", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_console_script_dose_json():
    result = subprocess.run(
        [str(DOSECALC), "dose", "thp", *CASE, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["patient"]["bsa_m2"] == 1.6857


def test_console_script_error_is_one_line_exit_2():
    result = subprocess.run(
        [str(DOSECALC), "dose", "thp", "--height", "62 kg", "--weight", "62"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line_error(Result(result.returncode, result.stdout, result.stderr))


def test_console_script_writes_its_whole_file_and_output(tmp_path):
    # The console script leaves a one-shot command's objects out of Python's
    # shutdown collection (gc.freeze): what it printed and the file it wrote
    # must still be complete, byte for byte as the same command run in process.
    args = ["calendar", "thp", "--start", "2016-01-19", "--cycles", "8", "--view", "month"]
    target = tmp_path / "course.txt"
    written = subprocess.run(
        [str(DOSECALC), *args, "-o", str(target)], capture_output=True, text=True, timeout=60
    )
    printed = subprocess.run(
        [str(DOSECALC), "dose", "thp", *CASE], capture_output=True, text=True, timeout=60
    )
    assert written.returncode == 0, written.stderr
    assert printed.returncode == 0, printed.stderr
    assert target.read_bytes().decode("utf-8") == run(*args).out
    assert printed.stdout == run("dose", "thp", *CASE).out


def test_only_a_one_shot_command_skips_the_shutdown_collection(monkeypatch):
    frozen: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(sys.argv[1]))
    for command in (["--version"], ["serve"]):
        monkeypatch.setattr(sys, "argv", ["dosecalc", *command])
        monkeypatch.setattr("dosecalc.web.server.serve", lambda *args: None)
        gc.disable()
        try:
            with pytest.raises(SystemExit) as stopped:
                entry_point()
        finally:
            gc.enable()
        assert stopped.value.code == 0
    # serve turns the collector back on, and keeps Python's full shutdown.
    assert frozen == ["--version"]


# -- Start-up imports -------------------------------------------------------------------------------

HEAVY = ("pint", "yaml", "tabulate", "numpy", "icalendar", "holidays", "jinja2")

_CHECK = """
import sys
{setup}
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})
print(','.join(heavy))
"""


def _modules_after(setup: str) -> list[str]:
    code = _CHECK.format(setup=setup, heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [m for m in result.stdout.strip().split(",") if m]


def test_importing_the_cli_imports_nothing_heavy():
    assert _modules_after("import dosecalc.cli") == []


def test_help_imports_nothing_heavy():
    setup = "from dosecalc.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n    main(['dose', '--help'])"
    assert _modules_after(setup) == []


def test_a_dose_table_is_laid_out_without_tabulate():
    setup = "from dosecalc.cli import main\nimport contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(['dose', 'thp', '--height', '165', '--weight', '62'])"
    heavy = _modules_after(setup)
    assert "pint" in heavy
    assert "tabulate" not in heavy


def test_the_import_check_can_fail():
    assert "yaml" in _modules_after("import dosecalc.yamlio")
