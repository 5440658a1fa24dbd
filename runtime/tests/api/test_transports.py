"""The API client behaves the same on both transports: requests, a restored session after a dropped link, a clean
shutdown that leaves no task behind."""

from __future__ import annotations

import asyncio

import pytest

from binance_ws_runtime.auth import BinanceAuth

from .._transports import TRANSPORTS
from ..fixtures.spot_api import SpotApiClient, SpotApiMock
from ..helpers import ED25519_PRIVATE, ED25519_PUBLIC, GUARD

ED25519_API_KEY = "transportTestKey0123456789abcdefABCDEF0123456789abcdefABCDEF0123"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_requests_survive_a_dropped_link_on_every_transport(transport: str) -> None:
    tasks_before = asyncio.all_tasks()
    async with SpotApiMock() as server:
        server.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
        reconnected = asyncio.Event()
        async with SpotApiClient(url=server.url, auth=auth, transport=transport) as client:
            client.on("reconnected", lambda *args: reconnected.set())
            first = await client.request("time")
            assert first["status"] == 200
            await server.drop_all()
            await asyncio.wait_for(reconnected.wait(), GUARD)
            second = await client.request("account.status")
            assert second["status"] == 200
            assert client.logged_on, "the session logon was restored after the reconnect"
        assert server.connection_count == 2
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - tasks_before == set()
