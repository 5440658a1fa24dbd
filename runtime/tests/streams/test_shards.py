"""Shards: streams spread over connections of at most ``max_streams_per_connection``, placed first fit."""

from __future__ import annotations

from typing import Any

import pytest

from binance_ws_runtime.streams.shards import Shard, ShardMap

from ..helpers import (
    SPOT_STREAMS,
    UM_STREAMS,
    StreamsFlavour,
    streams_connections,
    symbol_streams,
    wait_until,
)

on_every_transport = pytest.mark.usefixtures("transport")


new_client = SPOT_STREAMS.client
fast_client = SPOT_STREAMS.fast_client
open_streams_connections = streams_connections


def fast_server() -> Any:
    return SPOT_STREAMS.fast_server()


@on_every_transport
async def test_streams_beyond_the_connection_limit_are_sharded_transparently() -> None:
    names = symbol_streams(7)
    async with (
        fast_server() as server,
        fast_client(server, max_streams_per_connection=3) as client,
    ):
        received: list[Any] = []
        client.set_handler("*", received.append)
        await client.subscribe(*names[:2])
        await client.subscribe(*names[2:])
        assert client.shard_count == 3
        assert client.shard_streams() == [names[0:3], names[3:6], names[6:7]]
        connections = open_streams_connections(server)
        assert sorted(len(server.subscriptions(c)) for c in connections) == [1, 3, 3]
        assert sorted(await client.list_subscriptions()) == sorted(names)
        for name in names:
            assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == len(names))

        # Emptying a shard closes its connection; the first connection always stays.
        await client.unsubscribe(names[6])
        await wait_until(lambda: len(open_streams_connections(server)) == 2)
        assert client.shard_count == 2
        # Freed capacity is reused before a new connection is opened.
        await client.unsubscribe(names[0])
        await client.subscribe("extra" + names[0])
        assert client.shard_count == 2
        assert client.shard_streams()[0] == [names[1], names[2], "extra" + names[0]]


@on_every_transport
@pytest.mark.parametrize("flavour", [SPOT_STREAMS, UM_STREAMS], ids=["spot", "futures"])
async def test_more_than_1024_streams_use_a_second_connection(flavour: StreamsFlavour) -> None:
    names = symbol_streams(1100)
    # The default mock enforces Binance's limits (1024 streams, 5 or 10 messages per second per connection).
    async with (
        flavour.server() as server,
        flavour.client(url=server.url) as client,
    ):
        await client.subscribe(*names)
        assert client.max_streams_per_connection == 1024
        assert [len(streams) for streams in client.shard_streams()] == [1024, 76]
        connections = open_streams_connections(server)
        assert sorted(len(server.subscriptions(c)) for c in connections) == [76, 1024]
        assert server.connection_count == 2  # nothing was cut for exceeding the message rate
        assert sorted(await client.list_subscriptions()) == sorted(names)
        # Many streams share few control messages.
        assert len(server.requests("SUBSCRIBE")) <= 8


def test_placement_is_first_fit_on_the_streams_route() -> None:
    shards = ShardMap(2, lambda stream: stream[0])
    plan = shards.place(["a1", "a2", "b1", "a3", "a1"])
    assert [(shard.route, added) for shard, added in plan.items()] == [
        ("a", ["a1", "a2"]),
        ("b", ["b1"]),
        ("a", ["a3"]),
    ]
    assert [shard.primary for shard in shards] == [True, False, False]
    assert shards.place(["a2", "b1"]) == {}
    # Freed room is reused before a new shard is opened.
    shards.forget(["a1"])
    [(shard, added)] = shards.place(["a4"]).items()
    assert (shard.index, added) == (0, ["a4"])
    assert shards.shard_of("a4") is shard and shards.shard_of("a1") is None
    third = shards.shard_of("a3")
    assert third is not None
    shards.forget(["a3"])
    assert third.removable and not shards.shards[0].removable
    shards.remove(third)
    assert len(shards) == 2 and third not in shards


def test_during_a_rotation_only_the_other_links_copy_of_a_frame_is_dropped() -> None:
    shard = Shard(0, "wss://h", primary=True)
    assert not shard.is_duplicate(b"frame", 1)
    # The same link repeating identical bytes is a genuine repeat.
    assert not shard.is_duplicate(b"frame", 1)
    assert shard.is_duplicate(b"frame", 2)
    # The pair is complete: the next identical frame is new again.
    assert not shard.is_duplicate(b"frame", 2)
    assert shard.is_duplicate(b"frame", 1)
    assert shard.overlap == {}
