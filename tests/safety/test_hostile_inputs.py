"""Every hostile patient and command-line input of issue 7 that once gave a
wrong dose, date or total with exit 0 (or an internal error), kept as a
regression corpus: each must now stop with exit 2 and a one-line message
that names the value and says what is wrong.

The expected words are written from what a pharmacist needs to read (both
readings of "1,200", the limit that was crossed), not copied from the output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import locations
import pytest
from conftest import run_cli as run

from dosecalc import api
from dosecalc.dosing import require_dose
from dosecalc.errors import CalculationError, InputError, PhysicalLimitError, UnitError
from dosecalc.formatting import format_number
from dosecalc.metrics import BSA_FORMULAS
from dosecalc.output.files import write_text_atomic
from dosecalc.patient import (
    BSA_PHYSICAL_M2,
    HEIGHT_PHYSICAL_CM,
    WEIGHT_PHYSICAL_KG,
    make_patient,
    parse_creatinine,
)
from dosecalc.units import parse_quantity

PATIENT = ["--height", "165 cm", "--weight", "62 kg"]
CARBOPLATIN_PATIENT = [*PATIENT, "--sex", "female", "--age", "40"]
THP = ["calendar", "thp", "--start", "2016-01-19", "--cycles", "8"]


# (arguments, words the one-line message must contain)
HOSTILE = [
    # Commas: a comma and exactly three digits is 1200 or 1.2.
    (
        ["calendar", "ac-th", "--start", "2016-01-04", "--prior-anthracycline", "1,200 mg/m2"],
        ["prior anthracycline", "ambiguous", "1200", "1.2"],
    ),
    (
        ["dose", "thp", *PATIENT, "--previous-weight", "1,100 lb"],
        ["previous weight", "1100", "1.1"],
    ),
    (["bsa", "--height", "1,650 mm", "--weight", "62 kg"], ["height", "1650", "1.65"]),
    (["bsa", "--height", "165 cm", "--weight", "1,100 lb"], ["weight", "ambiguous"]),
    (["dose", "tch", *CARBOPLATIN_PATIENT, "--scr", "1,100 umol/L"], ["creatinine", "1100", "1.1"]),
    # Physical limits: no override passes them.
    (
        ["dose", "tch", *CARBOPLATIN_PATIENT, "--scr", "-0.8 mg/dL", "--accept-implausible"],
        ["serum creatinine", "physical limits", "cannot pass"],
    ),
    (
        ["dose", "tch", *CARBOPLATIN_PATIENT, "--scr", "0 mg/dL", "--accept-implausible"],
        ["serum creatinine", "physical limits"],
    ),
    (
        [
            "dose",
            "tch",
            *PATIENT,
            "--sex",
            "female",
            "--age",
            "200",
            "--scr",
            "0.8 mg/dL",
            "--accept-implausible",
        ],
        ["age 200", "physical limits"],
    ),
    (
        ["dose", "thp", "--height", "165 cm", "--weight", "1e6 kg", "--accept-implausible"],
        ["weight", "physical limits", "cannot pass"],
    ),
    (
        ["bsa", "--height", "1e308", "--weight", "62 kg", "--accept-implausible"],
        ["height", "physical limits"],
    ),
    (
        ["bsa", "--height", "1e308 m", "--weight", "62 kg", "--accept-implausible"],
        ["height"],
    ),
    (["bsa", "--height", "-165 cm", "--weight", "62 kg", "--accept-implausible"], ["height"]),
    # Debris and compounds that are not documented forms.
    (["bsa", "--height", "165 cm 5 in", "--weight", "62 kg"], ["height", "'165 cm 5 in'"]),
    (["bsa", "--height", "165 cm", "--weight", "62 kg 5 lb"], ["weight", "'62 kg 5 lb'"]),
    (["bsa", "--height", "165 cm", "--weight", "62 kg#junk"], ["weight", "kg#junk"]),
    (["bsa", "--height", "5 ft 13 in", "--weight", "62 kg"], ["height", "12"]),
    (
        ["calendar", "ac-th", "--start", "2016-01-04", "--prior-anthracycline", "75 mg/m2!!"],
        ["prior anthracycline", "mg/m2!!"],
    ),
    (["bsa", "--height", "5 ft 5 in 3 cm", "--weight", "62 kg"], ["'5 ft 5 in 3 cm'"]),
    (["bsa", "--height", "5 ft 5 xx", "--weight", "62 kg"], ["'5 ft 5 xx'", "'xx'"]),
    (["bsa", "--height", "165\x1b[31m cm", "--weight", "62 kg"], ["height", "\\x1b"]),
    (["bsa", "--height", "165\x1e0 cm", "--weight", "62 kg"], ["height", "\\x1e"]),
    # Repeated options.
    ([*THP, "--phase-cycles", "THP=8", "--phase-cycles", "thp=9"], ["--phase-cycles", "twice"]),
    ([*THP, "--delay", "3=7", "--delay", "THP:3=7"], ["--delay", "same cycle", "THP:3=7"]),
    (
        ["dose", "thp", *PATIENT, "--reduce", "docetaxel=20%", "--reduce", "docetaxel=50%"],
        ["docetaxel", "twice", "20%", "50%"],
    ),
    (["bsa", *PATIENT, "--height", "180 cm"], ["--height", "twice"]),
    # BSA caps.
    (["bsa", *PATIENT, "--cap", "-1"], ["cap", "-1"]),
    (["bsa", *PATIENT, "--cap", "0"], ["cap", "0"]),
    (["bsa", *PATIENT, "--cap", "nan"], ["cap", "nan"]),
    # Extreme but well-formed values.
    (["calendar", "thp", "--start", "9999-12-31", "--cycles", "8"], ["--start", "9999-12-31"]),
    (["calendar", "thp", "--start", "2016-01-19", "--until", "9999-12-31"], ["--until"]),
    # Messages that misled.
    ([*THP[:-1], "1041"], ["--cycles 1041", "1040"]),
    ([*THP, "--delay", "3=-7"], ["--delay '3=-7'", "negative"]),
    (["dose", "thp", *PATIENT, "--cycle", "5000"], ["--cycle 5000", "1040"]),
    (["dose", "thp", *PATIENT, "--cycle", "5000", "--phase", "HP"], ["--cycle 5000"]),
    (["bsa", "--height", "165 cm"], ["--weight", "--help"]),
]


@pytest.mark.parametrize("args, words", HOSTILE, ids=[" ".join(a) for a, _ in HOSTILE])
def test_hostile_input_is_a_one_line_input_error(args, words):
    code, out, err = run(*args)
    assert code == 2, (code, out, err)
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in out + err and "internal error" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


# -- commas -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cm",
    [("165,5 cm", 165.5), ("0,8 m", 80.0), ("1,65 m", 165.0), ("1,2345 m", 123.45)],
)
def test_a_decimal_comma_that_cannot_be_a_thousands_comma_is_read(text, cm):
    assert parse_quantity(text, dimension="[length]").to("cm").magnitude == pytest.approx(cm)


def test_decimal_commas_of_the_issue_stay_accepted():
    patient = make_patient("165 cm", "62,5 kg", sex="female", age="40", scr="0,8 mg/dL")
    assert patient.weight_kg == 62.5 and patient.scr_mg_dl == pytest.approx(0.8)


def test_a_regimen_dose_with_a_thousands_comma_is_refused(tmp_path):
    source = (locations.ROOT / "regimens" / "thp.yaml").read_text(encoding="utf-8")
    assert "dose: 75 mg/m2" in source
    (tmp_path / "thp-comma.yaml").write_text(
        source.replace("dose: 75 mg/m2", "dose: 1,000 mg/m2"), encoding="utf-8"
    )
    code, _out, err = run("regimens", "validate", str(tmp_path / "thp-comma.yaml"))
    assert code == 2
    assert "ambiguous" in err and "1000" in err and "docetaxel" not in err.split(":")[0]


def test_dosecalc_output_with_thousands_commas_round_trips_to_a_refusal():
    # The printed form follows ISMP ("1,440 mg/m²"); read back, it is refused
    # rather than misread as 1.44.
    printed = format_number(1440)
    assert printed == "1,440"
    with pytest.raises(UnitError, match="1440 .*1.44"):
        parse_quantity(f"{printed} mg/m2", dimension="[mass] / [length] ** 2")


# -- one parser: digits and micro signs --------------------------------------------------------


@pytest.mark.parametrize("unit", ["umol/L", "µmol/L", "μmol/L", "micromol/L"])
def test_creatinine_in_micromol_per_litre_every_spelling(unit):
    value, note = parse_creatinine(f"71 {unit}")
    assert value == pytest.approx(71 / 88.4)
    assert note and "88.4" in note


def test_greek_mu_is_read_in_a_case_file_as_on_the_command_line(tmp_path):
    from dosecalc.case import load_case_file

    seed = locations.ROOT / "seeds" / "case-report.yaml"
    text = seed.read_text(encoding="utf-8")
    assert "measurements:" not in text  # the seed has none: add one
    case = tmp_path / "case.yaml"
    case.write_text(
        text.replace(
            "patient:\n",
            "patient:\n  measurements:\n    - {date: 2016-01-19, name: scr, value: '71 μmol/L'}\n",
            1,
        ),
        encoding="utf-8",
    )
    loaded = load_case_file(case)
    (scr,) = [m for m in loaded.patient.measurements if m.name == "scr"]
    assert scr.value == pytest.approx(71 / 88.4)


@pytest.mark.parametrize("start", ["２０１６-０１-１９", "٢٠١٦-٠١-١٩", "2016－01－19"])
def test_dates_in_other_digit_scripts_read_as_the_same_date(start):
    code, out, err = run("calendar", "thp", "--start", start, "--cycles", "1", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["start"] == "2016-01-19"


def test_a_delay_in_other_digit_scripts_reads_as_the_same_delay():
    code, out, err = run(*THP[:-1], "4", "--delay", "3=７", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["settings"]["delays"] == [{"cycle": "3", "days": 7}]


def test_quantities_in_other_digit_scripts_read_as_the_same_value():
    assert parse_quantity("١٦٥ cm", dimension="[length]").magnitude == 165
    assert parse_quantity("１６５ cm", dimension="[length]").magnitude == 165


# -- physical limits and engine guards ---------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("height", "10 cm"),
        ("height", "300 cm"),
        ("weight", "0.1 kg"),
        ("weight", "800 kg"),
        ("age", "126"),
        ("age", "-1"),
        ("scr", "0.01 mg/dL"),
        ("scr", "150 mg/dL"),
    ],
)
def test_physical_limits_are_not_overridable(field, value):
    values = {"height": "165 cm", "weight": "62 kg", "age": "40", "scr": "0.8 mg/dL"}
    values[field] = value
    with pytest.raises(PhysicalLimitError, match="cannot pass"):
        make_patient(
            values["height"],
            values["weight"],
            sex="female",
            age=values["age"],
            scr=values["scr"],
            accept_implausible=True,
        )


def test_implausible_but_physical_values_pass_with_the_override_and_are_marked():
    patient = make_patient("100 cm", "62 kg", accept_implausible=True)
    assert patient.height_cm == 100 and len(patient.overrides) == 1


@pytest.mark.parametrize("height", HEIGHT_PHYSICAL_CM)
@pytest.mark.parametrize("weight", WEIGHT_PHYSICAL_KG)
@pytest.mark.parametrize("formula", [f for f in BSA_FORMULAS if f != "schlich"])
def test_the_bsa_limits_hold_every_formula_at_the_corners_of_the_body_limits(
    formula, height, weight
):
    value = BSA_FORMULAS[formula][0](height, weight)
    assert BSA_PHYSICAL_M2[0] <= value <= BSA_PHYSICAL_M2[1]


@pytest.mark.parametrize("mg", [0.0, -399.0, float("nan"), float("inf")])
def test_the_engine_never_returns_a_dose_that_is_not_positive_and_finite(mg):
    with pytest.raises(CalculationError, match="not a dose"):
        require_dose(mg, "carboplatin dose")


def test_gfr_beyond_any_kidney_is_refused_without_a_policy_cap():
    # Cockcroft-Gault written out: (140 - 18) x 150 / (72 x 0.2) = 1270.8 mL/min,
    # with plausible inputs; the policy without a GFR cap would dose on it.
    with pytest.raises(PhysicalLimitError, match="GFR"):
        api.dose_course(
            "tch",
            height="180 cm",
            weight="150 kg",
            sex="male",
            age="18",
            scr="0.2 mg/dL",
            policy="capped-bsa-no-gfr-cap",
        )


# -- override marks ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ics", "html"])
def test_an_override_is_marked_in_every_calendar_format(fmt):
    code, out, err = run(
        *THP[:-1], "2", "--height", "100 cm", "--weight", "62 kg", "--accept-implausible",
        "--format", fmt,
    )  # fmt: skip
    assert code == 0, err
    assert "OVERRIDE" in out
    if fmt == "csv":
        rows = [row for row in out.splitlines() if not row.startswith("#")]
        assert "override" in rows[0].split(",")
        assert all("OVERRIDE" in row for row in rows[1:])
    if fmt == "ics":
        assert out.count("OVERRIDE") >= 2 * out.count("BEGIN:VEVENT")


def test_a_plain_calendar_carries_no_override_mark():
    code, out, _err = run(*THP[:-1], "2", *PATIENT, "--format", "csv")
    assert code == 0 and "OVERRIDE" not in out


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_bsa_shows_an_override_as_override(fmt):
    code, out, err = run(
        "bsa", "--height", "100 cm", "--weight", "62 kg", "--accept-implausible", "--format", fmt
    )
    assert code == 0, err
    assert "OVERRIDE: height 100 cm" in out
    assert "note: height 100 cm is outside" not in out


def test_dose_json_lists_overrides_apart():
    code, out, _err = run(
        "dose", "thp", "--height", "100 cm", "--weight", "62 kg", "--accept-implausible",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    patient = json.loads(out)["patient"]
    assert len(patient["overrides"]) == 1 and "height 100 cm" in patient["overrides"][0]


# -- output files ------------------------------------------------------------------------------


def test_o_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _out, err = run(*THP, "-o", str(fifo))
    assert code == 2 and "not a regular file" in err
    assert fifo.is_fifo()  # left as it was


def test_o_under_a_regular_file_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    code, _out, err = run(*THP, "-o", str(tmp_path / "notes.txt" / "course.ics"))
    assert code == 2 and "is a file, not a folder" in err and "does not exist" not in err


def test_a_legal_252_character_file_name_is_written(tmp_path):
    name = "c" * 248 + ".ics"
    code, _out, err = run(*THP, "--format", "ics", "-o", str(tmp_path / name))
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_full_disk_on_o_is_an_input_error_and_leaves_nothing(tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, _out, err = run(*THP, "-o", str(tmp_path / "course.csv"), "--format", "csv")
    assert code == 2 and "No space left on device" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_a_write_removes_the_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "course.ics"
    target.write_text("previous version", encoding="utf-8")
    real_fsync = os.fsync

    def terminated_while_syncing(fd):
        real_fsync(fd)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, "fsync", terminated_while_syncing)
    before = signal.getsignal(signal.SIGTERM)
    code, _out, err = run(*THP, "--format", "ics", "-o", str(target))
    assert code == 143 and err == "Terminated.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course.ics"]  # no .tmp left
    assert target.read_text(encoding="utf-8") == "previous version"
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back


def test_write_text_atomic_turns_os_errors_into_input_errors(tmp_path, monkeypatch):
    def failing(src, dst):
        raise OSError(36, "File name too long")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(InputError, match="File name too long"):
        write_text_atomic(tmp_path / "x.txt", "text")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs the /dev/full device")
def test_stdout_on_a_full_device_is_a_one_line_input_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "dosecalc", "bsa", *PATIENT],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert result.returncode == 2
    assert result.stderr == "Error: cannot write the output: No space left on device\n"


def test_a_symbolic_link_loop_as_a_regimen_folder(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code, _out, err = run("--regimens", str(loop), "regimens", "list")
    assert code == 2 and "loop" in err and err.count("\n") == 1


def test_a_symbolic_link_loop_as_a_regimen_file(tmp_path):
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    code, _out, err = run("--regimens", str(tmp_path), "regimens", "list")
    assert code == 2 and "symbolic links" in err and "internal error" not in err


def test_a_huge_echoed_value_gives_a_short_one_line_message():
    # 100,000 spaces inside a height: the refusal quotes the value, but the
    # message stays one short line with the reason in it.
    code, _out, err = run("bsa", "--height", "16" + " " * 100_000 + "5 cm", "--weight", "62 kg")
    assert code == 2
    assert len(err.splitlines()) == 1
    assert len(err) < 1000
    assert "height" in err
