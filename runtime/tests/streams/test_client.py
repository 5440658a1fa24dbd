"""StreamClientBase against the mock server: connections, control methods, routing, sharding, user data."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from binance_ws_runtime.auth import BinanceAuth
from binance_ws_runtime.errors import AuthenticationError, EventDecodeError, StreamRequestError
from binance_ws_runtime.streams.client import StreamClientBase, UserDataUnavailableError, umfutures_route
from binance_ws_runtime.testing.server import MalformedKind

from .._transports import TRANSPORTS, selected_transport
from ..fixtures.futures_streams import UM_SPEC, UM_SPEC_WITHOUT_ROUTES, UmUnroutedStreamsClient, user_data_event_types
from ..helpers import (
    FUTURES_STREAMS,
    GUARD,
    SPOT_STREAMS,
    STREAMS_FLAVOURS,
    UM_STREAMS,
    StreamsFlavour,
    client_tasks,
    streams_connections,
    symbol_streams,
    wait_until,
)


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test runs on each transport the client offers: the behaviour must not depend on it."""
    with selected_transport(request.param) as name:
        yield name


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


# ---------------------------------------------------------------------------------------------------------------
# Connections and URLs
# ---------------------------------------------------------------------------------------------------------------


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


async def test_connect_uri_replaces_the_server_url() -> None:
    async with SPOT_STREAMS.server() as server:
        client = new_client(url="ws://127.0.0.1:9")
        await client.connect(server.url)
        try:
            assert len(open_streams_connections(server)) == 1
        finally:
            await client.disconnect()


async def test_channel_urls_override_the_server_url_per_channel_kind() -> None:
    async with SPOT_STREAMS.server() as server:
        client = new_client(url="ws://127.0.0.1:9", channel_urls={"combined": server.url})
        async with client:
            assert len(open_streams_connections(server)) == 1
    with pytest.raises(ValueError):
        new_client(channel_urls={"market": "ws://127.0.0.1:9"})


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


# ---------------------------------------------------------------------------------------------------------------
# Control methods
# ---------------------------------------------------------------------------------------------------------------


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


async def test_subscribing_known_streams_again_sends_nothing() -> None:
    [name] = symbol_streams(1)
    async with fast_server() as server, fast_client(server) as client:
        await client.subscribe(name)
        await client.subscribe(name, [name])
        assert len(server.requests("SUBSCRIBE")) == 1


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


async def test_flat_and_nested_error_replies_map_to_the_same_exception() -> None:
    async with fast_server() as server, fast_client(server) as client:
        link = client._shards[0].link
        assert link is not None
        loop = asyncio.get_running_loop()
        for reply in (
            {"code": 2, "msg": "Invalid request: invalid stream", "id": 900},
            {"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 900},
            # Documented without an id: with a single request in flight it can only be that one's.
            {"code": 2, "msg": "Invalid request: invalid stream"},
        ):
            future: asyncio.Future[Any] = loop.create_future()
            link.pending[900] = ("SUBSCRIBE", future)
            assert link.resolve(reply)
            error = future.exception()
            assert isinstance(error, StreamRequestError)
            assert (error.code, error.method, error.request_id) == (2, "SUBSCRIBE", 900)


async def test_invalid_stream_names_are_rejected_locally() -> None:
    client = new_client()
    for bad in ("", " btcusdt@trade"):
        with pytest.raises(ValueError):
            await client.subscribe(bad)


# ---------------------------------------------------------------------------------------------------------------
# Typed routing of every stream pattern of the spec
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# Sharding
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------------------------


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


@pytest.mark.parametrize("client_class", [UM_STREAMS.client, UmUnroutedStreamsClient], ids=["x-stream-route", "rules"])
def test_usdm_mainnet_routes_book_data_to_public_and_the_rest_to_market(client_class: Any) -> None:
    """From the spec's ``x-stream-route`` servers, or by Binance's rules for a spec that names no routes."""
    client: StreamClientBase = client_class()
    assert client._market_route("btcusdt@bookTicker") == "wss://fstream.binance.com/public"
    assert client._market_route("btcusdt@depth5@100ms") == "wss://fstream.binance.com/public"
    assert client._market_route("btcusdt@aggTrade") == "wss://fstream.binance.com/market"
    assert umfutures_route("wss://h/", "!bookTicker") == "wss://h/public"
    private = client._user_data_url("KEY")
    assert private.startswith("wss://fstream.binance.com/private/ws?listenKey=KEY&events=")
    assert "listenKeyExpired" in private
    # Testnet and explicit URLs are not rewritten.
    spec = client.spec
    assert client_class(testnet=True)._market_route("btcusdt@aggTrade") == spec.server_url(testnet=True)
    assert client_class(url="wss://h")._market_route("btcusdt@bookTicker") == "wss://h"
    assert spec in (UM_SPEC, UM_SPEC_WITHOUT_ROUTES)


async def test_stream_route_callable_decides_the_connection_of_each_stream() -> None:
    names = symbol_streams(2)
    async with fast_server() as server:
        routes = {names[0]: server.url, names[1]: server.url + "/"}
        client = fast_client(server, stream_route=lambda stream: routes.get(stream, server.url))
        async with client:
            await client.subscribe(*names)
            # Different routes never share a connection, whatever the free capacity.
            assert client.shard_streams() == [[names[0]], [names[1]]]
            assert len(open_streams_connections(server)) == 2


# ---------------------------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------------------------


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
        kinds: tuple[MalformedKind, ...] = (
            "not_json",
            "binary",
            "unknown_event",
            "invalid_payload",
        )
        for kind in kinds:
            assert await server.send_malformed(kind) == 1
        await server.emit(name)
        await wait_until(lambda: len(seen) == 1)
        assert client.bad_frames == len(kinds)
        assert len(errors) == len(kinds)
        assert all(isinstance(error, EventDecodeError) for error in errors)
        assert len(open_streams_connections(server)) == 1


# ---------------------------------------------------------------------------------------------------------------
# Futures user data (listenKey)
# ---------------------------------------------------------------------------------------------------------------

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
