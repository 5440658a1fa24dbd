"""EventRouter on the fixtures' models: every frame layout Binance sends, the raw-text shortcut and its fallbacks.

Each generated package checks its own spec's examples (``test_models.py``); this module checks the routing rules
themselves, on events chosen to hit each of them.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest

from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.routing.router import BinanceModel, EventRouter, ServerShutdownEvent

from ..fixtures import futures_streams, spot_api, spot_streams


class Case(NamedTuple):
    router: EventRouter
    frame: str
    expected: str
    """Model class name, or ``list[Name]`` for array streams."""
    event_type: str
    stream: str | None = None
    """The stream the frame belongs to (named by the frame, or by the caller when ``pass_stream``)."""
    pass_stream: bool = False
    subscription_id: int | None = None


SPOT = spot_streams.EVENT_ROUTER
FUTURES = futures_streams.EVENT_ROUTER
API = spot_api.EVENT_ROUTER

TRADE = '{"e":"trade","E":1,"s":"BNBBTC","t":2,"p":"0.1","q":"1","T":1,"m":true}'
BOOK = '{"u":400900217,"s":"BNBUSDT","b":"25.35","B":"31.21","a":"25.36","A":"40.66"}'
PARTIAL = '{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}'
MINI = '{"e":"24hrMiniTicker","E":1,"s":"BNBBTC","c":"1","o":"1","h":"1","l":"1","v":"1","q":"1"}'
ROLLING = '{"e":"4hTicker","E":1,"s":"BNBBTC","c":"1","o":"1"}'
DEPTH = '{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[["1","2"]],"a":[]}'
MARK = '{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.5","T":2}'
BALANCE = '{"e":"balanceUpdate","E":1,"a":"BTC","d":"1.0","T":1}'


def combined(stream: str, data: str) -> str:
    return '{"stream":"' + stream + '","data":' + data + "}"


CASES = [
    Case(SPOT, TRADE, "TradeEvent", "trade"),
    Case(SPOT, combined("btcusdt@trade", TRADE), "TradeEvent", "trade", "btcusdt@trade"),
    Case(SPOT, TRADE, "TradeEvent", "trade", "btcusdt@trade", pass_stream=True),
    # No `e`: recognised by its keys, or by its stream.
    Case(SPOT, BOOK, "BookTickerEvent", "BookTickerEvent"),
    Case(SPOT, combined("btcusdt@bookTicker", BOOK), "BookTickerEvent", "BookTickerEvent", "btcusdt@bookTicker"),
    Case(SPOT, PARTIAL, "PartialDepthEvent", "PartialDepthEvent"),
    Case(SPOT, PARTIAL, "PartialDepthEvent", "PartialDepthEvent", "btcusdt@depth10@100ms", pass_stream=True),
    # One `e` on two shapes: a single event and the array stream.
    Case(SPOT, MINI, "MiniTickerEvent", "24hrMiniTicker"),
    Case(SPOT, f"[{MINI},{MINI}]", "list[MiniTickerEvent]", "24hrMiniTicker"),
    Case(SPOT, combined("!miniTicker@arr", f"[{MINI}]"), "list[MiniTickerEvent]", "24hrMiniTicker", "!miniTicker@arr"),
    # One model for several `e` values: the event type is the one sent.
    Case(SPOT, ROLLING, "RollingWindowTickerEvent", "4hTicker"),
    Case(SPOT, combined("btcusdt@ticker_4h", ROLLING), "RollingWindowTickerEvent", "4hTicker", "btcusdt@ticker_4h"),
    # One `e` for two models (futures partial and diff depth): the stream decides; without one, the model of the
    # simplest stream ({symbol}@depth rather than {symbol}@depth{levels}).
    Case(FUTURES, DEPTH, "DiffDepthEvent", "depthUpdate"),
    Case(FUTURES, combined("btcusdt@depth", DEPTH), "DiffDepthEvent", "depthUpdate", "btcusdt@depth"),
    Case(FUTURES, combined("btcusdt@depth5", DEPTH), "PartialDepthEvent", "depthUpdate", "btcusdt@depth5"),
    Case(FUTURES, DEPTH, "DiffDepthEvent", "depthUpdate", "btcusdt@depth", pass_stream=True),
    Case(FUTURES, f"[{MARK}]", "list[MarkPriceEvent]", "markPriceUpdate", "!markPrice@arr", pass_stream=True),
    # The spot user-data envelope.
    Case(API, '{"subscriptionId":3,"event":' + BALANCE + "}", "BalanceUpdateEventPayload", "balanceUpdate", None),
]


def label(event: BinanceModel | list[BinanceModel]) -> str:
    if isinstance(event, list):
        return f"list[{type(event[0]).__name__}]"
    return type(event).__name__


def case_id(case: Case) -> str:
    return f"{case.expected}:{case.stream or 'bare'}{':stream-arg' if case.pass_stream else ''}"


def payload_of(frame: Any) -> Any:
    return frame.get("data", frame.get("event", frame)) if isinstance(frame, dict) else frame


def jsonable(value: Any) -> Any:
    if isinstance(value, BinanceModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_layout_routes_to_its_model_from_text_bytes_and_objects(case: Case) -> None:
    stream_arg = case.stream if case.pass_stream else None
    subscription_id = 3 if case.router is API else None
    spaced = json.dumps(json.loads(case.frame), indent=1)  # not Binance's layout: takes the general path
    for raw in (case.frame, case.frame.encode(), spaced):
        routed = case.router.decode(raw, stream=stream_arg)
        assert label(routed.event) == case.expected
        assert routed.event_type == case.event_type
        assert routed.stream == case.stream
        assert routed.subscription_id == subscription_id
        assert jsonable(routed.event) == payload_of(json.loads(case.frame))
    from_object = case.router.from_object(json.loads(case.frame), stream_arg)
    assert (label(from_object.event), from_object.event_type) == (case.expected, case.event_type)


def test_a_fresh_router_and_its_caches_route_repeated_frames_the_same() -> None:
    for case in CASES * 2:
        router = EventRouter(case.router.routes)
        for _ in range(2):
            for raw in (case.frame, case.frame.encode()):
                routed = router.decode(raw, stream=case.stream if case.pass_stream else None)
                assert (label(routed.event), routed.event_type, routed.stream) == (
                    case.expected,
                    case.event_type,
                    case.stream,
                )


def test_unknown_fields_are_kept_through_the_raw_text_shortcut() -> None:
    for case in CASES:
        frame = json.loads(case.frame)
        holder = payload_of(frame)
        for item in holder if isinstance(holder, list) else [holder]:
            item["zzFieldAddedLater"] = [1, "2"]
        text = json.dumps(frame, separators=(",", ":"))
        routed = case.router.decode(text, stream=case.stream if case.pass_stream else None)
        events = routed.event if isinstance(routed.event, list) else [routed.event]
        assert [event.model_extra for event in events] == [{"zzFieldAddedLater": [1, "2"]}] * len(events)


def test_combined_frames_in_another_layout_take_the_general_path() -> None:
    for case in CASES:
        if case.stream is None or case.pass_stream:
            continue
        frame = json.loads(case.frame)
        stream = case.stream
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
            routed = case.router.decode(raw)
            assert (label(routed.event), routed.stream) == (case.expected, case.stream), raw


def test_server_shutdown_is_routed_on_every_connection_kind() -> None:
    frames = [
        '{"e":"serverShutdown","E":1700000000000}',
        '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1700000000000}}',
        '{"event":{"e":"serverShutdown","E":1700000000000}}',
    ]
    for router in (SPOT, FUTURES, API, EventRouter(())):
        for frame in frames:
            routed = router.decode(frame)
            assert routed.event_type == "serverShutdown"
            assert isinstance(routed.event, BinanceModel)
            assert routed.event.model_dump(by_alias=True)["E"] == 1700000000000
    # A spec that names no serverShutdown event still gets the built-in model.
    assert isinstance(FUTURES.decode(frames[0]).event, ServerShutdownEvent)


def test_a_raw_stream_also_delivers_server_shutdown() -> None:
    """A raw connection names its one stream, yet Binance may send serverShutdown on it."""
    for raw in ('{"e":"serverShutdown","E":1700000000000}', b'{"E":1700000000000,"e":"serverShutdown"}'):
        routed = SPOT.decode(raw, stream="btcusdt@trade")
        assert isinstance(routed.event, BinanceModel)
        assert routed.event.model_dump(by_alias=True)["e"] == routed.event_type == "serverShutdown"
        assert routed.stream == "btcusdt@trade"


def test_unknown_event_type_raises_decode_error() -> None:
    with pytest.raises(EventDecodeError) as caught:
        SPOT.decode('{"e":"eventNobodyDeclared","E":1}')
    assert caught.value.raw == '{"e":"eventNobodyDeclared","E":1}'


def test_malformed_frames_raise_decode_error() -> None:
    for router in (SPOT, FUTURES, API):
        for frame in ('{"e":"trade",', "not json", "42", "[]", '{"stream":"x","data":5}'):
            with pytest.raises(EventDecodeError):
                router.decode(frame)


def test_frames_the_shortcut_misreads_still_raise_decode_errors() -> None:
    frames: list[bytes | str] = ['{"stream":"x\\"","data":{"e":"nobody"}}', b'{"stream":"\xff","data":{}}', '{"e":"\\']
    frames += [case.frame[: len(case.frame) // 2] for case in CASES if case.stream and not case.pass_stream]
    for frame in frames:
        with pytest.raises(EventDecodeError):
            SPOT.decode(frame)


def test_invalid_payload_raises_decode_error_with_its_cause_and_frame() -> None:
    broken = TRADE.replace('"t":2', '"t":"two"')
    for raw in (broken, combined("btcusdt@trade", broken), broken.encode()):
        with pytest.raises(EventDecodeError) as caught:
            SPOT.decode(raw)
        assert caught.value.cause is not None
        assert caught.value.raw == raw
    with pytest.raises(EventDecodeError):
        SPOT.from_object(json.loads(broken))


def test_the_combined_decoder_agrees_with_decode_on_wrapped_frames_and_leaves_the_rest() -> None:
    for router in (SPOT, FUTURES, API, EventRouter(SPOT.routes)):
        decode_combined = router.combined_decoder()
        for case in CASES:
            frame = case.frame.encode()
            if case.router is not router or not frame.startswith(b'{"stream":'):
                continue
            for _ in range(2):  # the first call fills the caches, the second reads them
                assert decode_combined(frame) == router.decode(frame)
        # Not a {"stream", "data"} wrapper: replies, bare events and notices are left to the caller.
        for other in (b'{"result":null,"id":1}', TRADE.encode(), b'{"e":"serverShutdown","E":1}', b""):
            assert decode_combined(other) is None
    decode_combined = SPOT.combined_decoder()
    # Unknown streams and layouts the shortcut cannot read take decode's general path.
    spaced = decode_combined(b'{"stream":"btcusdt@trade" ,"data":' + TRADE.encode() + b"}")
    assert spaced is not None and spaced.event_type == "trade"
    with pytest.raises(EventDecodeError):
        decode_combined(combined("btcusdt@nothing", '{"e":"nobody"}').encode())
    broken = combined("btcusdt@trade", TRADE.replace('"t":2', '"t":"two"')).encode()
    with pytest.raises(EventDecodeError) as caught:
        decode_combined(broken)
    assert caught.value.cause is not None and caught.value.raw == broken


def test_the_stream_decoder_agrees_with_decode_for_raw_frames() -> None:
    for router in (SPOT, FUTURES, API, EventRouter(FUTURES.routes)):
        decode_stream = router.stream_decoder()
        for case in CASES:
            if case.router is not router:
                continue
            frame = case.frame.encode()
            for stream in {case.stream if case.pass_stream else None, None}:
                for _ in range(2):  # the first call fills the caches, the second reads them
                    assert decode_stream(frame, stream) == router.decode(frame, stream=stream)
    decode_stream = SPOT.stream_decoder()
    assert decode_stream(b'{"e":"serverShutdown","E":1}', "btcusdt@trade").event_type == "serverShutdown"
    broken = TRADE.replace('"t":2', '"t":"two"').encode()
    with pytest.raises(EventDecodeError) as caught:
        decode_stream(broken, "btcusdt@trade")
    assert caught.value.cause is not None and caught.value.raw == broken
    with pytest.raises(EventDecodeError):
        decode_stream(b'{"e":"nobody"}', "btcusdt@nothing")


def test_stream_name_overrides_an_ambiguous_event_type() -> None:
    for stream, expected in (("btcusdt@depth", "DiffDepthEvent"), ("btcusdt@depth5", "PartialDepthEvent")):
        route = FUTURES.route_for_stream(stream)
        assert route is not None and route.name == expected
    assert FUTURES.route_for_stream("btcusdt@nothing") is None
