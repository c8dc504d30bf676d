"""The one exception hierarchy of dosecalc.

Every error a user can cause or meet is a :class:`DosecalcError`. The command
line turns these into a one-line message in a single place
(:func:`dosecalc.cli.main`); library callers catch them like any exception.
``exit_code`` follows the command-line convention: 2 for bad usage or input,
1 for other failures.
"""

from __future__ import annotations

from typing import NamedTuple


class DosecalcError(Exception):
    """Base class: raised for any failure dosecalc can explain to its user."""

    exit_code = 1


class InputError(DosecalcError):
    """Raised when a value typed by the user is missing, malformed or implausible."""

    exit_code = 2


class UnitError(InputError):
    """Raised when a quantity has no unit where one is needed, an unknown unit,
    or a unit of the wrong dimension (a height in kg)."""


class AmbiguousNumberError(UnitError):
    """Raised when a number can be read two ways ("1,200": 1200 with a
    thousands comma, 1.2 with a decimal comma); the message gives both."""


class PlausibilityError(InputError):
    """Raised when a patient value lies outside the adult plausibility range
    and the user has not overridden the check."""


class PhysicalLimitError(PlausibilityError):
    """Raised when a value lies outside what a human body can be (a height of
    1e308, a creatinine of 0): a typing or unit error that no override passes."""


class NotFoundError(InputError):
    """Raised when a named regimen, policy, drug, phase or cycle does not exist."""


class Problem(NamedTuple):
    """One validation problem in a data file, located by file, line and field path.

    (A named tuple, not a dataclass: this module is imported by the command
    line at start-up, where ``dataclasses`` would cost about 10 ms.)
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DataFileError(DosecalcError):
    """Raised when a regimen, policy, drug reference or case file fails
    validation. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else "invalid data file"
        if count == 1:
            return first
        return f"{first} (and {count - 1} more problem{'s' if count > 2 else ''})"

    def details(self) -> str:
        """Every problem, one per line."""
        return "\n".join(str(p) for p in self.problems)


class CalculationError(DosecalcError):
    """Raised when a dose cannot be computed from what was given (for example
    an AUC dose without serum creatinine)."""

    exit_code = 2


class FindingsFound(DosecalcError):
    """Raised after a check has printed its findings and found errors, so the
    exit code (1) can gate a pipeline."""


class ResultDiffers(DosecalcError):
    """Raised after ``reproduce`` has printed what differs from the recorded
    output, so the exit code (1) says the result was not reproduced."""


class Terminated(BaseException):  # noqa: N818 - named like KeyboardInterrupt, its sibling
    """Raised when SIGTERM arrives while an output file is written, so that
    the temporary file is removed as on Ctrl-C (the default action of SIGTERM
    would leave it behind). Not a DosecalcError: like KeyboardInterrupt, it
    stops the program rather than explaining a problem."""
