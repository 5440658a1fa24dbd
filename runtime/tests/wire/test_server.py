"""Our WebSocket server (the mock server's engine) against a client we did not write: websockets' asyncio client;
and against raw bytes for what a well-behaved client never sends."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError as WebsocketsClosedError
from websockets.exceptions import ConnectionClosedOK, InvalidStatus

from binance_ws_runtime.wire.handshake import Decision
from binance_ws_runtime.wire.server import Server, ServerConnection, serve

from .framing import BINARY, CLOSE, TEXT, close_payload, frame, split_frame
from .rawpeer import GUARD

Handler = Callable[[ServerConnection], Awaitable[None]]


def accept_all(path: str, headers: Headers) -> Decision:
    return None


@asynccontextmanager
async def running(
    handler: Handler, process_request: Callable[[str, Headers], Decision] = accept_all
) -> AsyncIterator[tuple[Server, str]]:
    server = await serve(handler, "127.0.0.1", 0, process_request=process_request, close_timeout=1.0)
    try:
        yield server, f"ws://127.0.0.1:{server.port}"
    finally:
        await asyncio.wait_for(server.close(), GUARD)


async def echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


async def test_websockets_client_exchanges_text_and_binary_and_closes_cleanly() -> None:
    async with running(echo) as (_, url), connect(url + "/echo") as client:
        for message in ("hello", "\u20ac" * 10_000, b"\x00\x01\xff", b"z" * 200_000):
            await client.send(message)
            assert await asyncio.wait_for(client.recv(), GUARD) == message
        latency = await asyncio.wait_for(await client.ping(), GUARD)
        assert latency >= 0
        await client.close()
        with pytest.raises(ConnectionClosedOK) as caught:
            await client.recv()
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1000


async def test_process_request_sees_the_path_and_can_refuse_with_a_status_and_body() -> None:
    paths: list[str] = []

    def refuse_unknown(path: str, headers: Headers) -> Decision:
        paths.append(path)
        if path.startswith("/ws"):
            return None
        return 404, "application/json", '{"code":-1,"msg":"no such endpoint"}'

    async with running(echo, refuse_unknown) as (_, url):
        with pytest.raises(InvalidStatus) as caught:
            async with connect(url + "/nowhere?x=1"):
                pass
        response = caught.value.response
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert response.body is not None and b"no such endpoint" in bytes(response.body)
        async with connect(url + "/ws/btcusdt@trade") as client:
            await client.send("x")
            assert await client.recv() == "x"
    assert paths == ["/nowhere?x=1", "/ws/btcusdt@trade"]


async def test_the_server_closes_with_a_code_and_the_client_sees_it() -> None:
    async def close_at_once(connection: ServerConnection) -> None:
        await connection.close(1001, "going away")

    async with running(close_at_once) as (_, url), connect(url) as client:
        with pytest.raises(ConnectionClosedOK) as caught:
            await asyncio.wait_for(client.recv(), GUARD)
    assert caught.value.rcvd is not None
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (1001, "going away")


async def test_server_pings_are_answered_by_the_client_and_resolve() -> None:
    results: list[float] = []

    async def ping_twice(connection: ServerConnection) -> None:
        for _ in range(2):
            results.append(await asyncio.wait_for(connection.ping(), GUARD))
        await connection.send("done")
        await connection.recv()

    async with running(ping_twice) as (_, url), connect(url) as client:
        assert await asyncio.wait_for(client.recv(), GUARD) == "done"
    assert len(results) == 2


async def test_fault_switches_stop_pongs_and_silence_everything_but_close() -> None:
    async def faulty(connection: ServerConnection) -> None:
        connection.link.answer_pings = False
        await connection.send("before")
        connection.link.silent_until = asyncio.get_running_loop().time() + 60
        await connection.send("swallowed")
        await connection.recv()
        await connection.close(1000, "")

    async with running(faulty) as (_, url), connect(url) as client:
        assert await client.recv() == "before"
        pong = await client.ping()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(pong), 0.2)
        await client.send("end")
        with pytest.raises(ConnectionClosedOK):
            await asyncio.wait_for(client.recv(), GUARD)


async def test_close_drains_every_connection_and_every_handler() -> None:
    started = asyncio.Event()

    async def wait_forever(connection: ServerConnection) -> None:
        started.set()
        async for _ in connection:
            pass

    async with running(wait_forever) as (server, url), connect(url) as client:
        await asyncio.wait_for(started.wait(), GUARD)
        await asyncio.wait_for(server.close(), GUARD)
        with pytest.raises(ConnectionClosedOK) as caught:
            await asyncio.wait_for(client.recv(), GUARD)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001


async def raw_upgrade(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("ws://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /raw HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def read_one_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The server's next frame (short ones only)."""
    first, length = await asyncio.wait_for(reader.readexactly(2), GUARD)
    assert not length & 0x80 and length < 126
    return first & 0x0F, await reader.readexactly(length)


async def read_server_frames(reader: asyncio.StreamReader) -> list[tuple[int, bytes]]:
    """Every frame the server sends until it ends the connection."""
    data = await asyncio.wait_for(reader.read(), GUARD)
    frames: list[tuple[int, bytes]] = []
    while data:
        opcode, _fin, _rsv, mask, payload, data = split_frame(data)
        assert mask is None, "server frames are not masked"
        frames.append((opcode, payload))
    return frames


async def test_an_unmasked_client_frame_fails_the_connection_with_1002() -> None:
    async with running(echo) as (_, url):
        reader, writer = await raw_upgrade(url)
        writer.write(frame(TEXT, b"masked", mask=b"abcd"))
        echoed = await read_one_frame(reader)
        writer.write(frame(TEXT, b"unmasked"))
        frames = await read_server_frames(reader)
        writer.close()
    assert echoed == (TEXT, b"masked")
    assert frames == [(CLOSE, close_payload(1002, b"client frames must be masked"))]


async def test_the_server_echoes_a_client_close_and_ends_tcp() -> None:
    async with running(echo) as (_, url):
        reader, writer = await raw_upgrade(url)
        writer.write(frame(BINARY, b"\x01", mask=b"wxyz"))
        echoed = await read_one_frame(reader)
        writer.write(frame(CLOSE, close_payload(1000, b"bye"), mask=b"abcd"))
        frames = await read_server_frames(reader)
        writer.close()
    assert echoed == (BINARY, b"\x01")
    assert frames == [(CLOSE, close_payload(1000, b"bye"))], "the close echoed, then TCP ended by the server"


async def test_a_malformed_upgrade_request_gets_400() -> None:
    async with running(echo) as (_, url):
        host, port = url.removeprefix("ws://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = await asyncio.wait_for(reader.read(), GUARD)
        writer.close()
    assert response.startswith(b"HTTP/1.1 4"), response


async def test_a_client_that_drops_mid_message_ends_its_handler() -> None:
    ended = asyncio.Event()

    async def handler(connection: ServerConnection) -> None:
        try:
            async for _ in connection:
                pass
        finally:
            ended.set()

    async with running(handler) as (_, url):
        reader, writer = await raw_upgrade(url)
        writer.write(frame(TEXT, b"half a frame", mask=b"abcd")[:6])
        await writer.drain()
        writer.transport.abort()
        await asyncio.wait_for(ended.wait(), GUARD)


async def test_websockets_client_sees_an_abnormal_close_when_the_server_aborts() -> None:
    async def abort(connection: ServerConnection) -> None:
        connection.abort()

    async with running(abort) as (_, url), connect(url) as client:
        with pytest.raises(WebsocketsClosedError):
            await asyncio.wait_for(client.recv(), GUARD)
