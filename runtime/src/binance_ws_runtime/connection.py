"""One logical websocket link: connect, read in order, detect silence, reconnect with backoff.

The transport (``wire/transport.py``, opened by ``wire/opening.py``: ``websockets`` by default, ``picows``
optionally) hands every frame to ``on_frame`` synchronously from the socket's read callback, in arrival order, and
reports the close only after the frames that preceded it. So a server that sends a burst and then closes (1001
"going away", the 24 h cut) has every frame of the burst delivered before ``on_close`` runs and before any reconnect
starts.
That is where several peers lose data or stall.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from .backoff import Backoff
from .errors import ConnectionClosedError
from .timeouts import wait_with_timeout
from .wire.opening import open_transport
from .wire.transport import (
    CloseInfo,
    LinkOptions,
    Transport,
    TransportName,
    redact_url,
    require_transport,
)

__all__ = ["CloseInfo", "LifecycleEvent", "LifecycleHooks", "ManagedConnection", "TransportName", "redact_url"]

logger = logging.getLogger(__name__)

LifecycleEvent = Literal["connected", "disconnected", "reconnecting", "reconnected", "failed"]
_LIFECYCLE_EVENTS: frozenset[str] = frozenset({"connected", "disconnected", "reconnecting", "reconnected", "failed"})


HookCallback = Callable[..., Any]


class LifecycleHooks:
    """Callbacks users register for connection state changes.

    Events and callback arguments:

    * ``connected(url)``: a link is open and its state restored (URL with secrets masked);
    * ``disconnected(info: CloseInfo)``: a link was lost or closed;
    * ``reconnecting(attempt: int, delay: float)``: before each reconnect attempt;
    * ``reconnected(attempt: int)``: a reconnect succeeded and state (logon, subscriptions) was restored;
    * ``failed(info: CloseInfo)``: reconnect attempts are exhausted; the connection stays down.

    Callbacks may be plain functions or coroutine functions. A callback that raises is logged and
    never disturbs the connection or the other callbacks.
    """

    def __init__(self) -> None:
        self._callbacks: dict[str, list[HookCallback]] = {}
        self._running: set[asyncio.Task[Any]] = set()

    def on(self, event: LifecycleEvent, callback: HookCallback) -> None:
        if event not in _LIFECYCLE_EVENTS:
            raise ValueError(f"unknown lifecycle event {event!r}; expected one of {sorted(_LIFECYCLE_EVENTS)}")
        self._callbacks.setdefault(event, []).append(callback)

    def off(self, event: LifecycleEvent, callback: HookCallback | None = None) -> None:
        """Remove one callback, or every callback of the event when ``callback`` is None."""
        if callback is None:
            self._callbacks.pop(event, None)
            return
        callbacks = self._callbacks.get(event, [])
        if callback in callbacks:
            callbacks.remove(callback)

    def emit(self, event: LifecycleEvent, *args: Any) -> None:
        for callback in tuple(self._callbacks.get(event, ())):
            try:
                result = callback(*args)
            except Exception:
                logger.exception("%s callback %r raised", event, callback)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._running.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("lifecycle callback failed", exc_info=task.exception())

    async def cancel_pending(self) -> None:
        """Cancel and await asynchronous callbacks still running (called on disconnect)."""
        tasks = tuple(self._running)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class ManagedConnection:
    """One logical websocket link: connects, reads, answers pings, detects silence, reconnects with backoff.

    ``on_frame`` runs synchronously in the reader for every frame, in order. ``on_open`` runs after
    every successful (re)connect while the reader is already running (so it can send requests and
    await their replies), before ``connected``/``reconnected`` fire. ``on_close`` runs right after
    the link is lost, once every buffered frame was delivered.

    ``transport`` picks the websocket implementation (``"websockets"`` or the optional, faster ``"picows"``);
    everything above it (reconnects, backoff, silence detection, rotation, hooks, close codes) is the same.
    ``text_as_bytes`` hands text frames over as ``bytes`` (no UTF-8 decoding; for JSON parsers that take bytes).
    """

    def __init__(
        self,
        url: Callable[[], str],
        *,
        on_frame: Callable[[str | bytes], None],
        on_open: Callable[[], Awaitable[None]] | None,
        on_close: Callable[[CloseInfo], None] | None,
        hooks: LifecycleHooks,
        backoff: Backoff,
        auto_reconnect: bool = True,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 10.0,
        silence_timeout: float | None = None,
        max_age: float | None = None,
        open_timeout: float = 10.0,
        close_timeout: float = 3.0,
        max_size: int | None = 64 * 2**20,
        connect_options: Mapping[str, Any] | None = None,
        name: str = "",
        transport: TransportName = "websockets",
        text_as_bytes: bool = False,
    ) -> None:
        require_transport(transport)
        self._transport_name: TransportName = transport
        self._link_options = LinkOptions(
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            connect_options=dict(connect_options or {}),
            text_as_bytes=text_as_bytes,
        )
        self._url_factory = url
        self._on_frame = on_frame
        self._on_open = on_open
        self._on_close = on_close
        self._hooks = hooks
        self._backoff = backoff
        self.auto_reconnect = auto_reconnect
        self._silence_timeout = silence_timeout
        self._max_age = max_age
        self.name = name or "connection"

        self._ws: Transport | None = None
        self._url = ""
        self._connected_at: float | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._restore_task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self._ready = asyncio.Event()
        self._link_down = asyncio.Event()
        self._reading = False
        self._stopping = False
        self._terminal: CloseInfo | None = None
        # Graceful reasons reconnect at once; abort reasons (silence) go through the backoff.
        self._forced_reason: str | None = None
        self._abort_reason: str | None = None
        self.reconnects = 0
        """Successful reconnects since :meth:`start`."""

    # ------------------------------------------------------------------ properties

    @property
    def transport(self) -> TransportName:
        return self._transport_name

    @property
    def is_open(self) -> bool:
        ws = self._ws
        return ws is not None and ws.is_open

    @property
    def is_ready(self) -> bool:
        """Open and restored (``on_open`` finished): requests sent now use the restored session."""
        return self._ready.is_set() and self._terminal is None and self.is_open

    @property
    def url(self) -> str:
        """The URL of the current (or last) link. May contain secrets such as a listenKey: do not log it."""
        return self._url

    @property
    def connected_at(self) -> float | None:
        """Event-loop time at which the current link opened, None while down."""
        return self._connected_at

    @property
    def running(self) -> bool:
        return self._supervisor is not None and not self._supervisor.done()

    # ------------------------------------------------------------------ public API

    async def start(self) -> None:
        """Open the first link. Raises :class:`ConnectionClosedError` (with the cause) if that fails."""
        if self.running:
            return
        self._stopping = False
        self._terminal = None
        self._forced_reason = None
        self._abort_reason = None
        self._ready.clear()
        self.reconnects = 0
        ws = await self._open()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise(ws), name=f"{self.name}-reader")
        try:
            if self._on_open is not None:
                await self._on_open()
        except BaseException:
            await self.stop()
            raise
        if self._ws is ws and ws.is_open:
            self._ready.set()
            self._hooks.emit("connected", redact_url(self._url))

    async def send(self, text: str) -> None:
        """Send one text frame. Raises :class:`ConnectionClosedError` if the link is not open."""
        ws = self._ws
        if ws is None or not ws.is_open:
            raise ConnectionClosedError(f"{self.name} is not open")
        await ws.send(text)

    async def wait_open(self, timeout: float | None) -> None:
        """Wait until the link is open and restored.

        Raises :class:`TimeoutError` after ``timeout`` seconds, :class:`ConnectionClosedError` if the
        connection is stopped or gave up reconnecting.
        """
        if self.is_ready:
            return
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            self._raise_if_down()
            # While a link is closing, the reader has not reported the loss yet and _ready is still set: waiting
            # on it would return at once (and never yield to the reader). Wait for the loss first, then for the
            # next link.
            event = self._link_down if self._ready.is_set() else self._ready
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"{self.name} not reconnected within {timeout:g}s")
            try:
                await wait_with_timeout(event.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(f"{self.name} not reconnected within {timeout:g}s") from None
            self._raise_if_down()
            if self.is_ready:
                return
            # Whatever the state, give the reader a turn before looking again.
            await asyncio.sleep(0)

    def request_reconnect(self, reason: str) -> None:
        """Close the current link gracefully and reconnect at once (serverShutdown, rotation)."""
        ws = self._ws
        if self._stopping or ws is None or not ws.is_open:
            return
        if self._closer is not None and not self._closer.done():
            return
        logger.info("%s: reconnecting (%s)", self.name, reason)
        self._forced_reason = reason
        self._closer = asyncio.get_running_loop().create_task(ws.close(1000, reason[:120]), name=f"{self.name}-rotate")

    async def reconnect(self, reason: str) -> None:
        """Forced reconnect; returns once the new link is open and restored."""
        if not self.running:
            raise ConnectionClosedError(f"{self.name} is not running")
        if self.is_open:
            self.request_reconnect(reason)
            # Waiting for the old link to be gone first keeps wait_open from returning on the old link.
            await self._link_down.wait()
        await self.wait_open(None)

    async def stop(self) -> None:
        """Close the link and end every task this connection started. Idempotent."""
        self._stopping = True
        self._cancel_timers()
        ws = self._ws
        supervisor = self._supervisor
        if ws is not None and not ws.is_closed:
            try:
                await ws.close(1000, "client disconnect")
            except Exception:
                logger.debug("%s: error while closing", self.name, exc_info=True)
        if supervisor is not None and not supervisor.done():
            if not self._reading:
                supervisor.cancel()
            # When reading, the closed link ends the reader after the buffered frames: no data is cut.
            await asyncio.gather(supervisor, return_exceptions=True)
        current = asyncio.current_task()
        for task in (self._restore_task, self._closer):
            if task is not None and task is not current and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self._ws is not None and self._connected_at is not None:
            # Cancelled outside the reader (while connecting): the close was never reported.
            self._link_lost(CloseInfo(1000, "client disconnect", True))
        self._supervisor = None
        self._restore_task = None
        self._closer = None
        self._ws = None
        self._terminal = self._terminal or CloseInfo(1000, "client disconnect", True)
        self._link_down.set()
        self._ready.set()  # wake waiters; they see the stopped state

    # ------------------------------------------------------------------ internals

    def _raise_if_down(self) -> None:
        if self._terminal is not None:
            raise ConnectionClosedError(
                f"{self.name} is closed ({self._terminal})", code=self._terminal.code, reason=self._terminal.reason
            )
        if self._stopping or self._supervisor is None:
            raise ConnectionClosedError(f"{self.name} is not running")

    async def _open(self) -> Transport:
        url = self._url_factory()
        self._url = url
        ws = await open_transport(self._transport_name, url, self._link_options)
        loop = asyncio.get_running_loop()
        self._ws = ws
        self._link_down.clear()
        self._connected_at = loop.time()
        self._forced_reason = None
        self._abort_reason = None
        self._arm_timers(ws)
        logger.info("%s: connected to %s", self.name, redact_url(url))
        return ws

    def _arm_timers(self, ws: Transport) -> None:
        loop = asyncio.get_running_loop()
        if self._silence_timeout is not None and self._silence_timeout > 0:
            self._timers.append(loop.call_later(self._silence_check_period(), self._check_silence, ws))
        if self._max_age is not None and self._max_age > 0 and self.auto_reconnect:
            self._timers.append(loop.call_later(self._max_age, self.request_reconnect, "connection age limit"))

    def _silence_check_period(self) -> float:
        assert self._silence_timeout is not None
        return max(0.05, min(self._silence_timeout / 4, 5.0))

    def _check_silence(self, ws: Transport) -> None:
        if ws is not self._ws or ws.is_closed:
            return
        assert self._silence_timeout is not None
        loop = asyncio.get_running_loop()
        silent_for = loop.time() - ws.last_traffic
        if silent_for >= self._silence_timeout:
            logger.warning("%s: no traffic for %.1fs, treating the link as dead", self.name, silent_for)
            self._abort_reason = f"silent for {silent_for:.1f}s"
            # A half-open TCP link would never finish a close handshake: cut it locally.
            ws.abort()
            return
        self._timers.append(loop.call_later(self._silence_check_period(), self._check_silence, ws))

    def _cancel_timers(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    async def _supervise(self, ws: Transport) -> None:
        current: Transport | None = ws
        while current is not None:
            info = await self._read(current)
            forced = self._forced_reason is not None
            self._link_lost(info)
            if self._stopping:
                return
            if not (self.auto_reconnect or forced):
                self._terminal = info
                self._ready.set()
                return
            current = await self._reconnect_loop(info, immediate=forced)

    async def _read(self, ws: Transport) -> CloseInfo:
        # Frames flow from the transport's read callback straight into on_frame; this task only waits for the end.
        self._reading = True
        try:
            ws.start_delivery(self._on_frame, self.name)
            info = await ws.wait_closed()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("%s: reader failed", self.name)
            ws.abort()
            return CloseInfo(None, "reader failed", False, exc)
        finally:
            self._reading = False
        return self._close_info(info)

    def _close_info(self, info: CloseInfo) -> CloseInfo:
        if self._abort_reason is not None:
            return CloseInfo(info.code, self._abort_reason, False, info.error)
        if self._forced_reason is not None and not info.reason:
            return CloseInfo(info.code, self._forced_reason, info.clean, info.error)
        return info

    def _link_lost(self, info: CloseInfo) -> None:
        self._ready.clear()
        self._link_down.set()
        self._cancel_timers()
        loop = asyncio.get_running_loop()
        if self._connected_at is not None and loop.time() - self._connected_at >= self._backoff.reset_after:
            self._backoff.mark_stable()
        self._connected_at = None
        self._ws = None
        if self._restore_task is not None and not self._restore_task.done():
            self._restore_task.cancel()
        log = logger.info if info.clean or self._stopping else logger.warning
        log("%s: link lost (%s)", self.name, info)
        if self._on_close is not None:
            try:
                self._on_close(info)
            except Exception:
                logger.exception("%s: on_close raised", self.name)
        self._hooks.emit("disconnected", info)

    async def _reconnect_loop(self, info: CloseInfo, *, immediate: bool) -> Transport | None:
        attempt = 0
        while not self._stopping:
            if immediate:
                delay: float | None = 0.0
                immediate = False
            else:
                delay = self._backoff.next_delay()
            if delay is None:
                logger.error("%s: giving up after %d reconnect attempts", self.name, attempt)
                self._terminal = CloseInfo(info.code, f"gave up after {attempt} reconnect attempts", False, info.error)
                self._ready.set()
                self._hooks.emit("failed", self._terminal)
                return None
            attempt += 1
            self._hooks.emit("reconnecting", attempt, delay)
            logger.info("%s: reconnect attempt %d in %.2fs", self.name, attempt, delay)
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                ws = await self._open()
            except ConnectionClosedError as exc:
                logger.warning("%s: reconnect attempt %d failed: %s", self.name, attempt, exc)
                continue
            self.reconnects += 1
            self._restore_task = asyncio.get_running_loop().create_task(
                self._restore(ws, attempt), name=f"{self.name}-restore"
            )
            return ws
        return None

    async def _restore(self, ws: Transport, attempt: int) -> None:
        if self._on_open is not None:
            try:
                await self._on_open()
            except ConnectionClosedError:
                # The link dropped again while restoring; the reader handles the reconnect.
                return
            except Exception:
                logger.exception("%s: restoring state after reconnect failed", self.name)
        if self._ws is ws and ws.is_open:
            self._ready.set()
            self._hooks.emit("connected", redact_url(self._url))
            self._hooks.emit("reconnected", attempt)
