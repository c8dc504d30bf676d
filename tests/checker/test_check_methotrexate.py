"""Methotrexate in the drug reference: CMF gives 40 mg/m2 IV on days 1 and 8
every 28 days (Bonadonna 1976); the highest labelled dose is the
osteosarcoma 12 g/m2, escalated to 15 g/m2. 40 g/m2 is no dose of it."""

from __future__ import annotations

from pathlib import Path

from dosecalc import api


def errors(tmp_path: Path, text: str) -> list[tuple[str, str | None]]:
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    report = api.check_course(None, text_file=str(path))
    return [(f.code, f.drug) for f in report.findings if f.severity == "error"]


def test_cmf_methotrexate_in_grams_is_an_error(tmp_path):
    # 40 g/m2 is 1000 times the CMF dose and 2.7 times the highest (15 g/m2).
    found = errors(
        tmp_path,
        "CMF: cyclophosphamide 600 mg/m2, méthotrexate 40 g/m2, fluorouracile 600 mg/m2 "
        "J1 J8 tous les 28 jours, 6 cycles.\n",
    )
    assert any(drug == "methotrexate" for _, drug in found)


def test_cmf_and_high_dose_methotrexate_written_correctly_are_not_errors(tmp_path):
    assert (
        errors(
            tmp_path,
            "CMF: cyclophosphamide 600 mg/m2, méthotrexate 40 mg/m2, fluorouracile 600 mg/m2 "
            "J1 J8 tous les 28 jours, 6 cycles.\n",
        )
        == []
    )
    assert errors(tmp_path, "Methotrexate 12 g/m2 IV over 4 hours weekly.\n") == []
