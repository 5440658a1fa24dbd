"""The generated models accept the spec's own examples, keep what they do not know, and route every event.

The routing rules themselves (layouts, the raw-text shortcut, errors) are tested once, in the runtime's own suite;
this module checks them on this spec's models and examples.
"""

from __future__ import annotations

import json
import re
import types
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from .. import models
from ..errors import EventDecodeError
from ..models import BinanceModel, EventRouter, ServerShutdownEvent
from ._message_examples import MESSAGE_EXAMPLES, RESPONSE_CLASSES, ROUTING_CASES, SPEC_EXAMPLES, SPEC_KIND, RoutingCase


def is_model_class(value: Any) -> bool:
    # get_origin: Python 3.10 counts aliases such as list[RateLimit] as types, and issubclass refuses them.
    return isinstance(value, type) and get_origin(value) is None and issubclass(value, BinanceModel)


MODEL_NAMES = sorted(
    name
    for name in models.__all__
    if is_model_class(getattr(models, name)) and getattr(models, name) is not BinanceModel
)
EXAMPLES = [
    pytest.param(name, payload, id=f"{name}-{index}")
    for name, payloads in sorted(MESSAGE_EXAMPLES.items())
    for index, payload in enumerate(payloads)
]
DECIMAL_TEXT = re.compile(r"^-?\d+\.\d+$")


def model_class(name: str) -> type[BinanceModel]:
    cls = getattr(models, name)
    assert is_model_class(cls)
    return cls  # type: ignore[no-any-return]


def jsonable(value: Any) -> Any:
    """What a value looks like on the wire (tuples are arrays, models are dumped by alias)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return json.loads(json.dumps(value, default=jsonable))


def label(event: BinanceModel | list[BinanceModel]) -> str:
    if isinstance(event, list):
        assert event, "array events in the routing cases are never empty"
        return f"list[{type(event[0]).__name__}]"
    return type(event).__name__


# -- spec examples -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "payload"), EXAMPLES)
def test_spec_example_validates_and_dumps_back_by_alias(name: str, payload: dict[str, Any]) -> None:
    cls = model_class(name)
    from_python = cls.model_validate(payload)
    assert from_python.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload
    from_json = cls.model_validate_json(json.dumps(payload))
    assert from_json.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload


@pytest.mark.parametrize(
    ("name", "payload"),
    [pytest.param(n, p, id=f"{n}-{i}") for n, ps in sorted(SPEC_EXAMPLES.items()) for i, p in enumerate(ps)],
)
def test_no_model_rejects_its_specs_own_example(name: str, payload: dict[str, Any]) -> None:
    instance = model_class(name).model_validate_json(json.dumps(payload))
    assert instance.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload


def test_every_response_and_event_class_has_an_example() -> None:
    missing = sorted({cls for cls in RESPONSE_CLASSES.values() if cls not in MESSAGE_EXAMPLES})
    assert not missing
    routed = {case.expected.removeprefix("list[").removesuffix("]") for case in ROUTING_CASES}
    assert routed <= set(MODEL_NAMES) | {ServerShutdownEvent.__name__}


@pytest.mark.parametrize(("name", "payload"), EXAMPLES)
def test_attributes_hold_their_own_wire_field(name: str, payload: dict[str, Any]) -> None:
    """Keys that differ only by case (e/E, t/T, m/M) land in distinct attributes, each with its own value."""
    cls = model_class(name)
    instance = cls.model_validate(payload)
    aliases = [info.alias or attr for attr, info in cls.model_fields.items()]
    assert len(set(aliases)) == len(aliases)
    for attr, info in cls.model_fields.items():
        alias = info.alias or attr
        if alias in payload:
            assert jsonable(getattr(instance, attr)) == payload[alias], f"{name}.{attr} <- {alias!r}"
            if isinstance(payload[alias], str) and DECIMAL_TEXT.match(payload[alias]):
                # Prices and quantities stay the exact text Binance sent.
                assert getattr(instance, attr) == payload[alias]


@pytest.mark.parametrize(("name", "payload"), EXAMPLES)
def test_unknown_fields_are_kept(name: str, payload: dict[str, Any]) -> None:
    cls = model_class(name)
    extended = {**payload, "zzFieldAddedLater": {"nested": [1, "2"]}}
    instance = cls.model_validate_json(json.dumps(extended))
    assert instance.model_extra == {"zzFieldAddedLater": {"nested": [1, "2"]}}
    assert instance.model_dump(mode="json", by_alias=True, exclude_unset=True) == extended


def test_models_can_be_built_by_attribute_name() -> None:
    for name, payloads in MESSAGE_EXAMPLES.items():
        cls = model_class(name)
        instance = cls.model_validate(payloads[0])
        by_name = {attr: getattr(instance, attr) for attr in instance.model_fields_set if attr in cls.model_fields}
        assert cls.model_validate(by_name).model_dump(by_alias=True) == instance.model_dump(by_alias=True)


def test_response_models_carry_the_whole_envelope() -> None:
    for method, name in RESPONSE_CLASSES.items():
        aliases = {info.alias or attr for attr, info in model_class(name).model_fields.items()}
        assert {"id", "status", "result", "rateLimits", "error"} <= aliases, method


# -- routing -------------------------------------------------------------------------------------------------


def case_id(case: RoutingCase) -> str:
    return f"{case.expected}:{case.stream or 'bare'}{':stream-arg' if case.pass_stream else ''}"


@pytest.mark.parametrize("case", ROUTING_CASES, ids=case_id)
def test_router_picks_the_right_model(case: RoutingCase) -> None:
    stream_arg = case.stream if case.pass_stream else None
    spaced = json.dumps(json.loads(case.frame), indent=1)  # not Binance's layout: takes the general path
    for raw in (case.frame, case.frame.encode(), spaced):
        routed = models.EVENT_ROUTER.decode(raw, stream=stream_arg)
        assert label(routed.event) == case.expected
        assert routed.event_type == case.event_type
        assert routed.stream == case.stream
        assert routed.subscription_id == case.subscription_id
    from_object = models.EVENT_ROUTER.from_object(json.loads(case.frame), stream_arg)
    assert label(from_object.event) == case.expected
    assert label(models.parse_event(case.frame, stream=stream_arg)) == case.expected


def test_routed_event_keeps_the_payload() -> None:
    for case in ROUTING_CASES:
        frame = json.loads(case.frame)
        payload = frame.get("data", frame.get("event", frame)) if isinstance(frame, dict) else frame
        routed = models.EVENT_ROUTER.decode(case.frame, stream=case.stream if case.pass_stream else None)
        assert jsonable(routed.event) == payload


def test_server_shutdown_is_routed_on_every_connection_kind() -> None:
    frames = [
        '{"e":"serverShutdown","E":1700000000000}',
        '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1700000000000}}',
        '{"event":{"e":"serverShutdown","E":1700000000000}}',
    ]
    for frame in frames:
        routed = models.EVENT_ROUTER.decode(frame)
        assert routed.event_type == "serverShutdown"
        assert isinstance(routed.event, BinanceModel)
        assert routed.event.model_dump(by_alias=True)["E"] == 1700000000000


def test_invalid_payload_raises_decode_error_with_cause() -> None:
    cases = [c for c in ROUTING_CASES if not c.pass_stream and c.stream is None and not c.expected.startswith("list")]
    checked = 0
    for case in cases:
        frame = json.loads(case.frame)
        target = frame.get("event", frame)
        if "e" not in target:
            continue  # without `e` the shape itself is what routes, so a missing key is "unknown", not "invalid"
        cls = model_class(case.expected)
        required = [info.alias or attr for attr, info in cls.model_fields.items() if info.is_required()]
        dropped = next((alias for alias in required if alias not in ("e",) and alias in target), None)
        if dropped is None:
            continue
        del target[dropped]
        with pytest.raises(EventDecodeError) as caught:
            models.EVENT_ROUTER.decode(json.dumps(frame, separators=(",", ":")))
        assert caught.value.cause is not None
        checked += 1
    if SPEC_KIND == "streams":
        assert checked > 0


def test_stream_name_overrides_an_ambiguous_event_type() -> None:
    by_stream = [c for c in ROUTING_CASES if c.stream is not None and not c.pass_stream]
    router = models.EVENT_ROUTER
    for case in by_stream:
        route = router.route_for_stream(case.stream or "")
        assert route is not None, case.stream
        assert route.name == case.expected.removeprefix("list[").removesuffix("]")


def test_a_fresh_router_routes_like_the_module_router() -> None:
    router = EventRouter(models.EVENT_ROUTER.routes)
    for case in ROUTING_CASES:
        routed = router.decode(case.frame, stream=case.stream if case.pass_stream else None)
        assert label(routed.event) == case.expected


def combined_cases() -> list[RoutingCase]:
    return [c for c in ROUTING_CASES if c.stream is not None and not c.pass_stream]


def test_repeated_frames_route_the_same_from_the_caches() -> None:
    router = EventRouter(models.EVENT_ROUTER.routes)
    for case in ROUTING_CASES * 2:
        stream_arg = case.stream if case.pass_stream else None
        for raw in (case.frame, case.frame.encode()):
            routed = router.decode(raw, stream=stream_arg)
            assert (label(routed.event), routed.event_type, routed.stream) == (
                case.expected,
                case.event_type,
                case.stream,
            )


def test_unknown_fields_survive_the_raw_text_shortcut() -> None:
    for case in ROUTING_CASES:
        frame = json.loads(case.frame)
        holder = frame.get("data", frame.get("event", frame)) if isinstance(frame, dict) else frame
        items = holder if isinstance(holder, list) else [holder]
        for item in items:
            item["zzFieldAddedLater"] = [1, "2"]
        routed = models.EVENT_ROUTER.decode(
            json.dumps(frame, separators=(",", ":")), stream=case.stream if case.pass_stream else None
        )
        events = routed.event if isinstance(routed.event, list) else [routed.event]
        assert [event.model_extra for event in events] == [{"zzFieldAddedLater": [1, "2"]}] * len(items)


def test_combined_frames_in_another_layout_take_the_general_path() -> None:
    for case in combined_cases():
        frame = json.loads(case.frame)
        stream = case.stream or ""
        escaped = (
            '{"stream":"'
            + f"\\u{ord(stream[0]):04x}"
            + json.dumps(stream[1:])[1:]
            + ',"data":'
            + json.dumps(frame["data"])
            + "}"
        )
        trailing = case.frame[:-1] + ',"zzAfterData":1}'
        for raw in (escaped, escaped.encode(), trailing, trailing.encode()):
            routed = models.EVENT_ROUTER.decode(raw)
            assert (label(routed.event), routed.stream) == (case.expected, case.stream), raw


def test_frames_the_shortcut_misreads_still_raise_decode_errors() -> None:
    frames: list[bytes | str] = ['{"stream":"x\\"","data":{"e":"nobody"}}', b'{"stream":"\xff","data":{}}', '{"e":"\\']
    frames += [c.frame[: len(c.frame) // 2] for c in combined_cases()]
    for frame in frames:
        with pytest.raises(EventDecodeError):
            models.EVENT_ROUTER.decode(frame)


def test_a_raw_stream_also_delivers_server_shutdown() -> None:
    """A raw connection names its one stream, yet Binance may send serverShutdown on it."""
    checked = 0
    for case in ROUTING_CASES:
        if not case.pass_stream or case.expected.startswith("list["):
            continue
        required = [
            info.alias or attr for attr, info in model_class(case.expected).model_fields.items() if info.is_required()
        ]
        if not [alias for alias in required if alias not in ("e", "E")]:
            continue
        for raw in ('{"e":"serverShutdown","E":1700000000000}', b'{"E":1700000000000,"e":"serverShutdown"}'):
            routed = models.EVENT_ROUTER.decode(raw, stream=case.stream)
            assert isinstance(routed.event, BinanceModel)
            assert routed.event.model_dump(by_alias=True)["e"] == routed.event_type == "serverShutdown"
            assert routed.stream == case.stream
        checked += 1
    if SPEC_KIND == "streams":
        assert checked > 0


def test_event_type_is_the_value_sent_when_a_model_allows_several() -> None:
    """``e`` is read from the payload, not assumed from the route, wherever one model stands for several types."""
    for case in ROUTING_CASES:
        if case.expected.startswith("list[") or case.event_type == case.expected:
            continue
        cls = model_class(case.expected)
        attr = next((a for a, info in cls.model_fields.items() if info.alias == "e"), None)
        annotation = cls.model_fields[attr].annotation if attr else None
        allowed = [v for v in get_args(annotation) if isinstance(v, str)] if get_origin(annotation) is Literal else []
        for value in allowed[1:]:
            frame = json.loads(case.frame)
            payload = frame.get("data", frame.get("event", frame))
            payload["e"] = value
            stream_arg = case.stream if case.pass_stream else None
            for raw in (json.dumps(frame, separators=(",", ":")), json.dumps(frame, indent=1)):
                assert models.EVENT_ROUTER.decode(raw, stream=stream_arg).event_type == value
                assert models.EVENT_ROUTER.decode(raw.encode(), stream=stream_arg).event_type == value


# -- property-based round trips ------------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if annotation is Any:
        return JSON_VALUES
    if annotation is None or annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-(2**63), 2**63 - 1)
    if annotation is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if annotation is str:
        return st.text(max_size=12) | st.from_regex(DECIMAL_TEXT, fullmatch=True)
    if origin is Literal:
        return st.sampled_from(args)
    if origin is Union or origin is types.UnionType:
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=3)
    if origin is tuple:
        return st.tuples(*(strategy_for(arg) for arg in args)).map(list)
    if origin is dict:
        return st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, BinanceModel):
        return payload_strategy(annotation)
    raise AssertionError(f"no strategy for {annotation!r}")


def payload_strategy(cls: type[BinanceModel]) -> st.SearchStrategy[dict[str, Any]]:
    cls.model_rebuild()
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for attr, info in cls.model_fields.items():
        target = required if info.is_required() else optional
        target[info.alias or attr] = strategy_for(info.annotation)
    return st.fixed_dictionaries(required, optional=optional)


@pytest.mark.parametrize("name", MODEL_NAMES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_payloads_round_trip(name: str, data: st.DataObject) -> None:
    cls = model_class(name)
    payload = jsonable(data.draw(payload_strategy(cls)))
    assert cls.model_validate(payload).model_dump(mode="json", by_alias=True, exclude_unset=True) == payload
    from_json = cls.model_validate_json(json.dumps(payload))
    assert from_json.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload
