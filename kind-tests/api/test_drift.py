"""Drift tolerance with this spec's user-data events: Binance drops a field the spec requires, and the event still
arrives.

For every user-data event model of the spec, its example with a required field removed (each in turn) reaches the
handler of its event type typed, through the mock server, on both transports. The tolerant decoder itself, drifted
replies, the drift report and ``strict=True`` are tested once, in the runtime's own suite.
"""

from __future__ import annotations

import asyncio
import copy
from functools import partial
from typing import Any

import pytest

from ...auth import BinanceAuth, generate_ed25519_keypair
from ...client import BinanceWebSocketClient
from ...models import EVENT_ROUTER, UnknownEvent, missing_fields
from ...testing import MockBinanceServer
from .._support import GUARD, TRANSPORTS
from ._user_data import USER_DATA_EVENT_TYPES, USER_DATA_ONLY

pytestmark = USER_DATA_ONLY

ED25519_API_KEY = "userDataDriftTestKey0123456789abcdefABCDEF0123456789abcdefABCDE"
ED25519_PRIVATE, ED25519_PUBLIC = generate_ed25519_keypair()


def route_of(event_type: str) -> Any:
    """The route of a user-data event type (its class is the runtime's, which ``models`` does not re-export)."""
    return next(r for r in EVENT_ROUTER.routes if event_type in r.event_types and r.envelope == "subscription")


def required_fields(event_type: str) -> list[tuple[str, str]]:
    """(wire name, attribute) of every field the spec requires of the event, but its type ``e``."""
    model = route_of(event_type).model
    fields = [(info.alias or name, name) for name, info in model.model_fields.items() if info.is_required()]
    return [(wire, attr) for wire, attr in fields if wire != "e"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_user_data_event_without_a_required_field_reaches_its_handler_typed(transport: str) -> None:
    async with MockBinanceServer() as server:
        server.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
        async with BinanceWebSocketClient(url=server.url, auth=auth, transport=transport) as client:
            received: list[tuple[str, Any]] = []
            errors: list[BaseException] = []

            def record(event_type: str, event: Any) -> None:
                received.append((event_type, event))

            client.set_handler("__error__", errors.append)
            for event_type in USER_DATA_EVENT_TYPES:
                client.set_handler(event_type, partial(record, event_type))
            await client.subscribe("user_data_stream")
            sent: list[tuple[str, str, str]] = []
            for event_type in USER_DATA_EVENT_TYPES:
                example = server.example_user_event(event_type)
                for wire, attr in required_fields(event_type):
                    payload = copy.deepcopy(example)
                    del payload[wire]
                    assert await server.push_user_event(payload) == 1
                    sent.append((event_type, wire, attr))

            async def all_arrived() -> None:
                while len(received) < len(sent) and not errors:
                    await asyncio.sleep(0.01)

            await asyncio.wait_for(all_arrived(), GUARD)
            assert errors == [] and client.stats.decode_errors == 0
            assert len(received) == len(sent)
            for (handled_type, event), (event_type, wire, attr) in zip(received, sent, strict=True):
                where = f"{event_type} without {wire!r}"
                model = route_of(event_type).model
                assert handled_type == event_type and type(event) is model, where
                assert attr not in event.model_fields_set and missing_fields(event) == (attr,), where
            report = client.drift_report()
            assert report.messages == len(sent) and {entry.kind for entry in report} == {"missing"}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_unknown_user_data_event_reaches_star_handlers_as_unknown_event(transport: str) -> None:
    async with MockBinanceServer() as server:
        server.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
        async with BinanceWebSocketClient(url=server.url, auth=auth, transport=transport) as client:
            everything: list[Any] = []
            by_name: list[Any] = []
            client.set_handler("*", everything.append)
            client.set_handler("brandNewUserEvent", by_name.append)
            await client.subscribe("user_data_stream")
            assert await server.push_user_event({"e": "brandNewUserEvent", "E": 1, "x": "1"}) == 1
            await asyncio.wait_for(_until(lambda: bool(by_name)), GUARD)
            [event] = by_name
            assert isinstance(event, UnknownEvent) and everything == [event]
            assert (event.event_type, event.payload) == (
                "brandNewUserEvent",
                {"e": "brandNewUserEvent", "E": 1, "x": "1"},
            )


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0.01)
