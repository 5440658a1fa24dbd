"""The mock server engine (``testing.server.MockServerBase``) against plain ``websockets`` client frames.

Requests are built by hand here (not by our client), so these tests pin the wire protocol itself. Each test runs
on the fixture specs whose kind and product it concerns: the WS API and streams rules, spot and futures variants.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode

from binance_ws_runtime.auth import BinanceAuth, generate_ed25519_keypair, generate_rsa_keypair
from binance_ws_runtime.spec import Spec
from binance_ws_runtime.testing.data import MockData
from binance_ws_runtime.testing.server import MockReplyError, MockRequest, MockServerBase

from ..fixtures import futures_api, futures_streams, spot_api, spot_streams

GUARD = 10.0
"""Upper bound for waits, so that a broken server fails the test instead of hanging it (not a timing check)."""

QUIET = 0.3
"""How long a test listens to conclude that nothing arrives (silence, swallowed pongs)."""


@dataclass(frozen=True)
class MockFlavour:
    """A fixture spec the engine is bound to, as ``testing.MockBinanceServer`` binds it to a package's spec."""

    name: str
    spec: Spec
    data: MockData

    def server(self, **options: Any) -> MockServerBase:
        return MockServerBase(self.spec, self.data, **options)

    @property
    def api(self) -> bool:
        return self.spec.kind == "api"

    @property
    def streams(self) -> bool:
        return self.spec.kind == "streams"

    @property
    def futures(self) -> bool:
        return self.spec.product in ("umfutures", "cmfutures")

    @property
    def spot(self) -> bool:
        return self.spec.product == "spot"


SPOT_API = MockFlavour("spot-api", spot_api.SPEC, spot_api.MOCK_DATA)
FUTURES_API = MockFlavour("umfutures-api", futures_api.SPEC, futures_api.MOCK_DATA)
SPOT_STREAMS = MockFlavour("spot-streams", spot_streams.SPEC, spot_streams.MOCK_DATA)
UM_STREAMS = MockFlavour("umfutures-streams", futures_streams.UM_SPEC, futures_streams.MOCK_DATA)
CM_STREAMS = MockFlavour("cmfutures-streams", futures_streams.CM_SPEC, futures_streams.MOCK_DATA)
DATA = {id(flavour.spec): flavour.data for flavour in (SPOT_API, FUTURES_API, SPOT_STREAMS, UM_STREAMS, CM_STREAMS)}


def flavours(*chosen: MockFlavour) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("flavour", chosen, ids=[flavour.name for flavour in chosen])


every_kind = flavours(SPOT_API, FUTURES_API, SPOT_STREAMS, UM_STREAMS)
api_only = flavours(SPOT_API, FUTURES_API)
streams_only = flavours(SPOT_STREAMS, UM_STREAMS, CM_STREAMS)
futures_streams_only = flavours(UM_STREAMS, CM_STREAMS)

HMAC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED_KEY = "edKey4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R"
RSA_KEY = "rsaKeyCAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc"
UNKNOWN_KEY = "unknownKeyZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"

_ED_PRIVATE, _ED_PUBLIC = generate_ed25519_keypair()
_RSA_KEYS: list[tuple[str, str]] = []

AUTO: Any = object()
"""Peer.call / Peer.control: pick the next integer id."""

SESSION_METHODS = {
    "session.logon",
    "session.status",
    "session.logout",
    "session.subscriptions",
    "userDataStream.subscribe",
    "userDataStream.subscribe.signature",
    "userDataStream.unsubscribe",
    "userDataStream.start",
    "userDataStream.ping",
    "userDataStream.stop",
}


def rsa_keys() -> tuple[str, str]:
    if not _RSA_KEYS:
        _RSA_KEYS.append(generate_rsa_keypair())
    return _RSA_KEYS[0]


def hmac_auth() -> BinanceAuth:
    return BinanceAuth(HMAC_KEY, secret_key=HMAC_SECRET)


def ed_auth() -> BinanceAuth:
    return BinanceAuth(ED_KEY, private_key=_ED_PRIVATE, auth_type="ed25519")


def rsa_auth() -> BinanceAuth:
    return BinanceAuth(RSA_KEY, private_key=rsa_keys()[0], auth_type="rsa")


def register_keys(server: MockServerBase, *, rsa_key: bool = False) -> None:
    server.add_key(HMAC_KEY, secret_key=HMAC_SECRET)
    server.add_key(ED_KEY, public_key_pem=_ED_PUBLIC)
    if rsa_key:
        server.add_key(RSA_KEY, public_key_pem=rsa_keys()[1], key_type="rsa")


def operations(spec: Spec, *, signed: bool) -> list[str]:
    """Plain request operations of the spec (no stream control, session or user data methods)."""
    return [
        method
        for method, op in spec.operations.items()
        if op.channel_method is None and method not in SESSION_METHODS and op.signed == signed
    ]


def base_params(spec: Spec, method: str) -> dict[str, Any]:
    """The required non-auth params of ``method``, with the mock data's example values."""
    op = spec.operations[method]
    example = DATA[id(spec)].params(method)
    params: dict[str, Any] = {}
    for param in op.params:
        if param.required and not param.auth:
            value = example.get(param.wire_name) if isinstance(example, dict) else None
            params[param.wire_name] = value if value is not None else "1"
    return params


def signed_method(spec: Spec) -> str:
    candidates = operations(spec, signed=True)
    if not candidates:
        pytest.skip("the spec has no signed request operation")
    return min(candidates, key=lambda method: (len(base_params(spec, method)), method))


def public_method(spec: Spec) -> str:
    candidates = [method for method in operations(spec, signed=False) if not spec.operations[method].api_key]
    if not candidates:
        pytest.skip("the spec has no public request operation")
    with_examples = [method for method in candidates if DATA[id(spec)].result(method) is not None]
    return min(with_examples or candidates, key=lambda method: (len(base_params(spec, method)), method))


def simple_method(spec: Spec) -> str:
    """A request operation that needs as little as possible: public if the spec has one, else signed."""
    candidates = [method for method in operations(spec, signed=False) if not spec.operations[method].api_key]
    if candidates:
        return public_method(spec)
    return signed_method(spec)


def request_params(spec: Spec, method: str) -> dict[str, Any]:
    """Params that make ``method`` succeed: the required ones, signed with the HMAC key when it is signed."""
    params = base_params(spec, method)
    return signed(hmac_auth(), params) if spec.operations[method].signed else params


class Peer:
    """A raw websocket client: sends JSON frames, reads JSON frames, nothing else."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._next_id = 0

    async def send(self, frame: Any) -> None:
        await self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def recv(self, timeout: float = GUARD) -> Any:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return json.loads(raw)

    async def recv_raw(self, timeout: float = GUARD) -> str | bytes:
        return await asyncio.wait_for(self.ws.recv(), timeout)

    async def nothing_arrives(self) -> bool:
        try:
            await asyncio.wait_for(self.ws.recv(), QUIET)
        except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
            return True
        return False

    async def call(self, method: str, params: dict[str, Any] | None = None, *, request_id: Any = AUTO) -> Any:
        if request_id is AUTO:
            self._next_id += 1
            request_id = self._next_id
        frame: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            frame["params"] = params
        await self.send(frame)
        return await self.recv()

    async def control(self, method: str, params: Any = None, *, request_id: Any = AUTO) -> Any:
        if request_id is AUTO:
            self._next_id += 1
            request_id = self._next_id
        frame: dict[str, Any] = {"method": method, "id": request_id}
        if params is not None:
            frame["params"] = params
        await self.send(frame)
        return await self.recv()

    async def close_code(self) -> int | None:
        """Wait for the server to end the connection; the close code the client saw (1006: no close frame)."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), GUARD)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006


class FrameReader:
    """A hand-made websocket client that reads every frame the server sent before its close frame.

    websockets before 14.2 drops the messages still queued when a close frame arrives; the burst-then-close
    tests need all of them, whatever websockets version runs the suite.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url: str) -> FrameReader:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), GUARD)
        assert response.split(b"\r\n", 1)[0].split(b" ")[1] == b"101", response
        return cls(reader, writer)

    async def send_text(self, frame: Any) -> None:
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        self.writer.write(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        """The server's next frame (unmasked, unfragmented): (opcode, payload)."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), GUARD)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def recv(self) -> Any:
        opcode, payload = await self.read_frame()
        assert opcode == 0x1, opcode
        return json.loads(payload)

    async def messages_until_close(self) -> tuple[list[Any], int]:
        """The text messages before the server's close frame, and the close code."""
        messages: list[Any] = []
        while True:
            opcode, payload = await self.read_frame()
            if opcode == 0x8:
                self.writer.close()
                return messages, struct.unpack("!H", payload[:2])[0]
            if opcode == 0x1:
                messages.append(json.loads(payload))


async def open_peer(url: str) -> Peer:
    ws = await connect(url, ping_interval=None, open_timeout=GUARD, max_queue=2**16)
    return Peer(ws)


def default_url(server: MockServerBase) -> str:
    return server.url if server.kind == "api" else server.base_url + "/ws"


@pytest_asyncio.fixture
async def server(flavour: MockFlavour) -> AsyncIterator[MockServerBase]:
    async with flavour.server(ping_interval=None, max_messages_per_second=None) as mock:
        register_keys(mock)
        yield mock


@pytest_asyncio.fixture
async def peer(server: MockServerBase) -> AsyncIterator[Peer]:
    client = await open_peer(default_url(server))
    yield client
    await client.ws.close()


def signed(auth: BinanceAuth, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return auth.create_signed_params(params or {})


def error_code(reply: Any) -> int:
    assert "error" in reply, reply
    code = reply["error"]["code"]
    assert isinstance(code, int)
    return code


# ----------------------------------------------------------------------------------------------------------------
# Both kinds
# ----------------------------------------------------------------------------------------------------------------


@every_kind
async def test_url_points_at_the_spec_path(flavour: MockFlavour, server: MockServerBase) -> None:
    assert server.url.startswith("ws://127.0.0.1:")
    if flavour.api:
        path = flavour.spec.servers[0].url.split("://", 1)[1].partition("/")[2]
        assert server.url.endswith("/" + path.rstrip("/"))
    else:
        assert server.url == server.base_url


@every_kind
async def test_unknown_path_is_refused_in_the_handshake(flavour: MockFlavour, server: MockServerBase) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(server.base_url + "/no/such/endpoint", open_timeout=GUARD)
    assert refused.value.response.status_code == 404


@every_kind
async def test_counts_and_lists_connections(flavour: MockFlavour, server: MockServerBase) -> None:
    first = await open_peer(default_url(server))
    second = await open_peer(default_url(server))
    await server.wait_for(lambda: len(server.active_connections) == 2, GUARD)
    assert server.connection_count == 2
    await first.ws.close()
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert server.connection_count == 2
    await second.ws.close()


@every_kind
async def test_drop_all_cuts_tcp_without_close_frame(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert await server.drop_all() == 1
    assert await peer.close_code() == 1006


@every_kind
async def test_close_all_sends_the_code(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    await server.close_all(code=1001, reason="going away")
    assert await peer.close_code() == 1001


@every_kind
async def test_server_shutdown_event(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert await server.send_server_shutdown() == 1
    frame = await peer.recv()
    event = frame["event"] if flavour.api else frame
    assert event["e"] == "serverShutdown"
    assert isinstance(event["E"], int)
    if flavour.api:
        assert set(frame) == {"event"}


@every_kind
@pytest.mark.parametrize("kind", ["not_json", "binary", "unknown_event", "invalid_payload"])
async def test_send_malformed(flavour: MockFlavour, server: MockServerBase, peer: Peer, kind: Any) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert await server.send_malformed(kind) == 1
    raw = await peer.recv_raw()
    if kind == "binary":
        assert isinstance(raw, bytes)
        return
    assert isinstance(raw, str)
    if kind == "not_json":
        with pytest.raises(ValueError):
            json.loads(raw)
        return
    frame = json.loads(raw)
    event = frame.get("event", frame) if flavour.api else frame
    if kind == "unknown_event":
        assert event["e"] == "mockUnknownEvent"
    else:
        assert isinstance(event["E"], str)


@every_kind
async def test_stop_answering_pings_swallows_pongs(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    await asyncio.wait_for(await peer.ws.ping(b"before"), GUARD)
    server.stop_answering_pings()
    pong = await peer.ws.ping(b"during")
    done, _ = await asyncio.wait({asyncio.ensure_future(pong)}, timeout=QUIET)
    assert not done
    server.resume_answering_pings()
    await asyncio.wait_for(await peer.ws.ping(b"after"), GUARD)


@every_kind
async def test_go_silent_drops_replies_then_recovers(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    server.go_silent(QUIET * 2)
    probe: dict[str, Any] = {"method": "LIST_SUBSCRIPTIONS", "id": 7}
    if flavour.api:
        method = simple_method(flavour.spec)
        probe = {"id": 7, "method": method, "params": request_params(flavour.spec, method)}
    await peer.send(probe)
    assert await peer.nothing_arrives()
    assert probe in server.received
    pong = await peer.ws.ping()
    done, _ = await asyncio.wait({asyncio.ensure_future(pong)}, timeout=QUIET)
    assert not done
    await asyncio.sleep(QUIET * 2)
    probe["id"] = 8
    if flavour.api:
        probe["params"] = request_params(flavour.spec, probe["method"])
    await peer.send(probe)
    reply = await peer.recv()
    assert reply["id"] == 8


@every_kind
async def test_heartbeat_pings_and_closes_without_pong(flavour: MockFlavour) -> None:
    async with flavour.server(ping_interval=0.05, pong_timeout=1.0, max_messages_per_second=None) as mock:
        answering = await open_peer(default_url(mock))
        mute = await open_peer(default_url(mock))
        protocol = mute.ws.protocol
        original = protocol.send_frame

        def drop_pongs(frame: Frame) -> None:
            if frame.opcode is not Opcode.PONG:
                original(frame)

        protocol.send_frame = drop_pongs  # type: ignore[method-assign]
        assert await mute.close_code() == 1008
        assert answering.ws.state.name == "OPEN"
        await answering.ws.close()


@every_kind
async def test_stop_is_clean_and_idempotent(flavour: MockFlavour) -> None:
    mock = flavour.server(ping_interval=0.05)
    await mock.start()
    client = await open_peer(default_url(mock))
    await mock.wait_for(lambda: len(mock.active_connections) == 1, GUARD)
    await mock.stop()
    assert await client.close_code() == 1001
    await mock.stop()
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    assert leftovers == []


@every_kind
async def test_received_is_bounded(flavour: MockFlavour) -> None:
    async with flavour.server(ping_interval=None, max_messages_per_second=None, max_received=3) as mock:
        client = await open_peer(default_url(mock))
        for number in range(6):
            await client.send({"id": number, "method": "nope"})
            await client.recv()
        assert [frame["id"] for frame in mock.received] == [3, 4, 5]
        await client.ws.close()


# ----------------------------------------------------------------------------------------------------------------
# WS API: framing
# ----------------------------------------------------------------------------------------------------------------


@api_only
async def test_public_request_answers_with_the_reply_template(
    flavour: MockFlavour, server: MockServerBase, peer: Peer
) -> None:
    method = public_method(flavour.spec)
    params = base_params(flavour.spec, method)
    reply = await peer.call(method, params or None, request_id="d3df8a61-98ea-4fe0-8f4e-0fcea5d418b0")
    assert reply["id"] == "d3df8a61-98ea-4fe0-8f4e-0fcea5d418b0"
    assert reply["status"] == 200
    if method == "time":
        assert isinstance(reply["result"], dict) and isinstance(reply["result"]["serverTime"], int)
    elif flavour.data.result(method) is not None and not params:
        assert reply["result"] == flavour.data.result(method)
    assert reply["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"
    assert server.requests(method)[-1]["id"] == reply["id"]


@api_only
async def test_result_and_handler_overrides(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    method = simple_method(flavour.spec)
    params = request_params(flavour.spec, method)
    server.set_result(method, {"overridden": True})
    assert (await peer.call(method, params))["result"] == {"overridden": True}

    seen: list[MockRequest] = []

    async def handler(request: MockRequest) -> Any:
        seen.append(request)
        if len(seen) > 1:
            raise MockReplyError(-1121, "Invalid symbol.")
        return [1, 2, 3]

    server.set_handler(method, handler)
    assert (await peer.call(method, params))["result"] == [1, 2, 3]
    failed = await peer.call(method, params)
    assert failed["status"] == 400 and error_code(failed) == -1121
    assert seen[0].method == method
    assert seen[0].api_key == (HMAC_KEY if flavour.spec.operations[method].signed else None)
    server.clear_overrides(method)
    assert (await peer.call(method, params))["status"] == 200


@api_only
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", -1135),
        (b"\x01\x02", -1135),
        ("[1, 2]", -1135),
        ({"method": "ping"}, -1102),
        ({"id": 1.5, "method": "ping"}, -1100),
        ({"id": True, "method": "ping"}, -1100),
        ({"id": "x" * 37, "method": "ping"}, -1100),
        ({"id": "has space", "method": "ping"}, -1100),
        ({"id": 2**63, "method": "ping"}, -1100),
        ({"id": 1}, -1102),
        ({"id": 1, "method": "no.such.method"}, -1020),
        ({"id": 1, "method": "ping", "params": [1]}, -1135),
        ({"id": 1, "method": "ping", "extra": 1}, -1135),
    ],
)
async def test_malformed_requests_are_rejected(flavour: MockFlavour, peer: Peer, frame: Any, code: int) -> None:
    await peer.send(frame)
    reply = await peer.recv()
    assert reply["status"] == 400
    assert error_code(reply) == code
    if isinstance(frame, dict) and type(frame.get("id")) is int and frame["id"] == 1:
        assert reply["id"] == 1
    else:
        assert reply["id"] is None


@api_only
@pytest.mark.parametrize("request_id", [None, 0, -5, 2**63 - 1, "abc-DEF_123", "a" * 36])
async def test_valid_request_ids_are_echoed(flavour: MockFlavour, peer: Peer, request_id: Any) -> None:
    method = simple_method(flavour.spec)
    reply = await peer.call(method, request_params(flavour.spec, method), request_id=request_id)
    assert reply["status"] == 200
    assert reply["id"] == request_id
    if request_id is None:
        assert "id" in reply


@api_only
async def test_parameter_checks(flavour: MockFlavour, peer: Peer) -> None:
    method = simple_method(flavour.spec)
    params = base_params(flavour.spec, method)
    with_null = {**params, "symbol": None}
    assert error_code(await peer.call(method, with_null)) == -1102
    if flavour.spec.operations[method].params:
        assert error_code(await peer.call(method, {**params, "noSuchParam": "1"})) == -1103
    required = [p.wire_name for p in flavour.spec.operations[method].params if p.required and not p.auth]
    if required:
        trimmed = {name: value for name, value in params.items() if name != required[0]}
        reply = await peer.call(method, trimmed)
        assert error_code(reply) == -1102
        assert required[0] in reply["error"]["msg"]


@flavours(SPOT_API)
async def test_requests_as_binance_reads_them(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    """Parameters Binance documents beyond the spec's, numbers and booleans as strings, lists as JSON strings."""
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1", "price": "2"}
    documented = {"icebergQty": "0.1", "strategyId": "5", "pegPriceType": "PRIMARY_PEG", "returnRateLimits": "false"}
    reply = await peer.call("order.place", signed(hmac_auth(), {**order, **documented}))
    assert reply["status"] == 200 and "rateLimits" not in reply
    assert error_code(await peer.call("order.place", signed(hmac_auth(), {**order, "bogus": "1"}))) == -1103

    ack = await peer.call("order.place", signed(hmac_auth(), {**order, "newOrderRespType": "ACK"}))
    assert set(ack["result"]) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    stop = await peer.call("order.place", signed(hmac_auth(), {**order, "type": "STOP_LOSS", "newClientOrderId": "c1"}))
    assert stop["result"]["clientOrderId"] == "c1" and set(stop["result"]) == set(ack["result"])

    prices = await peer.call("ticker.price", {"symbols": '["BTCUSDT","ETHBTC"]'})
    assert [item["symbol"] for item in prices["result"]] == ["BTCUSDT", "ETHBTC"]
    one = await peer.call("ticker.price", {"symbol": "ETHBTC"})
    assert one["result"]["symbol"] == "ETHBTC"
    book = await peer.call("depth", {"symbol": "BTCUSDT", "limit": "3"})
    assert len(book["result"]["bids"]) == len(book["result"]["asks"]) == 3
    assert all(len(level) == 2 for level in book["result"]["bids"] + book["result"]["asks"])


@api_only
async def test_return_rate_limits_can_be_switched_off(flavour: MockFlavour, server: MockServerBase) -> None:
    method = simple_method(flavour.spec)
    client = await open_peer(server.url + "?returnRateLimits=false")
    reply = await client.call(method, request_params(flavour.spec, method))
    assert reply["status"] == 200 and "rateLimits" not in reply
    await client.ws.close()
    other = await open_peer(server.url)
    params = request_params(flavour.spec, method)
    if "signature" in params:
        params = signed(hmac_auth(), {**base_params(flavour.spec, method), "returnRateLimits": False})
    else:
        params["returnRateLimits"] = False
    reply = await other.call(method, params)
    assert reply["status"] == 200
    assert "rateLimits" not in reply
    await other.ws.close()


@api_only
async def test_time_unit_query(flavour: MockFlavour, server: MockServerBase) -> None:
    if not flavour.spot:
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.url + "?timeUnit=MICROSECOND", open_timeout=GUARD)
        assert refused.value.response.status_code == 400
        return
    with pytest.raises(InvalidStatus):
        await connect(server.url + "?timeUnit=NANOSECOND", open_timeout=GUARD)
    client = await open_peer(server.url + "?timeUnit=MICROSECOND")
    if "time" in flavour.spec.operations:
        reply = await client.call("time")
        assert reply["result"]["serverTime"] > 10**15
    await client.ws.close()


# ----------------------------------------------------------------------------------------------------------------
# WS API: signatures and timing
# ----------------------------------------------------------------------------------------------------------------


@api_only
@pytest.mark.parametrize("key_type", ["hmac", "rsa", "ed25519"])
async def test_signed_request_with_each_key_type(
    flavour: MockFlavour, server: MockServerBase, peer: Peer, key_type: str
) -> None:
    register_keys(server, rsa_key=True)
    auth = {"hmac": hmac_auth, "rsa": rsa_auth, "ed25519": ed_auth}[key_type]()
    method = signed_method(flavour.spec)
    reply = await peer.call(method, signed(auth, base_params(flavour.spec, method)))
    assert reply["status"] == 200, reply

    tampered = signed(auth, base_params(flavour.spec, method))
    tampered["timestamp"] += 1
    assert error_code(await peer.call(method, tampered)) == -1022


@api_only
async def test_signature_failures(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    method = signed_method(flavour.spec)
    params = base_params(flavour.spec, method)
    unknown = BinanceAuth(UNKNOWN_KEY, secret_key=HMAC_SECRET)
    reply = await peer.call(method, signed(unknown, params))
    assert reply["status"] == 400 and error_code(reply) == -2015

    wrong_secret = BinanceAuth(HMAC_KEY, secret_key="not-the-secret")
    assert error_code(await peer.call(method, signed(wrong_secret, params))) == -1022

    for missing in ("signature", "timestamp", "apiKey"):
        incomplete = {k: v for k, v in signed(hmac_auth(), params).items() if k != missing}
        reply = await peer.call(method, incomplete)
        assert error_code(reply) == -1102, missing
        assert missing in reply["error"]["msg"]

    public = public_method(flavour.spec)
    assert error_code(await peer.call(public, {**base_params(flavour.spec, public), **signed(hmac_auth())})) == -1103


@api_only
async def test_timestamp_window(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    method = signed_method(flavour.spec)
    params = base_params(flavour.spec, method)
    now = int(time.time() * 1000)
    auth = hmac_auth()
    stale = signed(auth, {**params, "timestamp": now - 6000})
    assert error_code(await peer.call(method, stale)) == -1021
    widened = signed(auth, {**params, "timestamp": now - 6000, "recvWindow": 10000})
    assert (await peer.call(method, widened))["status"] == 200
    ahead = signed(auth, {**params, "timestamp": now + 1500})
    reply = await peer.call(method, ahead)
    assert error_code(reply) == -1021 and "ahead" in reply["error"]["msg"]
    too_wide = signed(auth, {**params, "recvWindow": 60001})
    assert error_code(await peer.call(method, too_wide)) == -1131
    # Binance reads numbers sent as strings (binance-sdk-spot sends every number but the timestamp that way).
    as_text = signed(auth, {**params, "timestamp": str(int(time.time() * 1000))})
    assert (await peer.call(method, as_text))["status"] == 200
    not_a_number = signed(auth, {**params, "timestamp": "now"})
    assert error_code(await peer.call(method, not_a_number)) == -1102
    if flavour.spot:
        micro = signed(auth, {**params, "timestamp": int(time.time() * 1_000_000)})
        assert (await peer.call(method, micro))["status"] == 200
        decimal_window = signed(auth, {**params, "recvWindow": "6000.346"})
        assert (await peer.call(method, decimal_window))["status"] == 200


@api_only
async def test_server_clock_offset(flavour: MockFlavour, peer: Peer) -> None:
    async with flavour.server(ping_interval=None, clock_offset_ms=-10_000) as skewed:
        register_keys(skewed)
        client = await open_peer(skewed.url)
        method = signed_method(flavour.spec)
        reply = await client.call(method, signed(hmac_auth(), base_params(flavour.spec, method)))
        assert error_code(reply) == -1021
        pinned = signed(hmac_auth(), {**base_params(flavour.spec, method), "timestamp": skewed.server_time_ms()})
        assert (await client.call(method, pinned))["status"] == 200
        await client.ws.close()


@flavours(FUTURES_API)
async def test_futures_decimals_must_be_strings(flavour: MockFlavour, peer: Peer) -> None:
    method = public_method(flavour.spec)
    reply = await peer.call(method, {**base_params(flavour.spec, method), "limit": 1.5})
    assert error_code(reply) == -1100


@api_only
async def test_permissions_are_enforced(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    trade = [m for m in operations(flavour.spec, signed=True) if flavour.spec.operations[m].security == "TRADE"]
    if not trade:
        pytest.skip("no TRADE operation")
    method = min(trade, key=lambda m: (len(base_params(flavour.spec, m)), m))
    server.add_key(HMAC_KEY, secret_key=HMAC_SECRET, permissions={"USER_DATA"})
    assert error_code(await peer.call(method, signed(hmac_auth(), base_params(flavour.spec, method)))) == -2015


# ----------------------------------------------------------------------------------------------------------------
# WS API: sessions
# ----------------------------------------------------------------------------------------------------------------


@api_only
async def test_session_logon_status_logout(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    status = await peer.call("session.status")
    assert status["result"]["apiKey"] is None
    logon = await peer.call("session.logon", signed(ed_auth()))
    assert logon["status"] == 200, logon
    assert logon["result"]["apiKey"] == ED_KEY
    assert isinstance(logon["result"]["authorizedSince"], int)
    assert ("userDataStream" in logon["result"]) == flavour.spot

    method = signed_method(flavour.spec)
    params = base_params(flavour.spec, method)
    reply = await peer.call(method, {**params, "timestamp": int(time.time() * 1000)})
    assert reply["status"] == 200, reply
    assert error_code(await peer.call(method, params)) == -1102
    overridden = await peer.call(method, signed(BinanceAuth(HMAC_KEY, secret_key="wrong"), params))
    assert error_code(overridden) == -1022

    assert (await peer.call("session.status"))["result"]["apiKey"] == ED_KEY
    logout = await peer.call("session.logout")
    assert logout["result"]["apiKey"] is None
    assert error_code(await peer.call(method, {**params, "timestamp": int(time.time() * 1000)})) == -1102


@api_only
@pytest.mark.parametrize("key_type", ["hmac", "rsa"])
async def test_session_logon_refuses_non_ed25519_keys(
    flavour: MockFlavour, server: MockServerBase, peer: Peer, key_type: str
) -> None:
    register_keys(server, rsa_key=True)
    auth = hmac_auth() if key_type == "hmac" else rsa_auth()
    reply = await peer.call("session.logon", signed(auth))
    assert reply["status"] == 400
    assert error_code(reply) == (-1002 if flavour.futures else -2028)
    assert (await peer.call("session.status"))["result"]["apiKey"] is None


@api_only
async def test_logon_needs_its_own_signature(flavour: MockFlavour, peer: Peer) -> None:
    assert (await peer.call("session.logon", signed(ed_auth())))["status"] == 200
    reply = await peer.call("session.logon", {"timestamp": int(time.time() * 1000)})
    assert error_code(reply) == -1102


@api_only
async def test_revoked_session_key_gets_401_with_null_id(
    flavour: MockFlavour, server: MockServerBase, peer: Peer
) -> None:
    assert (await peer.call("session.logon", signed(ed_auth())))["status"] == 200
    server.revoke_key(ED_KEY)
    method = signed_method(flavour.spec)
    revoked = await peer.call(method, {**base_params(flavour.spec, method), "timestamp": int(time.time() * 1000)})
    assert revoked == {
        "id": None,
        "status": 401,
        "error": {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    }
    assert (await peer.call("session.status"))["result"]["apiKey"] is None


# ----------------------------------------------------------------------------------------------------------------
# WS API: user data
# ----------------------------------------------------------------------------------------------------------------


@flavours(SPOT_API)
async def test_spot_user_data_subscriptions(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    refused = await peer.call("userDataStream.subscribe")
    assert refused["status"] == 400 and error_code(refused) == -1193

    assert (await peer.call("session.logon", signed(ed_auth())))["status"] == 200
    first = await peer.call("userDataStream.subscribe")
    assert first["result"] == {"subscriptionId": 0}
    assert error_code(await peer.call("userDataStream.subscribe")) == -2035

    assert (await server.push_user_event(event_type="executionReport")) == 1
    pushed = await peer.recv()
    assert pushed["subscriptionId"] == 0
    assert pushed["event"]["e"] == "executionReport"

    second = await peer.call("userDataStream.subscribe.signature", signed(hmac_auth()))
    assert second["result"] == {"subscriptionId": 1}
    listing = await peer.call("session.subscriptions")
    assert listing["result"] == [{"subscriptionId": 0}, {"subscriptionId": 1}]
    assert (await peer.call("session.status"))["result"]["userDataStream"] is True

    assert await server.push_user_event({"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "1.0"}, api_key=HMAC_KEY) == 1
    assert (await peer.recv())["subscriptionId"] == 1

    assert error_code(await peer.call("userDataStream.unsubscribe", {"subscriptionId": "one"})) == -1102
    # An INT parameter as a numeric string, as binance-sdk-spot sends every number.
    unsubscribed = await peer.call("userDataStream.unsubscribe", {"subscriptionId": "1"})
    assert unsubscribed["result"] == {}
    terminated = await peer.recv()
    assert terminated["subscriptionId"] == 1 and terminated["event"]["e"] == "eventStreamTerminated"
    assert error_code(await peer.call("userDataStream.unsubscribe", {"subscriptionId": 1})) == -2036

    await peer.send({"id": "out", "method": "session.logout"})
    assert (await peer.recv())["id"] == "out"
    ended = await peer.recv()
    assert ended == {"subscriptionId": 0, "event": {"e": "eventStreamTerminated", "E": ended["event"]["E"]}}
    assert await server.push_user_event() == 0
    third = await peer.call("userDataStream.subscribe.signature", signed(registered_rsa_auth(server)))
    assert third["result"] == {"subscriptionId": 2}


def registered_rsa_auth(server: MockServerBase) -> BinanceAuth:
    register_keys(server, rsa_key=True)
    return rsa_auth()


@api_only
async def test_futures_listen_key_methods(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    if not flavour.futures:
        reply = await peer.call("userDataStream.start", {"apiKey": HMAC_KEY})
        assert error_code(reply) == -1020
        return
    assert server.user_data_api_url == server.url
    started = await peer.call("userDataStream.start", {"apiKey": HMAC_KEY})
    key = started["result"]["listenKey"]
    assert re.fullmatch(r"[A-Za-z0-9]{64}", key)
    assert (await peer.call("userDataStream.start", {"apiKey": HMAC_KEY}))["result"]["listenKey"] == key
    assert (await peer.call("userDataStream.ping", {"apiKey": HMAC_KEY}))["result"] == {"listenKey": key}
    assert error_code(await peer.call("userDataStream.start", signed(hmac_auth()))) == -1103
    assert error_code(await peer.call("userDataStream.start", {"apiKey": UNKNOWN_KEY})) == -2015
    assert error_code(await peer.call("userDataStream.start")) == -1102
    assert (await peer.call("userDataStream.stop", {"apiKey": HMAC_KEY}))["result"] == {}
    assert error_code(await peer.call("userDataStream.ping", {"apiKey": HMAC_KEY})) == -1125
    assert key not in server.listen_keys


# ----------------------------------------------------------------------------------------------------------------
# WS API: faults
# ----------------------------------------------------------------------------------------------------------------


@api_only
@pytest.mark.parametrize(("status", "code"), [(429, -1003), (418, -1003)])
async def test_fail_next_with_retry_after(
    flavour: MockFlavour, server: MockServerBase, peer: Peer, status: int, code: int
) -> None:
    method = simple_method(flavour.spec)
    params = request_params(flavour.spec, method)
    server.fail_next(method, status=status, code=code, retry_after_ms=30_000)
    failed = await peer.call(method, params)
    assert failed["status"] == status and error_code(failed) == code
    data = failed["error"]["data"]
    assert data["retryAfter"] - data["serverTime"] == 30_000
    if status == 418:
        assert "banned until" in failed["error"]["msg"]
    assert (await peer.call(method, params))["status"] == 200


@api_only
async def test_fail_next_any_method_several_times(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    method = simple_method(flavour.spec)
    params = request_params(flavour.spec, method)
    server.fail_next(status=429, code=-1015, retry_after_ms=None, times=2)
    for _ in range(2):
        failed = await peer.call(method, params)
        assert failed["status"] == 429 and "retryAfter" not in failed["error"]["data"]
    assert (await peer.call(method, params))["status"] == 200


@api_only
async def test_delayed_reply_lets_later_requests_overtake(
    flavour: MockFlavour, server: MockServerBase, peer: Peer
) -> None:
    slow = simple_method(flavour.spec)
    server.delay_method(slow, QUIET)
    await peer.send({"id": "slow", "method": slow, "params": request_params(flavour.spec, slow)})
    await peer.send({"id": "fast", "method": "no.such.method"})
    assert (await peer.recv())["id"] == "fast"
    assert (await peer.recv())["id"] == "slow"
    server.delay_method(slow, 0)


@flavours(SPOT_API)
async def test_close_all_after_burst_delivers_user_events_first(flavour: MockFlavour, server: MockServerBase) -> None:
    client = await FrameReader.open(server.url)
    await client.send_text({"id": 1, "method": "userDataStream.subscribe.signature", "params": signed(hmac_auth())})
    assert (await client.recv())["status"] == 200
    assert await server.close_all(code=1001, after_burst=5) == 5
    events, code = await client.messages_until_close()
    assert len(events) == 5 and all(event["subscriptionId"] == 0 for event in events)
    assert code == 1001


@api_only
async def test_logs_never_carry_secrets(
    flavour: MockFlavour, server: MockServerBase, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    method = signed_method(flavour.spec)
    params = signed(hmac_auth(), base_params(flavour.spec, method))
    await peer.call(method, params)
    text = caplog.text
    assert HMAC_KEY not in text and HMAC_SECRET not in text and params["signature"] not in text


# ----------------------------------------------------------------------------------------------------------------
# Market streams
# ----------------------------------------------------------------------------------------------------------------


_SAMPLE_VALUES = {
    "symbol": "btcusdt",
    "pair": "btcusdt",
    "interval": "1m",
    "levels": "5",
    "speed": "100ms",
    "windowSize": "1h",
    "contractType": "perpetual",
}


def stream_names(spec: Spec) -> list[str]:
    """One valid stream name per pattern of the spec (examples where they are valid, else filled templates)."""
    names: list[str] = []
    for pattern in spec.stream_patterns:
        candidate = pattern.template
        for param in pattern.params:
            candidate = candidate.replace("{" + param + "}", _SAMPLE_VALUES.get(param, "1s"))
        names.append(candidate)
    return list(dict.fromkeys(names))


def symbol_stream(spec: Spec, symbol: str = "btcusdt") -> str:
    for pattern in spec.stream_patterns:
        if pattern.params == ("symbol",):
            return pattern.template.replace("{symbol}", symbol)
    pytest.skip("the spec has no {symbol}-only stream")


@streams_only
async def test_every_stream_pattern_has_an_example_event(flavour: MockFlavour, server: MockServerBase) -> None:
    assert stream_names(flavour.spec), "a streams spec declares stream patterns"
    for name in stream_names(flavour.spec):
        server.example_event(name)
    with pytest.raises(ValueError):
        server.example_event("BTCUSDT@noSuchStream")


@streams_only
async def test_raw_stream_delivers_bare_payloads(flavour: MockFlavour, server: MockServerBase) -> None:
    name = symbol_stream(flavour.spec)
    client = await open_peer(f"{server.base_url}/ws/{name}")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert server.subscriptions(server.active_connections[0]) == [name]
    assert await server.emit(name) == 1
    payload = await client.recv()
    expected = server.example_event(name)
    assert type(payload) is type(expected)
    if isinstance(payload, dict):
        assert set(payload) == set(expected)
        if "s" in payload:
            assert payload["s"] == "BTCUSDT"
    assert await server.emit(name, {"custom": 1}) == 1
    assert await client.recv() == {"custom": 1}
    await client.ws.close()


@streams_only
async def test_combined_stream_wraps_payloads(flavour: MockFlavour, server: MockServerBase) -> None:
    names = stream_names(flavour.spec)[:2]
    client = await open_peer(f"{server.base_url}/stream?streams={'/'.join(names)}")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    for name in names:
        assert await server.emit(name) == 1
        frame = await client.recv()
        assert set(frame) == {"stream", "data"} and frame["stream"] == name
    assert await server.emit(symbol_stream(flavour.spec, "ethusdt")) == 0
    await client.ws.close()


@streams_only
async def test_subscribe_list_unsubscribe(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    names = stream_names(flavour.spec)[:3]
    assert await peer.control("SUBSCRIBE", names, request_id=1) == {"result": None, "id": 1}
    listing = await peer.control("LIST_SUBSCRIPTIONS", request_id=2)
    assert listing == {"result": names, "id": 2}
    assert await server.emit(names[0]) == 1
    payload = await peer.recv()
    assert not (isinstance(payload, dict) and set(payload) == {"stream", "data"})
    assert await peer.control("UNSUBSCRIBE", names[:1], request_id=3) == {"result": None, "id": 3}
    assert (await peer.control("LIST_SUBSCRIPTIONS", request_id=4))["result"] == names[1:]
    assert await server.emit(names[0]) == 0


@streams_only
async def test_set_and_get_combined_property(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    name = symbol_stream(flavour.spec)
    await peer.control("SUBSCRIBE", [name])
    assert (await peer.control("GET_PROPERTY", ["combined"]))["result"] is False
    assert (await peer.control("SET_PROPERTY", ["combined", True]))["result"] is None
    assert (await peer.control("GET_PROPERTY", ["combined"]))["result"] is True
    await server.emit(name)
    assert (await peer.recv())["stream"] == name


@streams_only
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", 3),
        ({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"]}, 2),
        ({"method": "subscribe", "params": [], "id": 1}, 2),
        ({"params": [], "id": 1}, 2),
        ({"method": "SUBSCRIBE", "params": ["not a stream"], "id": 1}, 2),
        ({"method": "SUBSCRIBE", "params": ["BTCUSDT@NOPE"], "id": 1}, 2),
        ({"method": "SUBSCRIBE", "id": 1}, 2),
        ({"method": "SET_PROPERTY", "params": ["colour", True], "id": 1}, 0),
        ({"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 1}, 1),
        ({"method": "SET_PROPERTY", "params": [5, True], "id": 1}, 2),
        ({"method": "SET_PROPERTY", "params": ["combined", True, 1], "id": 1}, 2),
        ({"method": "GET_PROPERTY", "params": ["colour"], "id": 1}, 0),
        ({"method": "LIST_SUBSCRIPTIONS", "params": ["x"], "id": 1}, 2),
        ({"method": "LIST_SUBSCRIPTIONS", "id": 1.5}, 2),
        ({"method": "LIST_SUBSCRIPTIONS", "id": True}, 2),
    ],
)
async def test_control_errors(flavour: MockFlavour, peer: Peer, frame: Any, code: int) -> None:
    await peer.send(frame)
    reply = await peer.recv()
    assert set(reply) == {"error", "id"}
    assert reply["error"]["code"] == code
    assert isinstance(reply["error"]["msg"], str)
    assert "status" not in reply


@streams_only
async def test_control_id_types(flavour: MockFlavour, peer: Peer) -> None:
    for request_id in ("abc123", None, -1):
        await peer.send({"method": "LIST_SUBSCRIPTIONS", "id": request_id})
        reply = await peer.recv()
        if flavour.futures:
            assert reply["error"]["code"] == 2 and "unsigned integer" in reply["error"]["msg"]
        else:
            assert reply == {"result": [], "id": request_id}
    assert await peer.control("LIST_SUBSCRIPTIONS", request_id=2**64 - 1 if flavour.futures else 2**63 - 1) == {
        "result": [],
        "id": 2**64 - 1 if flavour.futures else 2**63 - 1,
    }


@streams_only
async def test_stream_limit_per_connection(flavour: MockFlavour, server: MockServerBase, peer: Peer) -> None:
    assert server.max_streams_per_connection == 1024
    names = [symbol_stream(flavour.spec, f"s{number}usdt") for number in range(1024)]
    assert (await peer.control("SUBSCRIBE", names))["result"] is None
    over = await peer.control("SUBSCRIBE", [symbol_stream(flavour.spec, "overusdt")])
    assert over["error"]["code"] == 2
    assert len((await peer.control("LIST_SUBSCRIPTIONS"))["result"]) == 1024


@streams_only
async def test_stream_limit_in_the_url(flavour: MockFlavour) -> None:
    async with flavour.server(ping_interval=None, max_streams_per_connection=2) as mock:
        names = [symbol_stream(flavour.spec, f"s{number}usdt") for number in range(3)]
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"{mock.base_url}/stream?streams={'/'.join(names)}", open_timeout=GUARD)
        assert refused.value.response.status_code == 400


@streams_only
async def test_invalid_stream_in_the_url_is_refused(flavour: MockFlavour, server: MockServerBase) -> None:
    with pytest.raises(InvalidStatus):
        await connect(f"{server.base_url}/ws/BTCUSDT@nothing", open_timeout=GUARD)


@streams_only
async def test_incoming_message_limit_closes_the_connection(flavour: MockFlavour) -> None:
    async with flavour.server(ping_interval=None) as default:
        assert default.max_messages_per_second == (10.0 if flavour.futures else 5.0)
    async with flavour.server(ping_interval=None, max_messages_per_second=2) as mock:
        client = await open_peer(mock.base_url + "/ws")
        for number in range(3):
            await client.send({"method": "LIST_SUBSCRIPTIONS", "id": number})
        assert await client.close_code() == 1008


@streams_only
async def test_time_unit_on_streams(flavour: MockFlavour, server: MockServerBase) -> None:
    name = symbol_stream(flavour.spec)
    if not flavour.spot:
        with pytest.raises(InvalidStatus):
            await connect(f"{server.base_url}/ws/{name}?timeUnit=MICROSECOND", open_timeout=GUARD)
        return
    with pytest.raises(InvalidStatus):
        await connect(f"{server.base_url}/ws/{name}?timeUnit=SECOND", open_timeout=GUARD)
    client = await open_peer(f"{server.base_url}/ws/{name}?timeUnit=MICROSECOND")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    await server.emit(name, {"e": "trade", "E": 1_700_000_000_000, "s": "BTCUSDT"})
    assert (await client.recv())["E"] == 1_700_000_000_000_000
    await client.ws.close()


@streams_only
async def test_combined_server_shutdown_and_burst_then_close(flavour: MockFlavour, server: MockServerBase) -> None:
    name = symbol_stream(flavour.spec)
    client = await FrameReader.open(f"{server.base_url}/stream?streams={name}")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    await server.send_server_shutdown()
    shutdown = await client.recv()
    assert shutdown["stream"] == "!serverShutdown" and shutdown["data"]["e"] == "serverShutdown"
    assert await server.close_all(code=1001, after_burst=4) == 4
    frames, code = await client.messages_until_close()
    assert [frame["stream"] for frame in frames] == [name] * 4
    assert code == 1001


# ----------------------------------------------------------------------------------------------------------------
# Futures user data over the streams service (listenKey)
# ----------------------------------------------------------------------------------------------------------------


async def start_listen_key(server: MockServerBase) -> str:
    assert server.user_data_api_url is not None
    api = await open_peer(server.user_data_api_url)
    reply = await api.call("userDataStream.start", {"apiKey": HMAC_KEY})
    await api.ws.close()
    key = reply["result"]["listenKey"]
    assert isinstance(key, str)
    return key


@futures_streams_only
async def test_listen_key_socket_receives_bare_user_events(flavour: MockFlavour, server: MockServerBase) -> None:
    key = await start_listen_key(server)
    client = await open_peer(f"{server.base_url}/ws/{key}")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert await server.push_user_event(event_type="ORDER_TRADE_UPDATE") == 1
    event = await client.recv()
    assert event["e"] == "ORDER_TRADE_UPDATE" and "subscriptionId" not in event
    assert await server.push_user_event(event_type="ACCOUNT_UPDATE", api_key=UNKNOWN_KEY) == 0
    assert await server.expire_listen_key(key) == 1
    expired = await client.recv()
    assert expired["e"] == "listenKeyExpired" and expired["listenKey"] == key
    assert await server.push_user_event() == 0
    with pytest.raises(InvalidStatus):
        await connect(f"{server.base_url}/ws/{key}", open_timeout=GUARD)
    await client.ws.close()


@futures_streams_only
async def test_listen_key_on_a_combined_connection(flavour: MockFlavour, server: MockServerBase) -> None:
    key = await start_listen_key(server)
    name = symbol_stream(flavour.spec)
    client = await open_peer(f"{server.base_url}/stream?streams={name}/{key}")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    await server.push_user_event({"e": "ACCOUNT_UPDATE", "E": 1})
    assert await client.recv() == {"stream": key, "data": {"e": "ACCOUNT_UPDATE", "E": 1}}
    await client.ws.close()


@futures_streams_only
async def test_listen_key_api_on_the_streams_server_serves_only_listen_key_methods(
    flavour: MockFlavour, server: MockServerBase
) -> None:
    assert server.user_data_api_url is not None
    api = await open_peer(server.user_data_api_url)
    assert error_code(await api.call("order.place", {"symbol": "BTCUSDT"})) == -1020
    assert error_code(await api.call("userDataStream.ping", {"apiKey": HMAC_KEY})) == -1125
    await api.ws.close()


@flavours(UM_STREAMS)
async def test_usdm_private_route_filters_events(flavour: MockFlavour, server: MockServerBase) -> None:
    key = await start_listen_key(server)
    client = await open_peer(f"{server.base_url}/private/ws?listenKey={key}&events=ORDER_TRADE_UPDATE/listenKeyExpired")
    await server.wait_for(lambda: len(server.active_connections) == 1, GUARD)
    assert await server.push_user_event({"e": "ACCOUNT_UPDATE", "E": 1}) == 0
    assert await server.push_user_event({"e": "ORDER_TRADE_UPDATE", "E": 2}) == 1
    assert (await client.recv())["E"] == 2
    market = await open_peer(f"{server.base_url}/market/stream?streams={symbol_stream(flavour.spec)}")
    await server.wait_for(lambda: len(server.active_connections) == 2, GUARD)
    assert await server.emit(symbol_stream(flavour.spec)) == 1
    assert (await market.recv())["stream"] == symbol_stream(flavour.spec)
    await client.ws.close()
    await market.ws.close()


@flavours(SPOT_STREAMS)
async def test_spot_streams_have_no_listen_key_api(flavour: MockFlavour, server: MockServerBase) -> None:
    assert server.user_data_api_url is None
    with pytest.raises(ValueError):
        server.example_user_event()
    assert server.example_user_event("anything")["e"] == "anything"
