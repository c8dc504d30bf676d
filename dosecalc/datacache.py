"""A cache of parsed, validated data files (regimens, policies, drug reference).

Parsing and validating the drug reference and a regimen costs more than the
rest of a dose calculation, and needs PyYAML. A file that validated once is
stored here as the objects it built, and read back on the next run.

What a cached entry is keyed on (any change is a miss, and a fresh parse):
  - the SHA-256 of the file's bytes, and its path as given (objects carry it);
  - the bytes of the files it was validated against (a regimen's doses are
    checked against the drug reference);
  - dosecalc's version, and the name, size and modification time of each of
    dosecalc's own source files and its unit definitions (the code that
    reads, validates and shapes the objects);
  - the Python version.

An entry is never trusted blindly. It is read only if it is a regular file
owned by the user, starts with this format's mark, names the same key, and
its payload matches the SHA-256 written beside it; it is unpickled with an
allow-list (dosecalc's own classes, dates and paths, and the two functions
below that rebuild quantities in dosecalc's unit registry); the object must
be of the expected type and carry the file's SHA-256. Anything else (a
corrupt, truncated, foreign or older entry) is ignored and rebuilt from the
file: never an error, never a different dose. Only files that validated are
stored; a file with problems is parsed, and reported, every time.

Where: ``DOSECALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/dosecalc``, else
``~/.cache/dosecalc``. ``DOSECALC_NO_CACHE=1`` turns the cache off. Writing is
atomic (a temporary file renamed into place) and best effort: a read-only or
missing home only means no cache.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from . import __version__

T = TypeVar("T")

_MARK = b"dosecalc parsed data file cache, format 1\n"
_DIGEST = 32  # bytes of a SHA-256
# Standard-library types a parsed data file may hold, besides builtins.
_STDLIB_TYPES = {
    ("datetime", "date"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("decimal", "Decimal"),
}
_BUILTINS = {"frozenset", "set", "complex"}


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("DOSECALC_NO_CACHE", "").strip() not in ("", "0"):
        return None
    if os.environ.get("DOSECALC_CACHE_DIR"):
        return Path(os.environ["DOSECALC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dosecalc"


@cache
def code_fingerprint() -> bytes:
    """SHA-256 over the name, size and modification time (in nanoseconds) of
    dosecalc's source files and unit definitions, with the version and the
    Python version: a changed reader or model never meets objects built by
    the old one.

    Size and modification time are what Python itself checks before it runs
    a module's compiled bytecode (to the second): a source change that Python
    would run is a change here too. Reading and hashing every source file
    instead cost about 2 ms on every run."""
    # os.walk and plain strings: pathlib's rglob and Path objects cost 0.7 ms more.
    package = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(f"{__version__}\0{sys.version_info[:2]}\0".encode())
    files = [os.path.join(package, "units.txt")]
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        files += [os.path.join(folder, name) for name in names if name.endswith(".py")]
    for path in sorted(files):
        status = os.stat(path)
        # Named relative to the package: where it is installed is no change.
        name = path[len(package) + 1 :]
        digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    return digest.digest()


def load(
    kind: str,
    path: Path,
    build: Callable[[Path], T],
    expected: type[T],
    depends: Iterable[Path] = (),
) -> T:
    """``build(path)``, or the object it built for the same file before.

    ``kind`` names the loader ("regimen", "policy", "drugs"); ``depends`` are
    the other files the object was validated against."""
    folder = cache_dir()
    if folder is None:
        return build(path)
    try:
        data = Path(path).read_bytes()
        key = _key(kind, path, data, depends)
    except OSError:
        return build(path)  # the loader reports the unreadable file
    # One entry per loader and path: a newer one replaces the older (see _write).
    stem = f"{kind}-{hashlib.sha256(str(path).encode()).hexdigest()[:16]}"
    entry = folder / f"{stem}-{key.hex()[:32]}.pickle"
    found = _read(entry, key, expected, hashlib.sha256(data).hexdigest())
    if found is not None:
        return found
    built = build(path)
    # Stored only if the file did not change while it was being read: the
    # entry must hold what these bytes build, nothing else.
    if _unchanged(path, data):
        _write(folder, entry, key, built)
    return built


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return Path(path).read_bytes() == data
    except OSError:
        return False


def _key(kind: str, path: Path, data: bytes, depends: Iterable[Path]) -> bytes:
    digest = hashlib.sha256(code_fingerprint())
    digest.update(f"{kind}\0{path}\0".encode())
    digest.update(hashlib.sha256(data).digest())
    for other in depends:
        digest.update(hashlib.sha256(Path(other).read_bytes()).digest())
    return digest.digest()


def _read(entry: Path, key: bytes, expected: type[T], sha256: str) -> T | None:
    try:
        if hasattr(os, "getuid") and entry.stat().st_uid != os.getuid():
            return None  # written by someone else: not ours to trust
        blob = entry.read_bytes()
        head = len(_MARK)
        if blob[:head] != _MARK or blob[head : head + _DIGEST] != key:
            return None
        stored = blob[head + _DIGEST : head + 2 * _DIGEST]
        payload = blob[head + 2 * _DIGEST :]
        if hashlib.sha256(payload).digest() != stored:
            return None
        found = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any unreadable entry is rebuilt, never an error
        return None
    if not isinstance(found, expected):
        return None
    if getattr(found, "sha256", sha256) != sha256:
        return None
    return found


def _write(folder: Path, entry: Path, key: bytes, value: Any) -> None:
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        payload = buffer.getvalue()
        import tempfile  # 10 ms of imports, paid only when an entry is written

        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MARK + key + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, entry)
        except BaseException:
            os.unlink(temporary)
            raise
        stem = entry.name.rsplit("-", 1)[0]
        for older in folder.glob(f"{stem}-*.pickle"):
            if older != entry:
                older.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - no cache is slower, never wrong
        return


# --- quantities ------------------------------------------------------------------------
# Pint pickles a quantity through its *application* registry, which is Pint's
# default one (150 ms to build, and a different unit vocabulary). Quantities
# are stored here as their number and unit exponents instead, and rebuilt in
# dosecalc's own registry.


def _units_of(units: tuple[tuple[str, float], ...]) -> Any:
    """The unit whose exponents are ``units``, parsed by name through the
    registry: a prefixed unit (microgram) exists in a registry only once a
    text has named it, so a unit rebuilt from its exponents alone would fail
    when printed (Pint looks its symbol up by name)."""
    from .units import registry

    ureg = registry()
    for name, _exponent in units:
        ureg.parse_units(name)  # defines a prefixed unit on first use
    from pint.util import UnitsContainer

    return ureg.Unit(UnitsContainer(dict(units)))


def _quantity(magnitude: Any, units: tuple[tuple[str, float], ...]) -> Any:
    from .units import registry

    return registry().Quantity(magnitude, _units_of(units))


def _unit(units: tuple[tuple[str, float], ...]) -> Any:
    return _units_of(units)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if "pint" in sys.modules:
            from .units import registry

            ureg = registry()
            if isinstance(obj, ureg.Quantity):
                return _quantity, (obj.magnitude, tuple(obj._units.items()))
            if isinstance(obj, ureg.Unit):
                return _unit, (tuple(obj._units.items()),)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in ("_quantity", "_unit"):
            return globals()[name]
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if (module, name) in _STDLIB_TYPES:
            return super().find_class(module, name)
        if module.startswith("dosecalc."):
            found = super().find_class(module, name)
            # Only dosecalc's own classes (dataclasses and enums), never a function.
            if isinstance(found, type) and found.__module__.startswith("dosecalc."):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
