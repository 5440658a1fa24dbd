"""Binance's official SDK (binance-sdk-spot) against our mock server: the mock must answer like Binance.

For every WS API method the SDK and the package's spec share, the SDK's own WebSocket API client sends the request
as it would to Binance (its parameter names and encodings: numbers and booleans as strings, lists as JSON-encoded
strings, its own signing), once with an HMAC key and once with an Ed25519 key, and the reply must validate into the
SDK's pydantic model for that method. The SDK turns an error reply into a ``{"error": ...}`` dict and a reply it
cannot parse into an exception raised by ``data()``; both fail the test here.

Each method is called with every parameter the SDK offers for it (one variant per mutually exclusive choice, such
as ``symbol`` or ``symbols``) and, for orders, also with only the required ones; a few replies are checked for
what Binance documents beyond their types (levels are [price, qty], klines have 12 fields, LIMIT and MARKET orders
default to the FULL response, ``symbols`` are echoed).
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import time
import typing
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import binance_common.websocket as sdk_websocket
import pytest
from binance_common.configuration import ConfigurationWebSocketAPI
from binance_sdk_spot.spot import Spot
from binance_sdk_spot.websocket_api import SpotWebSocketAPI
from pydantic import BaseModel

from _peers import first_line, package_module, record

SPEC: Any = package_module("_spec").SPEC
testing = package_module("testing")
auth = package_module("auth")

pytestmark = pytest.mark.skipif(SPEC.kind != "api" or SPEC.product != "spot", reason="a spot WS API package")

HMAC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED25519_API_KEY = "ed25519PeerKey4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhj"
ED25519_PRIVATE, ED25519_PUBLIC = auth.generate_ed25519_keypair()

KEY_TYPES = ("hmac", "ed25519")
ED25519_ONLY = {"session.logon", "userDataStream.subscribe"}
"""Binance logs sessions on with Ed25519 keys only; ``userDataStream.subscribe`` needs a logged-on session."""

_SDK_NAMES = {"ticker.24hr": "ticker24hr"}


def sdk_name(method: str) -> str:
    """``orderList.place.oco`` -> ``order_list_place_oco``: the SDK's name for a wire method."""
    if method in _SDK_NAMES:
        return _SDK_NAMES[method]
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", method).replace(".", "_").lower()


SHARED = sorted(
    method
    for method, op in SPEC.operations.items()
    if op.channel_method is None and callable(getattr(SpotWebSocketAPI, sdk_name(method), None))
)

# ----------------------------------------------------------------------------------------------- arguments

NOW_MS = int(time.time() * 1000)
SYMBOLS = ["BTCUSDT", "BNBUSDT"]
NEW_ORDERS = ("order.place", "sor.order.place")
EXCLUSIVE = (("symbol", "symbols", "permissions"),)
"""Parameters Binance takes one of (exchangeInfo, ticker.*): one variant per member the method has."""
_ENUM_CHOICES = {
    "side": "BUY",
    "type": "LIMIT",
    "working_type": "LIMIT",
    "pending_type": "LIMIT",
    "time_in_force": "GTC",
    "interval": "1m",
}


def _enum_value(name: str, enum_class: type[enum.Enum]) -> enum.Enum:
    wanted = _ENUM_CHOICES.get(name)
    for member in enum_class:
        if member.value == wanted:
            return member
    return next(iter(enum_class))


def _value(name: str, annotation: Any) -> Any:
    """A plausible value of the SDK parameter ``name`` (the SDK turns it into Binance's wire form itself)."""
    fixed: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "symbols": SYMBOLS,
        "permissions": ["SPOT", "MARGIN"],
        "time_zone": "0",
        "strategy_type": 1_000_000,
        "limit": 7,
        "start_time": NOW_MS - 3_600_000,
        "end_time": NOW_MS,
        "recv_window": 5000,
    }
    if name in fixed:
        return fixed[name]
    kinds = [arg for arg in typing.get_args(annotation) if arg is not type(None)] or [annotation]
    kind = kinds[0]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _enum_value(name, kind)
    if kind is bool:
        return True
    if kind is float:
        if "price" in name:
            return 52000.5
        return 0.25
    if kind is int:
        if "trailing_delta" in name:
            return 100
        if "peg_offset_value" in name:
            return 1
        return 12345
    if kind is str:
        if "client_order_id" in name:
            return "sdkPeerOrder-1"
        return "1"
    if typing.get_origin(kind) in (list, typing.List):  # noqa: UP006 (the SDK annotates with typing.List)
        return ["BTCUSDT"]
    raise AssertionError(f"no value for the SDK parameter {name}: {annotation!r}")


@dataclass
class Variant:
    name: str
    kwargs: dict[str, Any]


def variants(method: str) -> list[Variant]:
    """The calls for ``method``: every parameter the SDK offers, one variant per exclusive choice."""
    signature = inspect.signature(getattr(SpotWebSocketAPI, sdk_name(method)))
    hints = typing.get_type_hints(getattr(SpotWebSocketAPI, sdk_name(method)))
    required: dict[str, Any] = {}
    optional: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if name in ("self", "id", "subscription_id"):
            continue
        target = required if parameter.default is inspect.Parameter.empty else optional
        target[name] = _value(name, hints.get(name, parameter.annotation))
    groups = [[name for name in group if name in optional] for group in EXCLUSIVE]
    choices = [group for group in groups if len(group) > 1]
    out: list[Variant] = []
    if not choices:
        out.append(Variant("all", {**required, **optional}))
    for group in choices:
        for chosen in group:
            kwargs = {**required, **{k: v for k, v in optional.items() if k not in group or k == chosen}}
            out.append(Variant(f"all:{chosen}", kwargs))
    if method in NEW_ORDERS:
        # Without newOrderRespType the response type is Binance's default for the order type (FULL for LIMIT).
        out.append(Variant("required", dict(required)))
    return out


# ----------------------------------------------------------------------------------------------- checks


def _walk(value: Any, path: str = "result") -> typing.Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def check_parsed(data: Any) -> None:
    """Every oneOf wrapper in the parsed reply holds one of its variants (an empty wrapper is a silent miss)."""
    for path, value in _walk(data.result):
        if isinstance(value, BaseModel) and "one_of_schemas" in type(value).model_fields:
            assert value.actual_instance is not None, f"{path}: matches none of {sorted(value.one_of_schemas)}"


def _levels(result: dict[str, Any]) -> None:
    for side in ("bids", "asks"):
        assert result[side], f"no {side}"
        for level in result[side]:
            assert len(level) == 2, f"{side} level {level!r} is not [price, qty]"
            assert all(isinstance(part, str) and re.fullmatch(r"\d+\.\d+", part) for part in level), level


def _klines(result: list[Any]) -> None:
    assert result, "no klines"
    for row in result:
        assert len(row) == 12, f"kline {row!r} does not have Binance's 12 fields"
        assert isinstance(row[0], int) and isinstance(row[6], int) and isinstance(row[8], int), row
        assert all(isinstance(row[i], str) for i in (1, 2, 3, 4, 5, 7, 9, 10)), row


def semantic_checks(method: str, variant: Variant, result: Any) -> None:
    """What Binance documents about a reply beyond its types."""
    kwargs = variant.kwargs
    if method == "depth":
        _levels(result)
        assert len(result["bids"]) == kwargs["limit"] == len(result["asks"]), "depth ignores limit"
    if method in ("klines", "uiKlines"):
        _klines(result)
        assert len(result) == kwargs["limit"], f"{method} ignores limit"
    if method in ("trades.recent", "trades.historical", "trades.aggregate"):
        assert len(result) == kwargs["limit"], f"{method} ignores limit"
    if method.startswith("ticker") and "symbols" in kwargs:
        assert isinstance(result, list), f"{method} with symbols answers one object"
        assert [item["symbol"] for item in result] == SYMBOLS, f"{method} does not answer the requested symbols"
    elif method.startswith("ticker") and "symbol" in kwargs:
        assert isinstance(result, dict) and result["symbol"] == kwargs["symbol"], result
    if method == "exchangeInfo":
        for item in result.get("exchangeFilters", []):
            assert item.get("filterType"), f"exchange filter without filterType: {item!r}"
        wanted = kwargs.get("symbols") or ([kwargs["symbol"]] if "symbol" in kwargs else None)
        if wanted:
            assert [s["symbol"] for s in result["symbols"]] == wanted, "exchangeInfo ignores symbol/symbols"
    if method in NEW_ORDERS and variant.name == "required":
        for order in result if isinstance(result, list) else [result]:
            assert order.get("fills"), f"{method} LIMIT without newOrderRespType must answer FULL (with fills)"
    if isinstance(result, dict) and "symbol" in result and "symbol" in kwargs:
        assert result["symbol"] == kwargs["symbol"], "the reply names another symbol than the request"


# ----------------------------------------------------------------------------------------------- the calls


class ReplyRecorder:
    """The SDK's JSON module, recording every reply it decodes by id (the SDK keeps only its parsed model)."""

    def __init__(self) -> None:
        self.replies: dict[Any, Any] = {}

    def loads(self, text: Any, *args: Any, **kwargs: Any) -> Any:
        decoded = json.loads(text, *args, **kwargs)
        if isinstance(decoded, dict) and "id" in decoded:
            self.replies[decoded["id"]] = decoded
        return decoded

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)


RECORDER = ReplyRecorder()
sdk_websocket.json = RECORDER  # type: ignore[attr-defined]


def configuration(url: str, key_type: str) -> ConfigurationWebSocketAPI:
    if key_type == "hmac":
        return ConfigurationWebSocketAPI(api_key=HMAC_API_KEY, api_secret=HMAC_SECRET, stream_url=url)
    return ConfigurationWebSocketAPI(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, stream_url=url)


@pytest.fixture
async def server() -> AsyncIterator[Any]:
    async with testing.MockBinanceServer() as mock:
        mock.add_key(HMAC_API_KEY, secret_key=HMAC_SECRET)
        mock.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        yield mock


@dataclass
class Reply:
    status: Any
    result: Any
    """The result as the SDK's model parsed it."""
    raw: Any
    """The result as the mock server sent it."""


def sdk_parse(model: Any, value: Any) -> Any:
    """``value`` parsed into ``model`` the way the SDK's unsigned requests parse a reply: ``from_dict``, falling back
    to ``model_validate`` where ``from_dict`` fails and the model is not a oneOf holder (as the SDK does)."""
    try:
        return model.from_dict(value)
    except Exception:
        if hasattr(model, "is_oneof_model") and model.is_oneof_model():
            raise
        return model.model_validate(value)


def parse(response: Any, method: str, server: Any) -> Reply:
    """The reply of the last ``method`` request, parsed by the SDK's model for it.

    ``data()`` is what an SDK user gets: it raises when the model rejects the reply, and an error reply comes back
    as an ``{"error": ...}`` dict. For signed requests the SDK builds it with ``model_validate``, which leaves its
    oneOf holders (filters, order list reports ...) empty instead of failing, so the reply is also parsed the way
    the SDK parses unsigned ones, and every oneOf holder must then hold one of its variants. Some response models
    are oneOf holders themselves (one variant per result shape), and two (exchangeInfo, myFilters) describe the
    result rather than the reply: those are given the result.
    """
    if hasattr(response, "response") and hasattr(response, "stream"):
        response = response.response
    data = response.data()
    assert not isinstance(data, dict), f"{method}: the SDK got no reply it could use: {data!r}"
    sent = server.requests(method)[-1]
    raw = RECORDER.replies.get(sent["id"])
    assert raw is not None, f"{method}: no reply recorded for request {sent['id']}"
    model = type(data)
    if "one_of_schemas" in model.model_fields or "result" in model.model_fields:
        parsed = sdk_parse(model, raw)
    else:
        parsed = SimpleNamespace(status=raw.get("status"), result=sdk_parse(model, raw["result"]))
    if isinstance(parsed, BaseModel) and "one_of_schemas" in type(parsed).model_fields:
        assert parsed.actual_instance is not None, f"{method}: matches none of {sorted(parsed.one_of_schemas)}"
        parsed = parsed.actual_instance
    return Reply(parsed.status, parsed.result, raw.get("result"))


async def prepare(api: Any, method: str, server: Any) -> dict[str, Any]:
    """Puts the connection in the state ``method`` needs; returns arguments that depend on that state."""
    if method == "userDataStream.subscribe":
        parse(await api.session_logon(), "session.logon", server)
    if method == "userDataStream.unsubscribe":
        subscribed = await api.user_data_stream_subscribe_signature()
        subscription = parse(subscribed, "userDataStream.subscribe.signature", server)
        return {"subscription_id": subscription.raw["subscriptionId"]}
    return {}


CASES = [
    pytest.param(method, key_type, id=f"{method}-{key_type}")
    for method in SHARED
    for key_type in KEY_TYPES
    if not (key_type == "hmac" and method in ED25519_ONLY)
]


def test_the_sdk_and_the_spec_share_methods() -> None:
    assert SHARED, "the SDK and this spec share no WS API method"


@pytest.mark.parametrize(("method", "key_type"), CASES)
async def test_every_reply_parses_into_the_sdk_model(server: Any, method: str, key_type: str) -> None:
    api = await Spot(config_ws_api=configuration(server.url, key_type)).websocket_api.create_connection()
    assert api is not None and api.connections, "the SDK could not connect to the mock server"
    failures: list[str] = []
    try:
        for variant in variants(method):
            try:
                state = await prepare(api, method, server)
                response = await getattr(api, sdk_name(method))(**variant.kwargs, **state)
                reply = parse(response, method, server)
                assert reply.status == 200, f"status {reply.status}"
                check_parsed(reply)
                semantic_checks(method, variant, reply.raw)
            except Exception as error:  # noqa: BLE001 (every failure is reported in the table)
                sent = server.requests(method)[-1:] or ["(nothing sent)"]
                failures.append(f"{variant.name}: {type(error).__name__}: {first_line(error)}; sent {sent}")
    finally:
        await api.close_connection(close_session=True)
    record("binance-sdk-spot", method, key_type, "; ".join(failures) if failures else "ok")
    assert not failures, "\n".join(failures)
