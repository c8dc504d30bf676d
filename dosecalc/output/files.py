"""Writing an output file so that it is either complete or not there at all.

The text goes to a temporary file in the same folder (so the final rename
stays on one file system), is flushed to disk, then renamed over the target
with :func:`os.replace`, which is atomic. If anything interrupts the write
(an error, a full disk, Ctrl-C or SIGTERM), the temporary file is removed and
an earlier version of the target, if any, is left untouched.

Only a regular file or a new path is written: ``-o /dev/sda`` or a named pipe
is refused, never replaced.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any, BinaryIO, cast

from ..errors import InputError, Terminated


@contextmanager
def _terminate_as_exception() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(f"terminated by signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be caught here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_target(target: Path) -> Path:
    """The folder to write in; raises InputError when ``target`` is not a
    regular file or a new path in an existing folder."""
    folder = target.parent if str(target.parent) else Path(".")
    # The nearest part of the path that exists says what is wrong with it.
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if existing != folder or not folder.is_dir():
        if os.path.lexists(existing) and not existing.is_dir():
            raise InputError(f"-o {target}: '{existing}' is a file, not a folder")
        raise InputError(f"-o {target}: the folder '{folder}' does not exist")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return folder  # a new file
    except OSError as exc:
        raise InputError(f"-o {target}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"-o {target}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"-o {target}: is not a regular file (a device, pipe or socket); write to a file"
        )
    return folder


@contextmanager
def _replace_atomically(target: Path, *, binary: bool, newline: str | None) -> Iterator[IO[Any]]:
    """A temporary file beside ``target`` (binary, or UTF-8 text with ``newline``) that replaces
    ``target`` once the ``with`` block ends without error and is removed
    otherwise; the one writer behind :func:`write_text_atomic` and
    :func:`open_atomic`."""
    folder = _check_target(target)
    # The temporary name stays short whatever the target's: a legal 255-byte
    # file name must not overflow NAME_MAX once ".tmp" and a suffix are added.
    prefix = f".{target.name[:32]}."
    with _terminate_as_exception():
        try:
            fd, temp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
        except OSError as exc:
            raise InputError(f"-o {target}: cannot write in '{folder}' ({exc.strerror})") from None
        try:
            opened: IO[Any] = (
                os.fdopen(fd, "wb")
                if binary
                else os.fdopen(fd, "w", encoding="utf-8", newline=newline)
            )
            with opened as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes the file private (0600); give it the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
            os.replace(temp, target)
        except BaseException as exc:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError):
                raise InputError(f"-o {target}: cannot write ({exc.strerror or exc})") from None
            raise


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, newline: str | None = None
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path.

    ``newline=""`` keeps line endings as they are (iCalendar needs CRLF).
    Raises InputError when the target is not a regular file or a new path,
    the folder does not exist or is not writable, or the disk is full.
    """
    target = Path(path)
    with _replace_atomically(target, binary=False, newline=newline) as handle:
        handle.write(text)
    return target


@contextmanager
def open_atomic(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, in pieces: the target
    appears, complete, only when the ``with`` block ends without error
    (same rules as :func:`write_text_atomic`). For outputs too large to
    hold as one text, such as ``dosecalc verify -o``."""
    with _replace_atomically(Path(path), binary=True, newline=None) as handle:
        yield cast(BinaryIO, handle)
