"""Drift tolerance: decoding what Binance sends when it no longer matches the spec, and the report of it.

Binance changes its messages without notice (trade events lost ``b`` and ``a`` on 2024-06-18, new enum values, new
events) and a client generated from yesterday's spec must not lose today's events. The router's strict path stays
the hot path; only a message that path rejects comes here (the clients' ``strict=False``, the default):

* a field the spec requires but the message lacks (or sends as ``null``) is left **unset**: the object is still of
  its model class, the field is not in ``model_fields_set`` and reading it raises :class:`MissingFieldError` (an
  ``AttributeError`` naming the wire field and the model), never a wrongly typed ``None``;
* a value the spec's enum (``Literal``) does not list is kept as the raw value;
* a number where the spec says string is kept as the exact text of the JSON number (``1.10`` stays ``"1.10"``),
  a fraction where the spec says integer as an exact :class:`~decimal.Decimal`;
* any other mismatch (an object where a string belongs, a string where a number belongs) is still an error.

Every object the strict validator accepts is built by it; only the parts that failed are rebuilt here, field by
field. Each tolerated deviation is a :class:`Deviation`; a client counts them per message and field in its
:class:`DriftLog`, logs each one once and hands out a :class:`DriftReport` snapshot (``client.drift_report()``).

How a model kind is checked and built is a :class:`Shapes`: :data:`PYDANTIC_SHAPES` here, the msgspec Structs' in
``routing/structs.py`` (msgspec is optional).
"""

from __future__ import annotations

import abc
import json
import logging
import math
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, NamedTuple, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import MissingFieldError

__all__ = [
    "PYDANTIC_SHAPES",
    "Deviation",
    "DriftEntry",
    "DriftKind",
    "DriftLog",
    "DriftReport",
    "FieldShape",
    "MissingFieldError",
    "Shapes",
    "TolerantDecodeError",
    "exact_json",
    "exact_loads",
    "is_class_of",
    "missing_fields",
    "tolerant_convert",
]

logger = logging.getLogger(__name__)

DriftKind = Literal["missing", "null", "enum", "number", "unknown_event"]
"""What differed from the spec.

``missing``: a required field was absent; ``null``: a required field was ``null``; ``enum``: a value the spec's
enum does not list; ``number``: a number where the spec says string, or a fraction where it says integer;
``unknown_event``: an event no model of the spec describes (delivered as ``UnknownEvent``).
"""

_MAX_ENTRIES = 1000
"""Distinct (event type, model, field, kind) entries a drift log keeps; later new ones are only counted."""


class TolerantDecodeError(ValueError):
    """A value that even the tolerant decoder cannot keep (not one of the deviations it accepts)."""


class Deviation(NamedTuple):
    """One difference between a message and its model."""

    path: str
    """The field on the wire: ``b``, ``k.x`` (nested), ``fills[].p`` (items of a list), ``[].s`` (items of an
    array payload); empty for a whole unknown event."""
    kind: DriftKind
    value: Any
    """The value sent (None for a missing field; the payload of an unknown event)."""


# ---------------------------------------------------------------------------------------------- exact numbers


def exact_loads(raw: str | bytes) -> tuple[Any, dict[int, str]]:
    """``json.loads(raw)`` as the strict path parses it, plus the exact text of every non-integer number.

    The result has plain floats, so everything that validates strictly validates the same way; the texts (keyed by
    the ``id`` of each float, unique while the result is alive) let a string field keep ``1.10`` as ``"1.10"``.
    Raises ``ValueError`` for text that is not JSON.
    """
    texts: dict[int, str] = {}

    def parse_float(text: str) -> float:
        value = float(text)
        texts[id(value)] = text
        return value

    return json.loads(raw, parse_float=parse_float), texts


def exact_json(value: Any, texts: Mapping[int, str]) -> Any:
    """``value`` with every float of an :func:`exact_loads` result replaced by the exact ``Decimal`` it was sent as."""
    if isinstance(value, float):
        text = texts.get(id(value))
        return Decimal(text) if text is not None else value
    if isinstance(value, dict):
        return {key: exact_json(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [exact_json(item, texts) for item in value]
    return value


def is_class_of(annotation: Any, base: type) -> bool:
    """``annotation`` is a subclass of ``base`` (not a generic alias: Python 3.10 counts ``list[X]`` as a type)."""
    return isinstance(annotation, type) and get_origin(annotation) is None and issubclass(annotation, base)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------- model kinds


class FieldShape(NamedTuple):
    """One field of a model class: attribute and wire names, declared type, whether the spec requires it."""

    attr: str
    wire: str
    annotation: Any
    required: bool


class Shapes(abc.ABC):
    """How one kind of model (pydantic models, msgspec Structs) is validated strictly, read and built."""

    invalid: tuple[type[Exception], ...]
    """The exceptions :meth:`check` raises for a value that does not fit."""
    by_attribute: bool = False
    """Fields may also be given by attribute name (pydantic's ``populate_by_name``)."""

    @abc.abstractmethod
    def check(self, value: Any, annotation: Any) -> Any:
        """``value`` validated strictly (exactly as the router's strict path would) as ``annotation``."""

    @abc.abstractmethod
    def fields(self, annotation: Any) -> tuple[FieldShape, ...] | None:
        """The fields when ``annotation`` is a model class of this kind, else None."""

    @abc.abstractmethod
    def build(self, cls: Any, values: dict[str, Any], missing: list[str], extra: dict[str, Any]) -> Any:
        """An instance of ``cls`` holding ``values`` (by attribute), with the ``missing`` attributes unset."""


class _PydanticShapes(Shapes):
    invalid = (ValidationError,)
    by_attribute = True

    def __init__(self) -> None:
        self._checkers: dict[Any, Callable[[Any], Any]] = {}
        self._fields: dict[type[BaseModel], tuple[FieldShape, ...]] = {}

    def check(self, value: Any, annotation: Any) -> Any:
        try:
            checker = self._checkers.get(annotation)
        except TypeError:  # an unhashable annotation: no cache
            return self._checker(annotation)(value)
        if checker is None:
            checker = self._checkers[annotation] = self._checker(annotation)
        return checker(value)

    @staticmethod
    def _checker(annotation: Any) -> Callable[[Any], Any]:
        if is_class_of(annotation, BaseModel):
            return annotation.model_validate  # type: ignore[no-any-return]
        return TypeAdapter(annotation).validate_python

    def fields(self, annotation: Any) -> tuple[FieldShape, ...] | None:
        if not is_class_of(annotation, BaseModel):
            return None
        found = self._fields.get(annotation)
        if found is None:
            if not annotation.__pydantic_complete__:
                annotation.model_rebuild()
            found = tuple(
                FieldShape(name, info.alias or name, info.annotation, info.is_required())
                for name, info in annotation.model_fields.items()
            )
            self._fields[annotation] = found
        return found

    def build(self, cls: Any, values: dict[str, Any], missing: list[str], extra: dict[str, Any]) -> Any:
        # model_construct() sets up everything pydantic keeps beside the fields (defaults of the optional fields,
        # the extra dict, private attributes); the values were validated here, field by field.
        instance = cls.model_construct(_fields_set=set(values))
        defaults = instance.__dict__
        state: dict[str, Any] = {}
        for name in cls.model_fields:
            if name in values:
                state[name] = values[name]
            elif name in defaults:
                state[name] = defaults[name]
        object.__setattr__(instance, "__dict__", state)
        if extra and instance.__pydantic_extra__ is not None:
            instance.__pydantic_extra__.update(extra)
        return instance


PYDANTIC_SHAPES: Shapes = _PydanticShapes()
"""Pydantic models (``BinanceModel`` and any other ``BaseModel``)."""


def missing_fields(event: Any) -> tuple[str, ...]:
    """The attributes of a model or Struct (or of every item of a list of them) that are unset, in field order.

    Empty for anything decoded strictly. See :class:`MissingFieldError`.
    """
    items = event if isinstance(event, list) else [event]
    found: dict[str, None] = {}
    for item in items:
        if isinstance(item, BaseModel):
            state = item.__dict__
            for name in type(item).model_fields:
                if name not in state:
                    found[name] = None
        else:
            for name in getattr(item, "__struct_fields__", ()):
                try:
                    object.__getattribute__(item, name)
                except AttributeError:
                    found[name] = None
    return tuple(found)


# ---------------------------------------------------------------------------------------------- the tolerant walk

_UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Walk:
    """One tolerant conversion: the deviations it found, the exact number texts of its message."""

    def __init__(self, shapes: Shapes, texts: Mapping[int, str]) -> None:
        self.shapes = shapes
        self.texts = texts
        self.deviations: list[Deviation] = []

    def note(self, path: str, kind: DriftKind, value: Any) -> None:
        self.deviations.append(Deviation(path, kind, value))

    def convert(self, value: Any, annotation: Any, path: str) -> Any:
        try:
            return self.shapes.check(value, annotation)
        except self.shapes.invalid:
            pass
        return self.repair(value, annotation, path)

    def exact_text(self, value: int | float) -> str:
        if isinstance(value, int):
            return str(value)
        return self.texts.get(id(value)) or repr(value)

    def repair(self, value: Any, annotation: Any, path: str) -> Any:
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin is typing.Annotated:
            return self.convert(value, args[0], path)
        fields = self.shapes.fields(annotation)
        if fields is not None:
            if not isinstance(value, Mapping):
                raise TolerantDecodeError(f"{path or 'payload'}: expected an object")
            return self.model(annotation, fields, value, path)
        if origin in _UNION_TYPES:
            return self.union(value, args, path)
        if origin is Literal:
            if value is not None and any(type(value) is type(allowed) for allowed in args):
                self.note(path, "enum", value)
                return value
        elif is_class_of(annotation, Enum):
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                self.note(path, "enum", value)
                return value
        elif annotation is str:
            if _is_number(value) and not (isinstance(value, float) and not math.isfinite(value)):
                self.note(path, "number", value if isinstance(value, int) else Decimal(self.exact_text(value)))
                return self.exact_text(value)
        elif annotation is int:
            if isinstance(value, float) and math.isfinite(value):
                exact = Decimal(self.exact_text(value))
                self.note(path, "number", exact)
                return exact
        elif origin is list and isinstance(value, list):
            item_type = args[0] if args else Any
            return [self.convert(item, item_type, path + "[]") for item in value]
        elif origin is tuple and isinstance(value, list):
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.convert(item, args[0], path + "[]") for item in value)
            if len(args) == len(value):
                pairs = enumerate(zip(value, args, strict=True))
                return tuple(self.convert(item, arg, f"{path}[{index}]") for index, (item, arg) in pairs)
        elif origin is dict and isinstance(value, Mapping):
            value_type = args[1] if len(args) == 2 else Any
            return {key: self.convert(item, value_type, path + ".*") for key, item in value.items()}
        raise TolerantDecodeError(f"{path or 'payload'}: {value!r} does not fit {annotation!r}")

    def union(self, value: Any, members: tuple[Any, ...], path: str) -> Any:
        candidates = [member for member in members if member is not type(None)]
        if _is_number(value) and str in candidates:
            # A number where the spec allows a string: keep it exactly, as text.
            return self.repair(value, str, path)
        best: tuple[Any, list[Deviation]] | None = None
        for member in candidates:
            trial = _Walk(self.shapes, self.texts)
            try:
                result = trial.convert(value, member, path)
            except TolerantDecodeError:
                continue
            if best is None or len(trial.deviations) < len(best[1]):
                best = (result, trial.deviations)
        if best is None:
            raise TolerantDecodeError(f"{path or 'payload'}: {value!r} fits no member of the union")
        self.deviations.extend(best[1])
        return best[0]

    def model(self, cls: Any, fields: tuple[FieldShape, ...], data: Mapping[str, Any], path: str) -> Any:
        values: dict[str, Any] = {}
        missing: list[str] = []
        used: set[str] = set()
        for shape in fields:
            key = shape.wire if shape.wire in data else None
            if key is None and self.shapes.by_attribute and shape.attr in data:
                key = shape.attr
            where = _join(path, shape.wire)
            if key is None:
                if shape.required:
                    self.note(where, "missing", None)
                    missing.append(shape.attr)
                continue
            used.add(key)
            item = data[key]
            try:
                values[shape.attr] = self.convert(item, shape.annotation, where)
            except TolerantDecodeError:
                if item is not None:
                    raise
                # null where the spec allows no null: no value, like a missing field (an optional one keeps its
                # default).
                if shape.required:
                    self.note(where, "null", None)
                    missing.append(shape.attr)
        extra = {key: item for key, item in data.items() if key not in used}
        return self.shapes.build(cls, values, missing, extra)


def tolerant_convert(
    shapes: Shapes, annotation: Any, value: Any, texts: Mapping[int, str] | None = None, path: str = ""
) -> tuple[Any, tuple[Deviation, ...]]:
    """``value`` as ``annotation`` with the deviations described in the module docs tolerated.

    Returns the object and what deviated (empty when the strict validation accepts ``value``). ``texts`` are the
    exact number texts from :func:`exact_loads`. Raises :class:`TolerantDecodeError` for anything else.
    """
    walk = _Walk(shapes, texts or {})
    result = walk.convert(value, annotation, path)
    return result, tuple(walk.deviations)


# ---------------------------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class DriftEntry:
    """One kind of deviation of one field of one message, as counted by a client."""

    event_type: str
    """The event type (``e``) of an event, the method of a WS API reply, or the ``e`` of an unknown event."""
    model: str
    """The model (class name) the message was decoded to; ``UnknownEvent`` for unknown events."""
    path: str
    """The field on the wire (see :attr:`Deviation.path`); empty for an unknown event."""
    kind: DriftKind
    count: int
    """Messages that showed it (a message counts once per field and kind, however many list items deviate)."""
    first_value: Any
    """The first value seen (None for ``missing`` and ``null``; the payload for ``unknown_event``)."""
    first_seen: float
    """When it was first seen (``time.time()``)."""
    last_seen: float


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What a client received that its spec does not describe, since it was created (``client.drift_report()``)."""

    entries: tuple[DriftEntry, ...]
    """One per (event type, model, field, kind), in the order they were first seen."""
    messages: int
    """Messages delivered despite deviations (each counted once)."""
    untracked: int = 0
    """Deviations not given an entry of their own because the report was full (1000 entries)."""

    def __iter__(self) -> Iterator[DriftEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries) or self.untracked > 0

    def of_model(self, model: str) -> tuple[DriftEntry, ...]:
        """The entries of one model (class name)."""
        return tuple(entry for entry in self.entries if entry.model == model)


class _Tally:
    __slots__ = ("count", "first_seen", "first_value", "last_seen")

    def __init__(self, value: Any, now: float) -> None:
        self.count = 0
        self.first_value = value
        self.first_seen = now
        self.last_seen = now


class DriftLog:
    """A client's drift counters: each deviation logged once (per event type, model, field and kind), all counted."""

    def __init__(self, *, max_entries: int = _MAX_ENTRIES) -> None:
        self._tallies: dict[tuple[str, str, str, DriftKind], _Tally] = {}
        self._max_entries = max_entries
        self.messages = 0
        self.untracked = 0

    def record(self, event_type: str, model: str, deviations: Iterable[Deviation], stream: str | None = None) -> None:
        """Count one message that was delivered despite ``deviations``."""
        now = time.time()
        seen: set[tuple[str, str, str, DriftKind]] = set()
        counted = False
        for deviation in deviations:
            key = (event_type, model, deviation.path, deviation.kind)
            if key in seen:
                continue
            seen.add(key)
            counted = True
            tally = self._tallies.get(key)
            if tally is None:
                if len(self._tallies) >= self._max_entries:
                    self.untracked += 1
                    continue
                tally = self._tallies[key] = _Tally(deviation.value, now)
                self._announce(event_type, model, deviation, stream)
            tally.count += 1
            tally.last_seen = now
        if counted:
            self.messages += 1

    @staticmethod
    def _announce(event_type: str, model: str, deviation: Deviation, stream: str | None) -> None:
        where = f" on stream {stream!r}" if stream else ""
        if deviation.kind == "unknown_event":
            logger.warning(
                "Binance sent an event the spec does not describe (%r%s): delivered as UnknownEvent; further ones "
                "are counted in drift_report()",
                event_type,
                where,
            )
            return
        what = {
            "missing": "lacks the required field",
            "null": "has null for the required field",
            "enum": "has a value the spec does not list in",
            "number": "has a number of another kind than the spec says in",
        }[deviation.kind]
        value = "" if deviation.kind in ("missing", "null") else f" ({deviation.value!r})"
        logger.warning(
            "Binance's %r message (%s)%s %s %r%s: delivered anyway; further ones are counted in drift_report()",
            event_type,
            model,
            where,
            what,
            deviation.path,
            value,
        )

    def report(self) -> DriftReport:
        entries = tuple(
            DriftEntry(event_type, model, path, kind, t.count, t.first_value, t.first_seen, t.last_seen)
            for (event_type, model, path, kind), t in self._tallies.items()
        )
        return DriftReport(entries, self.messages, self.untracked)
