"""Correlator: request ids, one future per request, replies by id, deadlines, failing what is in flight."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from binance_ws_runtime.core.correlator import Correlator
from binance_ws_runtime.errors import ConnectionClosedError, RequestTimeoutError

from ..helpers import GUARD


async def test_a_reply_resolves_the_request_with_its_id() -> None:
    correlator = Correlator()
    sent: list[int] = []

    async def send(request_id: int) -> None:
        sent.append(request_id)

    first = asyncio.ensure_future(correlator.call("time", send, GUARD))
    second = asyncio.ensure_future(correlator.call("ping", send, GUARD))
    await asyncio.sleep(0)
    assert sent == [1, 2] and len(correlator) == 2
    request = correlator.take(2)
    assert request is not None and request.method == "ping"
    request.resolve({"pong": True})
    assert await second == {"pong": True}
    assert correlator.take(2) is None  # answered once
    later = correlator.take(1)
    assert later is not None
    later.resolve("first")
    assert await first == "first"
    assert len(correlator) == 0


async def test_ids_can_come_from_a_sequence_several_correlators_share() -> None:
    ids = itertools.count(7)
    one, two = Correlator(ids), Correlator(ids)
    seen: list[int] = []

    async def send(request_id: int) -> None:
        seen.append(request_id)

    tasks = [asyncio.ensure_future(c.call("m", send, GUARD)) for c in (one, two, one)]
    await asyncio.sleep(0)
    assert seen == [7, 8, 9]
    assert one.take(8) is None  # the other link's request
    one.fail_all(ConnectionClosedError("gone"))
    two.fail_all(ConnectionClosedError("gone"))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, ConnectionClosedError) for result in results)


async def test_no_reply_in_time_raises_request_timeout_error_and_the_late_reply_is_unknown() -> None:
    correlator = Correlator()

    async def send(request_id: int) -> None:
        return None

    with pytest.raises(RequestTimeoutError) as caught:
        await correlator.call("depth", send, 0.01)
    assert (caught.value.method, caught.value.request_id) == ("depth", 1)
    assert len(correlator) == 0
    assert correlator.take(1) is None


async def test_a_failed_send_or_a_cancelled_caller_leaves_nothing_in_flight() -> None:
    correlator = Correlator()

    async def broken(request_id: int) -> None:
        raise ConnectionClosedError("not open")

    with pytest.raises(ConnectionClosedError):
        await correlator.call("time", broken, GUARD)
    assert len(correlator) == 0

    async def send(request_id: int) -> None:
        return None

    waiting = asyncio.ensure_future(correlator.call("time", send, GUARD))
    await asyncio.sleep(0)
    assert len(correlator) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(correlator) == 0


async def test_fail_all_can_pick_the_requests_it_fails() -> None:
    correlator = Correlator()

    async def send(request_id: int) -> None:
        return None

    session = asyncio.ensure_future(correlator.call("account.status", send, GUARD, via_session=True))
    own = asyncio.ensure_future(correlator.call("time", send, GUARD))
    await asyncio.sleep(0)
    sole_before: Any = correlator.sole()
    assert sole_before is None  # two in flight
    assert correlator.fail_all(ConnectionClosedError("revoked"), where=lambda request: request.via_session) == 1
    with pytest.raises(ConnectionClosedError):
        await session
    sole = correlator.sole()
    assert sole is not None and sole.method == "time"
    sole.resolve("ok")
    sole.fail(RuntimeError("too late: already resolved"))
    assert await own == "ok"
    assert correlator.take("not an int") is None and correlator.take(True) is None
