"""The WS API client with replies and user-data events that drifted from the spec, on every transport.

Delivered typed (a missing field unset, an unlisted value kept, numbers kept exactly), an unknown event type as
``UnknownEvent``, each deviation counted in ``drift_report()`` and logged once; ``strict=True`` rejects them all as
before (``EventDecodeError``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from binance_ws_runtime.core.handlers import ERROR_PATTERN
from binance_ws_runtime.errors import EventDecodeError
from binance_ws_runtime.routing.drift import MissingFieldError, missing_fields
from binance_ws_runtime.routing.router import UnknownEvent

from .._transports import TRANSPORTS, selected_transport
from ..fixtures.spot_api import (
    BalanceUpdateEventPayload,
    ExecutionReportEventPayload,
    SpotApiClient,
    TickerPriceResponse,
    TimeResponse,
)
from ..helpers import GUARD, KeyKind, api_session, wait_until

DRIFT_LOGGER = "binance_ws_runtime.routing.drift"

BALANCE = {"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "1.5", "T": 2}
REPORT = {
    "e": "executionReport",
    "E": 1,
    "s": "BTCUSDT",
    "c": "abc",
    "S": "BUY",
    "o": "LIMIT",
    "x": "NEW",
    "X": "NEW",
    "i": 9,
    "T": 1,
}


@pytest.fixture(params=TRANSPORTS, autouse=True)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    with selected_transport(request.param) as name:
        yield name


def session(transport: str, key: KeyKind = "none", **options: Any) -> Any:
    return api_session(key, transport=transport, **options)


async def test_a_reply_without_a_required_field_is_returned_typed(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with session(transport) as (server, client):
        assert isinstance(client, SpotApiClient)
        server.set_result("time", {"drifted": True})
        with caplog.at_level(logging.WARNING, logger=DRIFT_LOGGER):
            first = await client.time()
            second = await client.time()
        for reply in (first, second):
            assert type(reply) is TimeResponse and reply.status == 200
            assert missing_fields(reply.result) == ("server_time",)
            assert reply.result.model_extra == {"drifted": True}
            with pytest.raises(MissingFieldError, match="serverTime"):
                _ = reply.result.server_time
        [entry] = client.drift_report()
        assert (entry.event_type, entry.model, entry.path, entry.kind, entry.count) == (
            "time",
            "TimeResponse",
            "result.serverTime",
            "missing",
            2,
        )
        assert len([r for r in caplog.records if r.name == DRIFT_LOGGER]) == 1
        assert client.stats.decode_errors == 0


async def test_a_reply_keeps_the_exact_digits_of_a_number_where_the_spec_says_string(transport: str) -> None:
    async with session(transport) as (server, client):
        assert isinstance(client, SpotApiClient)
        # The mock writes JSON from Python values; send this reply's exact text ourselves instead.
        server.delay_method("ticker.price", GUARD * 2)
        call = asyncio.create_task(client.ticker_price(symbol="BTCUSDT"))
        request = await server.wait_for_request("ticker.price", timeout=GUARD)
        [connection] = server.active_connections
        await connection.websocket.send(
            '{"id":' + json.dumps(request["id"]) + ',"status":200,"result":{"symbol":"BTCUSDT","price":1.10}}'
        )
        reply = await asyncio.wait_for(call, GUARD)
        assert type(reply) is TickerPriceResponse
        assert not isinstance(reply.result, list) and reply.result.price == "1.10"
        [entry] = client.drift_report()
        assert (entry.path, entry.kind, entry.first_value) == ("result.price", "number", Decimal("1.10"))


async def test_strict_mode_rejects_a_drifted_reply_as_before(transport: str) -> None:
    async with session(transport, strict=True) as (server, client):
        assert isinstance(client, SpotApiClient) and client.strict
        server.set_result("time", {})
        with pytest.raises(EventDecodeError, match="TimeResponse"):
            await client.time()
        assert not client.drift_report()


async def test_replies_that_do_not_fit_even_tolerantly_still_raise(transport: str) -> None:
    async with session(transport) as (server, client):
        assert isinstance(client, SpotApiClient)
        server.set_result("time", {"serverTime": {"not": "a number"}})
        with pytest.raises(EventDecodeError, match="TimeResponse"):
            await client.time()
        assert not client.drift_report()


async def test_drifted_and_unknown_user_data_events_reach_handlers_and_iterators(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with session(transport, "ed25519") as (server, client):
        await client.subscribe("user_data_stream")
        by_type: list[Any] = []
        everything: list[Any] = []
        unknown_by_name: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("balanceUpdate", by_type.append)
        client.set_handler("brandNewEvent", unknown_by_name.append)
        client.set_handler("*", everything.append)
        client.set_handler(ERROR_PATTERN, errors.append)
        iterator = client.events()
        with caplog.at_level(logging.WARNING, logger=DRIFT_LOGGER):
            for _ in range(3):
                assert await server.push_user_event({key: v for key, v in BALANCE.items() if key != "T"}) == 1
            assert await server.push_user_event({**REPORT, "S": "HOLD", "i": 9.5}) == 1
            assert await server.push_user_event({"e": "brandNewEvent", "E": 1, "v": "1"}) == 1
            await wait_until(lambda: len(everything) == 5)
        iterated = [await asyncio.wait_for(iterator.__anext__(), GUARD) for _ in range(5)]
        await iterator.aclose()
        assert errors == [] and client.stats.decode_errors == 0
        assert iterated == everything
        assert len(by_type) == 3 and all(type(event) is BalanceUpdateEventPayload for event in by_type)
        assert missing_fields(by_type[0]) == ("clear_time",) and by_type[0].balance_delta == "1.5"
        report = everything[3]
        assert type(report) is ExecutionReportEventPayload
        # mypy sees Literal["BUY", "SELL"] (and would call a comparison with "HOLD" impossible): str() is honest.
        assert str(report.side) == "HOLD" and report.order_id == Decimal("9.5")
        [unknown] = unknown_by_name
        assert isinstance(unknown, UnknownEvent) and unknown is everything[4]
        assert (unknown.event_type, unknown.payload) == ("brandNewEvent", {"e": "brandNewEvent", "E": 1, "v": "1"})
        entries = {(e.event_type, e.model, e.path, e.kind): e.count for e in client.drift_report()}
        assert entries == {
            ("balanceUpdate", "BalanceUpdateEventPayload", "T", "missing"): 3,
            ("executionReport", "ExecutionReportEventPayload", "S", "enum"): 1,
            ("executionReport", "ExecutionReportEventPayload", "i", "number"): 1,
            ("brandNewEvent", "UnknownEvent", "", "unknown_event"): 1,
        }
        assert client.drift_report().messages == 5
        # Logged once per message and field, not once per frame.
        assert len([r for r in caplog.records if r.name == DRIFT_LOGGER]) == 4
        history = client.get_message_history(event_type="balanceUpdate")
        assert len(history) == 3


async def test_strict_mode_sends_drifted_and_unknown_events_to_error_handlers(transport: str) -> None:
    async with session(transport, "ed25519", strict=True) as (server, client):
        await client.subscribe("user_data_stream")
        everything: list[Any] = []
        errors: list[BaseException] = []
        client.set_handler("*", everything.append)
        client.set_handler(ERROR_PATTERN, errors.append)
        assert await server.push_user_event({key: v for key, v in BALANCE.items() if key != "T"}) == 1
        assert await server.push_user_event({"e": "brandNewEvent", "E": 1}) == 1
        assert await server.push_user_event(BALANCE) == 1
        await wait_until(lambda: len(everything) == 1 and len(errors) == 2)
        assert all(isinstance(error, EventDecodeError) for error in errors)
        assert "no event model for e='brandNewEvent'" in str(errors[1])
        assert client.stats.decode_errors == 2
        assert type(everything[0]) is BalanceUpdateEventPayload
        assert not client.drift_report()
