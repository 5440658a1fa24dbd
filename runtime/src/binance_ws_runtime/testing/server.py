"""A local Binance WebSocket server driven by this package's spec, for tests and offline bot development.

``testing.MockBinanceServer`` binds this engine to the package's ``SPEC`` and ``MOCK_DATA`` (``_mock_data.py``, what
it answers with; see :mod:`.data`). The engine speaks the protocol the way
Binance documents it and is deliberately strict, so that a client which passes against it does not lean on
leniencies the real service does not have:

* WS API (``SPEC.kind == "api"``): JSON text frames ``{id, method, params?}``; ids must be int64, a string of at
  most 36 characters from ``[A-Za-z0-9_-]`` or null; signed requests are checked (apiKey, timestamp within
  ``recvWindow`` and not 1000 ms ahead, HMAC / RSA / Ed25519 signature); ``session.logon`` (Ed25519 only),
  ``session.status`` / ``session.logout``; spot user data subscriptions (``userDataStream.subscribe``,
  ``.subscribe.signature``, ``.unsubscribe``, ``session.subscriptions``) and the futures listenKey methods
  (``userDataStream.start`` / ``ping`` / ``stop``, apiKey only).
* Market streams (``SPEC.kind == "streams"``): ``/ws``, ``/ws/<stream>[/<stream>...]``, ``/stream?streams=a/b``,
  the USD-M routed prefixes ``/public``, ``/market`` and ``/private`` (``?listenKey=&events=``), futures
  ``/ws/<listenKey>`` user data sockets, SUBSCRIBE and its siblings with Binance's 0-3 error codes, the
  1024-streams and incoming-message limits, spot ``timeUnit``; a futures streams server also answers the
  listenKey methods on the WS API path of its product (:attr:`MockServerBase.user_data_api_url`).

Replies are the reply templates of the mock data fitted to the request the way Binance answers (:mod:`.replies`:
symbol and symbols, ``limit``, ``newOrderRespType``); parameters are accepted as Binance accepts them (the spec's and
those Binance documents, numbers and booleans also as strings, lists also as JSON-encoded strings; the rules are in
:mod:`..policy`). Events are the mock data's examples. Replies can be replaced per method with
:meth:`MockServerBase.set_result` or :meth:`MockServerBase.set_handler`. Fault controls (drops, silence, unanswered
pings, malformed frames, ``serverShutdown``, delayed replies, 429/418) let tests exercise a client's resilience.

Everything the server keeps is bounded, secrets never reach its log, and :meth:`MockServerBase.stop` leaves no
task behind. The engine runs on the runtime's own WebSocket server (:mod:`..wire.server`); its jobs live in the
modules of this package: :mod:`.paths` (which endpoint a connection asks for), :mod:`.streams` (stream names and the
control protocol), :mod:`.api` (WS API requests, authentication, answers), :mod:`.replies` (answers fitted to the
request), :mod:`.sessions` (sessions, user data, listenKeys), :mod:`.events` (pushing events), :mod:`.faults` (fault
controls), on :mod:`.core` (the state they share and sending), with :mod:`.data`, :mod:`.patterns`,
:mod:`.listen_keys` and :mod:`.state`.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, TypeVar

from websockets.datastructures import Headers

from ..errors import ConnectionClosedError
from ..timeouts import wait_with_timeout
from ..wire.handshake import Decision
from ..wire.server import ServerConnection, serve
from .api import ApiRequests
from .data import MockData, MockOperation
from .faults import FaultControls
from .listen_keys import ListenKeyRegistry
from .paths import PathRouting
from .state import (
    ALL_PERMISSIONS,
    PROFILE_DEFAULT,
    Handler,
    KeyType,
    MalformedKind,
    MockConnection,
    MockReplyError,
    MockRequest,
    RegisteredKey,
    Reject,
    dumps,
    key_type_of_pem,
    redact,
    redact_path,
)

__all__ = [
    "PROFILE_DEFAULT",
    "ListenKeyRegistry",
    "MalformedKind",
    "MockData",
    "MockConnection",
    "MockOperation",
    "MockReplyError",
    "MockRequest",
    "MockServerBase",
]

_ServerT = TypeVar("_ServerT", bound="MockServerBase")


class MockServerBase(FaultControls, PathRouting, ApiRequests):
    """The mock server engine; ``testing.MockBinanceServer`` is ``MockServerBase(SPEC, MOCK_DATA, **options)``.

    ``spec`` is the package's ``SPEC`` (what the protocol is), ``data`` its ``MOCK_DATA`` (what it answers with).
    Options (all keyword):

    * ``port``: 0 picks a free port. The server always binds 127.0.0.1.
    * ``ping_interval`` / ``pong_timeout``: server heartbeat; defaults are the product's (20 s / 60 s on spot,
      180 s / 600 s on futures); ``None`` disables pings / the pong deadline.
    * ``max_messages_per_second``: incoming-message limit of a streams connection (5 spot, 10 futures by default;
      going over closes the connection); ``None`` disables it. Not applied to WS API connections unless set.
    * ``max_streams_per_connection``: the product's (1024) by default.
    * ``clock_offset_ms``: the server clock runs this far ahead of the local clock (negative: behind).
    * ``listen_keys``: a :class:`ListenKeyRegistry` to share listenKeys between an API and a streams server.
    * ``max_received``: how many client frames :attr:`received` keeps.
    * ``close_timeout``: how long a close handshake may take before the TCP connection is cut.
    """

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await serve(
            self._serve_connection,
            "127.0.0.1",
            self._requested_port,
            process_request=self._process_request,
            max_size=None,
            close_timeout=self.close_timeout,
        )
        self._port = self._server.port
        self._log.debug("mock %s %s server listening on %s", self.product, self.kind, self.url)

    async def stop(self) -> None:
        """Close every connection (1001), stop listening and wait until every handler and task has finished."""
        server = self._server
        if server is None:
            return
        self._server = None
        await server.close()
        for task in list(self._heartbeats):
            task.cancel()
        if self._heartbeats:
            await asyncio.gather(*self._heartbeats, return_exceptions=True)
        self._log.debug("mock server stopped")

    async def __aenter__(self: _ServerT) -> _ServerT:  # noqa: PYI019 (typing.Self needs Python 3.11)
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the mock server is not running; use `async with` or await start()")
        return self._port

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The URL to give the client (``url=``): the spec's first server path on this host."""
        return self.base_url + self._api_path

    @property
    def user_data_api_url(self) -> str | None:
        """Futures streams servers: where the listenKey methods (``userDataStream.start`` ...) are answered."""
        if self._listen_key_api_path is not None:
            return self.base_url + self._listen_key_api_path
        if self.kind == "api" and self._futures:
            return self.url
        return None

    def add_key(
        self,
        api_key: str,
        *,
        secret_key: str | None = None,
        public_key_pem: str | bytes | None = None,
        key_type: KeyType | None = None,
        permissions: Iterable[str] = ALL_PERMISSIONS,
    ) -> None:
        """Register an API key: an HMAC ``secret_key`` or an RSA / Ed25519 ``public_key_pem``."""
        pem = public_key_pem.decode("ascii") if isinstance(public_key_pem, bytes) else public_key_pem
        if (secret_key is None) == (pem is None):
            raise ValueError("give exactly one of secret_key (HMAC) or public_key_pem (RSA / Ed25519)")
        if pem is not None:
            detected = key_type_of_pem(pem)
            if key_type is not None and key_type != detected:
                raise ValueError(f"key_type {key_type!r} does not match the public key ({detected})")
            resolved: KeyType = detected
        else:
            if key_type not in (None, "hmac"):
                raise ValueError("a secret_key is an HMAC key; RSA and Ed25519 keys are registered by public_key_pem")
            resolved = "hmac"
        self._keys[api_key] = RegisteredKey(api_key, resolved, secret_key, pem, frozenset(permissions))
        self._revoked_keys.discard(api_key)

    def remove_key(self, api_key: str) -> None:
        self._keys.pop(api_key, None)

    def revoke_key(self, api_key: str) -> None:
        """Invalidate a key. Sessions logged on with it get a 401 (``id: null``) on their next request using it."""
        self._keys.pop(api_key, None)
        self._revoked_keys.add(api_key)

    def set_result(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result`` (a deep copy per request, as it is) instead of the fitted template."""
        self._results[method] = copy.deepcopy(result)
        self._handlers.pop(method, None)

    def set_handler(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(request)`` (sync or async); raise :class:`MockReplyError` for errors.

        Authentication and parameter checks run first; the handler only builds the result.
        """
        self._handlers[method] = handler
        self._results.pop(method, None)

    def clear_overrides(self, method: str | None = None) -> None:
        for table in (self._results, self._handlers, self._delays):
            if method is None:
                table.clear()
            else:
                table.pop(method, None)

    @property
    def received(self) -> list[Any]:
        """Client frames in arrival order (decoded JSON where possible), the last ``max_received`` of them."""
        return list(self._received)

    def requests(self, method: str) -> list[dict[str, Any]]:
        """Received request frames with this ``method``."""
        return [frame for frame in self._received if isinstance(frame, dict) and frame.get("method") == method]

    @property
    def connection_count(self) -> int:
        """Connections accepted since the server started (including closed ones)."""
        return self._connection_count

    def subscriptions(self, connection: MockConnection) -> list[str]:
        """Stream names (streams) or ``subscriptionId``s as strings (WS API) active on ``connection``."""
        if connection.kind == "streams":
            return list(connection.streams) + list(connection.listen_keys)
        return [str(subscription_id) for subscription_id in connection.user_subscriptions]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds; it is re-checked whenever a connection or frame arrives or leaves."""
        condition = self._changed
        async with condition:
            await wait_with_timeout(condition.wait_for(predicate), timeout)

    async def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Wait until ``count`` connections have been accepted in total."""
        await self.wait_for(lambda: self._connection_count >= count, timeout)

    async def wait_for_request(self, method: str, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the ``count``-th request with ``method`` and return it."""
        await self.wait_for(lambda: len(self.requests(method)) >= count, timeout)
        return self.requests(method)[count - 1]

    def _process_request(self, path: str, headers: Headers) -> Decision:
        try:
            self._route(path)
        except Reject as rejection:
            body = dumps({"code": rejection.code, "msg": rejection.msg})
            return HTTPStatus(rejection.status), "application/json", body
        return None

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        try:
            route = self._route(websocket.path)
        except Reject as rejection:
            # Accepted a moment ago, refused now (a listenKey expired in between): close as Binance would.
            await websocket.close(1008, rejection.msg[:120])
            return
        self._connection_count += 1
        connection = MockConnection(self._connection_count, websocket, route, self.server_time_ms())
        self._connections[connection.number] = connection
        # Binance counts ping and pong frames against a streams connection's incoming-message limit too.
        websocket.link.on_control_frame = lambda _opcode: self._control_frame(connection)
        self._log.debug("connection #%d opened: %s", connection.number, redact_path(connection.path))
        await self._notify()
        heartbeat = asyncio.create_task(self._heartbeat(connection)) if self.ping_interval else None
        if heartbeat is not None:
            self._heartbeats.add(heartbeat)
        try:
            async for message in websocket:
                await self._on_message(connection, message)
        except ConnectionClosedError:
            pass
        finally:
            self._connections.pop(connection.number, None)
            pending = [*connection.delayed_replies, *([heartbeat] if heartbeat is not None else [])]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            if heartbeat is not None:
                self._heartbeats.discard(heartbeat)
            self._log.debug("connection #%d closed (%s)", connection.number, websocket.close_info)
            await self._notify()

    async def _heartbeat(self, connection: MockConnection) -> None:
        interval = self.ping_interval
        assert interval is not None
        websocket = connection.websocket
        try:
            while True:
                await asyncio.sleep(interval)
                if asyncio.get_running_loop().time() < websocket.link.silent_until:
                    continue
                pong = websocket.ping()
                if self.pong_timeout is None:
                    continue
                done, _ = await asyncio.wait({pong}, timeout=self.pong_timeout)
                if not done:
                    self._log.debug("connection #%d missed the pong deadline", connection.number)
                    await websocket.close(1008, "Pong timeout")
                    return
        except ConnectionClosedError:
            return

    async def _on_message(self, connection: MockConnection, message: str | bytes) -> None:
        decoded: Any = message
        if isinstance(message, str):
            try:
                decoded = json.loads(message)
            except ValueError:
                decoded = message
        self._received.append(decoded)
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("connection #%d <- %s", connection.number, redact(decoded))
        await self._notify()
        if self._over_message_limit(connection):
            self._log.debug("connection #%d exceeded the incoming-message limit", connection.number)
            await connection.websocket.close(1008, "Too many requests")
            return
        if connection.kind == "streams":
            await self._handle_control(connection, message, decoded)
        else:
            await self._handle_api(connection, message, decoded)

    def _control_frame(self, connection: MockConnection) -> None:
        if self._over_message_limit(connection) and connection.is_open:
            self._log.debug("connection #%d exceeded the incoming-message limit with pings/pongs", connection.number)
            task = asyncio.get_running_loop().create_task(connection.websocket.close(1008, "Too many requests"))
            connection.delayed_replies.add(task)
            task.add_done_callback(connection.delayed_replies.discard)

    def _over_message_limit(self, connection: MockConnection) -> bool:
        limit = self.max_messages_per_second
        if limit is None:
            return False
        now = time.monotonic()
        recent = connection.recent_messages
        recent.append(now)
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        return len(recent) > limit
