"""Concrete stream names from the spec's stream patterns, for tests that subscribe through the mock server."""

from __future__ import annotations

import re

# Values for stream-name placeholders; the mock accepts any lowercase value for a placeholder.
PLACEHOLDER_VALUES = {
    "symbol": "btcusdt",
    "pair": "btcusdt",
    "assetSymbol": "btcusd",
    "contractType": "perpetual",
    "interval": "1m",
    "levels": "5",
    "speed": "100ms",
    "windowSize": "1h",
    "markPriceInterval": "1s",
    "indexPriceInterval": "1s",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def stream_name(template: str) -> str:
    """``template`` with every placeholder filled (``x`` for one not listed above)."""
    return _PLACEHOLDER.sub(lambda match: PLACEHOLDER_VALUES.get(match.group(1), "x"), template)
