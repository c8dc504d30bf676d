"""Loading YAML data files safely, with the line of every field.

Only safe loading: no tags that build Python objects. PyYAML's YAML 1.1 rules
turn ``1:30`` into 90, ``010`` into 8 and ``NO`` into False; this loader keeps
those as the strings they were written as, so strict validation can refuse
them instead of reading a wrong number. The libyaml loader is 5-9x faster
than the pure-Python one, and used when available.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import DataFileError, Problem
from .inputfile import UnreadableFile, read_text_file

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BASE):  # type: ignore[valid-type,misc]
    """Safe loader with YAML 1.2-like scalars: only true/false are booleans,
    and no sexagesimal or octal integers."""

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        # An explicit tag with a bad value ("!!float abc", "!!bool maybe",
        # an empty "!!timestamp") makes PyYAML raise a bare ValueError,
        # KeyError or AttributeError: make it a YAML error with a line.
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {node.value!r} as {node.tag.rpartition(':')[2]} ({exc})",
                node.start_mark,
            ) from None


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)

Lines = dict[tuple[Any, ...], int]

# A regimen is a few kB; anything this large is not one.
MAX_FILE_CHARS = 1_000_000
# A regimen nests about 6 levels; deeper input would only exhaust the stack.
MAX_DEPTH = 64


class _Refused(Exception):
    def __init__(self, line: int, message: str, path: tuple[Any, ...] = ()):
        self.line, self.message, self.path = line, message, path


def _index_lines(node: yaml.Node, path: tuple[Any, ...], lines: Lines, seen: set[int]) -> None:
    # A node reached twice is an alias. Data files have no use for anchors,
    # and a chain of aliases (the "billion laughs") would make this walk, and
    # any consumer, exponential: refuse them.
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in seen:
            raise _Refused(
                node.start_mark.line + 1, "YAML anchors and aliases are not allowed in data files"
            )
        seen.add(id(node))
        if len(path) >= MAX_DEPTH:
            raise _Refused(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        keys: set[tuple[str, Any]] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    key_node.start_mark.line + 1,
                    "a key must be a plain value, not a list or mapping",
                    path,
                )
            child = (*path, key_node.value)
            # YAML forbids duplicate keys; PyYAML would keep the last one
            # silently, so a second "dose:" would replace the first.
            if (key_node.tag, key_node.value) in keys:
                raise _Refused(
                    key_node.start_mark.line + 1, f"duplicate key '{key_node.value}'", child
                )
            keys.add((key_node.tag, key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines, seen)


def load_yaml_text(text: str, filename: str) -> tuple[Any, Lines]:
    """Parse YAML text; return the data and a map from field path to line.

    Raises DataFileError (with the line) if the text is not valid YAML.
    """
    if len(text) > MAX_FILE_CHARS:
        raise DataFileError(
            [Problem(filename, None, "", f"file is larger than {MAX_FILE_CHARS:,} characters")]
        )
    try:
        loader = _StrictLoader(text)
    except ValueError as exc:  # text libyaml cannot encode (lone surrogates)
        raise DataFileError([Problem(filename, None, "", f"not valid YAML: {exc}")]) from None
    lines: Lines = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        # Check aliases, duplicate keys and depth before building anything.
        _index_lines(node, (), lines, set())
        data = loader.construct_document(node)
    except _Refused as refused:
        from .validation import format_path

        raise DataFileError(
            [Problem(filename, refused.line, format_path(refused.path), refused.message)]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataFileError(
            [Problem(filename, line, "", f"not valid YAML: {exc.problem or exc}")]
        ) from None
    except yaml.YAMLError as exc:
        # PyYAML's own text spans several lines; an error is one line.
        reason = " ".join(str(exc).split())
        raise DataFileError([Problem(filename, None, "", f"not valid YAML: {reason}")]) from None
    finally:
        loader.dispose()
    return data, lines


def load_yaml_file(path: Path) -> tuple[Any, Lines]:
    """Read and parse a YAML file (see :func:`load_yaml_text`)."""
    try:
        text = read_text_file(path)
    except UnreadableFile as exc:
        raise DataFileError([Problem(str(path), None, "", f"cannot read: {exc.reason}")]) from None
    return load_yaml_text(text, str(path))
