"""The spec's user-data events on the WS API (``userDataStream.subscribe.signature``), for the tests that push them."""

from __future__ import annotations

import pytest

from ..._spec import SPEC

USER_DATA_EVENT_TYPES = [
    event_type
    for event in SPEC.events
    if event.envelope == "subscription" and not event.array
    for event_type in event.event_types
    if event_type not in ("serverShutdown", "eventStreamTerminated")
]

USER_DATA_ONLY = pytest.mark.skipif(
    SPEC.kind != "api" or "userDataStream.subscribe.signature" not in SPEC.operations or not USER_DATA_EVENT_TYPES,
    reason="spot WS API user data subscriptions only",
)
"""Skips a module where the spec has no user-data subscription on the WS API."""
