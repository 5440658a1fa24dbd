"""Resilience of the streams client: reconnect and restore on every shard, drain before close, serverShutdown,
make-before-break rotation without loss or duplicates, silence detection.

Against the mock server, on every transport.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import pytest

from binance_ws_runtime.streams.client import StreamClientBase
from binance_ws_runtime.testing.server import MockServerBase

from ..helpers import GUARD, SPOT_STREAMS, streams_connections, symbol_streams, wait_until

pytestmark = pytest.mark.usefixtures("transport")


def subscribed_everywhere(server: MockServerBase, names: list[str]) -> bool:
    held = [stream for connection in streams_connections(server) for stream in server.subscriptions(connection)]
    return sorted(held) == sorted(names)


def numbered_payload(server: MockServerBase, stream: str, number: int) -> Any:
    """The spec example of the stream's event, made unique by its event time (Binance events differ the same way)."""
    payload = server.example_event(stream)
    target = payload[0] if isinstance(payload, list) else payload
    target["E"] = 1_700_000_000_000 + number
    return payload


def event_number(event: Any) -> int:
    sample = event[0] if isinstance(event, list) else event
    return int(sample.model_dump(by_alias=True)["E"]) - 1_700_000_000_000


def make_client(server: MockServerBase, **options: Any) -> StreamClientBase:
    return SPOT_STREAMS.fast_client(server, **options)


async def test_every_shard_resubscribes_after_a_dropped_connection() -> None:
    names = symbol_streams(5)
    async with SPOT_STREAMS.server(max_messages_per_second=None) as server:
        client = make_client(server, max_streams_per_connection=2)
        reconnected: list[int] = []
        client.on("reconnected", reconnected.append)
        received: list[Any] = []
        client.set_handler("*", received.append)
        async with client:
            await client.subscribe(*names)
            assert client.shard_count == 3
            assert await server.drop_all() == 3
            await server.wait_for_connections(6, timeout=GUARD)
            await wait_until(lambda: subscribed_everywhere(server, names) and len(reconnected) == 3)
            for name in names:
                assert await server.emit(name) == 1
            await wait_until(lambda: len(received) == len(names))
            assert sorted(await client.list_subscriptions()) == sorted(names)


async def test_streams_subscribed_by_message_are_restored_too() -> None:
    # Enough streams that most do not fit in the connect URL and are restored by SUBSCRIBE batches.
    names = symbol_streams(400)
    async with SPOT_STREAMS.server(max_messages_per_second=None) as server, make_client(server) as client:
        await client.subscribe(*names)
        await server.drop_all()
        await server.wait_for_connections(2, timeout=GUARD)
        await wait_until(lambda: subscribed_everywhere(server, names))
        assert len(server.requests("SUBSCRIBE")) >= 2
        assert sorted(await client.list_subscriptions()) == sorted(names)


async def test_burst_before_a_1001_close_is_delivered_before_the_reconnect() -> None:
    [name] = symbol_streams(1)
    async with SPOT_STREAMS.server(max_messages_per_second=None) as server:
        client = make_client(server)
        timeline: list[str] = []
        client.set_handler("*", lambda event: timeline.append("event"))
        client.on("disconnected", lambda info: timeline.append(f"disconnected {info.code}"))
        async with client:
            await client.subscribe(name)
            assert await server.close_all(1001, "going away", after_burst=200) == 200
            await server.wait_for_connections(2, timeout=GUARD)
            await wait_until(lambda: subscribed_everywhere(server, [name]))
            assert timeline[:200] == ["event"] * 200
            assert timeline[200] == "disconnected 1001"
            assert await server.emit(name) == 1
            await wait_until(lambda: timeline.count("event") == 201)


async def test_server_shutdown_moves_to_a_new_connection_before_the_cut() -> None:
    names = symbol_streams(3)
    async with (
        SPOT_STREAMS.server(max_messages_per_second=None) as server,
        make_client(server, max_streams_per_connection=2, rotation_overlap=0.05) as client,
    ):
        received: list[Any] = []
        notices: list[Any] = []
        client.set_handler("serverShutdown", notices.append)
        client.set_handler("*", lambda event: None if event in notices else received.append(event))
        await client.subscribe(*names)
        assert await server.send_server_shutdown() == 2
        await wait_until(lambda: client.rotations == 2)
        # Make-before-break: four connections in total, the two old ones closed by the client.
        assert server.connection_count == 4
        await wait_until(lambda: len(streams_connections(server)) == 2)
        assert subscribed_everywhere(server, names)
        for name in names:
            assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == len(names))
        assert len(notices) == 2  # the notice itself reaches handlers as a typed event
        assert client.bad_frames == 0


async def emit_numbered(
    server: MockServerBase,
    name: str,
    numbers: itertools.count[int],
    delivered: dict[int, int],
) -> None:
    """Emit uniquely numbered events until cancelled; records on how many connections each one went out."""
    while True:
        number = next(numbers)
        delivered[number] = await server.emit(name, numbered_payload(server, name, number))
        await asyncio.sleep(0.002)


async def test_rotation_is_make_before_break_without_loss_or_duplicates() -> None:
    [name] = symbol_streams(1)
    async with (
        SPOT_STREAMS.server(max_messages_per_second=None) as server,
        make_client(server, rotation_overlap=0.2) as client,
    ):
        received: list[int] = []
        client.set_handler("*", lambda event: received.append(event_number(event)))
        await client.subscribe(name)
        delivered: dict[int, int] = {}
        emitter = asyncio.create_task(emit_numbered(server, name, itertools.count(), delivered))
        try:
            await wait_until(lambda: len(delivered) >= 20)
            await client.rotate_connections("test")
            emitted_before = len(delivered)
            await wait_until(lambda: len(delivered) >= emitted_before + 20)
        finally:
            emitter.cancel()
            await asyncio.gather(emitter, return_exceptions=True)
        assert client.rotations == 1
        assert server.connection_count == 2
        assert len(streams_connections(server)) == 1
        # Some events went out on both connections during the overlap...
        assert 2 in delivered.values()
        # ...and none went out on no connection at all.
        assert 0 not in delivered.values()
        sent = sorted(delivered)
        await wait_until(lambda: len(received) >= len(sent))
        counts = Counter(received)
        assert [number for number, count in counts.items() if count > 1] == []
        assert sorted(counts) == sent


async def test_connection_age_limit_triggers_a_rotation() -> None:
    [name] = symbol_streams(1)
    async with (
        SPOT_STREAMS.server(max_messages_per_second=None) as server,
        make_client(server, max_connection_age=0.3, rotation_overlap=0.0) as client,
    ):
        received: list[Any] = []
        client.set_handler("*", received.append)
        await client.subscribe(name)
        await wait_until(lambda: client.rotations >= 1)
        await wait_until(lambda: len(streams_connections(server)) == 1 and subscribed_everywhere(server, [name]))
        assert server.connection_count >= 2
        assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == 1)


async def test_a_silent_connection_is_treated_as_dead_and_restored() -> None:
    names = symbol_streams(2)
    async with (
        SPOT_STREAMS.server(max_messages_per_second=None, ping_interval=None) as server,
        make_client(server, silence_timeout=0.3, ping_interval=None) as client,
    ):
        received: list[Any] = []
        client.set_handler("*", received.append)
        await client.subscribe(*names)
        server.go_silent(30.0)
        await server.wait_for_connections(2, timeout=GUARD)
        await wait_until(lambda: subscribed_everywhere(server, names))
        for name in names:
            assert await server.emit(name) >= 1
        await wait_until(lambda: len(received) == len(names))


async def test_subscribe_during_a_reconnect_is_restored_with_the_rest() -> None:
    names = symbol_streams(3)
    async with SPOT_STREAMS.server(max_messages_per_second=None) as server, make_client(server) as client:
        await client.subscribe(names[0])
        await server.drop_all()
        await client.subscribe(*names[1:])
        await server.wait_for_connections(2, timeout=GUARD)
        await wait_until(lambda: subscribed_everywhere(server, names))
        assert sorted(await client.list_subscriptions()) == sorted(names)


async def test_disconnect_while_reconnecting_leaves_no_task() -> None:
    [name] = symbol_streams(1)
    async with SPOT_STREAMS.server(max_messages_per_second=None) as server:
        client = make_client(server)
        await client.connect()
        await client.subscribe(name)
        await server.stop()  # nothing to reconnect to: the client keeps retrying with backoff
        await wait_until(lambda: not client.is_connected)
        await client.disconnect()
        leftovers = [
            task
            for task in asyncio.all_tasks()
            if task is not asyncio.current_task() and "MockServerBase" not in str(task.get_coro())
        ]
        assert leftovers == []
