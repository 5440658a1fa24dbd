"""The drift-tolerant decoder (``EventRouter.decode_tolerant``, ``routing/drift.py``) and the drift log.

Every tolerance on its own, on small models made for it and on the fixtures' events; every fixture event with each
required field removed; what stays an error; the strict path left as it was.
"""

from __future__ import annotations

import copy
import json
import logging
from decimal import Decimal
from typing import Any, Literal

import msgspec
import pytest
from pydantic import Field

from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.routing.drift import (
    PYDANTIC_SHAPES,
    Deviation,
    DriftLog,
    MissingFieldError,
    TolerantDecodeError,
    exact_json,
    exact_loads,
    missing_fields,
    tolerant_convert,
)
from binance_ws_runtime.routing.router import (
    UNKNOWN_EVENT,
    BinanceModel,
    EventRoute,
    EventRouter,
    StreamPattern,
    UnknownEvent,
)
from binance_ws_runtime.routing.structs import STRUCT_SHAPES, BinanceStruct, StructRouter
from binance_ws_runtime.testing.server import MockServerBase

from ..fixtures import futures_streams, spot_api, spot_streams, spot_structs

# ---------------------------------------------------------------------------------------------- models of our own


class Fill(BinanceModel):
    price: str = Field(alias="p")
    quantity: str = Field(alias="q")


class Order(BinanceModel):
    event_type: Literal["order"] = Field(alias="e")
    side: Literal["BUY", "SELL"] = Field(alias="S")
    status: Literal["NEW", "FILLED"] | None = Field(default=None, alias="X")
    order_id: int = Field(alias="i")
    price: str = Field(alias="p")
    fills: list[Fill] = Field(alias="f")
    level: tuple[str, str] | None = Field(default=None, alias="L")
    limits: dict[str, int] | None = Field(default=None, alias="lim")
    mixed: int | str | None = Field(default=None, alias="m")
    note: Any = Field(default=None, alias="n")


class FillStruct(BinanceStruct, kw_only=True, gc=False):
    price: str = msgspec.field(name="p")
    quantity: str = msgspec.field(name="q")


class OrderStruct(BinanceStruct, kw_only=True, gc=False):
    event_type: Literal["order"] = msgspec.field(name="e")
    side: Literal["BUY", "SELL"] = msgspec.field(name="S")
    status: Literal["NEW", "FILLED"] | None = msgspec.field(default=None, name="X")
    order_id: int = msgspec.field(name="i")
    price: str = msgspec.field(name="p")
    fills: list[FillStruct] = msgspec.field(name="f")
    level: tuple[str, str] | None = msgspec.field(default=None, name="L")
    limits: dict[str, int] | None = msgspec.field(default=None, name="lim")
    mixed: int | str | None = msgspec.field(default=None, name="m")
    note: Any = msgspec.field(default=None, name="n")


ORDERS = EventRouter(
    (
        EventRoute(
            model=Order, event_types=("order",), stream_patterns=(StreamPattern("{symbol}@order", (("symbol", None),)),)
        ),
    )
)
ORDER_STRUCTS = StructRouter(ORDERS, {Order: OrderStruct})
ORDER = {"e": "order", "S": "BUY", "X": "NEW", "i": 7, "p": "1.5", "f": [{"p": "1.5", "q": "2"}]}


def frame(payload: Any, stream: str = "btcusdt@order") -> str:
    return json.dumps({"stream": stream, "data": payload})


def drifted(router: EventRouter, payload: Any, stream: str = "btcusdt@order") -> tuple[Any, tuple[Deviation, ...]]:
    raw = frame(payload, stream)
    with pytest.raises(EventDecodeError):
        router.decode(raw)  # the strict path rejects it, as before
    result = router.decode_tolerant(raw)
    assert result.routed.stream == stream
    return result.routed.event, result.deviations


ROUTERS = [pytest.param(ORDERS, id="pydantic"), pytest.param(ORDER_STRUCTS, id="msgspec")]


def without(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in keys}


# ---------------------------------------------------------------------------------------------- missing fields


def test_a_missing_required_field_leaves_the_model_of_its_class_with_the_field_unset() -> None:
    event, deviations = drifted(ORDERS, without(ORDER, "i"))
    assert type(event) is Order
    assert deviations == (Deviation("i", "missing", None),)
    assert "order_id" not in event.model_fields_set
    assert {"event_type", "side", "status", "price", "fills"} <= event.model_fields_set
    with pytest.raises(MissingFieldError) as caught:
        _ = event.order_id
    assert isinstance(caught.value, AttributeError)
    assert (caught.value.model, caught.value.attribute, caught.value.wire_name) == ("Order", "order_id", "i")
    assert "'i'" in str(caught.value) and "Order.order_id" in str(caught.value)
    assert getattr(event, "order_id", None) is None and not hasattr(event, "order_id")
    assert missing_fields(event) == ("order_id",)
    # The rest is typed as usual and the model's API still works.
    assert event.price == "1.5" and event.fills[0].quantity == "2" and event.status == "NEW"
    assert "order_id" not in event.model_dump() and "i" not in event.model_dump(by_alias=True)
    assert "order_id" not in repr(event)
    assert event.model_copy(update={"price": "2"}).price == "2"
    # Unknown attributes are still plain AttributeErrors.
    with pytest.raises(AttributeError) as other:
        _ = event.no_such_attribute  # type: ignore[attr-defined]
    assert not isinstance(other.value, MissingFieldError)


def test_a_missing_field_of_a_struct_is_unset_and_says_so() -> None:
    event, deviations = drifted(ORDER_STRUCTS, without(ORDER, "i", "S"))
    assert type(event) is OrderStruct
    assert {deviation.path for deviation in deviations} == {"i", "S"}
    with pytest.raises(MissingFieldError, match="OrderStruct.order_id .*'i'"):
        _ = event.order_id
    assert missing_fields(event) == ("side", "order_id")
    assert event.price == "1.5" and type(event.fills[0]) is FillStruct
    assert repr(event).startswith("OrderStruct(event_type='order', status='NEW', price='1.5'")
    # msgspec's encoders refuse a Struct with an unset field (documented).
    with pytest.raises(AttributeError):
        msgspec.json.encode(event)
    with pytest.raises(AttributeError) as other:
        _ = event.no_such_attribute  # type: ignore[attr-defined]
    assert not isinstance(other.value, MissingFieldError)


@pytest.mark.parametrize("router", ROUTERS)
def test_nested_and_list_item_fields_missing_are_reported_by_their_path(router: EventRouter) -> None:
    payload = copy.deepcopy(ORDER)
    payload["f"] = [{"p": "1"}, {"p": "2"}, {"p": "3", "q": "1"}]
    event, deviations = drifted(router, payload)
    assert [deviation.path for deviation in deviations] == ["f[].q", "f[].q"]
    assert missing_fields(event.fills[0]) == ("quantity",) and missing_fields(event.fills[2]) == ()
    assert missing_fields(event.fills) == ("quantity",)
    assert event.fills[2].quantity == "1"


@pytest.mark.parametrize("router", ROUTERS)
def test_null_for_a_required_field_leaves_it_unset_and_null_for_an_optional_one_is_kept(router: EventRouter) -> None:
    event, deviations = drifted(router, {**ORDER, "i": None, "X": None})
    assert deviations == (Deviation("i", "null", None),)
    assert missing_fields(event) == ("order_id",)
    assert event.status is None


# ---------------------------------------------------------------------------------------------- enums, numbers


@pytest.mark.parametrize("router", ROUTERS)
def test_an_unlisted_enum_value_is_kept_raw_and_listed_ones_stay_typed(router: EventRouter) -> None:
    event, deviations = drifted(router, {**ORDER, "S": "HOLD", "X": "PARTIALLY_FILLED"})
    assert event.side == "HOLD" and event.status == "PARTIALLY_FILLED"
    assert deviations == (Deviation("S", "enum", "HOLD"), Deviation("X", "enum", "PARTIALLY_FILLED"))
    typed: Any = router.decode(frame(ORDER)).event
    assert typed.side == "BUY"


@pytest.mark.parametrize("router", ROUTERS)
def test_numbers_where_the_spec_says_string_keep_their_exact_digits(router: EventRouter) -> None:
    raw = frame(ORDER).replace('"p": "1.5"', '"p": 1.10').replace('"q": "2"', '"q": 123456789012345678901234567890')
    result = router.decode_tolerant(raw)
    event: Any = result.routed.event
    assert event.price == "1.10" and event.fills[0].price == "1.10"
    assert event.fills[0].quantity == "123456789012345678901234567890"
    assert set(result.deviations) == {
        Deviation("p", "number", Decimal("1.10")),
        Deviation("f[].p", "number", Decimal("1.10")),
        Deviation("f[].q", "number", 123456789012345678901234567890),
    }


@pytest.mark.parametrize("router", ROUTERS)
def test_a_fraction_where_the_spec_says_integer_is_kept_as_an_exact_decimal(router: EventRouter) -> None:
    event, deviations = drifted(router, {**ORDER, "i": 7.25, "lim": {"a": 1, "b": 2.5}})
    assert event.order_id == Decimal("7.25") and isinstance(event.order_id, Decimal)
    assert event.limits == {"a": 1, "b": Decimal("2.5")}
    assert deviations == (Deviation("i", "number", Decimal("7.25")), Deviation("lim.*", "number", Decimal("2.5")))


@pytest.mark.parametrize("router", ROUTERS)
def test_unions_tuples_and_any_fields(router: EventRouter) -> None:
    event, deviations = drifted(router, {**ORDER, "S": "HOLD", "m": 1.50, "L": ["1", 2], "n": {"x": 0.5}})
    assert event.mixed == "1.5"  # a number where a string is allowed becomes its text
    assert event.level == ("1", "2")
    assert event.note == {"x": 0.5}  # Any fields hold what the strict path would give them
    assert {deviation.path for deviation in deviations} == {"S", "m", "L[1]"}


# ---------------------------------------------------------------------------------------------- what stays an error


@pytest.mark.parametrize("router", ROUTERS)
@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({**ORDER, "p": {"unexpected": "object"}}, id="object-for-string"),
        pytest.param({**ORDER, "i": "not a number"}, id="text-for-integer"),
        pytest.param({**ORDER, "S": 3}, id="number-for-enum"),
        pytest.param({**ORDER, "f": "no list"}, id="text-for-list"),
        pytest.param({**ORDER, "L": ["1", "2", "3"]}, id="tuple-length"),
        pytest.param({**ORDER, "f": [5]}, id="number-for-object"),
    ],
)
def test_other_mismatches_stay_errors(router: EventRouter, payload: dict[str, Any]) -> None:
    raw = frame(payload)
    with pytest.raises(EventDecodeError, match="does not fit even with drift tolerated") as caught:
        router.decode_tolerant(raw)
    assert caught.value.raw == raw


@pytest.mark.parametrize("raw", ['{"e": "order", not json', "[1, 2]", '{"stream": "btcusdt@order", "data": 5}', "7"])
def test_frames_that_are_no_event_stay_errors(raw: str) -> None:
    with pytest.raises(EventDecodeError):
        ORDERS.decode_tolerant(raw)


def test_tolerant_convert_accepts_what_the_strict_validation_accepts_without_deviation() -> None:
    order, deviations = tolerant_convert(PYDANTIC_SHAPES, Order, ORDER)
    assert deviations == () and order == Order.model_validate(ORDER)
    struct, deviations = tolerant_convert(STRUCT_SHAPES, OrderStruct, ORDER)
    assert deviations == () and struct == msgspec.convert(ORDER, OrderStruct)
    with pytest.raises(TolerantDecodeError):
        tolerant_convert(PYDANTIC_SHAPES, Order, [ORDER])


def test_exact_loads_keeps_plain_floats_and_their_text() -> None:
    obj, texts = exact_loads('{"a": 1.10, "b": [2.50, 3], "c": "x"}')
    assert obj == {"a": 1.1, "b": [2.5, 3], "c": "x"} and type(obj["a"]) is float
    assert exact_json(obj, texts) == {"a": Decimal("1.10"), "b": [Decimal("2.50"), 3], "c": "x"}
    assert str(exact_json(obj, texts)["a"]) == "1.10"


# ---------------------------------------------------------------------------------------------- unknown events


def test_an_event_type_no_model_knows_becomes_an_unknown_event() -> None:
    raw = '{"e":"brandNew","E":1,"p":1.10,"s":"BTCUSDT"}'
    with pytest.raises(EventDecodeError, match="no event model"):
        ORDERS.decode(raw)
    result = ORDERS.decode_tolerant(raw)
    event = result.routed.event
    assert isinstance(event, UnknownEvent) and isinstance(event, BinanceModel)
    assert result.routed.event_type == "brandNew" and result.model == UNKNOWN_EVENT
    assert (event.event_type, event.stream, event.payload) == (
        "brandNew",
        None,
        {
            "e": "brandNew",
            "E": 1,
            "p": Decimal("1.10"),
            "s": "BTCUSDT",
        },
    )
    assert result.deviations == (Deviation("", "unknown_event", event.payload),)


@pytest.mark.parametrize(
    ("raw", "stream", "event_type"),
    [
        # An unknown stream name and event type (combined).
        ('{"stream":"btcusdt@brandNew","data":{"e":"brandNew","x":1}}', "btcusdt@brandNew", "brandNew"),
        # A known stream, but the payload names another event type: an event of its own, not a broken order.
        ('{"stream":"btcusdt@order","data":{"e":"maintenance","x":1}}', "btcusdt@order", "maintenance"),
        # An array of unknown events.
        ('{"stream":"!brandNew@arr","data":[{"e":"brandNew"},{"e":"brandNew"}]}', "!brandNew@arr", "brandNew"),
        # No event type, no known stream, no known shape.
        ('{"stream":"btcusdt@mystery","data":{"x":1}}', "btcusdt@mystery", UNKNOWN_EVENT),
    ],
)
def test_unknown_events_keep_their_stream_and_payload(raw: str, stream: str, event_type: str) -> None:
    result = ORDERS.decode_tolerant(raw)
    event = result.routed.event
    assert isinstance(event, UnknownEvent)
    assert result.routed.event_type == event_type and result.routed.stream == stream == event.stream
    assert event.payload == json.loads(raw)["data"]
    assert event.event_type == (None if event_type == UNKNOWN_EVENT else event_type)


def test_struct_routers_hand_out_the_same_unknown_event() -> None:
    result = spot_structs.STRUCT_ROUTER.decode_tolerant('{"e":"brandNew","E":1}', stream="btcusdt@trade")
    assert isinstance(result.routed.event, UnknownEvent)
    assert result.routed.event.stream == "btcusdt@trade"


# ---------------------------------------------------------------------------------------------- the fixtures' routing


def test_routing_stays_the_strict_paths_for_drifted_events() -> None:
    # serverShutdown on a trade stream is a serverShutdown, drifted or not.
    shutdown = spot_streams.EVENT_ROUTER.decode_tolerant('{"stream":"btcusdt@trade","data":{"e":"serverShutdown"}}')
    assert type(shutdown.routed.event) is spot_streams.ServerShutdownNotice
    assert shutdown.deviations == (Deviation("E", "missing", None),)
    # One `e`, two models: the stream decides, as on the strict path.
    depth = '{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[["1","2"]]}'
    for stream, model in (("btcusdt@depth5", "PartialDepthEvent"), ("btcusdt@depth", "DiffDepthEvent")):
        result = futures_streams.EVENT_ROUTER.decode_tolerant(depth, stream=stream)
        assert type(result.routed.event).__name__ == model and result.routed.event_type == "depthUpdate"
        assert result.deviations == (Deviation("a", "missing", None),)
    # Events without `e`: by their stream, or by their keys.
    book = '{"u":1,"s":"BNBUSDT","b":"1","B":"2","a":3,"A":"4"}'
    by_keys = spot_streams.EVENT_ROUTER.decode_tolerant(book)
    assert type(by_keys.routed.event) is spot_streams.BookTickerEvent and by_keys.routed.event.best_ask_price == "3"
    by_stream = spot_streams.EVENT_ROUTER.decode_tolerant('{"u":1,"s":"BNBUSDT","b":"1"}', stream="bnbusdt@bookTicker")
    assert type(by_stream.routed.event) is spot_streams.BookTickerEvent
    assert missing_fields(by_stream.routed.event) == ("best_bid_quantity", "best_ask_price", "best_ask_quantity")
    # The spot user-data envelope keeps its subscription id.
    envelope = '{"subscriptionId":4,"event":{"e":"balanceUpdate","E":1,"a":"BTC","d":1.50}}'
    user = spot_api.EVENT_ROUTER.decode_tolerant(envelope)
    assert user.routed.subscription_id == 4 and user.routed.event_type == "balanceUpdate"
    balance: Any = user.routed.event
    assert balance.balance_delta == "1.50" and missing_fields(balance) == ("clear_time",)


def test_the_event_type_of_a_drifted_event_is_the_one_it_names() -> None:
    result = spot_streams.EVENT_ROUTER.decode_tolerant(
        '{"e":"4hTicker","E":1,"s":"BNBBTC","c":"1"}', stream="bnbbtc@ticker_4h"
    )
    assert result.routed.event_type == "4hTicker"
    structs = spot_structs.STRUCT_ROUTER.decode_tolerant('{"E":1,"s":"BNBBTC","c":"1"}', stream="bnbbtc@ticker_4h")
    assert structs.routed.event_type == "1hTicker"  # no `e` sent: the route's first type, as the router reports
    assert ("e", "missing") in {(d.path, d.kind) for d in structs.deviations}


def _examples(mock: MockServerBase, router: EventRouter) -> list[Any]:
    """(router, route, stream, example) for every stream pattern and user-data event of a fixture spec."""
    spec = mock.spec
    cases = []
    for pattern in spec.stream_patterns:
        stream = pattern.example
        route = router.route_for_stream(stream)
        assert route is not None, stream
        example = mock.example_event(stream)
        cases.append(pytest.param(router, route, stream, example, id=f"{type(router).__name__}-{stream}"))
    for event in spec.events:
        if event.envelope != "subscription" or event.array or not event.event_types:
            continue
        route = next(r for r in router.routes if r.name == event.name or event.event_types[0] in r.event_types)
        example = mock.example_user_event(event.event_types[0])
        cases.append(pytest.param(router, route, None, example, id=f"{type(router).__name__}-{event.name}"))
    return cases


def _required_wire_names(route: EventRoute) -> list[str]:
    return [info.alias or name for name, info in route.model.model_fields.items() if info.is_required()]


FIXTURE_EVENTS = [
    *_examples(spot_streams.SpotStreamsMock(), spot_streams.EVENT_ROUTER),
    *_examples(spot_streams.SpotStreamsMock(), spot_structs.STRUCT_ROUTER),
    *_examples(futures_streams.UmStreamsMock(), futures_streams.EVENT_ROUTER),
    *_examples(spot_api.SpotApiMock(), spot_api.EVENT_ROUTER),
]


@pytest.mark.parametrize(("router", "route", "stream", "example"), FIXTURE_EVENTS)
def test_every_fixture_event_without_any_one_required_field_keeps_its_type(
    router: EventRouter, route: EventRoute, stream: str | None, example: Any
) -> None:
    for wire in _required_wire_names(route):
        if wire == "e" and route.event_types and stream is None:
            continue  # without `e` and without a stream nothing names the event
        items = copy.deepcopy(example if isinstance(example, list) else [example])
        for item in items:
            item.pop(wire, None)
        payload = items if isinstance(example, list) else items[0]
        if route.envelope == "subscription":
            raw = json.dumps({"subscriptionId": 1, "event": payload})
        elif stream is not None:
            raw = json.dumps({"stream": stream, "data": payload})
        else:
            raw = json.dumps(payload)
        result = router.decode_tolerant(raw)
        event = result.routed.event
        sample = event[0] if isinstance(event, list) else event
        assert type(sample).__name__ == route.name, (route.name, wire)
        assert result.model == route.name
        assert result.deviations == (Deviation(f"[].{wire}" if route.array else wire, "missing", None),)
        assert len(missing_fields(event)) == 1
        if route.event_types and wire != "e":
            assert result.routed.event_type in route.event_types


# ---------------------------------------------------------------------------------------------- the drift log


def test_the_drift_log_counts_per_message_and_field_and_logs_each_once(caplog: pytest.LogCaptureFixture) -> None:
    log = DriftLog()
    missing = Deviation("b", "missing", None)
    with caplog.at_level(logging.WARNING, logger="binance_ws_runtime.routing.drift"):
        for _ in range(3):
            log.record("trade", "TradeEvent", [missing, Deviation("a", "missing", None)], "btcusdt@trade")
        # Three list items lacking one field: one message, counted once.
        log.record("ticker", "TickerEvent", [Deviation("[].q", "missing", None)] * 3)
        log.record("brandNew", "UnknownEvent", [Deviation("", "unknown_event", {"e": "brandNew"})], "x@y")
        log.record("brandNew", "UnknownEvent", [Deviation("", "unknown_event", {"e": "brandNew", "n": 2})])
        log.record("trade", "TradeEvent", [])  # nothing deviated: not counted
    report = log.report()
    assert report.messages == 6 and len(report) == 4 and report
    assert [(e.event_type, e.path, e.kind, e.count) for e in report] == [
        ("trade", "b", "missing", 3),
        ("trade", "a", "missing", 3),
        ("ticker", "[].q", "missing", 1),
        ("brandNew", "", "unknown_event", 2),
    ]
    unknown = report.entries[-1]
    assert unknown.first_value == {"e": "brandNew"} and unknown.model == "UnknownEvent"
    assert unknown.first_seen <= unknown.last_seen
    assert [entry.path for entry in report.of_model("TradeEvent")] == ["b", "a"]
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 4
    assert "'trade' message (TradeEvent) on stream 'btcusdt@trade' lacks the required field 'b'" in warnings[0]
    assert "'brandNew' on stream 'x@y'" in warnings[3] and "UnknownEvent" in warnings[3]
    # A snapshot: later messages do not change it.
    log.record("trade", "TradeEvent", [missing])
    assert report.entries[0].count == 3 and log.report().entries[0].count == 4


def test_the_drift_log_is_bounded() -> None:
    log = DriftLog(max_entries=2)
    for index in range(5):
        log.record(f"type{index}", "UnknownEvent", [Deviation("", "unknown_event", index)])
    report = log.report()
    assert len(report) == 2 and report.untracked == 3 and report.messages == 5
    assert not DriftLog().report()
