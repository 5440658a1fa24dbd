"""Links: control messages on a connection, their replies (every error shape Binance sends) and their pacing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from binance_ws_runtime.errors import StreamRequestError
from binance_ws_runtime.streams.links import MutedHooks, batches, is_server_shutdown

from ..helpers import GUARD, SPOT_STREAMS, UM_STREAMS, StreamsFlavour, symbol_streams

on_every_transport = pytest.mark.usefixtures("transport")

fast_client = SPOT_STREAMS.fast_client


def fast_server() -> Any:
    return SPOT_STREAMS.fast_server()


@on_every_transport
async def test_every_control_method_is_sent_live_with_increasing_integer_ids() -> None:
    first, second = symbol_streams(2)
    async with fast_server() as server, fast_client(server) as client:
        await client.subscribe(first, second)
        assert await client.list_subscriptions() == [first, second]
        assert await client.get_property("combined") is True
        await client.set_property("combined", True)
        await client.unsubscribe(first)
        assert await client.list_subscriptions() == [second]
        assert client.shard_streams() == [[second]]

        sent = [frame for frame in server.received if isinstance(frame, dict) and "method" in frame]
        assert [frame["method"] for frame in sent] == [
            "SUBSCRIBE",
            "LIST_SUBSCRIPTIONS",
            "GET_PROPERTY",
            "SET_PROPERTY",
            "UNSUBSCRIBE",
            "LIST_SUBSCRIPTIONS",
        ]
        assert sent[0]["params"] == [first, second]
        assert sent[3]["params"] == ["combined", True]
        ids = [frame["id"] for frame in sent]
        assert all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in ids)
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        history = client.get_message_history(event_type="SUBSCRIBE")
        assert [entry.direction for entry in history] == ["sent", "received"]


@on_every_transport
async def test_refused_control_requests_raise_stream_request_error() -> None:
    async with fast_server() as server, fast_client(server) as client:
        with pytest.raises(StreamRequestError) as unknown_property:
            await client.get_property("colour")
        assert unknown_property.value.code == 0
        with pytest.raises(StreamRequestError) as bad_value:
            await client.set_property("combined", "yes")
        assert bad_value.value.code == 1
        with pytest.raises(StreamRequestError) as bad_stream:
            await client.subscribe("BTCUSDT@nonsenseStream")
        assert bad_stream.value.code == 2
        assert bad_stream.value.method == "SUBSCRIBE"
        # A refused stream is not kept: it would be re-sent (and refused) after every reconnect.
        assert client.shard_streams() == [[]]
        assert await client.list_subscriptions() == []


@on_every_transport
async def test_flat_nested_and_id_less_error_replies_fail_their_request_alike() -> None:
    async with fast_server() as server, fast_client(server) as client:
        [link] = [shard.link for shard in client._shards]
        assert link is not None
        # The mock stops answering: the replies below are the test's.
        server.go_silent(GUARD)
        shapes: list[dict[str, Any]] = [
            {"code": 2, "msg": "Invalid request: invalid stream"},
            {"error": {"code": 2, "msg": "Invalid request: invalid stream"}},
            # Documented without an id: with a single request in flight it can only be that one's.
            {"code": 2, "msg": "Invalid request: invalid stream", "id": None},
        ]
        for number, shape in enumerate(shapes, start=1):
            request = asyncio.ensure_future(link.request("SUBSCRIBE", ["btcusdt@trade"]))
            sent = await server.wait_for_request("SUBSCRIBE", count=number, timeout=GUARD)
            reply = {"id": sent["id"], **shape}
            assert link.on_reply(reply)
            with pytest.raises(StreamRequestError) as caught:
                await asyncio.wait_for(request, GUARD)
            assert (caught.value.code, caught.value.method, caught.value.request_id) == (2, "SUBSCRIBE", sent["id"])
        assert len(link.requests) == 0


@on_every_transport
async def test_late_replies_are_counted_and_errors_nobody_awaits_reach_error_handlers() -> None:
    async with fast_server() as server, fast_client(server) as client:
        [link] = [shard.link for shard in client._shards]
        assert link is not None
        errors: list[BaseException] = []
        client.set_handler("__error__", errors.append)
        assert link.on_reply({"result": None, "id": 987654})
        assert link.on_reply({"error": {"code": 1, "msg": "Invalid value type: expected Boolean"}, "id": 987655})
        # An id-less error with no request in flight is nobody's either.
        assert link.on_reply({"code": 2, "msg": "Invalid request"})
        assert not link.on_reply({"e": "trade", "E": 1})
        assert client.stats.late_replies == 1
        assert client.stats.unsolicited_errors == 2
        assert [type(error) for error in errors] == [StreamRequestError, StreamRequestError]
        assert [entry.event_type for entry in client.get_message_history()[-3:]] == [None, None, None]


@on_every_transport
@pytest.mark.parametrize("flavour", [SPOT_STREAMS, UM_STREAMS], ids=["spot", "futures"])
async def test_control_messages_are_paced_under_the_server_message_limit(flavour: StreamsFlavour) -> None:
    names = symbol_streams(8)
    async with (
        flavour.server() as server,
        flavour.client(url=server.url) as client,
    ):
        for name in names:
            await client.subscribe(name)
        assert await client.list_subscriptions() == names
        assert server.connection_count == 1


def test_control_messages_go_in_batches() -> None:
    names = [f"s{index}" for index in range(450)]
    assert [len(batch) for batch in batches(names)] == [200, 200, 50]
    assert [name for batch in batches(names) for name in batch] == names
    assert list(batches([])) == []


def test_server_shutdown_is_recognised_bare_and_wrapped() -> None:
    assert is_server_shutdown({"e": "serverShutdown", "E": 1})
    assert is_server_shutdown({"stream": "!serverShutdown", "data": {"e": "serverShutdown"}})
    assert is_server_shutdown({"stream": "x", "data": {"e": "serverShutdown"}})
    assert not is_server_shutdown({"e": "trade"})
    assert not is_server_shutdown(["serverShutdown"])


def test_a_muted_standby_link_reports_nothing_until_it_takes_over() -> None:
    from binance_ws_runtime.connection import LifecycleHooks

    target = LifecycleHooks()
    seen: list[str] = []
    target.on("connected", seen.append)
    hooks = MutedHooks(target, muted=True)
    hooks.emit("connected", "ws://standby")
    assert seen == []
    hooks.muted = False
    hooks.emit("connected", "ws://now")
    assert seen == ["ws://now"]
