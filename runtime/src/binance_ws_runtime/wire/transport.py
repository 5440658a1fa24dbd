"""The socket under a :class:`~._connection.ManagedConnection`: ``websockets`` (default) or ``picows`` (optional).

Both transports hand every data frame to the frame sink synchronously, from the event loop's read callback, in
arrival order: no queue, no task and no ``await`` per frame. Frames that arrive before the connection starts
delivering (in the same TCP segment as the handshake reply) are buffered and flushed first, so the order holds.
A close from the server is processed after the frames that preceded it, which is what keeps "every buffered frame
is delivered before ``on_close``" true.

``picows`` is imported only when asked for; it parses frames in C and is several times faster than ``websockets``.
"""

from __future__ import annotations

import abc
import asyncio
import importlib
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidURI
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import Event, State

from ..errors import ConnectionClosedError
from ..timeouts import wait_with_timeout
from .frames import MAX_DIRECT_TEXT, FrameError, FrameReader, encode_text_frame

__all__ = ["TRANSPORTS", "CloseInfo", "FrameSink", "Transport", "TransportName", "open_transport", "redact_url"]

logger = logging.getLogger(__name__.rpartition(".")[0] + "._connection")

TransportName = Literal["websockets", "picows"]
TRANSPORTS: frozenset[str] = frozenset({"websockets", "picows"})

FrameSink = Callable[[Any], None]
"""Receives each complete message: ``str`` for text (``bytes`` with ``text_as_bytes``), ``bytes`` for binary."""

# Close codes after which a completed handshake counts as a clean close (as websockets' ConnectionClosedOK).
_CLEAN_CODES = frozenset({1000, 1001, 1005})
_NO_STATUS = 1005
_INTERNAL_ERROR = 1011
_INVALID_DATA = 1007
_PROTOCOL_ERROR = 1002
_MESSAGE_TOO_BIG = 1009

# listenKeys (60 characters) and similar tokens travel in URL paths; never log them in clear.
_SECRET_SEGMENT = re.compile(r"[A-Za-z0-9]{32,}")


def redact_url(url: str) -> str:
    """The URL without its query string and with long token-like path segments masked, for logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    path = _SECRET_SEGMENT.sub("***", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """Why a link went down. ``clean`` is True for a completed close handshake (1000/1001)."""

    code: int | None
    reason: str
    clean: bool
    error: BaseException | None = None

    def __str__(self) -> str:
        code = "no close code" if self.code is None else f"code {self.code}"
        reason = f" {self.reason!r}" if self.reason else ""
        return f"{code}{reason}" + ("" if self.clean else " (abnormal)")


def require_transport(name: str) -> None:
    """Raise ``ValueError`` for an unknown transport and ``ImportError`` when its package is missing."""
    if name not in TRANSPORTS:
        raise ValueError(f"transport must be one of {sorted(TRANSPORTS)}, not {name!r}")
    if name == "picows":
        _picows()


def _picows() -> Any:
    try:
        # Imported by name so that type checking does not depend on whether the optional package is installed.
        picows = importlib.import_module("picows")
    except ImportError as exc:
        raise ImportError(
            'transport="picows" needs the optional picows package: pip install picows '
            "(or install this package with its [fast] extra)"
        ) from exc
    return picows


class Transport(abc.ABC):
    """One open websocket link."""

    last_traffic: float
    """Event-loop time of the last bytes received (frames, pings, pongs): the silence detector reads it."""

    @property
    @abc.abstractmethod
    def is_open(self) -> bool:
        """Open for sending: no close frame sent or received yet."""

    @property
    @abc.abstractmethod
    def is_closed(self) -> bool:
        """The socket is gone."""

    @abc.abstractmethod
    def start_delivery(self, sink: FrameSink, name: str) -> None:
        """Deliver the buffered frames to ``sink``, then every further frame as it arrives."""

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Send one text frame; :class:`ConnectionClosedError` when the link is closed."""

    @abc.abstractmethod
    async def close(self, code: int, reason: str) -> None:
        """Close handshake, then the socket; bounded by the close timeout."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop the socket at once (a half-open link would never finish a close handshake)."""

    @abc.abstractmethod
    async def wait_closed(self) -> CloseInfo:
        """Wait until the socket is gone (every frame before the close delivered); how it ended."""


async def open_transport(
    kind: str,
    url: str,
    *,
    ping_interval: float | None,
    ping_timeout: float | None,
    open_timeout: float,
    close_timeout: float,
    max_size: int | None,
    max_queue: int,
    connect_options: Mapping[str, Any],
    text_as_bytes: bool,
) -> Transport:
    """Open a link; :class:`ConnectionClosedError` (with the cause, never the secret parts of ``url``) on failure."""
    if kind == "picows":
        return await _PicowsTransport.open(
            url,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            connect_options=connect_options,
            text_as_bytes=text_as_bytes,
        )
    options: dict[str, Any] = {
        "ping_interval": ping_interval,
        "ping_timeout": ping_timeout,
        "open_timeout": open_timeout,
        "close_timeout": close_timeout,
        "max_size": max_size,
        "max_queue": max_queue,
        # Market data is many small frames: inflating each costs more than the bandwidth it saves on a data
        # centre link, and picows has no compression at all; connect_options={"compression": "deflate"} asks
        # for it.
        "compression": None,
    }
    options.update(connect_options)
    connection_class = _BytesConnection if text_as_bytes else _TextConnection
    try:
        ws = await connect(url, create_connection=connection_class, **options)
    except InvalidURI as exc:
        # The exception text repeats the whole URL, which may hold a listenKey.
        raise ConnectionClosedError(f"invalid URL {redact_url(url)}") from exc
    except (OSError, InvalidHandshake, asyncio.TimeoutError, TimeoutError) as exc:
        raise ConnectionClosedError(f"cannot connect to {redact_url(url)}: {exc!r}") from exc
    assert isinstance(ws, _DirectConnection)
    return _WebsocketsTransport(ws)


# ---------------------------------------------------------------------------------------------------- websockets

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT
_PONG = Opcode.PONG


def _drop(message: Any) -> None:
    return None


class _DirectConnection(ClientConnection):
    """A websockets connection that hands complete messages to a sink from ``data_received``.

    It replaces ``recv()``'s queue and per-message coroutine. Once the handshake is done (and no extension was
    negotiated), frames are read by :class:`FrameReader` instead of websockets' parser, which is several times
    slower per frame; pings are still answered through the protocol (with the same payload), pongs still settle
    websockets' keepalive pings, and a close frame or any frame the reader does not handle goes to websockets
    with everything after it.
    """

    text_as_bytes = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_traffic = self.loop.time()
        self.early: list[Any] = []
        self.sink: FrameSink = self.early.append
        self.link_name = "connection"
        self.fragments: list[bytes] = []
        self.fragment_opcode = _TEXT
        self.reader: FrameReader | None = None
        # The last bytes of the handshake response seen so far, to find its end across reads; None once found.
        self.head_tail: bytes | None = b""

    def set_sink(self, sink: FrameSink) -> None:
        self.sink = sink
        if self.reader is not None:
            self.reader.on_text = sink if self.text_as_bytes else self.deliver_text
            self.reader.on_binary = sink

    def data_received(self, data: bytes) -> None:
        self.last_traffic = self.loop.time()
        reader = self.reader
        if reader is not None:
            try:
                rest = reader.feed(data)
            except FrameError as exc:
                self.fail_connection(exc.code, exc.reason)
                return
            if rest is not None:
                self.reader = None
                super().data_received(rest)
            return
        if self.head_tail is None:
            super().data_received(data)
            return
        # The handshake response ends at the first blank line; websockets gets exactly the bytes up to there, so
        # that the frames after it (even in the same read) start at a boundary for whichever parser reads them.
        probe = self.head_tail + data
        end = probe.find(b"\r\n\r\n")
        if end < 0:
            self.head_tail = probe[-3:]
            super().data_received(data)
            return
        self.head_tail = None
        cut = end + 4 - (len(probe) - len(data))
        super().data_received(data[:cut])
        if self.protocol.state is State.OPEN and not self.protocol.extensions:
            self.reader = FrameReader(
                on_text=self.sink,
                on_binary=self.sink,
                on_ping=self.answer_ping,
                on_pong=self.settle_pong,
                on_error=self.report_sink_error,
                max_size=self.protocol.max_size,
            )
            self.set_sink(self.sink)  # points the reader's text callback at UTF-8 decoding when text is wanted
        if cut < len(data):
            self.data_received(data[cut:])

    def deliver_text(self, data: bytes) -> None:
        try:
            message = str(data, "utf-8")
        except UnicodeDecodeError as exc:
            # What recv() does with invalid text: fail the connection with 1007.
            self.fail_connection(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            return
        self.sink(message)

    def answer_ping(self, data: bytes) -> None:
        if self.protocol.state is State.OPEN or self.protocol.state is State.CLOSING:
            self.protocol.send_pong(data)
            self.send_data()

    def settle_pong(self, data: bytes) -> None:
        self.acknowledge_pings(data)

    def report_sink_error(self, error: Exception) -> None:
        logger.error("%s: frame handler raised", self.link_name, exc_info=error)

    def fail_connection(self, code: int, reason: str) -> None:
        """Fail the connection as websockets does: close frame with ``code``, then drop the socket."""
        self.set_sink(_drop)
        self.reader = None
        self.protocol.fail(code, reason)
        self.send_data()
        self.loop.call_later(self.close_timeout or 0.0, self.transport.abort)

    def process_event(self, event: Event) -> None:
        if self.response is None:
            super().process_event(event)
            return
        frame = cast(Frame, event)
        opcode = frame.opcode
        if opcode is _TEXT or opcode is _BINARY:
            if not frame.fin:
                self.fragment_opcode = opcode
                self.fragments = [bytes(frame.data)]
                return
            data = frame.data
        elif opcode is _CONT:
            self.fragments.append(bytes(frame.data))
            if not frame.fin:
                return
            data, self.fragments = b"".join(self.fragments), []
            opcode = self.fragment_opcode
        else:
            if opcode is _PONG:
                self.acknowledge_pings(bytes(frame.data))
            return
        message = data if type(data) is bytes else bytes(data)
        try:
            if opcode is _TEXT and not self.text_as_bytes:
                self.deliver_text(message)
            else:
                self.sink(message)
        except Exception as exc:
            self.report_sink_error(exc)


class _TextConnection(_DirectConnection):
    text_as_bytes = False


class _BytesConnection(_DirectConnection):
    text_as_bytes = True


class _WebsocketsTransport(Transport):
    def __init__(self, ws: _DirectConnection) -> None:
        self.ws = ws

    @property
    def last_traffic(self) -> float:  # type: ignore[override]
        return self.ws.last_traffic

    @property
    def is_open(self) -> bool:
        return self.ws.state is State.OPEN

    @property
    def is_closed(self) -> bool:
        return self.ws.state is State.CLOSED

    def start_delivery(self, sink: FrameSink, name: str) -> None:
        ws = self.ws
        ws.link_name = name
        early, ws.early = ws.early, []
        ws.set_sink(sink)
        for message in early:
            try:
                sink(message)
            except Exception as exc:
                ws.report_sink_error(exc)

    async def send(self, text: str) -> None:
        ws = self.ws
        payload = text.encode()
        transport = ws.transport
        # The common case (open link, short message, nothing waiting in the socket's write buffer) skips
        # websockets' send(): one frame written at once. Otherwise websockets sends it and applies backpressure.
        if (
            ws.protocol.state is State.OPEN
            and len(payload) <= MAX_DIRECT_TEXT
            and not transport.get_write_buffer_size()
            and not transport.is_closing()
        ):
            transport.write(encode_text_frame(payload))
            return
        try:
            await ws.send(text)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            reason = exc.rcvd.reason if exc.rcvd is not None else ""
            raise ConnectionClosedError(f"{self.ws.link_name} closed while sending", code=code, reason=reason) from exc

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)

    def abort(self) -> None:
        self.ws.transport.abort()

    async def wait_closed(self) -> CloseInfo:
        await self.ws.wait_closed()
        exc = self.ws.protocol.close_exc
        frame = exc.rcvd if exc.rcvd is not None else exc.sent
        code = frame.code if frame is not None else None
        reason = frame.reason if frame is not None else ""
        clean = isinstance(exc, ConnectionClosedOK)
        return CloseInfo(code, reason, clean, None if clean else exc)


# ---------------------------------------------------------------------------------------------------- picows


class _PicowsTransport(Transport):
    """picows link with the websockets semantics: pongs echo the ping payload, keepalive pings every
    ``ping_interval`` with a 1011 close when no pong comes within ``ping_timeout``, a close frame from the server
    echoed before the socket closes."""

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
        picows = _picows()
        self._picows = picows
        self.loop = asyncio.get_running_loop()
        self.last_traffic = self.loop.time()
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
        self.error: BaseException | None = None
        self.disconnected = self.loop.create_future()
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._ping_payload: bytes | None = None
        self._ping_timer: asyncio.TimerHandle | None = None
        self._pong_timer: asyncio.TimerHandle | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        ping_interval: float | None,
        ping_timeout: float | None,
        open_timeout: float,
        close_timeout: float,
        max_size: int | None,
        connect_options: Mapping[str, Any],
        text_as_bytes: bool,
    ) -> _PicowsTransport:
        link = cls(
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            text_as_bytes=text_as_bytes,
        )
        picows = link._picows
        options: dict[str, Any] = {}
        for key, value in connect_options.items():
            if key == "additional_headers":
                options["extra_headers"] = value
            elif key == "ssl":
                options["ssl_context"] = value
            else:
                raise TypeError(f"connect option {key!r} is not supported by the picows transport")
        listener_class = _picows_listener_class()
        try:
            await wait_with_timeout(
                picows.ws_connect(
                    lambda: listener_class(link),
                    url,
                    websocket_handshake_timeout=open_timeout,
                    enable_auto_ping=False,
                    enable_auto_pong=False,
                    max_frame_size=max_size if max_size is not None else 2**31 - 1,
                    **options,
                ),
                open_timeout,
            )
        except picows.WSInvalidURL as exc:
            raise ConnectionClosedError(f"invalid URL {redact_url(url)}") from exc
        except (OSError, picows.WSError, TimeoutError) as exc:
            raise ConnectionClosedError(f"cannot connect to {redact_url(url)}: {exc!r}") from exc
        link.last_traffic = link.loop.time()
        link._arm_ping()
        return link

    # -- called by the listener --------------------------------------------------------------------------------

    def connected(self, ws: Any) -> None:
        self.ws = ws

    def on_other_frame(self, msg_type: Any, frame: Any) -> None:
        """Every frame but a whole, unfragmented text or binary message: control frames, fragments, violations.

        The checks are websockets' (the default transport), with its close codes: picows leaves RSV1 and the
        fragment sequence to the application and limits frames, not messages.
        """
        types = self._picows.WSMsgType
        if frame.rsv1:
            self.fail(_PROTOCOL_ERROR, "reserved bits must be 0")
        elif msg_type is types.PING:
            self.ws.send_pong(frame.get_payload_as_bytes())
        elif msg_type is types.PONG:
            if frame.get_payload_as_bytes() == self._ping_payload:
                self._ping_payload = None
                if self._pong_timer is not None:
                    self._pong_timer.cancel()
                    self._pong_timer = None
        elif msg_type is types.CLOSE:
            if self.fragments is not None:
                self.fail(_PROTOCOL_ERROR, "incomplete fragmented message")
                return
            payload = frame.get_payload_as_bytes()
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else _NO_STATUS
            self.close_rcvd = (code, payload[2:].decode("utf-8", "replace"))
            if self.close_sent is None:
                self.close_sent = self.close_rcvd
                self.ws.send(types.CLOSE, payload)
            self.ws.disconnect()
        elif msg_type is types.CONTINUATION:
            if self.fragments is None:
                self.fail(_PROTOCOL_ERROR, "unexpected continuation frame")
            elif self.add_fragment(frame) and frame.fin:
                data, self.fragments, self.fragment_size = b"".join(self.fragments), None, 0
                self.deliver_assembled(data, self.fragment_text)
        elif self.fragments is not None:
            self.fail(_PROTOCOL_ERROR, "expected a continuation frame")
        else:
            # The first fragment of a text or binary message.
            self.fragment_text = msg_type is types.TEXT
            self.fragments = []
            self.add_fragment(frame)

    def add_fragment(self, frame: Any) -> bool:
        """Keep one fragment; False (and the connection failed with 1009) when the message outgrows max_size."""
        assert self.fragments is not None
        self.fragment_size += frame.payload_size
        if self.max_size is not None and self.fragment_size > self.max_size:
            self.fail(_MESSAGE_TOO_BIG, f"message over the size limit ({self.fragment_size} > {self.max_size})")
            return False
        self.fragments.append(frame.get_payload_as_bytes())
        return True

    def deliver_assembled(self, data: bytes, text: bool) -> None:
        message: Any = data
        if text and not self.text_as_bytes:
            try:
                message = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.fail(_INVALID_DATA, f"{exc.reason} at position {exc.start}")
                return
        self.emit(message)

    def emit(self, message: Any) -> None:
        try:
            self.sink(message)
        except Exception:
            logger.exception("%s: frame handler raised", self.name)

    def fail(self, code: int, reason: str) -> None:
        self.sink = _drop
        self._send_close(code, reason)
        self.loop.call_later(self._close_timeout, self.abort)
        self.ws.disconnect()

    def lost(self) -> None:
        self._cancel_ping()
        if not self.disconnected.done():
            self.disconnected.set_result(None)

    # -- keepalive ---------------------------------------------------------------------------------------------

    def _arm_ping(self) -> None:
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
        self._arm_ping()

    def _pong_missing(self) -> None:
        self._pong_timer = None
        if self.is_open:
            self.fail(_INTERNAL_ERROR, "keepalive ping timeout")

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
        payload = code.to_bytes(2, "big") + reason.encode()[:123]
        self.ws.send(self._picows.WSMsgType.CLOSE, payload)

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
        rcvd, sent = self.close_rcvd, self.close_sent
        frame = rcvd if rcvd is not None else sent
        code = frame[0] if frame is not None else None
        reason = frame[1] if frame is not None else ""
        clean = rcvd is not None and sent is not None and rcvd[0] in _CLEAN_CODES and sent[0] in _CLEAN_CODES
        if clean:
            return CloseInfo(code, reason, True, None)
        detail = "no close frame" if code is None else f"close code {code}"
        error = ConnectionClosedError(f"{self.name} closed abnormally ({detail})", code=code, reason=reason)
        return CloseInfo(code, reason, False, error)


def _picows_listener_class() -> Any:
    """The picows listener, built on first use so that picows stays an optional import."""
    if _PicowsTransport._listener_class is not None:
        return _PicowsTransport._listener_class
    picows = _picows()
    text_type = picows.WSMsgType.TEXT
    binary_type = picows.WSMsgType.BINARY

    listener_base: Any = picows.WSListener

    class Listener(listener_base):  # type: ignore[misc]
        def __init__(self, link: _PicowsTransport) -> None:
            super().__init__()
            self.link = link

        def on_ws_connected(self, transport: Any) -> None:
            self.link.connected(transport)

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            link = self.link
            link.last_traffic = link.loop.time()
            msg_type = frame.msg_type
            if frame.fin and link.fragments is None and not frame.rsv1:
                if msg_type is text_type:
                    if link.text_as_bytes:
                        message = frame.get_payload_as_bytes()
                    else:
                        try:
                            message = frame.get_payload_as_utf8_text()
                        except UnicodeDecodeError as exc:
                            link.fail(_INVALID_DATA, f"{exc.reason} at position {exc.start}")
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

    _PicowsTransport._listener_class = Listener
    return Listener
