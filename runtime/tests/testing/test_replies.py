"""Replies fitted to their request the way Binance answers (testing/replies.py), and the rules they come from
(policy.py: parameter values, documented parameters, response types)."""

from __future__ import annotations

from typing import Any

import pytest

from binance_ws_runtime.policy import (
    METHOD_SECURITY,
    MethodSecurity,
    accepted_params,
    boolean_param,
    documented_params,
    integer_param,
    list_param,
    order_response_type,
    profile_for,
    protocol_methods,
    valid_control_id,
    valid_request_id,
)
from binance_ws_runtime.testing.replies import fit_result

TICKER = {"symbol": "BNBBTC", "price": "0.01361900"}
DEPTH = {
    "lastUpdateId": 7,
    "bids": [["0.01379900", "3.43200000"]],
    "asks": [["0.01380000", "5.91700000"]],
}
KLINE = [1655971200000, "0.01086000", "0.01086600", "0.01083600", "0.01083800", "2290.53800000", 1655974799999]
KLINE += ["24.85074442", 2283, "1171.64000000", "12.71225884", "0"]
ORDER = {
    "symbol": "BTCUSDT",
    "orderId": 12569099453,
    "orderListId": -1,
    "clientOrderId": "4d96324ff9d44481926157ec08158a40",
    "transactTime": 1660801715639,
    "price": "0.00000000",
    "origQty": "10.00000000",
    "status": "FILLED",
    "timeInForce": "GTC",
    "type": "MARKET",
    "side": "SELL",
    "fills": [{"price": "0.00000230", "qty": "10.00000000", "commission": "0", "commissionAsset": "BNB"}],
}
EXCHANGE_INFO = {
    "timezone": "UTC",
    "exchangeFilters": [{"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000}],
    "symbols": [{"symbol": "BNBBTC", "status": "TRADING", "filters": [{"filterType": "PRICE_FILTER"}]}],
    "sors": [{"baseAsset": "BTC", "symbols": ["BTCUSDT"]}],
}


# ---------------------------------------------------------------------------------------------- symbol, symbols


def test_the_requested_symbol_is_echoed_everywhere_the_result_names_one() -> None:
    assert fit_result("spot", "ticker.price", TICKER, {"symbol": "BTCUSDT"}, may_be_list=True) == {
        "symbol": "BTCUSDT",
        "price": "0.01361900",
    }
    info = fit_result("spot", "exchangeInfo", EXCHANGE_INFO, {"symbol": "ETHBTC"})
    assert [s["symbol"] for s in info["symbols"]] == ["ETHBTC"]
    assert info["sors"] == EXCHANGE_INFO["sors"], "lists of symbol names are not a symbol field"


@pytest.mark.parametrize("symbols", [["BTCUSDT", "BNBUSDT"], '["BTCUSDT","BNBUSDT"]', ' ["BTCUSDT", "BNBUSDT"]'])
def test_symbols_as_a_json_array_or_a_json_encoded_string_give_one_item_each(symbols: Any) -> None:
    listed = fit_result("spot", "ticker.price", TICKER, {"symbols": symbols}, may_be_list=True)
    assert listed == [{"symbol": "BTCUSDT", "price": "0.01361900"}, {"symbol": "BNBUSDT", "price": "0.01361900"}]
    info = fit_result("spot", "exchangeInfo", EXCHANGE_INFO, {"symbols": symbols})
    assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT", "BNBUSDT"]
    assert info["exchangeFilters"] == EXCHANGE_INFO["exchangeFilters"]


def test_a_per_symbol_method_asked_for_no_symbol_answers_a_list() -> None:
    assert fit_result("spot", "ticker.price", TICKER, {}, may_be_list=True) == [TICKER]
    assert fit_result("spot", "avgPrice", {"mins": 5, "price": "1.0"}, {}) == {"mins": 5, "price": "1.0"}


def test_the_template_is_not_modified() -> None:
    template = {"symbol": "BNBBTC", "bids": [["1.00", "2.00"]], "asks": [["1.10", "2.00"]]}
    fit_result("spot", "depth", template, {"symbol": "BTCUSDT", "limit": 3})
    assert template == {"symbol": "BNBBTC", "bids": [["1.00", "2.00"]], "asks": [["1.10", "2.00"]]}


# ---------------------------------------------------------------------------------------------- limit


@pytest.mark.parametrize("limit", [5, "5"])
def test_limit_sets_the_book_depth_with_levels_away_from_the_best_price(limit: Any) -> None:
    book = fit_result("spot", "depth", DEPTH, {"symbol": "BTCUSDT", "limit": limit})
    assert len(book["bids"]) == len(book["asks"]) == 5
    bids = [float(price) for price, _ in book["bids"]]
    asks = [float(price) for price, _ in book["asks"]]
    assert bids == sorted(bids, reverse=True) and len(set(bids)) == 5
    assert asks == sorted(asks) and len(set(asks)) == 5
    assert all(len(level) == 2 and len(level[0]) == len("0.01379900") for level in book["bids"])


def test_limit_sets_the_length_of_a_list_result_with_ids_and_kline_times_moving_on() -> None:
    trades = fit_result("spot", "trades.recent", [{"id": 1, "price": "1.0", "time": 5}], {"limit": "3"})
    assert [trade["id"] for trade in trades] == [1, 2, 3]
    klines = fit_result("spot", "klines", [KLINE], {"limit": 3})
    assert [row[0] for row in klines] == [1655971200000, 1655974800000, 1655978400000]
    assert all(len(row) == 12 and row[6] == row[0] + 3599999 for row in klines)
    shorter = fit_result("spot", "trades.recent", [{"id": 1}, {"id": 2}, {"id": 3}], {"limit": 2})
    assert shorter == [{"id": 1}, {"id": 2}]


def test_limit_is_cut_to_the_methods_maximum() -> None:
    assert len(fit_result("spot", "trades.recent", [{"id": 1}], {"limit": 100_000})) == 1000
    assert len(fit_result("spot", "depth", DEPTH, {"limit": 6000})["bids"]) == 5000


# ---------------------------------------------------------------------------------------------- orders


@pytest.mark.parametrize(
    ("params", "response_type"),
    [
        ({"type": "LIMIT"}, "FULL"),
        ({"type": "MARKET"}, "FULL"),
        ({"type": "STOP_LOSS"}, "ACK"),
        ({"type": "LIMIT", "newOrderRespType": "ACK"}, "ACK"),
        ({"type": "MARKET", "newOrderRespType": "RESULT"}, "RESULT"),
        ({"type": "STOP_LOSS_LIMIT", "newOrderRespType": "FULL"}, "FULL"),
    ],
)
def test_new_orders_answer_ack_result_or_full(params: dict[str, Any], response_type: str) -> None:
    assert order_response_type("spot", "order.place", params) == response_type
    reply = fit_result("spot", "order.place", ORDER, {"symbol": "BTCUSDT", "side": "BUY", **params})
    if response_type == "ACK":
        assert set(reply) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    else:
        assert ("fills" in reply) == (response_type == "FULL")
        assert reply["side"] == "BUY" and reply["type"] == params["type"]


def test_a_new_order_echoes_its_client_order_id_and_sor_orders_are_shaped_each() -> None:
    reply = fit_result("spot", "order.place", ORDER, {"type": "LIMIT", "newClientOrderId": "mine-1"})
    assert reply["clientOrderId"] == "mine-1"
    sor = fit_result("spot", "sor.order.place", [ORDER], {"type": "LIMIT", "newOrderRespType": "ACK"})
    assert sor == [{key: ORDER[key] for key in ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime")}]


def test_futures_orders_keep_their_template() -> None:
    assert order_response_type("umfutures", "order.place", {"type": "LIMIT"}) is None
    assert fit_result("umfutures", "order.place", {"orderId": 1}, {"type": "LIMIT"}) == {"orderId": 1}


@pytest.mark.parametrize("method", ["order.test", "sor.order.test"])
def test_test_orders_answer_commission_rates_only_when_asked(method: str) -> None:
    rates = {"standardCommissionForOrder": {"maker": "0.00000112", "taker": "0.00000114"}}
    assert fit_result("spot", method, rates, {"symbol": "BTCUSDT"}) == {}
    assert fit_result("spot", method, rates, {"computeCommissionRates": "false"}) == {}
    assert fit_result("spot", method, rates, {"computeCommissionRates": True}) == rates
    assert fit_result("spot", method, rates, {"computeCommissionRates": "true"}) == rates


def test_no_template_answers_an_empty_object() -> None:
    assert fit_result("spot", "ping", None, {}) == {}


# ---------------------------------------------------------------------------------------------- parameter rules


def test_parameter_values_as_binance_reads_them() -> None:
    assert [integer_param(v) for v in (5, "5", "-1", "0", True, "5.0", "x", None, "1" * 20)] == [
        5,
        5,
        -1,
        0,
        None,
        None,
        None,
        None,
        None,
    ]
    assert [boolean_param(v) for v in (True, False, "true", "FALSE", "1", 1, None)] == [
        True,
        False,
        True,
        False,
        None,
        None,
        None,
    ]
    assert list_param(["A", "B"]) == ["A", "B"]
    assert list_param('["A","B"]') == ["A", "B"]
    assert list_param("SPOT") == ["SPOT"], "permissions also takes one name"
    assert list_param("[not json") is None
    assert list_param([1, 2]) is None
    assert list_param("") is None


def test_order_test_takes_every_order_place_parameter_and_compute_commission_rates() -> None:
    place = documented_params("spot", "order.place")
    assert {"newClientOrderId", "icebergQty", "strategyId", "pegPriceType", "selfTradePreventionMode"} <= place
    assert documented_params("spot", "order.test") == place | {"computeCommissionRates"}
    assert documented_params("spot", "sor.order.test") == documented_params("spot", "sor.order.place") | {
        "computeCommissionRates"
    }
    assert documented_params("umfutures", "order.place") == frozenset(), "futures: the specs' own lists"


def test_accepted_params_are_the_union_of_the_spec_and_the_docs_with_the_credentials_security_allows() -> None:
    signed = MethodSecurity(signed=True, api_key=True, permission="TRADE")
    accepted = accepted_params("spot", "order.test", ["symbol", "side", "onlyInTheSpec"], signed)
    assert {"onlyInTheSpec", "newClientOrderId", "computeCommissionRates", "signature", "returnRateLimits"} <= accepted
    public = accepted_params("spot", "depth", ["symbol", "limit"], MethodSecurity(signed=False, api_key=False))
    assert public == {"symbol", "limit", "symbolStatus", "returnRateLimits"}
    unsubscribe = METHOD_SECURITY["userDataStream.unsubscribe"]
    assert accepted_params("spot", "userDataStream.unsubscribe", ["subscriptionId", "apiKey"], unsubscribe) == {
        "subscriptionId",
        "returnRateLimits",
    }


def test_protocol_methods_and_limits_per_product() -> None:
    assert "userDataStream.subscribe" in protocol_methods("spot")
    assert "userDataStream.start" not in protocol_methods("spot")
    assert {"session.logon", "userDataStream.start"} <= protocol_methods("umfutures")
    assert profile_for("spot").max_incoming_messages_per_second == 5
    assert profile_for("cmfutures").max_incoming_messages_per_second == 10
    assert profile_for("umfutures").request_weight_per_minute == 2400


def test_request_ids_as_binance_takes_them() -> None:
    assert all(valid_request_id(v) for v in (None, 0, -(2**63), 2**63 - 1, "a" * 36, "f0e-_9"))
    assert not any(valid_request_id(v) for v in (2**63, "a" * 37, "a b", "", True, 1.5, [1]))
    assert valid_control_id("umfutures", 2**64 - 1) and not valid_control_id("umfutures", -1)
    assert not valid_control_id("cmfutures", "id-1") and not valid_control_id("umfutures", None)
    assert valid_control_id("spot", "id-1") and valid_control_id("spot", None) and valid_control_id("spot", -1)
