"""What every part of the mock server engine shares: its state (spec, mock data, keys, overrides, connections,
listenKeys) and the basics of sending to a connection. The parts build on it: :mod:`.streams`, :mod:`.paths`,
:mod:`.events`, :mod:`.faults`, :mod:`.sessions`, :mod:`.api`; :class:`~.server.MockServerBase` puts them together."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConnectionClosedError
from ..policy import MAX_SUBSCRIPTION_IDS, is_futures, profile_for
from ..spec import Spec
from ..wire.server import Server
from .data import MockData
from .listen_keys import ListenKeyRegistry
from .patterns import compile_pattern
from .state import PROFILE_DEFAULT, Failure, Handler, MockConnection, ProfileDefault, RegisteredKey, dumps, scale_times

__all__ = ["MockServerCore"]


class MockServerCore:
    """The engine's state and its way to send a frame; options are documented on :class:`~.server.MockServerBase`."""

    def __init__(
        self,
        spec: Spec,
        data: MockData,
        *,
        port: int = 0,
        ping_interval: float | None | ProfileDefault = PROFILE_DEFAULT,
        pong_timeout: float | None | ProfileDefault = PROFILE_DEFAULT,
        max_messages_per_second: float | None | ProfileDefault = PROFILE_DEFAULT,
        max_streams_per_connection: int | ProfileDefault = PROFILE_DEFAULT,
        clock_offset_ms: int = 0,
        listen_keys: ListenKeyRegistry | None = None,
        max_received: int = 10_000,
        close_timeout: float = 2.0,
        logger: logging.Logger | None = None,
    ) -> None:
        self.spec = spec
        self.data = data
        self.product = spec.product
        self.kind = spec.kind
        self._futures = is_futures(spec.product)
        profile = profile_for(spec.product)
        self._profile = profile
        self.ping_interval = (
            profile.server_ping_interval if isinstance(ping_interval, ProfileDefault) else ping_interval
        )
        self.pong_timeout = profile.silence_timeout if isinstance(pong_timeout, ProfileDefault) else pong_timeout
        if isinstance(max_messages_per_second, ProfileDefault):
            limit = profile.max_incoming_messages_per_second
            self.max_messages_per_second: float | None = limit if spec.kind == "streams" else None
        else:
            self.max_messages_per_second = max_messages_per_second
        self.max_streams_per_connection = (
            profile.max_streams_per_connection
            if isinstance(max_streams_per_connection, ProfileDefault)
            else max_streams_per_connection
        )
        self.clock_offset_ms = clock_offset_ms
        self.listen_keys = listen_keys if listen_keys is not None else ListenKeyRegistry()
        self.close_timeout = close_timeout
        self.max_subscription_ids = MAX_SUBSCRIPTION_IDS
        self._requested_port = port
        self._log = logger or logging.getLogger(__name__)

        self._keys: dict[str, RegisteredKey] = {}
        self._revoked_keys: set[str] = set()
        self._results: dict[str, Any] = {}
        self._handlers: dict[str, Handler] = {}
        self._delays: dict[str, float] = {}
        self._failures: dict[str | None, Failure] = {}
        self._received: deque[Any] = deque(maxlen=max_received)
        self._connections: dict[int, MockConnection] = {}
        self._connection_count = 0
        self._changed = asyncio.Condition()
        self._server: Server | None = None
        self._port: int | None = None
        self._heartbeats: set[asyncio.Task[None]] = set()

        self._patterns = sorted(
            (compile_pattern(pattern) for pattern in spec.stream_patterns),
            key=lambda compiled: -compiled.specificity,
        )
        first_server = spec.servers[0].url if spec.servers else ""
        path = urlsplit(first_server).path.rstrip("/")
        self._api_path = path if spec.kind == "api" else ""
        user_api = profile.user_data_api_url if self._futures and spec.kind == "streams" else None
        self._listen_key_api_path = urlsplit(user_api).path.rstrip("/") if user_api else None

    def server_time_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.clock_offset_ms

    @property
    def active_connections(self) -> list[MockConnection]:
        return list(self._connections.values())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, connection: MockConnection, frame: Any) -> bool:
        if connection.time_unit == "us":
            frame = scale_times(frame, 1000)
        try:
            await connection.websocket.send(dumps(frame))
        except ConnectionClosedError:
            return False
        return True
