"""The streams client's options: as given (:class:`StreamClientOptions`), and as it runs (:class:`StreamSettings`).

The rendered ``BinanceWebSocketClient`` passes its keyword arguments on to ``StreamClientBase``; every option is
documented here once. Options left out (or None) take the product's value from :mod:`..policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

from ..backoff import BackoffPolicy
from ..core.iterators import OverflowPolicy
from ..policy import profile_for
from ..wire.transport import TransportName, require_transport

__all__ = ["Delivery", "EventModels", "LinkSettings", "StreamClientOptions", "StreamSettings"]

Delivery = Literal["event", "routed"]
EventModels = Literal["pydantic", "msgspec"]

# Rotate this long before the server's own cut, so that the overlap never races the forced close.
_ROTATION_MARGIN = 15 * 60.0
_CHANNEL_KINDS = frozenset({"raw", "combined", "userData"})


class StreamClientOptions(TypedDict, total=False):
    """Keyword options of the streams client (all optional).

    Where it connects:

    * ``url``: replaces the spec's server URL (``ws://127.0.0.1:8765``); the channel address (``/stream?streams=``,
      ``/ws/<stream>``) is appended.
    * ``channel_urls``: base URL per channel kind (``{"combined": ..., "raw": ..., "userData": ...}``), for routes
      Binance moves (the USDⓈ-M ``/public``, ``/market``, ``/private`` split).
    * ``stream_route``: ``callable(stream) -> base URL`` for full control over which host or route serves a stream
      (streams of different routes never share a connection).
    * ``api_url``: the futures WS API serving ``userDataStream.*`` (default from the product profile; when ``url``
      is given, the same host with the WS API path).
    * ``combined``: True (default) uses ``/stream`` connections whose frames name their stream; False opens one raw
      ``/ws/<stream>`` connection per stream (raw payloads cannot be routed reliably otherwise).
    * ``time_unit``: ``"MICROSECOND"`` or ``"MILLISECOND"`` (spot only).

    How its connections behave:

    * ``auto_reconnect`` (True), ``backoff`` (:class:`BackoffPolicy`), ``max_reconnect_attempts`` (None: no limit),
      ``open_timeout`` (10 s), ``request_timeout`` (10 s, for control messages).
    * ``ping_interval`` / ``ping_timeout``: our own keepalive pings (server pings are always answered);
      ``silence_timeout``: no traffic at all for this long means a dead link (default per product, 0 disables).
    * ``max_streams_per_connection`` (default 1024; more streams open more connections),
      ``control_messages_per_second`` (default 4 spot, 8 futures).
    * ``max_connection_age``: make-before-break rotation after this many seconds (default 23 h 45 min, 0
      disables); ``rotation_overlap``: seconds both connections stay open during a rotation (1 s).
    * ``listen_key_keepalive``: seconds between listenKey keepalives (default 30 min).
    * ``transport``: ``"websockets"`` (default) or ``"picows"``, a C websocket implementation (optional:
      ``pip install picows``). Everything else behaves the same on both.

    What handlers and iterators get:

    * ``deliver``: ``"event"`` (the typed event) or ``"routed"`` (the router's ``RoutedEvent`` with
      ``event_type``, ``event`` and ``stream``).
    * ``event_models``: ``"pydantic"`` (default: the models of ``models.py``) or ``"msgspec"``: the same events as
      the msgspec Structs of ``structs.py`` (same attribute names and types, several times cheaper to decode, no
      pydantic API; optional: ``pip install msgspec``).
    * ``history_size`` (1000; 0: off), ``events_queue_size`` (10 000) and ``events_overflow`` (``"drop_oldest"``):
      as for the WS API client.
    * ``strict``: False (default) delivers events that drifted from the spec (a required field gone, an unlisted
      enum value, a number where the spec says string; an unknown event type as ``UnknownEvent``) and counts them
      in ``drift_report()``; True rejects them as undecodable frames (``EventDecodeError`` to ``"__error__"``).
    """

    url: str | None
    channel_urls: Mapping[str, str] | None
    stream_route: Callable[[str], str] | None
    api_url: str | None
    combined: bool
    time_unit: Literal["MILLISECOND", "MICROSECOND", "millisecond", "microsecond"] | None
    auto_reconnect: bool
    backoff: BackoffPolicy | None
    max_reconnect_attempts: int | None
    open_timeout: float
    request_timeout: float
    ping_interval: float | None
    ping_timeout: float | None
    silence_timeout: float | None
    max_streams_per_connection: int | None
    control_messages_per_second: float | None
    max_connection_age: float | None
    rotation_overlap: float
    listen_key_keepalive: float | None
    transport: TransportName
    deliver: Delivery
    event_models: EventModels
    history_size: int
    events_queue_size: int
    events_overflow: OverflowPolicy
    strict: bool


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How each connection of a streams client behaves (market streams and user data alike)."""

    auto_reconnect: bool
    ping_interval: float | None
    ping_timeout: float | None
    open_timeout: float
    request_timeout: float
    """Seconds a control request waits for its reply."""
    backoff: BackoffPolicy
    max_reconnect_attempts: int | None
    silence_timeout: float | None
    control_messages_per_second: float
    rotate_after: float | None
    """Seconds after which a connection is replaced (before Binance's 24 h cut); None: never."""
    transport: TransportName


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """The options a streams client runs with: as given, the product's defaults filled in, checked."""

    links: LinkSettings
    url: str | None
    channel_urls: Mapping[str, str]
    stream_route: Callable[[str], str] | None
    api_url: str | None
    combined: bool
    time_unit: str | None
    """``MILLISECOND`` or ``MICROSECOND`` (upper case), or None."""
    max_streams_per_connection: int
    """1 for raw connections, which carry one stream each."""
    rotation_overlap: float
    listen_key_keepalive: float
    deliver_routed: bool
    event_models: EventModels
    history_size: int
    events_queue_size: int
    events_overflow: OverflowPolicy
    strict: bool = False
    """Reject events that drifted from the spec instead of delivering them (see ``StreamClientOptions``)."""

    @classmethod
    def resolve(cls, product: str, options: StreamClientOptions) -> StreamSettings:
        """The settings for a client of ``product`` given ``options``; raises TypeError or ValueError when they
        name an unknown option or a value out of range (before anything is opened)."""
        unknown = sorted(set(options) - set(StreamClientOptions.__optional_keys__))
        if unknown:
            raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
        profile = profile_for(product)
        transport = options.get("transport", "websockets")
        require_transport(transport)
        channel_urls = dict(options.get("channel_urls") or {})
        unknown_kinds = set(channel_urls) - _CHANNEL_KINDS
        if unknown_kinds:
            raise ValueError(f"channel_urls keys must be raw, combined or userData, not {sorted(unknown_kinds)}")
        time_unit = options.get("time_unit")
        if time_unit is not None:
            if not profile.supports_time_unit:
                raise ValueError(f"time_unit is not supported by {product} streams")
            if time_unit.upper() not in ("MILLISECOND", "MICROSECOND"):
                raise ValueError("time_unit must be MILLISECOND or MICROSECOND")
        combined = options.get("combined", True)
        limit = options.get("max_streams_per_connection")
        limit = profile.max_streams_per_connection if limit is None else limit
        if limit < 1:
            raise ValueError("max_streams_per_connection must be >= 1")
        control_rate = options.get("control_messages_per_second")
        control_rate = profile.control_messages_per_second if control_rate is None else control_rate
        if control_rate <= 0:
            raise ValueError("control_messages_per_second must be positive")
        silence = options.get("silence_timeout")
        age = options.get("max_connection_age")
        if age is None:
            rotate_after: float | None = max(
                profile.max_connection_age - _ROTATION_MARGIN, profile.max_connection_age / 2
            )
        else:
            rotate_after = age or None
        keepalive = options.get("listen_key_keepalive")
        deliver = options.get("deliver", "event")
        if deliver not in ("event", "routed"):
            raise ValueError('deliver must be "event" or "routed"')
        return cls(
            links=LinkSettings(
                auto_reconnect=options.get("auto_reconnect", True),
                ping_interval=options.get("ping_interval", 20.0),
                ping_timeout=options.get("ping_timeout", 10.0),
                open_timeout=options.get("open_timeout", 10.0),
                request_timeout=options.get("request_timeout", 10.0),
                backoff=options.get("backoff") or BackoffPolicy(),
                max_reconnect_attempts=options.get("max_reconnect_attempts"),
                silence_timeout=profile.silence_timeout if silence is None else silence or None,
                control_messages_per_second=control_rate,
                rotate_after=rotate_after,
                transport=transport,
            ),
            url=options.get("url"),
            channel_urls=channel_urls,
            stream_route=options.get("stream_route"),
            api_url=options.get("api_url"),
            combined=combined,
            time_unit=time_unit.upper() if time_unit is not None else None,
            max_streams_per_connection=limit if combined else 1,
            rotation_overlap=options.get("rotation_overlap", 1.0),
            listen_key_keepalive=profile.listen_key_keepalive if keepalive is None else keepalive,
            deliver_routed=deliver == "routed",
            event_models=options.get("event_models", "pydantic"),
            history_size=options.get("history_size", 1000),
            events_queue_size=options.get("events_queue_size", 10_000),
            events_overflow=options.get("events_overflow", "drop_oldest"),
            strict=options.get("strict", False),
        )
