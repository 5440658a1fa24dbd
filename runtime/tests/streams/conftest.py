"""The ``transport`` fixture: a test that uses it runs once per transport the client offers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .._transports import TRANSPORTS, selected_transport


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """The behaviour must not depend on the transport: clients built meanwhile use this one."""
    with selected_transport(request.param) as name:
        yield name
