"""EventIterator: bounded queues with an overflow policy, wake-ups, the close error."""

from __future__ import annotations

import asyncio

import pytest

from binance_ws_runtime.core.iterators import EventIterator, EventQueueOverflowError
from binance_ws_runtime.errors import ConnectionClosedError

from ..helpers import GUARD


async def test_iterator_drops_oldest_when_the_consumer_is_slow() -> None:
    iterator: EventIterator[int] = EventIterator(maxsize=3)
    for number in range(10):
        iterator.push(number)
    assert iterator.dropped == 7
    iterator.close()
    assert [item async for item in iterator] == [7, 8, 9]


async def test_iterator_drop_newest_and_raise_policies() -> None:
    newest: EventIterator[int] = EventIterator(maxsize=2, overflow="drop_newest")
    for number in range(5):
        newest.push(number)
    newest.close()
    assert [item async for item in newest] == [0, 1]
    assert newest.dropped == 3

    strict: EventIterator[int] = EventIterator(maxsize=2, overflow="raise")
    for number in range(3):
        strict.push(number)
    with pytest.raises(EventQueueOverflowError):
        await strict.__anext__()


async def test_iterator_wakes_a_waiting_consumer_and_ends_with_the_close_error() -> None:
    iterator: EventIterator[str] = EventIterator()
    consumer = asyncio.ensure_future(iterator.__anext__())
    await asyncio.sleep(0)
    iterator.push("first")
    assert await asyncio.wait_for(consumer, GUARD) == "first"
    iterator.close(ConnectionClosedError("gone"))
    with pytest.raises(ConnectionClosedError):
        await iterator.__anext__()
