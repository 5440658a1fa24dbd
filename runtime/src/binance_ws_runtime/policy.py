"""Binance's protocol rules as the runtime applies them, in one place (see docs/binance-ws-protocol.md of the template).

What the specs do not say, say differently, or lag behind:

* **Product profiles**: heartbeat windows, stream limits, the incoming-message rate, the request weight limit, the
  futures WS API hosts that serve listenKey management.
* **WS API methods**: the session and user-data methods (served whatever a spec lists, with their own security and
  parameters), which of them the protocol always wants signed with the request's own key whatever a spec marks,
  spot's ``timeUnit`` values, the method that tells the server time, the timing window of signed requests.
* **WS API requests and replies**: the parameters Binance documents per method (specs list fewer), how it reads
  parameter values (numbers and booleans also as strings, lists also as JSON-encoded strings), and what a reply
  depends on (``newOrderRespType`` and its defaults, ``computeCommissionRates``, ``limit``).
* **Streams**: the channel addresses Binance documents (for specs that omit one), the listenKey user-data channel,
  and the USDⓈ-M route split (book data on ``/public``, other market data on ``/market``, user data on
  ``/private``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .spec import ChannelKind, Spec

__all__ = [
    "ALWAYS_ACCEPTED_PARAMS",
    "ALWAYS_SIGNED",
    "AUTH_PARAMS",
    "CMFUTURES",
    "COMMISSION_RATES_PARAM",
    "DEFAULT_CHANNEL_ADDRESSES",
    "DEFAULT_MAX_LIMIT",
    "DOCUMENTED_PARAMS",
    "EVENT_STREAM_TERMINATED",
    "LIMIT_MAXIMA",
    "LISTEN_KEY_EXPIRED",
    "LISTEN_KEY_LIFETIME",
    "LISTEN_KEY_METHODS",
    "LISTEN_KEY_PING",
    "LISTEN_KEY_START",
    "LISTEN_KEY_STOP",
    "MAX_INT64",
    "MAX_SUBSCRIPTION_IDS",
    "MAX_UINT64",
    "MICROSECOND_TIME_FIELDS",
    "METHOD_PARAMS",
    "METHOD_SECURITY",
    "NEW_ORDER_METHODS",
    "ORDER_ACK_FIELDS",
    "ORDER_FULL_ONLY_FIELDS",
    "ORDER_RESPONSE_TYPES",
    "PROFILES",
    "RECV_WINDOW_DEFAULT_MS",
    "RECV_WINDOW_MAX_MS",
    "REQUEST_ID_PATTERN",
    "SERVER_SHUTDOWN",
    "SESSION_LOGON",
    "SESSION_LOGON_KEY_TYPES",
    "SESSION_LOGOUT",
    "SESSION_METHODS",
    "SESSION_STATUS",
    "SESSION_SUBSCRIPTIONS",
    "SPOT",
    "SPOT_USER_DATA_METHODS",
    "STREAM_CONTROL_METHODS",
    "STREAM_PROPERTIES",
    "TEST_ORDER_METHODS",
    "TIMESTAMP_AHEAD_TOLERANCE_MS",
    "TIME_UNITS",
    "UMFUTURES",
    "UMFUTURES_MAINNET_HOST",
    "UMFUTURES_PUBLIC_MARKERS",
    "UMFUTURES_ROUTES",
    "USER_DATA_SUBSCRIBE",
    "USER_DATA_SUBSCRIBE_SIGNATURE",
    "USER_DATA_UNSUBSCRIBE",
    "MethodSecurity",
    "ProductProfile",
    "accepted_params",
    "accepts_microsecond_timestamps",
    "boolean_param",
    "decimal_recv_window",
    "decimals_as_strings",
    "documented_params",
    "has_spot_user_data",
    "integer_param",
    "is_futures",
    "list_param",
    "order_response_type",
    "profile_for",
    "protocol_methods",
    "time_sync_method",
    "umfutures_private_url",
    "umfutures_route",
    "umfutures_routes_apply",
    "user_data_event_types",
    "valid_control_id",
    "valid_request_id",
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
    max_incoming_messages_per_second: float = 5.0
    """Incoming messages (requests, pings, pongs) a streams connection may send per second before it is closed."""
    request_weight_per_minute: int = 6000
    """The ``REQUEST_WEIGHT`` limit per minute and IP that replies report in ``rateLimits``."""


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
    max_incoming_messages_per_second=10.0,
    request_weight_per_minute=2400,
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
    max_incoming_messages_per_second=10.0,
    request_weight_per_minute=2400,
)

PROFILES: dict[str, ProductProfile] = {"spot": SPOT, "umfutures": UMFUTURES, "cmfutures": CMFUTURES, "unknown": SPOT}


def profile_for(product: str) -> ProductProfile:
    return PROFILES.get(product, SPOT)


def is_futures(product: str) -> bool:
    return product in ("umfutures", "cmfutures")


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
LISTEN_KEY_LIFETIME = 3600.0
"""Seconds a futures listenKey lives after its start or last keepalive."""

ALWAYS_SIGNED: frozenset[str] = frozenset({SESSION_LOGON, USER_DATA_SUBSCRIBE_SIGNATURE})
"""Methods whose purpose is their own signature: a logged-on session never stands in for their credentials."""

TIME_UNITS: frozenset[str] = frozenset({"MILLISECOND", "MICROSECOND", "millisecond", "microsecond"})
"""Values of spot's ``timeUnit`` connection parameter (WS API and streams)."""
MICROSECOND_TIME_FIELDS: frozenset[str] = frozenset(
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
"""Fields of results and events that carry epoch times: microseconds on a ``timeUnit=MICROSECOND`` connection."""


def time_sync_method(operations: Collection[str]) -> str:
    """The method whose reply carries ``serverTime``: ``time``, or ``session.status`` where there is no ``time``.

    The futures WS APIs have no ``time`` method; their ``session.status`` result carries ``serverTime`` as well.
    """
    return "time" if "time" in operations or SESSION_STATUS not in operations else SESSION_STATUS


def has_spot_user_data(spec: Spec) -> bool:
    """True for WS API specs with spot's user data subscriptions (futures user data comes over a listenKey)."""
    return spec.product == "spot" and USER_DATA_SUBSCRIBE_SIGNATURE in spec.operations


SESSION_SUBSCRIPTIONS = "session.subscriptions"
"""Spot: the user data subscriptions of the connection."""
SESSION_METHODS: frozenset[str] = frozenset({SESSION_LOGON, SESSION_STATUS, SESSION_LOGOUT})
SPOT_USER_DATA_METHODS: frozenset[str] = frozenset(
    {USER_DATA_SUBSCRIBE, USER_DATA_SUBSCRIBE_SIGNATURE, USER_DATA_UNSUBSCRIBE, SESSION_SUBSCRIPTIONS}
)
LISTEN_KEY_METHODS: frozenset[str] = frozenset({LISTEN_KEY_START, LISTEN_KEY_PING, LISTEN_KEY_STOP})
MAX_SUBSCRIPTION_IDS = 65_535
"""Spot: subscription ids a WS API connection may use over its life (``-2042`` after that)."""


def protocol_methods(product: str) -> frozenset[str]:
    """The WS API methods Binance serves on ``product`` whatever a spec lists: the session methods, and spot's user
    data subscriptions or the futures listenKey methods (binance-protocol.md: "Sessions", "User data")."""
    return SESSION_METHODS | (LISTEN_KEY_METHODS if is_futures(product) else SPOT_USER_DATA_METHODS)


@dataclass(frozen=True, slots=True)
class MethodSecurity:
    """What a request of one method must carry, by Binance's rules rather than a spec's marking."""

    signed: bool
    """``timestamp`` and ``signature`` (a logged-on session stands in for the signature unless ``own_credentials``)."""
    api_key: bool
    permission: str | None = None
    """The key permission the method needs (``TRADE``, ``USER_DATA``, ``USER_STREAM``), if any."""
    own_credentials: bool = False
    """The request must carry its own apiKey and signature even on a logged-on session (:data:`ALWAYS_SIGNED`)."""


_NO_CREDENTIALS = MethodSecurity(signed=False, api_key=False)
_API_KEY_ONLY = MethodSecurity(signed=False, api_key=True, permission="USER_STREAM")

METHOD_SECURITY: dict[str, MethodSecurity] = {
    SESSION_LOGON: MethodSecurity(signed=True, api_key=True, own_credentials=True),
    SESSION_STATUS: _NO_CREDENTIALS,
    SESSION_LOGOUT: _NO_CREDENTIALS,
    SESSION_SUBSCRIPTIONS: _NO_CREDENTIALS,
    USER_DATA_SUBSCRIBE: _NO_CREDENTIALS,
    USER_DATA_SUBSCRIBE_SIGNATURE: MethodSecurity(
        signed=True, api_key=True, permission="USER_STREAM", own_credentials=True
    ),
    USER_DATA_UNSUBSCRIBE: _NO_CREDENTIALS,
    LISTEN_KEY_START: _API_KEY_ONLY,
    LISTEN_KEY_PING: _API_KEY_ONLY,
    LISTEN_KEY_STOP: _API_KEY_ONLY,
}
"""Security of the protocol methods, which wins over a spec's marking (binance-protocol.md: "Signing", "Sessions",
"User data"): ``userDataStream.subscribe`` rides on the logged-on session, ``.unsubscribe`` is NONE since 2025-08-12,
the futures listenKey methods take an apiKey and no signature."""

AUTH_PARAMS: frozenset[str] = frozenset({"apiKey", "signature", "timestamp", "recvWindow"})
"""The credentials and timing parameters every signed request may carry."""
ALWAYS_ACCEPTED_PARAMS: frozenset[str] = frozenset({"returnRateLimits"})
"""Parameters every WS API request may carry (``returnRateLimits`` overrides the connection's setting)."""

METHOD_PARAMS: dict[str, frozenset[str]] = {
    SESSION_LOGON: AUTH_PARAMS,
    USER_DATA_SUBSCRIBE_SIGNATURE: AUTH_PARAMS,
    SESSION_STATUS: frozenset(),
    SESSION_LOGOUT: frozenset(),
    SESSION_SUBSCRIPTIONS: frozenset(),
    USER_DATA_SUBSCRIBE: frozenset(),
    USER_DATA_UNSUBSCRIBE: frozenset({"subscriptionId"}),
    LISTEN_KEY_START: frozenset({"apiKey"}),
    LISTEN_KEY_PING: frozenset({"apiKey"}),
    LISTEN_KEY_STOP: frozenset({"apiKey"}),
}
"""Every parameter the protocol methods take (besides :data:`ALWAYS_ACCEPTED_PARAMS`)."""

RECV_WINDOW_DEFAULT_MS = 5000
RECV_WINDOW_MAX_MS = 60000
TIMESTAMP_AHEAD_TOLERANCE_MS = 1000
"""A signed request whose timestamp is this far ahead of the server's clock fails with ``-1021``."""


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _leg(prefix: str, fields: str) -> frozenset[str]:
    return frozenset(prefix + field for field in fields.split())


_LEG = (
    "ClientOrderId IcebergQty PegOffsetType PegOffsetValue PegPriceType Price StopPrice StrategyId StrategyType"
    " TimeInForce TrailingDelta Type"
)
"""The fields of one order of an order list, after its prefix (``above``, ``pendingBelow`` ...)."""
_WORKING_LEG = (
    "ClientOrderId IcebergQty PegOffsetType PegOffsetValue PegPriceType Price Quantity Side StrategyId StrategyType"
    " TimeInForce Type"
)
"""The working order of an OTO / OPO list (a limit order: no stop price, no trailing delta)."""
_ORDER_LIST = _names("listClientOrderId newOrderRespType selfTradePreventionMode symbol")
_ORDER = _names(
    "icebergQty newClientOrderId newOrderRespType pegOffsetType pegOffsetValue pegPriceType price quantity"
    " quoteOrderQty selfTradePreventionMode side stopPrice strategyId strategyType symbol timeInForce trailingDelta"
    " type"
)
_SOR_ORDER = _names(
    "icebergQty newClientOrderId newOrderRespType price quantity selfTradePreventionMode side strategyId strategyType"
    " symbol timeInForce type"
)
_OPO = _ORDER_LIST | _leg("working", _WORKING_LEG) | _leg("pending", _LEG) | {"pendingSide"}
_OPOCO = (
    _ORDER_LIST
    | _leg("working", _WORKING_LEG)
    | _leg("pendingAbove", _LEG)
    | _leg("pendingBelow", _LEG)
    | {"pendingSide"}
)
_HISTORY = _names("endTime limit startTime")

DOCUMENTED_PARAMS: dict[str, dict[str, frozenset[str]]] = {
    "spot": {
        "account.commission": _names("symbol"),
        "account.rateLimits.orders": frozenset(),
        "account.status": _names("omitZeroBalances"),
        "allOrderLists": _HISTORY | {"fromId"},
        "allOrders": _HISTORY | {"orderId", "symbol"},
        "avgPrice": _names("symbol"),
        "blockTrades.historical": _names("fromId limit symbol"),
        "depth": _names("limit symbol symbolStatus"),
        "exchangeInfo": _names("permissions showPermissionSets symbol symbolStatus symbols"),
        "executionRules": _names("symbol symbolStatus symbols"),
        "klines": _HISTORY | _names("interval symbol timeZone"),
        "myAllocations": _HISTORY | _names("fromAllocationId orderId symbol"),
        "myFilters": _names("symbol"),
        "myPreventedMatches": _names("fromPreventedMatchId limit orderId preventedMatchId symbol"),
        "myTrades": _HISTORY | _names("fromId orderId symbol"),
        "openOrderLists.status": frozenset(),
        "openOrders.cancelAll": _names("symbol"),
        "openOrders.status": _names("symbol"),
        "order.amend.keepPriority": _names("newClientOrderId newQty orderId origClientOrderId symbol"),
        "order.amendments": _names("fromExecutionId limit orderId symbol"),
        "order.cancel": _names("cancelRestrictions newClientOrderId orderId origClientOrderId symbol"),
        "order.cancelReplace": _ORDER
        | _names(
            "cancelNewClientOrderId cancelOrderId cancelOrigClientOrderId cancelReplaceMode cancelRestrictions"
            " orderRateLimitExceededMode"
        ),
        "order.place": _ORDER,
        "order.status": _names("orderId origClientOrderId symbol"),
        "order.test": _ORDER | {"computeCommissionRates"},
        "orderList.cancel": _names("listClientOrderId newClientOrderId orderListId symbol"),
        "orderList.place": _ORDER_LIST
        | _names(
            "limitClientOrderId limitIcebergQty limitStrategyId limitStrategyType price quantity side"
            " stopClientOrderId stopIcebergQty stopLimitPrice stopLimitTimeInForce stopPrice stopStrategyId"
            " stopStrategyType trailingDelta"
        ),
        "orderList.place.oco": _ORDER_LIST | _leg("above", _LEG) | _leg("below", _LEG) | _names("quantity side"),
        "orderList.place.opo": _OPO,
        "orderList.place.opoco": _OPOCO,
        "orderList.place.oto": _OPO | {"pendingQuantity"},
        "orderList.place.otoco": _OPOCO | {"pendingQuantity"},
        "orderList.status": _names("orderListId origClientOrderId"),
        "ping": frozenset(),
        "referencePrice": _names("symbol"),
        "referencePrice.calculation": _names("symbol symbolStatus"),
        "sor.order.place": _SOR_ORDER,
        "sor.order.test": _SOR_ORDER | {"computeCommissionRates"},
        "ticker": _names("symbol symbolStatus symbols type windowSize"),
        "ticker.24hr": _names("symbol symbolStatus symbols type"),
        "ticker.book": _names("symbol symbolStatus symbols"),
        "ticker.price": _names("symbol symbolStatus symbols"),
        "ticker.tradingDay": _names("symbol symbolStatus symbols timeZone type"),
        "time": frozenset(),
        "trades.aggregate": _HISTORY | _names("fromId symbol"),
        "trades.historical": _names("fromId limit symbol"),
        "trades.recent": _names("limit symbol"),
        "uiKlines": _HISTORY | _names("interval symbol timeZone"),
    },
}
"""The request parameters Binance documents per WS API method (its web-socket-api documentation, as the official
binance-sdk-spot 13.3 sends them), besides the credentials, ``recvWindow`` and :data:`ALWAYS_ACCEPTED_PARAMS`.
Specs list fewer (``order.test`` takes every ``order.place`` parameter plus ``computeCommissionRates``); a server
accepts the union of these and the spec's. Futures: the specs' own lists."""


def documented_params(product: str, method: str) -> frozenset[str]:
    """The parameters Binance documents for ``method`` on ``product`` (empty when it documents none for it)."""
    return DOCUMENTED_PARAMS.get(product, {}).get(method, frozenset())


def accepted_params(
    product: str, method: str, spec_params: Collection[str], security: MethodSecurity
) -> frozenset[str]:
    """Every parameter a request of ``method`` may carry: the spec's and Binance's, with the credentials its
    security allows."""
    if method in METHOD_PARAMS:
        return METHOD_PARAMS[method] | ALWAYS_ACCEPTED_PARAMS
    accepted = set(spec_params) | documented_params(product, method) | ALWAYS_ACCEPTED_PARAMS
    if security.signed:
        accepted |= AUTH_PARAMS
    elif security.api_key:
        accepted.add("apiKey")
    return frozenset(accepted)


# Binance reads parameter values leniently: numbers as JSON numbers or as strings of digits, booleans as JSON
# booleans or "true" / "false", lists as JSON arrays or JSON-encoded strings (binance-sdk-spot sends every number,
# boolean and list as a string; the WS API takes the REST API's parameters and parses them alike).


def integer_param(value: object) -> int | None:
    """An integer parameter's value (``5`` or ``"5"``), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value):
        return int(value)
    return None


def boolean_param(value: object) -> bool | None:
    """A boolean parameter's value (``true`` or ``"true"``), or None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def list_param(value: object) -> list[str] | None:
    """A list parameter's items (``symbols``, ``permissions``): a JSON array, a JSON-encoded array, or one name."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None
        elif text:
            return [text]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


ORDER_RESPONSE_TYPES = ("ACK", "RESULT", "FULL")
NEW_ORDER_METHODS: frozenset[str] = frozenset({"order.place", "sor.order.place"})
"""Spot methods whose reply ``newOrderRespType`` selects."""
ORDER_ACK_FIELDS: frozenset[str] = frozenset({"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"})
"""The fields of an ``ACK`` order reply; ``RESULT`` has every field but :data:`ORDER_FULL_ONLY_FIELDS`."""
ORDER_FULL_ONLY_FIELDS: frozenset[str] = frozenset({"fills"})
TEST_ORDER_METHODS: frozenset[str] = frozenset({"order.test", "sor.order.test"})
COMMISSION_RATES_PARAM = "computeCommissionRates"
"""``order.test`` / ``sor.order.test`` answer ``{}`` unless it is true; then the commission rates of the order."""


def order_response_type(product: str, method: str, params: Mapping[str, object]) -> str | None:
    """The response type of a spot new-order reply: ``newOrderRespType`` if valid, else Binance's default (``FULL``
    for ``LIMIT`` and ``MARKET`` orders, ``ACK`` for the others); None where replies do not depend on it."""
    if product != "spot" or method not in NEW_ORDER_METHODS:
        return None
    wanted = params.get("newOrderRespType")
    if isinstance(wanted, str) and wanted in ORDER_RESPONSE_TYPES:
        return wanted
    return "FULL" if params.get("type") in ("LIMIT", "MARKET") else "ACK"


# Request ids (binance-protocol.md: "WS API framing", "Stream control messages"): a WS API id is a 64-bit signed
# integer, a string of at most 36 characters [A-Za-z0-9_-], or null; stream control ids on futures are unsigned
# integers only, spot takes the WS API forms.

MAX_INT64 = 2**63 - 1
MAX_UINT64 = 2**64 - 1
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def valid_request_id(value: object) -> bool:
    """A valid WS API request id."""
    if value is None:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return -MAX_INT64 - 1 <= value <= MAX_INT64
    return isinstance(value, str) and REQUEST_ID_PATTERN.match(value) is not None


def valid_control_id(product: str, value: object) -> bool:
    """A valid stream control (``SUBSCRIBE`` ...) request id on ``product``."""
    if is_futures(product):
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UINT64
    return valid_request_id(value)


STREAM_CONTROL_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
"""The live control methods of a streams connection (in Binance's error message order)."""
STREAM_PROPERTIES = frozenset({"combined"})
"""The properties ``SET_PROPERTY`` / ``GET_PROPERTY`` know."""

SESSION_LOGON_KEY_TYPES: frozenset[str] = frozenset({"ed25519"})
"""Key types ``session.logon`` accepts (all products)."""


def accepts_microsecond_timestamps(product: str) -> bool:
    """Spot reads a ``timestamp`` above 10^14 as microseconds; futures take milliseconds only."""
    return not is_futures(product)


def decimal_recv_window(product: str) -> bool:
    """Spot's ``recvWindow`` is a DECIMAL with up to three places (microseconds); futures' an integer."""
    return not is_futures(product)


def decimals_as_strings(product: str) -> bool:
    """Futures DECIMAL parameters must be JSON strings (a float's rendering is undefined); spot reads both."""
    return is_futures(product)


DEFAULT_MAX_LIMIT = 1000
LIMIT_MAXIMA: dict[str, int] = {"depth": 5000}
"""The largest ``limit`` a method answers with (larger values are cut to it); :data:`DEFAULT_MAX_LIMIT` otherwise."""


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
UMFUTURES_ROUTES = ("public", "market", "private")
"""The USDⓈ-M streams routes: book data, other market data, user data (listenKeys as query parameters)."""
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
