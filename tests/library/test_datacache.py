"""The cache of parsed data files: a hit gives the same objects and the same
doses as a fresh parse; a changed file, a changed dosecalc or a damaged entry
is a miss and a fresh parse, never an error or a different dose.

The rest of the suite runs with the cache off (tests/conftest.py); these tests
turn it on, in a temporary folder.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dosecalc import datacache, drugs, policy, regimen
from dosecalc.cli import main
from dosecalc.paths import shipped_dir

THP = shipped_dir("regimens") / "thp.yaml"
STANDARD = shipped_dir("policies") / "standard.yaml"
DOSE = ["dose", "thp", "--height", "165", "--weight", "62"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.delenv("DOSECALC_NO_CACHE", raising=False)
    monkeypatch.setenv("DOSECALC_CACHE_DIR", str(folder))
    # The in-process caches would hide the file cache.
    regimen._cached_load.cache_clear()
    policy._cached.cache_clear()
    drugs._default_reference.cache_clear()
    yield folder
    regimen._cached_load.cache_clear()
    policy._cached.cache_clear()
    drugs._default_reference.cache_clear()


def entries(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.pickle"))


def refuse_to_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any parse fails the test: only the cache may answer."""

    def fail(path: Path) -> None:
        raise AssertionError(f"{path} was parsed, not read from the cache")

    monkeypatch.setattr(regimen, "_read_regimen_file", fail)
    monkeypatch.setattr(policy, "_read_policy_file", fail)
    monkeypatch.setattr(drugs, "_read", fail)


def dose_output(*before: str, env: dict[str, str] | None = None) -> str:
    """The output of ``dosecalc BEFORE dose thp ...`` (``before``: group options)."""
    regimen._cached_load.cache_clear()
    policy._cached.cache_clear()
    drugs._default_reference.cache_clear()
    runner = CliRunner()
    with runner.isolation(env=env) as (out, _err, _both):
        assert main([*before, *DOSE]) in (0, None)
    return out.getvalue().decode()


def test_a_second_load_is_read_from_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch):
    fresh_regimen = regimen.load_regimen_file(THP)
    fresh_policy = policy.load_policy_file(STANDARD)
    fresh_drugs = drugs.load_drug_reference(drugs.default_path())
    assert len(entries(cache, "regimen")) == len(entries(cache, "policy")) == 1
    assert len(entries(cache, "drugs")) == 1

    refuse_to_parse(monkeypatch)
    cached = regimen.load_regimen_file(THP)
    assert cached == fresh_regimen
    assert cached.sha256 == fresh_regimen.sha256
    assert policy.load_policy_file(STANDARD) == fresh_policy
    reference = drugs.load_drug_reference(drugs.default_path())
    assert reference.drugs == fresh_drugs.drugs
    # The name indexes are rebuilt: a misspelt name is still recognised.
    assert reference.match("docetaxol") == fresh_drugs.match("docetaxol")


def test_quantities_come_back_in_dosecalc_registry(cache: Path):
    from dosecalc.units import Q, registry

    regimen.load_regimen_file(THP)
    cached = regimen.load_regimen_file(THP)
    amount = next(
        entry.standard.amount
        for phase in cached.phases
        for entry in phase.drugs
        if entry.drug == "docetaxel" and entry.standard
    )
    assert amount._REGISTRY is registry()
    # 75 mg/m2 (Perjeta PI 2.2) for a BSA of 1.8 m2 is 135 mg.
    assert (amount * Q(1.8, "m2")).to("mg").magnitude == pytest.approx(135)


def test_the_dose_is_the_same_cold_warm_and_uncached(cache: Path):
    cold = dose_output()
    assert entries(cache, "regimen")
    warm = dose_output()
    uncached = dose_output(env={"DOSECALC_NO_CACHE": "1"})
    assert cold == warm == uncached
    assert "Docetaxel" in cold or "docetaxel" in cold


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path):
    folder = tmp_path / "regimens"
    folder.mkdir()
    copy = folder / "thp.yaml"
    shutil.copy(THP, copy)
    before = dose_output("--regimens", str(folder))
    text = copy.read_text()
    assert text.count("dose: 75 mg/m2") == 1
    copy.write_text(text.replace("dose: 75 mg/m2", "dose: 70 mg/m2"))
    after = dose_output("--regimens", str(folder))
    # Docetaxel 70 mg/m2 x BSA 1.6857 m2 (Mosteller, 165 cm, 62 kg) = 118 mg;
    # 75 mg/m2 gave 126 mg.
    assert "126 mg" in before and "126 mg" not in after
    assert "118 mg" in after
    assert after == dose_output("--regimens", str(folder), env={"DOSECALC_NO_CACHE": "1"})
    # The older entry for the same file was replaced, not kept beside it.
    assert len(entries(cache, "regimen")) == 1  # the copy shadows the shipped thp


def test_a_changed_dosecalc_is_a_miss(cache: Path, monkeypatch: pytest.MonkeyPatch):
    regimen.load_regimen_file(THP)
    parses = []
    real = regimen._read_regimen_file
    monkeypatch.setattr(regimen, "_read_regimen_file", lambda p: parses.append(p) or real(p))
    regimen.load_regimen_file(THP)
    assert parses == []  # a hit
    monkeypatch.setattr(datacache, "__version__", "999.0.0")
    datacache.code_fingerprint.cache_clear()
    try:
        regimen.load_regimen_file(THP)
    finally:
        monkeypatch.undo()
        datacache.code_fingerprint.cache_clear()
    assert parses == [THP]


def test_a_changed_source_file_changes_the_code_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A stand-in package: the fingerprint covers the .py files beside
    # datacache.py, in subfolders too, and units.txt, but not bytecode.
    package = tmp_path / "package"
    (package / "commands").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "units.txt").write_text("gram = [mass] = g\n")
    reader = package / "commands" / "reader.py"
    reader.write_text("LIMIT = 1\n")
    monkeypatch.setattr(datacache, "__file__", str(package / "datacache.py"))

    def fingerprint() -> bytes:
        datacache.code_fingerprint.cache_clear()
        return datacache.code_fingerprint()

    try:
        first = fingerprint()
        assert fingerprint() == first  # stable while nothing changes
        (package / "__pycache__" / "reader.cpython-311.pyc").write_bytes(b"x")
        assert fingerprint() == first
        reader.write_text("LIMIT = 2\n")  # same size: the modification time tells
        stamp = reader.stat().st_mtime_ns
        os.utime(reader, ns=(stamp, stamp + 1_000_000))
        second = fingerprint()
        assert second != first
        (package / "units.txt").write_text("gram = [mass] = g = gm\n")
        assert fingerprint() != second
    finally:
        monkeypatch.undo()
        datacache.code_fingerprint.cache_clear()


def test_a_changed_dependency_is_a_miss(cache: Path, tmp_path: Path):
    data, other = tmp_path / "data.txt", tmp_path / "other.txt"
    data.write_text("one")
    other.write_text("first")
    built = []

    def build(path: Path) -> str:
        built.append(path)
        return path.read_text()

    assert datacache.load("test", data, build, str, depends=[other]) == "one"
    assert datacache.load("test", data, build, str, depends=[other]) == "one"
    assert len(built) == 1
    other.write_text("second")
    assert datacache.load("test", data, build, str, depends=[other]) == "one"
    assert len(built) == 2


def test_a_file_that_changes_while_it_is_read_is_not_stored(cache: Path, tmp_path: Path):
    data = tmp_path / "data.txt"
    data.write_text("one")

    def build(path: Path) -> str:
        text = path.read_text()
        path.write_text("two")  # an editor saves the file mid-read
        return text

    assert datacache.load("test", data, build, str) == "one"
    assert entries(cache, "test") == []


def _flip_last_byte(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 0xFF])


def _malicious(blob: bytes) -> bytes:
    # A well-framed entry whose payload would run a command on unpickling.
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned > owned.txt",))

    payload = pickle.dumps(Evil())
    head = blob[: len(datacache._MARK) + 32]
    import hashlib

    return head + hashlib.sha256(payload).digest() + payload


TAMPERINGS = {
    "truncated": lambda blob: blob[: len(blob) // 2],
    "empty": lambda blob: b"",
    "flipped byte": _flip_last_byte,
    "garbage": lambda blob: b"\x80\x05not a pickle at all" * 10,
    "malicious": _malicious,
}


@pytest.mark.parametrize("how", TAMPERINGS)
def test_a_damaged_entry_is_rebuilt_and_the_dose_unchanged(
    cache: Path, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    expected = dose_output(env={"DOSECALC_NO_CACHE": "1"})
    dose_output()
    for entry in entries(cache, "regimen") + entries(cache, "policy") + entries(cache, "drugs"):
        entry.write_bytes(TAMPERINGS[how](entry.read_bytes()))
    assert dose_output() == expected
    assert not (tmp_path / "owned.txt").exists()
    # Rebuilt: the next run reads good entries.
    refuse_to_parse(monkeypatch)
    assert dose_output() == expected


def test_a_foreign_entry_is_ignored(cache: Path, monkeypatch: pytest.MonkeyPatch):
    """A policy's entry copied over the regimen's (same framing, valid
    payload, wrong key) is not read as the regimen."""
    expected = dose_output(env={"DOSECALC_NO_CACHE": "1"})
    dose_output()
    [policy_entry] = entries(cache, "policy")
    for entry in entries(cache, "regimen"):
        shutil.copy(policy_entry, entry)
    assert dose_output() == expected


def test_a_wrong_object_under_the_right_key_is_ignored(cache: Path):
    """Even with the right key and checksum, an object of another type, or a
    regimen carrying another file's hash, is not used."""
    import hashlib

    fresh = regimen.load_regimen_file(THP)
    [entry] = entries(cache, "regimen")
    blob = entry.read_bytes()
    head = blob[: len(datacache._MARK) + 32]
    for impostor in ("a string", fresh.__class__(**{**fresh.__dict__, "sha256": "0" * 64})):
        buffer = __import__("io").BytesIO()
        datacache._Pickler(buffer).dump(impostor)
        payload = buffer.getvalue()
        entry.write_bytes(head + hashlib.sha256(payload).digest() + payload)
        assert regimen.load_regimen_file(THP) == fresh


def test_disabled(cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOSECALC_NO_CACHE", "1")
    dose_output()
    assert not cache.exists()


def test_an_unwritable_cache_is_only_slower(cache: Path):
    cache.write_text("a file where the folder should be")
    expected = dose_output(env={"DOSECALC_NO_CACHE": "1"})
    assert dose_output() == expected


def test_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("DOSECALC_NO_CACHE", raising=False)
    monkeypatch.delenv("DOSECALC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datacache.cache_dir() == tmp_path / "dosecalc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert datacache.cache_dir() == tmp_path / ".cache" / "dosecalc"
    monkeypatch.setenv("DOSECALC_CACHE_DIR", str(tmp_path / "mine"))
    assert datacache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("DOSECALC_NO_CACHE", "1")
    assert datacache.cache_dir() is None


# Imported when a data file is parsed, or by other commands; a dose from
# cached files needs none of them.
NOT_ON_A_WARM_DOSE = ("yaml", "dosecalc.drugs", "dosecalc.commands.calendar", "difflib")


def test_a_warm_start_does_not_import_the_parsers(cache: Path):
    """The point of the cache: a dose from cached files needs no YAML parser,
    no drug-reference reader and no calendar."""
    script = (
        "import sys\n"
        "from dosecalc.cli import main\n"
        f"main({DOSE!r})\n"
        f"print([m for m in {NOT_ON_A_WARM_DOSE!r} if m in sys.modules], file=sys.stderr)\n"
    )
    env = {**os.environ, "DOSECALC_CACHE_DIR": str(cache)}
    env.pop("DOSECALC_NO_CACHE", None)
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert "'yaml'" in first.stderr.strip().splitlines()[-1]  # the check can fail
    # Pint imports dask whenever it is installed, and dask imports yaml: the dev
    # environment has dask for `dosecalc verify --engine dask`. That import is
    # Pint's, not the cache's (docs/verify.md, "Start-up cost").
    allowed = "['yaml']" if importlib.util.find_spec("dask") else "[]"
    assert second.stderr.strip().splitlines()[-1] in ("[]", allowed)
    assert first.stdout == second.stdout


def test_a_warm_process_prints_prefixed_units_like_a_cold_one(cache: Path, tmp_path: Path):
    # The drug reference holds doses in micrograms (filgrastim 5 mcg/kg). A
    # fresh process that reads them from the cache has never parsed the text
    # 'mcg': the units must still print (this once ended in an internal error
    # on the second run only).
    note = tmp_path / "note.txt"
    note.write_text(
        "CMF every 14 days with PEG-filgrastim 6 mg 24 hours after chemotherapy:"
        " cyclophosphamide 600 mg/m2, methotrexate 40 mg/m2, fluorouracil 600 mg/m2.\n",
        encoding="utf-8",
    )
    env = {**os.environ, "DOSECALC_CACHE_DIR": str(cache)}
    env.pop("DOSECALC_NO_CACHE", None)
    args = [sys.executable, "-m", "dosecalc", "check", "--text", str(note), "--format", "json"]
    cold, warm = (subprocess.run(args, env=env, capture_output=True, text=True) for _ in "12")
    assert list(cache.glob("drugs-*.pickle")), "the drug reference was not cached"
    assert "internal error" not in cold.stderr + warm.stderr
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
