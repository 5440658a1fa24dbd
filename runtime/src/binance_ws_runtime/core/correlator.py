"""Requests in flight on one connection, matched to their replies by id.

Both clients send ``{"id": n, "method": ...}`` and get back a reply carrying the same ``id``: the WS API client for
every request, the streams client for its control messages (``SUBSCRIBE``, ``LIST_SUBSCRIPTIONS`` ...). A
:class:`Correlator` hands out the ids, keeps one future per request and fails it when the reply does not come in
time (a timer handle, not a task per request) or when the connection is lost. How a reply is read (which status is
an error, what an id-less reply means) is the caller's protocol: the correlator only answers "which request is
this?".
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import RequestTimeoutError

__all__ = ["Correlator", "PendingRequest"]


@dataclass(slots=True, eq=False)
class PendingRequest:
    """One request waiting for its reply."""

    id: int
    method: str
    future: asyncio.Future[Any]
    via_session: bool = False
    """The request relies on the logged-on session for its credentials (WS API)."""

    def resolve(self, result: Any) -> None:
        """Complete the request with ``result`` (no-op when it already ended: timed out or cancelled)."""
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        """Complete the request with ``error`` (no-op when it already ended)."""
        if not self.future.done():
            self.future.set_exception(error)


class Correlator:
    """Request ids, the requests in flight and their deadlines, for one connection.

    ``ids`` lets several connections share one id sequence (a streams client numbers the control messages of all
    its connections from one counter); by default each correlator counts from 1.
    """

    def __init__(self, ids: Iterator[int] | None = None) -> None:
        self._ids = ids if ids is not None else itertools.count(1)
        self._pending: dict[int, PendingRequest] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def call(
        self,
        method: str,
        send: Callable[[int], Awaitable[None]],
        timeout: float,
        *,
        via_session: bool = False,
    ) -> Any:
        """Register a request, ``await send(request_id)``, and wait for the reply resolving it.

        Raises :class:`RequestTimeoutError` after ``timeout`` seconds (counted from the registration, so the send
        is part of it), whatever :meth:`fail` or :meth:`fail_all` set, or what ``send`` raised. The request is
        forgotten when this returns or raises, also when the caller is cancelled: a reply that comes later is
        unknown to :meth:`take`.
        """
        loop = asyncio.get_running_loop()
        request = PendingRequest(next(self._ids), method, loop.create_future(), via_session)
        self._pending[request.id] = request
        timer = loop.call_later(timeout, self._expire, request, timeout)
        try:
            await send(request.id)
            return await request.future
        finally:
            timer.cancel()
            self._pending.pop(request.id, None)

    @staticmethod
    def _expire(request: PendingRequest, timeout: float) -> None:
        request.fail(RequestTimeoutError(request.method, request.id, timeout))

    def take(self, request_id: Any) -> PendingRequest | None:
        """The request in flight that ``request_id`` answers, no longer in flight; None when there is none.

        None also for an id this correlator never issued, or one whose request timed out or was cancelled (a
        late reply).
        """
        if type(request_id) is not int:
            return None
        return self._pending.pop(request_id, None)

    def sole(self) -> PendingRequest | None:
        """The request in flight when there is exactly one, else None."""
        if len(self._pending) != 1:
            return None
        return next(iter(self._pending.values()))

    def fail_all(self, error: BaseException, where: Callable[[PendingRequest], bool] | None = None) -> int:
        """Fail every request in flight (or those ``where`` selects) with ``error``; returns how many."""
        chosen = [request for request in self._pending.values() if where is None or where(request)]
        for request in chosen:
            del self._pending[request.id]
            request.fail(error)
        return len(chosen)
