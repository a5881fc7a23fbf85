"""Shared fixtures and hypothesis settings for the test suite."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Sweeps run many seeds; CI gets a few more than a quick local run.
settings.register_profile(
    "default", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def pytest_configure(config):
    """Keep the math cache of test runs out of the user's cache directory."""
    import tempfile

    os.environ.setdefault("QUIZGEN_CACHE_DIR", tempfile.mkdtemp(prefix="quizgen-cache-"))
