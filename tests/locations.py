"""Where the project's files are, for tests in any folder of ``tests/``."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PACKAGE = ROOT / "dosecalc"
SEEDS = ROOT / "seeds"
DATA = TESTS / "data"
CASES = DATA / "cases"
CORPUS = DATA / "corpus"
