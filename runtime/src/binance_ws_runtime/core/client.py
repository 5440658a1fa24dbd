"""ClientCore: what the WS API client and the streams client share, with one behaviour for both.

Both clients subclass it (``ApiClientBase``, ``StreamClientBase``) and add their connections. From the core they get:

* **Handlers**: :meth:`~ClientCore.set_handler` / :meth:`~ClientCore.remove_handler` with patterns (``"*"``, an
  event type, a glob such as ``"*Update"``); plain and async functions; several per pattern, called in
  registration order; one that raises is logged and counted, the others still run. ``"__error__"`` handlers
  receive undecodable frames (:class:`~..errors.EventDecodeError`) and errors no caller waits for.
* **Iterators**: :meth:`~ClientCore.events` gives ``async for`` iterators, each with its own bounded queue
  (``events_queue_size`` events, ``events_overflow`` when the consumer falls behind; both options of either
  client, overridable per iterator). ``"__error__"`` is refused: errors go to handlers only.
* **History**: :meth:`~ClientCore.get_message_history`, the last ``history_size`` messages, secrets masked.
* **Lifecycle**: ``connect()`` / ``disconnect()`` (also ``close()``, and ``async with client``). Both are
  serialized: a ``disconnect()`` while ``connect()`` runs waits for it (cancel the connecting task to abort it).
  ``disconnect()`` is idempotent, ends every iterator (``StopAsyncIteration`` after the queued events), drops
  async handler calls still queued and cancels async lifecycle callbacks still running; no task is left behind.
* **Lifecycle callbacks**: :meth:`~ClientCore.on` / :meth:`~ClientCore.off` (``connected``, ``disconnected``,
  ``reconnecting``, ``reconnected``, ``failed``); :attr:`~ClientCore.hooks` is the registry itself.
* **Counters**: :attr:`~ClientCore.stats`.
* **Drift**: a message that no longer matches the spec (a required field gone, an enum value or an event type it
  does not list, a number where it says string) is still delivered, decoded tolerantly after the strict decoder
  rejected it (see ``routing/drift.py``); each deviation is logged once and counted in :meth:`~ClientCore.drift_report`.
  ``strict=True`` turns that off: such messages are decode errors, offered to ``"__error__"`` handlers.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..connection import LifecycleEvent, LifecycleHooks
from ..routing.drift import DriftLog, DriftReport
from ..routing.router import DriftedEvent, RoutedEvent
from .handlers import ERROR_PATTERN, EventHandler, HandlerRegistry
from .history import HistoryEntry, MessageHistory
from .iterators import EventIterator, IteratorSet, OverflowPolicy, check_iterator_options

__all__ = ["ClientCore", "ClientCounters", "ClientStats"]

ClientT = TypeVar("ClientT", bound="ClientCore")


@dataclass(slots=True)
class ClientCounters:
    """What a client counts as it runs (its connections and sessions count into the same object)."""

    requests_sent: int = 0
    decode_errors: int = 0
    unsolicited_errors: int = 0
    late_replies: int = 0


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Counters since the client was created."""

    requests_sent: int
    """Requests sent: WS API requests, or the streams client's control messages (``SUBSCRIBE`` ...)."""
    decode_errors: int
    """Frames that could not be decoded (not JSON, binary, unknown event type, invalid payload)."""
    unsolicited_errors: int
    """Error replies no request waited for (``id: null``, e.g. a revoked session key)."""
    late_replies: int
    """Replies that arrived after their request timed out or was cancelled."""
    handler_errors: int
    dropped_events: int
    """Events dropped by slow iterators or a full async-handler backlog."""
    reconnects: int


class ClientCore(abc.ABC):
    """Event delivery, history, lifecycle callbacks and the connect/disconnect contract of a client.

    Subclasses implement :meth:`_open` and :meth:`_close` (their connections), :attr:`is_connected` and
    :meth:`_reconnects`, and deliver events with ``self._deliver(event_type, event)`` and errors with
    ``self._report_error(error)``.
    """

    def __init__(
        self,
        *,
        history_size: int = 1000,
        events_queue_size: int = 10_000,
        events_overflow: OverflowPolicy = "drop_oldest",
        strict: bool = False,
    ) -> None:
        check_iterator_options(events_queue_size, events_overflow)
        self.strict = strict
        """True: messages that deviate from the spec are decode errors; False (default): they are delivered, and
        counted in :meth:`drift_report`."""
        self._drift = DriftLog()
        self.hooks = LifecycleHooks()
        """The lifecycle callbacks (see :meth:`on`)."""
        self.events_queue_size = events_queue_size
        """Default queue size of :meth:`events` iterators."""
        self.events_overflow: OverflowPolicy = events_overflow
        """Default overflow policy of :meth:`events` iterators."""
        self._handlers = HandlerRegistry()
        self._iterators = IteratorSet()
        self._history = MessageHistory(history_size)
        self._counters = ClientCounters()
        self._lifecycle = asyncio.Lock()
        # Per event type: the handlers, then the pushes of the iterators, that receive it.
        self._targets: dict[str, tuple[Callable[[Any], Any], ...]] = {}
        self._handlers.on_change = self._targets.clear
        self._iterators.on_change = self._targets.clear
        self._deliver = self._build_deliver()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self: ClientT) -> ClientT:  # noqa: PYI019 (typing.Self needs Python 3.11)
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def connect(self, uri: str | None = None) -> None:
        """Open the connection(s); ``uri`` replaces the server URL for this client. A no-op while connected."""
        async with self._lifecycle:
            await self._open(uri)

    async def disconnect(self) -> None:
        """Close every connection and end every task the client started. Idempotent.

        Requests in flight fail with :class:`~..errors.ConnectionClosedError`, :meth:`events` iterators end.
        """
        async with self._lifecycle:
            await self._close()
            self._iterators.close_all()
            await self._handlers.aclose()
            await self.hooks.cancel_pending()

    async def close(self) -> None:
        """Same as :meth:`disconnect`."""
        await self.disconnect()

    @abc.abstractmethod
    async def _open(self, uri: str | None) -> None:
        """Open the client's connections (called by :meth:`connect`, under the lifecycle lock)."""

    @abc.abstractmethod
    async def _close(self) -> None:
        """Close the client's connections and fail what waits on them (called by :meth:`disconnect`)."""

    @property
    @abc.abstractmethod
    def is_connected(self) -> bool:
        """True while the client has an open connection."""

    def on(self, event: LifecycleEvent, callback: Callable[..., Any]) -> None:
        """Watch the connection: ``connected(url)``, ``disconnected(info)``, ``reconnecting(attempt, delay)``,
        ``reconnected(attempt)``, ``failed(info)`` (reconnect attempts exhausted). See ``LifecycleHooks``."""
        self.hooks.on(event, callback)

    def off(self, event: LifecycleEvent, callback: Callable[..., Any] | None = None) -> None:
        """Remove ``callback`` (or every callback) of ``event``."""
        self.hooks.off(event, callback)

    # ------------------------------------------------------------------ handlers, iterators, history

    def set_handler(self, pattern: str, handler: EventHandler) -> None:
        """Call ``handler(event)`` for typed events whose type matches ``pattern``.

        ``"*"`` matches every event, ``"executionReport"`` one type, ``"*Update"`` a glob (fnmatch). Plain and
        async functions both work; several handlers per pattern run in registration order; a handler that
        raises is logged and the others still run. ``"__error__"`` handlers receive :class:`EventDecodeError`
        for bad frames and errors nobody waits for (e.g. :class:`SessionRevokedError`).
        """
        self._handlers.set_handler(pattern, handler)

    def remove_handler(self, pattern: str, handler: EventHandler | None = None) -> int:
        """Remove ``handler`` (or every handler of ``pattern``); returns how many were removed."""
        return self._handlers.remove_handler(pattern, handler)

    def events(
        self, pattern: str = "*", *, maxsize: int | None = None, overflow: OverflowPolicy | None = None
    ) -> EventIterator[Any]:
        """``async for event in client.events("executionReport")``: typed events from now on.

        Each iterator has its own bounded queue (``events_queue_size``); when the consumer is slower than the
        stream the oldest events are dropped and counted in ``iterator.dropped`` (``overflow="raise"`` makes the
        iterator raise :class:`EventQueueOverflowError` instead). Iteration ends on :meth:`disconnect` and raises
        :class:`ConnectionClosedError` if reconnecting gave up. Leave it with ``break`` and ``aclose()``, or use
        ``async with client.events() as events``.
        """
        if pattern == ERROR_PATTERN:
            raise ValueError("use set_handler('__error__', ...) to receive errors")
        return self._iterators.create(
            pattern,
            maxsize=maxsize if maxsize is not None else self.events_queue_size,
            overflow=overflow if overflow is not None else self.events_overflow,
        )

    def get_message_history(self, limit: int | None = None, event_type: str | None = None) -> list[HistoryEntry]:
        """The last messages sent and received (newest last), secrets masked.

        ``event_type`` filters on the event type (events) or the method (requests and their replies).
        """
        return self._history.get(limit, event_type)

    # ------------------------------------------------------------------ counters

    @property
    def stats(self) -> ClientStats:
        counters = self._counters
        return ClientStats(
            requests_sent=counters.requests_sent,
            decode_errors=counters.decode_errors,
            unsolicited_errors=counters.unsolicited_errors,
            late_replies=counters.late_replies,
            handler_errors=self._handlers.handler_errors,
            dropped_events=self._handlers.dropped_async + sum(iterator.dropped for iterator in self._iterators),
            reconnects=self._reconnects(),
        )

    @abc.abstractmethod
    def _reconnects(self) -> int:
        """Successful reconnects of the client's connections."""

    def drift_report(self) -> DriftReport:
        """What Binance sent that the spec does not describe, since the client was created (a snapshot).

        One :class:`~..routing.drift.DriftEntry` per message type, model, field and kind of deviation (a required
        field missing or null, an enum value the spec does not list, a number of another kind, an unknown event
        type), with how many messages showed it and the first value seen. Each is also logged once, as a warning,
        when first seen. Always empty with ``strict=True``.
        """
        return self._drift.report()

    def _drifted(self, drifted: DriftedEvent) -> RoutedEvent:
        """Count what a tolerantly decoded message deviated in; its routed event, to deliver."""
        routed = drifted.routed
        if drifted.deviations:
            self._drift.record(routed.event_type, drifted.model, drifted.deviations, routed.stream)
        return routed

    # ------------------------------------------------------------------ delivery

    def _report_error(self, error: BaseException) -> None:
        """Offer ``error`` to the ``"__error__"`` handlers."""
        self._handlers.dispatch_error(error)

    def _targets_for(self, event_type: str) -> tuple[Callable[[Any], Any], ...]:
        targets = self._handlers.handlers_for(event_type) + self._iterators.pushers_for(event_type)
        self._targets[event_type] = targets
        return targets

    def _build_deliver(self) -> Callable[[str, Any], None]:
        """The per-event delivery to handlers and iterators.

        The targets of each event type (matching handlers, then matching iterators' ``push``) are resolved once
        and cached until a handler or an iterator is added or removed. Plain handlers return None; only a result
        that is not None is checked for being awaitable (async handlers go to the ordered dispatcher).
        """
        cache = self._targets
        resolve = self._targets_for
        handlers = self._handlers
        isawaitable = inspect.isawaitable

        def deliver(event_type: str, payload: Any) -> None:
            targets = cache.get(event_type)
            if targets is None:
                targets = resolve(event_type)
            for target in targets:
                try:
                    result = target(payload)
                except Exception:
                    handlers.handler_failed(target)
                    continue
                if result is not None and isawaitable(result):
                    handlers.enqueue(target, result)

        return deliver
