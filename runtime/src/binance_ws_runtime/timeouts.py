"""Waiting with a time limit, without ``asyncio.wait_for``'s flaw before Python 3.12.

Up to 3.11, ``asyncio.wait_for`` swallows a cancellation that arrives in the same loop iteration as the awaited
result: the caller gets the result and carries on as if it had never been cancelled. A task that loops on
requests then cannot be stopped (``task.cancel()`` is lost whenever a reply or a reconnect lands at that moment),
and whoever awaits it waits forever. From 3.12 ``wait_for`` is built on ``asyncio.timeout`` and is correct.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["wait_with_timeout"]

_T = TypeVar("_T")


async def wait_with_timeout(awaitable: Awaitable[_T], timeout: float | None) -> _T:
    """The result of ``awaitable``; builtin ``TimeoutError`` (and ``awaitable`` cancelled) after ``timeout`` s.

    A cancellation of the caller always propagates (and cancels ``awaitable``), whatever else happens meanwhile.
    """
    if sys.version_info >= (3, 12):
        return await asyncio.wait_for(awaitable, timeout)
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait((task,), timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        # As wait_for does: the awaited operation has ended (cancelled) before the timeout is reported.
        await asyncio.wait((task,))
        if not task.cancelled() and task.exception() is None:
            return task.result()
        raise TimeoutError(f"timed out after {timeout:g} s")
    return task.result()
