"""Where the shipped data folders are, installed or not.

In a wheel the folders ``regimens/``, ``policies/`` and ``drugs/`` are inside
the package (``dosecalc/_data/``); in a source checkout or an editable
install they are at the top of the repository. Users add their own regimen
and policy folders with ``--regimens DIR`` or ``DOSECALC_REGIMENS`` (a
``os.pathsep``-separated list), and ``--policies DIR`` or ``DOSECALC_POLICIES``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The shipped data folder ``name`` (``regimens``, ``policies`` or ``drugs``)."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def search_dirs(
    name: str, extra: list[str] | tuple[str, ...] = (), env_var: str | None = None
) -> list[Path]:
    """User folders first (so they can shadow a shipped file), then the shipped one."""
    dirs = [Path(d) for d in extra]
    if env_var and os.environ.get(env_var):
        dirs += [Path(d) for d in os.environ[env_var].split(os.pathsep) if d]
    dirs.append(shipped_dir(name))
    return dirs
