"""Regimen governance: version, review status, last review and reviewer.

Every regimen file states its ``version`` (a whole number), its ``status`` (``draft``,
``reviewed`` or ``retired``), and for a reviewed regimen when it was last
reviewed (``last_reviewed``, a date) and by whom (``reviewed_by``). A draft
regimen prints a banner and is refused by ``dose`` and ``calendar`` unless
``--allow-draft`` is given; a retired regimen is always refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import InputError
from .validation import Checker, Field, FieldPath, Rule, describe_value, one_of, text

STATUSES = ("draft", "reviewed", "retired")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _version(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    """``version``: a whole number from 1, kept as text."""
    number = c.integer(value, path, minimum=1)
    return str(number) if number is not None else None


def _review_date(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> dt.date | None:
    """``last_reviewed``: a date, unquoted (YAML reads it as a date) or quoted."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        c.problem(path, f"expected a date written YYYY-MM-DD, got {describe_value(value)}")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        c.problem(path, f"'{value}' is not a real date")
        return None


def _reviewed(c: Checker, entry: dict[str, Any], path: FieldPath, got: dict[str, Any]) -> None:
    """A reviewed regimen says when it was last reviewed and by whom."""
    if got["status"] == "reviewed":
        for key in ("last_reviewed", "reviewed_by"):
            if key not in entry:
                c.problem((*path, key), f"a reviewed regimen needs '{key}'")


#: The governance fields of a regimen file, validated strictly, in the order
#: they are read (the regimen reader's Section includes them).
FIELDS = (
    Field("version", _version, required=True),
    Field("status", one_of(*STATUSES), required=True),
    Field("last_reviewed", _review_date),
    Field("reviewed_by", text),
    Rule("reviewed", _reviewed),
)


def require_usable(regimen: Any, allow_draft: bool) -> None:
    """Refuse a retired regimen, and a draft one unless ``allow_draft``."""
    if regimen.status == "retired":
        raise InputError(
            f"regimen {regimen.id} (version {regimen.version}) is retired: it is kept for the record and cannot be used for doses or calendars",
            field="regimen",
        )
    if regimen.status == "draft" and not allow_draft:
        raise InputError(
            f"regimen {regimen.id} (version {regimen.version}) is a draft, not reviewed: give --allow-draft to use it anyway",
            field="allow-draft",
        )
