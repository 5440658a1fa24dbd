"""The transports a test can run on, and which one the running test chose.

Modules that must behave the same on every transport declare an autouse fixture over ``TRANSPORTS`` that
enters ``selected_transport``; their helpers read ``current_transport()`` when they build clients.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from binance_ws_runtime.wire.transport import TransportName

__all__ = ["TRANSPORTS", "current_transport", "picows_installed", "selected_transport"]


def picows_installed() -> bool:
    return importlib.util.find_spec("picows") is not None


TRANSPORTS: list[Any] = [
    pytest.param("websockets", id="websockets"),
    pytest.param(
        "picows",
        id="picows",
        marks=pytest.mark.skipif(not picows_installed(), reason="picows is not installed (pip install picows)"),
    ),
]

_current: dict[str, TransportName] = {"transport": "websockets"}


def current_transport() -> TransportName:
    return _current["transport"]


@contextmanager
def selected_transport(name: TransportName) -> Iterator[TransportName]:
    _current["transport"] = name
    try:
        yield name
    finally:
        _current["transport"] = "websockets"
