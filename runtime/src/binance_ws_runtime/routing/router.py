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
from the raw text (one parse, no intermediate dict): per frame that is a prefix test, one ``find``, one slice,
one dict lookup keyed by the raw stream name (or ``e`` value) and one call into pydantic-core's validator. Any
other layout, and any frame the shortcut cannot validate, takes the general path (``json.loads``, then the
rules above), which also produces the error.

That is the strict path, and the only one a frame takes while it matches the spec. A frame it rejects can be
decoded once more with :meth:`EventRouter.decode_tolerant` (the clients do so unless ``strict=True``): the same
routing, tolerating what Binance changes without notice (see ``drift.py``: missing required fields are left
unset, unlisted enum values and numbers of another kind are kept exactly), and an event no model describes
becomes an :class:`UnknownEvent` instead of an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..errors import EventDecodeError
from ..policy import SERVER_SHUTDOWN
from .drift import (
    PYDANTIC_SHAPES,
    Deviation,
    MissingFieldError,
    TolerantDecodeError,
    exact_json,
    exact_loads,
    missing_fields,
    tolerant_convert,
)

__all__ = [
    "UNKNOWN_EVENT",
    "BinanceModel",
    "DriftedEvent",
    "EventRoute",
    "EventRouter",
    "EventRouterLike",
    "MissingFieldError",
    "RoutedEvent",
    "ServerShutdownEvent",
    "StreamPattern",
    "UnknownEvent",
    "missing_fields",
]

_MAX_RAW_IN_ERROR = 2048
_STREAM_CACHE_SIZE = 4096


class BinanceModel(BaseModel):
    """Base of every generated model.

    Unknown fields are accepted and kept (``model_extra``) so that a field Binance adds tomorrow neither breaks
    validation nor gets lost. Fields can be given by wire name or attribute name. Models are built on first
    use, which keeps importing a module with hundreds of them fast.

    Only keys go through pydantic-core's string cache: prices, quantities and ids differ in every frame, so
    caching values costs a hash and an insert per string and never hits (a 20-level depth update has 80 of
    them: about a quarter of its validation time).
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        defer_build=True,
        protected_namespaces=(),
        cache_strings="keys",
    )

    if not TYPE_CHECKING:  # type checkers keep seeing the declared fields only

        def __getattr__(self, item: str) -> Any:
            # Only reached when normal lookup fails: a field is missing from __dict__ only when the message lacked
            # it and the tolerant decoder (drift.py) left it unset.
            try:
                return super().__getattr__(item)
            except AttributeError:
                info = type(self).model_fields.get(item)
                if info is None:
                    raise
                raise MissingFieldError(type(self).__name__, item, info.alias or item) from None


class ServerShutdownEvent(BinanceModel):
    """The server is about to close the connection; open a new one.

    Sent bare on raw streams, wrapped on combined streams and as ``{"event": {...}}`` (no ``subscriptionId``)
    on the spot WS API.
    """

    event_type: Literal["serverShutdown"] = Field(alias="e")
    """Event type."""
    event_time: int = Field(alias="E")
    """Event time (milliseconds)."""


UNKNOWN_EVENT = "UnknownEvent"
"""The event type of an :class:`UnknownEvent` whose payload names none (no ``e``)."""


class UnknownEvent(BinanceModel):
    """An event no model of the spec describes, delivered untyped (drift tolerance; not with ``strict=True``).

    Handlers and iterators of ``"*"`` and of its event type receive it. ``payload`` is the JSON value as sent (the
    object, or the list of an array stream), numbers with a fraction as exact ``decimal.Decimal``.
    """

    event_type: str | None
    """The payload's ``e`` (the event type it names), None when it names none."""
    stream: str | None
    """The stream it came on (combined streams, or the stream of a raw connection), if known."""
    payload: Any
    """The decoded JSON payload."""


class RoutedEvent(NamedTuple):
    """A decoded frame.

    ``event_type`` is the payload's ``e`` value, or the model class name for events without ``e``.
    ``event`` is the model, or a list of models for all-market array streams (msgspec Structs instead of models
    from ``structs.STRUCT_ROUTER``, the streams client's ``event_models="msgspec"``), or an :class:`UnknownEvent`
    from :meth:`EventRouter.decode_tolerant`. ``stream`` is the stream name (combined streams, or as given to
    ``decode``). ``subscription_id`` comes from the spot user-data envelope.
    """

    event_type: str
    event: BinanceModel | list[BinanceModel]
    stream: str | None
    subscription_id: int | None


class DriftedEvent(NamedTuple):
    """What :meth:`EventRouter.decode_tolerant` made of a frame the strict path rejected."""

    routed: RoutedEvent
    model: str
    """Class name of the event (of its items for arrays); ``UnknownEvent`` for an event no model describes."""
    deviations: tuple[Deviation, ...]
    """What differed from the spec (empty when the strict path only failed to route the frame)."""


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


_JsonValidator = Callable[[bytes | str], Any]


class _EventTyper(Protocol):
    def event_type_of(self, event: Any) -> str: ...


class _Fast(NamedTuple):
    """What the shortcut needs for one route: a JSON validator (pydantic-core's own ``validate_json``, or a
    msgspec decoder) and the event type.

    ``event_type`` is set when the model pins ``e`` to one value (or has no ``e``): then no attribute needs
    reading per frame. Otherwise ``route.event_type_of`` reads it from the validated event.
    """

    validate_json: _JsonValidator
    event_type: str | None
    route: _EventTyper


class _StreamEntry(NamedTuple):
    """A stream name as it appears in a combined frame: its decoded name and its route's shortcut, if any."""

    name: str
    fast: _Fast | None


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
            # A TypeAdapter has its own core config; without this one it would cache every string value.
            adapter = TypeAdapter(
                list[self.model],  # type: ignore[name-defined]
                config=ConfigDict(cache_strings=BinanceModel.model_config.get("cache_strings", True)),
            )
            self._cache["list"] = adapter
        return adapter

    def validate_json(self, data: bytes | str) -> BinanceModel | list[BinanceModel]:
        return self._shortcut().validate_json(data)  # type: ignore[no-any-return]

    def validate_python(self, data: Any) -> BinanceModel | list[BinanceModel]:
        if self.array:
            return self._list_adapter().validate_python(data)
        return self.model.model_validate(data)

    def _shortcut(self) -> _Fast:
        """The validator and fixed event type of this route, built on first use (that builds the model too)."""
        found: _Fast | None = self._cache.get("fast")
        if found is None:
            if self.array:
                validate_json: _JsonValidator = self._list_adapter().validator.validate_json
            else:
                # Calling the core validator directly skips model_validate_json's Python wrapper (about 1 µs).
                if not self.model.__pydantic_complete__:
                    self.model.model_rebuild()
                validate_json = self.model.__pydantic_validator__.validate_json
            found = _Fast(validate_json, None if self.array else self._fixed_event_type(), self)
            self._cache["fast"] = found
        return found

    def _e_attribute(self) -> str | None:
        attr: str | None = self._cache.get("e_attr", "")
        if attr == "":
            attr = next((name for name, info in self.model.model_fields.items() if info.alias == "e"), None)
            self._cache["e_attr"] = attr
        return attr

    def _fixed_event_type(self) -> str | None:
        """The event type every valid payload has, when the model alone decides it; else None."""
        attr = self._e_attribute()
        if attr is None:
            return self.event_types[0] if self.event_types else self.name
        info = self.model.model_fields[attr]
        values = get_args(info.annotation) if get_origin(info.annotation) is Literal else ()
        if info.is_required() and len(values) == 1 and isinstance(values[0], str):
            return values[0]
        return None

    def event_type_of(self, event: BinanceModel | list[BinanceModel]) -> str:
        """The ``e`` value of a validated event (first item for arrays), else the route name."""
        return self.event_type_from(event, self._e_attribute())

    def event_type_from(self, event: Any, attr: str | None) -> str:
        """The ``attr`` value of ``event`` (first item for arrays) when it is a string, else the route name.

        ``attr`` is the attribute holding the wire field ``e``: of the model, or of a Struct mirroring it.
        """
        sample = (event[0] if event else None) if isinstance(event, list) else event
        if attr is not None and sample is not None:
            value = getattr(sample, attr, None)
            if isinstance(value, str):
                return value
        return self.event_types[0] if self.event_types else self.name


_SHUTDOWN_ROUTE = EventRoute(model=ServerShutdownEvent, event_types=(SERVER_SHUTDOWN,))

# RoutedEvent(...) runs NamedTuple's generated Python __new__; tuple.__new__ builds the same object for half the
# cost, and the shortcut builds one per frame.
_new_tuple = tuple.__new__


def _truncate(raw: bytes | str) -> bytes | str:
    return raw if len(raw) <= _MAX_RAW_IN_ERROR else raw[:_MAX_RAW_IN_ERROR]


_BARE_PREFIX = '{"e":"'
_ARRAY_PREFIX = '[{"e":"'
_UNSEEN: Any = object()
"""Cache miss marker where None is a cached answer ("no route for this stream")."""

# Frame prefixes in both text kinds (websockets hands over str, other transports bytes), as plain tuples so that
# the hot path unpacks them into locals in one step.
_CombinedMarkers = tuple[Any, int, Any, int]
"""``{"stream":"``, where the name starts, ``","data":``, its length."""
_BareMarkers = tuple[Any, Any, Any]
"""``{"e":"``, ``[{"e":"`` and ``"``: the ``e`` value runs from the end of either prefix to the next quote."""


def _markers(kind: type[str | bytes], stream_key: str, data_key: str) -> tuple[_CombinedMarkers, _BareMarkers]:
    def conv(text: str) -> Any:
        return text if kind is str else text.encode()

    stream_prefix = '{"' + stream_key + '":"'
    data_infix = '","' + data_key + '":'
    combined = (conv(stream_prefix), len(stream_prefix), conv(data_infix), len(data_infix))
    return combined, (conv(_BARE_PREFIX), conv(_ARRAY_PREFIX), conv('"'))


class EventRouterLike(Protocol):
    """What the clients need from ``models.EVENT_ROUTER``; tests may hand them a stand-in."""

    def decode(self, raw: bytes | str, *, stream: str | None = None) -> RoutedEvent: ...
    def combined_decoder(self) -> Callable[[bytes], RoutedEvent | None]: ...
    def stream_decoder(self) -> Callable[[bytes, str | None], RoutedEvent]: ...
    def from_object(self, obj: Any, stream: str | None = None) -> RoutedEvent: ...
    def decode_tolerant(self, raw: bytes | str, *, stream: str | None = None) -> DriftedEvent: ...


class EventRouter:
    """Routes frames to event models; built once per spec in ``models.py`` (``EVENT_ROUTER``).

    Subclasses change what a route's payload becomes by overriding ``_fast_of``, ``_validate`` and ``_typer``
    (and ``_invalid``, the exceptions that mean "the payload does not fit"); the routing itself stays here.
    """

    _invalid: tuple[type[Exception], ...] = (ValidationError,)

    def __init__(self, routes: tuple[EventRoute, ...], *, stream_key: str = "stream", data_key: str = "data") -> None:
        self.routes = routes
        self.stream_key = stream_key
        self.data_key = data_key
        self._str_combined, self._str_bare = _markers(str, stream_key, data_key)
        self._bytes_combined, self._bytes_bare = _markers(bytes, stream_key, data_key)

        known_types = {t for route in routes for t in route.event_types}
        all_routes = routes if SERVER_SHUTDOWN in known_types else (*routes, _SHUTDOWN_ROUTE)
        self.all_routes: tuple[EventRoute, ...] = all_routes
        """The spec's routes plus the serverShutdown route every connection may carry."""

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
            self._by_type.setdefault((envelope, False, SERVER_SHUTDOWN), _SHUTDOWN_ROUTE)
        # Shortcut tables, filled on first use (building them eagerly would build every model at import): the
        # `e` value as sliced from the frame (str or bytes; they never compare equal, so one dict serves both).
        self._fast_by_raw_type: dict[str | bytes, _Fast] = {}
        self._fast_by_raw_array_type: dict[str | bytes, _Fast] = {}
        self._shape_routes = sorted(
            (r for r in all_routes if r.required_keys and not r.array),
            key=lambda r: -len(r.required_keys),
        )
        patterns = [(p, route) for route in all_routes for p in route.stream_patterns]
        patterns.sort(key=lambda item: item[0].specificity, reverse=True)
        self._patterns = [(p.compile(), route) for p, route in patterns]
        self._stream_cache: dict[str, EventRoute | None] = {}
        self._fast_by_stream: dict[str, _Fast | None] = {}
        self._combined_names: dict[str | bytes, _StreamEntry] = {}

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
        if isinstance(raw, str):
            stream_prefix, stream_start, data_infix, data_skip = self._str_combined
            bare = self._str_bare
        else:
            stream_prefix, stream_start, data_infix, data_skip = self._bytes_combined
            bare = self._bytes_bare
        try:
            if raw.startswith(stream_prefix):
                end = raw.find(data_infix, stream_start)
                if end > 0:
                    key = raw[stream_start:end]
                    entry = self._combined_names.get(key) or self._combined_entry(key)
                    if entry is not None:
                        name, fast = entry
                        data = raw[end + data_skip : -1]
                        if fast is not None:
                            validate_json, event_type, route = fast
                            event = validate_json(data)
                            return _new_tuple(
                                RoutedEvent, (event_type or route.event_type_of(event), event, name, None)
                            )
                        routed = self._decode_by_type(data, name, bare)
                        if routed is not None:
                            return routed
            elif stream is not None:
                fast = self._fast_by_stream.get(stream, _UNSEEN)
                if fast is _UNSEEN:
                    fast = self._stream_fast(stream)
                if fast is not None:
                    validate_json, event_type, route = fast
                    event = validate_json(raw)
                    return _new_tuple(RoutedEvent, (event_type or route.event_type_of(event), event, stream, None))
                routed = self._decode_by_type(raw, stream, bare)
                if routed is not None:
                    return routed
            else:
                routed = self._decode_by_type(raw, None, bare)
                if routed is not None:
                    return routed
        except self._invalid:
            # The shortcut guessed the layout or the route from a few bytes; the general path re-reads the frame
            # properly and either routes it some other way or reports why it is invalid.
            pass
        return self._decode_general(raw, stream)

    def combined_decoder(self) -> Callable[[bytes], RoutedEvent | None]:
        """:meth:`decode` for the bytes frames of a combined (``/stream``) connection, bound into one closure.

        The closure returns None for a frame that is not a ``{"stream": ..., "data": ...}`` wrapper (control
        replies, a bare serverShutdown notice: the caller deals with those without the router), and otherwise
        what :meth:`decode` returns or raises. Holding its tables in locals saves what :meth:`decode` spends on
        attribute lookups and on telling ``str`` from ``bytes``, a tenth of the per-event cost outside
        validation.
        """
        prefix, start, infix, skip = self._bytes_combined
        names = self._combined_names  # cleared in place when full, never replaced
        entry_of = self._combined_entry
        decode = self.decode
        decode_general = self._decode_general
        invalid = self._invalid
        new_tuple = _new_tuple

        def decode_combined(raw: bytes) -> RoutedEvent | None:
            if not raw.startswith(prefix):
                return None
            end = raw.find(infix, start)
            if end > 0:
                key = raw[start:end]
                entry = names.get(key) or entry_of(key)
                if entry is not None:
                    name, fast = entry
                    if fast is not None:
                        validate_json, event_type, route = fast
                        try:
                            event = validate_json(raw[end + skip : -1])
                        except invalid:
                            return decode_general(raw, None)
                        return new_tuple(RoutedEvent, (event_type or route.event_type_of(event), event, name, None))
            return decode(raw)

        return decode_combined

    def stream_decoder(self) -> Callable[[bytes, str | None], RoutedEvent]:
        """``decode(raw, stream=stream)`` for the bytes frames of a raw (``/ws/<stream>``) connection, bound into one
        closure as :meth:`combined_decoder` is; same results and errors as :meth:`decode`."""
        fast_by_stream = self._fast_by_stream  # cleared in place when full, never replaced
        stream_fast = self._stream_fast
        decode = self.decode
        decode_general = self._decode_general
        invalid = self._invalid
        new_tuple = _new_tuple

        def decode_stream(raw: bytes, stream: str | None) -> RoutedEvent:
            if stream is not None:
                fast = fast_by_stream.get(stream, _UNSEEN)
                if fast is _UNSEEN:
                    fast = stream_fast(stream)
                if fast is not None:
                    validate_json, event_type, route = fast
                    try:
                        event = validate_json(raw)
                    except invalid:
                        return decode_general(raw, stream)
                    return new_tuple(RoutedEvent, (event_type or route.event_type_of(event), event, stream, None))
            return decode(raw, stream=stream)

        return decode_stream

    def from_object(self, obj: Any, stream: str | None = None) -> RoutedEvent:
        """Route an already decoded JSON value (dict or list)."""
        try:
            return self._from_object(obj, stream)
        except self._invalid as exc:
            raise EventDecodeError(f"event failed validation: {exc}", cause=exc) from exc

    def parse(self, raw: bytes | str, *, stream: str | None = None) -> BinanceModel | list[BinanceModel]:
        return self.decode(raw, stream=stream).event

    def decode_tolerant(self, raw: bytes | str, *, stream: str | None = None) -> DriftedEvent:
        """Decode a frame the strict path (:meth:`decode`) rejected, tolerating drift from the spec.

        The routing rules are :meth:`decode`'s. The chosen model is built with the deviations ``drift.py``
        tolerates (missing required fields left unset, unlisted enum values and numbers of another kind kept
        exactly); an object (or array of objects) that no model describes becomes an :class:`UnknownEvent`.
        Not for the hot path: it parses the frame in Python and validates field by field where validation failed.
        Raises ``EventDecodeError`` for what it cannot tolerate (not JSON, other type mismatches, no payload).
        """
        try:
            obj, texts = exact_loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventDecodeError(f"frame is not valid JSON: {exc}", _truncate(raw), cause=exc) from exc
        try:
            return self.from_object_tolerant(obj, stream, texts=texts)
        except EventDecodeError as exc:
            if exc.raw is None:
                exc.raw = _truncate(raw)
            raise

    def from_object_tolerant(
        self, obj: Any, stream: str | None = None, *, texts: Mapping[int, str] | None = None
    ) -> DriftedEvent:
        """:meth:`decode_tolerant` for an already decoded JSON value; ``texts`` as from ``drift.exact_loads``."""
        exact = texts or {}
        if isinstance(obj, Mapping):
            wrapped_stream = obj.get(self.stream_key)
            if isinstance(wrapped_stream, str) and self.data_key in obj:
                return self._route_tolerant(obj[self.data_key], wrapped_stream, None, exact)
            inner = obj.get("event")
            if "e" not in obj and isinstance(inner, Mapping):
                sub_id = obj.get("subscriptionId")
                drifted = self._route_tolerant(inner, stream, "subscription", exact)
                sid = sub_id if isinstance(sub_id, int) and not isinstance(sub_id, bool) else None
                return drifted._replace(routed=drifted.routed._replace(subscription_id=sid))
        return self._route_tolerant(obj, stream, None, exact)

    # -- shortcut on the raw text ----------------------------------------------------------------------------

    def _combined_entry(self, key: str | bytes) -> _StreamEntry | None:
        """Cache entry for a stream name as sliced from a combined frame; None when only a JSON parser can read it."""
        try:
            name = key if isinstance(key, str) else key.decode()
        except UnicodeDecodeError:
            return None
        if '"' in name or "\\" in name:
            return None
        entry = _StreamEntry(name, self._stream_fast(name))
        if len(self._combined_names) >= _STREAM_CACHE_SIZE:
            self._combined_names.clear()
        self._combined_names[key] = entry
        return entry

    def _stream_fast(self, stream: str) -> _Fast | None:
        route = self.route_for_stream(stream)
        fast = self._fast_of(route) if route is not None and route.envelope is None else None
        if len(self._fast_by_stream) >= _STREAM_CACHE_SIZE:
            self._fast_by_stream.clear()
        self._fast_by_stream[stream] = fast
        return fast

    def _decode_by_type(self, data: bytes | str, stream: str | None, bare: _BareMarkers) -> RoutedEvent | None:
        """Route a bare payload by the ``e`` value it starts with; None when it does not start that way."""
        bare_prefix, array_prefix, quote = bare
        if data.startswith(bare_prefix):
            start = len(bare_prefix)
            table = self._fast_by_raw_type
        elif data.startswith(array_prefix):
            start = len(array_prefix)
            table = self._fast_by_raw_array_type
        else:
            return None
        end = data.find(quote, start)
        if end < 0:
            return None
        raw_type = data[start:end]
        fast = table.get(raw_type) or self._type_fast(raw_type, table is self._fast_by_raw_array_type)
        if fast is None:
            return None
        validate_json, event_type, route = fast
        event = validate_json(data)
        return _new_tuple(RoutedEvent, (event_type or route.event_type_of(event), event, stream, None))

    def _type_fast(self, raw_type: str | bytes, is_array: bool) -> _Fast | None:
        try:
            event_type = raw_type if isinstance(raw_type, str) else raw_type.decode()
        except UnicodeDecodeError:
            return None
        route = self._by_type.get((None, is_array, event_type))
        if route is None or "\\" in event_type:
            return None
        fast = self._fast_of(route)
        # The shortcut reports the `e` it read, not the route's default: pin it for models that allow several.
        if fast.event_type is None and not is_array:
            fast = fast._replace(event_type=event_type)
        (self._fast_by_raw_array_type if is_array else self._fast_by_raw_type)[raw_type] = fast
        return fast

    # -- what a route's payload becomes (overridden by subclasses) ------------------------------------------

    def _fast_of(self, route: EventRoute) -> _Fast:
        """The JSON validator of a route for the shortcut, and its fixed event type."""
        return route._shortcut()

    def _validate(self, route: EventRoute, data: Any) -> Any:
        """The event of a route from an already decoded payload."""
        return route.validate_python(data)

    def _typer(self, route: EventRoute) -> _EventTyper:
        """What reads the event type from a validated event of ``route``."""
        return route

    def _validate_tolerant(
        self, route: EventRoute, data: Any, texts: Mapping[int, str]
    ) -> tuple[Any, tuple[Deviation, ...]]:
        """The event of a route from a decoded payload, tolerating drift (see ``drift.tolerant_convert``)."""
        target: Any = list[route.model] if route.array else route.model  # type: ignore[name-defined]
        return tolerant_convert(PYDANTIC_SHAPES, target, data, texts)

    # -- general path on decoded JSON ------------------------------------------------------------------------

    def _decode_general(self, raw: bytes | str, stream: str | None) -> RoutedEvent:
        try:
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                raise EventDecodeError(f"frame is not valid JSON: {exc}", _truncate(raw), cause=exc) from exc
            return self._from_object(obj, stream)
        except self._invalid as exc:
            raise EventDecodeError(f"event failed validation: {exc}", _truncate(raw), cause=exc) from exc
        except EventDecodeError as exc:
            if exc.raw is None:
                exc.raw = _truncate(raw)
            raise

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
        sample = (data[0] if data else None) if is_array else data
        event_type = sample.get("e") if isinstance(sample, Mapping) else None
        by_type = self._by_type.get((envelope, is_array, event_type)) if isinstance(event_type, str) else None
        if stream is not None and envelope is None:
            route = self.route_for_stream(stream)
            if route is not None and route.array == is_array:
                try:
                    event = self._validate(route, data)
                except self._invalid:
                    # A stream carries one kind of event, plus the connection events every stream may carry
                    # (serverShutdown): a payload whose own `e` names another model is that model.
                    if by_type is None or by_type is route:
                        raise
                else:
                    return RoutedEvent(self._typer(route).event_type_of(event), event, stream, None)
        if not isinstance(sample, Mapping):
            raise EventDecodeError(f"cannot route a {type(data).__name__} payload without a known stream name")
        if isinstance(event_type, str):
            if by_type is None:
                raise EventDecodeError(f"no event model for e={event_type!r}")
            return RoutedEvent(event_type, self._validate(by_type, data), stream, None)
        if not is_array:
            for route in self._shape_routes:
                if route.envelope == envelope and all(key in data for key in route.required_keys):
                    return RoutedEvent(route.name, self._validate(route, data), stream, None)
        raise EventDecodeError("no event model matches this payload (no 'e' field and no known shape)")

    # -- drift-tolerant path ---------------------------------------------------------------------------------

    def _tolerant_route(
        self, data: Any, stream: str | None, envelope: Literal["subscription"] | None
    ) -> EventRoute | None:
        """The route of a payload for :meth:`decode_tolerant`, or None when no model describes it.

        A payload naming its event type (``e``) belongs to the model of that type; the stream's own model when it
        is one of them (one ``e``, several models: the stream decides). Without ``e``: the stream's model, else the
        model whose required keys are all there. An ``e`` no model of the stream or the spec knows is an event of
        its own, not a broken one of the stream's kind.
        """
        is_array = isinstance(data, list)
        sample = (data[0] if data else None) if is_array else data
        event_type = sample.get("e") if isinstance(sample, Mapping) else None
        stream_route = self.route_for_stream(stream) if stream is not None and envelope is None else None
        if stream_route is not None and stream_route.array != is_array:
            stream_route = None
        if isinstance(event_type, str):
            if stream_route is not None and event_type in stream_route.event_types:
                return stream_route
            return self._by_type.get((envelope, is_array, event_type))
        if stream_route is not None:
            return stream_route
        if isinstance(sample, Mapping) and not is_array:
            for route in self._shape_routes:
                if route.envelope == envelope and all(key in sample for key in route.required_keys):
                    return route
        return None

    def _route_tolerant(
        self, data: Any, stream: str | None, envelope: Literal["subscription"] | None, texts: Mapping[int, str]
    ) -> DriftedEvent:
        if not (isinstance(data, Mapping) or (isinstance(data, list) and all(isinstance(i, Mapping) for i in data))):
            raise EventDecodeError(f"cannot decode a {type(data).__name__} payload as an event (no object)")
        route = self._tolerant_route(data, stream, envelope)
        if route is None:
            sample = (data[0] if data else None) if isinstance(data, list) else data
            named = sample.get("e") if isinstance(sample, Mapping) else None
            event_type = named if isinstance(named, str) else None
            payload = exact_json(data, texts)
            unknown = UnknownEvent(event_type=event_type, stream=stream, payload=payload)
            deviation = Deviation("", "unknown_event", payload)
            return DriftedEvent(
                RoutedEvent(event_type or UNKNOWN_EVENT, unknown, stream, None), UNKNOWN_EVENT, (deviation,)
            )
        rejected: tuple[type[Exception], ...] = (TolerantDecodeError, *self._invalid)
        try:
            event, deviations = self._validate_tolerant(route, data, texts)
        except rejected as exc:
            raise EventDecodeError(f"{route.name} does not fit even with drift tolerated: {exc}", cause=exc) from exc
        routed = RoutedEvent(self._typer(route).event_type_of(event), event, stream, None)
        return DriftedEvent(routed, route.name, deviations)
