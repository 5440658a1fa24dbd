"""ManagedConnection against websockets' own asyncio server (an implementation we did not write), on both transports:
delivery order, the drain before a close, hooks, silence detection, rotation, reconnects, stopping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from binance_ws_runtime.backoff import Backoff
from binance_ws_runtime.connection import CloseInfo, LifecycleHooks, ManagedConnection, redact_url
from binance_ws_runtime.errors import ConnectionClosedError

from ._transports import TRANSPORTS, current_transport, selected_transport
from .wire.framing import CLOSE, close_payload, frame
from .wire.rawpeer import RawPeer, raw_server

GUARD = 15.0
"""Upper bound for waits, so that a broken client fails the test instead of hanging it (not a timing check)."""

ServerHandler = Callable[[ServerConnection, int], Awaitable[None]]


class LoopbackServer:
    """A websockets server on 127.0.0.1 whose per-connection behaviour each test supplies."""

    def __init__(self, handler: ServerHandler) -> None:
        self.handler = handler
        self.connections = 0
        self.live: list[ServerConnection] = []
        self.url = ""

    async def _serve(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.live.append(ws)
        try:
            await self.handler(ws, self.connections)
        finally:
            self.live.remove(ws)


@asynccontextmanager
async def loopback(handler: ServerHandler) -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer(handler)
    async with serve(server._serve, "127.0.0.1", 0) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        server.url = f"ws://127.0.0.1:{port}/ws"
        yield server


async def echo_forever(ws: ServerConnection, _: int) -> None:
    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass


async def wait_until(predicate: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), GUARD)


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test runs on each transport the client offers: the behaviour must not depend on it."""
    with selected_transport(request.param) as name:
        yield name


def make_connection(
    url: str,
    frames: list[str | bytes],
    closes: list[tuple[int, CloseInfo]] | None = None,
    *,
    hooks: LifecycleHooks | None = None,
    on_open: Callable[[], Awaitable[None]] | None = None,
    backoff: Backoff | None = None,
    **options: Any,
) -> ManagedConnection:
    def on_close(info: CloseInfo) -> None:
        if closes is not None:
            closes.append((len(frames), info))

    return ManagedConnection(
        lambda: url,
        on_frame=frames.append,
        on_open=on_open,
        on_close=on_close,
        hooks=hooks or LifecycleHooks(),
        backoff=backoff or Backoff(base=0.01, cap=0.05),
        **{"transport": current_transport(), **options},
    )


# ---------------------------------------------------------------------------------------------------- helpers


def test_redact_url_masks_listen_keys_and_query_strings() -> None:
    key = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
    redacted = redact_url(f"wss://fstream.binance.com/private/ws/{key}?listenKey={key}&events=A/B")
    assert key not in redacted
    assert redacted.startswith("wss://fstream.binance.com/private/ws/")


def test_close_info_text_names_code_and_reason() -> None:
    assert "1001" in str(CloseInfo(1001, "going away", True))
    assert "abnormal" in str(CloseInfo(None, "", False))


# ---------------------------------------------------------------------------------------------------- connection


async def test_burst_then_1001_close_delivers_every_frame_before_the_close_then_reconnects() -> None:
    burst = 3000

    async def burst_then_close(ws: ServerConnection, number: int) -> None:
        for index in range(burst):
            await ws.send(f"{number}:{index}")
        await ws.close(1001, "going away")

    frames: list[str | bytes] = []
    closes: list[tuple[int, CloseInfo]] = []
    async with loopback(burst_then_close) as server:
        conn = make_connection(server.url, frames, closes)
        await conn.start()
        try:
            await wait_until(lambda: len(closes) >= 3)
        finally:
            await conn.stop()
    # Every close was reported only after the whole burst of its connection was delivered.
    assert [delivered for delivered, _ in closes[:3]] == [burst, 2 * burst, 3 * burst]
    assert all(info.code == 1001 and info.clean for _, info in closes[:3])
    for number in (1, 2, 3):
        assert [f for f in frames if isinstance(f, str) and f.startswith(f"{number}:")] == [
            f"{number}:{i}" for i in range(burst)
        ]


async def test_frames_are_delivered_in_order_and_a_failing_frame_handler_does_not_stop_the_reader() -> None:
    async def numbered(ws: ServerConnection, _: int) -> None:
        for index in range(200):
            await ws.send(str(index))
        await ws.wait_closed()

    received: list[int] = []

    def on_frame(frame: str | bytes) -> None:
        number = int(frame)
        if number % 10 == 0:
            raise RuntimeError("handler bug")
        received.append(number)

    async with loopback(numbered) as server:
        conn = ManagedConnection(
            lambda: server.url,
            on_frame=on_frame,
            on_open=None,
            on_close=None,
            hooks=LifecycleHooks(),
            backoff=Backoff(),
            transport=current_transport(),
        )
        await conn.start()
        try:
            await wait_until(lambda: len(received) == 180)
        finally:
            await conn.stop()
    assert received == [n for n in range(200) if n % 10]


async def test_on_open_runs_with_the_reader_active_and_before_connected_fires() -> None:
    frames: list[str | bytes] = []
    order: list[str] = []
    hooks = LifecycleHooks()
    hooks.on("connected", lambda url: order.append("connected"))
    conn: ManagedConnection

    async def on_open() -> None:
        # A request/reply exchange inside on_open only completes if the reader already runs.
        await conn.send("hello")
        await wait_until(lambda: "hello" in frames)
        order.append("restored")

    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, hooks=hooks, on_open=on_open)
        await conn.start()
        await conn.stop()
    assert order == ["restored", "connected"]


async def test_lifecycle_hooks_fire_in_order_on_a_forced_reconnect() -> None:
    events: list[tuple[Any, ...]] = []
    hooks = LifecycleHooks()
    hooks.on("connected", lambda url: events.append(("connected",)))
    hooks.on("disconnected", lambda info: events.append(("disconnected", info.reason)))
    hooks.on("reconnecting", lambda attempt, delay: events.append(("reconnecting", attempt, delay)))
    hooks.on("reconnected", lambda attempt: events.append(("reconnected", attempt)))

    async def failing_hook(*_: Any) -> None:
        raise RuntimeError("user callback bug")

    hooks.on("reconnected", failing_hook)
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, hooks=hooks)
        await conn.start()
        try:
            await asyncio.wait_for(conn.reconnect("serverShutdown"), GUARD)
            await conn.send("after")
            await wait_until(lambda: "after" in frames)
        finally:
            await conn.stop()
            await hooks.cancel_pending()
        assert server.connections == 2
    assert events[:5] == [
        ("connected",),
        ("disconnected", "serverShutdown"),
        ("reconnecting", 1, 0.0),
        ("connected",),
        ("reconnected", 1),
    ]
    assert conn.reconnects == 1


async def test_silent_half_open_link_is_detected_and_replaced() -> None:
    release = asyncio.Event()

    async def silent_first(ws: ServerConnection, number: int) -> None:
        if number == 1:
            # Stop reading: no frames, no pong, no close handshake, like a half-open TCP link.
            ws.transport.pause_reading()
            await release.wait()
            ws.transport.abort()
        else:
            await echo_forever(ws, number)

    frames: list[str | bytes] = []
    closes: list[tuple[int, CloseInfo]] = []
    async with loopback(silent_first) as server:
        conn = make_connection(server.url, frames, closes, ping_interval=None, silence_timeout=0.3)
        await conn.start()
        try:
            await wait_until(lambda: server.connections == 2 and conn.is_ready)
            await conn.send("alive")
            await wait_until(lambda: "alive" in frames)
        finally:
            await conn.stop()
            release.set()
    assert "silent" in closes[0][1].reason
    assert not closes[0][1].clean


async def test_connection_is_rotated_before_its_age_limit() -> None:
    frames: list[str | bytes] = []
    closes: list[tuple[int, CloseInfo]] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, closes, max_age=0.2)
        await conn.start()
        try:
            await wait_until(lambda: server.connections >= 2 and conn.is_ready)
        finally:
            await conn.stop()
    assert closes[0][1].reason == "connection age limit"
    assert closes[0][1].code == 1000


async def test_unexpected_drops_reconnect_and_sends_work_afterwards() -> None:
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames)
        await conn.start()
        try:
            for round_number in range(3):
                for ws in list(server.live):
                    ws.transport.abort()
                expected_connections, marker = round_number + 2, f"round {round_number}"

                def reconnected(expected: int = expected_connections) -> bool:
                    return server.connections == expected and conn.is_ready

                def echoed(text: str = marker) -> bool:
                    return text in frames

                await wait_until(reconnected)
                await conn.send(marker)
                await wait_until(echoed)
        finally:
            await conn.stop()
    assert conn.reconnects == 3


async def test_no_reconnect_when_disabled_and_waiters_are_released() -> None:
    frames: list[str | bytes] = []
    closes: list[tuple[int, CloseInfo]] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, closes, auto_reconnect=False)
        await conn.start()
        for ws in list(server.live):
            ws.transport.abort()
        await wait_until(lambda: bool(closes))
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(conn.wait_open(None), GUARD)
        with pytest.raises(ConnectionClosedError):
            await conn.send("x")
        await conn.stop()
        assert server.connections == 1


async def test_gives_up_after_max_attempts_and_reports_failed() -> None:
    failed: list[CloseInfo] = []
    hooks = LifecycleHooks()
    hooks.on("failed", failed.append)
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, hooks=hooks, backoff=Backoff(base=0.01, cap=0.02, max_attempts=2))
        await conn.start()
    # The server is gone now: every reconnect attempt fails to connect.
    await wait_until(lambda: bool(failed))
    with pytest.raises(ConnectionClosedError):
        await conn.wait_open(1.0)
    await conn.stop()
    assert "gave up" in failed[0].reason


async def test_start_raises_connection_closed_error_with_the_cause() -> None:
    async with loopback(echo_forever) as server:
        url = server.url
    conn = make_connection(url, [])
    with pytest.raises(ConnectionClosedError) as caught:
        await conn.start()
    assert caught.value.__cause__ is not None
    assert not conn.running


async def test_stop_is_idempotent_and_leaves_no_task_behind() -> None:
    before = asyncio.all_tasks()
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, silence_timeout=5.0, max_age=60.0)
        await conn.start()
        await conn.send("x")
        await wait_until(lambda: "x" in frames)
        await conn.stop()
        await conn.stop()
        assert not conn.running and not conn.is_open
    # The server is closed too, so every task still alive would be one the client left behind.
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()
    with pytest.raises(ConnectionClosedError):
        await conn.send("y")


async def test_stop_during_backoff_cancels_the_reconnect_loop() -> None:
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames, backoff=Backoff(base=30.0, cap=30.0))
        await conn.start()
        reconnecting: list[int] = []
        conn_hooks = conn._hooks
        conn_hooks.on("reconnecting", lambda attempt, delay: reconnecting.append(attempt))
        for ws in list(server.live):
            ws.transport.abort()
        await wait_until(lambda: bool(reconnecting))
        await asyncio.wait_for(conn.stop(), GUARD)
        assert not conn.running
        assert server.connections == 1


async def test_restart_after_stop() -> None:
    frames: list[str | bytes] = []
    async with loopback(echo_forever) as server:
        conn = make_connection(server.url, frames)
        await conn.start()
        await conn.stop()
        await conn.start()
        await conn.send("again")
        await wait_until(lambda: "again" in frames)
        await conn.stop()
        assert server.connections == 2


async def test_wait_open_while_a_link_is_closing_waits_for_the_next_link_without_spinning() -> None:
    # The server sends its close frame but keeps TCP open for a moment: the client's link is closing (not open) while
    # its reader has not reported the loss yet. wait_open must yield to the reader and return once the next link is
    # up; before Python 3.12 a busy loop here only wasted CPU, from 3.12 it never yielded and hung the event loop.
    connections: list[int] = []

    async def script(peer: RawPeer) -> None:
        connections.append(len(connections) + 1)
        if len(connections) == 1:
            await asyncio.sleep(0.2)  # the client is open and ready first
            await peer.write(frame(CLOSE, close_payload(1001, b"going away")))
            await peer.read_close_code()
            await asyncio.sleep(0.3)
        else:
            await peer.wait_for_eof()

    frames: list[str | bytes] = []
    async with raw_server(script) as url:
        conn = make_connection(url, frames, close_timeout=5.0)
        await conn.start()
        await wait_until(lambda: not conn.is_open)
        assert conn.running and not conn.is_ready
        await asyncio.wait_for(conn.wait_open(GUARD), GUARD)
        assert conn.is_ready
        assert len(connections) == 2
        await conn.stop()
