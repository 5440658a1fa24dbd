"""What the package's tests that go through the mock server share: a bound for waits and the transports to run on."""

from __future__ import annotations

import importlib.util

import pytest

GUARD = 15.0
"""Upper bound for waits, so that a broken client fails the test instead of hanging it (not a timing check)."""

TRANSPORTS = [
    pytest.param("websockets", id="websockets"),
    pytest.param(
        "picows",
        id="picows",
        marks=pytest.mark.skipif(importlib.util.find_spec("picows") is None, reason="picows is not installed"),
    ),
]
"""The transports a test runs on: picows only when installed (it is in the package's [fast] extra)."""
