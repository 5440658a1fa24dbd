"""python-binance's WebSocket API client against our mock server (the SDK's test is the thorough one).

python-binance has no reply models: each ``ws_*`` coroutine returns the ``result`` and raises on an error reply.
What it does differently from the SDK is what this checks: it sends its parameters as the caller gives them (JSON
numbers, not strings), always adds ``newClientOrderId`` to ``order.place`` and ``order.test``, and signs with HMAC or
Ed25519. Every ``ws_*`` method that names a wire method the spec has is called once per key type with the spec's
required parameters (the mock data's examples) and must get a result.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from binance import AsyncClient

from _peers import first_line, package_module, record

SPEC: Any = package_module("_spec").SPEC
testing = package_module("testing")
auth = package_module("auth")
MOCK_DATA: Any = package_module("_mock_data").MOCK_DATA

pytestmark = pytest.mark.skipif(SPEC.kind != "api" or SPEC.product != "spot", reason="a spot WS API package")

HMAC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED25519_API_KEY = "ed25519PythonBinanceKey0zvsw0MuIgwCIPy6utIco14y7Ju91duEh8Avm"
ED25519_PRIVATE, ED25519_PUBLIC = auth.generate_ed25519_keypair()


def _wire_methods() -> dict[str, str]:
    """Wire method -> the python-binance coroutine that sends it (only those that send one method directly)."""
    out: dict[str, str] = {}
    for name, function in inspect.getmembers(AsyncClient, inspect.iscoroutinefunction):
        if not name.startswith("ws_") or name.startswith("ws_futures"):
            continue
        found = re.search(r'_ws_api_request\(\s*"([\w.]+)"', inspect.getsource(function))
        if found:
            out.setdefault(found.group(1), name)
    return out


WIRE = _wire_methods()
SHARED = sorted(method for method in WIRE if method in SPEC.operations)


def arguments(method: str) -> dict[str, Any]:
    """The spec's required parameters of ``method``, with the mock data's example values, as a caller passes them."""
    operation = SPEC.operations[method]
    example = MOCK_DATA.params(method)
    example = example if isinstance(example, dict) else {}
    out: dict[str, Any] = {}
    for param in operation.params:
        if param.auth or not (param.required or param.wire_name == "symbol"):
            continue
        value = example.get(param.wire_name)
        out[param.wire_name] = value if value is not None else ("BTCUSDT" if "symbol" in param.wire_name else "1")
    return out


@pytest.fixture
async def server() -> AsyncIterator[Any]:
    async with testing.MockBinanceServer() as mock:
        mock.add_key(HMAC_API_KEY, secret_key=HMAC_SECRET)
        mock.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        yield mock


class _LocalClient(AsyncClient):
    """python-binance reads its WS API URL from the class when the client is built: point it at the mock."""


def client_for(url: str, key_type: str) -> AsyncClient:
    _LocalClient.WS_API_URL = url
    if key_type == "hmac":
        return _LocalClient(api_key=HMAC_API_KEY, api_secret=HMAC_SECRET)
    return _LocalClient(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE)


def test_python_binance_and_the_spec_share_methods() -> None:
    assert SHARED, "python-binance and this spec share no WS API method"


@pytest.mark.parametrize("key_type", ["hmac", "ed25519"])
async def test_every_shared_method_gets_a_result(server: Any, key_type: str) -> None:
    """One client per key type for every method (python-binance takes its read timeout to close a connection)."""
    client = client_for(server.url, key_type)
    client.ws_api.TIMEOUT = 2  # its read timeout, which closing waits for (and its reply timeout: ample locally)
    failures: list[str] = []
    try:
        for method in SHARED:
            outcome = "ok"
            try:
                result = await getattr(client, WIRE[method])(**arguments(method))
                if not isinstance(result, (dict, list)):
                    outcome = f"no result: {result!r}"
                elif method in ("order.place", "order.test"):
                    assert "newClientOrderId" in server.requests(method)[-1]["params"], "no newClientOrderId sent"
            except Exception as error:  # noqa: BLE001 (reported in the table)
                outcome = f"{type(error).__name__}: {first_line(error)}; sent {server.requests(method)[-1:]}"
            record("python-binance", method, key_type, outcome)
            if outcome != "ok":
                failures.append(f"{method}: {outcome}")
    finally:
        await client.close_connection()
    assert not failures, "\n".join(failures)
