"""ApiClientBase against the mock server: requests, correlation, signing, logon, user data, events, history."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import pytest

from binance_ws_runtime.auth import BinanceAuth
from binance_ws_runtime.core.handlers import ERROR_PATTERN
from binance_ws_runtime.core.history import REDACTED
from binance_ws_runtime.errors import (
    AuthenticationError,
    BinanceAPIError,
    ConnectionClosedError,
    EventDecodeError,
    IPBannedError,
    RateLimitError,
    RequestTimeoutError,
    SessionRevokedError,
)

from ..fixtures import futures_api, spot_api
from ..fixtures.replies import SessionStatusResponse
from ..helpers import API_FLAVOURS, FUTURES_API, GUARD, SPOT_API, ApiFlavour, KeyKind, api_session, seq_of, wait_until

TIME = SPOT_API.time_method
SIGNED = SPOT_API.signed_method

# ------------------------------------------------------------------------------------------ client basics


def test_url_appends_the_channel_address_and_query_options() -> None:
    client = spot_api.SpotApiClient(url="ws://127.0.0.1:1/ws-api/v3")
    assert client.url == "ws://127.0.0.1:1/ws-api/v3"
    quiet = spot_api.SpotApiClient(url="ws://127.0.0.1:1/ws-api/v3", return_rate_limits=False)
    assert quiet.url.endswith("?returnRateLimits=false")
    assert spot_api.SpotApiClient().url == spot_api.SPEC.server_url(testnet=False)
    assert spot_api.SpotApiClient(testnet=True).url == spot_api.SPEC.server_url(testnet=True)
    assert spot_api.SpotApiClient(testnet=True).url != spot_api.SpotApiClient().url


def test_time_unit_is_spot_only() -> None:
    client = spot_api.SpotApiClient(url="ws://127.0.0.1:1/ws-api/v3", time_unit="MICROSECOND")
    assert "timeUnit=MICROSECOND" in client.url
    with pytest.raises(ValueError):
        futures_api.FuturesApiClient(time_unit="MICROSECOND")
    for client_class in (spot_api.SpotApiClient, futures_api.FuturesApiClient):
        with pytest.raises(ValueError):
            client_class(time_unit="NANOSECOND")


async def test_requests_before_connect_fail_clearly() -> None:
    client = spot_api.SpotApiClient(url="ws://127.0.0.1:1/ws-api/v3")
    with pytest.raises(ConnectionClosedError):
        await client.request(TIME)


async def test_request_returns_the_raw_reply_and_ids_are_unique_increasing_integers() -> None:
    async with api_session() as (server, client):
        replies = await asyncio.gather(*(client.request(TIME) for _ in range(5)))
        assert all(reply["status"] == 200 and "result" in reply for reply in replies)
        ids = [frame["id"] for frame in server.requests(TIME)]
        assert all(isinstance(i, int) for i in ids)
        assert ids == sorted(ids) and len(set(ids)) == 5
        assert client.pending_requests == 0
        assert client.rate_limits and client.rate_limits[0]["rateLimitType"] == "REQUEST_WEIGHT"
        assert client.stats.requests_sent == 5


async def test_typed_call_validates_into_the_response_model() -> None:
    async with api_session() as (_server, client):
        assert isinstance(client, spot_api.SpotApiClient)
        typed = await client.session_status()
        assert type(typed) is SessionStatusResponse
        assert typed.status == 200


async def test_a_reply_that_does_not_fit_the_response_model_raises_event_decode_error() -> None:
    async with api_session() as (server, client):
        assert isinstance(client, spot_api.SpotApiClient)
        server.set_result("time", {"serverTime": "not a number"})
        with pytest.raises(EventDecodeError, match="TimeResponse"):
            await client.time()


@pytest.mark.parametrize(("status", "expected"), [(429, RateLimitError), (418, IPBannedError)])
async def test_error_reply_raises_the_mapped_exception_at_once(
    status: int, expected: type[RateLimitError | IPBannedError]
) -> None:
    async with api_session() as (server, client):
        server.fail_next(TIME, status=status, code=-1003, retry_after_ms=2000)
        with pytest.raises(expected) as caught:
            await asyncio.wait_for(client.request(TIME), GUARD)
        assert caught.value.status == status and caught.value.method == TIME
        assert caught.value.retry_after is not None
        assert client.pending_requests == 0
        # The client stays usable after an error reply.
        assert (await client.request(TIME))["status"] == 200


async def test_timeout_raises_and_the_late_reply_is_ignored() -> None:
    async with api_session(request_timeout=0.2) as (server, client):
        server.delay_method(TIME, 0.6)
        with pytest.raises(RequestTimeoutError) as caught:
            await client.request(TIME)
        assert caught.value.method == TIME
        assert client.pending_requests == 0
        await wait_until(lambda: client.stats.late_replies == 1)
        server.delay_method(TIME, 0)
        assert (await client.request(TIME))["status"] == 200


async def test_a_cancelled_caller_leaves_nothing_pending() -> None:
    async with api_session() as (server, client):
        server.delay_method(TIME, 0.5)
        task = asyncio.ensure_future(client.request(TIME))
        await server.wait_for_request(TIME)
        assert client.pending_requests == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.pending_requests == 0
        await wait_until(lambda: client.stats.late_replies == 1)


# ------------------------------------------------------------------------------------------ signing


async def test_signed_requests_carry_api_key_timestamp_and_a_valid_signature() -> None:
    async with api_session("hmac", recv_window=5000) as (server, client):
        reply = await client.request(SIGNED)
        assert reply["status"] == 200
        params = server.requests(SIGNED)[0]["params"]
        assert {"apiKey", "timestamp", "signature", "recvWindow"} <= set(params)
        assert params["apiKey"] == client.auth.api_key  # type: ignore[union-attr]


async def test_api_key_only_methods_carry_the_key_and_no_signature() -> None:
    async with api_session("hmac") as (server, client):
        assert isinstance(client, spot_api.SpotApiClient)
        trades = await client.trades_historical(symbol="BNBBTC")
        assert trades.result[0].price == "0.00005000"
        params = server.requests("trades.historical")[0]["params"]
        assert params["apiKey"] == client.auth.api_key  # type: ignore[union-attr]
        assert "signature" not in params and "timestamp" not in params
    async with api_session("none") as (server, client):
        with pytest.raises(AuthenticationError):
            await client.request("trades.historical", {"symbol": "BNBBTC"})
        assert server.requests("trades.historical") == []


async def test_unknown_methods_can_be_sent_and_signed_on_demand() -> None:
    async with api_session("hmac") as (server, client):
        reply = await client.request(TIME, signed=False)
        assert reply["status"] == 200
        with pytest.raises(BinanceAPIError):
            # The mock does not know the method's parameters and refuses the signed extras: a real error reply.
            await client.request("brandNew.method", {"symbol": "BTCUSDT"}, signed=True)
        sent = server.requests("brandNew.method")[0]["params"]
        assert {"apiKey", "timestamp", "signature"} <= set(sent)


async def test_signed_request_without_credentials_fails_before_sending() -> None:
    async with api_session("none") as (server, client):
        with pytest.raises(AuthenticationError):
            await client.request(SIGNED)
        assert server.requests(SIGNED) == []


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_ed25519_logon_on_connect_then_requests_omit_api_key_and_signature(flavour: ApiFlavour) -> None:
    method = flavour.signed_method
    async with api_session("ed25519", flavour=flavour) as (server, client):
        assert client.logged_on
        assert len(server.requests("session.logon")) == 1
        assert (await client.request(method))["status"] == 200
        params = server.requests(method)[0].get("params", {})
        assert "timestamp" in params
        assert "apiKey" not in params and "signature" not in params


async def test_session_logon_with_an_hmac_key_raises_before_sending() -> None:
    async with api_session("hmac") as (server, client):
        assert not client.logged_on
        with pytest.raises(AuthenticationError):
            await client.request("session.logon")
        assert isinstance(client, spot_api.SpotApiClient)
        with pytest.raises(AuthenticationError, match="Ed25519"):
            await client.session_logon()
        assert server.requests("session.logon") == []
    with pytest.raises(AuthenticationError):
        spot_api.SpotApiClient(auth=BinanceAuth("k", secret_key="s"), session_logon=True)


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_timestamp_rejection_resyncs_the_clock_and_retries_once(flavour: ApiFlavour) -> None:
    method = flavour.signed_method
    # The server clock runs 30 s behind ours: every local timestamp is "ahead of the server".
    async with api_session("hmac", server_options={"clock_offset_ms": -30_000}, flavour=flavour) as (server, client):
        reply = await client.request(method)
        assert reply["status"] == 200
        assert len(server.requests(method)) == 2
        assert len(server.requests(flavour.time_method)) == 1
        assert client.clock.offset_ms < -20_000


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_sync_time_measures_the_offset(flavour: ApiFlavour) -> None:
    async with api_session(server_options={"clock_offset_ms": 120_000}, flavour=flavour) as (server, client):
        offset = await client.sync_time()
        assert 100_000 < offset < 140_000
        assert len(server.requests(flavour.time_method)) == 1


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_session_revoked_goes_to_error_handlers_and_drops_the_session(flavour: ApiFlavour) -> None:
    async with api_session("ed25519", flavour=flavour) as (server, client):
        errors: list[BaseException] = []
        client.set_handler(ERROR_PATTERN, errors.append)
        assert client.logged_on
        assert client.auth is not None and client.auth.api_key is not None
        server.revoke_key(client.auth.api_key)
        with pytest.raises(SessionRevokedError):
            await asyncio.wait_for(client.request(flavour.signed_method), GUARD)
        assert not client.logged_on
        assert [type(error) for error in errors] == [SessionRevokedError]
        assert client.stats.unsolicited_errors == 1


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_bad_frames_go_to_error_handlers_are_counted_and_the_reader_goes_on(flavour: ApiFlavour) -> None:
    spot_user_data = "userDataStream.subscribe.signature" in flavour.spec.operations
    # An unknown event type is no bad frame: it arrives as UnknownEvent (tests/api/test_drift.py).
    kinds: list[Literal["not_json", "binary", "invalid_payload"]] = ["not_json", "binary"]
    if spot_user_data:
        # Without a user data subscription the mock's invalid payload is a serverShutdown notice (not an error).
        kinds.append("invalid_payload")
    async with api_session("ed25519" if spot_user_data else "none", flavour=flavour) as (server, client):
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
        assert (await client.request(flavour.time_method))["status"] == 200


async def test_disconnect_is_idempotent_fails_pending_requests_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    async with spot_api.SpotApiMock() as server:
        client = spot_api.SpotApiClient(url=server.url)
        client.on("connected", lambda url: None)

        async def async_handler(event: Any) -> None:
            await asyncio.sleep(0)

        client.set_handler("*", async_handler)
        await client.connect()
        server.delay_method(TIME, 5)
        pending = asyncio.ensure_future(client.request(TIME))
        await server.wait_for_request(TIME)
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
        assert all(isinstance(event, spot_api.ExecutionReportEventPayload) for event in received)
        iterated = [seq_of(await asyncio.wait_for(events.__anext__(), GUARD)) for _ in range(3)]
        assert iterated == [0, 1, 2]
        await events.aclose()
        assert events.qsize() == 0


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


async def test_unsubscribe_ends_the_subscription() -> None:
    async with api_session("hmac") as (server, client):
        await client.subscribe("user_data_stream")
        await client.unsubscribe("user_data_stream")
        assert not client.user_data_subscriptions
        assert len(server.requests("userDataStream.unsubscribe")) == 1
        with pytest.raises(ValueError):
            await client.subscribe("trades")


async def test_futures_specs_point_user_data_to_the_listen_key_flow() -> None:
    client = futures_api.FuturesApiClient(url="ws://127.0.0.1:1/ws-fapi/v1")
    with pytest.raises(ValueError, match="listenKey"):
        await client.subscribe("user_data_stream")


@pytest.mark.parametrize("key", ["hmac", "ed25519"])
async def test_futures_listen_key_methods_carry_only_the_api_key(key: KeyKind) -> None:
    async with api_session(key, flavour=FUTURES_API) as (server, client):
        reply = await client.request("userDataStream.start")
        listen_key = reply["result"]["listenKey"]
        assert isinstance(listen_key, str) and listen_key
        params = server.requests("userDataStream.start")[0].get("params", {})
        assert "signature" not in params and "timestamp" not in params
        # Logged on (Ed25519), the session stands in for the API key.
        assert ("apiKey" in params) == (key == "hmac")
        assert listen_key not in json.dumps([entry.message for entry in client.get_message_history()])


# ------------------------------------------------------------------------------------------ history


async def test_history_keeps_messages_newest_last_with_secrets_masked() -> None:
    async with api_session("hmac") as (server, client):
        await client.request(SIGNED)
        await client.request(TIME)
        history = client.get_message_history()
        assert [entry.direction for entry in history[-2:]] == ["sent", "received"]
        assert history[-1].event_type == TIME
        signed = client.get_message_history(event_type=SIGNED)
        assert [entry.direction for entry in signed] == ["sent", "received"]
        sent_params = signed[0].message["params"]
        assert sent_params["apiKey"] == REDACTED and sent_params["signature"] == REDACTED
        wire = server.requests(SIGNED)[0]["params"]
        dumped = json.dumps([entry.message for entry in history], default=str)
        assert wire["apiKey"] not in dumped and wire["signature"] not in dumped
        assert len(client.get_message_history(limit=1)) == 1


async def test_history_can_be_turned_off() -> None:
    async with api_session(history_size=0) as (_server, client):
        await client.request(TIME)
        assert client.get_message_history() == []
