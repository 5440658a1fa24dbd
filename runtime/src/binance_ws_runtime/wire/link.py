"""One WebSocket connection as an ``asyncio.Protocol``: the handshake, then our own frame layer, for either side.

After TCP (and TLS) is up, the handshake (:mod:`.handshake`, websockets' Sans-I/O) runs on the first bytes; from its
end on this class owns the connection: it parses frames (:mod:`.frames`) straight from ``data_received`` and hands each
message to a sink synchronously, in arrival order (no queue, no task, no ``await`` per frame); it answers pings with
the same payload, sends keepalive pings and fails the link when their pongs do not come, runs the close handshake
(echoing the peer's close frame; the server closes TCP, a client waits for that, bounded by ``close_timeout``),
fails the connection with the RFC's close code on any protocol violation, and applies write backpressure.

A close frame is handled after the frames that preceded it, so every message received before the close reaches the
sink before :attr:`closed` resolves: the connection layer above relies on that to lose nothing on a server's cut.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
from collections.abc import Callable
from typing import Any

from websockets.extensions import Extension
from websockets.frames import Frame, Opcode

from ..errors import ConnectionClosedError
from .frames import (
    INTERNAL_ERROR,
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameParser,
    ProtocolError,
    encode_close,
    encode_frame,
)
from .handshake import ClientHandshake, HandshakeError, HandshakeResult, ServerHandshake
from .transport import CloseInfo, FrameSink

__all__ = ["LinkState", "WebSocketLink"]

logger = logging.getLogger(__name__.rpartition(".")[0].rpartition(".")[0] + ".connection")


class LinkState(enum.Enum):
    CONNECTING = 0
    OPEN = 1
    CLOSING = 2
    CLOSED = 3


def _drop(message: Any) -> None:
    return None


class WebSocketLink(asyncio.Protocol):
    """A WebSocket connection; ``handshake`` is a :class:`ClientHandshake` or a :class:`ServerHandshake`.

    ``opened`` resolves when the handshake succeeded (or fails with :class:`ConnectionClosedError` /
    :class:`HandshakeError`); ``closed`` resolves with a :class:`CloseInfo` once the socket is gone. Messages go to
    ``sink`` (set by :meth:`start_delivery`; until then they are kept, in order).
    """

    def __init__(
        self,
        handshake: ClientHandshake | ServerHandshake,
        *,
        max_size: int | None,
        text_as_bytes: bool = False,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        close_timeout: float = 3.0,
        name: str = "connection",
        on_open: Callable[[WebSocketLink], None] | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.client_side = isinstance(handshake, ClientHandshake)
        self.handshake = handshake
        self.name = name
        self.max_size = max_size
        self.text_as_bytes = text_as_bytes
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.on_open = on_open
        self.state = LinkState.CONNECTING
        self.transport: asyncio.Transport | None = None
        self.last_traffic = self.loop.time()
        self.opened: asyncio.Future[None] = self.loop.create_future()
        self.closed: asyncio.Future[CloseInfo] = self.loop.create_future()
        self.extensions: tuple[Extension, ...] = ()
        self.subprotocol: str | None = None
        self.close_sent: tuple[int, str] | None = None
        self.close_rcvd: tuple[int, str] | None = None
        self.failure: str | None = None
        self.early: list[Any] = []
        self.sink: FrameSink = self.early.append
        self.parser: FrameParser | None = None
        self.answer_pings = True
        """Answer the peer's pings (the mock server turns this off to simulate a dead peer)."""
        self.silent_until = 0.0
        """Event-loop time until which nothing but close frames is sent (a fault of the mock server)."""
        self.on_control_frame: Callable[[int], None] | None = None
        """Called with the opcode of every ping and pong received (the mock server counts them against limits)."""
        self._pings: dict[bytes, asyncio.Future[float]] = {}
        self._keepalive_pings: set[bytes] = set()
        self._ping_timer: asyncio.TimerHandle | None = None
        self._pong_timer: asyncio.TimerHandle | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []

    # -- asyncio.Protocol ------------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if isinstance(self.handshake, ClientHandshake):
            transport.write(self.handshake.request())

    def data_received(self, data: bytes) -> None:
        self.last_traffic = self.loop.time()
        parser = self.parser
        if parser is not None:
            try:
                parser.feed(data)
            except ProtocolError as exc:
                self.fail(exc.code, exc.reason)
            return
        if self.state is LinkState.CONNECTING:
            self._handshake_data(data)
        # Anything after a failure or a close is discarded (RFC 6455 7.1.7).

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = LinkState.CLOSED
        self.parser = None
        self._cancel_timers()
        for future in self._pings.values():
            if not future.done():
                future.cancel()
        self._pings.clear()
        self._wake_drain_waiters(ConnectionClosedError(f"{self.name} closed"))
        if not self.opened.done():
            self.opened.set_exception(ConnectionClosedError(f"connection lost during the handshake: {exc or 'EOF'}"))
            self.opened.exception()  # retrieved: nobody may be waiting any more
        if not self.closed.done():
            self.closed.set_result(self.close_info(exc))

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_drain_waiters(None)

    # -- handshake -------------------------------------------------------------------------------------------------

    def _handshake_data(self, data: bytes) -> None:
        handshake = self.handshake
        assert self.transport is not None
        try:
            if isinstance(handshake, ClientHandshake):
                result = handshake.receive(data)
                if result is None:
                    return
                self._open(result)
                rest = result.rest
            else:
                answer = handshake.receive(data)
                if answer is None:
                    return
                response, accepted, rest = answer
                self.transport.write(response)
                if not accepted:
                    self.state = LinkState.CLOSED
                    self.transport.close()
                    return
                self._open(HandshakeResult((), None, rest))
        except HandshakeError as exc:
            self.state = LinkState.CLOSED
            if not self.opened.done():
                self.opened.set_exception(exc)
            self.transport.close()
            return
        if self.on_open is not None:
            self.on_open(self)
        if rest:
            self.data_received(rest)

    def _open(self, result: HandshakeResult) -> None:
        self.extensions = result.extensions
        self.subprotocol = result.subprotocol
        self.state = LinkState.OPEN
        self.parser = FrameParser(
            client_side=self.client_side,
            on_text=self.sink,
            on_binary=self.sink,
            on_ping=self._on_ping,
            on_pong=self._on_pong,
            on_close=self._on_close_frame,
            on_error=self._report_sink_error,
            max_size=self.max_size,
            text_as_bytes=self.text_as_bytes,
            extensions=self.extensions,
        )
        self._arm_ping()
        if not self.opened.done():
            self.opened.set_result(None)

    # -- delivery --------------------------------------------------------------------------------------------------

    def start_delivery(self, sink: FrameSink, name: str | None = None) -> None:
        """Deliver the messages kept so far to ``sink``, then every further message as it arrives."""
        if name is not None:
            self.name = name
        early, self.early = self.early, []
        self.set_sink(sink)
        for message in early:
            try:
                sink(message)
            except Exception as exc:
                self._report_sink_error(exc)

    def set_sink(self, sink: FrameSink) -> None:
        self.sink = sink
        parser = self.parser
        if parser is not None:
            parser.on_text = sink
            parser.on_binary = sink

    def _report_sink_error(self, error: Exception) -> None:
        logger.error("%s: frame handler raised", self.name, exc_info=error)

    # -- control frames --------------------------------------------------------------------------------------------

    def _on_ping(self, payload: bytes) -> None:
        if self.on_control_frame is not None:
            self.on_control_frame(OP_PING)
        if self.state is LinkState.OPEN and self.answer_pings:
            self._write(OP_PONG, payload)

    def _on_pong(self, payload: bytes) -> None:
        if self.on_control_frame is not None:
            self.on_control_frame(OP_PONG)
        if payload not in self._pings:
            return  # unsolicited, or an answer to a ping already acknowledged
        # A pong acknowledges its ping and every earlier one (the peer may skip answers under load).
        now = self.loop.time()
        for key in list(self._pings):
            future = self._pings.pop(key)
            self._keepalive_pings.discard(key)
            if not future.done():
                future.set_result(now)
            if key == payload:
                break
        if not self._keepalive_pings and self._pong_timer is not None:
            self._pong_timer.cancel()
            self._pong_timer = None

    def ping(self, payload: bytes | None = None) -> asyncio.Future[float]:
        """Send a ping; the future resolves (with the loop time) when its pong arrives."""
        return self._send_ping(payload)[1]

    def _send_ping(self, payload: bytes | None) -> tuple[bytes, asyncio.Future[float]]:
        if self.state is not LinkState.OPEN:
            raise ConnectionClosedError(f"{self.name} is not open")
        if payload is None:
            payload = os.urandom(4)
            while payload in self._pings:
                payload = os.urandom(4)
        elif payload in self._pings:
            raise ValueError("a ping with this payload is already waiting for its pong")
        future: asyncio.Future[float] = self.loop.create_future()
        self._pings[payload] = future
        self._write(OP_PING, payload)
        return payload, future

    def _arm_ping(self) -> None:
        if self.ping_interval is not None and self.ping_interval > 0:
            self._ping_timer = self.loop.call_later(self.ping_interval, self._keepalive)

    def _keepalive(self) -> None:
        self._ping_timer = None
        if self.state is not LinkState.OPEN:
            return
        payload, future = self._send_ping(None)
        future.add_done_callback(_ignore_cancellation)
        self._keepalive_pings.add(payload)
        if self.ping_timeout is not None and self.ping_timeout > 0 and self._pong_timer is None:
            self._pong_timer = self.loop.call_later(self.ping_timeout, self._pong_missing)
        self._arm_ping()

    def _pong_missing(self) -> None:
        self._pong_timer = None
        if self.state is LinkState.OPEN:
            self.fail(INTERNAL_ERROR, "keepalive ping timeout")

    # -- sending ---------------------------------------------------------------------------------------------------

    def _write(self, opcode: int, payload: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.silent_until and opcode != OP_CLOSE and self.loop.time() < self.silent_until:
            return
        rsv1 = False
        if self.extensions and opcode <= OP_BINARY:
            frame = Frame(Opcode(opcode), payload)
            for extension in self.extensions:
                frame = extension.encode(frame)
            payload, rsv1 = bytes(frame.data), frame.rsv1
        transport.write(encode_frame(opcode, payload, mask=self.client_side, rsv1=rsv1))

    def send_nowait(self, message: str | bytes) -> None:
        """Send one message now (``str`` as a text frame, ``bytes`` as a binary one); no backpressure wait."""
        if self.state is not LinkState.OPEN:
            code, reason = self.close_rcvd or self.close_sent or (None, "")
            raise ConnectionClosedError(f"{self.name} closed while sending", code=code, reason=reason)
        if isinstance(message, str):
            self._write(OP_TEXT, message.encode())
        else:
            self._write(OP_BINARY, bytes(message))

    async def send(self, message: str | bytes) -> None:
        """Send one message; waits while the socket's write buffer is over its high-water mark."""
        self.send_nowait(message)
        if self._paused:
            await self.drain()

    async def drain(self) -> None:
        if not self._paused:
            return
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._drain_waiters.append(waiter)
        await waiter

    def _wake_drain_waiters(self, error: Exception | None) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    # -- closing ---------------------------------------------------------------------------------------------------

    def _on_close_frame(self, code: int, reason: str) -> None:
        self.close_rcvd = (code, reason)
        if self.close_sent is None and self.state is LinkState.OPEN:
            # Echo the peer's close frame (RFC 6455 5.5.1), code and reason as received.
            self.close_sent = (code, reason)
            self._write(OP_CLOSE, encode_close(code, reason))
        self.state = LinkState.CLOSING
        self._cancel_ping_timers()
        self._end_tcp()

    def _end_tcp(self) -> None:
        """The server closes TCP once the close handshake is done; a client waits for that, within close_timeout."""
        transport = self.transport
        if transport is None:
            return
        if not self.client_side:
            transport.close()
        elif self._close_timer is None:
            self._close_timer = self.loop.call_later(self.close_timeout, transport.abort)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close handshake, then the socket (bounded by ``close_timeout``); returns once the socket is gone."""
        if self.state is LinkState.OPEN:
            self.close_sent = (code, reason)
            self.state = LinkState.CLOSING
            self._cancel_ping_timers()
            self._write(OP_CLOSE, encode_close(code, reason))
            if self._close_timer is None and self.transport is not None:
                self._close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)
        elif self.state is LinkState.CONNECTING:
            self.abort()
        await asyncio.shield(self.closed)

    def fail(self, code: int, reason: str) -> None:
        """Fail the connection (RFC 6455 7.1.7): a close frame with ``code``, then no more reading."""
        if self.state is LinkState.CLOSED:
            return
        logger.warning("%s: failing the connection (%d %s)", self.name, code, reason)
        self.failure = f"{code} {reason}"
        self.parser = None
        self.set_sink(_drop)
        if self.state is LinkState.OPEN:
            self.close_sent = (code, reason)
            self._write(OP_CLOSE, encode_close(code, reason))
        self.state = LinkState.CLOSING
        self._cancel_ping_timers()
        self._end_tcp()

    def abort(self) -> None:
        """Drop the socket at once (a half-open link would never finish a close handshake)."""
        if self.transport is not None:
            self.transport.abort()

    def _cancel_ping_timers(self) -> None:
        for timer in (self._ping_timer, self._pong_timer):
            if timer is not None:
                timer.cancel()
        self._ping_timer = self._pong_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_ping_timers()
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None

    def close_info(self, exc: BaseException | None = None) -> CloseInfo:
        """How the connection ended (or is ending)."""
        return CloseInfo.of(self.name, received=self.close_rcvd, sent=self.close_sent, failure=self.failure, lost=exc)


def _ignore_cancellation(future: asyncio.Future[float]) -> None:
    if not future.cancelled():
        future.exception()
