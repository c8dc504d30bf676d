"""Shared test settings and fixtures."""

from __future__ import annotations

import os

from hypothesis import settings

# Property tests judge behaviour, never speed: a loaded 2-core machine must
# not fail a test on hypothesis's per-example time limit. Speed is measured
# in benchmarks/.
settings.register_profile("dosecalc", deadline=None)
settings.load_profile("dosecalc")

# The cache of parsed data files is off for the suite: tests load files they
# have just written or patched, and never write to the user's cache folder.
# tests/test_datacache.py turns it on in a temporary folder.
os.environ["DOSECALC_NO_CACHE"] = "1"
