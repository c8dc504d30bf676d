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
    #: The input the error is about, named as its command-line option without
    #: the dashes ("weight", "start", "previous-weight"), when there is one:
    #: the web page shows the message next to that field. A message that
    #: starts with its option ("--delay '3=x': ...") names it already.
    field: str | None = None

    def __init__(self, *args: object, field: str | None = None):
        super().__init__(*args)
        self.field = field or _leading_option(args[0] if args else None)


def _leading_option(message: object) -> str | None:
    """ "--delay '3=x': ..." -> "delay"; None when the message names no option first."""
    if not isinstance(message, str) or not message.startswith("--"):
        return None
    name = ""
    for char in message[2:]:
        if not (char.isalnum() or char == "-"):
            break
        name += char
    return name or None


def about_field(error: DosecalcError, field: str) -> DosecalcError:
    """``error`` with its field set, unless it already names one."""
    if error.field is None:
        error.field = field
    return error


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
