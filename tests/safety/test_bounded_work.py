"""Bounded work: every input file read within a size limit, devices and
folder loops refused, and the free-text checker linear in its input.

The linearity test compares the time for 1x and 10x the same hostile text
through the public API (``api.check_course``), so it holds whatever the
checker's internals become. It asserts a ratio, not a wall-clock time: a
linear path gives about 10, the quadratic patterns it guards against gave
over 100 (a run of 10,000 spaces took 2.4 s, 100,000 did not finish).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_text import HOSTILE_TEXTS, best_check_seconds
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.errors import DataFileError, InputError
from dosecalc.paths import shipped_dir
from dosecalc.policy import find_policy, load_policy_file
from dosecalc.regimen import load_all, load_regimen_file
from dosecalc.units import _LEADING_NUMBER

THP = (shipped_dir("regimens") / "thp.yaml").read_text(encoding="utf-8")
ONE_MB = 1_000_000  # written out: the size limit of docs/safety.md

# --- file size and kind -------------------------------------------------------------------


def test_a_regimen_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    path = tmp_path / "thp.yaml"
    padding = "#" * (ONE_MB - len(THP.encode("utf-8")) - 1) + "\n"
    path.write_text(THP + padding, encoding="utf-8")
    assert path.stat().st_size == ONE_MB
    load_regimen_file(path)
    path.write_text(THP + "#" + padding, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_regimen_file(path)
    assert str(info.value) == f"{path}: cannot read: it is larger than 1,000,000 bytes"


def test_a_text_over_the_limit_is_refused_in_one_line(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes(b"docetaxel 75 mg/m2 " + b" " * ONE_MB)
    with pytest.raises(InputError) as info:
        api.check_course(text_file=str(path))
    assert str(info.value) == f"cannot read '{path}': it is larger than 1,000,000 bytes"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_before_reading(device):
    with pytest.raises(InputError) as info:
        api.check_course(text_file=device)
    assert str(info.value) == f"cannot read '{device}': it is a device, not a file"
    with pytest.raises(DataFileError) as data_info:
        api.validate_regimens((device,))
    assert str(data_info.value) == f"{device}: cannot read: it is a device, not a file"
    with pytest.raises(DataFileError):
        api.check_course(device)  # as a case file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_read_within_the_bound(tmp_path):
    """A pipe with no writer reads as empty, without hanging; the checker
    then finds no treatment (a pipe with a writer reads like a file)."""
    fifo = tmp_path / "note.txt"
    os.mkfifo(fifo)
    report = api.check_course(text_file=str(fifo))
    assert [f.code for f in report.findings] == ["NO_TREATMENT_FOUND"]


def test_a_folder_given_as_a_file(tmp_path):
    with pytest.raises(InputError) as info:
        api.check_course(text_file=str(tmp_path))
    assert str(info.value) == f"cannot read '{tmp_path}': it is a folder, not a file"


@pytest.mark.parametrize(
    ("data", "offset", "byte"),
    [(b"doc\xe9taxel 75 mg/m2", 3, "0xe9"), (b"\xff\xfedocetaxel", 0, "0xff")],
)
def test_non_utf8_text_names_the_file_and_the_byte(tmp_path, data, offset, byte):
    path = tmp_path / "note.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        api.check_course(text_file=str(path))
    assert str(info.value) == (
        f"cannot read '{path}': it is not UTF-8 text (byte {byte} at offset {offset})"
    )
    yaml_path = tmp_path / "p.yaml"
    yaml_path.write_bytes(data)
    with pytest.raises(DataFileError) as data_info:
        load_policy_file(yaml_path)
    assert "not UTF-8 text" in str(data_info.value)


# --- folders ------------------------------------------------------------------------------


def test_a_symbolic_link_loop_as_the_regimen_folder(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError) as info:
        load_all((str(loop),))
    assert str(info.value) == (
        f"regimen folder '{loop}' is a symbolic link that leads nowhere (broken, or a loop)"
    )
    with pytest.raises(InputError):
        find_policy("standard", (str(loop),))


def test_a_symbolic_link_loop_inside_the_regimen_folder(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(DataFileError) as info:
        load_all((str(tmp_path),))
    (problem,) = info.value.problems
    assert problem.file == str(tmp_path / "a.yaml")
    assert problem.message.startswith("cannot read: ")


def test_a_folder_with_too_many_entries_is_refused_before_parsing(tmp_path):
    (tmp_path / "thp.yaml").write_text(THP, encoding="utf-8")
    for i in range(499):
        (tmp_path / f"note-{i}.txt").touch()
    assert [r.id for r in load_all((str(tmp_path),)) if r.path.startswith(str(tmp_path))] == [
        "thp"
    ]  # 500 entries: read
    (tmp_path / "one-more.txt").touch()
    with pytest.raises(InputError) as info:
        load_all((str(tmp_path),))
    assert "has more than 500 entries" in str(info.value)


# --- the free-text checker is linear --------------------------------------------------------


LINEARITY_CASES = [
    "spaces inside a dose",
    "tabs inside a dose",
    "no-break spaces inside a dose",
    "spaces around 'x' and 'par'",
    "digits",
    "slashes",
    "'mg/' repeated",
    "padded sentences",
]


@pytest.mark.parametrize("name", LINEARITY_CASES)
def test_checking_ten_times_the_text_costs_about_ten_times_the_time(tmp_path, name):
    build = HOSTILE_TEXTS[name]
    path = tmp_path / "note.txt"
    best_check_seconds(path, build(1_000), 1)  # warm the caches (policy, regimens, drug reference)
    # Linear: about 10. Quadratic: about 100. A busy shared machine can slow
    # one large run, so a ratio over the bound is measured again (twice at
    # most); a quadratic path fails every time.
    ratios = []
    for _ in range(3):
        small = best_check_seconds(path, build(10_000), 3)
        large = best_check_seconds(path, build(100_000), 2)
        ratios.append(large / small)
        if ratios[-1] < 25:
            break
    assert min(ratios) < 25, f"{name}: 10x the text took {min(ratios):.0f}x the time"


# --- quantities: a run of blanks inside a value is read in linear time ------------------------


def _bsa_seconds(height: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        with pytest.raises(InputError):
            api.compute_bsa(height, "62 kg")
        best = min(best, time.perf_counter() - start)
    return best


def test_a_quantity_with_a_long_run_of_blanks_is_refused_in_linear_time():
    """Before: '75 mg' + 5,000 spaces + 'x' took 0.2 s and 50,000 spaces 14 s."""
    ratios = []
    for _ in range(3):
        small = _bsa_seconds("165 cm" + " " * 20_000 + "x", 3)
        large = _bsa_seconds("165 cm" + " " * 200_000 + "x", 2)
        ratios.append(large / small)
        if ratios[-1] < 25:
            break
    assert min(ratios) < 25, f"10x the blanks took {min(ratios):.0f}x the time"


_NUMBER = r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
# The quantity pattern as it was before it was made linear: the reference
# for what a quantity's number and unit are.
_QUADRATIC_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 \t\n\u00a0.,e+-mgkx/", max_size=20))
def test_the_linear_quantity_pattern_reads_what_the_old_one_read(text):
    old, new = _QUADRATIC_QUANTITY.match(text), _LEADING_NUMBER.match(text)
    assert (old and old.groups()) == (new and new.groups())


@pytest.mark.parametrize("args", [["check"], ["check", "--text"], ["regimens", "validate"]])
def test_a_file_of_zeros_is_refused_in_one_line(tmp_path, args):
    zeros = tmp_path / "zeros.yaml"
    zeros.write_bytes(b"\x00" * 5000)
    result = subprocess.run(
        [sys.executable, "-m", "dosecalc", *args, str(zeros)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "binary file" in result.stderr


def test_a_control_character_in_yaml_is_one_line(tmp_path):
    bad = tmp_path / "case.yaml"
    bad.write_bytes(b"a: \x01b\n")
    result = subprocess.run(
        [sys.executable, "-m", "dosecalc", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not valid YAML" in result.stderr
