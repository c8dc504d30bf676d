"""``python -m dosecalc``: the same as the ``dosecalc`` command."""

from .cli import entry_point

entry_point()
