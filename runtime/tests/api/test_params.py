"""Request parameters as the generated methods pass them on."""

from __future__ import annotations

from binance_ws_runtime.api.params import present


def test_only_the_parameters_given_are_sent() -> None:
    given = {"symbol": "BTCUSDT", "limit": None, "omitZeroBalances": False, "price": "0"}
    assert present(given) == {"symbol": "BTCUSDT", "omitZeroBalances": False, "price": "0"}
    assert present({}) == {}
