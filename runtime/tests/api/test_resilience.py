"""Connection resilience of ApiClientBase against the mock server's fault controls: the fault matrix."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from binance_ws_runtime.backoff import BackoffPolicy
from binance_ws_runtime.connection import CloseInfo
from binance_ws_runtime.core.handlers import ERROR_PATTERN
from binance_ws_runtime.errors import AuthenticationError, ConnectionClosedError, RequestTimeoutError

from ..fixtures.spot_api import SpotApiClient, SpotApiMock
from ..helpers import API_FLAVOURS, GUARD, SPOT_API, ApiFlavour, api_session, seq_of, wait_until

TIME_METHOD = SPOT_API.time_method
FAST_BACKOFF = BackoffPolicy(base=0.01, cap=0.05)


class Recorder:
    """Lifecycle hooks and events, in the order they happened."""

    def __init__(self) -> None:
        self.timeline: list[tuple[Any, ...]] = []
        self.events: list[Any] = []

    def attach(self, client: Any) -> None:
        client.on("disconnected", lambda info: self.timeline.append(("disconnected", info)))
        client.on("reconnecting", lambda attempt, delay: self.timeline.append(("reconnecting", attempt)))
        client.on("reconnected", lambda attempt: self.timeline.append(("reconnected", attempt)))
        client.set_handler("*", self.on_event)

    def on_event(self, event: Any) -> None:
        self.events.append(event)
        self.timeline.append(("event", seq_of(event)))

    def count(self, name: str) -> int:
        return sum(1 for entry in self.timeline if entry[0] == name)

    def disconnects(self) -> list[CloseInfo]:
        return [entry[1] for entry in self.timeline if entry[0] == "disconnected"]


@pytest.mark.parametrize("key", ["ed25519", "hmac"])
async def test_reconnect_logs_on_again_and_resubscribes_user_data(key: Any) -> None:
    async with api_session(key, reconnect_backoff=FAST_BACKOFF) as (server, client):
        recorder = Recorder()
        recorder.attach(client)
        await client.subscribe("user_data_stream")
        subscribe_method = "userDataStream.subscribe" if key == "ed25519" else "userDataStream.subscribe.signature"
        assert await server.drop_all() == 1
        await wait_until(lambda: recorder.count("reconnected") == 1)
        assert server.connection_count == 2
        assert len(server.requests(subscribe_method)) == 2
        if key == "ed25519":
            logons = server.requests("session.logon")
            assert len(logons) == 2
            # A fresh signature with a fresh timestamp: a replayed logon would be rejected.
            assert logons[0]["params"]["signature"] != logons[1]["params"]["signature"]
            assert client.logged_on
        else:
            first, second = server.requests(subscribe_method)
            assert first["params"]["signature"] != second["params"]["signature"]
        payload = server.example_user_event("executionReport")
        assert await server.push_user_event({**payload, "testSeq": "after"}) == 1
        await wait_until(lambda: ("event", "after") in recorder.timeline)


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_a_failed_re_logon_is_reported_and_the_connection_still_comes_back(flavour: ApiFlavour) -> None:
    async with api_session("ed25519", flavour=flavour, reconnect_backoff=FAST_BACKOFF) as (server, client):
        recorder = Recorder()
        recorder.attach(client)
        errors: list[BaseException] = []
        client.set_handler(ERROR_PATTERN, errors.append)
        assert client.auth is not None and client.auth.api_key is not None
        server.revoke_key(client.auth.api_key)
        await server.drop_all()
        await wait_until(lambda: recorder.count("reconnected") == 1)
        assert errors and all(isinstance(error, AuthenticationError) for error in errors)
        assert not client.logged_on
        assert (await client.request(flavour.time_method))["status"] == 200


async def test_burst_then_1001_close_delivers_every_frame_before_acting_on_the_close() -> None:
    burst = 400
    async with api_session("ed25519", reconnect_backoff=FAST_BACKOFF) as (server, client):
        recorder = Recorder()
        recorder.attach(client)
        await client.subscribe("user_data_stream")
        assert await server.close_all(1001, "going away", after_burst=burst) == burst
        await wait_until(lambda: recorder.count("reconnected") == 1)
        first_disconnect = recorder.timeline.index(next(e for e in recorder.timeline if e[0] == "disconnected"))
        events_before_close = sum(1 for entry in recorder.timeline[:first_disconnect] if entry[0] == "event")
        assert events_before_close == burst
        assert recorder.disconnects()[0].code == 1001
        assert client.stats.decode_errors == 0
        # And the user data keeps flowing on the new connection.
        assert await server.push_user_event(event_type="balanceUpdate") == 1
        await wait_until(lambda: len(recorder.events) == burst + 1)


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_pending_requests_fail_at_once_when_the_connection_drops(flavour: ApiFlavour) -> None:
    async with api_session(flavour=flavour, reconnect_backoff=FAST_BACKOFF) as (server, client):
        server.delay_method(flavour.time_method, 30)
        pending = [asyncio.ensure_future(client.request(flavour.time_method, timeout=60)) for _ in range(3)]
        await server.wait_for_request(flavour.time_method, count=3)
        await server.drop_all()
        results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), GUARD)
        assert all(isinstance(result, ConnectionClosedError) for result in results)
        assert client.pending_requests == 0
        server.delay_method(flavour.time_method, 0)
        assert (await client.request(flavour.time_method))["status"] == 200


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_silent_connection_is_detected_and_replaced(flavour: ApiFlavour) -> None:
    async with api_session(
        flavour=flavour, ping_interval=None, silence_timeout=0.3, reconnect_backoff=FAST_BACKOFF
    ) as (
        server,
        client,
    ):
        recorder = Recorder()
        recorder.attach(client)
        server.go_silent(GUARD)
        await wait_until(lambda: recorder.count("reconnected") == 1)
        assert "silent" in recorder.disconnects()[0].reason
        assert (await client.request(flavour.time_method))["status"] == 200


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_unanswered_pings_end_the_connection_and_it_is_replaced(flavour: ApiFlavour) -> None:
    async with api_session(flavour=flavour, ping_interval=0.1, ping_timeout=0.2, reconnect_backoff=FAST_BACKOFF) as (
        server,
        client,
    ):
        recorder = Recorder()
        recorder.attach(client)
        server.stop_answering_pings()
        await wait_until(lambda: recorder.count("reconnected") == 1)
        assert not recorder.disconnects()[0].clean
        assert (await client.request(flavour.time_method))["status"] == 200


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_server_shutdown_triggers_a_reconnect_ahead_of_the_cut(flavour: ApiFlavour) -> None:
    async with api_session(flavour=flavour, reconnect_backoff=FAST_BACKOFF) as (server, client):
        recorder = Recorder()
        recorder.attach(client)
        assert await server.send_server_shutdown() == 1
        await wait_until(lambda: recorder.count("reconnected") == 1)
        assert recorder.disconnects()[0].reason == "serverShutdown"
        assert server.connection_count == 2
        assert client.stats.decode_errors == 0
        assert (await client.request(flavour.time_method))["status"] == 200


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_requests_made_while_reconnecting_wait_for_the_restored_session(flavour: ApiFlavour) -> None:
    async with api_session("ed25519", flavour=flavour, reconnect_backoff=FAST_BACKOFF) as (server, client):
        replies: list[Any] = []
        waiting: list[asyncio.Task[Any]] = []

        def send_during_reconnect(info: CloseInfo) -> None:
            if not waiting:  # only for the drop below, not for the final disconnect
                waiting.append(asyncio.ensure_future(client.request(flavour.time_method)))

        client.on("disconnected", send_during_reconnect)
        # Slow logons keep the client in the restoring phase long enough for the request to arrive there.
        server.delay_method("session.logon", 0.3)
        await server.drop_all()
        await wait_until(lambda: bool(waiting))
        replies.append(await asyncio.wait_for(waiting[0], GUARD))
        assert replies[0]["status"] == 200
        methods = [frame.get("method") for frame in server.received if isinstance(frame, dict)]
        second_logon = [i for i, m in enumerate(methods) if m == "session.logon"][1]
        assert methods.index(flavour.time_method) > second_logon


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_requests_during_a_reconnect_fail_at_once_without_waiting(flavour: ApiFlavour) -> None:
    async with api_session(flavour=flavour, wait_for_reconnect=False, reconnect_backoff=FAST_BACKOFF) as (
        server,
        client,
    ):
        outcomes: list[asyncio.Task[Any]] = []

        def send_during_reconnect(info: CloseInfo) -> None:
            if not outcomes:  # only for the drop below, not for the final disconnect
                outcomes.append(asyncio.ensure_future(client.request(flavour.time_method)))

        client.on("disconnected", send_during_reconnect)
        await server.drop_all()
        await wait_until(lambda: bool(outcomes))
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(outcomes[0], GUARD)


@pytest.mark.parametrize("flavour", API_FLAVOURS)
async def test_waiting_for_a_reconnect_is_bounded_by_the_request_timeout(flavour: ApiFlavour) -> None:
    async with api_session("ed25519", flavour=flavour, reconnect_backoff=FAST_BACKOFF) as (server, client):
        restoring: list[int] = []
        client.on("reconnecting", lambda attempt, delay: restoring.append(attempt))
        # The new link opens, but restoring the session (logon) takes far longer than the request may wait.
        server.delay_method("session.logon", 10)
        await server.drop_all()
        await wait_until(lambda: bool(restoring))
        with pytest.raises(RequestTimeoutError):
            await client.request(flavour.time_method, timeout=0.2)
        assert server.requests(flavour.time_method) == []


async def test_max_reconnect_attempts_gives_up_and_reports_it() -> None:
    failed: list[CloseInfo] = []
    async with SpotApiMock() as server:
        client = SpotApiClient(url=server.url, reconnect_backoff=FAST_BACKOFF, max_reconnect_attempts=2)
        client.on("failed", failed.append)
        await client.connect()
        iterator = client.events()
    # The server is gone: both attempts fail, then the client gives up.
    await wait_until(lambda: bool(failed))
    with pytest.raises(ConnectionClosedError):
        await client.request(TIME_METHOD)
    with pytest.raises(ConnectionClosedError):
        await asyncio.wait_for(iterator.__anext__(), GUARD)
    await client.disconnect()


async def test_soak_many_drops_under_load_deliver_every_event_exactly_once() -> None:
    rounds = 30
    per_round = 50
    rng = random.Random(20240611)
    method = SPOT_API.signed_method
    async with api_session("ed25519", reconnect_backoff=FAST_BACKOFF, request_timeout=5.0) as (server, client):
        recorder = Recorder()
        recorder.attach(client)
        errors: list[BaseException] = []
        client.set_handler(ERROR_PATTERN, errors.append)
        await client.subscribe("user_data_stream")
        payload = server.example_user_event("executionReport")
        expected: list[str] = []
        burst_total = 0
        request_failures = 0

        async def load() -> None:
            nonlocal request_failures
            while True:
                try:
                    await client.request(rng.choice([TIME_METHOD, method]))
                except ConnectionClosedError:
                    request_failures += 1

        workers = [asyncio.ensure_future(load()) for _ in range(4)]
        try:
            for round_number in range(rounds):

                def restored(expected: int = round_number) -> bool:
                    return recorder.count("reconnected") == expected

                await wait_until(restored)
                for index in range(per_round):
                    marker = f"{round_number}:{index}"
                    assert await server.push_user_event({**payload, "testSeq": marker}) == 1
                    expected.append(marker)
                await wait_until(lambda: sum(1 for e in recorder.events if seq_of(e) is not None) == len(expected))
                if round_number % 2:
                    burst_total += await server.close_all(1001, "going away", after_burst=25)
                else:
                    await server.drop_all()
            await wait_until(lambda: recorder.count("reconnected") == rounds)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        delivered = [seq_of(event) for event in recorder.events if seq_of(event) is not None]
        assert delivered == expected  # every marked event exactly once, in order
        unmarked = sum(1 for event in recorder.events if seq_of(event) is None)
        assert unmarked == burst_total  # every burst frame before each 1001 close was delivered
        assert errors == []
        assert client.pending_requests == 0
        assert client.stats.reconnects == rounds
        assert client.stats.requests_sent > rounds  # the load really ran across the reconnects
        assert len(server.requests("session.logon")) == rounds + 1
