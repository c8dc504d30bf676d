"""Shared test settings, and the command-line runner every CLI test uses."""

from __future__ import annotations

import os
from typing import NamedTuple

from click.testing import CliRunner
from hypothesis import settings

from dosecalc.cli import main

# Property tests judge behaviour, never speed: a loaded 2-core machine must
# not fail a test on hypothesis's per-example time limit. Speed is measured
# in benchmarks/.
settings.register_profile("dosecalc", deadline=None)
settings.load_profile("dosecalc")

# The cache of parsed data files is off for the suite: tests load files they
# have just written or patched, and never write to the user's cache folder.
# tests/library/test_datacache.py turns it on in a temporary folder.
os.environ["DOSECALC_NO_CACHE"] = "1"


class CliResult(NamedTuple):
    """What one ``dosecalc`` run gave: exit code, standard output, standard
    error (unpacks as ``code, out, err``)."""

    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> CliResult:
    """Run ``dosecalc ARGS`` through :func:`dosecalc.cli.main`, the one place
    errors become messages and exit codes, with stdout and stderr apart."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _both):
        code = main(list(args))
    return CliResult(code, out.getvalue().decode(), err.getvalue().decode())
