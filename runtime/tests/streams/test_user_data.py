"""Futures user data: the listenKey session (start, keepalive, renewal on expiry, stop) and its connection."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from binance_ws_runtime.auth import BinanceAuth
from binance_ws_runtime.errors import AuthenticationError
from binance_ws_runtime.streams.user_data import UserDataUnavailableError

from ..fixtures.futures_streams import user_data_event_types
from ..helpers import (
    FUTURES_STREAMS,
    GUARD,
    SPOT_STREAMS,
    StreamsFlavour,
    client_tasks,
    streams_connections,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("transport")


new_client = SPOT_STREAMS.client
fast_client = SPOT_STREAMS.fast_client
open_streams_connections = streams_connections


def fast_server() -> Any:
    return SPOT_STREAMS.fast_server()


API_KEY = "streams-test-api-key-0123456789abcdef0123456789abcdef0123456789ab"
SECRET = "streams-test-secret"


async def test_user_data_is_refused_without_a_listen_key_channel() -> None:
    client = new_client(auth=BinanceAuth(API_KEY, secret_key=SECRET))
    with pytest.raises(UserDataUnavailableError):
        await client.subscribe_user_data()


@pytest.mark.parametrize("flavour", FUTURES_STREAMS)
async def test_user_data_needs_an_api_key(flavour: StreamsFlavour) -> None:
    with pytest.raises(AuthenticationError):
        await flavour.client().subscribe_user_data()


@pytest.mark.parametrize("flavour", FUTURES_STREAMS)
async def test_listen_key_flow_delivers_typed_events_and_renews_on_expiry(flavour: StreamsFlavour) -> None:
    event_types = user_data_event_types(flavour.spec)
    assert event_types
    async with flavour.server() as server:
        server.add_key(API_KEY, secret_key=SECRET)
        client = flavour.client(url=server.url, auth=BinanceAuth(API_KEY, secret_key=SECRET))
        seen: list[Any] = []
        for event_type in event_types:
            client.set_handler(event_type, seen.append)
        async with client:
            await client.subscribe_user_data()
            start = server.requests("userDataStream.start")
            assert len(start) == 1 and start[0]["params"] == {"apiKey": API_KEY}
            first_key = server.listen_keys.key_for(API_KEY)
            assert first_key is not None
            user_sockets = [c for c in open_streams_connections(server) if first_key in c.listen_keys]
            assert len(user_sockets) == 1 and urlsplit(user_sockets[0].path).path == f"/ws/{first_key}"

            for event_type in event_types:
                assert await server.push_user_event(event_type=event_type) == 1
            await wait_until(lambda: len(seen) == len(event_types))
            assert [type(event).__name__ for event in seen] != []
            assert all(hasattr(event, "model_dump") for event in seen)

            expired: list[Any] = []
            client.set_handler("listenKeyExpired", expired.append)
            assert await server.expire_listen_key(first_key) == 1
            await wait_until(lambda: client.listen_key_renewals == 1)
            second_key = server.listen_keys.key_for(API_KEY)
            assert second_key is not None and second_key != first_key
            await wait_until(lambda: any(second_key in c.listen_keys for c in open_streams_connections(server)))
            assert len(expired) == 1
            seen.clear()
            assert await server.push_user_event(event_type=event_types[0]) == 1
            await wait_until(lambda: len(seen) == 1)

            await client.unsubscribe_user_data()
            assert len(server.requests("userDataStream.stop")) == 1
            assert not server.listen_keys.is_active(second_key)
            assert not client.user_data_active
        assert client_tasks() == set()


@pytest.mark.parametrize("flavour", FUTURES_STREAMS)
async def test_listen_key_keepalive_pings_and_survives_a_dropped_socket(flavour: StreamsFlavour) -> None:
    async with flavour.server() as server:
        server.add_key(API_KEY, secret_key=SECRET)
        client = flavour.client(
            url=server.url,
            auth=BinanceAuth(API_KEY, secret_key=SECRET),
            listen_key_keepalive=0.05,
        )
        seen: list[Any] = []
        client.set_handler("*", seen.append)
        await client.subscribe_user_data()  # works without connect(): user data has its own sockets
        try:
            ping = await server.wait_for_request("userDataStream.ping", timeout=GUARD)
            assert ping["params"] == {"apiKey": API_KEY}
            count = server.connection_count
            await server.drop_all()
            await server.wait_for_connections(count + 2, timeout=GUARD)
            key = server.listen_keys.key_for(API_KEY)
            await wait_until(lambda: any(key in c.listen_keys for c in open_streams_connections(server)))
            assert await server.push_user_event(event_type=user_data_event_types(flavour.spec)[0]) == 1
            await wait_until(lambda: len(seen) == 1)
        finally:
            await client.disconnect()
        assert client_tasks() == set()
