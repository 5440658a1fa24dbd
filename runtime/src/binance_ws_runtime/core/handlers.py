"""Event handlers keyed by event-type patterns (``"*"``, ``"executionReport"``, ``"*Ticker"``).

Handlers run in the reader, in arrival order. Plain functions run inline; coroutine functions are
awaited one after another by a single dispatcher task, so async handlers keep the event order
without a task per event. A handler that raises is logged and never stops delivery to the others.
"""

from __future__ import annotations

import asyncio
import collections
import fnmatch
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["ERROR_PATTERN", "EventHandler", "HandlerRegistry", "compile_pattern"]

logger = logging.getLogger(__name__)

ERROR_PATTERN = "__error__"
"""Handlers registered under this pattern receive decode errors and connection-level errors."""

EventHandler = Callable[[Any], Any]
"""``handler(event)``; may return an awaitable (coroutine functions are fine)."""

_GLOB_CHARS = frozenset("*?[")


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A predicate on event types: ``"*"`` matches all, glob patterns use fnmatch, others match exactly."""
    if pattern == "*":
        return lambda event_type: True
    if _GLOB_CHARS.isdisjoint(pattern):
        return pattern.__eq__
    return lambda event_type: fnmatch.fnmatchcase(event_type, pattern)


class HandlerRegistry:
    """Several handlers per pattern; ``dispatch`` delivers a typed event to every matching handler."""

    def __init__(self, *, max_async_backlog: int = 10_000) -> None:
        self._handlers: dict[str, list[EventHandler]] = {}
        self._matchers: dict[str, Callable[[str], bool]] = {}
        # Resolved handler tuples per event type; rebuilt lazily after every registration change.
        self._cache: dict[str, tuple[EventHandler, ...]] = {}
        self._backlog: collections.deque[tuple[EventHandler, Awaitable[Any]]] = collections.deque()
        self._max_async_backlog = max_async_backlog
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self.handler_errors = 0
        """How many times a handler raised."""
        self.dropped_async = 0
        """Async handler calls dropped because the backlog was full (slow async handlers)."""
        self.on_change: Callable[[], None] | None = None
        """Called after every registration change (clients cache their per-event-type delivery targets)."""

    def set_handler(self, pattern: str, handler: EventHandler) -> None:
        """Add ``handler`` for ``pattern``; a pattern can have several handlers, called in order."""
        if not callable(handler):
            raise TypeError("handler must be callable")
        self._handlers.setdefault(pattern, []).append(handler)
        if pattern != ERROR_PATTERN:
            self._matchers.setdefault(pattern, compile_pattern(pattern))
        self._changed()

    def remove_handler(self, pattern: str, handler: EventHandler | None = None) -> int:
        """Remove one handler (or all of the pattern's handlers when None); returns how many were removed."""
        handlers = self._handlers.get(pattern)
        if not handlers:
            return 0
        if handler is None:
            removed = len(handlers)
            handlers.clear()
        else:
            before = len(handlers)
            handlers[:] = [h for h in handlers if h != handler]
            removed = before - len(handlers)
        if not handlers:
            self._handlers.pop(pattern, None)
            self._matchers.pop(pattern, None)
        self._changed()
        return removed

    def _changed(self) -> None:
        self._cache.clear()
        if self.on_change is not None:
            self.on_change()

    def handlers_for(self, event_type: str) -> tuple[EventHandler, ...]:
        cached = self._cache.get(event_type)
        if cached is not None:
            return cached
        resolved: list[EventHandler] = []
        for pattern, matcher in self._matchers.items():
            if matcher(event_type):
                resolved.extend(self._handlers.get(pattern, ()))
        result = tuple(resolved)
        self._cache[event_type] = result
        return result

    @property
    def has_error_handlers(self) -> bool:
        return bool(self._handlers.get(ERROR_PATTERN))

    def dispatch(self, event_type: str, event: Any) -> None:
        for handler in self.handlers_for(event_type):
            self._call(handler, event)

    def dispatch_error(self, error: BaseException) -> None:
        for handler in tuple(self._handlers.get(ERROR_PATTERN, ())):
            self._call(handler, error)

    def _call(self, handler: EventHandler, argument: Any) -> None:
        try:
            result = handler(argument)
        except Exception:
            self.handler_failed(handler)
            return
        if result is not None and inspect.isawaitable(result):
            self.enqueue(handler, result)

    def handler_failed(self, handler: EventHandler) -> None:
        """Count and log the exception being handled (call from an ``except`` block)."""
        self.handler_errors += 1
        logger.exception("handler %r raised", handler)

    def enqueue(self, handler: EventHandler, awaitable: Awaitable[Any]) -> None:
        if len(self._backlog) >= self._max_async_backlog:
            _, oldest = self._backlog.popleft()
            _close_awaitable(oldest)
            self.dropped_async += 1
            if self.dropped_async == 1 or self.dropped_async % 1000 == 0:
                logger.warning("async handlers are too slow: %d calls dropped so far", self.dropped_async)
        self._backlog.append((handler, awaitable))
        if self._worker is None or self._worker.done():
            self._wakeup = asyncio.Event()
            self._worker = asyncio.get_running_loop().create_task(self._run_async_handlers(), name="event-handlers")
        assert self._wakeup is not None
        self._wakeup.set()

    async def _run_async_handlers(self) -> None:
        assert self._wakeup is not None
        wakeup = self._wakeup
        while True:
            while self._backlog:
                handler, awaitable = self._backlog.popleft()
                try:
                    await awaitable
                except Exception:
                    self.handler_errors += 1
                    logger.exception("handler %r raised", handler)
            wakeup.clear()
            await wakeup.wait()

    async def aclose(self) -> None:
        """Stop the async dispatcher; pending async handler calls are dropped (closed, never awaited)."""
        worker = self._worker
        self._worker = None
        if worker is not None and not worker.done():
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        while self._backlog:
            _, awaitable = self._backlog.popleft()
            _close_awaitable(awaitable)


def _close_awaitable(awaitable: Awaitable[Any]) -> None:
    # Closing a never-awaited coroutine avoids the "coroutine was never awaited" warning.
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()
