"""Reading an input file with bounded work.

Every file dosecalc reads (regimens, policies, the drug reference, case
files, free clinical texts) goes through :func:`read_text_file`. It reads at
most ``MAX_FILE_BYTES`` plus one byte, so ``/dev/zero`` or a multi-gigabyte
file is refused after a megabyte instead of filling memory; it refuses
devices, sockets and folders before reading them (``/dev/urandom`` never
ends), while a pipe (``<(cat note.txt)``) is read like a file, within the same
bound; and it names the file when the bytes are not UTF-8 text.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError
from .limits import MAX_FILE_BYTES


class UnreadableFile(InputError):
    """Raised when an input file cannot be read as text: missing, too large,
    a device or folder, or not UTF-8. ``reason`` says why without the file name
    (a data-file problem adds its own)."""

    def __init__(self, path: Path | str, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"cannot read '{path}': {reason}")


def _kind(mode: int) -> str | None:
    """Why a file of this mode is refused before reading, or None to read it."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a file"
    return "it is not a regular file"


def read_text_file(path: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of ``path``; raises UnreadableFile with a one-line reason."""
    try:
        # O_NONBLOCK: opening a pipe with no writer must not hang; the mode
        # is checked on the open descriptor, so it cannot change in between.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UnreadableFile(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(path, "it is a folder, not a file") from None
    except PermissionError:
        raise UnreadableFile(path, "permission denied") from None
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from None
    try:
        refused = _kind(os.fstat(fd).st_mode)
        if refused:
            raise UnreadableFile(path, refused)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise UnreadableFile(path, f"it is larger than {limit:,} bytes")
    data = b"".join(chunks)
    if b"\x00" in data:
        # No text format dosecalc reads holds a NUL byte: this is a binary
        # file (or a file of zeros), and no part of it should be read as text.
        raise UnreadableFile(
            path, f"it is a binary file, not text (a NUL byte at offset {data.index(0)})"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"it is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
