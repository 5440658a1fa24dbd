"""Drift tolerance with this spec's events: Binance drops a field the spec requires, and the event still arrives.

For every event model of the spec, its example with a required field removed (each in turn) reaches the handlers
typed, through the mock server, on both transports and with both event models (pydantic, msgspec); a ``trade``
event without ``b`` and ``a`` (Binance dropped them on 2024-06-18) reaches the ``trade`` handler typed. The tolerant
decoder itself, the drift report and ``strict=True`` are tested once, in the runtime's own suite.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
from typing import Any

import pytest
from pydantic import BaseModel

from ..._spec import SPEC
from ...auth import BinanceAuth
from ...client import BinanceWebSocketClient
from ...models import EVENT_ROUTER, missing_fields
from ...testing import MockBinanceServer
from .._support import GUARD, TRANSPORTS
from ._stream_names import stream_name

pytestmark = pytest.mark.skipif(SPEC.kind != "streams", reason="market-streams client only")

EventRoute = Any
"""A route of ``EVENT_ROUTER`` (its class is the runtime's, which ``models`` does not re-export)."""

EVENT_MODELS = [
    pytest.param("pydantic", id="pydantic"),
    pytest.param(
        "msgspec",
        id="msgspec",
        marks=pytest.mark.skipif(importlib.util.find_spec("msgspec") is None, reason="msgspec is not installed"),
    ),
]


API_KEY = "drift-test-api-key-0123456789abcdef0123456789abcdef0123456789abcd"
SECRET = "drift-test-secret"


def required_fields(route: EventRoute) -> list[tuple[str, str]]:
    """(wire name, attribute) of every field the spec requires of the route's event."""
    return [(info.alias or name, name) for name, info in route.model.model_fields.items() if info.is_required()]


def without(example: Any, wire: str) -> Any:
    """The example without ``wire`` (in every item of an array payload)."""
    payload = copy.deepcopy(example)
    for item in payload if isinstance(payload, list) else [payload]:
        item.pop(wire, None)
    return payload


def market_routes() -> list[tuple[str, EventRoute]]:
    """(stream name, route) of every stream pattern of the spec."""
    found = []
    for pattern in SPEC.stream_patterns:
        name = stream_name(pattern.template)
        route = EVENT_ROUTER.route_for_stream(name)
        assert route is not None, name
        found.append((name, route))
    return found


async def wait_until(predicate: Any) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), GUARD)


def check_typed(event: Any, route: EventRoute, attr: str, where: str) -> None:
    """``event`` is of the route's model (or its Struct), with exactly ``attr`` unset."""
    items = event if isinstance(event, list) else [event]
    assert items and isinstance(event, list) == route.array, where
    for item in items:
        assert type(item).__name__ == route.model.__name__, (where, type(item).__name__)
        if isinstance(item, BaseModel):
            assert isinstance(item, route.model), where
            assert attr not in item.model_fields_set, where
        with pytest.raises(AttributeError):
            getattr(item, attr)
    assert missing_fields(event) == (attr,), where


@pytest.mark.parametrize("event_models", EVENT_MODELS)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_market_event_without_a_required_field_arrives_typed(transport: str, event_models: str) -> None:
    routes = market_routes()
    async with (
        MockBinanceServer(max_messages_per_second=None) as server,
        BinanceWebSocketClient(
            url=server.url,
            transport=transport,
            event_models=event_models,
            deliver="routed",
            control_messages_per_second=1000.0,
        ) as client,
    ):
        received: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("*", received.append)
        client.set_handler("__error__", errors.append)
        await client.subscribe(*(name for name, _route in routes))
        sent: list[tuple[str, EventRoute, str, str]] = []
        for name, route in routes:
            example = server.example_event(name)
            for wire, attr in required_fields(route):
                assert await server.emit(name, without(example, wire)) == 1
                sent.append((name, route, wire, attr))
        await wait_until(lambda: len(received) >= len(sent) or bool(errors))
        assert errors == [] and client.bad_frames == 0
        assert len(received) == len(sent)
        for routed, (name, route, wire, attr) in zip(received, sent, strict=True):
            where = f"{name} without {wire!r}"
            assert routed.stream == name, where
            check_typed(routed.event, route, attr, where)
            if route.event_types and wire != "e":
                assert routed.event_type in route.event_types, where
        assert client.drift_report().messages == len(sent)


def trade_stream() -> tuple[str, EventRoute] | None:
    return next(((name, route) for name, route in market_routes() if "trade" in route.event_types), None)


@pytest.mark.skipif(trade_stream() is None, reason="no trade stream in this spec")
@pytest.mark.parametrize("combined", [True, False], ids=["combined", "raw"])
@pytest.mark.parametrize("event_models", EVENT_MODELS)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_trade_without_b_and_a_reaches_the_trade_handler_typed(
    transport: str, event_models: str, combined: bool
) -> None:
    found = trade_stream()
    assert found is not None
    name, route = found
    async with (
        MockBinanceServer() as server,
        BinanceWebSocketClient(
            url=server.url, transport=transport, event_models=event_models, combined=combined
        ) as client,
    ):
        trades: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("trade", trades.append)
        client.set_handler("__error__", errors.append)
        await client.subscribe(name)
        payload = server.example_event(name)
        payload.pop("b", None)
        payload.pop("a", None)
        assert await server.emit(name, payload) == 1
        await wait_until(lambda: bool(trades) or bool(errors))
        assert errors == []
        [trade] = trades
        assert type(trade).__name__ == route.model.__name__
        dropped = {attr for wire, attr in required_fields(route) if wire in ("b", "a")}
        assert set(missing_fields(trade)) == dropped
        assert trade.event_type == "trade"


def user_data_routes() -> list[tuple[str, EventRoute]]:
    found = []
    for event in SPEC.events:
        if "userData" not in event.channel_kinds or event.array:
            continue
        for event_type in event.event_types:
            if event_type == "listenKeyExpired":
                continue  # it makes the client renew its key: not an event to drift with here
            route = next((r for r in EVENT_ROUTER.routes if event_type in r.event_types and not r.array), None)
            if route is not None and route.envelope is None:
                found.append((event_type, route))
    return found


@pytest.mark.skipif(SPEC.channel("userData") is None, reason="no listenKey user-data channel")
@pytest.mark.parametrize("event_models", EVENT_MODELS)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_user_data_event_without_a_required_field_arrives_typed(transport: str, event_models: str) -> None:
    routes = user_data_routes()
    assert routes
    async with MockBinanceServer() as server:
        server.add_key(API_KEY, secret_key=SECRET)
        client = BinanceWebSocketClient(
            url=server.url,
            auth=BinanceAuth(API_KEY, secret_key=SECRET),
            transport=transport,
            event_models=event_models,
            deliver="routed",
        )
        received: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("*", received.append)
        client.set_handler("__error__", errors.append)
        sent: list[tuple[str, EventRoute, str, str]] = []
        try:
            await client.subscribe_user_data()
            for event_type, route in routes:
                example = server.example_user_event(event_type)
                for wire, attr in required_fields(route):
                    if wire == "e":
                        continue  # nothing else names a user-data event
                    assert await server.push_user_event(without(example, wire)) == 1
                    sent.append((event_type, route, wire, attr))
            await wait_until(lambda: len(received) >= len(sent) or bool(errors))
        finally:
            await client.disconnect()
        assert errors == [] and client.bad_frames == 0
        assert len(received) == len(sent)
        for routed, (event_type, route, wire, attr) in zip(received, sent, strict=True):
            where = f"{event_type} without {wire!r}"
            assert routed.event_type == event_type, where
            check_typed(routed.event, route, attr, where)
