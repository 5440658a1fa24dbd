"""The API client behaves the same on both transports: requests, user data, a dropped link, a clean shutdown."""

from __future__ import annotations

import asyncio

import pytest

from ..._spec import SPEC
from ...auth import BinanceAuth, generate_ed25519_keypair
from ...client import BinanceWebSocketClient
from ...testing import MockBinanceServer
from .._transports import TRANSPORTS

ED25519_API_KEY = "transportTestKey0123456789abcdefABCDEF0123456789abcdefABCDEF0123"
ED25519_PRIVATE, ED25519_PUBLIC = generate_ed25519_keypair()


def method_without_arguments() -> str:
    for method, operation in sorted(SPEC.operations.items()):
        required = [p for p in operation.params if p.required and not p.auth]
        stateful = method.startswith(("session.", "userDataStream."))
        if operation.params_style != "array" and not required and not stateful:
            return method
    pytest.skip("the spec has no method without required parameters")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_requests_survive_a_dropped_link_on_every_transport(transport: str) -> None:
    method = method_without_arguments()
    tasks_before = asyncio.all_tasks()
    async with MockBinanceServer() as server:
        server.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
        reconnected = asyncio.Event()
        async with BinanceWebSocketClient(url=server.url, auth=auth, transport=transport) as client:
            client.on("reconnected", lambda *args: reconnected.set())
            first = await client.request(method)
            assert first["status"] == 200
            await server.drop_all()
            await asyncio.wait_for(reconnected.wait(), 10)
            second = await client.request(method)
            assert second["status"] == 200
            assert client.logged_on, "the session logon was restored after the reconnect"
        assert server.connection_count == 2
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - tasks_before == set()
