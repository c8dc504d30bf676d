"""Regimen format additions: doses given several times a day (capecitabine
twice daily), documented dose-reduction levels, and the governance fields.
Each is validated strictly; expected values are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from dosecalc import api
from dosecalc.errors import DataFileError, InputError
from dosecalc.regimen import load_regimen_file

BASE = """\
schema_version: 1
id: fmt
name: Format test regimen
setting: metastatic
version: 1
status: reviewed
last_reviewed: 2026-12-01
reviewed_by: test reviewer
sources:
  - id: src
    citation: Test fixture, not a clinical source
phases:
  - id: P
    name: Phase P
    cycle_length: 21 days
    cycles: {until: progression}
    drugs:
      - drug: capecitabine
        route: PO
        basis: bsa
        dose: 1000 mg/m2
        times_per_day: 2
        days: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
        dose_levels: {levels: ["75%", "50%"], source: src}
        sources: [src]
      - drug: trastuzumab-deruxtecan
        route: IV
        basis: weight
        dose: 5.4 mg/kg
        days: [1]
        dose_levels: {levels: [4.4 mg/kg, 3.2 mg/kg], source: src}
        sources: [src]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fmt.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in BASE
    with pytest.raises(DataFileError) as info:
        load_regimen_file(write(tmp_path, BASE.replace(old, new, 1)))
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_the_base_fixture_loads_with_its_additions(tmp_path):
    regimen = load_regimen_file(write(tmp_path, BASE))
    capecitabine, tdxd = regimen.phases[0].drugs
    assert capecitabine.times_per_day == 2
    assert tdxd.times_per_day == 1  # the default: once on each listed day
    assert [level.percent for level in capecitabine.dose_levels.levels] == [75, 50]
    assert [float(level.amount.magnitude) for level in tdxd.dose_levels.levels] == [4.4, 3.2]
    assert tdxd.dose_levels.source == "src"


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("times_per_day: 2", "times_per_day: 0", "times_per_day", "less than 1"),
        ("times_per_day: 2", "times_per_day: 7", "times_per_day", "more than 6"),
        ("times_per_day: 2", "times_per_day: twice", "times_per_day", "whole number"),
        ("times_per_day: 2", "times_per_day: true", "times_per_day", "boolean"),
        ('["75%", "50%"]', '["50%", "75%"]', "levels[1]", "not below the level before it"),
        ('["75%", "50%"]', '["100%"]', "levels[0]", "between 0% and 100%"),
        ('["75%", "50%"]', '["abc%"]', "levels[0]", "not a percentage"),
        ('["75%", "50%"]', '["75%", 500 mg/m2]', "levels", "not both"),
        ('["75%", "50%"]', "[]", "levels", "must not be empty"),
        ("[4.4 mg/kg, 3.2 mg/kg]", "[4.4 mg/m2]", "levels[0]", "mg/kg"),
        ("[4.4 mg/kg, 3.2 mg/kg]", "[5.4 mg/kg]", "levels[0]", "not below"),
        ("[4.4 mg/kg, 3.2 mg/kg]", "[6.4 mg/kg]", "levels[0]", "not below"),
        ("[4.4 mg/kg, 3.2 mg/kg]", "[4.4]", "levels[0]", "no unit"),
        (
            "levels: [4.4 mg/kg, 3.2 mg/kg], source: src",
            "levels: [4.4 mg/kg]",
            "dose_levels",
            "source",
        ),
        (
            "source: src}\n        sources: [src]\n",
            "source: elsewhere}\n        sources: [src]\n",
            "source",
            "unknown source",
        ),
        (
            "{levels: [4.4 mg/kg, 3.2 mg/kg], source: src}",
            "{levels: [4.4 mg/kg], source: src, by: x}",
            "by",
            "unknown field",
        ),
        ("\nversion: 1", "\nversion: 0", "version", "less than 1"),
        ("\nversion: 1", "\nversion: one", "version", "whole number"),
        ("status: reviewed", "status: approved", "status", "not one of"),
        ("last_reviewed: 2026-12-01", "last_reviewed: 1/12/2026", "last_reviewed", "YYYY-MM-DD"),
        (
            "last_reviewed: 2026-12-01",
            "last_reviewed: '2026-02-30'",
            "last_reviewed",
            "not a real date",
        ),
        ("reviewed_by: test reviewer", "reviewed_by: ''", "reviewed_by", "expected text"),
    ],
)
def test_malformed_additions_are_named(tmp_path, old, new, path, message):
    found = problems(tmp_path, old, new)
    assert any(path in p and message in p for p in found), found


def test_twice_daily_dose_is_per_administration_and_the_day_total_is_shown(tmp_path):
    report = api.dose_course(
        "fmt", height="165 cm", weight="62 kg", regimen_dirs=(str(write(tmp_path, BASE).parent),)
    )
    capecitabine = next(line for line in report.lines if line.drug == "capecitabine")
    # Mosteller: sqrt(165 x 62 / 3600) = sqrt(2.841667) = 1.685725 m2;
    # 1000 mg/m2 x 1.685725 = 1685.73 mg a dose, dispensed as 150 mg and 500 mg tablets:
    # 1650 mg (3 x 500 + 1 x 150, -2.1%), twice a day: 3300 mg a day.
    assert capecitabine.calculated_mg == pytest.approx(1685.73, abs=0.01)
    assert capecitabine.final_mg == 1650
    assert capecitabine.times_per_day == 2
    assert any("1,650 mg per dose, 3,300 mg a day" in step for step in capecitabine.derivation)


def test_calendar_counts_both_daily_doses_in_the_course_total(tmp_path):
    folder = str(write(tmp_path, BASE).parent)
    report = api.calendar_course(
        "fmt", "2026-01-05", cycles=1, height="165 cm", weight="62 kg", regimen_dirs=(folder,)
    )
    lines = [line for line in report.lines if line.administration.drug == "capecitabine"]
    assert len(lines) == 14  # days 1-14
    assert lines[0].dose_text == "1,650 mg twice daily"  # 1685.73 mg as 3 x 500 + 1 x 150 mg
    total = next(t for t in report.drug_totals if t.drug == "capecitabine")
    assert total.total_mg == pytest.approx(14 * 2 * 1650)


@pytest.mark.parametrize(
    ("drug", "dose", "level"),
    [
        ("trastuzumab-deruxtecan", "4.4 mg/kg", 1),
        ("trastuzumab-deruxtecan", "3.2 mg/kg", 2),
        ("trastuzumab-deruxtecan", "4.40 mg/kg", 1),
        ("capecitabine", "75%", 1),
        ("capecitabine", "750 mg/m2", 1),  # 75% of 1000 mg/m2
        ("capecitabine", "500 mg/m2", 2),
    ],
)
def test_documented_reduction_levels_are_recognised(tmp_path, drug, dose, level):
    folder = str(write(tmp_path, BASE).parent)
    match = api.documented_reduction("fmt", drug, dose, regimen_dirs=(folder,))
    assert match is not None and match.level == level
    assert match.source == "src"


@pytest.mark.parametrize(
    ("drug", "dose"),
    [
        ("trastuzumab-deruxtecan", "5.4 mg/kg"),  # the starting dose is not a reduction
        ("trastuzumab-deruxtecan", "4 mg/kg"),
        ("capecitabine", "60%"),
        ("capecitabine", "800 mg/m2"),
    ],
)
def test_other_doses_are_not_documented_levels(tmp_path, drug, dose):
    folder = str(write(tmp_path, BASE).parent)
    assert api.documented_reduction("fmt", drug, dose, regimen_dirs=(folder,)) is None


def test_documented_reduction_refuses_a_drug_outside_the_regimen_and_a_wrong_unit(tmp_path):
    folder = str(write(tmp_path, BASE).parent)
    with pytest.raises(InputError, match="not a drug of fmt"):
        api.documented_reduction("fmt", "docetaxel", "60 mg/m2", regimen_dirs=(folder,))
    with pytest.raises(InputError, match="mg/kg"):
        api.documented_reduction(
            "fmt", "trastuzumab-deruxtecan", "4.4 mg/m2", regimen_dirs=(folder,)
        )


def test_regimens_show_lists_the_levels(tmp_path):
    from dosecalc.output import text as render

    regimen = load_regimen_file(write(tmp_path, BASE))
    text = render.regimen_show_output(regimen, "table")
    assert (
        "trastuzumab-deruxtecan documented dose reductions: 4.4 mg/kg, then 3.2 mg/kg [src]" in text
    )
    assert "capecitabine documented dose reductions: 750 mg/m², then 500 mg/m² [src]" in text
    assert "1,000 mg/m² twice daily" in text
