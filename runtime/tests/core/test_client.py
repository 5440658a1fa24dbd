"""ClientCore: the WS API client and the streams client share one behaviour for handlers, iterators, history,
lifecycle callbacks, the connect/disconnect contract and counters."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from binance_ws_runtime.core.client import ClientCore, ClientStats
from binance_ws_runtime.core.iterators import EventQueueOverflowError
from binance_ws_runtime.testing.server import MockServerBase

from ..fixtures.spot_api import SpotApiClient, SpotApiMock
from ..fixtures.spot_streams import SpotStreamsClient, SpotStreamsMock
from ..helpers import GUARD, client_tasks, wait_until


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    client: Callable[..., ClientCore]
    server: Callable[..., MockServerBase]
    event_type: str

    async def prepare(self, client: ClientCore) -> None:
        """Subscribe ``client`` to what :meth:`push_event` sends."""
        if isinstance(client, SpotStreamsClient):
            await client.subscribe("btcusdt@trade")
        elif isinstance(client, SpotApiClient):
            await client.request("userDataStream.subscribe.signature")

    async def push_event(self, server: MockServerBase) -> None:
        """Make the server send one typed event to the prepared client."""
        if self.name == "streams":
            assert await server.emit("btcusdt@trade") == 1
        else:
            assert await server.push_user_event(event_type=self.event_type) == 1


KINDS = [
    pytest.param(Kind("api", SpotApiClient, SpotApiMock, "balanceUpdate"), id="api"),
    pytest.param(Kind("streams", SpotStreamsClient, SpotStreamsMock, "trade"), id="streams"),
]

HMAC_KEY = "coreTestKey0123456789abcdefABCDEF0123456789abcdefABCDEF01234567"
HMAC_SECRET = "coreTestSecret"


@asynccontextmanager
async def session(kind: Kind, **options: Any) -> AsyncIterator[tuple[MockServerBase, ClientCore]]:
    from binance_ws_runtime.auth import BinanceAuth

    async with kind.server(max_messages_per_second=None) as server:
        server.add_key(HMAC_KEY, secret_key=HMAC_SECRET)
        client = kind.client(url=server.url, auth=BinanceAuth(HMAC_KEY, secret_key=HMAC_SECRET), **options)
        async with client:
            yield server, client


@pytest.mark.parametrize("kind", KINDS)
def test_error_handlers_are_the_only_way_to_errors(kind: Kind) -> None:
    client = kind.client()
    with pytest.raises(ValueError, match="__error__"):
        client.events("__error__")


@pytest.mark.parametrize("kind", KINDS)
def test_iterators_take_the_clients_queue_options_unless_given_their_own(kind: Kind) -> None:
    client = kind.client(events_queue_size=5, events_overflow="drop_newest")
    default = client.events()
    assert (default.maxsize, default.overflow) == (5, "drop_newest")
    own = client.events("trade", maxsize=2, overflow="raise")
    assert (own.maxsize, own.overflow) == (2, "raise")
    with pytest.raises(ValueError):
        kind.client(events_queue_size=0)
    with pytest.raises(ValueError):
        kind.client(events_overflow="block")


@pytest.mark.parametrize("kind", KINDS)
def test_handlers_and_lifecycle_callbacks_register_alike(kind: Kind) -> None:
    client = kind.client()

    def handler(event: Any) -> None:
        return None

    client.set_handler("*", handler)
    client.set_handler("*", handler)
    assert client.remove_handler("*", handler) == 2
    assert client.remove_handler("*") == 0
    seen: list[Any] = []
    client.on("connected", seen.append)
    client.hooks.emit("connected", "ws://x")
    client.off("connected", seen.append)
    client.hooks.emit("connected", "ws://y")
    assert seen == ["ws://x"]
    with pytest.raises(ValueError):
        client.on("nonsense", seen.append)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
async def test_events_reach_handlers_iterators_and_history(kind: Kind) -> None:
    async with session(kind) as (server, client):
        seen: list[Any] = []
        client.set_handler("*", seen.append)
        iterator = client.events()
        await kind.prepare(client)
        await kind.push_event(server)
        event = await asyncio.wait_for(iterator.__anext__(), GUARD)
        assert seen == [event] and hasattr(event, "model_dump")
        [entry] = client.get_message_history(event_type=kind.event_type)
        assert entry.direction == "received"
        stats = client.stats
        assert isinstance(stats, ClientStats)
        assert stats.requests_sent >= 1 and stats.decode_errors == 0 and stats.handler_errors == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_slow_iterators_count_their_dropped_events_in_stats(kind: Kind) -> None:
    async with session(kind, events_queue_size=1, events_overflow="raise") as (server, client):
        strict = client.events()
        dropping = client.events(overflow="drop_oldest")
        await kind.prepare(client)
        for _ in range(3):
            await kind.push_event(server)
        await wait_until(lambda: client.stats.dropped_events >= 2)
        with pytest.raises(EventQueueOverflowError):
            await strict.__anext__()
        assert dropping.qsize() == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_disconnect_and_close_end_everything_and_are_idempotent(kind: Kind) -> None:
    async with kind.server() as server:
        client = kind.client(url=server.url)

        async def async_handler(event: Any) -> None:
            await asyncio.sleep(0)

        async def slow_callback(url: str) -> None:
            await asyncio.sleep(GUARD)

        client.set_handler("*", async_handler)
        client.on("connected", slow_callback)
        async with client:
            assert client.is_connected
            iterator = client.events()
        assert not client.is_connected
        assert [event async for event in iterator] == []
        assert client_tasks() == set()
        await client.close()
        await client.disconnect()
        # A closed client connects again.
        await client.connect()
        assert client.is_connected
        await client.close()
        assert client_tasks() == set()


@pytest.mark.parametrize("kind", KINDS)
async def test_connect_and_disconnect_do_not_interleave(kind: Kind) -> None:
    async with kind.server() as server:
        client = kind.client(url=server.url)
        order: list[str] = []

        async def connecting() -> None:
            await client.connect()
            order.append("connected")

        async def disconnecting() -> None:
            await asyncio.sleep(0)
            await client.disconnect()
            order.append("disconnected")

        await asyncio.gather(connecting(), disconnecting())
        assert order == ["connected", "disconnected"]
        assert not client.is_connected
