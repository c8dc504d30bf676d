"""A small toolkit for validating data files and collecting every problem.

Loaders walk the parsed YAML with a :class:`Checker`, which records each
problem with its file, line and field path instead of stopping at the first,
so an author sees everything that is wrong at once.

The fields of a mapping are described once, as data: a :class:`Section` is
the ordered list of its :class:`Field` s (name, required or not, the default
read when absent, and the reader that checks and converts the value) and of
the :class:`Rule` s that span several fields, each at its place. The
readers are small and shared (:func:`text`, :func:`one_of`, :func:`whole`,
:func:`within`, :func:`cited`, :func:`list_of`, :func:`section`), so each rule
(an unknown field, a missing required one, a value not among those allowed, a
number outside its bound in ``limits.py``, a source that is not declared) is
written once, here, with its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DataFileError, Problem, format_path
from .limits import Bound
from .model import Source

if TYPE_CHECKING:
    from .yamlio import Lines

T = TypeVar("T")
N = TypeVar("N", int, float)

#: A field's location in the file: keys and list indexes from the top.
FieldPath = tuple[Any, ...]

_FIRST_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


#: What an unknown source id message tells the author to do.
DECLARE_SOURCES = "declare it under 'sources'"


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

    def cited(
        self,
        ref: Any,
        path: tuple[Any, ...],
        declared: Collection[str],
        hint: str = DECLARE_SOURCES,
        *,
        required: bool = False,
    ) -> Any:
        """``ref``, a source id cited by a field: the file must declare it
        under 'sources', so that every clinical value is traceable. An empty
        ``ref`` (already reported as not text) is let through unless the
        citation is ``required``; ``hint`` says where sources are declared."""
        if (ref or required) and ref not in declared:
            # A required citation is read as written (it may be missing or a
            # number), so it is shown as Python writes it: None, 5, 'x'.
            shown = f"'{ref}'" if isinstance(ref, str) and not required else repr(ref)
            self.problem(path, f"unknown source {shown} ({hint})")
        return ref

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
        self, value: N | None, path: tuple[Any, ...], bound: Bound, written: Any = None
    ) -> N | None:
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
        return str(value)


# -- fields, described as data ---------------------------------------------------

#: A field's reader: (checker, value as written, its path, the fields read
#: before it) -> the value to build with, or None with a problem recorded.
Reader = Callable[[Checker, Any, FieldPath, "dict[str, Any]"], Any]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: The default of a field that is not read when it is absent (its value is None).
ABSENT: Any = _Absent()

#: Under this key a reader finds the mapping as written (a rule on whether
#: another field was written at all, not on what it was read as).
WRITTEN = "<written>"


class Field:
    """One field of a mapping: its name, whether it is ``required``, the
    ``default`` read in its place when it is absent (``ABSENT``: not read,
    None), and the ``read`` that checks and converts it (None: kept as written).

    A required field that is absent is reported missing once; its ``default``
    is still read, silently, for the fields that depend on it.
    """

    __slots__ = ("name", "read", "required", "default")

    def __init__(
        self,
        name: str,
        read: Reader | None = None,
        *,
        required: bool = False,
        default: Any = ABSENT,
    ):
        self.name, self.read, self.required, self.default = name, read, required, default

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


#: A rule over a whole mapping: (checker, the mapping as written, its path,
#: the fields read before it) -> what it found, stored under its name.
Check = Callable[[Checker, "dict[str, Any]", FieldPath, "dict[str, Any]"], Any]


class Rule:
    """A check that spans several fields of a mapping (``dose``, or ``loading``
    with ``maintenance``), run at its place in the reading order."""

    __slots__ = ("name", "check")

    def __init__(self, name: str, check: Check):
        self.name, self.check = name, check

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"


class Section:
    """A mapping's fields and rules, in the order they are read (and their
    problems reported), plus ``others``: keys allowed here and read by code of
    their own.

    :meth:`read` reports an unknown field, each missing required field, then
    reads every field in order, so every problem of the mapping is found at once.
    """

    __slots__ = ("steps", "required", "optional")

    def __init__(self, *steps: Field | Rule, others: Collection[str] = ()):
        self.steps = steps
        fields = [step for step in steps if isinstance(step, Field)]
        self.required = {f.name for f in fields if f.required}
        self.optional = {f.name for f in fields if not f.required} | set(others)

    def read(
        self,
        c: Checker,
        value: Any,
        path: FieldPath,
        context: dict[str, Any] | None = None,
        *,
        lenient: bool = False,
    ) -> dict[str, Any] | None:
        """The fields of the mapping ``value`` at ``path``, each as its reader
        returned it, and what each rule found, by name; None (with the problem
        recorded) when ``value`` is not a mapping, unless ``lenient``: then its
        fields are read as absent. Readers see ``context`` (what the enclosing
        sections read) and the fields read before them."""
        entry = c.mapping(value, path, self.required, self.optional)
        if entry is None and not lenient:
            return None
        written = entry or {}
        got = {**(context or {}), WRITTEN: written}
        for step in self.steps:
            if isinstance(step, Rule):
                got[step.name] = step.check(c, written, path, got)
                continue
            raw = written.get(step.name, step.default)
            if raw is ABSENT:
                got[step.name] = None
            elif step.read is None:
                got[step.name] = raw
            elif step.required and step.name not in written:
                # Reported missing once, by c.mapping; its default is still
                # read (the fields after it use what it gives, an empty list
                # of phases or of sources), but what its reader says about
                # that default is the same slip, said again, and is dropped.
                said = len(c.problems)
                got[step.name] = step.read(c, raw, (*path, step.name), got)
                del c.problems[said:]
            else:
                got[step.name] = step.read(c, raw, (*path, step.name), got)
        return {step.name: got[step.name] for step in self.steps}


# The shared readers. Each returns the checked value, or None with a problem recorded.


def text(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    """Non-empty text, stripped."""
    return c.text(value, path)


def one_of(*choices: str) -> Reader:
    """One of ``choices``, as written."""
    return lambda c, value, path, got: c.choice(value, path, choices)


def whole(minimum: int | None = None, maximum: int | None = None) -> Reader:
    """A whole number (never a boolean) from ``minimum`` to ``maximum``."""
    return lambda c, value, path, got: c.integer(value, path, minimum, maximum)


def within(read: Reader, bound: Bound) -> Reader:
    """What ``read`` gives (in ``bound.unit``), inside ``bound`` (limits.py)."""

    def checked(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
        return c.within(read(c, value, path, got), path, bound, value)

    return checked


#: Under this key the readers of citations find the source ids the file declares.
DECLARED = "<declared sources>"


def declares_sources(read: Reader) -> Reader:
    """``read`` (a file's ``sources`` list, returning the sources by id), whose
    ids the fields read after it may cite (:func:`cited`)."""

    def declared(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
        got[DECLARED] = read(c, value, path, got)
        return got[DECLARED]

    return declared


def schema_version(supported: int) -> Reader:
    """A file's ``schema_version``, which must be the one this dosecalc reads."""

    def version(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> Any:
        if value != supported:
            c.problem(
                path, f"unsupported schema version {value!r} (this dosecalc reads {supported})"
            )
        return value

    return version


#: A source id: lower case, digits and hyphens ("herceptin-smpc-2024").
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _web_address(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    if value is not None and (
        not isinstance(value, str) or not value.startswith(("http://", "https://"))
    ):
        c.problem(path, "expected an http(s) address")
        return None
    return value


_SOURCE = Section(
    Field("id", text, required=True, default=None),
    Field("citation", text, required=True, default=None),
    Field("url", _web_address),
)


def _source_list(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for i, item in enumerate(c.sequence(value, path)):
        entry = _SOURCE.read(c, item, (*path, i))
        if entry is None or entry["id"] is None or entry["citation"] is None:
            continue
        source_id = entry["id"]
        if not SOURCE_ID.match(source_id):
            c.problem(
                (*path, i, "id"),
                f"'{source_id}' is not a valid id (lower case, digits and hyphens)",
            )
        elif source_id in sources:
            c.problem((*path, i, "id"), f"duplicate source id '{source_id}'")
        else:
            sources[source_id] = Source(source_id, entry["citation"], entry["url"])
    return sources


#: The ``sources`` list every data file declares, written once for the three
#: readers: each entry an id, a citation and an optional web address; ids
#: unique; the fields read after it may cite them (:func:`cited`).
SOURCES: Reader = declares_sources(_source_list)


def cited(hint: str = DECLARE_SOURCES) -> Reader:
    """A source id, as text, that the file declares (see :meth:`Checker.cited`)."""

    def source(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
        ref: str | None = c.cited(c.text(value, path), path, got[DECLARED], hint)
        return ref

    return source


def list_of(read: Reader, *, non_empty: bool = True) -> Reader:
    """A list, each item read by ``read``; the items that passed, as a tuple."""

    def items(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            item
            for i, raw in enumerate(c.sequence(value, path, non_empty))
            if (item := read(c, raw, (*path, i), got)) is not None
        )

    return items


def section(spec: Section, *, lenient: bool = False) -> Reader:
    """A nested mapping described by ``spec``; it sees the fields read so far."""
    return lambda c, value, path, got: spec.read(c, value, path, got, lenient=lenient)


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
