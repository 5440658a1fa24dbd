"""Both transports against a server that writes raw bytes: frame layouts, reads that cut frames anywhere, control
frames between fragments, protocol violations and their close codes (spec independent)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from .._runtime.wire.transport import CloseInfo, Transport, open_transport
from ._transports import TRANSPORTS, current_transport, selected_transport
from .test_frames import BINARY, CLOSE, CONT, PING, PONG, TEXT, apply_mask, frame

GUARD = 15.0
"""Upper bound for waits, so that a broken client fails the test instead of hanging it (not a timing check)."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

Script = Callable[["RawPeer"], Awaitable[None]]


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    with selected_transport(request.param) as name:
        yield name


class RawPeer:
    """The server side of one connection after the HTTP upgrade: writes bytes, reads the client's frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        """The client's next frame, unmasked: (opcode, payload). Clients must mask; this checks that too."""
        first, second = await self.reader.readexactly(2)
        assert second & 0x80, "client frames must be masked"
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


@asynccontextmanager
async def raw_server(script: Script, *, first_write: bytes = b"") -> AsyncIterator[str]:
    """A server that answers the upgrade by hand, writes ``first_write`` in the same write, then runs ``script``."""
    failures: list[BaseException] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            key = next(
                line.split(b":", 1)[1].strip()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
            writer.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + first_write
            )
            await writer.drain()
            await script(RawPeer(reader, writer))
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


async def connect(url: str, messages: list[Any], *, max_size: int = 1 << 20, text_as_bytes: bool = False) -> Transport:
    link = await open_transport(
        current_transport(),
        url,
        ping_interval=None,
        ping_timeout=None,
        open_timeout=GUARD,
        close_timeout=2.0,
        max_size=max_size,
        max_queue=16,
        connect_options={},
        text_as_bytes=text_as_bytes,
    )
    link.start_delivery(messages.append, "test link")
    return link


async def closed(link: Transport) -> CloseInfo:
    return await asyncio.wait_for(link.wait_closed(), GUARD)


async def test_frames_in_the_handshake_read_split_reads_and_control_frames_between_fragments() -> None:
    big = b"d" * 70_000
    big_frame = frame(TEXT, big)
    seen: dict[str, Any] = {}

    async def script(peer: RawPeer) -> None:
        # The pauses make the client read each piece on its own: a frame cut inside its header and its payload.
        for start, end in ((0, 1), (1, 3), (3, 40_000), (40_000, len(big_frame))):
            await peer.write(big_frame[start:end])
            await asyncio.sleep(0.01)
        ping = os.urandom(8)
        await peer.write(frame(TEXT, b"part 1, ", fin=False) + frame(PING, ping) + frame(PONG, b"unsolicited"))
        seen["pong"] = await peer.read_frame()
        seen["ping"] = ping
        await peer.write(frame(CONT, b"part 2", fin=True) + frame(BINARY, b"\x00\x01"))
        await peer.write(frame(CLOSE, struct.pack("!H", 1000) + b"bye"))
        seen["close echo"] = await peer.read_frame()

    first = frame(TEXT, b'{"first":1}') + frame(TEXT, b'{"second":2}')
    messages: list[Any] = []
    async with raw_server(script, first_write=first) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == ['{"first":1}', '{"second":2}', big.decode(), "part 1, part 2", b"\x00\x01"]
    assert seen["pong"] == (PONG, seen["ping"])
    assert seen["close echo"] == (CLOSE, struct.pack("!H", 1000) + b"bye")
    assert (info.code, info.reason, info.clean) == (1000, "bye", True)


async def test_text_as_bytes_hands_text_frames_over_undecoded() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, "\u20ac".encode()) + frame(CLOSE, struct.pack("!H", 1001)))
        await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages, text_as_bytes=True)
        info = await closed(link)
    assert messages == ["\u20ac".encode()]
    assert (info.code, info.clean) == (1001, True)


async def test_a_close_frame_after_a_burst_comes_after_every_frame_of_the_burst() -> None:
    burst = b"".join(frame(TEXT, str(n).encode()) for n in range(2000))

    async def script(peer: RawPeer) -> None:
        await peer.write(burst + frame(CLOSE, struct.pack("!H", 1001) + b"restart"))
        await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == [str(n) for n in range(2000)]
    assert (info.code, info.reason, info.clean) == (1001, "restart", True)


async def test_client_messages_arrive_as_masked_text_frames_short_or_long() -> None:
    short, long = '{"id":1,"method":"ping"}', '{"params":"' + "\u20ac" * 30_000 + '"}'
    received: list[tuple[int, bytes]] = []

    async def script(peer: RawPeer) -> None:
        received.append(await peer.read_frame())
        received.append(await peer.read_frame())
        await peer.write(frame(CLOSE, struct.pack("!H", 1000)))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        await link.send(short)
        await link.send(long)
        info = await closed(link)
    assert received == [(TEXT, short.encode()), (TEXT, long.encode())]
    assert info.clean


BAD_FRAMES = [
    pytest.param(frame(TEXT, b"x" * 2000), 1009, id="message over max_size"),
    pytest.param(frame(TEXT, b"x" * 600, fin=False) + frame(CONT, b"x" * 600), 1009, id="fragments over max_size"),
    pytest.param(frame(TEXT, b"\xff\xfe"), 1007, id="invalid UTF-8"),
    pytest.param(frame(CONT, b"orphan"), 1002, id="continuation without a start"),
    pytest.param(frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002, id="new message inside a fragmented one"),
    pytest.param(frame(TEXT, b"rsv", rsv=0x40), 1002, id="reserved bit"),
    pytest.param(frame(0x3, b"?"), 1002, id="reserved opcode"),
    pytest.param(frame(PING, b"p" * 126), 1002, id="control frame over 125 bytes"),
]


@pytest.mark.parametrize(("bad", "code"), BAD_FRAMES)
async def test_protocol_violations_fail_the_connection_with_their_close_code(bad: bytes, code: int) -> None:
    seen: dict[str, int] = {}

    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"good"))
        await asyncio.sleep(0.01)
        await peer.write(bad + frame(TEXT, b"after the violation"))
        seen["code"] = await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages, max_size=1000)
        info = await closed(link)
    assert seen["code"] == code
    assert messages == ["good"]
    assert not info.clean


async def test_a_partial_frame_then_eof_is_an_abnormal_close() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"whole") + frame(TEXT, b"cut short")[:5])

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == ["whole"]
    assert not info.clean


async def test_websockets_transport_negotiates_no_compression_by_default_and_deflate_on_request() -> None:
    if current_transport() != "websockets":
        pytest.skip("picows has no compression")
    offers: list[str | None] = []

    async def echo(ws: ServerConnection) -> None:
        offers.append(ws.request.headers.get("Sec-WebSocket-Extensions") if ws.request else None)
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0) as server:
        url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/"
        for options in ({}, {"compression": "deflate"}):
            messages: list[Any] = []
            link = await open_transport(
                "websockets",
                url,
                ping_interval=None,
                ping_timeout=None,
                open_timeout=GUARD,
                close_timeout=2.0,
                max_size=1 << 20,
                max_queue=16,
                connect_options=options,
                text_as_bytes=False,
            )
            link.start_delivery(messages.append, "test link")
            payload = '{"levels":"' + "0.1," * 5000 + '"}'
            await link.send(payload)
            await link.send("second")

            async def both_back(got: list[Any] = messages) -> None:
                while len(got) < 2:
                    await asyncio.sleep(0.005)

            await asyncio.wait_for(both_back(), GUARD)
            assert messages == [payload, "second"]
            await link.close(1000, "done")
            assert (await closed(link)).clean
    assert offers[0] is None
    assert offers[1] is not None and "permessage-deflate" in offers[1]
