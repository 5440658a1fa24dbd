"""Both transports against a server that writes raw bytes: frame layouts, reads cut anywhere, control frames between
fragments, keepalive, the close handshake from either side, protocol violations and their close codes."""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from binance_ws_runtime.errors import ConnectionClosedError
from binance_ws_runtime.wire.opening import open_transport
from binance_ws_runtime.wire.transport import CloseInfo, LinkOptions, Transport

from .._transports import TRANSPORTS, current_transport, selected_transport
from .framing import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload, frame
from .rawpeer import GUARD, RawPeer, raw_server


@pytest.fixture(autouse=True, params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    with selected_transport(request.param) as name:
        yield name


def websockets_only() -> None:
    if current_transport() != "websockets":
        pytest.skip("a feature of the default transport")


async def connect(
    url: str,
    messages: list[Any],
    *,
    max_size: int = 1 << 20,
    text_as_bytes: bool = False,
    ping_interval: float | None = None,
    ping_timeout: float | None = None,
    close_timeout: float = 2.0,
    connect_options: dict[str, Any] | None = None,
) -> Transport:
    link = await open_transport(
        current_transport(),
        url,
        LinkOptions(
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            open_timeout=GUARD,
            close_timeout=close_timeout,
            max_size=max_size,
            connect_options=connect_options or {},
            text_as_bytes=text_as_bytes,
        ),
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
        await peer.write(frame(CLOSE, close_payload(1000, b"bye")))
        seen["close echo"] = await peer.read_frame()

    first = frame(TEXT, b'{"first":1}') + frame(TEXT, b'{"second":2}')
    messages: list[Any] = []
    async with raw_server(script, first_write=first) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == ['{"first":1}', '{"second":2}', big.decode(), "part 1, part 2", b"\x00\x01"]
    assert seen["pong"] == (PONG, seen["ping"])
    assert seen["close echo"] == (CLOSE, close_payload(1000, b"bye"))
    assert (info.code, info.reason, info.clean) == (1000, "bye", True)


async def test_text_as_bytes_hands_text_over_undecoded_but_checked() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, "\u20ac".encode()) + frame(CLOSE, close_payload(1001)))
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
        await peer.write(burst + frame(CLOSE, close_payload(1001, b"restart")))
        await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == [str(n) for n in range(2000)]
    assert (info.code, info.reason, info.clean) == (1001, "restart", True)


async def test_a_close_frame_without_status_is_echoed_empty_and_clean() -> None:
    seen: dict[str, Any] = {}

    async def script(peer: RawPeer) -> None:
        await peer.write(frame(CLOSE, b""))
        seen["echo"] = await peer.read_frame()

    async with raw_server(script) as url:
        link = await connect(url, [])
        info = await closed(link)
    assert seen["echo"] == (CLOSE, b"")
    assert (info.code, info.clean) == (1005, True)


async def test_client_messages_arrive_as_masked_text_frames_short_or_long() -> None:
    short, long = '{"id":1,"method":"ping"}', '{"params":"' + "\u20ac" * 30_000 + '"}'
    received: list[tuple[int, bytes]] = []

    async def script(peer: RawPeer) -> None:
        received.append(await peer.read_frame())
        received.append(await peer.read_frame())
        await peer.write(frame(CLOSE, close_payload(1000)))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        await link.send(short)
        await link.send(long)
        info = await closed(link)
    assert received == [(TEXT, short.encode()), (TEXT, long.encode())]
    assert info.clean


async def test_the_client_closes_with_a_close_frame_and_waits_for_the_server_to_end_tcp() -> None:
    seen: dict[str, Any] = {}

    async def script(peer: RawPeer) -> None:
        seen["close"] = await peer.read_frame()
        await peer.write(frame(CLOSE, close_payload(1000)))
        # The server ends TCP; the client must not have closed it before (RFC 6455 7.1.1).
        await asyncio.sleep(0.05)
        seen["client still connected"] = not peer.reader.at_eof()

    async with raw_server(script) as url:
        link = await connect(url, [])
        await asyncio.wait_for(link.close(1000, "done"), GUARD)
        info = await closed(link)
    assert seen["close"] == (CLOSE, close_payload(1000, b"done"))
    assert seen["client still connected"]
    assert (info.code, info.clean, link.is_closed) == (1000, True, True)


async def test_a_server_that_never_answers_the_close_is_cut_after_close_timeout() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.read_close_code()
        await peer.wait_for_eof()

    async with raw_server(script) as url:
        link = await connect(url, [], close_timeout=0.2)
        await asyncio.wait_for(link.close(1000, "done"), GUARD)
        info = await closed(link)
    assert not info.clean
    assert link.is_closed


async def test_server_pings_are_answered_with_their_payload_and_unsolicited_pongs_ignored() -> None:
    pongs: list[tuple[int, bytes]] = []

    async def script(peer: RawPeer) -> None:
        for payload in (b"", b"abc", os.urandom(125)):
            await peer.write(frame(PONG, b"unsolicited") + frame(PING, payload))
            opcode, echoed = await peer.read_frame()
            pongs.append((opcode, echoed))
            assert echoed == payload
        await peer.write(frame(CLOSE, close_payload(1000)))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        assert (await closed(link)).clean
    assert [opcode for opcode, _ in pongs] == [PONG, PONG, PONG]


async def test_keepalive_pings_go_out_and_a_missing_pong_fails_the_link_with_1011() -> None:
    seen: dict[str, Any] = {}

    async def script(peer: RawPeer) -> None:
        opcode, payload = await peer.read_frame()
        seen["first ping"] = (opcode, len(payload))
        await peer.write(frame(PONG, payload))
        opcode, _ = await peer.read_frame()
        seen["second ping"] = opcode
        # No pong this time: the client gives up after ping_timeout.
        seen["close code"] = await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [], ping_interval=0.05, ping_timeout=0.2, close_timeout=0.2)
        info = await closed(link)
    assert seen == {"first ping": (PING, 4), "second ping": PING, "close code": 1011}
    assert not info.clean


BAD_FRAMES = [
    pytest.param(frame(TEXT, b"x" * 2000), 1009, id="message over max_size"),
    pytest.param(frame(TEXT, b"x" * 600, fin=False) + frame(CONT, b"x" * 600), 1009, id="fragments over max_size"),
    pytest.param(frame(TEXT, b"\xff\xfe"), 1007, id="invalid UTF-8"),
    pytest.param(frame(TEXT, b"ok", fin=False) + frame(CONT, b"\xff"), 1007, id="invalid UTF-8 in fragments"),
    pytest.param(frame(CONT, b"orphan"), 1002, id="continuation without a start"),
    pytest.param(frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002, id="new message inside a fragmented one"),
    pytest.param(frame(TEXT, b"rsv", rsv=0x40), 1002, id="reserved bit"),
    pytest.param(frame(0x3, b"?"), 1002, id="reserved opcode"),
    pytest.param(frame(PING, b"p" * 126), 1002, id="control frame over 125 bytes"),
    pytest.param(frame(CLOSE, close_payload(1004)), 1002, id="reserved close code"),
    pytest.param(frame(CLOSE, close_payload(1000, b"\xff")), 1007, id="close reason not UTF-8"),
]


@pytest.mark.parametrize(("bad", "code"), BAD_FRAMES)
@pytest.mark.parametrize("text_as_bytes", [False, True])
async def test_protocol_violations_fail_the_connection_with_their_close_code(
    bad: bytes, code: int, text_as_bytes: bool
) -> None:
    seen: dict[str, int] = {}

    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"good"))
        await asyncio.sleep(0.01)
        await peer.write(bad + frame(TEXT, b"after the violation"))
        seen["code"] = await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages, max_size=1000, text_as_bytes=text_as_bytes)
        info = await closed(link)
    assert seen["code"] == code
    assert messages == [b"good" if text_as_bytes else "good"]
    assert not info.clean
    assert isinstance(info.error, ConnectionClosedError)


async def test_a_masked_server_frame_fails_the_connection() -> None:
    websockets_only()  # picows refuses it inside its C parser, without a close code we could check
    seen: dict[str, int] = {}

    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"masked", mask=b"abcd"))
        seen["code"] = await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        info = await closed(link)
    assert seen["code"] == 1002
    assert not info.clean


async def test_a_partial_frame_then_eof_is_an_abnormal_close() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"whole") + frame(TEXT, b"cut short")[:5])

    messages: list[Any] = []
    async with raw_server(script) as url:
        link = await connect(url, messages)
        info = await closed(link)
    assert messages == ["whole"]
    assert (info.code, info.clean) == (None, False)


async def test_sending_on_a_closed_link_raises_connection_closed_error() -> None:
    async def script(peer: RawPeer) -> None:
        await peer.write(frame(CLOSE, close_payload(1001, b"bye")))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        await closed(link)
        with pytest.raises(ConnectionClosedError):
            await link.send("too late")


async def test_a_refused_upgrade_names_the_http_status_and_not_the_url_secrets() -> None:
    def refuse(request: bytes) -> bytes:
        body = b'{"code":-1125,"msg":"This listenKey does not exist."}'
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    async def script(peer: RawPeer) -> None:
        return None

    secret = "Kw2yQdHHYOAlzwprJeQePLVSiUEPGdDXGNxXpApnVSfmVNJcPHqAzsjFLvwMhm"
    async with raw_server(script, response=refuse) as url:
        with pytest.raises(ConnectionClosedError) as caught:
            await connect(f"{url}/{secret}", [])
    assert "400" in str(caught.value)
    assert secret not in str(caught.value)


async def test_a_wrong_accept_key_is_refused() -> None:
    def bad_accept(request: bytes) -> bytes:
        return (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
        )

    async def script(peer: RawPeer) -> None:
        return None

    async with raw_server(script, response=bad_accept) as url:
        with pytest.raises(ConnectionClosedError):
            await connect(url, [])


async def test_the_upgrade_request_carries_our_user_agent_and_the_extra_headers() -> None:
    seen: dict[str, bytes] = {}

    async def script(peer: RawPeer) -> None:
        seen["request"] = peer.request
        await peer.write(frame(CLOSE, close_payload(1000)))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [], connect_options={"additional_headers": {"X-Test": "yes"}})
        await closed(link)
    request = seen["request"].decode().lower()
    assert "x-test: yes" in request
    assert "sec-websocket-key:" in request
    if current_transport() == "websockets":
        assert "user-agent: binance-ws-runtime/" in request
        assert "sec-websocket-extensions" not in request, "no compression unless asked for"


async def test_redirects_are_followed() -> None:
    websockets_only()

    async def script(peer: RawPeer) -> None:
        await peer.write(frame(TEXT, b"arrived") + frame(CLOSE, close_payload(1000)))
        await peer.read_close_code()

    messages: list[Any] = []
    async with raw_server(script) as target:

        def redirect(request: bytes) -> bytes:
            location = target.replace("ws://", "http://").encode()
            return b"HTTP/1.1 301 Moved Permanently\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"

        async def nothing(peer: RawPeer) -> None:
            return None

        async with raw_server(nothing, response=redirect) as first:
            link = await connect(first, messages)
            info = await closed(link)
    assert messages == ["arrived"]
    assert info.clean


async def test_unknown_connect_options_are_refused() -> None:
    async def script(peer: RawPeer) -> None:
        return None

    async with raw_server(script) as url:
        with pytest.raises(TypeError, match="not supported"):
            await connect(url, [], connect_options={"no_such_option": 1})


async def test_sending_waits_while_the_write_buffer_is_full() -> None:
    websockets_only()
    received: list[int] = []
    release = asyncio.Event()

    async def script(peer: RawPeer) -> None:
        await release.wait()
        while len(received) < 200:
            opcode, payload = await peer.read_frame()
            received.append(len(payload))
        await peer.write(frame(CLOSE, close_payload(1000)))
        await peer.read_close_code()

    async with raw_server(script) as url:
        link = await connect(url, [])
        payload = "x" * 100_000
        sender = asyncio.ensure_future(asyncio.gather(*(link.send(payload) for _ in range(200))))
        await asyncio.sleep(0.1)
        # The peer reads nothing yet: the socket's buffers fill and the senders must be waiting.
        assert not sender.done()
        release.set()
        await asyncio.wait_for(sender, GUARD)
        await closed(link)
    assert received == [100_000] * 200


async def test_permessage_deflate_on_request() -> None:
    websockets_only()
    from websockets.asyncio.server import ServerConnection, serve

    offers: list[str | None] = []

    async def echo(ws: ServerConnection) -> None:
        offers.append(ws.request.headers.get("Sec-WebSocket-Extensions") if ws.request else None)
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0) as server:
        url = f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/"
        for options in ({}, {"compression": "deflate"}):
            messages: list[Any] = []
            link = await connect(url, messages, connect_options=options)
            payload = '{"levels":"' + "0.1," * 5000 + '"}'
            await link.send(payload)
            await link.send("second")
            while len(messages) < 2:
                await asyncio.wait_for(asyncio.sleep(0.005), GUARD)
            assert messages == [payload, "second"]
            await link.close(1000, "done")
            assert (await closed(link)).clean
    assert offers[0] is None
    assert offers[1] is not None and "permessage-deflate" in offers[1]


def test_frame_helper_lays_out_a_close_payload() -> None:
    assert close_payload(1000, b"x") == struct.pack("!H", 1000) + b"x"
