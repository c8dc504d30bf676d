"""Shared test settings and fixtures."""

from __future__ import annotations

from hypothesis import settings

# Property tests judge behaviour, never speed: a loaded 2-core machine must
# not fail a test on hypothesis's per-example time limit. Speed is measured
# in benchmarks/.
settings.register_profile("dosecalc", deadline=None)
settings.load_profile("dosecalc")
