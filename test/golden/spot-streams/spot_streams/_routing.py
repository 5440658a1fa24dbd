"""Event routing: raw frame -> typed event model.

A frame is a bare event (``{"e": "trade", ...}``), an all-market array (``[{"e": "24hrTicker", ...}, ...]``),
a combined-stream wrapper (``{"stream": "btcusdt@trade", "data": {...}}``), a spot user-data envelope
(``{"subscriptionId": 0, "event": {...}}``) or a connection event (``{"event": {"e": "serverShutdown"}}``).

The ``e`` field alone cannot always pick the model: ``24hrTicker`` is both a single-symbol event and the item
of ``!ticker@arr``; futures partial and diff depth both say ``depthUpdate``; some spot events have no ``e``.
So the router tries, in order: the stream name (combined wrapper or given by the caller), then ``e`` together
with the payload shape (object or array), then the set of keys of events that have no ``e``.

This runs for every market-data frame. Frames Binance sends in their usual layout (``{"e":"...`` first, or
``{"stream":"...","data":...}``) are routed by looking at their first bytes and validated by pydantic straight
from the raw text (one parse, no intermediate dict); any other layout falls back to ``json.loads``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .errors import EventDecodeError

__all__ = [
    "BinanceModel",
    "EventRoute",
    "EventRouter",
    "RoutedEvent",
    "ServerShutdownEvent",
    "StreamPattern",
]

_MAX_RAW_IN_ERROR = 2048
_STREAM_CACHE_SIZE = 4096
_SERVER_SHUTDOWN = "serverShutdown"


class BinanceModel(BaseModel):
    """Base of every generated model.

    Unknown fields are accepted and kept (``model_extra``) so that a field Binance adds tomorrow neither breaks
    validation nor gets lost. Fields can be given by wire name or attribute name. Models are built on first
    use, which keeps importing a module with hundreds of them fast.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        defer_build=True,
        protected_namespaces=(),
    )


class ServerShutdownEvent(BinanceModel):
    """The server is about to close the connection; open a new one.

    Sent bare on raw streams, wrapped on combined streams and as ``{"event": {...}}`` (no ``subscriptionId``)
    on the spot WS API.
    """

    event_type: Literal["serverShutdown"] = Field(alias="e")
    """Event type."""
    event_time: int = Field(alias="E")
    """Event time (milliseconds)."""


class RoutedEvent(NamedTuple):
    """A decoded frame.

    ``event_type`` is the payload's ``e`` value, or the model class name for events without ``e``.
    ``event`` is the model, or a list of models for all-market array streams. ``stream`` is the stream name
    (combined streams, or as given to ``decode``). ``subscription_id`` comes from the spot user-data envelope.
    """

    event_type: str
    event: BinanceModel | list[BinanceModel]
    stream: str | None
    subscription_id: int | None


class StreamPattern(NamedTuple):
    """A stream-name template (``{symbol}@depth{levels}@{speed}``) and the allowed values of its parameters.

    ``params`` pairs each placeholder with its enum values, or None when any value is allowed.
    """

    template: str
    params: tuple[tuple[str, tuple[str, ...] | None], ...] = ()

    def compile(self) -> re.Pattern[str]:
        allowed = dict(self.params)
        parts: list[str] = []
        position = 0
        for match in re.finditer(r"\{([^{}]+)\}", self.template):
            parts.append(re.escape(self.template[position : match.start()]))
            values = allowed.get(match.group(1))
            if values:
                parts.append("(?:" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + ")")
            else:
                parts.append("[^@/]+")
            position = match.end()
        parts.append(re.escape(self.template[position:]))
        return re.compile("".join(parts), re.IGNORECASE)

    @property
    def specificity(self) -> tuple[int, int]:
        """More literal text first, then fewer placeholders: the most specific pattern wins."""
        literal = re.sub(r"\{[^{}]+\}", "", self.template)
        return (len(literal), -self.template.count("{"))


@dataclass(frozen=True, eq=False)
class EventRoute:
    """One event model and how to recognise it."""

    model: type[BinanceModel]
    event_types: tuple[str, ...] = ()
    array: bool = False
    """The payload is a JSON array of ``model`` items (``!ticker@arr`` style streams)."""
    envelope: Literal["subscription"] | None = None
    """``subscription``: the payload arrives as ``{"subscriptionId": n, "event": payload}``."""
    stream_patterns: tuple[StreamPattern, ...] = ()
    required_keys: tuple[str, ...] = ()
    """For events without ``e``: keys that identify the payload's shape."""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.model.__name__

    def _list_adapter(self) -> TypeAdapter[list[BinanceModel]]:
        adapter: TypeAdapter[list[BinanceModel]] | None = self._cache.get("list")
        if adapter is None:
            adapter = TypeAdapter(list[self.model])  # type: ignore[name-defined]
            self._cache["list"] = adapter
        return adapter

    def validate_json(self, data: bytes | str) -> BinanceModel | list[BinanceModel]:
        if self.array:
            return self._list_adapter().validate_json(data)
        return self.model.model_validate_json(data)

    def validate_python(self, data: Any) -> BinanceModel | list[BinanceModel]:
        if self.array:
            return self._list_adapter().validate_python(data)
        return self.model.model_validate(data)

    def event_type_of(self, event: BinanceModel | list[BinanceModel]) -> str:
        """The ``e`` value of a validated event (first item for arrays), else the route name."""
        attr = self._cache.get("e_attr", "")
        if attr == "":
            attr = next((name for name, info in self.model.model_fields.items() if info.alias == "e"), None)
            self._cache["e_attr"] = attr
        sample: BinanceModel | None
        if isinstance(event, list):
            sample = event[0] if event else None
        else:
            sample = event
        if attr is not None and sample is not None:
            value = getattr(sample, attr, None)
            if isinstance(value, str):
                return value
        return self.event_types[0] if self.event_types else self.name


_SHUTDOWN_ROUTE = EventRoute(model=ServerShutdownEvent, event_types=(_SERVER_SHUTDOWN,))


def _truncate(raw: bytes | str) -> bytes | str:
    return raw if len(raw) <= _MAX_RAW_IN_ERROR else raw[:_MAX_RAW_IN_ERROR]


class _Markers(NamedTuple):
    stream_prefix: Any
    data_infix: Any
    bare_prefix: Any
    array_prefix: Any
    open_array: Any
    quote: Any
    backslash: Any
    close: Any


def _markers(kind: type[str | bytes], stream_key: str, data_key: str) -> _Markers:
    def conv(text: str) -> Any:
        return text if kind is str else text.encode()

    return _Markers(
        stream_prefix=conv('{"' + stream_key + '":"'),
        data_infix=conv('","' + data_key + '":'),
        bare_prefix=conv('{"e":"'),
        array_prefix=conv('[{"e":"'),
        open_array=conv("["),
        quote=conv('"'),
        backslash=conv("\\"),
        close=conv("}"),
    )


class EventRouter:
    """Routes frames to event models; built once per spec in ``models.py`` (``EVENT_ROUTER``)."""

    def __init__(self, routes: tuple[EventRoute, ...], *, stream_key: str = "stream", data_key: str = "data") -> None:
        self.routes = routes
        self.stream_key = stream_key
        self.data_key = data_key
        self._str_markers = _markers(str, stream_key, data_key)
        self._bytes_markers = _markers(bytes, stream_key, data_key)

        known_types = {t for route in routes for t in route.event_types}
        all_routes = routes if _SERVER_SHUTDOWN in known_types else (*routes, _SHUTDOWN_ROUTE)

        candidates: dict[tuple[str | None, bool, str], list[EventRoute]] = {}
        for route in all_routes:
            for event_type in route.event_types:
                candidates.setdefault((route.envelope, route.array, event_type), []).append(route)
        self._by_type: dict[tuple[str | None, bool, str], EventRoute] = {
            key: min(found, key=self._default_rank) for key, found in candidates.items()
        }
        # Binance sends serverShutdown bare (raw streams), wrapped (combined) and as {"event": {...}} without a
        # subscription id (WS API), whichever shape the spec itself declares.
        for envelope in (None, "subscription"):
            self._by_type.setdefault((envelope, False, _SERVER_SHUTDOWN), _SHUTDOWN_ROUTE)
        self._shape_routes = sorted(
            (r for r in all_routes if r.required_keys and not r.array),
            key=lambda r: -len(r.required_keys),
        )
        patterns = [(p, route) for route in all_routes for p in route.stream_patterns]
        patterns.sort(key=lambda item: item[0].specificity, reverse=True)
        self._patterns = [(p.compile(), route) for p, route in patterns]
        self._stream_cache: dict[str, EventRoute | None] = {}

    @staticmethod
    def _default_rank(route: EventRoute) -> tuple[int, int]:
        """Among routes sharing an ``e`` and a shape, the one with the simplest stream pattern is the default.

        That is the plain stream (``{symbol}@depth``) rather than its parametrised sibling
        (``{symbol}@depth{levels}``); a stream name, when available, overrides the default anyway.
        """
        fewest = min((p.template.count("{") for p in route.stream_patterns), default=0)
        return (fewest, len(route.stream_patterns))

    # -- public API -------------------------------------------------------------------------------------------

    def route_for_stream(self, stream: str) -> EventRoute | None:
        """The route whose stream pattern matches ``stream`` (cached)."""
        try:
            return self._stream_cache[stream]
        except KeyError:
            pass
        found = next((route for regex, route in self._patterns if regex.fullmatch(stream)), None)
        if len(self._stream_cache) >= _STREAM_CACHE_SIZE:
            self._stream_cache.clear()
        self._stream_cache[stream] = found
        return found

    def decode(self, raw: bytes | str, *, stream: str | None = None) -> RoutedEvent:
        """Decode one text frame. ``stream`` names the stream of a raw (non-combined) connection, if known.

        Raises ``EventDecodeError`` for malformed JSON, unknown events and payloads that fail validation.
        """
        try:
            fast = self._decode_fast(raw, stream)
            if fast is not None:
                return fast
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                raise EventDecodeError(f"frame is not valid JSON: {exc}", _truncate(raw), cause=exc) from exc
            return self._from_object(obj, stream)
        except ValidationError as exc:
            raise EventDecodeError(f"event failed validation: {exc}", _truncate(raw), cause=exc) from exc
        except EventDecodeError as exc:
            if exc.raw is None:
                exc.raw = _truncate(raw)
            raise

    def from_object(self, obj: Any, stream: str | None = None) -> RoutedEvent:
        """Route an already decoded JSON value (dict or list)."""
        try:
            return self._from_object(obj, stream)
        except ValidationError as exc:
            raise EventDecodeError(f"event failed validation: {exc}", cause=exc) from exc

    def parse(self, raw: bytes | str, *, stream: str | None = None) -> BinanceModel | list[BinanceModel]:
        return self.decode(raw, stream=stream).event

    # -- fast path on the raw text ---------------------------------------------------------------------------

    def _decode_fast(self, raw: bytes | str, stream: str | None) -> RoutedEvent | None:
        m = self._str_markers if isinstance(raw, str) else self._bytes_markers
        if raw.startswith(m.stream_prefix):
            start = len(m.stream_prefix)
            end = raw.find(m.quote, start)
            if end < 0 or raw.find(m.backslash, start, end) >= 0:
                return None
            if not raw.startswith(m.data_infix, end) or not raw.endswith(m.close):
                return None
            name = raw[start:end]
            stream_name = name if isinstance(name, str) else name.decode()
            data = raw[end + len(m.data_infix) : -1]
            return self._decode_payload_fast(data, stream_name)
        return self._decode_payload_fast(raw, stream)

    def _decode_payload_fast(self, data: bytes | str, stream: str | None) -> RoutedEvent | None:
        m = self._str_markers if isinstance(data, str) else self._bytes_markers
        if stream is not None:
            route = self.route_for_stream(stream)
            if route is not None and route.array == data.startswith(m.open_array):
                event = route.validate_json(data)
                return RoutedEvent(route.event_type_of(event), event, stream, None)
        if data.startswith(m.bare_prefix):
            start, is_array = len(m.bare_prefix), False
        elif data.startswith(m.array_prefix):
            start, is_array = len(m.array_prefix), True
        else:
            return None
        end = data.find(m.quote, start)
        if end < 0:
            return None
        raw_type = data[start:end]
        event_type = raw_type if isinstance(raw_type, str) else raw_type.decode()
        found = self._by_type.get((None, is_array, event_type))
        if found is None:
            return None
        event = found.validate_json(data)
        return RoutedEvent(event_type, event, stream, None)

    # -- general path on decoded JSON ------------------------------------------------------------------------

    def _from_object(self, obj: Any, stream: str | None) -> RoutedEvent:
        if isinstance(obj, Mapping):
            wrapped_stream = obj.get(self.stream_key)
            if isinstance(wrapped_stream, str) and self.data_key in obj:
                return self._route_payload(obj[self.data_key], wrapped_stream, envelope=None)
            inner = obj.get("event")
            if "e" not in obj and isinstance(inner, Mapping):
                sub_id = obj.get("subscriptionId")
                routed = self._route_payload(inner, stream, envelope="subscription")
                sid = sub_id if isinstance(sub_id, int) and not isinstance(sub_id, bool) else None
                return routed._replace(subscription_id=sid)
        return self._route_payload(obj, stream, envelope=None)

    def _route_payload(self, data: Any, stream: str | None, *, envelope: Literal["subscription"] | None) -> RoutedEvent:
        is_array = isinstance(data, list)
        if stream is not None and envelope is None:
            route = self.route_for_stream(stream)
            if route is not None and route.array == is_array:
                event = route.validate_python(data)
                return RoutedEvent(route.event_type_of(event), event, stream, None)
        sample = (data[0] if data else None) if is_array else data
        if not isinstance(sample, Mapping):
            raise EventDecodeError(f"cannot route a {type(data).__name__} payload without a known stream name")
        event_type = sample.get("e")
        if isinstance(event_type, str):
            found = self._by_type.get((envelope, is_array, event_type))
            if found is None:
                raise EventDecodeError(f"no event model for e={event_type!r}")
            return RoutedEvent(event_type, found.validate_python(data), stream, None)
        if not is_array:
            for route in self._shape_routes:
                if route.envelope == envelope and all(key in data for key in route.required_keys):
                    return RoutedEvent(route.name, route.validate_python(data), stream, None)
        raise EventDecodeError("no event model matches this payload (no 'e' field and no known shape)")
