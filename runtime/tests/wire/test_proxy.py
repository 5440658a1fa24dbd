"""Connecting through proxies: an HTTP CONNECT proxy and a SOCKS5 proxy, both local, and the environment rules."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from binance_ws_runtime.errors import ConnectionClosedError
from binance_ws_runtime.wire.opening import open_transport
from binance_ws_runtime.wire.proxy import proxy_for
from binance_ws_runtime.wire.transport import LinkOptions

from .framing import CLOSE, TEXT, close_payload, frame
from .rawpeer import GUARD, RawPeer, raw_server


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@asynccontextmanager
async def http_proxy(*, credentials: str | None = None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A CONNECT proxy on 127.0.0.1; yields its URL and the CONNECT request heads it received."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head)
        if credentials is not None:
            expected = b"Proxy-Authorization: Basic " + base64.b64encode(credentials.encode())
            if expected not in head:
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                writer.close()
                return
        target = head.split(b" ")[1].decode()
        host, _, port = target.rpartition(":")
        upstream_reader, upstream_writer = await asyncio.open_connection(host.strip("[]"), int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


@asynccontextmanager
async def socks5_proxy() -> AsyncIterator[str]:
    """A SOCKS5 proxy (no authentication, CONNECT only) on 127.0.0.1."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        await reader.readexactly(count)
        writer.write(b"\x05\x00")
        _, command, _, kind = await reader.readexactly(4)
        assert command == 1
        if kind == 1:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            raise AssertionError(f"address type {kind}")
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"socks5://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def say_hello_and_close(peer: RawPeer) -> None:
    await peer.write(frame(TEXT, b"hello through the proxy") + frame(CLOSE, close_payload(1000)))
    await peer.read_close_code()


async def open_link(url: str, messages: list[Any], proxy: Any) -> Any:
    link = await open_transport(
        "websockets",
        url,
        LinkOptions(
            ping_interval=None,
            ping_timeout=None,
            open_timeout=GUARD,
            close_timeout=2.0,
            max_size=1 << 20,
            connect_options={"proxy": proxy},
            text_as_bytes=False,
        ),
    )
    link.start_delivery(messages.append, "proxied link")
    return link


async def test_an_http_connect_proxy_tunnels_the_connection_with_its_credentials() -> None:
    messages: list[Any] = []
    async with raw_server(say_hello_and_close) as url, http_proxy(credentials="user:p@ss") as (proxy, seen):
        proxy_url = proxy.replace("http://", "http://user:p%40ss@")
        link = await open_link(url, messages, proxy_url)
        info = await asyncio.wait_for(link.wait_closed(), GUARD)
    assert messages == ["hello through the proxy"]
    assert info.clean
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert seen[0].startswith(f"CONNECT 127.0.0.1:{port} HTTP/1.1".encode())


async def test_a_proxy_refusal_is_a_clear_connection_error() -> None:
    async with raw_server(say_hello_and_close) as url, http_proxy(credentials="user:secret") as (proxy, _):
        with pytest.raises(ConnectionClosedError, match="407"):
            await open_link(url, [], proxy)


@pytest.mark.skipif(importlib.util.find_spec("python_socks") is None, reason="python-socks is not installed")
async def test_a_socks5_proxy_tunnels_the_connection() -> None:
    messages: list[Any] = []
    async with raw_server(say_hello_and_close) as url, socks5_proxy() as proxy:
        link = await open_link(url, messages, proxy)
        info = await asyncio.wait_for(link.wait_closed(), GUARD)
    assert messages == ["hello through the proxy"]
    assert info.clean


async def test_https_proxy_urls_are_refused_with_the_reason() -> None:
    async with raw_server(say_hello_and_close) as url:
        with pytest.raises(ConnectionClosedError, match="https:// proxy URLs are not supported"):
            await open_link(url, [], "https://127.0.0.1:9")


def test_proxy_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://corporate:3128")
    monkeypatch.setenv("http_proxy", "http://plain:3128")
    monkeypatch.setenv("no_proxy", "internal.example")
    assert proxy_for(True, "ws-api.binance.com", 443, True) == "http://corporate:3128"
    assert proxy_for(True, "stream.binance.com", 9443, False) == "http://plain:3128"
    assert proxy_for(True, "internal.example", 443, True) is None, "no_proxy is honoured"
    assert proxy_for(True, "127.0.0.1", 8765, True) is None, "loopback (the mock server) is never proxied"
    assert proxy_for(True, "localhost", 8765, False) is None
    assert proxy_for(True, "::1", 8765, False) is None
    assert proxy_for(False, "ws-api.binance.com", 443, True) is None
    assert proxy_for(None, "ws-api.binance.com", 443, True) is None
    assert proxy_for("socks5h://p:1080", "127.0.0.1", 1, True) == "socks5h://p:1080", "explicit wins"
    with pytest.raises(TypeError):
        proxy_for(3128, "ws-api.binance.com", 443, True)
