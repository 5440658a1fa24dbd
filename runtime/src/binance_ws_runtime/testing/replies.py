"""A reply fitted to its request the way Binance answers it, from the operation's reply template (:mod:`.data`).

What Binance documents about how a result depends on the request (the rules are in :mod:`..policy`):

* ``symbol`` is echoed wherever the result names a symbol; ``symbols`` (a JSON array or a JSON-encoded string)
  gives one item per requested symbol, in request order: a list for the per-symbol methods (``ticker.*``), the
  symbol list of the result otherwise (``exchangeInfo``); per-symbol methods asked for no symbol answer a list;
* ``limit`` (a number or a numeric string) sets how many items a list result has (klines, trades, orders ...) and
  how many levels each side of a book has (``depth``), cut to the method's maximum;
* spot ``order.place`` / ``sor.order.place`` answer ``ACK``, ``RESULT`` or ``FULL`` as ``newOrderRespType`` asks,
  by default ``FULL`` for ``LIMIT`` and ``MARKET`` orders and ``ACK`` for the others, and echo the order's client
  id, side, type and time in force;
* ``order.test`` / ``sor.order.test`` answer ``{}`` unless ``computeCommissionRates`` is true.

Items added to reach a ``limit`` are copies of the template's last item with their ids counted up, book levels
stepped away from the best price and kline open / close times advanced by one interval.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..policy import (
    COMMISSION_RATES_PARAM,
    DEFAULT_MAX_LIMIT,
    LIMIT_MAXIMA,
    ORDER_ACK_FIELDS,
    ORDER_FULL_ONLY_FIELDS,
    TEST_ORDER_METHODS,
    boolean_param,
    integer_param,
    list_param,
    order_response_type,
)

__all__ = ["fit_result"]

_BOOK_SIDES = ("bids", "asks")
_ORDER_ECHOES = {"newClientOrderId": "clientOrderId", "side": "side", "type": "type", "timeInForce": "timeInForce"}
"""Request parameter -> the field of a new-order reply that repeats it."""
_KLINE_FIELDS = 12


def fit_result(
    product: str, method: str, template: Any, params: Mapping[str, Any], *, may_be_list: bool = False
) -> Any:
    """The ``result`` Binance would answer ``params`` with, built from the reply ``template`` (not modified).

    ``may_be_list``: the result is one object per symbol, a list of them when several or none are asked for.
    """
    if method in TEST_ORDER_METHODS and not boolean_param(params.get(COMMISSION_RATES_PARAM)):
        return {}
    result = copy.deepcopy(template) if template is not None else {}
    symbol = params.get("symbol")
    symbols = list_param(params["symbols"]) if "symbols" in params else None
    if symbols is not None:
        result = _per_symbol(result, symbols, may_be_list)
    elif isinstance(symbol, str):
        _echo_symbol(result, symbol)
    elif may_be_list and isinstance(result, dict):
        result = [result]
    limit = integer_param(params.get("limit"))
    if limit is not None and limit > 0:
        result = _fit_limit(result, min(limit, LIMIT_MAXIMA.get(method, DEFAULT_MAX_LIMIT)))
    response_type = order_response_type(product, method, params)
    if response_type is not None:
        result = _order_reply(result, params, response_type)
    return result


def _echo_symbol(value: Any, symbol: str) -> None:
    """Every ``symbol`` field of the result names the requested symbol."""
    if isinstance(value, dict):
        if isinstance(value.get("symbol"), str):
            value["symbol"] = symbol
        for item in value.values():
            _echo_symbol(item, symbol)
    elif isinstance(value, list):
        for item in value:
            _echo_symbol(item, symbol)


def _one_per_symbol(item: Any, symbols: list[str]) -> list[Any]:
    out = []
    for index, symbol in enumerate(symbols):
        copied = _next_item(item, index)
        _echo_symbol(copied, symbol)
        out.append(copied)
    return out


def _per_symbol(result: Any, symbols: list[str], may_be_list: bool) -> Any:
    if isinstance(result, list):
        return _one_per_symbol(result[0], symbols) if result else result
    if not isinstance(result, dict):
        return result
    if may_be_list:
        return _one_per_symbol(result, symbols)
    for key, value in result.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and "symbol" in value[0]:
            result[key] = _one_per_symbol(value[0], symbols)
            return result
    if symbols:
        _echo_symbol(result, symbols[0])
    return result


def _fit_limit(result: Any, limit: int) -> Any:
    if isinstance(result, list):
        return _resize(result, limit)
    if isinstance(result, dict):
        for side in _BOOK_SIDES:
            levels = result.get(side)
            if isinstance(levels, list):
                result[side] = _resize(levels, limit, descending=side == "bids")
    return result


def _resize(items: list[Any], count: int, *, descending: bool = False) -> list[Any]:
    if not items:
        return items
    out = [copy.deepcopy(item) for item in items[:count]]
    last = items[-1]
    for step in range(1, count - len(out) + 1):
        out.append(_next_item(last, step, descending=descending))
    return out


def _next_item(item: Any, step: int, *, descending: bool = False) -> Any:
    """A copy of ``item`` as the ``step``-th next one of its list: ids counted up, levels and klines moved on."""
    copied = copy.deepcopy(item)
    if step == 0:
        return copied
    if isinstance(copied, dict):
        for key, value in copied.items():
            if (key == "id" or key.endswith("Id")) and isinstance(value, int) and not isinstance(value, bool):
                if value >= 0:
                    copied[key] = value + step
        return copied
    if isinstance(copied, list) and len(copied) == 2 and all(isinstance(part, str) for part in copied):
        copied[0] = _step_price(copied[0], -step if descending else step)
        return copied
    if isinstance(copied, list) and len(copied) == _KLINE_FIELDS:
        opened, closed = copied[0], copied[6]
        if isinstance(opened, int) and isinstance(closed, int) and not isinstance(opened, bool):
            interval = closed - opened + 1 if closed > opened else 60_000
            copied[0] = opened + step * interval
            copied[6] = closed + step * interval
    return copied


def _step_price(price: str, steps: int) -> str:
    """``price`` moved by ``steps`` ticks (100 units of its last decimal place), never below one tick."""
    try:
        value = Decimal(price)
    except InvalidOperation:
        return price
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        return price
    tick = Decimal(1).scaleb(exponent + 2) if exponent < -2 else Decimal(1).scaleb(exponent)
    moved = value + tick * steps
    if moved <= 0:
        moved = tick
    return str(moved.quantize(Decimal(1).scaleb(exponent)))


def _order_reply(result: Any, params: Mapping[str, Any], response_type: str) -> Any:
    if isinstance(result, list):
        return [_order_reply(item, params, response_type) for item in result]
    if not isinstance(result, dict):
        return result
    for param, field_name in _ORDER_ECHOES.items():
        value = params.get(param)
        if isinstance(value, str) and field_name in result:
            result[field_name] = value
    if response_type == "ACK":
        return {key: value for key, value in result.items() if key in ORDER_ACK_FIELDS}
    if response_type == "RESULT":
        return {key: value for key, value in result.items() if key not in ORDER_FULL_ONLY_FIELDS}
    return result
