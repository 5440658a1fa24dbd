"""The streams client with events that drifted from the spec: every transport, both event models, combined and raw.

Delivered typed to the handlers and iterators of their type (a missing field unset, numbers kept exactly), an
unknown event type as ``UnknownEvent`` to ``"*"`` and to handlers of its type, each deviation counted in
``drift_report()`` and logged once; ``strict=True`` makes them bad frames as before. Frames that match the spec
never leave the strict path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import pytest

from binance_ws_runtime.auth import BinanceAuth
from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.routing.drift import missing_fields
from binance_ws_runtime.routing.router import UNKNOWN_EVENT, RoutedEvent, UnknownEvent
from binance_ws_runtime.testing.server import MockServerBase

from ..fixtures import futures_streams, spot_streams, spot_structs
from ..fixtures.futures_streams import user_data_event_types
from ..helpers import FUTURES_STREAMS, GUARD, SPOT_STREAMS, StreamsFlavour, wait_until

pytestmark = pytest.mark.usefixtures("transport")

DRIFT_LOGGER = "binance_ws_runtime.routing.drift"
TRADE_STREAM = "btcusdt@trade"
API_KEY = "streams-test-api-key-0123456789abcdef0123456789abcdef0123456789ab"
SECRET = "streams-test-secret"

MODELS = [pytest.param("pydantic", id="pydantic"), pytest.param("msgspec", id="msgspec")]
LAYOUTS = [pytest.param(True, id="combined"), pytest.param(False, id="raw")]


def trade_class(event_models: str) -> type[Any]:
    return spot_structs.TradeEvent if event_models == "msgspec" else spot_streams.TradeEvent


def trade_without(server: MockServerBase, *keys: str) -> dict[str, Any]:
    example = server.example_event(TRADE_STREAM)
    return {key: value for key, value in example.items() if key not in keys}


async def send_raw(server: MockServerBase, text: str) -> None:
    """Send a frame's exact text (the mock writes JSON from Python values, which cannot say ``1.10``)."""
    for connection in server.active_connections:
        if connection.kind == "streams" and TRADE_STREAM in connection.streams:
            await connection.websocket.send(text)


@pytest.mark.parametrize("event_models", MODELS)
@pytest.mark.parametrize("combined", LAYOUTS)
async def test_a_trade_without_a_required_field_reaches_its_handlers_and_iterators_typed(
    event_models: str, combined: bool, caplog: pytest.LogCaptureFixture
) -> None:
    async with SPOT_STREAMS.fast_server() as server:
        client = SPOT_STREAMS.fast_client(server, combined=combined, event_models=event_models)
        async with client:
            trades: list[Any] = []
            everything: list[Any] = []
            errors: list[BaseException] = []
            client.set_handler("trade", trades.append)
            client.set_handler("*", everything.append)
            client.set_handler("__error__", errors.append)
            await client.subscribe(TRADE_STREAM)
            iterator = client.events("trade")
            with caplog.at_level(logging.WARNING, logger=DRIFT_LOGGER):
                for _ in range(3):
                    assert await server.emit(TRADE_STREAM, trade_without(server, "t")) == 1
                assert await server.emit(TRADE_STREAM) == 1
                await wait_until(lambda: len(everything) == 4)
            iterated = [await asyncio.wait_for(iterator.__anext__(), GUARD) for _ in range(4)]
            await iterator.aclose()
            assert errors == [] and client.bad_frames == 0
            assert trades == everything == iterated
            cls = trade_class(event_models)
            assert all(type(event) is cls for event in trades)
            assert [missing_fields(event) for event in trades] == [("trade_id",)] * 3 + [()]
            with pytest.raises(AttributeError, match="trade_id"):
                _ = trades[0].trade_id
            assert trades[0].price == trades[3].price and trades[0].event_type == "trade"
            [entry] = client.drift_report()
            assert (entry.event_type, entry.model, entry.path, entry.kind, entry.count) == (
                "trade",
                "TradeEvent",
                "t",
                "missing",
                3,
            )
            warnings = [record for record in caplog.records if record.name == DRIFT_LOGGER]
            assert len(warnings) == 1 and "'t'" in warnings[0].getMessage()
            # The history shows the drifted event typed too.
            history = client.get_message_history(event_type="trade")
            assert len(history) == 4 and all(type(entry.message) is cls for entry in history)


@pytest.mark.parametrize("event_models", MODELS)
@pytest.mark.parametrize("combined", LAYOUTS)
async def test_an_unknown_event_type_arrives_as_unknown_event(event_models: str, combined: bool) -> None:
    async with SPOT_STREAMS.fast_server() as server:
        client = SPOT_STREAMS.fast_client(server, combined=combined, event_models=event_models)
        async with client:
            everything: list[Any] = []
            by_name: list[Any] = []
            trades: list[Any] = []
            errors: list[BaseException] = []
            client.set_handler("*", everything.append)
            client.set_handler("brandNewEvent", by_name.append)
            client.set_handler("trade", trades.append)
            client.set_handler("__error__", errors.append)
            await client.subscribe(TRADE_STREAM)
            iterator = client.events()
            assert await server.emit(TRADE_STREAM, {"e": "brandNewEvent", "E": 1, "x": "y"}) == 1
            assert await server.send_malformed("unknown_event") == 1
            await wait_until(lambda: len(everything) == 2)
            iterated = [await asyncio.wait_for(iterator.__anext__(), GUARD) for _ in range(2)]
            await iterator.aclose()
            assert errors == [] and trades == [] and client.bad_frames == 0
            assert iterated == everything
            first, second = everything
            assert isinstance(first, UnknownEvent) and by_name == [first]
            assert (first.event_type, first.stream, first.payload) == (
                "brandNewEvent",
                TRADE_STREAM,
                {"e": "brandNewEvent", "E": 1, "x": "y"},
            )
            assert isinstance(second, UnknownEvent) and second.event_type == "mockUnknownEvent"
            assert second.stream == ("mock@unknownEvent" if combined else TRADE_STREAM)
            kinds = {(entry.event_type, entry.kind, entry.count) for entry in client.drift_report()}
            assert kinds == {("brandNewEvent", "unknown_event", 1), ("mockUnknownEvent", "unknown_event", 1)}


@pytest.mark.parametrize("event_models", MODELS)
@pytest.mark.parametrize("combined", LAYOUTS)
async def test_strict_mode_makes_drifted_and_unknown_events_bad_frames(event_models: str, combined: bool) -> None:
    async with SPOT_STREAMS.fast_server() as server:
        client = SPOT_STREAMS.fast_client(server, combined=combined, event_models=event_models, strict=True)
        assert client.strict and client.settings.strict
        async with client:
            everything: list[Any] = []
            errors: list[BaseException] = []
            client.set_handler("*", everything.append)
            client.set_handler("__error__", errors.append)
            await client.subscribe(TRADE_STREAM)
            assert await server.emit(TRADE_STREAM, trade_without(server, "t")) == 1
            assert await server.emit(TRADE_STREAM, {"e": "brandNewEvent", "E": 1}) == 1
            assert await server.emit(TRADE_STREAM) == 1
            await wait_until(lambda: len(everything) == 1 and len(errors) == 2)
            assert all(isinstance(error, EventDecodeError) for error in errors)
            assert client.bad_frames == 2
            assert missing_fields(everything[0]) == ()
            assert not client.drift_report()


@pytest.mark.parametrize("event_models", MODELS)
async def test_numbers_keep_their_exact_digits_and_routed_delivery_carries_the_drifted_event(
    event_models: str,
) -> None:
    async with SPOT_STREAMS.fast_server() as server:
        client = SPOT_STREAMS.fast_client(server, event_models=event_models, deliver="routed")
        async with client:
            routed: list[RoutedEvent] = []
            client.set_handler("*", routed.append)
            await client.subscribe(TRADE_STREAM)
            await send_raw(
                server,
                '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":1.10,"q":100,'
                '"T":1,"m":true,"M":true}}',
            )
            await send_raw(server, '{"stream":"btcusdt@newThing","data":{"v":2.50}}')
            await wait_until(lambda: len(routed) == 2)
            trade, unknown = routed
            assert trade.stream == TRADE_STREAM and trade.event_type == "trade"
            assert type(trade.event) is trade_class(event_models)
            assert (trade.event.price, trade.event.quantity) == ("1.10", "100")
            assert unknown.event_type == UNKNOWN_EVENT and unknown.stream == "btcusdt@newThing"
            assert isinstance(unknown.event, UnknownEvent) and str(unknown.event.payload["v"]) == "2.50"
            paths = {(entry.path, entry.kind) for entry in client.drift_report()}
            assert paths == {("p", "number"), ("q", "number"), ("", "unknown_event")}


async def test_frames_that_match_the_spec_never_take_the_tolerant_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a valid frame reached decode_tolerant")

    monkeypatch.setattr(spot_streams.EVENT_ROUTER, "decode_tolerant", refuse)
    async with SPOT_STREAMS.fast_server() as server, SPOT_STREAMS.fast_client(server) as client:
        seen: list[Any] = []
        client.set_handler("*", seen.append)
        await client.subscribe(TRADE_STREAM, "btcusdt@bookTicker", "btcusdt@kline_1m")
        for stream in (TRADE_STREAM, "btcusdt@bookTicker", "btcusdt@kline_1m"):
            for _ in range(5):
                assert await server.emit(stream) == 1
        await wait_until(lambda: len(seen) == 15)
        assert not client.drift_report() and client.bad_frames == 0


def test_struct_events_are_decoded_with_the_struct_router() -> None:
    client = SPOT_STREAMS.client(event_models="msgspec")
    result = client.router.decode_tolerant('{"e":"trade","E":1}', stream=TRADE_STREAM)
    assert isinstance(result.routed.event, msgspec.Struct)


@pytest.mark.parametrize("flavour", FUTURES_STREAMS)
async def test_drifted_and_unknown_user_data_events_arrive_over_the_listen_key_stream(flavour: StreamsFlavour) -> None:
    event_type = user_data_event_types(flavour.spec)[0]
    async with flavour.server() as server:
        server.add_key(API_KEY, secret_key=SECRET)
        client = flavour.client(url=server.url, auth=BinanceAuth(API_KEY, secret_key=SECRET))
        typed: list[Any] = []
        everything: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler(event_type, typed.append)
        client.set_handler("*", everything.append)
        client.set_handler("__error__", errors.append)
        try:
            await client.subscribe_user_data()
            example = server.example_user_event(event_type)
            dropped = next(key for key in example if key not in ("e", "E"))
            drifted = {key: value for key, value in example.items() if key != dropped}
            assert await server.push_user_event(drifted) == 1
            assert await server.push_user_event({"e": "brandNewUserEvent", "E": 1}) == 1
            await wait_until(lambda: len(everything) == 2)
        finally:
            await client.disconnect()
        assert errors == [] and client.bad_frames == 0
        [event] = typed
        model = futures_streams.EVENT_ROUTER._by_type[(None, False, event_type)].model
        assert type(event) is model and len(missing_fields(event)) == 1
        assert isinstance(everything[1], UnknownEvent) and everything[1].event_type == "brandNewUserEvent"
        assert {entry.kind for entry in client.drift_report()} == {"missing", "unknown_event"}
        history = client.get_message_history(event_type=event_type)
        assert [entry.message for entry in history] == [event]


async def test_a_failing_tolerant_decoder_leaves_the_frame_a_bad_frame_and_the_reader_going(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the tolerant path")

    monkeypatch.setattr(spot_streams.EVENT_ROUTER, "decode_tolerant", broken)
    async with SPOT_STREAMS.fast_server() as server, SPOT_STREAMS.fast_client(server) as client:
        seen: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("*", seen.append)
        client.set_handler("__error__", errors.append)
        await client.subscribe(TRADE_STREAM)
        assert await server.emit(TRADE_STREAM, trade_without(server, "t")) == 1
        assert await server.emit(TRADE_STREAM) == 1
        await wait_until(lambda: len(seen) == 1 and len(errors) == 1)
        assert isinstance(errors[0], EventDecodeError) and client.bad_frames == 1
