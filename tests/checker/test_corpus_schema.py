"""The checker corpus (tests/data/corpus/) follows its expected-results schema.

The corpus is ground truth written by hand before any checker run; this test
only checks its form (every input has an expected file, allowed keys and
values, errors name a drug that was read), never what the checker says.
The schema is in tests/data/corpus/README.md.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import locations
import pytest
import yaml

CORPUS = locations.DATA / "corpus"
WRITTEN_FOR_CORPUS = "written for the corpus"

TOP_KEYS = {"language", "source", "refused", "refused_reason", "entries", "errors"}
ENTRY_KEYS = {
    "drug",
    "route",
    "dose",
    "kind",
    "frequency",
    "days",
    "cycles",
    "duration",
    "start",
    "end",
}
ROUTES = {"iv", "sc", "po"}
KINDS = {"loading", "maintenance"}
FREQUENCY_KEYS = {"every_days", "per_week", "per_day", "once"}
ERROR_KINDS = {"frequency", "dose", "unit", "loading", "basis", "lvef", "cumulative", "duration"}
DOSE = re.compile(
    r"^(AUC \d+(\.\d+)?|\d+(\.\d+)? (mg|g|mcg|mg/m2|g/m2|mg/kg|mcg/kg|g/kg|units|units/m2))$"
)
DURATION = re.compile(r"^\d+(\.\d+)? (days?|weeks?|months?|years?)$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _inputs(folder: str, suffix: str) -> list[Path]:
    return sorted(
        path
        for path in (CORPUS / folder).glob(f"*{suffix}")
        if not path.name.endswith(".expected.yaml")
    )


def _expected_path(path: Path) -> Path:
    stem = path.name.removesuffix(path.suffix)
    return path.with_name(f"{stem}.expected.yaml")


TEXTS = _inputs("texts", ".txt")
CASES = _inputs("cases", ".yaml")
PUBLISHED = _inputs("published", ".txt")
HELDOUT = _inputs("heldout", ".txt")
HELDOUT2 = _inputs("heldout2", ".txt")
HELDOUT3 = _inputs("heldout3", ".txt")
HELDOUT4 = _inputs("heldout4", ".txt")
ALL_INPUTS = TEXTS + CASES + PUBLISHED + HELDOUT + HELDOUT2 + HELDOUT3 + HELDOUT4
ALL_EXPECTED = sorted(CORPUS.glob("*/*.expected.yaml"))


def _is_date(value: Any) -> bool:
    if isinstance(value, datetime.date):
        return True
    return isinstance(value, str) and bool(MONTH.match(value))


def _check_entry(entry: Any, where: str) -> None:
    assert isinstance(entry, dict), f"{where}: an entry is a mapping"
    unknown = set(entry) - ENTRY_KEYS
    assert not unknown, f"{where}: unknown entry keys {sorted(unknown)}"
    drug = entry.get("drug")
    assert isinstance(drug, str) and drug == drug.lower() and drug.strip(), f"{where}: drug"
    if "route" in entry:
        assert entry["route"] in ROUTES, f"{where}: route {entry['route']!r}"
    if "dose" in entry:
        assert isinstance(entry["dose"], str) and DOSE.match(entry["dose"]), (
            f"{where}: dose {entry['dose']!r}"
        )
    if "kind" in entry:
        assert entry["kind"] in KINDS, f"{where}: kind {entry['kind']!r}"
    if "frequency" in entry:
        frequency = entry["frequency"]
        assert isinstance(frequency, dict) and len(frequency) == 1, f"{where}: one frequency key"
        (key, value), *_ = frequency.items()
        assert key in FREQUENCY_KEYS, f"{where}: frequency key {key!r}"
        if key == "once":
            assert value is True, f"{where}: once: true"
        else:
            assert isinstance(value, int) and value > 0, f"{where}: {key} {value!r}"
    if "days" in entry:
        days = entry["days"]
        assert isinstance(days, list) and days, f"{where}: days is a list"
        assert all(isinstance(day, int) and day > 0 for day in days), f"{where}: days {days}"
    if "cycles" in entry:
        assert isinstance(entry["cycles"], int) and entry["cycles"] > 0, f"{where}: cycles"
    if "duration" in entry:
        assert isinstance(entry["duration"], str) and DURATION.match(entry["duration"]), (
            f"{where}: duration {entry['duration']!r}"
        )
    for key in ("start", "end"):
        if key in entry:
            assert _is_date(entry[key]), f"{where}: {key} {entry[key]!r} is not an ISO date"


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), f"{path.name}: a mapping at the top"
    return data


@pytest.mark.parametrize("path", ALL_INPUTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_input_has_an_expected_file(path: Path) -> None:
    assert _expected_path(path).exists(), f"{path.name} has no expected file"


@pytest.mark.parametrize("path", ALL_EXPECTED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_expected_file_follows_the_schema(path: Path) -> None:
    data = _load(path)
    name = path.name
    unknown = set(data) - TOP_KEYS
    assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
    assert data.get("language") in {"fr", "en"}, f"{name}: language"
    source = data.get("source")
    assert isinstance(source, str) and source.strip(), f"{name}: source"
    if path.parent.name in {"published", "heldout"}:
        assert "http" in source, f"{name}: a published passage gives its URL"
    else:
        assert source == WRITTEN_FOR_CORPUS, f"{name}: source"
    refused = data.get("refused")
    assert isinstance(refused, bool), f"{name}: refused is true or false"
    if refused:
        assert isinstance(data.get("refused_reason"), str), f"{name}: refused_reason"
    else:
        assert "refused_reason" not in data, f"{name}: refused_reason only when refused"
    entries = data.get("entries")
    assert isinstance(entries, list), f"{name}: entries is a list"
    if not refused:
        assert entries, f"{name}: a readable input has entries"
    for number, entry in enumerate(entries, 1):
        _check_entry(entry, f"{name} entry {number}")
    errors = data.get("errors")
    assert isinstance(errors, list), f"{name}: errors is a list ([] when correct)"
    drugs = {entry["drug"] for entry in entries}
    for error in errors:
        assert isinstance(error, dict) and set(error) == {"drug", "kind", "note"}, (
            f"{name}: an error has drug, kind and note"
        )
        assert error["kind"] in ERROR_KINDS, f"{name}: error kind {error['kind']!r}"
        assert error["drug"] in drugs, f"{name}: error drug {error['drug']!r} is not an entry"
        assert isinstance(error["note"], str) and error["note"].strip(), f"{name}: note"


def test_every_expected_file_has_its_input() -> None:
    inputs = {_expected_path(path) for path in ALL_INPUTS}
    orphans = [path.name for path in ALL_EXPECTED if path not in inputs]
    assert not orphans, f"expected files without input: {orphans}"


def test_corpus_sizes_and_language_balance() -> None:
    """Issue 9 asks for 60 texts (half French, half English), 30 cases, 20 passages."""
    assert len(TEXTS) >= 60
    assert len(CASES) >= 30
    assert len(PUBLISHED) >= 20
    languages = [_load(_expected_path(path))["language"] for path in TEXTS]
    assert languages.count("fr") == languages.count("en")
    published_languages = {_load(_expected_path(path))["language"] for path in PUBLISHED}
    assert published_languages == {"fr", "en"}


def test_about_half_of_the_written_inputs_carry_a_planted_error() -> None:
    written = [_load(_expected_path(path)) for path in TEXTS + CASES]
    readable = [data for data in written if not data["refused"]]
    with_errors = sum(1 for data in readable if data["errors"])
    assert 0.35 <= with_errors / len(readable) <= 0.65
    assert any(data["refused"] for data in written), "a couple of inputs cannot be read"


def test_heldout_set_size_and_languages() -> None:
    """The held-out published set (301-3NN): at least 20 passages, at least 6 in French."""
    assert len(HELDOUT) >= 20
    languages = [_load(_expected_path(path))["language"] for path in HELDOUT]
    assert languages.count("fr") >= 6
    assert languages.count("en") >= 6


def test_heldout2_set_size_languages_and_planted_errors() -> None:
    """The held-out written texts (401-430): 30 texts, half French, about half with errors."""
    assert len(HELDOUT2) >= 30
    written = [_load(_expected_path(path)) for path in HELDOUT2]
    languages = [data["language"] for data in written]
    assert languages.count("fr") == languages.count("en")
    with_errors = sum(1 for data in written if data["errors"])
    assert 0.35 <= with_errors / len(written) <= 0.65


def test_heldout3_set_size_languages_and_planted_errors() -> None:
    """The second held-out written set (501-530): 30 texts, half French, about half with errors."""
    assert len(HELDOUT3) >= 30
    written = [_load(_expected_path(path)) for path in HELDOUT3]
    languages = [data["language"] for data in written]
    assert languages.count("fr") == languages.count("en")
    with_errors = sum(1 for data in written if data["errors"])
    assert 0.35 <= with_errors / len(written) <= 0.65


def test_heldout4_set_size_languages_and_planted_errors() -> None:
    """The third held-out written set (601-624): 24 texts, half French, half with errors."""
    assert len(HELDOUT4) >= 24
    written = [_load(_expected_path(path)) for path in HELDOUT4]
    languages = [data["language"] for data in written]
    assert languages.count("fr") == languages.count("en")
    with_errors = sum(1 for data in written if data["errors"])
    assert 0.35 <= with_errors / len(written) <= 0.65
