"""Binance's protocol rules as the runtime applies them, in one place (see docs/binance-ws-protocol.md of the template).

What the specs do not say, say differently, or lag behind:

* **Product profiles**: heartbeat windows, stream limits, the incoming-message rate, the futures WS API hosts that
  serve listenKey management.
* **WS API methods**: the session and user-data methods, which of them the protocol always wants signed with the
  request's own key whatever a spec marks, spot's ``timeUnit`` values, the method that tells the server time.
* **Streams**: the channel addresses Binance documents (for specs that omit one), the listenKey user-data channel,
  and the USDⓈ-M route split (book data on ``/public``, other market data on ``/market``, user data on
  ``/private``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from .spec import ChannelKind, Spec

__all__ = [
    "ALWAYS_SIGNED",
    "CMFUTURES",
    "DEFAULT_CHANNEL_ADDRESSES",
    "EVENT_STREAM_TERMINATED",
    "LISTEN_KEY_EXPIRED",
    "LISTEN_KEY_PING",
    "LISTEN_KEY_START",
    "LISTEN_KEY_STOP",
    "PROFILES",
    "SERVER_SHUTDOWN",
    "SESSION_LOGON",
    "SESSION_LOGOUT",
    "SESSION_STATUS",
    "SPOT",
    "TIME_UNITS",
    "UMFUTURES",
    "UMFUTURES_MAINNET_HOST",
    "UMFUTURES_PUBLIC_MARKERS",
    "USER_DATA_SUBSCRIBE",
    "USER_DATA_SUBSCRIBE_SIGNATURE",
    "USER_DATA_UNSUBSCRIBE",
    "ProductProfile",
    "has_spot_user_data",
    "profile_for",
    "time_sync_method",
    "umfutures_private_url",
    "umfutures_route",
    "umfutures_routes_apply",
    "user_data_event_types",
]

# ------------------------------------------------------------------------------------------------ product profiles


@dataclass(frozen=True, slots=True)
class ProductProfile:
    server_ping_interval: float
    """How often the server pings us (seconds)."""
    silence_timeout: float
    """How long a connection may stay silent (no frame, no ping) before it is treated as dead."""
    max_streams_per_connection: int
    control_messages_per_second: float
    """Incoming-message limit of the streams service; we stay under it with a margin."""
    supports_time_unit: bool
    user_data_api_url: str | None
    user_data_api_testnet_url: str | None
    listen_key_keepalive: float
    """Seconds between listenKey keepalives (the key lives 60 minutes)."""
    max_connection_age: float = 24 * 3600.0


SPOT = ProductProfile(
    server_ping_interval=20.0,
    silence_timeout=60.0,
    max_streams_per_connection=1024,
    control_messages_per_second=4.0,
    supports_time_unit=True,
    user_data_api_url=None,
    user_data_api_testnet_url=None,
    listen_key_keepalive=30 * 60.0,
)

UMFUTURES = ProductProfile(
    server_ping_interval=180.0,
    silence_timeout=600.0,
    max_streams_per_connection=1024,
    control_messages_per_second=8.0,
    supports_time_unit=False,
    user_data_api_url="wss://ws-fapi.binance.com/ws-fapi/v1",
    user_data_api_testnet_url="wss://testnet.binancefuture.com/ws-fapi/v1",
    listen_key_keepalive=30 * 60.0,
)

CMFUTURES = ProductProfile(
    server_ping_interval=180.0,
    silence_timeout=600.0,
    max_streams_per_connection=1024,
    control_messages_per_second=8.0,
    supports_time_unit=False,
    user_data_api_url="wss://ws-dapi.binance.com/ws-dapi/v1",
    user_data_api_testnet_url="wss://testnet.binancefuture.com/ws-dapi/v1",
    listen_key_keepalive=30 * 60.0,
)

PROFILES: dict[str, ProductProfile] = {"spot": SPOT, "umfutures": UMFUTURES, "cmfutures": CMFUTURES, "unknown": SPOT}


def profile_for(product: str) -> ProductProfile:
    return PROFILES.get(product, SPOT)


# ------------------------------------------------------------------------------------------------ WS API methods

SESSION_LOGON = "session.logon"
SESSION_LOGOUT = "session.logout"
SESSION_STATUS = "session.status"
USER_DATA_SUBSCRIBE = "userDataStream.subscribe"
"""Spot: subscribe the logged-on session's account (no credentials of its own)."""
USER_DATA_SUBSCRIBE_SIGNATURE = "userDataStream.subscribe.signature"
"""Spot: subscribe the account of the request's own signed key (any key type)."""
USER_DATA_UNSUBSCRIBE = "userDataStream.unsubscribe"
LISTEN_KEY_START = "userDataStream.start"
"""Futures: create (or return the live) listenKey; apiKey only, no signature."""
LISTEN_KEY_PING = "userDataStream.ping"
LISTEN_KEY_STOP = "userDataStream.stop"

ALWAYS_SIGNED: frozenset[str] = frozenset({SESSION_LOGON, USER_DATA_SUBSCRIBE_SIGNATURE})
"""Methods whose purpose is their own signature: a logged-on session never stands in for their credentials."""

TIME_UNITS: frozenset[str] = frozenset({"MILLISECOND", "MICROSECOND", "millisecond", "microsecond"})
"""Values of spot's ``timeUnit`` connection parameter (WS API and streams)."""


def time_sync_method(operations: Collection[str]) -> str:
    """The method whose reply carries ``serverTime``: ``time``, or ``session.status`` where there is no ``time``.

    The futures WS APIs have no ``time`` method; their ``session.status`` result carries ``serverTime`` as well.
    """
    return "time" if "time" in operations or SESSION_STATUS not in operations else SESSION_STATUS


def has_spot_user_data(spec: Spec) -> bool:
    """True for WS API specs with spot's user data subscriptions (futures user data comes over a listenKey)."""
    return spec.product == "spot" and USER_DATA_SUBSCRIBE_SIGNATURE in spec.operations


# ------------------------------------------------------------------------------------------------ events

SERVER_SHUTDOWN = "serverShutdown"
"""The server is about to close the connection (every connection kind may carry it)."""
EVENT_STREAM_TERMINATED = "eventStreamTerminated"
"""Spot: a user data subscription ended (logout, unsubscribe, expiry)."""
LISTEN_KEY_EXPIRED = "listenKeyExpired"
"""Futures: the listenKey of this user-data connection expired."""


# ------------------------------------------------------------------------------------------------ streams

DEFAULT_CHANNEL_ADDRESSES: dict[ChannelKind, str] = {
    "raw": "/ws/{streamName}",
    "combined": "/stream?streams={streams}",
    "userData": "/ws/{listenKey}",
    "api": "/",
}
"""The address of each channel kind when a spec does not name one."""


def user_data_event_types(spec: Spec) -> list[str]:
    """The event types of the spec's listenKey user-data channel, ``listenKeyExpired`` always among them."""
    types: dict[str, None] = {}
    for event in spec.events:
        if "userData" in event.channel_kinds:
            types.update(dict.fromkeys(event.event_types))
    types[LISTEN_KEY_EXPIRED] = None
    return list(types)


# USDⓈ-M mainnet moved book data to /public and all other market data to /market (2026 split); the old unrouted
# /ws and /stream paths were retired. A stream on the wrong route is acknowledged but never sends.
UMFUTURES_MAINNET_HOST = "fstream.binance.com"
UMFUTURES_PUBLIC_MARKERS = ("@bookTicker", "@depth", "@rpiDepth")
"""Stream-name parts of the book streams served on ``/public`` (plus ``!bookTicker``)."""


def umfutures_routes_apply(product: str, base_url: str) -> bool:
    """True where Binance's USDⓈ-M route split applies: USDⓈ-M streams on the mainnet host."""
    return product == "umfutures" and urlsplit(base_url).hostname == UMFUTURES_MAINNET_HOST


def umfutures_route(base_url: str, stream: str) -> str:
    """The USDⓈ-M route for ``stream`` under ``base_url``: ``/public`` for book data, ``/market`` otherwise."""
    base = base_url.rstrip("/")
    if stream == "!bookTicker" or any(marker in stream for marker in UMFUTURES_PUBLIC_MARKERS):
        return base + "/public"
    return base + "/market"


def umfutures_private_url(private_base: str, listen_key: str, event_types: Collection[str]) -> str:
    """The USDⓈ-M ``/private`` user-data URL: the key as a query parameter, and the events it should deliver."""
    url = private_base.rstrip("/") + "/ws?listenKey=" + listen_key
    return url + ("&events=" + "/".join(event_types) if event_types else "")
