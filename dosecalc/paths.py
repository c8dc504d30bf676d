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

from .errors import InputError, NotFoundError
from .limits import MAX_FOLDER_FILES

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The shipped data folder ``name`` (``regimens``, ``policies`` or ``drugs``)."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def drug_reference_file() -> Path:
    """The shipped drug reference file (here, not in ``dosecalc.drugs``, so that
    the provenance record and the data cache name it without importing the
    drug reference's reader)."""
    return shipped_dir("drugs") / "drugs.yaml"


def search_dirs(
    name: str, extra: list[str] | tuple[str, ...] = (), env_var: str | None = None
) -> list[Path]:
    """User folders first (so they can shadow a shipped file), then the shipped one."""
    dirs = [Path(d) for d in extra]
    if env_var and os.environ.get(env_var):
        dirs += [Path(d) for d in os.environ[env_var].split(os.pathsep) if d]
    dirs.append(shipped_dir(name))
    return dirs


def yaml_files(folder: Path, kind: str) -> list[Path] | None:
    """The ``*.yaml`` files of ``folder``, sorted; None when the folder does not exist.

    Bounded: a folder with more than MAX_FOLDER_FILES entries (a home folder
    given by mistake) is refused before any file is parsed, and a folder
    that cannot be listed (a symbolic-link loop, no permission, not a
    folder) is an InputError naming it, with ``kind`` ("regimen", "policy").
    """
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries, start=1):
                if count > MAX_FOLDER_FILES:
                    raise InputError(
                        f"{kind} folder '{folder}' has more than {MAX_FOLDER_FILES} entries: "
                        "give the folder that holds only the data files"
                    )
                if entry.name.endswith(".yaml"):
                    names.append(entry.name)
    except FileNotFoundError:
        if folder.is_symlink():
            raise NotFoundError(
                f"{kind} folder '{folder}' is a symbolic link that leads nowhere"
            ) from None
        return None
    except NotADirectoryError:
        raise NotFoundError(f"{kind} folder '{folder}' is not a folder") from None
    except OSError as exc:
        if folder.is_symlink():
            why = "is a symbolic link that leads nowhere (broken, or a loop)"
            raise NotFoundError(f"{kind} folder '{folder}' {why}") from None
        raise InputError(f"cannot open {kind} folder '{folder}': {exc.strerror or exc}") from None
    return [folder / name for name in sorted(names)]


def modified_ns(path: Path) -> int:
    """When ``path`` was last changed (the cache key of a loaded file).

    A file that cannot be examined (a symbolic-link loop, a dangling link)
    raises DataFileError naming it, like any unreadable data file.
    """
    from .errors import DataFileError, Problem

    try:
        return path.stat().st_mtime_ns
    except OSError as exc:
        raise DataFileError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror or exc}")]
        ) from None
