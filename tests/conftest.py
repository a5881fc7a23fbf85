"""Shared fixtures and hypothesis settings for the test suite."""

from __future__ import annotations

import contextlib
import os

import pytest
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


@pytest.fixture(scope="session")
def postgres_server():
    """The address of a PostgreSQL server for the tests (see postgres_cluster): skipped where
    none can be had, but a failure under CI (CI or QUIZGEN_REQUIRE_POSTGRES set)."""
    from postgres_cluster import cluster

    given = os.environ.get("QUIZGEN_TEST_POSTGRES")
    if given:
        yield given
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(cluster())
        except RuntimeError as error:
            if os.environ.get("CI") or os.environ.get("QUIZGEN_REQUIRE_POSTGRES"):
                pytest.fail(f"CI runs the PostgreSQL tests: {error}")
            pytest.skip(str(error))
        yield url


@pytest.fixture
def postgres_url(postgres_server):
    """An empty database of its own for one test."""
    from postgres_cluster import fresh_database

    return fresh_database(postgres_server)
