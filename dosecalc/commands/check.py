"""``dosecalc check``: a documented course (a case file, or a free clinical
text) checked against the regimen library. The reading and the rules are the
checker's (:mod:`dosecalc.checker`); this module only gathers the inputs."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any

from ..case import canonical_yaml, load_case_file
from ..checker.check import CheckReport, check_case
from ..checker.fromtext import case_from_text
from ..errors import InputError
from ..inputfile import read_text_file
from ..patient import make_patient
from ..policy import find_policy
from ..regimen import load_all
from .inputs import Folders, Library, PatientInput


@dataclass(frozen=True)
class CheckRequest:
    """What ``dosecalc check`` is asked: a case file or a text file; height
    and weight complete a case that lacks them (for final doses in mg)."""

    case_file: str | None = None
    _: KW_ONLY
    text_file: str | None = None
    patient: PatientInput = PatientInput()
    policy: str | None = None
    library: Library = Library()


def run(request: CheckRequest) -> CheckReport:
    """Check the documented course. Returns a CheckReport (errors first)."""
    library = request.library
    pol = find_policy(request.policy, library.policy_dirs)
    regimens = load_all(library.regimen_dirs)
    extracted: list[Any] = []
    if request.text_file is not None:
        path = Path(request.text_file)
        text = read_text_file(path)
        case, extracted, text_findings = case_from_text(text, str(path), regimens)
    elif request.case_file is not None:
        case, text_findings = load_case_file(Path(request.case_file)), []
    else:
        raise InputError("give a case file (YAML) or --text FILE")
    patient = None
    given = request.patient
    if bool(given.height) != bool(given.weight):
        raise InputError("give both --height and --weight (or neither)")
    # The case's own height and weight, else its latest dated measurements.
    # A case with only one of them is checked on per-unit doses only.
    latest_height, latest_weight = case.patient.latest("height"), case.patient.latest("weight")
    height = given.height or case.patient.height or (latest_height.text if latest_height else None)
    weight = given.weight or case.patient.weight or (latest_weight.text if latest_weight else None)
    if height and weight:
        patient = make_patient(
            height,
            weight,
            sex=case.patient.sex,
            age=case.patient.age_years,
            accept_implausible=given.accept_implausible,
        )
    report = check_case(case, pol, regimens, patient, text_findings)
    report.extracted = extracted
    return report


def check_course(
    case_file: str | None = None,
    *,
    text_file: str | None = None,
    height: str | None = None,
    weight: str | None = None,
    policy: str | None = None,
    regimen_dirs: Folders = (),
    policy_dirs: Folders = (),
    accept_implausible: bool = False,
) -> CheckReport:
    """Check a documented course (a case file, or a free clinical text).

    Height and weight, when given, complete a case that lacks them so final
    doses in mg can be shown. Returns a CheckReport (errors first).
    """
    patient = PatientInput(height, weight, accept_implausible=accept_implausible)
    library = Library(regimen_dirs, policy_dirs)
    return run(
        CheckRequest(
            case_file, text_file=text_file, patient=patient, policy=policy, library=library
        )
    )


def normalized_case(case_file: str) -> str:
    """The case file as read, in the documented format (``dosecalc check
    --normalize``): what the reader assumed or ignored first, as comments."""
    return canonical_yaml(load_case_file(Path(case_file)))
