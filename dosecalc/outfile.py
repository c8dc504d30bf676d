"""Writing an output file so that it is either complete or not there at all.

The text goes to a temporary file in the same folder (so the final rename
stays on one file system), is flushed to disk, then renamed over the target
with :func:`os.replace`, which is atomic. If anything interrupts the write
(an error, Ctrl-C), the temporary file is removed and an earlier version of
the target, if any, is left untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import InputError


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, newline: str | None = None
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path.

    ``newline=""`` keeps line endings as they are (iCalendar needs CRLF).
    Raises InputError when the folder does not exist or is not writable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"-o {target}: the folder '{folder}' does not exist")
    if target.is_dir():
        raise InputError(f"-o {target}: is a folder, not a file")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"-o {target}: cannot write in '{folder}' ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return target


@contextmanager
def open_atomic(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, in pieces: the target
    appears, complete, only when the ``with`` block ends without error
    (same rules as :func:`write_text_atomic`). For outputs too large to
    hold as one text, such as ``dosecalc verify -o``."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"-o {target}: the folder '{folder}' does not exist")
    if target.is_dir():
        raise InputError(f"-o {target}: is a folder, not a file")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"-o {target}: cannot write in '{folder}' ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
