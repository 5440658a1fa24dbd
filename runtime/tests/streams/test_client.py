"""StreamClientBase against the mock server: connections, subscriptions, typed delivery, lifecycle."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.testing.server import MalformedKind

from ..helpers import (
    FUTURES_STREAMS,
    GUARD,
    SPOT_STREAMS,
    STREAMS_FLAVOURS,
    StreamsFlavour,
    client_tasks,
    streams_connections,
    symbol_streams,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("transport")


new_client = SPOT_STREAMS.client
fast_client = SPOT_STREAMS.fast_client
open_streams_connections = streams_connections


def fast_server() -> Any:
    return SPOT_STREAMS.fast_server()


# Values for stream-name placeholders; the mock accepts any lowercase value for a placeholder.
PLACEHOLDER_VALUES = {"symbol": "btcusdt", "interval": "1m", "levels": "5", "speed": "100ms", "windowSize": "1h"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def stream_name(template: str, **values: str) -> str:
    merged = {**PLACEHOLDER_VALUES, **values}
    return _PLACEHOLDER.sub(lambda match: merged.get(match.group(1), "x"), template)


async def test_combined_connection_carries_registered_streams_in_the_url() -> None:
    names = symbol_streams(3)
    async with SPOT_STREAMS.server() as server:
        client = new_client(url=server.url)
        await client.subscribe(*names)  # before connect: only registered
        assert server.connection_count == 0
        async with client:
            [connection] = open_streams_connections(server)
            parts = urlsplit(connection.path)
            assert parts.path == "/stream"
            assert parse_qs(parts.query)["streams"] == ["/".join(names)]
            assert connection.combined
            assert server.requests("SUBSCRIBE") == []
            assert client.is_connected


async def test_connect_without_streams_opens_one_idle_combined_connection() -> None:
    async with (
        SPOT_STREAMS.server() as server,
        new_client(url=server.url) as client,
    ):
        [connection] = open_streams_connections(server)
        assert urlsplit(connection.path).path == "/stream"
        assert client.shard_count == 1
        assert await client.list_subscriptions() == []


async def test_raw_connections_hold_one_stream_each_and_route_by_it() -> None:
    names = symbol_streams(2)
    async with (
        fast_server() as server,
        fast_client(server, combined=False, deliver="routed") as client,
    ):
        received: list[Any] = []
        client.set_handler("*", received.append)
        await client.subscribe(*names)
        connections = open_streams_connections(server)
        paths = sorted(urlsplit(connection.path).path for connection in connections)
        # The idle first connection (bare /ws) takes the first stream by SUBSCRIBE; the next one gets its own socket.
        assert paths == sorted(["/ws", f"/ws/{names[1]}"])
        assert all(not connection.combined for connection in connections)
        for name in names:
            assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == 2)
        assert sorted(routed.stream for routed in received) == sorted(names)


async def test_subscribing_known_streams_again_sends_nothing() -> None:
    [name] = symbol_streams(1)
    async with fast_server() as server, fast_client(server) as client:
        await client.subscribe(name)
        await client.subscribe(name, [name])
        assert len(server.requests("SUBSCRIBE")) == 1


async def test_invalid_stream_names_are_rejected_locally() -> None:
    client = new_client()
    for bad in ("", " btcusdt@trade"):
        with pytest.raises(ValueError):
            await client.subscribe(bad)


@pytest.mark.parametrize("flavour", STREAMS_FLAVOURS)
@pytest.mark.parametrize("combined", [True, False], ids=["combined", "raw"])
async def test_every_kind_of_event_is_delivered_typed(flavour: StreamsFlavour, combined: bool) -> None:
    """With and without ``e``, arrays, one ``e`` shared by several models: each reaches handlers as its model."""
    events = {event.name: event for event in flavour.spec.events}
    patterns = list(flavour.spec.stream_patterns)
    names = [stream_name(pattern.template) for pattern in patterns]
    assert len(set(names)) == len(names)
    async with (
        flavour.fast_server() as server,
        flavour.fast_client(server, combined=combined, deliver="routed") as client,
    ):
        received: dict[str, Any] = {}
        errors: list[BaseException] = []
        client.set_handler("*", lambda routed: received.setdefault(routed.stream, routed))
        client.set_handler("__error__", errors.append)
        await client.subscribe(*names)
        for name in names:
            assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == len(names) or bool(errors))
        assert errors == []
        for pattern, name in zip(patterns, names, strict=True):
            routed = received[name]
            spec_event = events[pattern.event]
            if spec_event.array:
                assert isinstance(routed.event, list) and routed.event, name
                assert all(hasattr(item, "model_dump") for item in routed.event)
            else:
                assert type(routed.event).__name__ == pattern.event, (
                    name,
                    type(routed.event).__name__,
                )
            if spec_event.event_types:
                assert routed.event_type in spec_event.event_types
        assert client.bad_frames == 0


async def test_handlers_iterators_and_history_see_the_typed_event() -> None:
    [name] = symbol_streams(1)
    async with fast_server() as server, fast_client(server) as client:
        seen: list[Any] = []
        client.set_handler("*", seen.append)
        await client.subscribe(name)
        iterator = client.events("*")
        await server.emit(name)
        event = await asyncio.wait_for(iterator.__anext__(), GUARD)
        assert hasattr(event, "model_dump")
        assert seen == [event]
        event_type = client.get_message_history(limit=1)[0].event_type
        assert event_type is not None
        [entry] = client.get_message_history(event_type=event_type)
        # The history keeps the frame and decodes it again when read: an equal model, not the same object.
        assert entry.message == event and entry.direction == "received"
        assert client.remove_handler("*") == 1
        await server.emit(name)
        await asyncio.wait_for(iterator.__anext__(), GUARD)
        assert len(seen) == 1
    # disconnect ends the iterator
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(iterator.__anext__(), GUARD)


async def test_time_unit_microseconds_goes_into_the_url() -> None:
    [name] = symbol_streams(1)
    async with (
        fast_server() as server,
        fast_client(server, time_unit="MICROSECOND") as client,
    ):
        seen: list[Any] = []
        client.set_handler("*", seen.append)
        await client.subscribe(name)
        [connection] = open_streams_connections(server)
        assert parse_qs(urlsplit(connection.path).query)["timeUnit"] == ["MICROSECOND"]
        assert connection.time_unit == "us"
        await server.emit(name)
        await wait_until(lambda: len(seen) == 1)


@pytest.mark.parametrize("flavour", FUTURES_STREAMS)
def test_time_unit_is_refused_where_the_product_lacks_it(flavour: StreamsFlavour) -> None:
    with pytest.raises(ValueError):
        flavour.client(time_unit="MICROSECOND")
    with pytest.raises(ValueError):
        new_client(time_unit="NANOSECOND")


async def test_disconnect_is_idempotent_and_leaves_no_task() -> None:
    names = symbol_streams(5)
    async with fast_server() as server:
        client = fast_client(server, max_streams_per_connection=2)
        connected: list[Any] = []
        client.on("connected", connected.append)
        await client.connect()
        await client.subscribe(*names)
        await client.disconnect()
        await client.disconnect()
        assert not client.is_connected
        assert len(connected) == 3
        assert client_tasks() == set()
        await wait_until(lambda: not open_streams_connections(server))
        # Subscriptions are remembered for the next connect.
        await client.connect()
        assert sorted(await client.list_subscriptions()) == sorted(names)
        await client.disconnect()
    assert client_tasks() == set()


async def test_bad_frames_are_counted_offered_to_error_handlers_and_skipped() -> None:
    [name] = symbol_streams(1)
    async with fast_server() as server, fast_client(server) as client:
        errors: list[BaseException] = []
        seen: list[Any] = []
        client.set_handler("__error__", errors.append)
        client.set_handler("*", seen.append)
        await client.subscribe(name)
        # An unknown event type is no bad frame: it arrives as UnknownEvent (tests/streams/test_drift.py).
        kinds: tuple[MalformedKind, ...] = ("not_json", "binary", "invalid_payload")
        for kind in kinds:
            assert await server.send_malformed(kind) == 1
        await server.emit(name)
        await wait_until(lambda: len(seen) == 1)
        assert client.bad_frames == len(kinds)
        assert len(errors) == len(kinds)
        assert all(isinstance(error, EventDecodeError) for error in errors)
        assert len(open_streams_connections(server)) == 1
