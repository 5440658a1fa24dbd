"""Binance-shaped market events for the flood: trade, bookTicker and a 20-level depthUpdate.

Field names, order and value formats follow what Binance sends on ``<symbol>@trade``, ``<symbol>@bookTicker``
and ``<symbol>@depth@100ms`` (prices and quantities as decimal strings, times in ms). Values vary per event so
that no layer can win by caching identical texts.
"""

from __future__ import annotations

import json
import random

SYMBOL = "BTCUSDT"
TRADE_STREAM = "btcusdt@trade"
BOOK_TICKER_STREAM = "btcusdt@bookTicker"
DEPTH_STREAM = "btcusdt@depth@100ms"
STREAMS = (TRADE_STREAM, BOOK_TICKER_STREAM, DEPTH_STREAM)
DEPTH_LEVELS = 20

_EVENT_TIME = 1_767_225_600_000


def _price(rng: random.Random, base: float) -> str:
    return f"{base + rng.uniform(-50, 50):.8f}"


def _quantity(rng: random.Random) -> str:
    return f"{rng.uniform(0, 3):.8f}"


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def trade(rng: random.Random, index: int) -> bytes:
    return _dumps(
        {
            "e": "trade",
            "E": _EVENT_TIME + index,
            "s": SYMBOL,
            "t": 5_000_000_000 + index,
            "p": _price(rng, 97_000),
            "q": _quantity(rng),
            "T": _EVENT_TIME + index - 1,
            "m": index % 2 == 0,
            "M": True,
        }
    )


def book_ticker(rng: random.Random, index: int) -> bytes:
    return _dumps(
        {
            "u": 70_000_000_000 + index,
            "s": SYMBOL,
            "b": _price(rng, 96_990),
            "B": _quantity(rng),
            "a": _price(rng, 97_010),
            "A": _quantity(rng),
        }
    )


def depth_update(rng: random.Random, index: int) -> bytes:
    first = 70_000_000_000 + index * 40
    return _dumps(
        {
            "e": "depthUpdate",
            "E": _EVENT_TIME + index,
            "s": SYMBOL,
            "U": first,
            "u": first + 39,
            "b": [[_price(rng, 96_900), _quantity(rng)] for _ in range(DEPTH_LEVELS)],
            "a": [[_price(rng, 97_100), _quantity(rng)] for _ in range(DEPTH_LEVELS)],
        }
    )


_BUILDERS = {
    TRADE_STREAM: trade,
    BOOK_TICKER_STREAM: book_ticker,
    DEPTH_STREAM: depth_update,
}


def payloads(stream: str, count: int, seed: int = 7) -> list[bytes]:
    """``count`` distinct raw payloads of ``stream``."""
    rng = random.Random(f"{seed}:{stream}")
    build = _BUILDERS[stream]
    return [build(rng, index) for index in range(count)]


def combined(stream: str, payload: bytes) -> bytes:
    """The ``/stream`` wrapper, byte for byte as Binance lays it out."""
    return b'{"stream":"' + stream.encode() + b'","data":' + payload + b"}"
