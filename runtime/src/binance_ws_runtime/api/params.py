"""Request parameters as the generated methods pass them on."""

from __future__ import annotations

from typing import Any


def present(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the caller actually gave: Binance treats a sent ``null`` differently from an absent key."""
    return {name: value for name, value in params.items() if value is not None}
