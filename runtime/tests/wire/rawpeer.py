"""A server that answers the upgrade by hand and then writes raw bytes: the peer of the transport tests.

It does not use our frame code (frames are built in :mod:`.framing`), so a test against it checks the client against
the RFC, not against itself.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from .framing import CLOSE, apply_mask

GUARD = 15.0
"""Upper bound for waits, so that a broken client fails the test instead of hanging it (not a timing check)."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawPeer:
    """The server side of one connection after the HTTP upgrade: writes bytes, reads the client's frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader = reader
        self.writer = writer
        self.request = request
        """The client's HTTP upgrade request, as received."""

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        """The client's next frame, unmasked: (opcode, payload). Clients must mask; this checks that too."""
        first, second = await self.reader.readexactly(2)
        assert second & 0x80, "client frames must be masked"
        assert not first & 0x70, "no reserved bits without an extension"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4)
        payload = apply_mask(await self.reader.readexactly(length), mask)
        return first & 0x0F, payload

    async def read_close_code(self) -> int:
        """Skips frames until the client's close frame; its code."""
        while True:
            opcode, payload = await self.read_frame()
            if opcode == CLOSE:
                return int.from_bytes(payload[:2], "big")

    async def wait_for_eof(self) -> bytes:
        """Everything the client still sends until it closes the connection."""
        return await asyncio.wait_for(self.reader.read(), GUARD)


Script = Callable[[RawPeer], Awaitable[None]]


def accept_key(request: bytes) -> bytes:
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())


@asynccontextmanager
async def raw_server(
    script: Script, *, first_write: bytes = b"", response: Callable[[bytes], bytes] | None = None
) -> AsyncIterator[str]:
    """A server that answers the upgrade by hand (or with ``response(request)``), writes ``first_write`` in the same
    write, then runs ``script``; yields its ``ws://`` URL. Failures in the script are raised at the end."""
    failures: list[BaseException] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if response is not None:
                answer = response(head)
            else:
                answer = (
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Accept: " + accept_key(head) + b"\r\n\r\n"
                )
            writer.write(answer + first_write)
            await writer.drain()
            await script(RawPeer(reader, writer, head))
        except BaseException as exc:  # reported by the test, which would otherwise only see a hang
            failures.append(exc)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        server.close()
        await server.wait_closed()
    if failures:
        raise failures[0]
