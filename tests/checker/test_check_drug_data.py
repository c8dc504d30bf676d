"""The checker takes drug roles from the regimen and drug data, not from names
written in its code."""

from __future__ import annotations

from dataclasses import replace

import locations
import pytest

from dosecalc import api
from dosecalc.case import Treatment
from dosecalc.checker.course import Identified
from dosecalc.checker.rules.lvef import _monitored_drug
from dosecalc.drugs import load_drug_reference
from dosecalc.errors import DataFileError
from dosecalc.paths import shipped_dir
from dosecalc.regimen import load_all, load_regimen_file


def identified(regimen) -> Identified:
    treatment = Treatment(
        id="t", setting=None, start=None, end=None, frequency=None, cycles=None,
        duration=None, drugs=(), given=(), regimen=None, quote=None, line=None,
    )  # fmt: skip
    return Identified(treatment, {"Perjeta": "pertuzumab", "Herceptin": "trastuzumab"}, regimen)


def test_the_lvef_finding_is_about_the_drug_the_regimens_monitoring_rule_names():
    reference = load_drug_reference()
    thp = next(r for r in load_all() if r.id == "thp")
    assert _monitored_drug(reference, identified(thp)) == "trastuzumab"
    # The same treatment under a rule that named pertuzumab would follow the data.
    renamed = replace(thp, monitoring=tuple(replace(r, drug="pertuzumab") for r in thp.monitoring))
    assert _monitored_drug(reference, identified(renamed)) == "pertuzumab"
    # No regimen: the first drug written whose label asks for LVEF monitoring.
    assert _monitored_drug(reference, identified(None)) == "pertuzumab"


SEED = locations.ROOT / "seeds" / "case-report.yaml"
THP = shipped_dir("regimens") / "thp.yaml"
RULE = "{after: trastuzumab, months: 12, about: pertuzumab, source: cleopatra}"


def test_the_disease_free_interval_note_comes_from_the_regimen_data(tmp_path):
    # The seed: adjuvant trastuzumab ended 2015-05, THP started 2016-01: about
    # 8 months, under the 12 months CLEOPATRA required.
    [note] = [f for f in api.check_course(str(SEED)).findings if f.code == "ELIGIBILITY_NOTE"]
    assert note.drug == "pertuzumab" and "about 8 months after adjuvant trastuzumab" in note.message
    # The same interval written as 6 months in a copy of the regimen: no note.
    text = THP.read_text(encoding="utf-8")
    assert text.count(RULE) == 1
    (tmp_path / "thp.yaml").write_text(text.replace("months: 12", "months: 6"), encoding="utf-8")
    report = api.check_course(str(SEED), regimen_dirs=(str(tmp_path),))
    assert not [f for f in report.findings if f.code == "ELIGIBILITY_NOTE"]


def test_an_eligibility_rule_about_a_drug_outside_the_regimen_is_refused(tmp_path):
    path = tmp_path / "thp.yaml"
    text = THP.read_text(encoding="utf-8").replace("about: pertuzumab", "about: tucatinib")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_regimen_file(path)
    assert any(p.path == "eligibility[0].about" for p in info.value.problems)
