"""What the mock server keeps and passes around: connections, requests, keys, subscriptions, and its small helpers.

Shared by the modules of the :mod:`.server` engine; nothing here talks to a socket.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ..policy import MICROSECOND_TIME_FIELDS
from ..wire.server import ServerConnection

if TYPE_CHECKING:
    from .server import MockServerBase

__all__ = [
    "ALL_PERMISSIONS",
    "PROFILE_DEFAULT",
    "ConnectionKind",
    "Handler",
    "KeyType",
    "MalformedKind",
    "MockConnection",
    "MockReplyError",
    "MockRequest",
]

KeyType: TypeAlias = Literal["hmac", "rsa", "ed25519"]
MalformedKind: TypeAlias = Literal["not_json", "binary", "unknown_event", "invalid_payload"]
ConnectionKind: TypeAlias = Literal["api", "streams"]
Handler: TypeAlias = Callable[["MockRequest"], Any]

ALL_PERMISSIONS: frozenset[str] = frozenset({"TRADE", "USER_DATA", "USER_STREAM"})

MSG_INVALID_KEY = "Invalid API-key, IP, or permissions for action."


class ProfileDefault(enum.Enum):
    PROFILE = "profile"


PROFILE_DEFAULT = ProfileDefault.PROFILE
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
class RegisteredKey:
    api_key: str
    key_type: KeyType
    secret_key: str | None = field(default=None, repr=False)
    public_key_pem: str | None = field(default=None, repr=False)
    permissions: frozenset[str] = ALL_PERMISSIONS


@dataclass
class UserSubscription:
    subscription_id: int
    api_key: str
    via_logon: bool


@dataclass(frozen=True)
class Route:
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

    def __init__(self, number: int, websocket: ServerConnection, route: Route, now_ms: int) -> None:
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
        self.user_subscriptions: dict[int, UserSubscription] = {}
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


@dataclass
class Failure:
    status: int
    code: int
    retry_after_ms: int | None
    remaining: int


class Reject(Exception):
    def __init__(self, code: int, msg: str, status: int = 400, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.data = data


class SessionRevoked(Exception):
    """The session's key was revoked: Binance answers with a 401 carrying ``id: null`` instead of a reply."""


class ControlError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


Followups: TypeAlias = "list[tuple[MockConnection, Any]]"
Outcome: TypeAlias = "tuple[Any, Followups]"
BuiltinMethod: TypeAlias = "Callable[[MockRequest], Outcome]"


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def redact(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            key: ("<redacted>" if key in ("apiKey", "signature", "listenKey") else redact(value))
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [redact(item) for item in obj]
    return obj


def scale_times(obj: Any, factor: int) -> Any:
    if isinstance(obj, dict):
        return {
            key: (
                value * factor
                if key in MICROSECOND_TIME_FIELDS and isinstance(value, int) and not isinstance(value, bool)
                else scale_times(value, factor)
            )
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [scale_times(item, factor) for item in obj]
    return obj


def key_type_of_pem(public_key_pem: str) -> KeyType:
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    raise ValueError("public_key_pem must hold an RSA or Ed25519 public key")


def redact_path(path: str) -> str:
    """Connection paths can hold a listenKey (``/ws/<key>``, ``?listenKey=``); mask anything key-shaped."""
    return re.sub(r"[A-Za-z0-9]{40,}", "<redacted>", path)
