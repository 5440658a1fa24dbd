"""What many test modules share: waits with a guard, test keys, the WS API flavours and a client session."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from binance_ws_runtime.api.client import ApiClientBase
from binance_ws_runtime.auth import BinanceAuth, generate_ed25519_keypair
from binance_ws_runtime.spec import Spec
from binance_ws_runtime.streams.client import StreamClientBase
from binance_ws_runtime.testing.server import MockServerBase

from ._transports import current_transport
from .fixtures import futures_api, futures_streams, spot_api, spot_streams

GUARD = 15.0
"""Upper bound for waits, so that a broken client fails the test instead of hanging it (not a timing check)."""

# Binance's published HMAC example key (web-socket-api.md); the secret is public, for test vectors only.
HMAC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED25519_PRIVATE, ED25519_PUBLIC = generate_ed25519_keypair()

KeyKind = Literal["ed25519", "hmac", "none"]


async def wait_until(predicate: Callable[[], bool], timeout: float = GUARD) -> None:
    """Poll ``predicate`` until it holds; fail after ``timeout`` seconds."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


def seq_of(event: Any) -> Any:
    """The ``testSeq`` marker tests add to pushed events (kept by the models as an extra field)."""
    for candidate in (event, getattr(event, "event", None)):
        extra = getattr(candidate, "model_extra", None)
        if extra and "testSeq" in extra:
            return extra["testSeq"]
    return None


def client_tasks() -> set[asyncio.Task[Any]]:
    """Running tasks other than the test itself and the mock server's own connection handlers."""
    tasks = set()
    for task in asyncio.all_tasks():
        if task is asyncio.current_task():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        filename = code.co_filename if code is not None else ""
        if "/testing/" in filename or filename.endswith(("/wire/server.py", "websockets/asyncio/server.py")):
            continue
        tasks.add(task)
    return tasks


def make_auth(server: MockServerBase, kind: KeyKind) -> BinanceAuth | None:
    """A fresh key of ``kind``, registered with ``server`` (None for ``"none"``)."""
    if kind == "none":
        return None
    api_key = secrets.token_hex(32)
    if kind == "hmac":
        secret = secrets.token_hex(32)
        server.add_key(api_key, secret_key=secret)
        return BinanceAuth(api_key, secret_key=secret)
    server.add_key(api_key, public_key_pem=ED25519_PUBLIC)
    return BinanceAuth(api_key, private_key=ED25519_PRIVATE, auth_type="ed25519")


@dataclass(frozen=True)
class ApiFlavour:
    """One WS API fixture: its spec, client class, mock server and the methods tests lean on."""

    name: str
    spec: Spec
    client: Callable[..., ApiClientBase]
    server: Callable[..., MockServerBase]
    time_method: str
    """An unsigned method without parameters (futures have no ``time``); the client syncs its clock with it."""
    signed_method: str
    """A signed method without user parameters."""


SPOT_API = ApiFlavour("spot", spot_api.SPEC, spot_api.SpotApiClient, spot_api.SpotApiMock, "time", "account.status")
FUTURES_API = ApiFlavour(
    "umfutures",
    futures_api.SPEC,
    futures_api.FuturesApiClient,
    futures_api.FuturesApiMock,
    "session.status",
    "account.status",
)
API_FLAVOURS = [pytest.param(SPOT_API, id="spot"), pytest.param(FUTURES_API, id="umfutures")]
"""Parametrize a test over both WS API fixtures where their behaviour differs (or could)."""


@asynccontextmanager
async def api_session(
    key: KeyKind = "none",
    server_options: dict[str, Any] | None = None,
    flavour: ApiFlavour = SPOT_API,
    **client_options: Any,
) -> AsyncIterator[tuple[MockServerBase, ApiClientBase]]:
    """A mock server of ``flavour`` and a connected client with a key of ``key`` registered there."""
    async with flavour.server(**(server_options or {})) as server:
        client = flavour.client(url=server.url, auth=make_auth(server, key), **client_options)
        async with client:
            yield server, client


@dataclass(frozen=True)
class StreamsFlavour:
    """One streams fixture: its spec, client class and mock server."""

    name: str
    spec: Spec
    client_class: Callable[..., StreamClientBase]
    server: Callable[..., MockServerBase]

    def client(self, **options: Any) -> StreamClientBase:
        """A client of this flavour on the transport the running test chose (see ``_transports``)."""
        options.setdefault("transport", current_transport())
        return self.client_class(**options)

    def fast_server(self) -> MockServerBase:
        """A mock without the incoming-message limit (the pacing tests use the strict default)."""
        return self.server(max_messages_per_second=None)

    def fast_client(self, server: MockServerBase, **options: Any) -> StreamClientBase:
        """A client that does not pace control messages, for a :meth:`fast_server`."""
        options.setdefault("control_messages_per_second", 1000.0)
        return self.client(url=server.url, **options)

    @property
    def futures(self) -> bool:
        return self.spec.product in ("umfutures", "cmfutures")


SPOT_STREAMS = StreamsFlavour("spot", spot_streams.SPEC, spot_streams.SpotStreamsClient, spot_streams.SpotStreamsMock)
UM_STREAMS = StreamsFlavour(
    "umfutures", futures_streams.UM_SPEC, futures_streams.UmStreamsClient, futures_streams.UmStreamsMock
)
CM_STREAMS = StreamsFlavour(
    "cmfutures", futures_streams.CM_SPEC, futures_streams.CmStreamsClient, futures_streams.CmStreamsMock
)
STREAMS_FLAVOURS = [
    pytest.param(SPOT_STREAMS, id="spot"),
    pytest.param(UM_STREAMS, id="umfutures"),
    pytest.param(CM_STREAMS, id="cmfutures"),
]
FUTURES_STREAMS = [pytest.param(UM_STREAMS, id="umfutures"), pytest.param(CM_STREAMS, id="cmfutures")]


def symbol_streams(count: int) -> list[str]:
    """``count`` distinct ``{symbol}@aggTrade`` streams (a pattern every streams fixture has)."""
    return [f"sym{index}usdt@aggTrade" for index in range(count)]


def streams_connections(server: MockServerBase) -> list[Any]:
    """The server's open market-streams connections (not its WS API ones)."""
    return [connection for connection in server.active_connections if connection.kind == "streams"]
