"""Which library regimen a documented treatment is checked against, now that
several regimens share a phase's drugs: the written regimen name first, then
frequency, setting, the written doses and the documented cycle count."""

from __future__ import annotations

from pathlib import Path

import locations
import pytest

from dosecalc import api

CASES = locations.DATA / "cases"


def identified(path: Path) -> list[tuple[str | None, str | None]]:
    report = api.check_course(str(path))
    return [
        (i.regimen.id if i.regimen else None, i.phase.id if i.phase else None)
        for i in report.identified
    ]


def write_case(tmp_path: Path, name: str, cycles: str, drugs: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(
        f"""\
schema_version: 1
id: identification
title: identification test
patient:
  sex: female
  age: 50
  height: 165 cm
  weight: 62 kg
  lvef: [{{date: 2022-08-29, value: 62%}}]
treatments:
  - id: t1
    regimen: {name}
    start: 2022-09-05
    frequency: every 3 weeks
    cycles: {cycles}
    drugs:
{drugs}
""",
        encoding="utf-8",
    )
    return path


THP_DRUGS = """\
      - {drug: pertuzumab, dose: 840 mg}
      - {drug: trastuzumab, dose: 8 mg/kg}
      - {drug: docetaxel, dose: 75 mg/m2}
      - {drug: dexamethasone, dose: 8 mg twice daily, route: PO}
"""


@pytest.mark.parametrize(
    ("name", "cycles", "expected"),
    [
        ("THP", "6 cycles", ("thp", "THP")),
        ("AC -> THP", "4 cycles", ("ac-thp", "THP")),  # the written name wins
        ("docetaxel-trastuzumab-pertuzumab", "4 cycles", ("thp", "THP")),  # an alias of thp
        (
            "unnamed",
            "6 cycles",
            ("thp", "THP"),
        ),  # no name: 6 cycles fit thp (at least 6), not ac-thp (4)
        ("unnamed", "4 cycles", ("ac-thp", "THP")),
    ],
)
def test_thp_phase_is_found_in_the_right_regimen(tmp_path, name, cycles, expected):
    assert identified(write_case(tmp_path, name, cycles, THP_DRUGS)) == [expected]


@pytest.mark.parametrize(
    ("dose", "expected"),
    [("1250 mg/m2", "capecitabine"), ("1000 mg/m2", "capecitabine-1000")],
)
def test_capecitabine_dose_chooses_between_label_and_reduced_regimens(tmp_path, dose, expected):
    drugs = f"      - {{drug: capecitabine, dose: {dose} twice daily, route: PO}}\n"
    path = write_case(tmp_path, "oral chemotherapy", "6 cycles", drugs)
    assert identified(path) == [(expected, "X")]
    report = api.check_course(str(path))
    assert not [f for f in report.findings if f.code == "DOSE_DIFFERS"]
