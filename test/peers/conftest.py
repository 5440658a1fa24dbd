"""Peers against our mock server: a loopback-only network and the per-method table (see _peers.py).

Every socket may reach 127.0.0.1 only: the peers default to Binance's hosts, and these tests must never talk to them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from _peers import OUTCOMES

_LOOPBACK = ("127.0.0.1", "localhost", "::1", b"127.0.0.1", b"localhost")


def _loopback_only() -> None:
    """Refuse any connection to a host other than loopback."""
    original_getaddrinfo = socket.getaddrinfo
    original_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOOPBACK:
            raise OSError(f"peers tests: refusing to resolve non-loopback host {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            raise OSError(f"peers tests: refusing to connect to {address!r}")
        original_connect(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]


_loopback_only()


def pytest_report_header(config: pytest.Config) -> str:
    return f"peers against the mock server of package {os.environ.get('PEERS_PACKAGE', '(PEERS_PACKAGE not set)')}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """A method-by-key-type table of outcomes, printed when anything failed."""
    failed = any(outcome != "ok" for row in OUTCOMES.values() for outcome in row.values())
    if not OUTCOMES or (not failed and exitstatus == 0):
        return
    columns = sorted({key_type for row in OUTCOMES.values() for key_type in row})
    width = max(len(name) for name in OUTCOMES)
    terminalreporter.section("per-method outcome")
    terminalreporter.write_line(f"{'method'.ljust(width)}  " + "  ".join(column.ljust(8) for column in columns))
    for name in sorted(OUTCOMES):
        row = OUTCOMES[name]
        cells = ["-" if c not in row else ("ok" if row[c] == "ok" else "FAIL") for c in columns]
        terminalreporter.write_line(f"{name.ljust(width)}  " + "  ".join(cell.ljust(8) for cell in cells))
    for name in sorted(OUTCOMES):
        for column, outcome in sorted(OUTCOMES[name].items()):
            if outcome != "ok":
                terminalreporter.write_line(f"  {name} [{column}]: {outcome[:600]}")


@pytest.fixture(scope="session", autouse=True)
def _outcomes_start_empty() -> Iterator[None]:
    OUTCOMES.clear()
    yield
