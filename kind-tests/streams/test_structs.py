"""event_models="msgspec": structs.py decodes every routed frame of this spec to the same values as models.py.

StructRouter itself (and the client option's errors) is tested once, in the runtime's own suite. Skipped when
msgspec is not installed.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest
from pydantic import BaseModel

from ..._spec import SPEC
from ...errors import EventDecodeError
from ...models import EVENT_ROUTER, RoutedEvent
from .._message_examples import MESSAGE_EXAMPLES, ROUTING_CASES, RoutingCase

pytestmark = [
    pytest.mark.skipif(SPEC.kind != "streams", reason="market-streams client only"),
    pytest.mark.skipif(importlib.util.find_spec("msgspec") is None, reason="msgspec is not installed"),
]


def struct_router() -> Any:
    from ... import structs

    return structs.STRUCT_ROUTER


def same_values(struct_value: Any, model_value: Any, where: str) -> None:
    """A Struct (or list of them) holds what the pydantic model holds, attribute by attribute."""
    import msgspec

    if isinstance(struct_value, msgspec.Struct):
        assert isinstance(model_value, BaseModel), where
        assert type(struct_value).__name__ == type(model_value).__name__, where
        for name in struct_value.__struct_fields__:
            same_values(getattr(struct_value, name), getattr(model_value, name), f"{where}.{name}")
    elif isinstance(struct_value, list | tuple):
        assert type(struct_value) is type(model_value), where
        assert len(struct_value) == len(model_value), where
        for index, (left, right) in enumerate(zip(struct_value, model_value, strict=True)):
            same_values(left, right, f"{where}[{index}]")
    else:
        assert type(struct_value) is type(model_value) and struct_value == model_value, where


def decode_both(case: RoutingCase) -> tuple[RoutedEvent, RoutedEvent]:
    stream = case.stream if case.pass_stream else None
    frames = (case.frame, case.frame.encode())
    pairs = [(struct_router().decode(f, stream=stream), EVENT_ROUTER.decode(f, stream=stream)) for f in frames]
    assert pairs[0][0].event_type == pairs[1][0].event_type
    return pairs[0]


@pytest.mark.parametrize("case", ROUTING_CASES, ids=[f"{c.expected}-{i}" for i, c in enumerate(ROUTING_CASES)])
def test_every_routing_case_gives_the_struct_of_the_same_values(case: RoutingCase) -> None:
    structs_routed, models_routed = decode_both(case)
    assert structs_routed.event_type == models_routed.event_type == case.event_type
    assert structs_routed.stream == models_routed.stream
    assert structs_routed.subscription_id == models_routed.subscription_id
    same_values(structs_routed.event, models_routed.event, case.expected)


def test_every_event_model_has_its_struct_or_a_stated_reason() -> None:
    from ... import models, structs

    router = struct_router()
    routed_models = {route.model.__name__ for route in EVENT_ROUTER.routes}
    for name in routed_models:
        if name in router.pydantic_routes:
            assert router.pydantic_routes[name], name
        else:
            assert hasattr(structs, name), name
            assert getattr(models, name).model_fields.keys() == set(getattr(structs, name).__struct_fields__)


def event_model_names() -> set[str]:
    """Classes of models.py that structs.py mirrors (event models and what their fields use)."""
    if SPEC.kind != "streams" or importlib.util.find_spec("msgspec") is None:
        return set()
    from ... import structs

    return set(structs.__all__)


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        (name, payload)
        for name, payloads in sorted(MESSAGE_EXAMPLES.items())
        if name in event_model_names()
        for payload in payloads
    ],
)
def test_every_example_payload_decodes_to_the_struct_and_back_to_the_same_json(name: str, payload: Any) -> None:
    import msgspec

    from ... import structs

    struct_class = getattr(structs, name)
    decoded = msgspec.json.decode(json.dumps(payload), type=struct_class, strict=False)
    reencoded = json.loads(msgspec.json.encode(decoded))
    # Unknown keys are dropped, absent optional ones come back as null; every other key round-trips.
    assert {k: v for k, v in reencoded.items() if k in payload} == json.loads(json.dumps(payload))


def test_invalid_payloads_raise_event_decode_error_as_with_models() -> None:
    case = next((c for c in ROUTING_CASES if c.stream and not c.pass_stream), None)
    if case is None or case.stream is None:
        pytest.skip("no combined-stream case in this spec")
    frame = json.loads(case.frame)
    frame["data"] = {"e": frame["data"].get("e") if isinstance(frame["data"], dict) else None, "E": "not a time"}
    for router in (struct_router(), EVENT_ROUTER):
        with pytest.raises(EventDecodeError):
            router.decode(json.dumps(frame))
    with pytest.raises(EventDecodeError):
        struct_router().decode(b'{"stream":"' + case.stream.encode() + b'","data":{not json')


def test_the_client_option_picks_this_specs_struct_router() -> None:
    from ...client import BinanceWebSocketClient

    assert BinanceWebSocketClient(event_models="msgspec")._router is struct_router()
    assert BinanceWebSocketClient()._router is EVENT_ROUTER
