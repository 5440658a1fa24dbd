"""WebSocket frames on the ``websockets`` transport's hot paths: reading the server's, writing small client ones.

websockets parses every frame with a generator-based reader, which costs several microseconds a frame in pure
Python; a market-data flood is tens of thousands of small unmasked data frames a second. So the transport reads
the frames of an open connection itself: text and binary messages (whole or fragmented), pings and pongs. For
the same reason a request (a small text message) is written as one masked frame by :func:`encode_text_frame`
instead of through ``websockets``' ``send()``, whose generic path is a noticeable part of a request's latency.

Anything else (a close frame, reserved bits, a masked frame, an unknown opcode, a fragmented or oversized control
frame) is handed back to websockets from that frame's first byte, so websockets closes or fails the connection
exactly as it would have. The handover happens once and at a frame boundary: websockets' own parser never sees
half a frame. Errors that depend on the fragments this reader holds (a message over the size limit, a broken
fragment sequence) raise :class:`FrameError` with the close code to fail the connection with.
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["MAX_DIRECT_TEXT", "FrameError", "FrameReader", "encode_text_frame"]

MAX_DIRECT_TEXT = 16_384
"""Longest payload :func:`encode_text_frame` takes: masking is done with Python integers, cheap only when short."""

_OP_CONT = 0x0
_OP_TEXT = 0x1
_OP_BINARY = 0x2
_OP_CLOSE = 0x8
_OP_PING = 0x9
_OP_PONG = 0xA

_FIN = 0x80
_RSV = 0x70
_OPCODE = 0x0F
_MASK = 0x80

_PROTOCOL_ERROR = 1002
_MESSAGE_TOO_BIG = 1009


class FrameError(Exception):
    """The frames break the protocol; fail the connection with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


MessageCallback = Callable[[bytes], None]


class FrameReader:
    """Incremental reader of server-to-client frames (RFC 6455 section 5), no extensions negotiated.

    ``feed(data)`` reads every complete frame and keeps a partial one for the next call. Complete messages go to
    ``on_text`` or ``on_binary`` (payload bytes, fragments joined), pings to ``on_ping``, pongs to ``on_pong``.
    An exception from one of them goes to ``on_error`` and reading goes on with the next frame. The callbacks
    are plain attributes: the owner swaps them (for instance when delivery starts).
    """

    __slots__ = (
        "_fragment_size",
        "_fragment_text",
        "_fragments",
        "_pending",
        "max_size",
        "on_binary",
        "on_error",
        "on_ping",
        "on_pong",
        "on_text",
    )

    def __init__(
        self,
        *,
        on_text: MessageCallback,
        on_binary: MessageCallback,
        on_ping: MessageCallback,
        on_pong: MessageCallback,
        on_error: Callable[[Exception], None],
        max_size: int | None,
    ) -> None:
        self.on_text = on_text
        self.on_binary = on_binary
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.on_error = on_error
        self.max_size = max_size
        self._pending = b""
        self._fragments: list[bytes] | None = None
        self._fragment_text = True
        self._fragment_size = 0

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete frame kept for the next ``feed``."""
        return len(self._pending)

    def feed(self, data: bytes) -> bytes | None:
        """Handle every complete frame; the bytes from the first frame websockets must handle, or None.

        After a non-None return the reader must not be fed again: the rest of the stream belongs to websockets.
        """
        buffer = self._pending + data if self._pending else data
        size = len(buffer)
        position = 0
        max_size = self.max_size
        try:
            while size - position >= 2:
                first = buffer[position]
                length = buffer[position + 1]
                if length & _MASK or first & _RSV:
                    handover = buffer[position:]
                    position = size
                    return handover
                start = position + 2
                if length >= 126:
                    if length == 126:
                        if size - position < 4:
                            break
                        length = (buffer[start] << 8) | buffer[start + 1]
                        start += 2
                    else:
                        if size - position < 10:
                            break
                        length = int.from_bytes(buffer[start : start + 8], "big")
                        start += 8
                opcode = first & _OPCODE
                if opcode > _OP_BINARY:
                    if opcode == _OP_CLOSE and self._fragments is not None:
                        raise FrameError(_PROTOCOL_ERROR, "incomplete fragmented message")
                    if opcode != _OP_PING and opcode != _OP_PONG or not first & _FIN or length > 125:
                        handover = buffer[position:]
                        position = size
                        return handover
                elif max_size is not None and length > max_size - self._fragment_size:
                    raise FrameError(
                        _MESSAGE_TOO_BIG, f"message over the size limit ({self._fragment_size + length} > {max_size})"
                    )
                end = start + length
                if end > size:
                    break
                payload = buffer[start:end]
                position = end
                if not first & _FIN:
                    self._fragment(opcode, payload)
                    continue
                if opcode == _OP_TEXT or opcode == _OP_BINARY:
                    if self._fragments is not None:
                        raise FrameError(_PROTOCOL_ERROR, "expected a continuation frame")
                    callback = self.on_text if opcode == _OP_TEXT else self.on_binary
                elif opcode == _OP_CONT:
                    callback = self.on_text if self._fragment_text else self.on_binary
                    payload = self._join_fragments(payload)
                else:
                    callback = self.on_ping if opcode == _OP_PING else self.on_pong
                try:
                    callback(payload)
                except Exception as exc:
                    # One failing callback must not hold back the frames after it.
                    self.on_error(exc)
        finally:
            # Whatever happened above, the frames before `position` were consumed and the rest is kept.
            self._pending = buffer[position:] if position < size else b""
        return None

    def _fragment(self, opcode: int, payload: bytes) -> None:
        if opcode == _OP_CONT:
            if self._fragments is None:
                raise FrameError(_PROTOCOL_ERROR, "unexpected continuation frame")
            self._fragments.append(payload)
        else:
            if self._fragments is not None:
                raise FrameError(_PROTOCOL_ERROR, "expected a continuation frame")
            self._fragments = [payload]
            self._fragment_text = opcode == _OP_TEXT
        self._fragment_size += len(payload)

    def _join_fragments(self, payload: bytes) -> bytes:
        fragments = self._fragments
        if fragments is None:
            raise FrameError(_PROTOCOL_ERROR, "unexpected continuation frame")
        fragments.append(payload)
        self._fragments = None
        self._fragment_size = 0
        return b"".join(fragments)


def encode_text_frame(payload: bytes) -> bytes:
    """One final, masked text frame carrying ``payload`` (UTF-8), as a client must send it (RFC 6455 5.2, 5.3).

    The mask is 4 fresh random bytes per frame, as the RFC asks (``os.urandom``, what websockets uses too).
    """
    length = len(payload)
    if length > MAX_DIRECT_TEXT:
        raise ValueError(f"payload over {MAX_DIRECT_TEXT} bytes: send it through websockets")
    mask = os.urandom(4)
    if length < 126:
        head = bytes((_FIN | _OP_TEXT, _MASK | length))
    else:
        head = bytes((_FIN | _OP_TEXT, _MASK | 126, length >> 8, length & 0xFF))
    if not length:
        return head + mask
    # XOR with the 4-byte mask repeated over the payload, done on two big integers: one C-level operation.
    key = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(length, "little")
    return head + mask + masked
