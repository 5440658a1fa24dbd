"""The optional picows transport: frames parsed in C, with the semantics of the default transport.

picows (imported only when ``transport="picows"`` is asked for) does the handshake and parses frames; it leaves to the
application what our own frame layer checks itself, so this module adds the same checks with the same close codes:
reserved bits, the fragment sequence, message (not only frame) size limits, UTF-8 of text messages, close codes and
reasons. Pongs echo the ping payload, keepalive pings go out every ``ping_interval`` with a 1011 close when no pong
comes within ``ping_timeout``, and a close frame from the server is echoed before the socket closes. Only picows'
public API (``ws_connect``, ``WSListener``, ``WSFrame``, ``WSTransport``) is used.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from ..errors import ConnectionClosedError
from ..timeouts import wait_with_timeout
from .frames import (
    INTERNAL_ERROR,
    INVALID_DATA,
    MESSAGE_TOO_BIG,
    PROTOCOL_ERROR,
    ProtocolError,
    encode_close,
    parse_close,
)
from .transport import CloseInfo, FrameSink, LinkOptions, Transport, import_picows, redact_url

__all__ = ["CONNECT_OPTIONS", "PicowsTransport", "open_picows"]

logger = logging.getLogger(__name__.rpartition(".")[0].rpartition(".")[0] + ".connection")

CONNECT_OPTIONS = frozenset({"additional_headers", "ssl"})


def _drop(message: Any) -> None:
    return None


class PicowsTransport(Transport):
    """A picows link with the default transport's semantics (see the module docstring)."""

    _listener_class: Any = None

    def __init__(
        self,
        *,
        ping_interval: float | None,
        ping_timeout: float | None,
        close_timeout: float,
        max_size: int | None,
        text_as_bytes: bool,
    ) -> None:
        picows = import_picows()
        self._picows = picows
        self.loop = asyncio.get_running_loop()
        self._last_traffic = self.loop.time()
        self.ws: Any = None
        self.early: list[Any] = []
        self.sink: FrameSink = self.early.append
        self.name = "connection"
        self.text_as_bytes = text_as_bytes
        self.max_size = max_size
        # The parts of a fragmented message so far; None between messages (the per-frame fast path checks it).
        self.fragments: list[bytes] | None = None
        self.fragment_text = True
        self.fragment_size = 0
        self.close_sent: tuple[int, str] | None = None
        self.close_rcvd: tuple[int, str] | None = None
        self.failure: str | None = None
        self.disconnected = self.loop.create_future()
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._ping_payload: bytes | None = None
        self._ping_timer: asyncio.TimerHandle | None = None
        self._pong_timer: asyncio.TimerHandle | None = None

    @property
    def last_traffic(self) -> float:
        return self._last_traffic

    # -- called by the listener --------------------------------------------------------------------------------

    def connected(self, ws: Any) -> None:
        self.ws = ws

    def on_other_frame(self, msg_type: Any, frame: Any) -> None:
        """Every frame but a whole, unfragmented text or binary message: control frames, fragments, violations."""
        types = self._picows.WSMsgType
        try:
            if frame.rsv1:
                raise ProtocolError(PROTOCOL_ERROR, "reserved bits must be 0")
            if msg_type is types.PING:
                self.ws.send_pong(frame.get_payload_as_bytes())
            elif msg_type is types.PONG:
                if frame.get_payload_as_bytes() == self._ping_payload:
                    self._ping_payload = None
                    if self._pong_timer is not None:
                        self._pong_timer.cancel()
                        self._pong_timer = None
            elif msg_type is types.CLOSE:
                self.on_close_frame(frame.get_payload_as_bytes())
            elif msg_type is types.CONTINUATION:
                if self.fragments is None:
                    raise ProtocolError(PROTOCOL_ERROR, "unexpected continuation frame")
                self.add_fragment(frame)
                if frame.fin:
                    data, self.fragments, self.fragment_size = b"".join(self.fragments), None, 0
                    self.deliver_assembled(data, self.fragment_text)
            elif self.fragments is not None:
                raise ProtocolError(PROTOCOL_ERROR, "expected a continuation frame")
            else:
                # The first fragment of a text or binary message.
                self.fragment_text = msg_type is types.TEXT
                self.fragments = []
                self.add_fragment(frame)
        except ProtocolError as exc:
            self.fail(exc.code, exc.reason)

    def on_close_frame(self, payload: bytes) -> None:
        if self.fragments is not None:
            raise ProtocolError(PROTOCOL_ERROR, "incomplete fragmented message")
        self.close_rcvd = parse_close(payload)
        if self.close_sent is None:
            # Echo the server's close frame, code and reason as received.
            self.close_sent = self.close_rcvd
            self.ws.send(self._picows.WSMsgType.CLOSE, payload)
        self._cancel_ping()
        # The server ends TCP once the close handshake is done; cut it ourselves only if it does not.
        self.loop.call_later(self._close_timeout, self.abort)

    def add_fragment(self, frame: Any) -> None:
        """Keep one fragment; :class:`ProtocolError` 1009 when the message outgrows ``max_size``."""
        assert self.fragments is not None
        self.fragment_size += frame.payload_size
        if self.max_size is not None and self.fragment_size > self.max_size:
            raise ProtocolError(
                MESSAGE_TOO_BIG, f"message over the size limit ({self.fragment_size} > {self.max_size})"
            )
        self.fragments.append(frame.get_payload_as_bytes())

    def deliver_assembled(self, data: bytes, text: bool) -> None:
        message: Any = data
        if text:
            try:
                decoded = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ProtocolError(INVALID_DATA, f"invalid UTF-8 at position {exc.start}") from None
            if not self.text_as_bytes:
                message = decoded
        self.emit(message)

    def emit(self, message: Any) -> None:
        try:
            self.sink(message)
        except Exception:
            logger.exception("%s: frame handler raised", self.name)

    def fail(self, code: int, reason: str) -> None:
        if self.disconnected.done():
            return
        logger.warning("%s: failing the connection (%d %s)", self.name, code, reason)
        self.failure = f"{code} {reason}"
        self.sink = _drop
        self._send_close(code, reason)
        self.loop.call_later(self._close_timeout, self.abort)
        self.ws.disconnect()

    def lost(self) -> None:
        self._cancel_ping()
        if not self.disconnected.done():
            self.disconnected.set_result(None)

    # -- keepalive ---------------------------------------------------------------------------------------------

    def arm_ping(self) -> None:
        if self._ping_interval is not None and self._ping_interval > 0:
            self._ping_timer = self.loop.call_later(self._ping_interval, self._send_ping)

    def _send_ping(self) -> None:
        self._ping_timer = None
        if not self.is_open:
            return
        payload = os.urandom(4)
        self._ping_payload = payload
        self.ws.send_ping(payload)
        if self._ping_timeout is not None and self._ping_timeout > 0 and self._pong_timer is None:
            self._pong_timer = self.loop.call_later(self._ping_timeout, self._pong_missing)
        self.arm_ping()

    def _pong_missing(self) -> None:
        self._pong_timer = None
        if self.is_open:
            self.fail(INTERNAL_ERROR, "keepalive ping timeout")

    def _cancel_ping(self) -> None:
        for timer in (self._ping_timer, self._pong_timer):
            if timer is not None:
                timer.cancel()
        self._ping_timer = self._pong_timer = None

    # -- Transport ---------------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.close_sent is None and self.close_rcvd is None and not self.disconnected.done()

    @property
    def is_closed(self) -> bool:
        return self.disconnected.done()

    def start_delivery(self, sink: FrameSink, name: str) -> None:
        self.name = name
        early, self.early = self.early, []
        self.sink = sink
        for message in early:
            self.emit(message)

    async def send(self, text: str) -> None:
        if not self.is_open:
            code, reason = self.close_rcvd or (None, "")
            raise ConnectionClosedError(f"{self.name} closed while sending", code=code, reason=reason)
        self.ws.send(self._picows.WSMsgType.TEXT, text.encode())

    def _send_close(self, code: int, reason: str) -> None:
        if self.close_sent is not None or self.disconnected.done():
            return
        self.close_sent = (code, reason)
        self.ws.send(self._picows.WSMsgType.CLOSE, encode_close(code, reason))

    async def close(self, code: int, reason: str) -> None:
        if self.disconnected.done():
            return
        self._send_close(code, reason)
        try:
            # The server answers with its close frame and closes the socket (the listener disconnects on it).
            await wait_with_timeout(asyncio.shield(self.disconnected), self._close_timeout)
        except TimeoutError:
            self.abort()
            await asyncio.shield(self.disconnected)

    def abort(self) -> None:
        if self.ws is not None and not self.disconnected.done():
            self.ws.disconnect(graceful=False)

    async def wait_closed(self) -> CloseInfo:
        await asyncio.shield(self.disconnected)
        return CloseInfo.of(self.name, received=self.close_rcvd, sent=self.close_sent, failure=self.failure)


async def open_picows(url: str, options: LinkOptions) -> PicowsTransport:
    """Open a picows link; :class:`ConnectionClosedError` (with the cause, no secret of ``url``) on failure."""
    link = PicowsTransport(
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
        close_timeout=options.close_timeout,
        max_size=options.max_size,
        text_as_bytes=options.text_as_bytes,
    )
    picows = link._picows
    extra: dict[str, Any] = {}
    for key, value in options.connect_options.items():
        if key == "additional_headers":
            extra["extra_headers"] = value
        elif key == "ssl":
            extra["ssl_context"] = value
        else:
            raise TypeError(
                f"connect option {key!r} is not supported by the picows transport; supported: {sorted(CONNECT_OPTIONS)}"
            )
    listener_class = _listener_class()
    try:
        await wait_with_timeout(
            picows.ws_connect(
                lambda: listener_class(link),
                url,
                websocket_handshake_timeout=options.open_timeout,
                enable_auto_ping=False,
                enable_auto_pong=False,
                max_frame_size=options.max_size if options.max_size is not None else 2**31 - 1,
                **extra,
            ),
            options.open_timeout,
        )
    except picows.WSInvalidURL as exc:
        raise ConnectionClosedError(f"invalid URL {redact_url(url)}") from exc
    except (OSError, picows.WSError, TimeoutError) as exc:
        raise ConnectionClosedError(f"cannot connect to {redact_url(url)}: {exc!r}") from exc
    link._last_traffic = link.loop.time()
    link.arm_ping()
    return link


def _listener_class() -> Any:
    """The picows listener, built on first use so that picows stays an optional import."""
    if PicowsTransport._listener_class is not None:
        return PicowsTransport._listener_class
    picows = import_picows()
    text_type = picows.WSMsgType.TEXT
    binary_type = picows.WSMsgType.BINARY

    listener_base: Any = picows.WSListener

    class Listener(listener_base):  # type: ignore[misc]
        def __init__(self, link: PicowsTransport) -> None:
            super().__init__()
            self.link = link

        def on_ws_connected(self, transport: Any) -> None:
            self.link.connected(transport)

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            link = self.link
            link._last_traffic = link.loop.time()
            msg_type = frame.msg_type
            if frame.fin and link.fragments is None and not frame.rsv1:
                if msg_type is text_type:
                    if link.text_as_bytes:
                        message = frame.get_payload_as_bytes()
                        if not message.isascii():
                            try:
                                message.decode("utf-8")
                            except UnicodeDecodeError as exc:
                                link.fail(INVALID_DATA, f"invalid UTF-8 at position {exc.start}")
                                return
                    else:
                        try:
                            message = frame.get_payload_as_utf8_text()
                        except UnicodeDecodeError as exc:
                            link.fail(INVALID_DATA, f"invalid UTF-8 at position {exc.start}")
                            return
                    try:
                        link.sink(message)
                    except Exception:
                        logger.exception("%s: frame handler raised", link.name)
                    return
                if msg_type is binary_type:
                    link.emit(frame.get_payload_as_bytes())
                    return
            link.on_other_frame(msg_type, frame)

        def on_ws_disconnected(self, transport: Any) -> None:
            self.link.lost()

    PicowsTransport._listener_class = Listener
    return Listener
