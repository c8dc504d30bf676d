"""The checker takes drug roles from the regimen and drug data, not from names
written in its code."""

from __future__ import annotations

from dataclasses import replace

from dosecalc.case import Treatment
from dosecalc.checker.course import Identified
from dosecalc.checker.rules.lvef import _monitored_drug
from dosecalc.drugs import load_drug_reference
from dosecalc.regimen import load_all


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
