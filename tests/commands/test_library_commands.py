"""Every regimen of the library works end to end through the command line:
dose (for the example patient), calendar (4 cycles) and regimens show."""

from __future__ import annotations

import pytest
from conftest import run_cli as run

from dosecalc.regimen import regimen_files

REGIMENS = [path.stem for path in regimen_files()]
PATIENT = ["--height", "165 cm", "--weight", "62 kg", "--sex", "female", "--age", "40"]


def test_the_library_has_the_her2_and_backbone_regimens():
    assert set(REGIMENS) >= {
        "tchp", "ac-thp", "apt", "tdm1-adjuvant", "tdm1-metastatic", "tdxd", "trastuzumab-sc",
        "phesgo", "tucatinib-trastuzumab-capecitabine", "ddac-t", "ac-weekly-paclitaxel", "tc",
        "ec", "fec100", "fec-d", "capecitabine", "capecitabine-1000",
    }  # fmt: skip


@pytest.mark.parametrize("regimen", REGIMENS)
def test_dose_calendar_and_show_work_for_every_regimen(regimen):
    code, out, err = run("dose", regimen, *PATIENT, "--scr", "0.8 mg/dL")
    assert (code, err) == (0, "") and f"Regimen: {regimen} " in out
    code, out, err = run("calendar", regimen, "--start", "2026-01-05", "--cycles", "4")
    assert (code, err) == (0, "") and "2026-01-05" in out
    code, out, err = run("regimens", "show", regimen)
    assert (code, err) == (0, "") and out.startswith(f"{regimen}: ")
