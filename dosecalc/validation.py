"""A small toolkit for validating data files and collecting every problem.

Loaders walk the parsed YAML with a :class:`Checker`, which records each
problem with its file, line and field path instead of stopping at the first,
so an author sees everything that is wrong at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DataFileError, Problem
from .limits import Bound

if TYPE_CHECKING:
    from .yamlio import Lines

T = TypeVar("T")

_FIRST_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def format_path(path: tuple[Any, ...]) -> str:
    """``("phases", 0, "drugs", 2, "dose")`` -> ``"phases[0].drugs[2].dose"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Checker:
    """Collects problems found in one data file."""

    def __init__(self, filename: str, lines: Lines):
        self.filename = filename
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, path: tuple[Any, ...]) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.filename, self.line(path), format_path(path), message))

    def raise_if_any(self) -> None:
        if self.problems:
            # In file order, so an author can work down the file.
            raise DataFileError(sorted(self.problems, key=lambda p: p.line or 0))

    # -- structural checks ---------------------------------------------------

    def mapping(
        self, value: Any, path: tuple[Any, ...], required: set[str], optional: set[str]
    ) -> dict[str, Any] | None:
        """Check ``value`` is a mapping with the required keys and no unknown key."""
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {describe_value(value)}")
            return None
        for key in value:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(required | optional))
                self.problem((*path, key), f"unknown field (allowed: {allowed})")
        for key in sorted(required - set(value)):
            self.problem(path, f"missing required field '{key}'")
        return value

    def sequence(self, value: Any, path: tuple[Any, ...], non_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {describe_value(value)}")
            return []
        if non_empty and not value:
            self.problem(path, "must not be empty")
        return value

    def text(self, value: Any, path: tuple[Any, ...]) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"expected text, got {describe_value(value)}")
            return None
        return value.strip()

    def integer(
        self,
        value: Any,
        path: tuple[Any, ...],
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        # bool is an int in Python; in clinical data "yes" is never a count.
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"expected a whole number, got {describe_value(value)}")
            return None
        if minimum is not None and value < minimum:
            self.problem(path, f"{value} is less than {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.problem(path, f"{value} is more than {maximum}")
            return None
        return value

    def within(
        self, value: float | None, path: tuple[Any, ...], bound: Bound, written: Any = None
    ) -> float | None:
        """``value`` (already in ``bound.unit``) if inside ``bound``; else a
        problem naming the value as written, the range and why, and None."""
        if value is None:
            return None
        if bound.contains(value):
            return value
        shown = bound.show(value)
        if isinstance(written, str):
            number = _FIRST_NUMBER.search(written)
            same = number is not None and _float(number.group()) == value
            shown = f"'{written.strip()}'" if same else f"'{written.strip()}' ({shown})"
        self.problem(path, f"{shown} is not {bound.describe()}: {bound.why}")
        return None

    def choice(self, value: Any, path: tuple[Any, ...], choices: tuple[str, ...]) -> str | None:
        if value not in choices:
            self.problem(path, f"{value!r} is not one of: {', '.join(choices)}")
            return None
        return value


def describe_value(value: Any) -> str:
    """What a YAML value is, for a message: "a boolean (True)", "text ('yes')"."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({value!r})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def load_data_file(path: Path, read: Callable[[Checker, Any], T | None]) -> T:
    """Parse the YAML file at ``path`` and build its object with ``read``,
    which reports problems to the Checker it is given. Raises DataFileError
    listing every problem found; used by every data-file loader."""
    # PyYAML is imported only when a file is parsed: a warm cache (datacache) skips it.
    from .yamlio import load_yaml_file

    data, lines = load_yaml_file(path)
    checker = Checker(str(path), lines)
    result = read(checker, data)
    checker.raise_if_any()
    assert result is not None  # a reader returns None only with problems recorded
    return result
