"""The suite's own set-up: tests that share an expensive fixture really do run on one worker."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("spark")
def test_grouped_tests_are_sent_to_one_worker(request: pytest.FixtureRequest) -> None:
    """pytest-xdist's ``--dist loadgroup`` sends a group to one worker by appending ``@group`` to the test's id.
    With pytest 9.2 that append no longer takes (pytest-xdist issue 1386): every worker would then start its own
    Spark session and build its own fixtures, a minute more for the suite and nothing said."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not running on pytest-xdist workers with --dist loadgroup (-n 0 runs everything here)")
    assert request.node.nodeid.endswith("@spark"), request.node.nodeid
