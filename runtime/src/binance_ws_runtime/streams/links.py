"""Links: the streams client's connections, each one :class:`~..connection.ManagedConnection` plus the control
requests that travel on it.

* :class:`Link` sends control messages (``{"method", "params", "id"}``) and matches the replies through a
  :class:`~..core.correlator.Correlator`, with the streams protocol's own reading of a reply: ``{"result": ..}``
  succeeds; ``{"error": {..}}`` and the flat ``{"code", "msg"}`` fail with the mapped error; an error without an
  id answers the only request in flight (Binance documents some that way). Errors no request waits for go to the
  client's error handlers, late replies are counted. Subclasses say where to connect and what a frame is.
* :class:`ControlPacer` keeps a link's control messages under the service's incoming-message limit.
* :class:`MutedHooks` keeps a rotation's standby link from reporting lifecycle events until it takes over.
"""

from __future__ import annotations

import abc
import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..connection import CloseInfo, LifecycleEvent, LifecycleHooks, ManagedConnection
from ..core.client import ClientCounters
from ..core.correlator import Correlator
from ..core.history import MessageHistory
from ..errors import ConnectionClosedError, error_from_reply
from ..policy import SERVER_SHUTDOWN
from ..routing.router import RoutedEvent
from .options import LinkSettings

__all__ = [
    "MAX_STREAMS_PER_CONTROL_MESSAGE",
    "ControlPacer",
    "EventSink",
    "Link",
    "LinkContext",
    "MutedHooks",
    "batches",
    "is_server_shutdown",
    "loads",
]

logger = logging.getLogger(__name__)

# Binance documents no per-message cap on SUBSCRIBE params; batches of this size keep each control frame
# a few kilobytes while restoring 1024 streams in a handful of (rate-limited) messages.
MAX_STREAMS_PER_CONTROL_MESSAGE = 200


class EventSink(NamedTuple):
    """How a link's frames become the client's events."""

    decode: Callable[..., RoutedEvent]
    """The router's ``decode(raw, stream=None)``."""
    decode_combined: Callable[[bytes], RoutedEvent | None]
    """The router's :meth:`~..routing.router.EventRouter.combined_decoder`: None for a frame that is no
    ``{"stream", "data"}`` wrapper."""
    decode_stream: Callable[[bytes, str | None], RoutedEvent]
    """The router's :meth:`~..routing.router.EventRouter.stream_decoder`: ``decode(raw, stream)`` for raw frames."""
    deliver: Callable[[str, Any], None]
    """The client's delivery to handlers and iterators: ``deliver(event_type, payload)``."""
    routed: bool
    """Handlers get the ``RoutedEvent`` (``deliver="routed"``) rather than the event."""
    remember: Callable[[tuple[float, str, str | bytes, str | None]], None] | None
    """Keeps ``(time, event type, raw frame, stream)`` for the history; None while the history is off."""
    recover: Callable[[str | bytes, str | None], RoutedEvent | None] | None
    """``recover(raw, stream)``: a frame ``decode`` rejected, decoded tolerating drift from the spec (and counted
    in the client's drift report); None when even that fails. None in strict mode."""


@dataclass(frozen=True, slots=True)
class LinkContext:
    """What every link of one client shares: its settings, its hooks, history and counters, its error path."""

    settings: LinkSettings
    product: str
    hooks: LifecycleHooks
    """The client's lifecycle hooks (a link reports to them through its own, mutable, :class:`MutedHooks`)."""
    history: MessageHistory
    counters: ClientCounters
    request_ids: Iterator[int]
    """One id sequence for the control messages of all the client's links."""
    report_error: Callable[[BaseException], None]
    """Offers an error to the client's ``"__error__"`` handlers."""
    report_bad_frame: Callable[[str | bytes, BaseException], None]
    """Counts, records and reports a frame that could not be decoded."""
    spawn: Callable[[Coroutine[Any, Any, Any], str], None]
    """Runs a coroutine as one of the client's background tasks (ended by ``disconnect()``)."""


def loads(raw: str | bytes) -> Any:
    """The JSON value of a frame, None when it is not JSON."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def is_server_shutdown(obj: Any) -> bool:
    """True for a ``serverShutdown`` notice, bare or wrapped in a combined-stream frame."""
    if not isinstance(obj, dict):
        return False
    if obj.get("e") == SERVER_SHUTDOWN or obj.get("stream") == "!" + SERVER_SHUTDOWN:
        return True
    data = obj.get("data")
    return isinstance(data, dict) and data.get("e") == SERVER_SHUTDOWN


def batches(items: Sequence[str], size: int = MAX_STREAMS_PER_CONTROL_MESSAGE) -> Iterable[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class ControlPacer:
    """Spaces control messages ``1/rate`` apart (a token bucket of capacity one).

    Capacity one keeps any one-second window at ``rate + 1`` messages at most, which stays within Binance's
    per-connection limit for the profile rates (4/s spot under 5/s, 8/s futures under 10/s) even with the
    heartbeat's ping and pong frames counted.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("control message rate must be positive")
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if now < self._next:
                await asyncio.sleep(self._next - now)
                now = self._next
            self._next = now + self._interval


class MutedHooks(LifecycleHooks):
    """Forwards lifecycle events to the client's hooks unless muted (a rotation's standby link is muted)."""

    def __init__(self, target: LifecycleHooks, *, muted: bool = False) -> None:
        super().__init__()
        self.target = target
        self.muted = muted

    def emit(self, event: LifecycleEvent, *args: Any) -> None:
        if not self.muted:
            self.target.emit(event, *args)


class Link(abc.ABC):
    """One ManagedConnection of a streams client, and the control requests in flight on it."""

    def __init__(
        self,
        context: LinkContext,
        *,
        name: str,
        muted: bool = False,
        pacer: ControlPacer | None = None,
        max_age: float | None = None,
    ) -> None:
        settings = context.settings
        self.context = context
        self.name = name
        self.requests = Correlator(context.request_ids)
        self.pacer = pacer
        self.hooks = MutedHooks(context.hooks, muted=muted)
        self.conn = ManagedConnection(
            self.build_url,
            on_frame=self.frame_handler(),
            on_open=self.opened,
            on_close=self.closed,
            hooks=self.hooks,
            backoff=settings.backoff.build(settings.max_reconnect_attempts),
            auto_reconnect=settings.auto_reconnect,
            ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_timeout,
            silence_timeout=settings.silence_timeout,
            max_age=max_age,
            open_timeout=settings.open_timeout,
            name=name,
            transport=settings.transport,
            text_as_bytes=True,
        )

    @abc.abstractmethod
    def build_url(self) -> str:
        """The URL of the next (re)connect."""

    @abc.abstractmethod
    def frame_handler(self) -> Callable[[str | bytes], None]:
        """The reader's per-frame callback (built once, so the hot path holds no attribute lookups)."""

    async def opened(self) -> None:
        """Runs after every (re)connect, before the link counts as open: restore state here."""
        return None

    def closed(self, info: CloseInfo) -> None:
        self.requests.fail_all(ConnectionClosedError(f"{self.name} closed: {info}", code=info.code, reason=info.reason))

    async def request(self, method: str, params: Any = None, *, timeout: float | None = None) -> Any:
        """Send ``{"method", "params", "id"}`` and return the reply's ``result`` (or raise the mapped error).

        Raises :class:`RequestTimeoutError` when no reply comes within ``timeout`` (default: the client's
        ``request_timeout``), :class:`ConnectionClosedError` when the link is lost meanwhile.
        """
        if self.pacer is not None:
            await self.pacer.wait()
        context = self.context

        async def send(request_id: int) -> None:
            message: dict[str, Any] = {"method": method}
            if params is not None:
                message["params"] = params
            message["id"] = request_id
            await self.conn.send(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
            context.history.record("sent", message, method)
            context.counters.requests_sent += 1

        wait = context.settings.request_timeout if timeout is None else timeout
        return await self.requests.call(method, send, wait)

    def on_reply_frame(self, raw: str | bytes) -> bool:
        """Resolve the request this frame answers; False when it is not a control reply."""
        obj = loads(raw)
        return isinstance(obj, dict) and self.on_reply(obj)

    def on_reply(self, reply: dict[str, Any]) -> bool:
        """Resolve the request ``reply`` answers; False when it is not a control reply (an event, say)."""
        context = self.context
        request_id = reply.get("id")
        is_error = "error" in reply or ("code" in reply and "msg" in reply)
        request = self.requests.take(request_id)
        if request is None and is_error and request_id is None:
            # Binance documents some control errors without an id; with one request in flight it is the culprit.
            sole = self.requests.sole()
            request = self.requests.take(sole.id) if sole is not None else None
        if request is None:
            if not (is_error or ("id" in reply and "result" in reply)):
                return False
            # A late reply (its request timed out) or an error nothing waits for.
            context.history.record("received", reply, None)
            if is_error:
                context.counters.unsolicited_errors += 1
                context.report_error(error_from_reply(reply, product=context.product))
            else:
                context.counters.late_replies += 1
            return True
        context.history.record("received", reply, request.method)
        status = reply.get("status")
        if is_error or (isinstance(status, int) and status >= 400):
            request.fail(error_from_reply(reply, product=context.product, method=request.method, request_id=request.id))
        else:
            request.resolve(reply.get("result"))
        return True

    async def stop(self) -> None:
        await self.conn.stop()
        self.requests.fail_all(ConnectionClosedError(f"{self.name} stopped"))
