"""What the peers' tests share: the generated package under test and the per-method outcome table.

``PEERS_PACKAGE`` is the import name of the generated WS API package whose ``testing.MockBinanceServer`` the peers
talk to (installed in the same virtualenv; scripts/lib/peers.js sets it). Each test records its outcome per method
and key type in :data:`OUTCOMES`; conftest.py prints them as a table when something failed.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

OUTCOMES: dict[str, dict[str, str]] = {}
"""``peer method`` -> key type -> ``"ok"`` or why it failed."""


def record(peer: str, method: str, key_type: str, outcome: str) -> None:
    OUTCOMES.setdefault(f"{peer} {method}", {})[key_type] = outcome


def first_line(error: BaseException) -> str:
    """The first line of an error's message (pytest's assertion rewriting appends the compared values)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def package_name() -> str:
    name = os.environ.get("PEERS_PACKAGE")
    if not name:
        raise RuntimeError("set PEERS_PACKAGE to the import name of the generated WS API package to test")
    return name


def package_module(module: str) -> ModuleType:
    """A module of the generated package under test (``PEERS_PACKAGE``)."""
    return importlib.import_module(f"{package_name()}.{module}")
