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
from .validation import Checker, describe_value

STATUSES = ("draft", "reviewed", "retired")
FIELDS = {"version", "status", "last_reviewed", "reviewed_by"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_governance(c: Checker, top: dict[str, Any]) -> dict[str, Any]:
    """The governance fields of a regimen file, validated strictly: a
    reviewed regimen needs ``last_reviewed`` and ``reviewed_by``."""
    version = None
    if "version" in top:
        number = c.integer(top["version"], ("version",), minimum=1)
        version = str(number) if number is not None else None
    status = c.choice(top.get("status"), ("status",), STATUSES) if "status" in top else None
    last_reviewed = _review_date(c, top["last_reviewed"]) if "last_reviewed" in top else None
    reviewed_by = c.text(top["reviewed_by"], ("reviewed_by",)) if "reviewed_by" in top else None
    if status == "reviewed":
        for key in ("last_reviewed", "reviewed_by"):
            if key not in top:
                c.problem((key,), f"a reviewed regimen needs '{key}'")
    return {
        "version": version,
        "status": status,
        "last_reviewed": last_reviewed,
        "reviewed_by": reviewed_by,
    }


def _review_date(c: Checker, value: Any) -> dt.date | None:
    """``last_reviewed``: a date, unquoted (YAML reads it as a date) or quoted."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        c.problem(
            ("last_reviewed",), f"expected a date written YYYY-MM-DD, got {describe_value(value)}"
        )
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        c.problem(("last_reviewed",), f"'{value}' is not a real date")
        return None


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


def banner(regimen: Any) -> str | None:
    """The line printed above every output of a draft regimen."""
    if regimen.status != "draft":
        return None
    return f"DRAFT REGIMEN: {regimen.id} version {regimen.version} has not been reviewed; check every dose against the source before use"


def review_text(regimen: Any) -> str:
    """``version 1, reviewed 2026-12-01 by ...`` for headers and lists."""
    text = f"version {regimen.version}, {regimen.status}"
    if regimen.last_reviewed:
        text += f" {regimen.last_reviewed.isoformat()}"
    if regimen.reviewed_by:
        text += f" by {regimen.reviewed_by}"
    return text
