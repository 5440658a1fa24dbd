"""The WebSocket API client against the package's mock server: requests, signing, logon, events, history."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, cast

import pytest

from ..._runtime.api.client import ApiClientBase
from ..._runtime.core.handlers import ERROR_PATTERN, HandlerRegistry, compile_pattern
from ..._runtime.core.history import REDACTED, MessageHistory, redact, redact_text
from ..._runtime.core.iterators import EventIterator, EventQueueOverflowError
from ..._spec import SPEC
from ...auth import BinanceAuth, generate_ed25519_keypair
from ...client import BinanceWebSocketClient
from ...errors import (
    AuthenticationError,
    BinanceAPIError,
    ConnectionClosedError,
    EventDecodeError,
    IPBannedError,
    RateLimitError,
    RequestTimeoutError,
    SessionRevokedError,
)
from ...testing import MockBinanceServer

GUARD = 15.0
"""Upper bound for waits so that a broken client fails instead of hanging (not a timing check)."""

API_ONLY = pytest.mark.skipif(SPEC.kind != "api", reason="WebSocket API client only")
SPOT_USER_DATA = pytest.mark.skipif(
    SPEC.kind != "api" or "userDataStream.subscribe.signature" not in SPEC.operations,
    reason="spot user data subscriptions only",
)

KeyKind = Literal["ed25519", "hmac", "none"]
TIME_METHOD = "time" if "time" in SPEC.operations else "session.status"
"""An unsigned method every WS API answers (futures have no ``time``); the client syncs its clock with it too."""
_ED25519_PRIVATE, _ED25519_PUBLIC = generate_ed25519_keypair()


def find_signed_method() -> str:
    """A signed operation of this spec that needs no user parameter (``account.status`` on every product)."""
    candidates = [
        name
        for name, op in SPEC.operations.items()
        if op.signed
        and not name.startswith(("session.", "userDataStream."))
        and not any(param.required and not param.auth for param in op.params)
    ]
    if "account.status" in candidates:
        return "account.status"
    if not candidates:
        pytest.skip("this spec has no signed operation without parameters")
    return sorted(candidates)[0]


def make_auth(server: MockBinanceServer, kind: KeyKind) -> BinanceAuth | None:
    if kind == "none":
        return None
    api_key = secrets.token_hex(32)
    if kind == "hmac":
        secret = secrets.token_hex(32)
        server.add_key(api_key, secret_key=secret)
        return BinanceAuth(api_key, secret_key=secret)
    server.add_key(api_key, public_key_pem=_ED25519_PUBLIC)
    return BinanceAuth(api_key, private_key=_ED25519_PRIVATE, auth_type="ed25519")


@asynccontextmanager
async def api_session(
    key: KeyKind = "none", server_options: dict[str, Any] | None = None, **client_options: Any
) -> AsyncIterator[tuple[MockBinanceServer, ApiClientBase]]:
    async with MockBinanceServer(**(server_options or {})) as server:
        client = new_client(url=server.url, auth=make_auth(server, key), **client_options)
        async with client:
            yield server, client


def new_client(**options: Any) -> ApiClientBase:
    """The rendered client, typed as its API base: in a streams package the module is a streams client."""
    client: Any = BinanceWebSocketClient(**options)
    return cast(ApiClientBase, client)


async def wait_until(predicate: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), GUARD)


def seq_of(event: Any) -> Any:
    """The ``testSeq`` marker tests add to pushed events (kept by the models as an extra field)."""
    for candidate in (event, getattr(event, "event", None)):
        extra = getattr(candidate, "model_extra", None)
        if extra and "testSeq" in extra:
            return extra["testSeq"]
    return None


# ------------------------------------------------------------------------------------------ unit: handlers


def test_patterns_match_exact_glob_and_everything() -> None:
    assert compile_pattern("*")("anything")
    assert compile_pattern("executionReport")("executionReport")
    assert not compile_pattern("executionReport")("executionReports")
    assert compile_pattern("*Update")("balanceUpdate")
    assert not compile_pattern("*Update")("executionReport")
    assert compile_pattern("list?tatus")("listStatus")


def test_handler_registry_delivers_to_every_match_in_order_and_survives_faults() -> None:
    registry = HandlerRegistry()
    calls: list[str] = []

    def broken(event: Any) -> None:
        raise RuntimeError("handler bug")

    registry.set_handler("*", lambda e: calls.append(f"all:{e}"))
    registry.set_handler("executionReport", broken)
    registry.set_handler("executionReport", lambda e: calls.append(f"exact:{e}"))
    registry.set_handler("*Report", lambda e: calls.append(f"glob:{e}"))
    registry.dispatch("executionReport", 1)
    registry.dispatch("balanceUpdate", 2)
    assert calls == ["all:1", "exact:1", "glob:1", "all:2"]
    assert registry.handler_errors == 1

    assert registry.remove_handler("executionReport", broken) == 1
    assert registry.remove_handler("*") == 1
    assert registry.remove_handler("missing") == 0
    calls.clear()
    registry.dispatch("executionReport", 3)
    assert calls == ["exact:3", "glob:3"]


async def test_async_handlers_run_in_event_order_and_are_stopped_on_close() -> None:
    registry = HandlerRegistry()
    seen: list[int] = []

    async def slow(event: int) -> None:
        await asyncio.sleep(0)
        if event == 3:
            raise RuntimeError("async handler bug")
        seen.append(event)

    registry.set_handler("*", slow)
    for number in range(6):
        registry.dispatch("tick", number)
    await wait_until(lambda: len(seen) == 5)
    assert seen == [0, 1, 2, 4, 5]
    assert registry.handler_errors == 1
    assert any(task.get_name() == "event-handlers" for task in asyncio.all_tasks())
    await registry.aclose()
    assert not any(task.get_name() == "event-handlers" for task in asyncio.all_tasks())


def test_error_handlers_only_get_errors() -> None:
    registry = HandlerRegistry()
    errors: list[BaseException] = []
    registry.set_handler(ERROR_PATTERN, errors.append)
    registry.dispatch("__error__", "not an error event")
    registry.dispatch_error(EventDecodeError("bad"))
    assert registry.has_error_handlers
    assert [type(e) for e in errors] == [EventDecodeError]


# ------------------------------------------------------------------------------------------ unit: iterators


async def test_iterator_drops_oldest_when_the_consumer_is_slow() -> None:
    iterator: EventIterator[int] = EventIterator(maxsize=3)
    for number in range(10):
        iterator.push(number)
    assert iterator.dropped == 7
    iterator.close()
    assert [item async for item in iterator] == [7, 8, 9]


async def test_iterator_drop_newest_and_raise_policies() -> None:
    newest: EventIterator[int] = EventIterator(maxsize=2, overflow="drop_newest")
    for number in range(5):
        newest.push(number)
    newest.close()
    assert [item async for item in newest] == [0, 1]
    assert newest.dropped == 3

    strict: EventIterator[int] = EventIterator(maxsize=2, overflow="raise")
    for number in range(3):
        strict.push(number)
    with pytest.raises(EventQueueOverflowError):
        await strict.__anext__()


async def test_iterator_wakes_a_waiting_consumer_and_ends_with_the_close_error() -> None:
    iterator: EventIterator[str] = EventIterator()
    consumer = asyncio.ensure_future(iterator.__anext__())
    await asyncio.sleep(0)
    iterator.push("first")
    assert await asyncio.wait_for(consumer, GUARD) == "first"
    iterator.close(ConnectionClosedError("gone"))
    with pytest.raises(ConnectionClosedError):
        await iterator.__anext__()


# ------------------------------------------------------------------------------------------ unit: history


def test_redaction_masks_secrets_at_any_depth_and_leaves_the_input_alone() -> None:
    message = {
        "id": 1,
        "method": "order.place",
        "params": {"apiKey": "KEY123", "signature": "SIG456", "symbol": "BTCUSDT"},
        "result": [{"listenKey": "LK789"}],
    }
    redacted = redact(message)
    text = json.dumps(redacted)
    assert "KEY123" not in text and "SIG456" not in text and "LK789" not in text
    assert redacted["params"]["symbol"] == "BTCUSDT"
    assert redacted["params"]["apiKey"] == REDACTED
    assert message["params"]["apiKey"] == "KEY123"  # type: ignore[index]
    untouched = {"e": "trade", "p": "1.0"}
    assert redact(untouched) is untouched


def test_redact_text_masks_json_and_query_secrets() -> None:
    raw = '{"params":{"apiKey": "KEY123","signature":"SIG456"}} wss://x/ws?listenKey=LK789&a=1'
    masked = redact_text(raw)
    assert "KEY123" not in masked and "SIG456" not in masked and "LK789" not in masked


def test_history_is_bounded_filterable_and_can_be_turned_off() -> None:
    history = MessageHistory(3)
    for number in range(5):
        history.record("received", {"n": number}, "even" if number % 2 == 0 else "odd")
    entries = history.get()
    assert [entry.message["n"] for entry in entries] == [2, 3, 4]
    assert [entry.message["n"] for entry in history.get(event_type="even")] == [2, 4]
    assert [entry.message["n"] for entry in history.get(limit=1)] == [4]
    off = MessageHistory(0)
    off.record("sent", {"n": 1})
    assert off.get() == []


# ------------------------------------------------------------------------------------------ client basics


@API_ONLY
def test_url_appends_the_channel_address_and_query_options() -> None:
    client = new_client(url="ws://127.0.0.1:1/ws-api/v3")
    assert client.url == "ws://127.0.0.1:1/ws-api/v3"
    quiet = new_client(url="ws://127.0.0.1:1/ws-api/v3", return_rate_limits=False)
    assert quiet.url.endswith("?returnRateLimits=false")
    assert new_client().url == SPEC.server_url(testnet=False)
    if any(server.testnet for server in SPEC.servers):
        assert new_client(testnet=True).url == SPEC.server_url(testnet=True)


@API_ONLY
def test_time_unit_is_spot_only() -> None:
    if SPEC.product == "spot":
        client = new_client(url="ws://127.0.0.1:1/ws-api/v3", time_unit="MICROSECOND")
        assert "timeUnit=MICROSECOND" in client.url
    else:
        with pytest.raises(ValueError):
            new_client(time_unit="MICROSECOND")
    with pytest.raises(ValueError):
        new_client(time_unit="NANOSECOND")


@API_ONLY
async def test_requests_before_connect_fail_clearly() -> None:
    client = new_client(url="ws://127.0.0.1:1/ws-api/v3")
    with pytest.raises(ConnectionClosedError):
        await client.request(TIME_METHOD)


@API_ONLY
async def test_request_returns_the_raw_reply_and_ids_are_unique_increasing_integers() -> None:
    async with api_session() as (server, client):
        replies = await asyncio.gather(*(client.request(TIME_METHOD) for _ in range(5)))
        assert all(reply["status"] == 200 and "result" in reply for reply in replies)
        ids = [frame["id"] for frame in server.requests(TIME_METHOD)]
        assert all(isinstance(i, int) for i in ids)
        assert ids == sorted(ids) and len(set(ids)) == 5
        assert client.pending_requests == 0
        assert client.rate_limits and client.rate_limits[0]["rateLimitType"] == "REQUEST_WEIGHT"
        assert client.stats.requests_sent == 5


@API_ONLY
async def test_typed_call_validates_into_the_response_model() -> None:
    rendered_method = "session_status"  # rendered per spec, so looked up by name (unknown to ApiClientBase)
    async with api_session() as (_server, client):
        typed = await getattr(client, rendered_method)()
        assert type(typed).__name__ == "SessionStatusResponse"
        assert typed.status == 200


@API_ONLY
@pytest.mark.parametrize(("status", "expected"), [(429, RateLimitError), (418, IPBannedError)])
async def test_error_reply_raises_the_mapped_exception_at_once(
    status: int, expected: type[RateLimitError | IPBannedError]
) -> None:
    async with api_session() as (server, client):
        server.fail_next(TIME_METHOD, status=status, code=-1003, retry_after_ms=2000)
        with pytest.raises(expected) as caught:
            await asyncio.wait_for(client.request(TIME_METHOD), GUARD)
        assert caught.value.status == status and caught.value.method == TIME_METHOD
        assert caught.value.retry_after is not None
        assert client.pending_requests == 0
        # The client stays usable after an error reply.
        assert (await client.request(TIME_METHOD))["status"] == 200


@API_ONLY
async def test_timeout_raises_and_the_late_reply_is_ignored() -> None:
    async with api_session(request_timeout=0.2) as (server, client):
        server.delay_method(TIME_METHOD, 0.6)
        with pytest.raises(RequestTimeoutError) as caught:
            await client.request(TIME_METHOD)
        assert caught.value.method == TIME_METHOD
        assert client.pending_requests == 0
        await wait_until(lambda: client.stats.late_replies == 1)
        server.delay_method(TIME_METHOD, 0)
        assert (await client.request(TIME_METHOD))["status"] == 200


@API_ONLY
async def test_a_cancelled_caller_leaves_nothing_pending() -> None:
    async with api_session() as (server, client):
        server.delay_method(TIME_METHOD, 0.5)
        task = asyncio.ensure_future(client.request(TIME_METHOD))
        await server.wait_for_request(TIME_METHOD)
        assert client.pending_requests == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.pending_requests == 0
        await wait_until(lambda: client.stats.late_replies == 1)


@API_ONLY
async def test_signed_requests_carry_api_key_timestamp_and_a_valid_signature() -> None:
    method = find_signed_method()
    async with api_session("hmac", recv_window=5000) as (server, client):
        reply = await client.request(method)
        assert reply["status"] == 200
        params = server.requests(method)[0]["params"]
        assert {"apiKey", "timestamp", "signature", "recvWindow"} <= set(params)
        assert params["apiKey"] == client.auth.api_key  # type: ignore[union-attr]


@API_ONLY
async def test_unknown_methods_can_be_sent_and_signed_on_demand() -> None:
    async with api_session("hmac") as (server, client):
        reply = await client.request(TIME_METHOD, signed=False)
        assert reply["status"] == 200
        with pytest.raises(BinanceAPIError):
            # The mock does not know the method's parameters and refuses the signed extras: a real error reply.
            await client.request("brandNew.method", {"symbol": "BTCUSDT"}, signed=True)
        sent = server.requests("brandNew.method")[0]["params"]
        assert {"apiKey", "timestamp", "signature"} <= set(sent)


@API_ONLY
async def test_signed_request_without_credentials_fails_before_sending() -> None:
    method = find_signed_method()
    async with api_session("none") as (server, client):
        with pytest.raises(AuthenticationError):
            await client.request(method)
        assert server.requests(method) == []


@API_ONLY
async def test_ed25519_logon_on_connect_then_requests_omit_api_key_and_signature() -> None:
    method = find_signed_method()
    async with api_session("ed25519") as (server, client):
        assert client.logged_on
        assert len(server.requests("session.logon")) == 1
        assert (await client.request(method))["status"] == 200
        params = server.requests(method)[0].get("params", {})
        assert "timestamp" in params
        assert "apiKey" not in params and "signature" not in params


@API_ONLY
async def test_session_logon_with_an_hmac_key_raises_before_sending() -> None:
    async with api_session("hmac") as (server, client):
        assert not client.logged_on
        with pytest.raises(AuthenticationError):
            await client.request("session.logon")
        assert server.requests("session.logon") == []
    with pytest.raises(AuthenticationError):
        new_client(auth=BinanceAuth("k", secret_key="s"), session_logon=True)


@API_ONLY
async def test_timestamp_rejection_resyncs_the_clock_and_retries_once() -> None:
    method = find_signed_method()
    # The server clock runs 30 s behind ours: every local timestamp is "ahead of the server".
    async with api_session("hmac", server_options={"clock_offset_ms": -30_000}) as (server, client):
        reply = await client.request(method)
        assert reply["status"] == 200
        assert len(server.requests(method)) == 2
        assert len(server.requests(TIME_METHOD)) == 1
        assert client.clock.offset_ms < -20_000


@API_ONLY
async def test_sync_time_measures_the_offset() -> None:
    async with api_session(server_options={"clock_offset_ms": 120_000}) as (_server, client):
        offset = await client.sync_time()
        assert 100_000 < offset < 140_000


@API_ONLY
async def test_session_revoked_goes_to_error_handlers_and_drops_the_session() -> None:
    method = find_signed_method()
    async with api_session("ed25519") as (server, client):
        errors: list[BaseException] = []
        client.set_handler(ERROR_PATTERN, errors.append)
        assert client.logged_on
        assert client.auth is not None and client.auth.api_key is not None
        server.revoke_key(client.auth.api_key)
        with pytest.raises(SessionRevokedError):
            await asyncio.wait_for(client.request(method), GUARD)
        assert not client.logged_on
        assert [type(error) for error in errors] == [SessionRevokedError]
        assert client.stats.unsolicited_errors == 1


@API_ONLY
async def test_bad_frames_go_to_error_handlers_are_counted_and_the_reader_goes_on() -> None:
    spot_user_data = "userDataStream.subscribe.signature" in SPEC.operations
    kinds: list[Literal["not_json", "binary", "unknown_event", "invalid_payload"]] = [
        "not_json",
        "binary",
        "unknown_event",
    ]
    if spot_user_data:
        # Without a user data subscription the mock's invalid payload is a serverShutdown notice (not an error).
        kinds.append("invalid_payload")
    async with api_session("ed25519" if spot_user_data else "none") as (server, client):
        if spot_user_data:
            # Broken user data events need a subscription to travel on.
            await client.subscribe("user_data_stream")
        errors: list[BaseException] = []
        client.set_handler(ERROR_PATTERN, errors.append)
        for kind in kinds:
            assert await server.send_malformed(kind) == 1
        await wait_until(lambda: client.stats.decode_errors == len(kinds))
        assert all(isinstance(error, EventDecodeError) for error in errors)
        assert len(errors) == len(kinds)
        assert (await client.request(TIME_METHOD))["status"] == 200


@API_ONLY
async def test_disconnect_is_idempotent_fails_pending_requests_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    async with MockBinanceServer() as server:
        client = new_client(url=server.url)
        client.on("connected", lambda url: None)

        async def async_handler(event: Any) -> None:
            await asyncio.sleep(0)

        client.set_handler("*", async_handler)
        await client.connect()
        server.delay_method(TIME_METHOD, 5)
        pending = asyncio.ensure_future(client.request(TIME_METHOD))
        await server.wait_for_request(TIME_METHOD)
        iterator = client.events()
        await client.disconnect()
        await client.disconnect()
        with pytest.raises(ConnectionClosedError):
            await pending
        assert [event async for event in iterator] == []
        assert not client.is_connected
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


# ------------------------------------------------------------------------------------------ user data


@SPOT_USER_DATA
@pytest.mark.parametrize("key", ["ed25519", "hmac"])
async def test_user_data_subscription_delivers_typed_events_to_handlers_and_iterators(key: KeyKind) -> None:
    async with api_session(key) as (server, client):
        received: list[Any] = []
        client.set_handler("executionReport", received.append)
        everything: list[Any] = []
        client.set_handler("*", everything.append)
        events = client.events("execution*")
        subscription_id = await client.subscribe("user_data_stream")
        assert isinstance(subscription_id, int)
        expected_method = "userDataStream.subscribe" if key == "ed25519" else "userDataStream.subscribe.signature"
        assert len(server.requests(expected_method)) == 1
        payload = server.example_user_event("executionReport")
        for number in range(3):
            assert await server.push_user_event({**payload, "testSeq": number}) == 1
        await server.push_user_event(event_type="balanceUpdate")
        await wait_until(lambda: len(everything) == 4)
        assert [seq_of(event) for event in received] == [0, 1, 2]
        assert not isinstance(received[0], dict)
        iterated = [seq_of(await asyncio.wait_for(events.__anext__(), GUARD)) for _ in range(3)]
        assert iterated == [0, 1, 2]
        await events.aclose()
        assert events.qsize() == 0


@SPOT_USER_DATA
async def test_event_stream_terminated_is_delivered_and_stops_restoring() -> None:
    async with api_session("ed25519") as (server, client):
        terminated: list[Any] = []
        client.set_handler("eventStreamTerminated", terminated.append)
        await client.subscribe("user_data_stream")
        assert client.user_data_subscriptions
        await client.request("session.logout")
        await wait_until(lambda: bool(terminated))
        assert not client.user_data_subscriptions
        assert not client.logged_on


@SPOT_USER_DATA
async def test_unsubscribe_ends_the_subscription() -> None:
    async with api_session("hmac") as (server, client):
        await client.subscribe("user_data_stream")
        await client.unsubscribe("user_data_stream")
        assert not client.user_data_subscriptions
        assert len(server.requests("userDataStream.unsubscribe")) == 1
        with pytest.raises(ValueError):
            await client.subscribe("trades")


@API_ONLY
async def test_futures_specs_point_user_data_to_the_listen_key_flow() -> None:
    futures_spec = dataclasses.replace(SPEC, product="umfutures", operations={})
    client = ApiClientBase(spec=futures_spec, router=_NeverRouter(), url="ws://127.0.0.1:1/ws-fapi/v1")
    with pytest.raises(ValueError, match="listenKey"):
        await client.subscribe("user_data_stream")


@pytest.mark.skipif(
    SPEC.kind != "api" or "userDataStream.start" not in SPEC.operations, reason="futures listenKey methods only"
)
@pytest.mark.parametrize("key", ["hmac", "ed25519"])
async def test_futures_listen_key_methods_carry_only_the_api_key(key: KeyKind) -> None:
    async with api_session(key) as (server, client):
        reply = await client.request("userDataStream.start")
        listen_key = reply["result"]["listenKey"]
        assert isinstance(listen_key, str) and listen_key
        params = server.requests("userDataStream.start")[0].get("params", {})
        assert "signature" not in params and "timestamp" not in params
        # Logged on (Ed25519), the session stands in for the API key.
        assert ("apiKey" in params) == (key == "hmac")
        assert listen_key not in json.dumps([entry.message for entry in client.get_message_history()])


class _NeverRouter:
    def decode(self, raw: bytes | str, *, stream: str | None = None) -> Any:
        raise EventDecodeError("no events in this test")

    def from_object(self, obj: Any, stream: str | None = None) -> Any:
        raise EventDecodeError("no events in this test")


# ------------------------------------------------------------------------------------------ history


@API_ONLY
async def test_history_keeps_messages_newest_last_with_secrets_masked() -> None:
    method = find_signed_method()
    async with api_session("hmac") as (server, client):
        await client.request(method)
        await client.request(TIME_METHOD)
        history = client.get_message_history()
        assert [entry.direction for entry in history[-2:]] == ["sent", "received"]
        assert history[-1].event_type == TIME_METHOD
        signed = client.get_message_history(event_type=method)
        assert [entry.direction for entry in signed] == ["sent", "received"]
        sent_params = signed[0].message["params"]
        assert sent_params["apiKey"] == REDACTED and sent_params["signature"] == REDACTED
        wire = server.requests(method)[0]["params"]
        dumped = json.dumps([entry.message for entry in history], default=str)
        assert wire["apiKey"] not in dumped and wire["signature"] not in dumped
        assert len(client.get_message_history(limit=1)) == 1


@API_ONLY
async def test_history_can_be_turned_off() -> None:
    async with api_session(history_size=0) as (_server, client):
        await client.request(TIME_METHOD)
        assert client.get_message_history() == []
