"""wait_with_timeout: asyncio.wait_for's contract, minus its lost cancellations before Python 3.12."""

from __future__ import annotations

import asyncio

import pytest

from binance_ws_runtime.timeouts import wait_with_timeout


async def test_the_result_or_the_exception_of_the_awaited_operation_comes_through() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("bad")

    assert await wait_with_timeout(answer(), 5.0) == 42
    assert await wait_with_timeout(answer(), None) == 42
    with pytest.raises(ValueError, match="bad"):
        await wait_with_timeout(fail(), 5.0)


async def test_a_timeout_raises_the_builtin_timeout_error_and_cancels_the_operation() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    with pytest.raises(TimeoutError):
        await wait_with_timeout(forever(), 0.01)
    assert started.is_set() and cancelled.is_set()


async def test_cancelling_the_caller_cancels_the_operation() -> None:
    inner: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    outer = asyncio.ensure_future(wait_with_timeout(inner, 5.0))
    await asyncio.sleep(0)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert inner.cancelled()


async def test_a_cancellation_arriving_with_the_result_is_not_swallowed() -> None:
    """The flaw of asyncio.wait_for up to 3.11: here the caller would get 1 and carry on, never cancelled."""
    for timeout in (5.0, None):
        inner: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        outer = asyncio.ensure_future(wait_with_timeout(inner, timeout))
        await asyncio.sleep(0)
        inner.set_result(1)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer


async def test_a_loop_of_waits_stops_when_cancelled_even_if_every_wait_is_answered_at_once() -> None:
    """The shape of a request loop during reconnects: each wait completes as the cancellation lands."""
    ready = asyncio.Event()
    rounds = 0

    async def worker() -> None:
        nonlocal rounds
        while True:
            await wait_with_timeout(ready.wait(), 5.0)
            rounds += 1
            ready.clear()

    task = asyncio.ensure_future(worker())
    for _ in range(20):
        await asyncio.sleep(0)
        ready.set()
    task.cancel()
    ready.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5.0)
    assert rounds > 0
