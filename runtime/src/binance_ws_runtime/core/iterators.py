"""``async for event in client.events(pattern)``: one bounded queue per iterator.

The reader must never block on a slow consumer (that would stall every other consumer, the
request replies and the heartbeat), so each iterator has its own bounded queue with an explicit
overflow policy:

* ``"drop_oldest"`` (default): the oldest queued event is discarded and ``dropped`` counts it;
* ``"drop_newest"``: the incoming event is discarded and counted;
* ``"raise"``: the iterator raises :class:`EventQueueOverflowError` on the next ``__anext__``
  and is closed (nothing is silently lost).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, Literal, TypeVar

from ..errors import WebSocketError
from .handlers import compile_pattern

__all__ = ["EventIterator", "EventQueueOverflowError", "IteratorSet", "OverflowPolicy", "check_iterator_options"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

OverflowPolicy = Literal["drop_oldest", "drop_newest", "raise"]
_POLICIES: frozenset[str] = frozenset({"drop_oldest", "drop_newest", "raise"})


def check_iterator_options(maxsize: int, overflow: str) -> None:
    """Raise ValueError unless ``maxsize`` and ``overflow`` are a valid queue size and overflow policy."""
    if maxsize < 1:
        raise ValueError("maxsize must be >= 1")
    if overflow not in _POLICIES:
        raise ValueError(f"overflow must be one of {sorted(_POLICIES)}")


class EventQueueOverflowError(WebSocketError):
    """An iterator with ``overflow="raise"`` fell more than its queue size behind."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(f"event iterator fell behind by more than {maxsize} events")
        self.maxsize = maxsize


class EventIterator(AsyncIterator[T], Generic[T]):
    """An async iterator fed synchronously by the reader. Use ``async with`` or ``aclose()`` to detach it."""

    def __init__(
        self,
        pattern: str = "*",
        *,
        maxsize: int = 10_000,
        overflow: OverflowPolicy = "drop_oldest",
        on_close: Callable[[EventIterator[T]], None] | None = None,
    ) -> None:
        check_iterator_options(maxsize, overflow)
        self.pattern = pattern
        self.matches = compile_pattern(pattern)
        self.maxsize = maxsize
        self.overflow = overflow
        self.dropped = 0
        """Events discarded because the consumer was too slow."""
        self._queue: collections.deque[T] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._on_close = on_close

    @property
    def closed(self) -> bool:
        return self._closed

    def qsize(self) -> int:
        return len(self._queue)

    def push(self, item: T) -> None:
        if self._closed:
            return
        if len(self._queue) >= self.maxsize:
            if self.overflow == "raise":
                self.close(EventQueueOverflowError(self.maxsize))
                return
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("event iterator %r is too slow: %d events dropped", self.pattern, self.dropped)
            if self.overflow == "drop_newest":
                return
            self._queue.popleft()
        self._queue.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self, error: BaseException | None = None) -> None:
        """End the iteration: after the queued events, ``StopAsyncIteration`` or ``error`` if given."""
        if self._closed:
            return
        self._closed = True
        self._error = error
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)

    def __aiter__(self) -> EventIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self._queue and not isinstance(self._error, EventQueueOverflowError):
                return self._queue.popleft()
            if self._closed:
                self._queue.clear()
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> EventIterator[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class IteratorSet:
    """The live iterators of a client; the reader pushes each typed event to those that match it."""

    def __init__(self) -> None:
        self._iterators: list[EventIterator[Any]] = []
        self.on_change: Callable[[], None] | None = None
        """Called when an iterator is added or removed (clients cache their per-event-type delivery targets)."""

    def __len__(self) -> int:
        return len(self._iterators)

    def __iter__(self) -> Iterator[EventIterator[Any]]:
        return iter(tuple(self._iterators))

    def create(
        self, pattern: str = "*", *, maxsize: int = 10_000, overflow: OverflowPolicy = "drop_oldest"
    ) -> EventIterator[Any]:
        iterator: EventIterator[Any] = EventIterator(pattern, maxsize=maxsize, overflow=overflow, on_close=self._remove)
        self._iterators.append(iterator)
        self._changed()
        return iterator

    def _remove(self, iterator: EventIterator[Any]) -> None:
        if iterator in self._iterators:
            self._iterators.remove(iterator)
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def pushers_for(self, event_type: str) -> tuple[Callable[[Any], None], ...]:
        """The ``push`` of every live iterator whose pattern matches ``event_type``, in creation order."""
        return tuple(iterator.push for iterator in self._iterators if iterator.matches(event_type))

    def dispatch(self, event_type: str, event: Any) -> None:
        for iterator in self._iterators:
            if iterator.matches(event_type):
                iterator.push(event)

    def close_all(self, error: BaseException | None = None) -> None:
        for iterator in tuple(self._iterators):
            iterator.close(error)
