"""A local Binance WebSocket server driven by this package's spec, for tests and offline bot development.

``testing.MockBinanceServer`` binds this engine to the package's ``SPEC``. The engine speaks the protocol the way
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

Replies and events are assembled from the examples of the spec (``OperationSpec.example_result``,
``EventSpec.example``) and can be replaced per method with :meth:`MockServerBase.set_result` or
:meth:`MockServerBase.set_handler`. Fault controls (drops, silence, unanswered pings, malformed frames,
``serverShutdown``, delayed replies, 429/418) let tests exercise a client's resilience.

Everything the server keeps is bounded, secrets never reach its log, and :meth:`MockServerBase.stop` leaves no
task behind.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import inspect
import json
import logging
import re
import secrets
import string
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, TypeAlias, TypeVar
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from websockets.datastructures import Headers

from ..auth import build_signature_payload, verify_signature
from ..errors import ConnectionClosedError
from ..policy import profile_for
from ..spec import EventSpec, OperationSpec, Spec, StreamPatternSpec
from ..timeouts import wait_with_timeout
from ..wire.handshake import Decision
from ..wire.server import Server, ServerConnection, serve

__all__ = [
    "ListenKeyRegistry",
    "MockConnection",
    "MockReplyError",
    "MockRequest",
    "MockServerBase",
]

KeyType: TypeAlias = Literal["hmac", "rsa", "ed25519"]
MalformedKind: TypeAlias = Literal["not_json", "binary", "unknown_event", "invalid_payload"]
ConnectionKind: TypeAlias = Literal["api", "streams"]
Handler: TypeAlias = Callable[["MockRequest"], Any]

ALL_PERMISSIONS: frozenset[str] = frozenset({"TRADE", "USER_DATA", "USER_STREAM"})

_MAX_INT64 = 2**63 - 1
_MAX_UINT64 = 2**64 - 1
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_REQUEST_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$"
_LISTEN_KEY_ALPHABET = string.ascii_letters + string.digits
_STREAM_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_TIME_UNITS = {"MILLISECOND": "ms", "millisecond": "ms", "MICROSECOND": "us", "microsecond": "us"}
# Fields that carry epoch milliseconds in JSON results and events; rescaled for timeUnit=MICROSECOND connections.
_TIME_FIELDS = frozenset(
    {
        "E",
        "T",
        "O",
        "W",
        "serverTime",
        "transactTime",
        "workingTime",
        "time",
        "updateTime",
        "authorizedSince",
        "connectedSince",
        "openTime",
        "closeTime",
    }
)
_AUTH_PARAMS = frozenset({"apiKey", "signature", "timestamp", "recvWindow"})
_ALWAYS_ALLOWED_PARAMS = frozenset({"returnRateLimits"})
_CONTROL_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_USM_ROUTES = ("public", "market", "private")
_LISTEN_KEY_TTL = 3600.0
_DEFAULT_RECV_WINDOW = 5000
_MAX_RECV_WINDOW = 60000
_FUTURE_TOLERANCE_MS = 1000
_MAX_DELAYED_REPLIES = 256

_MSG_INVALID_KEY = "Invalid API-key, IP, or permissions for action."
_MSG_BAD_SIGNATURE = "Signature for this request is not valid."


class _Default(enum.Enum):
    PROFILE = "profile"


PROFILE_DEFAULT = _Default.PROFILE
"""Use the product's documented value (heartbeat interval, pong deadline, incoming-message limit)."""


class MockReplyError(Exception):
    """Raise from a handler (see :meth:`MockServerBase.set_handler`) to answer with a Binance error reply."""

    def __init__(self, code: int, msg: str, *, status: int = 400, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.data = dict(data) if data is not None else None


@dataclass(frozen=True)
class _RegisteredKey:
    api_key: str
    key_type: KeyType
    secret_key: str | None = field(default=None, repr=False)
    public_key_pem: str | None = field(default=None, repr=False)
    permissions: frozenset[str] = ALL_PERMISSIONS


@dataclass
class _UserSubscription:
    subscription_id: int
    api_key: str
    via_logon: bool


@dataclass
class _ListenKey:
    key: str
    api_key: str
    expires_at: float
    active: bool = True


class ListenKeyRegistry:
    """Futures listenKeys (60 minute validity, one per API key). Share one between an API and a streams server."""

    def __init__(self, ttl: float = _LISTEN_KEY_TTL) -> None:
        self.ttl = ttl
        self._by_key: dict[str, _ListenKey] = {}
        self._by_api_key: dict[str, str] = {}

    def start(self, api_key: str) -> str:
        """The account's active key, extended, or a new one (Binance returns the same key while it lives)."""
        current = self.key_for(api_key)
        if current is not None:
            self._by_key[current].expires_at = time.monotonic() + self.ttl
            return current
        key = "".join(secrets.choice(_LISTEN_KEY_ALPHABET) for _ in range(64))
        self.add(key, api_key)
        return key

    def add(self, key: str, api_key: str = "") -> None:
        previous = self._by_api_key.get(api_key)
        if previous is not None and api_key:
            self._by_key.pop(previous, None)
        self._by_key[key] = _ListenKey(key, api_key, time.monotonic() + self.ttl)
        self._by_api_key[api_key] = key

    def keepalive(self, api_key: str) -> str | None:
        key = self.key_for(api_key)
        if key is not None:
            self._by_key[key].expires_at = time.monotonic() + self.ttl
        return key

    def key_for(self, api_key: str) -> str | None:
        key = self._by_api_key.get(api_key)
        return key if key is not None and self.is_active(key) else None

    def api_key_of(self, key: str) -> str | None:
        entry = self._by_key.get(key)
        return entry.api_key if entry is not None else None

    def is_active(self, key: str) -> bool:
        entry = self._by_key.get(key)
        return entry is not None and entry.active and time.monotonic() < entry.expires_at

    def invalidate(self, key: str) -> bool:
        entry = self._by_key.pop(key, None)
        if entry is None:
            return False
        if self._by_api_key.get(entry.api_key) == key:
            del self._by_api_key[entry.api_key]
        return True

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.is_active(key)


@dataclass(frozen=True)
class _Route:
    kind: ConnectionKind
    combined: bool = False
    streams: tuple[str, ...] = ()
    listen_keys: tuple[str, ...] = ()
    event_filter: frozenset[str] | None = None
    time_unit: Literal["ms", "us"] = "ms"
    return_rate_limits: bool = True
    listen_key_api_only: bool = False


class MockConnection:
    """Server-side state of one client connection (exposed for assertions)."""

    def __init__(self, number: int, websocket: ServerConnection, route: _Route, now_ms: int) -> None:
        self.number = number
        self.websocket = websocket
        self.kind: ConnectionKind = route.kind
        self.path: str = websocket.path
        self.combined = route.combined
        self.streams: dict[str, None] = dict.fromkeys(route.streams)
        self.listen_keys: dict[str, None] = dict.fromkeys(route.listen_keys)
        self.event_filter = route.event_filter
        self.time_unit = route.time_unit
        self.return_rate_limits = route.return_rate_limits
        self.listen_key_api_only = route.listen_key_api_only
        self.connected_since = now_ms
        self.logged_on_key: str | None = None
        self.authorized_since: int | None = None
        self.user_subscriptions: dict[int, _UserSubscription] = {}
        self.next_subscription_id = 0
        self.request_weight = 0
        self.recent_messages: deque[float] = deque()
        self.delayed_replies: set[asyncio.Task[None]] = set()

    @property
    def is_open(self) -> bool:
        return self.websocket.is_open

    def __repr__(self) -> str:
        return f"<MockConnection #{self.number} {self.kind} {self.path!r}>"


@dataclass
class MockRequest:
    """What a custom handler receives: the decoded request and the connection it came on."""

    id: Any
    method: str
    params: dict[str, Any]
    connection: MockConnection
    api_key: str | None
    """The key the request was authenticated with (its own apiKey, or the session's), if any."""
    server: MockServerBase


_ServerT = TypeVar("_ServerT", bound="MockServerBase")
_Followups: TypeAlias = "list[tuple[MockConnection, Any]]"
_Outcome: TypeAlias = "tuple[Any, _Followups]"
_BuiltinMethod: TypeAlias = "Callable[[MockRequest], _Outcome]"


@dataclass
class _Failure:
    status: int
    code: int
    retry_after_ms: int | None
    remaining: int


class _Reject(Exception):
    def __init__(self, code: int, msg: str, status: int = 400, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.data = data


class _SessionRevoked(Exception):
    """The session's key was revoked: Binance answers with a 401 carrying ``id: null`` instead of a reply."""


class _ControlError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


@dataclass(frozen=True)
class _CompiledPattern:
    spec: StreamPatternSpec
    regex: re.Pattern[str]
    specificity: int


@dataclass(frozen=True)
class _Security:
    signed: bool
    api_key: bool
    permission: str | None
    own_credentials: bool = False
    """The request must carry its own apiKey and signature even on a logged-on session."""


# Protocol facts win over the spec's security markings for these methods (see binance-ws-protocol.md 3.1, 4.1).
_BUILTIN_SECURITY: dict[str, _Security] = {
    "session.logon": _Security(signed=True, api_key=True, permission=None, own_credentials=True),
    "session.status": _Security(signed=False, api_key=False, permission=None),
    "session.logout": _Security(signed=False, api_key=False, permission=None),
    "session.subscriptions": _Security(signed=False, api_key=False, permission=None),
    "userDataStream.subscribe": _Security(signed=False, api_key=False, permission=None),
    "userDataStream.subscribe.signature": _Security(
        signed=True, api_key=True, permission="USER_STREAM", own_credentials=True
    ),
    "userDataStream.unsubscribe": _Security(signed=False, api_key=False, permission=None),
    "userDataStream.start": _Security(signed=False, api_key=True, permission="USER_STREAM"),
    "userDataStream.ping": _Security(signed=False, api_key=True, permission="USER_STREAM"),
    "userDataStream.stop": _Security(signed=False, api_key=True, permission="USER_STREAM"),
}
_SPOT_USER_DATA_METHODS = frozenset(
    {"userDataStream.subscribe", "userDataStream.subscribe.signature", "userDataStream.unsubscribe"}
)
_LISTEN_KEY_METHODS = frozenset({"userDataStream.start", "userDataStream.ping", "userDataStream.stop"})
_BUILTIN_PARAMS: dict[str, frozenset[str]] = {
    "session.logon": frozenset({"apiKey", "signature", "timestamp", "recvWindow"}),
    "userDataStream.subscribe.signature": frozenset({"apiKey", "signature", "timestamp", "recvWindow"}),
    "session.status": frozenset(),
    "session.logout": frozenset(),
    "session.subscriptions": frozenset(),
    "userDataStream.subscribe": frozenset(),
    "userDataStream.unsubscribe": frozenset({"subscriptionId"}),
    "userDataStream.start": frozenset({"apiKey"}),
    "userDataStream.ping": frozenset({"apiKey"}),
    "userDataStream.stop": frozenset({"apiKey"}),
}
_SESSION_METHODS = frozenset({"session.logon", "session.status", "session.logout"})
_SPOT_SESSION_METHODS = _SESSION_METHODS | {
    "session.subscriptions",
    "userDataStream.subscribe",
    "userDataStream.subscribe.signature",
    "userDataStream.unsubscribe",
}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            key: ("<redacted>" if key in ("apiKey", "signature", "listenKey") else _redact(value))
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [_redact(item) for item in obj]
    return obj


def _scale_times(obj: Any, factor: int) -> Any:
    if isinstance(obj, dict):
        return {
            key: (
                value * factor
                if key in _TIME_FIELDS and isinstance(value, int) and not isinstance(value, bool)
                else _scale_times(value, factor)
            )
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [_scale_times(item, factor) for item in obj]
    return obj


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key_type_of_pem(public_key_pem: str) -> KeyType:
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    raise ValueError("public_key_pem must hold an RSA or Ed25519 public key")


def _compile_pattern(pattern: StreamPatternSpec) -> _CompiledPattern:
    parts: list[str] = []
    position = 0
    literal_length = 0
    for match in _STREAM_PLACEHOLDER.finditer(pattern.template):
        literal = pattern.template[position : match.start()]
        parts.append(re.escape(literal))
        literal_length += len(literal)
        parts.append(f"(?P<{match.group(1)}>[^@/\\s]+)")
        position = match.end()
    tail = pattern.template[position:]
    parts.append(re.escape(tail))
    literal_length += len(tail)
    return _CompiledPattern(pattern, re.compile("^" + "".join(parts) + "$"), literal_length)


class MockServerBase:
    """The mock server engine; ``testing.MockBinanceServer`` is this class bound to the package's ``SPEC``.

    Options (all keyword):

    * ``port``: 0 picks a free port. The server always binds 127.0.0.1.
    * ``ping_interval`` / ``pong_timeout``: server heartbeat; defaults are the product's (20 s / 60 s on spot,
      180 s / 600 s on futures); ``None`` disables pings / the pong deadline.
    * ``max_messages_per_second``: incoming-message limit of a streams connection (5 spot, 10 futures by default;
      going over closes the connection); ``None`` disables it. Not applied to WS API connections unless set.
    * ``max_streams_per_connection``: 1024 by default.
    * ``clock_offset_ms``: the server clock runs this far ahead of the local clock (negative: behind).
    * ``listen_keys``: a :class:`ListenKeyRegistry` to share listenKeys between an API and a streams server.
    * ``max_received``: how many client frames :attr:`received` keeps.
    * ``close_timeout``: how long a close handshake may take before the TCP connection is cut.
    """

    def __init__(
        self,
        spec: Spec,
        *,
        port: int = 0,
        ping_interval: float | None | _Default = PROFILE_DEFAULT,
        pong_timeout: float | None | _Default = PROFILE_DEFAULT,
        max_messages_per_second: float | None | _Default = PROFILE_DEFAULT,
        max_streams_per_connection: int = 1024,
        clock_offset_ms: int = 0,
        listen_keys: ListenKeyRegistry | None = None,
        max_received: int = 10_000,
        close_timeout: float = 2.0,
        logger: logging.Logger | None = None,
    ) -> None:
        self.spec = spec
        self.product = spec.product
        self.kind = spec.kind
        self._futures = spec.product in ("umfutures", "cmfutures")
        profile = profile_for(spec.product)
        self._profile = profile
        self.ping_interval = profile.server_ping_interval if isinstance(ping_interval, _Default) else ping_interval
        self.pong_timeout = profile.silence_timeout if isinstance(pong_timeout, _Default) else pong_timeout
        if isinstance(max_messages_per_second, _Default):
            self.max_messages_per_second: float | None = (
                (10.0 if self._futures else 5.0) if spec.kind == "streams" else None
            )
        else:
            self.max_messages_per_second = max_messages_per_second
        self.max_streams_per_connection = max_streams_per_connection
        self.clock_offset_ms = clock_offset_ms
        self.listen_keys = listen_keys if listen_keys is not None else ListenKeyRegistry()
        self.close_timeout = close_timeout
        self.max_subscription_ids = 65_535
        self._requested_port = port
        self._log = logger or logging.getLogger(__name__)

        self._keys: dict[str, _RegisteredKey] = {}
        self._revoked_keys: set[str] = set()
        self._results: dict[str, Any] = {}
        self._handlers: dict[str, Handler] = {}
        self._delays: dict[str, float] = {}
        self._failures: dict[str | None, _Failure] = {}
        self._received: deque[Any] = deque(maxlen=max_received)
        self._connections: dict[int, MockConnection] = {}
        self._connection_count = 0
        self._changed = asyncio.Condition()
        self._server: Server | None = None
        self._port: int | None = None
        self._heartbeats: set[asyncio.Task[None]] = set()

        self._patterns = sorted(
            (_compile_pattern(pattern) for pattern in spec.stream_patterns),
            key=lambda compiled: -compiled.specificity,
        )
        self._events_by_name: dict[str, EventSpec] = {event.name: event for event in spec.events}
        first_server = spec.servers[0].url if spec.servers else ""
        path = urlsplit(first_server).path.rstrip("/")
        self._api_path = path if spec.kind == "api" else ""
        user_api = profile.user_data_api_url if self._futures and spec.kind == "streams" else None
        self._listen_key_api_path = urlsplit(user_api).path.rstrip("/") if user_api else None

    # ------------------------------------------------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------------------------------------------------

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

    # ------------------------------------------------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------------------------------------------------

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
            detected = _key_type_of_pem(pem)
            if key_type is not None and key_type != detected:
                raise ValueError(f"key_type {key_type!r} does not match the public key ({detected})")
            resolved: KeyType = detected
        else:
            if key_type not in (None, "hmac"):
                raise ValueError("a secret_key is an HMAC key; RSA and Ed25519 keys are registered by public_key_pem")
            resolved = "hmac"
        self._keys[api_key] = _RegisteredKey(api_key, resolved, secret_key, pem, frozenset(permissions))
        self._revoked_keys.discard(api_key)

    def remove_key(self, api_key: str) -> None:
        self._keys.pop(api_key, None)

    def revoke_key(self, api_key: str) -> None:
        """Invalidate a key. Sessions logged on with it get a 401 (``id: null``) on their next request using it."""
        self._keys.pop(api_key, None)
        self._revoked_keys.add(api_key)

    def set_result(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result`` (a deep copy per request) instead of the spec example."""
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

    # ------------------------------------------------------------------------------------------------------------
    # Introspection
    # ------------------------------------------------------------------------------------------------------------

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

    @property
    def active_connections(self) -> list[MockConnection]:
        return list(self._connections.values())

    def subscriptions(self, connection: MockConnection) -> list[str]:
        """Stream names (streams) or ``subscriptionId``s as strings (WS API) active on ``connection``."""
        if connection.kind == "streams":
            return list(connection.streams) + list(connection.listen_keys)
        return [str(subscription_id) for subscription_id in connection.user_subscriptions]

    def server_time_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.clock_offset_ms

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

    # ------------------------------------------------------------------------------------------------------------
    # Pushing data
    # ------------------------------------------------------------------------------------------------------------

    def example_event(self, stream: str) -> Any:
        """The spec example of the event carried by ``stream``, with symbol, interval and event time filled in."""
        match = self._match_stream(stream)
        if match is None:
            raise ValueError(f"{stream!r} matches no stream pattern of this spec")
        pattern, values = match
        event = self._events_by_name.get(pattern.event)
        payload = copy.deepcopy(event.example) if event is not None and event.example is not None else {}
        return self._fill_event(payload, values)

    async def emit(self, stream: str, payload: Any = None) -> int:
        """Send an event to every connection subscribed to ``stream``; returns how many got it."""
        if payload is None:
            payload = self.example_event(stream)
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "streams" and stream in connection.streams:
                delivered += await self._send_stream_event(connection, stream, payload)
        return delivered

    def example_user_event(self, event_type: str | None = None) -> dict[str, Any]:
        """The spec example of a user data event (by its ``e`` value), event time set to now."""
        candidates = [
            event
            for event in self.spec.events
            if (event.envelope == "subscription" or "userData" in event.channel_kinds) and not event.array
        ]
        for event in candidates:
            if event_type is None or event_type in event.event_types:
                example = copy.deepcopy(event.example)
                if event.envelope == "subscription" and isinstance(example, dict) and "event" in example:
                    example = example["event"]
                if isinstance(example, dict):
                    if event_type is not None:
                        example["e"] = event_type
                    return self._fill_event(example, {})  # type: ignore[no-any-return]
        if event_type is None:
            raise ValueError("this spec declares no user data events")
        return {"e": event_type, "E": self.server_time_ms()}

    async def push_user_event(
        self,
        payload: Mapping[str, Any] | None = None,
        *,
        event_type: str | None = None,
        api_key: str | None = None,
    ) -> int:
        """Deliver a user data event; returns how many subscriptions / sockets got it.

        Spot WS API: to every user data subscription (of ``api_key``, if given) as
        ``{"subscriptionId": n, "event": payload}``. Futures streams: to every socket on an active listenKey (of
        ``api_key``), bare (or wrapped as ``{"stream": listenKey, "data": ...}`` on combined connections).
        ``payload=None`` sends the spec example of ``event_type`` (or of the first user data event).
        """
        event: dict[str, Any] = dict(payload) if payload is not None else self.example_user_event(event_type)
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "api":
                for subscription in list(connection.user_subscriptions.values()):
                    if api_key is None or subscription.api_key == api_key:
                        frame = {"subscriptionId": subscription.subscription_id, "event": event}
                        if await self._send(connection, frame):
                            delivered += 1
            else:
                for key in list(connection.listen_keys):
                    if not self.listen_keys.is_active(key):
                        continue
                    if api_key is not None and self.listen_keys.api_key_of(key) != api_key:
                        continue
                    if connection.event_filter is not None and event.get("e") not in connection.event_filter:
                        continue
                    delivered += await self._send_stream_event(connection, key, event)
        return delivered

    async def expire_listen_key(self, key: str) -> int:
        """Invalidate a listenKey and send ``listenKeyExpired`` to its sockets; returns how many got it."""
        event = self.example_user_event("listenKeyExpired")
        event["listenKey"] = key
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "streams" and key in connection.listen_keys:
                delivered += await self._send_stream_event(connection, key, event)
        self.listen_keys.invalidate(key)
        return delivered

    # ------------------------------------------------------------------------------------------------------------
    # Fault controls
    # ------------------------------------------------------------------------------------------------------------

    async def drop_all(self) -> int:
        """Cut every TCP connection without a close frame (the client sees 1006)."""
        connections = self.active_connections
        for connection in connections:
            connection.websocket.abort()
        return len(connections)

    async def close_all(self, code: int = 1001, reason: str = "", *, after_burst: int = 0) -> int:
        """Close every connection with ``code``, first sending ``after_burst`` data frames to each (drain tests).

        Burst frames are events of the connection's streams or listenKeys, or user data events of its
        subscriptions. Returns the number of burst frames sent.
        """
        sent = 0
        connections = self.active_connections
        for connection in connections:
            sent += await self._burst(connection, after_burst)
        await asyncio.gather(
            *(connection.websocket.close(code, reason) for connection in connections), return_exceptions=True
        )
        return sent

    def stop_answering_pings(self) -> None:
        """Open connections stop answering the client's pings (their pongs are swallowed)."""
        for connection in self.active_connections:
            connection.websocket.link.answer_pings = False

    def resume_answering_pings(self) -> None:
        for connection in self.active_connections:
            connection.websocket.link.answer_pings = True

    def go_silent(self, seconds: float) -> None:
        """Open connections send nothing (no data, replies, pings or pongs) for ``seconds``; frames are dropped.

        Requests still arrive and are recorded. Connections opened meanwhile behave normally.
        """
        until = asyncio.get_running_loop().time() + seconds
        for connection in self.active_connections:
            connection.websocket.link.silent_until = until

    async def send_malformed(self, kind: MalformedKind = "not_json") -> int:
        """Send a broken frame to every connection; returns how many got one.

        ``not_json``: a text frame that is not JSON. ``binary``: a binary frame. ``unknown_event``: valid JSON
        with an event type nobody declared. ``invalid_payload``: a known event whose fields have the wrong types.
        """
        count = 0
        for connection in self.active_connections:
            if await self._send_malformed(connection, kind):
                count += 1
        return count

    async def send_server_shutdown(self) -> int:
        """Send Binance's ``serverShutdown`` event to every connection (the connection stays open)."""
        count = 0
        for connection in self.active_connections:
            event = {"e": "serverShutdown", "E": self.server_time_ms()}
            frame: dict[str, Any]
            if connection.kind == "api":
                frame = {"event": event}
            elif connection.combined:
                frame = {"stream": "!serverShutdown", "data": event}
            else:
                frame = event
            if await self._send(connection, frame):
                count += 1
        return count

    def delay_method(self, method: str, seconds: float) -> None:
        """Send replies to ``method`` ``seconds`` late (later requests may be answered first); 0 removes it."""
        if seconds > 0:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def fail_next(
        self,
        method: str | None = None,
        *,
        status: int = 429,
        code: int = -1003,
        retry_after_ms: int | None = 1000,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests of ``method`` (any method if None) with a 429 / 418 error.

        ``error.data`` carries ``serverTime`` and ``retryAfter`` (epoch ms, ``retry_after_ms`` from now).
        """
        self._failures[method] = _Failure(status, code, retry_after_ms, times)

    # ------------------------------------------------------------------------------------------------------------
    # Handshake and connection loop
    # ------------------------------------------------------------------------------------------------------------

    def _process_request(self, path: str, headers: Headers) -> Decision:
        try:
            self._route(path)
        except _Reject as rejection:
            body = _dumps({"code": rejection.code, "msg": rejection.msg})
            return HTTPStatus(rejection.status), "application/json", body
        return None

    def _route(self, raw_path: str) -> _Route:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        time_unit = self._time_unit(query)
        return_rate_limits = query.get("returnRateLimits", ["true"])[-1].lower() != "false"
        if self.kind == "api":
            if path != (self._api_path or "/"):
                raise _Reject(404, f"No WebSocket API at {path}", status=404)
            return _Route("api", time_unit=time_unit, return_rate_limits=return_rate_limits)
        if self._listen_key_api_path is not None and path == self._listen_key_api_path:
            return _Route("api", return_rate_limits=return_rate_limits, listen_key_api_only=True)

        segments = [segment for segment in path.split("/") if segment]
        route_prefix = None
        if self.product == "umfutures" and segments and segments[0] in _USM_ROUTES:
            route_prefix = segments.pop(0)
        if not segments or segments[0] not in ("ws", "stream"):
            raise _Reject(404, f"No stream endpoint at {path}", status=404)
        combined = segments[0] == "stream"
        names = segments[1:]
        if combined:
            if names:
                raise _Reject(-1100, "Combined streams are passed as /stream?streams=a/b", status=400)
            names = [name for value in query.get("streams", []) for name in value.split("/") if name]
        listen_keys: list[str] = []
        event_filter: frozenset[str] | None = None
        if route_prefix == "private" and "listenKey" in query:
            listen_keys.extend(key for value in query["listenKey"] for key in value.split("/") if key)
            events = [name for value in query.get("events", []) for name in value.split("/") if name]
            event_filter = frozenset(events) if events else None
        streams: list[str] = []
        for name in names:
            if self._futures and self.listen_keys.is_active(name):
                listen_keys.append(name)
            elif self._match_stream(name) is not None:
                streams.append(name)
            else:
                raise _Reject(-1100, f"Invalid stream name: {name}", status=400)
        for key in listen_keys:
            if not self.listen_keys.is_active(key):
                raise _Reject(-1125, "This listenKey does not exist.", status=400)
        if len(streams) + len(listen_keys) > self.max_streams_per_connection:
            raise _Reject(-1100, f"Too many streams: at most {self.max_streams_per_connection}", status=400)
        return _Route(
            "streams",
            combined=combined,
            streams=tuple(dict.fromkeys(streams)),
            listen_keys=tuple(dict.fromkeys(listen_keys)),
            event_filter=event_filter,
            time_unit=time_unit,
        )

    def _time_unit(self, query: Mapping[str, list[str]]) -> Literal["ms", "us"]:
        values = query.get("timeUnit")
        if not values:
            return "ms"
        if not self._profile.supports_time_unit:
            raise _Reject(-1194, "timeUnit is not supported by this service.", status=400)
        unit = _TIME_UNITS.get(values[-1])
        if unit is None:
            raise _Reject(-1194, "Invalid timeUnit.", status=400)
        return "us" if unit == "us" else "ms"

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        try:
            route = self._route(websocket.path)
        except _Reject as rejection:
            # Accepted a moment ago, refused now (a listenKey expired in between): close as Binance would.
            await websocket.close(1008, rejection.msg[:120])
            return
        self._connection_count += 1
        connection = MockConnection(self._connection_count, websocket, route, self.server_time_ms())
        self._connections[connection.number] = connection
        self._log.debug("connection #%d opened: %s", connection.number, _redact_path(connection.path))
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

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _on_message(self, connection: MockConnection, message: str | bytes) -> None:
        decoded: Any = message
        if isinstance(message, str):
            try:
                decoded = json.loads(message)
            except ValueError:
                decoded = message
        self._received.append(decoded)
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("connection #%d <- %s", connection.number, _redact(decoded))
        await self._notify()
        if self._over_message_limit(connection):
            self._log.debug("connection #%d exceeded the incoming-message limit", connection.number)
            await connection.websocket.close(1008, "Too many requests")
            return
        if connection.kind == "streams":
            await self._handle_control(connection, message, decoded)
        else:
            await self._handle_api(connection, message, decoded)

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

    async def _send(self, connection: MockConnection, frame: Any) -> bool:
        if connection.time_unit == "us":
            frame = _scale_times(frame, 1000)
        try:
            await connection.websocket.send(_dumps(frame))
        except ConnectionClosedError:
            return False
        return True

    # ------------------------------------------------------------------------------------------------------------
    # Market streams
    # ------------------------------------------------------------------------------------------------------------

    def _match_stream(self, name: str) -> tuple[StreamPatternSpec, dict[str, str]] | None:
        if not name or any(character.isspace() for character in name) or "/" in name:
            return None
        for compiled in self._patterns:
            match = compiled.regex.match(name)
            if match is None:
                continue
            values = match.groupdict()
            symbol = values.get("symbol")
            # Binance stream names carry lowercase symbols; BTCUSDT@trade is acknowledged but never sends data.
            if symbol is not None and symbol != symbol.lower():
                continue
            return compiled.spec, values
        if not self._patterns:
            return StreamPatternSpec(template=name, params=(), event=""), {}
        return None

    def _fill_event(self, payload: Any, values: Mapping[str, str]) -> Any:
        now = self.server_time_ms()
        items = payload if isinstance(payload, list) else [payload]
        for item in items:
            if not isinstance(item, dict):
                continue
            if "E" in item:
                item["E"] = now
            if "symbol" in values and "s" in item:
                item["s"] = values["symbol"].upper()
            if "pair" in values and "ps" in item:
                item["ps"] = values["pair"].upper()
            kline = item.get("k")
            if isinstance(kline, dict):
                if "symbol" in values and "s" in kline:
                    kline["s"] = values["symbol"].upper()
                if "interval" in values and "i" in kline:
                    kline["i"] = values["interval"]
        return payload

    async def _send_stream_event(self, connection: MockConnection, stream: str, payload: Any) -> int:
        frame = {"stream": stream, "data": payload} if connection.combined else payload
        return 1 if await self._send(connection, frame) else 0

    async def _handle_control(self, connection: MockConnection, message: str | bytes, decoded: Any) -> None:
        request_id: Any = None
        try:
            if isinstance(message, bytes):
                raise _ControlError(3, "Invalid JSON: expected value at line 1 column 1")
            if isinstance(decoded, str):
                raise _ControlError(3, _json_error_text(message))
            if not isinstance(decoded, dict):
                raise _ControlError(2, "Invalid request: expected a JSON object")
            if "id" not in decoded or not self._valid_control_id(decoded["id"]):
                raise _ControlError(2, "Invalid request: request ID must be an unsigned integer")
            request_id = decoded["id"]
            if "method" not in decoded:
                raise _ControlError(2, f"Invalid request: missing field `method` at line 1 column {len(message)}")
            method = decoded["method"]
            if method not in _CONTROL_METHODS:
                raise _ControlError(
                    2,
                    f"Invalid request: unknown variant `{method}`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                    "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28",
                )
            unexpected = set(decoded) - {"id", "method", "params"}
            if unexpected:
                raise _ControlError(2, f"Invalid request: unknown field `{min(unexpected)}`")
            result = self._control(connection, method, decoded.get("params"), "params" in decoded)
        except _ControlError as error:
            await self._send(connection, {"error": {"code": error.code, "msg": error.msg}, "id": request_id})
            return
        await self._send(connection, {"result": result, "id": request_id})

    def _valid_control_id(self, value: Any) -> bool:
        if _is_int(value):
            if self._futures:
                return bool(0 <= value <= _MAX_UINT64)
            return bool(-_MAX_INT64 - 1 <= value <= _MAX_INT64)
        if self._futures:
            return False
        return value is None or (isinstance(value, str) and _REQUEST_ID_PATTERN.match(value) is not None)

    def _control(self, connection: MockConnection, method: str, params: Any, has_params: bool) -> Any:
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not has_params:
                raise _ControlError(2, "Invalid request: missing field `params`")
            if not isinstance(params, list) or not all(isinstance(name, str) for name in params):
                raise _ControlError(2, "Invalid request: invalid type: expected a sequence of stream names")
            if method == "SUBSCRIBE":
                self._subscribe(connection, params)
            else:
                for name in params:
                    if name not in connection.listen_keys and self._match_stream(name) is None:
                        raise _ControlError(2, "Invalid request: invalid stream")
                for name in params:
                    connection.streams.pop(name, None)
                    connection.listen_keys.pop(name, None)
            return None
        if method == "LIST_SUBSCRIPTIONS":
            if has_params and params not in (None, []):
                raise _ControlError(2, "Invalid request: too many parameters")
            return list(connection.streams) + list(connection.listen_keys)
        if not has_params or not isinstance(params, list) or not params:
            raise _ControlError(2, "Invalid request: property name must be a string")
        if not isinstance(params[0], str):
            raise _ControlError(2, "Invalid request: property name must be a string")
        expected_length = 2 if method == "SET_PROPERTY" else 1
        if len(params) > expected_length:
            raise _ControlError(2, "Invalid request: too many parameters")
        if params[0] != "combined":
            raise _ControlError(0, "Unknown property")
        if method == "GET_PROPERTY":
            return connection.combined
        if len(params) < 2 or not isinstance(params[1], bool):
            raise _ControlError(1, "Invalid value type: expected Boolean")
        connection.combined = params[1]
        return None

    def _subscribe(self, connection: MockConnection, names: list[str]) -> None:
        new_streams: list[str] = []
        new_keys: list[str] = []
        for name in names:
            if name in connection.streams or name in connection.listen_keys:
                continue
            if self._futures and self.listen_keys.is_active(name):
                new_keys.append(name)
            elif self._match_stream(name) is not None:
                new_streams.append(name)
            else:
                raise _ControlError(2, "Invalid request: invalid stream")
        unique = len(dict.fromkeys(new_streams)) + len(dict.fromkeys(new_keys))
        if len(connection.streams) + len(connection.listen_keys) + unique > self.max_streams_per_connection:
            raise _ControlError(
                2, f"Invalid request: too many streams, at most {self.max_streams_per_connection} per connection"
            )
        connection.streams.update(dict.fromkeys(new_streams))
        connection.listen_keys.update(dict.fromkeys(new_keys))

    # ------------------------------------------------------------------------------------------------------------
    # WS API
    # ------------------------------------------------------------------------------------------------------------

    async def _handle_api(self, connection: MockConnection, message: str | bytes, decoded: Any) -> None:
        request_id: Any = None
        method = ""
        followups: _Followups = []
        try:
            if isinstance(message, bytes) or isinstance(decoded, str):
                raise _Reject(-1135, "Invalid JSON request.")
            if not isinstance(decoded, dict):
                raise _Reject(-1135, "Invalid JSON request: expected a JSON object.")
            if "id" not in decoded:
                raise _Reject(-1102, "Mandatory parameter 'id' was not sent, was empty/null, or malformed.")
            if not self._valid_api_id(decoded["id"]):
                raise _Reject(
                    -1100, f"Illegal characters found in parameter 'id'; legal range is '{_REQUEST_ID_RANGE}'."
                )
            request_id = decoded["id"]
            raw_method = decoded.get("method")
            if not isinstance(raw_method, str) or not raw_method:
                raise _Reject(-1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed.")
            unexpected = set(decoded) - {"id", "method", "params"}
            if unexpected:
                raise _Reject(-1135, f"Invalid JSON request: unexpected field '{min(unexpected)}'.")
            params = decoded.get("params", {})
            if not isinstance(params, dict):
                raise _Reject(-1135, "Invalid 'params' in JSON request; expected an object.")
            method = self._resolve_method(connection, raw_method)
            self._take_failure(method)
            result, followups = await self._execute(connection, request_id, method, params)
            reply: dict[str, Any] = {"id": request_id, "status": 200, "result": result}
        except _SessionRevoked:
            revoked = {"id": None, "status": 401, "error": {"code": -2015, "msg": _MSG_INVALID_KEY}}
            await self._send(connection, revoked)
            return
        except (_Reject, MockReplyError) as rejection:
            error: dict[str, Any] = {"code": rejection.code, "msg": rejection.msg}
            if rejection.data:
                error["data"] = dict(rejection.data)
            reply = {"id": request_id, "status": rejection.status, "error": error}
        connection.request_weight += 1
        if connection.return_rate_limits and self._wants_rate_limits(decoded):
            reply["rateLimits"] = [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": 2400 if self._futures else 6000,
                    "count": connection.request_weight,
                }
            ]
        delay = self._delays.get(method, 0.0)
        if delay > 0 and len(connection.delayed_replies) < _MAX_DELAYED_REPLIES:
            task = asyncio.create_task(self._send_later(connection, delay, reply, followups))
            connection.delayed_replies.add(task)
            task.add_done_callback(connection.delayed_replies.discard)
            return
        await self._send(connection, reply)
        for target, frame in followups:
            await self._send(target, frame)

    async def _send_later(self, connection: MockConnection, delay: float, reply: Any, followups: _Followups) -> None:
        await asyncio.sleep(delay)
        await self._send(connection, reply)
        for target, frame in followups:
            await self._send(target, frame)

    @staticmethod
    def _wants_rate_limits(decoded: Any) -> bool:
        if not isinstance(decoded, dict):
            return True
        params = decoded.get("params")
        return not (isinstance(params, dict) and params.get("returnRateLimits") is False)

    def _valid_api_id(self, value: Any) -> bool:
        if value is None:
            return True
        if _is_int(value):
            return bool(-_MAX_INT64 - 1 <= value <= _MAX_INT64)
        return isinstance(value, str) and _REQUEST_ID_PATTERN.match(value) is not None

    def _resolve_method(self, connection: MockConnection, raw_method: str) -> str:
        candidates = [raw_method]
        version = re.match(r"^v\d+/(.+)$", raw_method)
        if version is not None:
            candidates.append(version.group(1))
        for method in candidates:
            if method in _LISTEN_KEY_METHODS and self._futures:
                return method
            # Binance serves these whether or not the spec lists them (protocol notes 3.6 and 4.1).
            if self.kind == "api" and method in (_SPOT_SESSION_METHODS if not self._futures else _SESSION_METHODS):
                return method
            if connection.listen_key_api_only:
                continue
            op = self.spec.operations.get(method)
            if op is not None and op.channel_method is None:
                return method
        raise _Reject(-1020, "This operation is not supported.")

    def _take_failure(self, method: str) -> None:
        key: str | None = method if method in self._failures else None
        failure = self._failures.get(key)
        if failure is None:
            return
        failure.remaining -= 1
        if failure.remaining <= 0:
            del self._failures[key]
        now = self.server_time_ms()
        data: dict[str, Any] = {"serverTime": now}
        retry_after = now + failure.retry_after_ms if failure.retry_after_ms is not None else None
        if retry_after is not None:
            data["retryAfter"] = retry_after
        if failure.status == 418:
            msg = (
                f"Way too much request weight used; IP banned until {retry_after or now}. "
                "Please use WebSocket Streams for live updates to avoid bans."
            )
        else:
            msg = (
                "Too many requests; current limit of IP is 6000 requests per minute. "
                "Please use WebSocket Streams for live updates to avoid polling the API."
            )
        raise _Reject(failure.code, msg, status=failure.status, data=data)

    def _security(self, method: str, op: OperationSpec | None) -> _Security:
        builtin = _BUILTIN_SECURITY.get(method)
        if builtin is not None:
            return builtin
        if op is None:
            return _Security(signed=False, api_key=False, permission=None)
        permission = op.security if op.security in ("TRADE", "USER_DATA") else None
        return _Security(signed=op.signed, api_key=op.api_key or op.signed, permission=permission)

    def _allowed_params(self, method: str, op: OperationSpec | None, security: _Security) -> frozenset[str] | None:
        builtin = _BUILTIN_PARAMS.get(method)
        if builtin is not None:
            return builtin | _ALWAYS_ALLOWED_PARAMS
        if op is None or (not op.params and op.params_style != "none"):
            return None
        allowed = {param.wire_name for param in op.params} | _ALWAYS_ALLOWED_PARAMS
        if security.signed:
            allowed |= _AUTH_PARAMS
        elif security.api_key:
            allowed.add("apiKey")
        return frozenset(allowed)

    def _check_params(self, method: str, op: OperationSpec | None, security: _Security, params: dict[str, Any]) -> None:
        for name, value in params.items():
            if value is None:
                raise _Reject(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
            if self._futures and isinstance(value, float):
                # Futures DECIMAL parameters must be JSON strings; a float's rendering is undefined.
                raise _Reject(-1100, f"Illegal characters found in parameter '{name}'; send decimals as strings.")
        allowed = self._allowed_params(method, op, security)
        if allowed is not None:
            unknown = sorted(set(params) - allowed)
            if unknown:
                raise _Reject(-1103, f"An unknown parameter was sent: '{unknown[0]}'.")
        if op is not None:
            for param in op.params:
                if param.required and not param.auth and param.wire_name not in params:
                    raise _Reject(
                        -1102, f"Mandatory parameter '{param.wire_name}' was not sent, was empty/null, or malformed."
                    )

    def _authenticate(self, connection: MockConnection, security: _Security, params: dict[str, Any]) -> str | None:
        if not security.signed and not security.api_key:
            return None
        explicit = "apiKey" in params or (security.signed and "signature" in params)
        if explicit:
            api_key = params.get("apiKey")
            if not isinstance(api_key, str) or not api_key:
                raise _Reject(-1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.")
            if security.signed and not isinstance(params.get("signature"), str):
                raise _Reject(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        elif connection.logged_on_key is not None and not security.own_credentials:
            api_key = connection.logged_on_key
            if api_key in self._revoked_keys or api_key not in self._keys:
                connection.logged_on_key = None
                connection.authorized_since = None
                for subscription_id in [
                    s.subscription_id for s in connection.user_subscriptions.values() if s.via_logon
                ]:
                    del connection.user_subscriptions[subscription_id]
                raise _SessionRevoked
        else:
            raise _Reject(-1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.")

        registered = self._keys.get(api_key)
        if registered is None:
            raise _Reject(-2015, _MSG_INVALID_KEY)
        if security.permission is not None and security.permission not in registered.permissions:
            raise _Reject(-2015, _MSG_INVALID_KEY)
        if security.signed:
            self._check_timestamp(params)
            if explicit:
                signature = params["signature"]
                try:
                    valid = verify_signature(
                        build_signature_payload(params),
                        signature,
                        key_type=registered.key_type,
                        secret_key=registered.secret_key,
                        public_key_pem=registered.public_key_pem,
                    )
                except (TypeError, ValueError):
                    valid = False
                if not valid:
                    raise _Reject(-1022, _MSG_BAD_SIGNATURE)
        return api_key

    def _check_timestamp(self, params: Mapping[str, Any]) -> None:
        timestamp = params.get("timestamp")
        if not _is_int(timestamp):
            raise _Reject(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        assert isinstance(timestamp, int)
        recv_window_ms = self._recv_window_ms(params)
        now_us = (time.time_ns() // 1000) + self.clock_offset_ms * 1000
        # Spot accepts microsecond timestamps; futures only milliseconds (a µs value there is far "ahead").
        timestamp_us = timestamp if (not self._futures and timestamp > 10**14) else timestamp * 1000
        if timestamp_us >= now_us + _FUTURE_TOLERANCE_MS * 1000:
            raise _Reject(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now_us - timestamp_us > recv_window_ms * 1000:
            raise _Reject(-1021, "Timestamp for this request is outside of the recvWindow.")

    def _recv_window_ms(self, params: Mapping[str, Any]) -> float:
        if "recvWindow" not in params:
            return float(_DEFAULT_RECV_WINDOW)
        raw = params["recvWindow"]
        value: float | None = None
        if _is_int(raw):
            value = float(raw)
        elif (
            not self._futures
            and isinstance(raw, (float, str))
            and not isinstance(raw, bool)
            and re.fullmatch(r"\d+(\.\d{1,3})?", str(raw))
        ):
            # Spot recvWindow is a DECIMAL with up to three decimals (microsecond precision).
            value = float(raw)
        if value is None:
            raise _Reject(-1102, "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed.")
        if value <= 0 or value > _MAX_RECV_WINDOW:
            raise _Reject(-1131, f"recvWindow must be less than {_MAX_RECV_WINDOW}.")
        return value

    async def _execute(
        self, connection: MockConnection, request_id: Any, method: str, params: dict[str, Any]
    ) -> _Outcome:
        op = self.spec.operations.get(method)
        security = self._security(method, op)
        self._check_params(method, op, security, params)
        api_key = self._authenticate(connection, security, params)
        request = MockRequest(request_id, method, params, connection, api_key, self)
        handler = self._handlers.get(method)
        if handler is not None:
            result = handler(request)
            if inspect.isawaitable(result):
                result = await result
            return result, []
        if method in self._results:
            return copy.deepcopy(self._results[method]), []
        builtin = self._builtin(method)
        if builtin is not None:
            return builtin(request)
        return self._example_result(op, params), []

    def _builtin(self, method: str) -> _BuiltinMethod | None:
        table: dict[str, _BuiltinMethod] = {
            "session.logon": self._session_logon,
            "session.status": self._session_status,
            "session.logout": self._session_logout,
            "session.subscriptions": self._session_subscriptions,
            "userDataStream.subscribe": self._user_data_subscribe,
            "userDataStream.subscribe.signature": self._user_data_subscribe,
            "userDataStream.unsubscribe": self._user_data_unsubscribe,
            "userDataStream.start": self._listen_key_start,
            "userDataStream.ping": self._listen_key_ping,
            "userDataStream.stop": self._listen_key_stop,
            "time": self._time,
            "ping": self._ping,
        }
        return table.get(method)

    def _time(self, request: MockRequest) -> _Outcome:
        return {"serverTime": self.server_time_ms()}, []

    def _ping(self, request: MockRequest) -> _Outcome:
        return {}, []

    def _example_result(self, op: OperationSpec | None, params: Mapping[str, Any]) -> Any:
        result = copy.deepcopy(op.example_result) if op is not None else None
        if result is None:
            return {}
        symbols = params.get("symbols")
        if op is not None and op.result_may_be_list and isinstance(symbols, list) and isinstance(result, dict):
            return [{**copy.deepcopy(result), "symbol": symbol} for symbol in symbols if isinstance(symbol, str)]
        symbol = params.get("symbol")
        if isinstance(symbol, str) and isinstance(result, dict) and "symbol" in result:
            result["symbol"] = symbol
        return result

    def _session_result(self, connection: MockConnection) -> dict[str, Any]:
        result: dict[str, Any] = {
            "apiKey": connection.logged_on_key,
            "authorizedSince": connection.authorized_since,
            "connectedSince": connection.connected_since,
            "returnRateLimits": connection.return_rate_limits,
            "serverTime": self.server_time_ms(),
        }
        if self.product == "spot":
            result["userDataStream"] = bool(connection.user_subscriptions)
        return result

    def _session_logon(self, request: MockRequest) -> _Outcome:
        assert request.api_key is not None
        registered = self._keys[request.api_key]
        if registered.key_type != "ed25519":
            label = "HMAC-SHA-256" if registered.key_type == "hmac" else "RSA"
            if self._futures:
                raise _Reject(-1002, f"{label} API key is not supported for session logon; use an Ed25519 key.")
            raise _Reject(-2028, f"{label} API key is not supported.")
        connection = request.connection
        followups = self._end_logon_subscriptions(connection) if connection.logged_on_key != request.api_key else []
        connection.logged_on_key = request.api_key
        connection.authorized_since = self.server_time_ms()
        return self._session_result(connection), followups

    def _session_status(self, request: MockRequest) -> _Outcome:
        return self._session_result(request.connection), []

    def _session_logout(self, request: MockRequest) -> _Outcome:
        connection = request.connection
        followups = self._end_logon_subscriptions(connection)
        connection.logged_on_key = None
        connection.authorized_since = None
        return self._session_result(connection), followups

    def _end_logon_subscriptions(self, connection: MockConnection) -> _Followups:
        ended = [s.subscription_id for s in connection.user_subscriptions.values() if s.via_logon]
        return [self._terminate_subscription(connection, subscription_id) for subscription_id in ended]

    def _terminate_subscription(self, connection: MockConnection, subscription_id: int) -> tuple[MockConnection, Any]:
        del connection.user_subscriptions[subscription_id]
        event = {"e": "eventStreamTerminated", "E": self.server_time_ms()}
        return connection, {"subscriptionId": subscription_id, "event": event}

    def _session_subscriptions(self, request: MockRequest) -> _Outcome:
        return [{"subscriptionId": sid} for sid in request.connection.user_subscriptions], []

    def _user_data_subscribe(self, request: MockRequest) -> _Outcome:
        connection = request.connection
        via_logon = request.method == "userDataStream.subscribe"
        if via_logon:
            if connection.logged_on_key is None:
                raise _Reject(-1193, "WebSocket session not authenticated.")
            if connection.logged_on_key in self._revoked_keys or connection.logged_on_key not in self._keys:
                connection.logged_on_key = None
                raise _SessionRevoked
            api_key = connection.logged_on_key
            registered = self._keys[api_key]
            if "USER_STREAM" not in registered.permissions:
                raise _Reject(-2015, _MSG_INVALID_KEY)
        else:
            assert request.api_key is not None
            api_key = request.api_key
        if any(s.api_key == api_key for s in connection.user_subscriptions.values()):
            raise _Reject(-2035, "User Data Stream subscription already active.")
        if connection.next_subscription_id >= self.max_subscription_ids:
            raise _Reject(-2042, "Maximum subscription ID reached for this connection.")
        subscription_id = connection.next_subscription_id
        connection.next_subscription_id += 1
        connection.user_subscriptions[subscription_id] = _UserSubscription(subscription_id, api_key, via_logon)
        return {"subscriptionId": subscription_id}, []

    def _user_data_unsubscribe(self, request: MockRequest) -> _Outcome:
        connection = request.connection
        if "subscriptionId" in request.params:
            subscription_id = request.params["subscriptionId"]
            if not _is_int(subscription_id):
                raise _Reject(-1102, "Mandatory parameter 'subscriptionId' was not sent, was empty/null, or malformed.")
            if subscription_id not in connection.user_subscriptions:
                raise _Reject(-2036, "User Data Stream subscription not active.")
            return {}, [self._terminate_subscription(connection, subscription_id)]
        ended = list(connection.user_subscriptions)
        return {}, [self._terminate_subscription(connection, subscription_id) for subscription_id in ended]

    def _listen_key_not_found(self) -> _Reject:
        route = "dapi" if self.product == "cmfutures" else "fapi"
        return _Reject(-1125, f"This listenKey does not exist. Please use POST /{route}/v1/listenKey to recreate it.")

    def _listen_key_start(self, request: MockRequest) -> _Outcome:
        assert request.api_key is not None
        return {"listenKey": self.listen_keys.start(request.api_key)}, []

    def _listen_key_ping(self, request: MockRequest) -> _Outcome:
        assert request.api_key is not None
        key = self.listen_keys.keepalive(request.api_key)
        if key is None:
            raise self._listen_key_not_found()
        return {"listenKey": key}, []

    def _listen_key_stop(self, request: MockRequest) -> _Outcome:
        assert request.api_key is not None
        key = self.listen_keys.key_for(request.api_key)
        if key is None:
            raise self._listen_key_not_found()
        self.listen_keys.invalidate(key)
        return {}, []

    # ------------------------------------------------------------------------------------------------------------
    # Fault helpers
    # ------------------------------------------------------------------------------------------------------------

    async def _burst(self, connection: MockConnection, count: int) -> int:
        if count <= 0:
            return 0
        sent = 0
        if connection.kind == "streams":
            streams = list(connection.streams)
            keys = list(connection.listen_keys)
            for index in range(count):
                if streams:
                    stream = streams[index % len(streams)]
                    sent += await self._send_stream_event(connection, stream, self.example_event(stream))
                elif keys:
                    key = keys[index % len(keys)]
                    sent += await self._send_stream_event(connection, key, self.example_user_event())
        else:
            subscriptions = list(connection.user_subscriptions)
            for index in range(count if subscriptions else 0):
                frame = {
                    "subscriptionId": subscriptions[index % len(subscriptions)],
                    "event": self.example_user_event(),
                }
                if await self._send(connection, frame):
                    sent += 1
        return sent

    async def _send_malformed(self, connection: MockConnection, kind: MalformedKind) -> bool:
        websocket = connection.websocket
        try:
            if kind == "not_json":
                await websocket.send('{"e": "trade", "E": 1, not json')
                return True
            if kind == "binary":
                await websocket.send(b"\x00\x01\x02 binary frame")
                return True
        except ConnectionClosedError:
            return False
        now = self.server_time_ms()
        if kind == "unknown_event":
            event: Any = {"e": "mockUnknownEvent", "E": now, "x": "unexpected"}
            if connection.kind == "api":
                subscription = next(iter(connection.user_subscriptions), None)
                frame: Any = (
                    {"event": event} if subscription is None else {"subscriptionId": subscription, "event": event}
                )
            elif connection.combined:
                frame = {"stream": "mock@unknownEvent", "data": event}
            else:
                frame = event
            return await self._send(connection, frame)
        if kind == "invalid_payload":
            if connection.kind == "api":
                broken = _break_types(self.example_user_event()) if self.spec.events else {"e": 42, "E": "now"}
                subscription = next(iter(connection.user_subscriptions), None)
                if subscription is None:
                    return await self._send(connection, {"event": {"e": "serverShutdown", "E": "not-a-time"}})
                return await self._send(connection, {"subscriptionId": subscription, "event": broken})
            stream = next(iter(connection.streams), None)
            if stream is not None:
                return await self._send_stream_event(connection, stream, _break_types(self.example_event(stream))) > 0
            key = next(iter(connection.listen_keys), None)
            if key is not None:
                return await self._send_stream_event(connection, key, _break_types(self.example_user_event())) > 0
            return await self._send(connection, {"e": "trade", "E": "not-a-time", "s": 42})
        raise ValueError(f"unknown malformed frame kind {kind!r}")


def _break_types(payload: Any) -> Any:
    """The same event with every field but ``e`` given a wrong JSON type (strings become numbers and so on)."""
    if isinstance(payload, list):
        return [_break_types(item) for item in payload] or [{"E": "not-a-time"}]
    if not isinstance(payload, dict):
        return {"E": "not-a-time"}
    broken: dict[str, Any] = {}
    for key, value in payload.items():
        if key == "e":
            broken[key] = value
        elif isinstance(value, bool):
            broken[key] = "not-a-bool"
        elif isinstance(value, (int, float)):
            broken[key] = "not-a-number"
        elif isinstance(value, str):
            broken[key] = {"unexpected": "object"}
        elif isinstance(value, (list, dict)):
            broken[key] = 12345
        else:
            broken[key] = ["unexpected"]
    return broken


def _json_error_text(message: str) -> str:
    try:
        json.loads(message)
    except json.JSONDecodeError as error:
        return f"Invalid JSON: expected value at line {error.lineno} column {error.colno}"
    return "Invalid JSON: expected value at line 1 column 1"


def _redact_path(path: str) -> str:
    """Connection paths can hold a listenKey (``/ws/<key>``, ``?listenKey=``); mask anything key-shaped."""
    return re.sub(r"[A-Za-z0-9]{40,}", "<redacted>", path)
