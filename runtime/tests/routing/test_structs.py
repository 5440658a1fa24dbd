"""StructRouter: EventRouter's routing with msgspec Structs as results (``event_models="msgspec"``).

Each generated streams package checks that its own Structs mirror its models; this module checks the router and
the client option on the spot streams fixture.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.routing.router import EventRouter, EventRouterLike, RoutedEvent

from ..fixtures import spot_streams
from ..fixtures.spot_streams import EVENT_ROUTER, SpotStreamsClient, SpotStreamsMock
from ..helpers import GUARD, symbol_streams
from .test_router import CASES, SPOT, Case, case_id

pytestmark = pytest.mark.skipif(importlib.util.find_spec("msgspec") is None, reason="msgspec is not installed")

SPOT_CASES = [case for case in CASES if case.router is SPOT]


def struct_router() -> Any:
    from ..fixtures.spot_structs import STRUCT_ROUTER

    return STRUCT_ROUTER


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


def decode_both(case: Case) -> tuple[RoutedEvent, RoutedEvent]:
    stream = case.stream if case.pass_stream else None
    frames = (case.frame, case.frame.encode())
    pairs = [(struct_router().decode(f, stream=stream), EVENT_ROUTER.decode(f, stream=stream)) for f in frames]
    assert pairs[0][0].event_type == pairs[1][0].event_type
    return pairs[0]


@pytest.mark.parametrize("case", SPOT_CASES, ids=case_id)
def test_every_layout_gives_the_struct_of_the_same_values_as_the_model(case: Case) -> None:
    structs_routed, models_routed = decode_both(case)
    assert structs_routed.event_type == models_routed.event_type == case.event_type
    assert structs_routed.stream == models_routed.stream
    assert structs_routed.subscription_id == models_routed.subscription_id
    same_values(structs_routed.event, models_routed.event, case.expected)
    general = struct_router().decode(
        json.dumps(json.loads(case.frame), indent=1), stream=case.stream if case.pass_stream else None
    )
    same_values(general.event, models_routed.event, case.expected)


def test_invalid_payloads_raise_event_decode_error_as_with_models() -> None:
    frame = {"stream": "btcusdt@trade", "data": {"e": "trade", "E": "not a time"}}
    for router in (struct_router(), EVENT_ROUTER):
        with pytest.raises(EventDecodeError):
            router.decode(json.dumps(frame))
    with pytest.raises(EventDecodeError):
        struct_router().decode(b'{"stream":"btcusdt@trade","data":{not json')


def test_routes_without_a_struct_keep_their_model_and_say_why() -> None:
    import msgspec

    from binance_ws_runtime.routing.structs import StructRouter

    # An untagged union of two Structs: msgspec cannot tell them apart, so it refuses the type.
    left = msgspec.defstruct("Left", [("a", int)])
    right = msgspec.defstruct("Right", [("b", int)])
    fields: list[Any] = [("e", Literal["trade"]), ("either", left | right)]
    untagged = msgspec.defstruct("Untagged", fields, kw_only=True)
    router = StructRouter(EVENT_ROUTER, {spot_streams.TradeEvent: untagged})
    assert "TradeEvent" in router.pydantic_routes and router.pydantic_routes["TradeEvent"]
    assert router.pydantic_routes["KlineEvent"] == "no Struct for this model"
    assert router.pydantic_routes["ServerShutdownNotice"] == "no Struct for this model"
    trade = router.decode('{"e":"trade","E":1,"s":"BNBBTC","t":2,"p":"0.1","q":"1","T":1,"m":true}')
    assert isinstance(trade.event, spot_streams.TradeEvent)
    assert isinstance(router.decode('{"e":"serverShutdown","E":1}').event, spot_streams.ServerShutdownNotice)
    # The built-in serverShutdown model (for specs that declare none) always has its Struct.
    bare = StructRouter(EventRouter(()), {})
    assert bare.pydantic_routes == {}
    shutdown = bare.decode('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}')
    assert isinstance(shutdown.event, msgspec.Struct) and shutdown.event_type == "serverShutdown"


def test_the_client_option_picks_the_router_and_says_what_is_missing() -> None:
    client = SpotStreamsClient(event_models="msgspec")
    assert client.router is struct_router()
    assert SpotStreamsClient().router is EVENT_ROUTER
    with pytest.raises(ValueError, match="event_models"):
        SpotStreamsClient(event_models="attrs")

    def missing() -> EventRouterLike:
        raise ModuleNotFoundError("No module named 'msgspec'", name="msgspec")

    from binance_ws_runtime.streams.client import StreamClientBase

    with pytest.raises(ImportError, match="pip install msgspec"):
        StreamClientBase(spec=spot_streams.SPEC, router=EVENT_ROUTER, struct_router=missing, event_models="msgspec")
    with pytest.raises(ValueError, match="no msgspec event models"):
        StreamClientBase(spec=spot_streams.SPEC, router=EVENT_ROUTER, event_models="msgspec")


async def test_handlers_get_structs_from_the_mock_server() -> None:
    import msgspec

    [name] = symbol_streams(1)
    async with SpotStreamsMock() as server:
        client = SpotStreamsClient(url=server.url, event_models="msgspec")
        got: list[Any] = []
        done = asyncio.Event()

        def on_event(event: Any) -> None:
            got.append(event)
            done.set()

        client.set_handler("*", on_event)
        async with client:
            await client.subscribe(name)
            assert await server.emit(name) == 1
            await asyncio.wait_for(done.wait(), GUARD)
            history = client.get_message_history(limit=1)
        assert isinstance(got[0], msgspec.Struct | list)
        assert history[-1].message == got[0]
        assert client.bad_frames == 0
