"""WebSocket frames (RFC 6455 section 5): an incremental parser and the encoders, for both ends of a connection.

Sans-I/O: nothing here reads or writes a socket. :class:`FrameParser` takes the bytes that arrived and calls back
with each complete message, ping, pong and close; the encoders return the bytes to write. The same code serves the
client transport (frames from the server are unmasked, its own frames masked) and the mock server (the reverse).

Why our own parser: a market-data flood is tens of thousands of small frames a second, and a generic parser written
as a generator costs several microseconds a frame in pure Python; this one is a flat loop over the buffer (well under
a microsecond for a small frame). Every check the RFC asks of an endpoint is made here, with the close code to fail
the connection with (:class:`ProtocolError`): reserved bits, masking by the wrong side, unknown opcodes, fragmented or
oversized control frames, fragment sequences, message size limits, UTF-8 in text messages and close reasons, close
codes. A negotiated extension (permessage-deflate) is applied through websockets' documented ``Extension`` interface.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from websockets.extensions import Extension

__all__ = [
    "CLEAN_CLOSE_CODES",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONT",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "FrameParser",
    "ProtocolError",
    "encode_close",
    "encode_frame",
    "parse_close",
]

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

_FIN = 0x80
_RSV1 = 0x40
_RSV = 0x70
_OPCODE = 0x0F
_MASK = 0x80

NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
NO_STATUS_RCVD = 1005
INVALID_DATA = 1007
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011

CLEAN_CLOSE_CODES = frozenset({NORMAL_CLOSURE, GOING_AWAY, NO_STATUS_RCVD})
"""Close codes of an orderly end: a completed close handshake with these on both sides is a clean close."""

# Codes an endpoint may put in a close frame (RFC 6455 7.4.1 and the IANA registry): 1004-1006 and 1015 are reserved,
# 1016-2999 unassigned, 3000-4999 for libraries and applications.
_SENDABLE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


class ProtocolError(Exception):
    """The peer broke the protocol; fail the connection with close ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _valid_close_code(code: int) -> bool:
    return code in _SENDABLE_CODES or 3000 <= code <= 4999


def parse_close(payload: bytes) -> tuple[int, str]:
    """The code and reason of a close frame's payload (1005 for an empty one); :class:`ProtocolError` if invalid."""
    if not payload:
        return NO_STATUS_RCVD, ""
    if len(payload) == 1:
        raise ProtocolError(PROTOCOL_ERROR, "close frame too short")
    code = int.from_bytes(payload[:2], "big")
    if not _valid_close_code(code):
        raise ProtocolError(PROTOCOL_ERROR, f"invalid close code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(INVALID_DATA, f"invalid UTF-8 in close reason at position {exc.start}") from None
    return code, reason


def encode_close(code: int, reason: str = "") -> bytes:
    """A close frame's payload: empty for 1005 (no status), else the code and at most 123 bytes of reason."""
    if code == NO_STATUS_RCVD:
        return b""
    data = reason.encode("utf-8")
    if len(data) > 123:
        data = data[:123].decode("utf-8", "ignore").encode("utf-8")
    return code.to_bytes(2, "big") + data


def _utf8_error(exc: UnicodeDecodeError) -> ProtocolError:
    """Text that is not UTF-8 fails the connection with 1007 (RFC 6455 8.1)."""
    return ProtocolError(INVALID_DATA, f"invalid UTF-8 at position {exc.start}")


def _xor(payload: bytes, mask: bytes) -> bytes:
    """``payload`` XOR ``mask`` repeated: done on two big integers, one C-level operation whatever the length."""
    length = len(payload)
    if not length:
        return payload
    key = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(length, "little")


def encode_frame(opcode: int, payload: bytes, *, mask: bool, fin: bool = True, rsv1: bool = False) -> bytes:
    """One frame carrying ``payload``. Clients must ``mask`` (a fresh random key per frame, RFC 6455 5.3)."""
    length = len(payload)
    first = (_FIN if fin else 0) | (_RSV1 if rsv1 else 0) | opcode
    mask_bit = _MASK if mask else 0
    if length < 126:
        head = bytes((first, mask_bit | length))
    elif length < 65536:
        head = bytes((first, mask_bit | 126, length >> 8, length & 0xFF))
    else:
        head = bytes((first, mask_bit | 127)) + length.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _xor(payload, key)


MessageCallback = Callable[[Any], None]


class FrameParser:
    """Incremental reader of the frames one side of a connection receives.

    ``client_side=True`` reads a server's frames (they must not be masked); False reads a client's (they must be).
    :meth:`feed` handles every complete frame and keeps a partial one for the next call. Complete messages go to
    ``on_text`` (``str``, or the UTF-8 ``bytes`` when ``text_as_bytes``; either way the text is checked to be
    UTF-8) or ``on_binary`` (``bytes``), pings to ``on_ping``, pongs to ``on_pong``, the close frame to
    ``on_close(code, reason)``; after a close frame nothing more is read. An exception raised by a callback goes to
    ``on_error`` and reading goes on with the next frame. A protocol violation raises :class:`ProtocolError` out of
    :meth:`feed`; the frames before it were delivered. The callbacks are plain attributes the owner may swap.
    """

    __slots__ = (
        "_closed",
        "_compressed",
        "_decoders",
        "_fragment_size",
        "_fragment_text",
        "_fragments",
        "_mask_expected",
        "_pending",
        "max_size",
        "on_binary",
        "on_close",
        "on_error",
        "on_ping",
        "on_pong",
        "on_text",
        "text_as_bytes",
    )

    def __init__(
        self,
        *,
        client_side: bool,
        on_text: MessageCallback,
        on_binary: MessageCallback,
        on_ping: Callable[[bytes], None],
        on_pong: Callable[[bytes], None],
        on_close: Callable[[int, str], None],
        on_error: Callable[[Exception], None],
        max_size: int | None,
        text_as_bytes: bool = False,
        extensions: Sequence[Extension] = (),
    ) -> None:
        self.on_text = on_text
        self.on_binary = on_binary
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.on_close = on_close
        self.on_error = on_error
        self.max_size = max_size
        self.text_as_bytes = text_as_bytes
        self._mask_expected = not client_side
        self._decoders: tuple[Extension, ...] = tuple(reversed(extensions))
        self._pending = b""
        self._fragments: list[bytes] | None = None
        self._fragment_text = True
        self._fragment_size = 0
        self._compressed = False
        self._closed = False

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete frame kept for the next :meth:`feed`."""
        return len(self._pending)

    def feed(self, data: bytes) -> None:
        """Read every complete frame in the bytes received so far (see the class docstring)."""
        if self._closed:
            return
        buffer = self._pending + data if self._pending else data
        size = len(buffer)
        position = 0
        max_size = self.max_size
        # The mask bit every frame must carry: set on a client's frames, clear on a server's.
        mask_bit = _MASK if self._mask_expected else 0
        text_as_bytes = self.text_as_bytes
        try:
            while size - position >= 2:
                first = buffer[position]
                second = buffer[position + 1]
                if first == _FIN | OP_TEXT and second <= 126 and not mask_bit and self._fragments is None:
                    # A whole unmasked text message under 64 KiB, what a server sends nearly always: the checks
                    # below that cannot fail for it are skipped (a masked frame has second > 126 and goes on).
                    if second < 126:
                        length = second
                        start = position + 2
                    elif size - position < 4:
                        break
                    else:
                        length = (buffer[position + 2] << 8) | buffer[position + 3]
                        start = position + 4
                    if max_size is not None and length > max_size:
                        raise ProtocolError(MESSAGE_TOO_BIG, f"message over the size limit ({length} > {max_size})")
                    end = start + length
                    if end > size:
                        break
                    payload = buffer[start:end]
                    position = end
                    text: bytes | str = payload
                    if not text_as_bytes:
                        try:
                            text = payload.decode("utf-8")
                        except UnicodeDecodeError as exc:
                            raise _utf8_error(exc) from None
                    elif not payload.isascii():
                        self._check_utf8(payload)
                    try:
                        self.on_text(text)
                    except Exception as exc:
                        self.on_error(exc)
                    continue
                if first & _RSV and not (first & _RSV == _RSV1 and self._decoders):
                    raise ProtocolError(PROTOCOL_ERROR, "reserved bits must be 0")
                if second & _MASK != mask_bit:
                    raise ProtocolError(
                        PROTOCOL_ERROR, "client frames must be masked" if mask_bit else "server frames are masked"
                    )
                length = second & 0x7F
                start = position + 2
                if length >= 126:
                    if length == 126:
                        if size - start < 2:
                            break
                        length = (buffer[start] << 8) | buffer[start + 1]
                        start += 2
                    else:
                        if size - start < 8:
                            break
                        length = int.from_bytes(buffer[start : start + 8], "big")
                        if length >> 63:
                            raise ProtocolError(PROTOCOL_ERROR, "frame length over 2**63")
                        start += 8
                opcode = first & _OPCODE
                if opcode > OP_BINARY:
                    if opcode < OP_CLOSE or opcode > OP_PONG:
                        raise ProtocolError(PROTOCOL_ERROR, f"invalid opcode {opcode:#x}")
                    if not first & _FIN:
                        raise ProtocolError(PROTOCOL_ERROR, "fragmented control frame")
                    if length > 125:
                        raise ProtocolError(PROTOCOL_ERROR, "control frame too long")
                    if first & _RSV:
                        raise ProtocolError(PROTOCOL_ERROR, "reserved bits must be 0")
                elif max_size is not None and length > max_size - self._fragment_size:
                    raise ProtocolError(
                        MESSAGE_TOO_BIG, f"message over the size limit ({self._fragment_size + length} > {max_size})"
                    )
                if mask_bit:
                    key = buffer[start : start + 4]
                    start += 4
                end = start + length
                if end > size:
                    break
                payload = buffer[start:end]
                if mask_bit:
                    payload = _xor(payload, key)
                position = end
                if opcode <= OP_BINARY:
                    if first & _FIN and opcode and self._fragments is None and not first & _RSV:
                        # A whole, uncompressed message: the common case, handled here without further calls.
                        message: bytes | str = payload
                        if opcode == OP_BINARY:
                            callback = self.on_binary
                        else:
                            callback = self.on_text
                            if not text_as_bytes:
                                try:
                                    message = payload.decode("utf-8")
                                except UnicodeDecodeError as exc:
                                    raise _utf8_error(exc) from None
                            elif not payload.isascii():
                                # ASCII is valid UTF-8, and checking for it is far cheaper than decoding.
                                self._check_utf8(payload)
                        try:
                            callback(message)
                        except Exception as exc:
                            # One failing callback must not hold back the frames after it.
                            self.on_error(exc)
                    else:
                        self._data_frame(opcode, payload, first)
                elif opcode == OP_PING:
                    self._call(self.on_ping, payload)
                elif opcode == OP_PONG:
                    self._call(self.on_pong, payload)
                else:
                    if self._fragments is not None:
                        raise ProtocolError(PROTOCOL_ERROR, "incomplete fragmented message")
                    code, reason = parse_close(payload)
                    self._closed = True
                    position = size
                    try:
                        self.on_close(code, reason)
                    except Exception as exc:
                        self.on_error(exc)
                    return
        finally:
            # Whatever happened above, the frames before `position` were consumed and the rest is kept.
            self._pending = buffer[position:] if position < size else b""

    def _call(self, callback: Callable[[Any], None], argument: Any) -> None:
        try:
            callback(argument)
        except Exception as exc:
            # One failing callback must not hold back the frames after it.
            self.on_error(exc)

    def _data_frame(self, opcode: int, payload: bytes, first: int) -> None:
        fin = first & _FIN
        if opcode == OP_CONT:
            fragments = self._fragments
            if fragments is None:
                raise ProtocolError(PROTOCOL_ERROR, "unexpected continuation frame")
            if first & _RSV:
                raise ProtocolError(PROTOCOL_ERROR, "reserved bits must be 0 on a continuation frame")
            if self._compressed:
                payload = self._decode(opcode, payload, fin, False)
            fragments.append(payload)
            self._fragment_size += len(payload)
            if not fin:
                return
            message = b"".join(fragments)
            text = self._fragment_text
            self._fragments = None
            self._fragment_size = 0
            self._compressed = False
        else:
            if self._fragments is not None:
                raise ProtocolError(PROTOCOL_ERROR, "expected a continuation frame")
            text = opcode == OP_TEXT
            compressed = bool(first & _RSV1)
            if compressed:
                payload = self._decode(opcode, payload, fin, True)
            if not fin:
                self._fragments = [payload]
                self._fragment_text = text
                self._fragment_size = len(payload)
                self._compressed = compressed
                return
            message = payload
        if text:
            if self.text_as_bytes:
                # ASCII is valid UTF-8, and checking for it is far cheaper than decoding.
                if not message.isascii():
                    self._check_utf8(message)
                self._call(self.on_text, message)
            else:
                try:
                    decoded = message.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _utf8_error(exc) from None
                self._call(self.on_text, decoded)
        else:
            self._call(self.on_binary, message)

    @staticmethod
    def _check_utf8(message: bytes) -> None:
        try:
            message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _utf8_error(exc) from None

    def _decode(self, opcode: int, payload: bytes, fin: int, rsv1: bool) -> bytes:
        """Undo the negotiated extensions (permessage-deflate) on one data frame."""
        from websockets.exceptions import PayloadTooBig
        from websockets.exceptions import ProtocolError as WebsocketsProtocolError
        from websockets.frames import Frame, Opcode

        frame = Frame(Opcode(opcode), payload, fin=bool(fin), rsv1=rsv1)
        remaining = None if self.max_size is None else self.max_size - self._fragment_size
        try:
            for extension in self._decoders:
                frame = extension.decode(frame, max_size=remaining)
        except PayloadTooBig as exc:
            raise ProtocolError(MESSAGE_TOO_BIG, f"message over the size limit: {exc}") from None
        except (WebsocketsProtocolError, ValueError) as exc:
            raise ProtocolError(PROTOCOL_ERROR, f"cannot decode the frame: {exc}") from None
        return bytes(frame.data)
