"""The corpus scorer (benchmarks/checker_corpus.py) runs on the corpus and
prints its table (run pytest with -s to see it). Only its structure is
asserted here: the figures are measurements, reported, not pinned."""

from __future__ import annotations

import importlib.util
import sys

import locations

from dosecalc import api

ROOT = locations.ROOT


def load_scorer():
    spec = importlib.util.spec_from_file_location(
        "checker_corpus", ROOT / "benchmarks" / "checker_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["checker_corpus"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_scorer_runs_on_the_corpus_and_prints_its_table():
    scorer = load_scorer()
    scores = scorer.score_corpus()
    assert set(scores) == {
        "texts",
        "cases",
        "published",
        "heldout",
        "heldout2",
        "heldout3",
        "heldout4",
    }
    for name, score in scores.items():
        expected_files = len(scorer.inputs(scorer.CORPUS / name))
        assert score.files == expected_files > 0
        assert sum(score.caught.values()) <= sum(score.planted.values())
        assert score.refused <= score.files
        for tally in (*score.fields.values(), score.entries):
            assert min(tally.tp, tally.fp, tally.fn) >= 0
            assert all(0 <= value <= 1 for value in tally.prf())
    table = scorer.table(scores)
    for label in ("whole entries P/R/F1", "planted errors caught", "false errors", "refused"):
        assert label in table
    print()
    print(table)


def test_the_scorers_normalisation_of_what_is_written():
    scorer = load_scorer()
    assert scorer.dose_key("8mg/kg") == scorer.dose_key("8 mg / kg") == "8 mg/kg"
    assert scorer.dose_key("AUC 6") == "AUC 6"
    assert scorer.frequency_key({"every_days": 21}) == scorer.frequency_key("q3w")
    assert scorer.frequency_key("trois fois par semaine") == ("per_week", 3.0)
    # 52 weeks and one year are both 364 days once rounded to whole weeks.
    assert scorer.duration_days("1 year") == scorer.duration_days("52 weeks") == 364


def test_the_seed_still_gives_its_three_errors():
    report = api.check_course(str(ROOT / "seeds" / "case-report.yaml"))
    errors = sorted((f.code, f.treatment) for f in report.findings if f.severity == "error")
    assert errors == [
        ("FREQUENCY_IMPLAUSIBLE", "h-adjuvant"),
        ("FREQUENCY_IMPLAUSIBLE", "thp"),
        ("UNIT_IMPLAUSIBLE", "supportive-2016"),
    ]
