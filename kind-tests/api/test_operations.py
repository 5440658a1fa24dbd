"""Every request operation of the spec, called through its typed method against the mock server.

Signed operations run with an HMAC and with an Ed25519 key; the reply must come back as the operation's
response model with the result the mock server sent (the operation's reply template, ``_mock_data.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel

from ... import models
from ..._mock_data import MOCK_DATA
from ..._spec import SPEC
from ...auth import BinanceAuth, generate_ed25519_keypair
from ...client import BinanceWebSocketClient
from ...errors import AuthenticationError, BinanceAPIError
from ...testing import MockBinanceServer

pytestmark = pytest.mark.skipif(SPEC.kind != "api", reason="request operations belong to WS API specs")

HMAC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED25519_API_KEY = "ed25519TestKeyForTheMockServer0123456789abcdefABCDEF0123456789"
ED25519_PRIVATE, ED25519_PUBLIC = generate_ed25519_keypair()

# Methods that need a logged-on session (Binance: Ed25519 keys only) or a prior call.
NEEDS_SESSION = {"userDataStream.subscribe"}
NEEDS_SUBSCRIPTION = {"userDataStream.unsubscribe"}
NEEDS_LISTEN_KEY = {"userDataStream.ping", "userDataStream.stop"}
ED25519_ONLY = {"session.logon"} | NEEDS_SESSION

Operation = Any
"""An ``OperationSpec`` of ``SPEC`` (its class belongs to the runtime, which these tests do not import)."""

OPERATIONS = sorted(SPEC.operations.values(), key=lambda op: op.method)
# The mock server answers these from its own state (sessions, subscriptions, listenKeys), not from templates.
STATEFUL = (
    NEEDS_SESSION
    | NEEDS_SUBSCRIPTION
    | NEEDS_LISTEN_KEY
    | {"userDataStream.start", "userDataStream.subscribe.signature"}
)


def key_types(operation: Operation) -> tuple[str, ...]:
    if operation.method in ED25519_ONLY or operation.method in NEEDS_SUBSCRIPTION:
        return ("ed25519",)
    return ("hmac", "ed25519") if operation.api_key else ("none",)


CASES = [pytest.param(op, key_type, id=f"{op.method}-{key_type}") for op in OPERATIONS for key_type in key_types(op)]


def call_arguments(operation: Operation) -> dict[str, Any]:
    """Keyword arguments for the typed method: every documented example value of a user parameter."""
    params = MOCK_DATA.params(operation.method)
    example = dict(params) if isinstance(params, dict) else {}
    arguments: dict[str, Any] = {}
    for param in operation.params:
        # recvWindow examples in the specs are placeholders ("string"); the client's default is what users get.
        if param.auth or param.wire_name == "recvWindow":
            continue
        if param.wire_name in example and example[param.wire_name] is not None:
            arguments[param.py_name] = example[param.wire_name]
        elif param.required:
            arguments[param.py_name] = "BTCUSDT" if "symbol" in param.wire_name.lower() else "1"
    return arguments


@pytest.fixture
async def server() -> AsyncIterator[MockBinanceServer]:
    async with MockBinanceServer() as mock:
        mock.add_key(HMAC_API_KEY, secret_key=HMAC_SECRET)
        mock.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        yield mock


def auth_for(key_type: str) -> BinanceAuth | None:
    if key_type == "hmac":
        return BinanceAuth(api_key=HMAC_API_KEY, secret_key=HMAC_SECRET)
    if key_type == "ed25519":
        return BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
    return None


async def prepare(client: BinanceWebSocketClient, operation: Operation) -> dict[str, Any]:
    """Puts the session in the state the operation needs; returns arguments that depend on that state."""
    method = operation.method
    if method in NEEDS_SESSION or method in NEEDS_SUBSCRIPTION:
        await client.request("session.logon")
    if method in NEEDS_SUBSCRIPTION:
        reply = await client.request("userDataStream.subscribe")
        if any(param.wire_name == "subscriptionId" for param in operation.params):
            return {"subscription_id": reply["result"]["subscriptionId"]}
    if method in NEEDS_LISTEN_KEY:
        await client.request("userDataStream.start")
    return {}


@pytest.mark.parametrize(("operation", "key_type"), CASES)
async def test_every_operation_returns_its_typed_response(
    server: MockBinanceServer, operation: Operation, key_type: str
) -> None:
    response_model = getattr(models, operation.response_model)
    assert issubclass(response_model, BaseModel)
    answers_from_template = operation.method not in STATEFUL and not operation.method.startswith("session.")
    template = MOCK_DATA.result(operation.method)
    if answers_from_template:
        server.set_result(operation.method, template)
    async with BinanceWebSocketClient(url=server.url, auth=auth_for(key_type), auto_reconnect=False) as client:
        state_arguments = await prepare(client, operation)
        method = getattr(client, operation.py_name)
        response = await method(**{**call_arguments(operation), **state_arguments})
    assert isinstance(response, response_model)
    assert response.model_dump(by_alias=True)["status"] == 200
    sent = server.requests(operation.method)[-1]
    if operation.signed and operation.method != "session.logon" and key_type == "hmac":
        assert set(sent["params"]) >= {"apiKey", "timestamp", "signature"}
    if not operation.api_key:
        assert "signature" not in (sent.get("params") or {})
    result = response.model_dump(mode="json", by_alias=True, exclude_unset=True).get("result")
    if answers_from_template:
        # Lossless: the typed result dumps back to exactly what the server sent.
        assert result == template


@pytest.mark.parametrize(
    "operation",
    [op for op in OPERATIONS if op.method not in STATEFUL and not op.method.startswith("session.")],
    ids=lambda op: op.method,
)
async def test_every_operation_takes_the_reply_fitted_to_its_request(
    server: MockBinanceServer, operation: Operation
) -> None:
    """The mock's own answer (the template fitted to the request: symbols, limit, response type) is typed too."""
    response_model = getattr(models, operation.response_model)
    key_type = key_types(operation)[0]
    async with BinanceWebSocketClient(url=server.url, auth=auth_for(key_type), auto_reconnect=False) as client:
        method = getattr(client, operation.py_name)
        response = await method(**call_arguments(operation))
    assert isinstance(response, response_model)
    assert response.model_dump(by_alias=True)["status"] == 200


async def test_request_sends_methods_the_spec_does_not_know(server: MockBinanceServer) -> None:
    async with BinanceWebSocketClient(url=server.url, auto_reconnect=False) as client:
        with pytest.raises(BinanceAPIError):
            await client.request("not.aMethod", {"symbol": "BTCUSDT"})
    assert server.requests("not.aMethod")[-1]["params"] == {"symbol": "BTCUSDT"}


@pytest.mark.skipif("session.logon" not in SPEC.operations, reason="the spec has no session.logon")
async def test_session_logon_refuses_a_non_ed25519_key_before_sending(server: MockBinanceServer) -> None:
    async with BinanceWebSocketClient(url=server.url, auth=auth_for("hmac"), auto_reconnect=False) as client:
        logon = getattr(client, SPEC.operations["session.logon"].py_name)
        with pytest.raises(AuthenticationError, match="Ed25519"):
            await logon()
    assert server.requests("session.logon") == []
