"""Events as msgspec Structs instead of pydantic models: the streams client's ``event_models="msgspec"``.

msgspec builds a typed Struct straight from the frame's bytes, in less time than ``orjson.loads`` builds a dict
and several times less than pydantic builds a model (see bench/RESULTS.md). Routing is ``EVENT_ROUTER``'s own
(the same stream patterns, event types and shapes); only the last step, payload to object, differs. A Struct
has the attribute names and types of its model, but none of pydantic's API (no ``model_dump``, and unknown
fields are dropped instead of kept in ``model_extra``). A route whose types msgspec cannot express (such as an
untagged union of objects) keeps its pydantic model; :attr:`StructRouter.pydantic_routes` names them and why.

Generated Structs derive from :class:`BinanceStruct`. Drift tolerance (``drift.py``) works as for the models: a
Struct whose message lacked a required field has that field *unset* (msgspec's own notion: ``del struct.field``),
and reading it raises ``MissingFieldError``; msgspec's encoders (``msgspec.json.encode``, ``to_builtins``,
``structs.asdict``) refuse such a Struct with an ``AttributeError``.

msgspec is an optional dependency: the generated ``structs.py`` imports this module, and the client imports
``structs.py`` only when asked for msgspec events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from pydantic import ValidationError

from .drift import Deviation, FieldShape, MissingFieldError, Shapes, is_class_of, tolerant_convert
from .router import BinanceModel, EventRoute, EventRouter, ServerShutdownEvent, _EventTyper, _Fast

__all__ = ["STRUCT_SHAPES", "BinanceStruct", "ServerShutdownStruct", "StructRouter"]


class BinanceStruct(msgspec.Struct, kw_only=True, gc=False):
    """Base of the generated Structs: a field left unset by drift tolerance says so when read.

    Adds no field and no per-instance cost; decoding is msgspec's own.
    """

    if not TYPE_CHECKING:  # type checkers keep seeing the declared fields only

        def __getattr__(self, item: str) -> Any:
            # Only reached when normal lookup fails, e.g. for a field left unset (drift.py).
            for info in msgspec.structs.fields(type(self)):
                if info.name == item:
                    raise MissingFieldError(type(self).__name__, item, info.encode_name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {item!r}")

    def __repr__(self) -> str:
        try:
            return msgspec.Struct.__repr__(self)
        except AttributeError:
            # msgspec's repr refuses unset fields; show the ones that are set.
            parts = []
            for name in self.__struct_fields__:
                try:
                    value = object.__getattribute__(self, name)
                except AttributeError:
                    continue
                parts.append(f"{name}={value!r}")
            return f"{type(self).__name__}({', '.join(parts)})"


class _StructShapes(Shapes):
    invalid = (msgspec.ValidationError,)

    def __init__(self) -> None:
        self._fields: dict[type[msgspec.Struct], tuple[FieldShape, ...]] = {}

    def check(self, value: Any, annotation: Any) -> Any:
        return msgspec.convert(value, annotation, strict=False)

    def fields(self, annotation: Any) -> tuple[FieldShape, ...] | None:
        if not is_class_of(annotation, msgspec.Struct):
            return None
        found = self._fields.get(annotation)
        if found is None:
            found = tuple(
                FieldShape(info.name, info.encode_name, info.type, info.required)
                for info in msgspec.structs.fields(annotation)
            )
            self._fields[annotation] = found
        return found

    def build(self, cls: Any, values: dict[str, Any], missing: list[str], extra: dict[str, Any]) -> Any:
        # Unknown fields are dropped, as msgspec's decoder drops them.
        instance = cls(**values, **dict.fromkeys(missing))
        for name in missing:
            delattr(instance, name)
        return instance


STRUCT_SHAPES: Shapes = _StructShapes()
"""msgspec Structs, for ``drift.tolerant_convert``."""


class ServerShutdownStruct(BinanceStruct, kw_only=True, gc=False):
    """The server is about to close the connection; open a new one (see ``ServerShutdownEvent``)."""

    event_type: Literal["serverShutdown"] = msgspec.field(name="e")
    """Event type."""
    event_time: int = msgspec.field(name="E")
    """Event time (milliseconds)."""


class _StructRoute:
    """One route's Struct: its JSON decoder, its converter for decoded payloads, its event type reader."""

    __slots__ = ("decoder", "e_attribute", "route", "target")

    def __init__(self, route: EventRoute, struct: type[msgspec.Struct]) -> None:
        self.route = route
        self.target: Any = list[struct] if route.array else struct  # type: ignore[valid-type]
        # strict=False: the lax conversions pydantic makes too ("1" for an int field), so both modes accept the
        # same payloads. Raises TypeError when msgspec cannot express the type.
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(self.target, strict=False)
        self.e_attribute = next((f.name for f in msgspec.structs.fields(struct) if f.encode_name == "e"), None)

    def convert(self, data: Any) -> Any:
        return msgspec.convert(data, self.target, strict=False)

    def event_type_of(self, event: Any) -> str:
        """The ``e`` value of a decoded event (first item for arrays), else the route's name."""
        return self.route.event_type_from(event, self.e_attribute)


class StructRouter(EventRouter):
    """``EVENT_ROUTER`` with msgspec Structs: ``structs`` maps each event model to its Struct."""

    _invalid = (ValidationError, msgspec.DecodeError)

    def __init__(self, router: EventRouter, structs: Mapping[type[BinanceModel], type[msgspec.Struct]]) -> None:
        super().__init__(router.routes, stream_key=router.stream_key, data_key=router.data_key)
        by_model: dict[type[BinanceModel], type[msgspec.Struct]] = {ServerShutdownEvent: ServerShutdownStruct}
        by_model.update(structs)
        self._struct_routes: dict[EventRoute, _StructRoute | None] = {}
        self.pydantic_routes: dict[str, str] = {}
        """Route name -> why it keeps its pydantic model (no Struct, or a type msgspec cannot express)."""
        # Built eagerly (decoders are cheap to build) so that pydantic_routes is complete from the start.
        for route in self.all_routes:
            struct = by_model.get(route.model)
            if struct is None:
                self.pydantic_routes[route.name] = "no Struct for this model"
                self._struct_routes[route] = None
                continue
            try:
                self._struct_routes[route] = _StructRoute(route, struct)
            except TypeError as exc:
                self.pydantic_routes[route.name] = str(exc)
                self._struct_routes[route] = None

    def _fast_of(self, route: EventRoute) -> _Fast:
        found = self._struct_routes.get(route)
        if found is None:
            return super()._fast_of(route)
        # The fixed event type comes from the model's annotations: the Struct was generated from the same schema.
        fixed = None if route.array else route._fixed_event_type()
        return _Fast(found.decoder.decode, fixed, found)

    def _validate(self, route: EventRoute, data: Any) -> Any:
        found = self._struct_routes.get(route)
        return super()._validate(route, data) if found is None else found.convert(data)

    def _typer(self, route: EventRoute) -> _EventTyper:
        found = self._struct_routes.get(route)
        return route if found is None else found

    def _validate_tolerant(
        self, route: EventRoute, data: Any, texts: Mapping[int, str]
    ) -> tuple[Any, tuple[Deviation, ...]]:
        found = self._struct_routes.get(route)
        if found is None:
            return super()._validate_tolerant(route, data, texts)
        return tolerant_convert(STRUCT_SHAPES, found.target, data, texts)
