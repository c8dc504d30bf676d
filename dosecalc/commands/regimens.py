"""``dosecalc regimens list | show | validate``, and the documented dose
levels of a regimen's drugs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFileError, InputError, NotFoundError
from ..formatting import format_amount
from ..model import BASIS_UNITS, Regimen
from ..policy import policy_files
from ..regimen import find_regimen, load_all, load_regimen_file, parse_per_unit_dose, regimen_files
from .inputs import Folders, Library


@dataclass(frozen=True)
class RegimenSummary:
    """One row of ``dosecalc regimens list``."""

    id: str
    name: str
    setting: str
    phases: str
    path: str
    version: str = ""
    status: str = ""
    last_reviewed: str | None = None


def list_regimens(regimen_dirs: Folders = ()) -> list[RegimenSummary]:
    """Every regimen of the library (validated)."""
    return [summary(r) for r in load_all(regimen_dirs)]


def summary(r: Regimen) -> RegimenSummary:
    """The list row of one regimen."""
    return RegimenSummary(
        r.id,
        r.name,
        r.setting,
        " → ".join(
            f"{p.id} ({p.cycles.describe()}, every {p.cycle_length_days} days)" for p in r.phases
        ),
        r.path or "",
        r.version,
        r.status,
        r.last_reviewed.isoformat() if r.last_reviewed else None,
    )


def list_policies(policy_dirs: Folders = ()) -> list[str]:
    """The names of the policies of the library (shipped, then the folders given)."""
    return [path.stem for path in policy_files(policy_dirs)]


def show_regimen(name: str, regimen_dirs: Folders = ()) -> Regimen:
    """One regimen, validated."""
    return find_regimen(name, regimen_dirs)


@dataclass(frozen=True)
class ValidateRequest:
    """``dosecalc regimens validate``: these files, or the whole library."""

    files: tuple[str, ...] = ()
    library: Library = Library()


def validate(request: ValidateRequest) -> list[str]:
    """Validate the files (or the whole library); returns the files checked,
    or raises DataFileError listing every problem of every file."""
    paths = request.files
    files = [Path(p) for p in paths] if paths else regimen_files(request.library.regimen_dirs)
    problems = []
    for path in files:
        if not (path.exists() or path.is_symlink()):
            raise NotFoundError(f"no file '{path}'")
        try:
            load_regimen_file(path)
        except DataFileError as exc:
            problems += exc.problems
    if problems:
        raise DataFileError(problems)
    return [str(f) for f in files]


def validate_regimens(paths: tuple[str, ...] = (), regimen_dirs: Folders = ()) -> list[str]:
    """:func:`validate` with plain arguments (the Python API)."""
    return validate(ValidateRequest(tuple(paths), Library(regimen_dirs)))


@dataclass(frozen=True)
class DoseLevelMatch:
    """A dose found among a drug's documented reductions in a regimen."""

    regimen: str
    phase: str
    drug: str
    level: int  # 1 = the first documented reduction
    dose: str  # "4.4 mg/kg"
    starting_dose: str  # "5.4 mg/kg"
    source: str

    def describe(self) -> str:
        return (
            f"{self.dose} is documented dose reduction {self.level} of {self.drug} in "
            f"{self.regimen} phase {self.phase} (from {self.starting_dose}) [{self.source}]"
        )


def documented_reduction(
    regimen: str,
    drug: str,
    dose: str,
    *,
    phase: str | None = None,
    regimen_dirs: Folders = (),
) -> DoseLevelMatch | None:
    """Whether ``dose`` (a per-unit dose such as "4.4 mg/kg" or "60 mg/m2",
    or a percentage of the starting dose such as "75%") is a documented
    reduction level of ``drug`` in ``regimen`` (in ``phase``, else in any
    phase). Returns the match, or None when it is not a documented level.
    Raises InputError for a drug or phase not in the regimen, or a dose that
    does not fit the drug's basis."""
    reg = find_regimen(regimen, regimen_dirs)
    phases = [reg.phase(phase)] if phase is not None else list(reg.phases)
    entries = [(p, e) for p in phases for e in p.drugs if e.drug == drug.strip().lower()]
    if not entries:
        where = f"phase {phases[0].id} of {reg.id}" if phase is not None else reg.id
        raise InputError(f"'{drug}' is not a drug of {where} ({', '.join(reg.drugs())})")
    text = dose.strip()
    for found_phase, entry in entries:
        start = entry.starting_step.per_unit
        if text.endswith("%"):
            try:
                per_unit = start * float(text[:-1]) / 100
            except ValueError:
                raise InputError(f"'{dose}' is not a percentage (write e.g. '75%')") from None
        else:
            per_unit = float(parse_per_unit_dose(text, entry.basis).magnitude)
        level = entry.reduction_level(per_unit)
        if level is not None and entry.dose_levels is not None:
            unit = BASIS_UNITS[entry.basis]
            return DoseLevelMatch(
                reg.id,
                found_phase.id,
                entry.drug,
                level,
                format_amount(per_unit, unit, 4),
                format_amount(start, unit, 4),
                entry.dose_levels.source,
            )
    return None
