"""StreamClientBase: market streams over sharded connections, live control messages, futures user data.

How it fits together (one module per part):

* :mod:`.options`: the keyword options, resolved against the product once (:class:`StreamSettings`).
* :mod:`.routes`: where each connection goes (spec routes, ``channel_urls``, the USDⓈ-M split, user data).
* :mod:`.shards`: every subscribed stream belongs to one *shard*, a logical connection with at most
  ``max_streams_per_connection`` streams (1024 on Binance). Subscribing beyond that opens more shards; all of them
  feed the same handlers, iterators and history, so sharding is invisible to the user. A shard talks through one
  :class:`~.shards.MarketLink`, which restores the shard's streams after every reconnect: the first ride in the
  URL (free, no control message), the rest are re-sent as batched ``SUBSCRIBE`` messages paced under the
  per-connection incoming-message limit (5/s spot, 10/s futures; pings and pongs count too).
* :mod:`.links`: a link is a connection plus its control requests (correlation, the protocol's reply rules,
  pacing).
* :mod:`.user_data`: the futures listenKey session and its connection.
* This module: the client. Control methods (:meth:`subscribe` ...) place streams on shards and send the requests;
  rotation (before Binance's 24 h cut, or on ``serverShutdown``) is make-before-break: a second link is opened and
  subscribed while the old one still delivers; during that overlap frames are de-duplicated by their exact bytes,
  then the old link is closed. No event is lost or delivered twice.

The per-frame path is one router decode, a history append of the raw frame (decoded again only when the history
is read) and a call of each cached delivery target of the event type: no task, no logging, no string formatting
per frame. Frames come as ``bytes`` straight from the transport's read callback. Only a frame the router rejects
leaves that path: unless ``strict=True`` it is decoded again tolerating drift from the spec
(:meth:`StreamClientBase._recover_frame`) and delivered like the others; otherwise it is a bad frame.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..auth import BinanceAuth
from ..core.client import ClientCore
from ..core.history import HistoryEntry, redact_text
from ..errors import AuthenticationError, BinanceAPIError, ConnectionClosedError, EventDecodeError, WebSocketError
from ..policy import ProductProfile, profile_for
from ..routing.router import EventRouterLike, RoutedEvent
from ..spec import Spec
from ..wire.transport import TransportName
from .links import MAX_STREAMS_PER_CONTROL_MESSAGE, EventSink, LinkContext, batches
from .options import EventModels, StreamClientOptions, StreamSettings
from .routes import StreamRoutes
from .shards import MarketLink, Shard, ShardMap
from .user_data import UserDataSession, UserDataUnavailableError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["StreamClientBase"]

logger = logging.getLogger(__name__)


def _entry_time(entry: HistoryEntry) -> float:
    return entry.time


def _event_router(
    event_models: str, router: EventRouterLike, struct_router: Callable[[], EventRouterLike] | None
) -> EventRouterLike:
    if event_models == "pydantic":
        return router
    if event_models != "msgspec":
        raise ValueError(f"event_models must be 'pydantic' or 'msgspec', not {event_models!r}")
    if struct_router is None:
        raise ValueError("this client has no msgspec event models")
    try:
        return struct_router()
    except ModuleNotFoundError as exc:
        if exc.name != "msgspec":
            raise
        raise ImportError(
            'event_models="msgspec" needs the optional msgspec package: pip install msgspec '
            "(or install this package with its [fast] extra)"
        ) from exc


def _raise_first(results: Sequence[Any]) -> None:
    for result in results:
        if isinstance(result, BaseException):
            raise result


class StreamClientBase(ClientCore):
    """Base of the generated streams ``BinanceWebSocketClient``.

    ``testnet`` and ``auth`` (for futures user data) may be given by position; every other option is a keyword,
    documented in :class:`~.options.StreamClientOptions`. Handlers, iterators, history, lifecycle callbacks and the
    connect/disconnect contract are the client core's (:class:`~..core.client.ClientCore`), the same as the WS API
    client's.

    Methods beyond the core: :meth:`subscribe`, :meth:`unsubscribe`, :meth:`list_subscriptions`,
    :meth:`set_property`, :meth:`get_property`, :meth:`rotate_connections`, :meth:`subscribe_user_data` and
    :meth:`unsubscribe_user_data` (futures listenKey streams).
    """

    def __init__(
        self,
        testnet: bool = False,
        auth: BinanceAuth | None = None,
        *,
        spec: Spec,
        router: EventRouterLike,
        struct_router: Callable[[], EventRouterLike] | None = None,
        **options: Unpack[StreamClientOptions],
    ) -> None:
        if spec.kind != "streams":
            raise ValueError(f"{spec.title} is not a streams spec")
        settings = StreamSettings.resolve(spec.product, options)
        super().__init__(
            history_size=settings.history_size,
            events_queue_size=settings.events_queue_size,
            events_overflow=settings.events_overflow,
            strict=settings.strict,
        )
        self.spec = spec
        self.testnet = testnet
        self.auth = auth
        self.settings = settings
        """The options this client runs with (the product's defaults filled in)."""
        self.profile: ProductProfile = profile_for(spec.product)
        self.event_models: EventModels = settings.event_models
        self._router = _event_router(settings.event_models, router, struct_router)
        self.routes = StreamRoutes(spec, settings, testnet=testnet)
        self._link_context = LinkContext(
            settings=settings.links,
            product=spec.product,
            hooks=self.hooks,
            history=self._history,
            counters=self._counters,
            request_ids=itertools.count(1),
            report_error=self._report_error,
            report_bad_frame=self._report_bad_frame,
            spawn=self._spawn,
        )
        self._shards = ShardMap(settings.max_streams_per_connection, self.routes.market_route)
        # Market events as (time, event type, raw frame, stream of a raw connection): frames are not tracked by the
        # garbage collector, typed models are (and 1000 live models slow every collection down).
        self._event_ring: collections.deque[tuple[float, str, str | bytes, str | None]] = collections.deque(
            maxlen=max(settings.history_size, 1)
        )
        self._desired: dict[str, None] = {}
        self._properties: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._user_data: UserDataSession | None = None
        self._connected = False
        self.rotations = 0
        """Completed make-before-break rotations (age limit, serverShutdown, :meth:`rotate_connections`)."""

    # ------------------------------------------------------------------ options, as attributes

    @property
    def auto_reconnect(self) -> bool:
        return self.settings.links.auto_reconnect

    @property
    def request_timeout(self) -> float:
        return self.settings.links.request_timeout

    @property
    def transport(self) -> TransportName:
        return self.settings.links.transport

    @property
    def combined(self) -> bool:
        return self.settings.combined

    @property
    def max_streams_per_connection(self) -> int:
        return self.settings.max_streams_per_connection

    @property
    def listen_key_keepalive(self) -> float:
        return self.settings.listen_key_keepalive

    @property
    def router(self) -> EventRouterLike:
        """The router events are decoded with (``models.EVENT_ROUTER``, or the Structs' for msgspec)."""
        return self._router

    @property
    def properties(self) -> Mapping[str, Any]:
        """Properties set with :meth:`set_property`, re-applied after every reconnect."""
        return self._properties

    @property
    def bad_frames(self) -> int:
        """Frames that could not be decoded (each offered to ``__error__`` handlers): ``stats.decode_errors``."""
        return self._counters.decode_errors

    # ------------------------------------------------------------------ lifecycle

    @property
    def is_connected(self) -> bool:
        return self._connected and any(shard.link is not None and shard.link.conn.is_open for shard in self._shards)

    async def connect(self, uri: str | None = None) -> None:
        """Open the connections for every registered stream (one idle combined connection if there is none).

        ``uri`` replaces the server URL like the ``url`` option. Raises :class:`ConnectionClosedError` when a
        connection cannot be opened (nothing stays open then).
        """
        await super().connect(uri)

    async def _open(self, uri: str | None) -> None:
        if self._connected:
            return
        if uri is not None:
            self.routes.url_override = uri
        self._shards.clear()
        self._shards.place(list(self._desired))
        if not self._shards:
            self._shards.new_shard(self.routes.market_route(""))
        self._connected = True
        try:
            await asyncio.gather(*(self._open_shard(shard) for shard in self._shards))
        except BaseException:
            await self._close_shards()
            self._connected = False
            raise

    async def disconnect(self) -> None:
        """Close every connection and end every task the client started. Idempotent.

        Subscriptions are remembered: a later :meth:`connect` subscribes them again. Open ``events()``
        iterators end.
        """
        await super().disconnect()

    async def _close(self) -> None:
        self._connected = False
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._user_data is not None:
            session, self._user_data = self._user_data, None
            await session.stop()
        await self._close_shards()

    async def _close_shards(self) -> None:
        links: list[MarketLink] = [shard.link for shard in self._shards if shard.link is not None]
        for shard in self._shards:
            shard.link = None
        await asyncio.gather(*(link.stop() for link in links), return_exceptions=True)
        self._shards.clear()

    def _reconnects(self) -> int:
        links = [shard.link for shard in self._shards if shard.link is not None]
        count = sum(link.conn.reconnects for link in links)
        if self._user_data is not None:
            count += self._user_data.link.conn.reconnects
        return count

    # ------------------------------------------------------------------ history and delivery

    def get_message_history(self, limit: int | None = None, event_type: str | None = None) -> list[HistoryEntry]:
        """Recent messages, oldest first: events, control requests and replies, bad frames (secrets masked).

        ``event_type`` filters on the event type (events) or the method (requests and their replies).
        """
        entries = self._history.get(None, event_type)
        if self._event_ring:
            wanted = self._history.size if limit is None else max(0, min(limit, self._history.size))
            chosen = [item for item in self._event_ring if event_type is None or item[1] == event_type]
            events = [
                HistoryEntry(moment, "received", self._history_message(raw, stream), kind)
                for moment, kind, raw, stream in (chosen[-wanted:] if wanted else ())
            ]
            entries = sorted(entries + events, key=_entry_time)[-self._history.size :]
        if limit is not None:
            entries = entries[-limit:] if limit > 0 else []
        return entries

    def _history_message(self, raw: str | bytes, stream: str | None) -> Any:
        """The typed event of a recorded market frame (decoded again: the history keeps frames, not models)."""
        try:
            return self._router.decode(raw, stream=stream).event
        except EventDecodeError:
            pass
        if not self.strict:
            try:
                return self._router.decode_tolerant(raw, stream=stream).routed.event
            except EventDecodeError:
                pass
        return redact_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)

    def _event_sink(self) -> EventSink:
        """How the client's links turn frames into events (see :class:`~.links.EventSink`)."""
        return EventSink(
            decode=self._router.decode,
            decode_combined=self._router.combined_decoder(),
            decode_stream=self._router.stream_decoder(),
            deliver=self._deliver,
            routed=self.settings.deliver_routed,
            remember=self._event_ring.append if self._history.enabled else None,
            recover=None if self.strict else self._recover_frame,
        )

    def _recover_frame(self, raw: str | bytes, stream: str | None) -> RoutedEvent | None:
        """A frame the router rejected, decoded tolerating drift from the spec (and counted); None if even that
        fails. Not on the per-frame path: only frames the strict decoder refused come here."""
        try:
            return self._drifted(self._router.decode_tolerant(raw, stream=stream))
        except EventDecodeError:
            return None
        except Exception:  # a bug in the tolerant path must not break the reader: the frame stays a bad frame
            logger.exception("tolerant decoding failed; the frame is reported as undecodable")
            return None

    def _report_bad_frame(self, raw: str | bytes, error: BaseException) -> None:
        self._counters.decode_errors += 1
        count = self._counters.decode_errors
        if count <= 10 or count % 1000 == 0:
            logger.warning("undecodable frame #%d: %s", count, error)
        self._history.record("received", raw, None)
        self._report_error(error)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        if not self._connected and self._user_data is None:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            logger.error("background task %s failed", task.get_name(), exc_info=error)
            if error is not None:
                self._report_error(error)

    # ------------------------------------------------------------------ sharding

    def _forget(self, streams: Iterable[str]) -> None:
        streams = list(streams)
        for stream in streams:
            self._desired.pop(stream, None)
        self._shards.forget(streams)

    async def _open_shard(self, shard: Shard) -> None:
        link = MarketLink(self, shard)
        shard.link = link
        try:
            await link.conn.start()
        except BaseException:
            if shard.link is link:
                shard.link = None
            await link.stop()
            raise

    @property
    def shard_count(self) -> int:
        """Open (or opening) market connections."""
        return sum(1 for shard in self._shards if shard.link is not None)

    def shard_streams(self) -> list[list[str]]:
        """The streams of each shard, in shard order (for monitoring and tests)."""
        return [list(shard.streams) for shard in self._shards]

    # ------------------------------------------------------------------ control methods

    @staticmethod
    def _stream_names(streams: Sequence[str | Iterable[str]]) -> list[str]:
        names: list[str] = []
        for item in streams:
            if isinstance(item, str):
                names.append(item)
            else:
                names.extend(item)
        for name in names:
            if not isinstance(name, str) or not name or name != name.strip():
                raise ValueError(f"invalid stream name {name!r}")
        return list(dict.fromkeys(names))

    async def subscribe(self, *streams: str | Iterable[str]) -> None:
        """Subscribe to streams (names from the ``streams`` builders, or lists of them).

        Before :meth:`connect` the streams are only registered. While connected they are sent live, batched
        and paced, on as many connections as the per-connection limit requires. Raises
        :class:`~.errors.StreamRequestError` when Binance refuses a batch (its streams are not kept).
        """
        names = self._stream_names(streams)
        new = [name for name in names if name not in self._desired]
        self._desired.update(dict.fromkeys(new))
        if not new or not self._connected:
            return
        plan = self._shards.place(new)
        results = await asyncio.gather(
            *(self._subscribe_on(shard, added) for shard, added in plan.items()),
            return_exceptions=True,
        )
        _raise_first(results)

    async def _subscribe_on(self, shard: Shard, streams: list[str]) -> None:
        async with shard.lock:
            if shard.link is None:
                if not self._connected:
                    return
                try:
                    await self._open_shard(shard)
                except BaseException:
                    self._forget(streams)
                    self._drop_if_unused(shard)
                    raise
                return
            link = shard.link
            pending = [stream for stream in streams if stream in shard.streams]
            for index, batch in enumerate(batches(pending)):
                try:
                    await self._live_request(link, "SUBSCRIBE", batch)
                except BinanceAPIError:
                    self._forget(pending[index * MAX_STREAMS_PER_CONTROL_MESSAGE :])
                    raise

    async def _live_request(self, link: MarketLink, method: str, params: Any) -> None:
        """A control request that survives a reconnect of its link.

        The restore after a reconnect re-sends the shard's streams (and leaves out the forgotten ones), so an
        UNSUBSCRIBE needs nothing more; a SUBSCRIBE is sent once more in case the restore ran before these
        streams were registered (a duplicate SUBSCRIBE is harmless).
        """
        try:
            await link.request(method, params)
            return
        except ConnectionClosedError:
            if not self.auto_reconnect:
                raise
        try:
            await link.conn.wait_open(self.request_timeout)
        except TimeoutError:
            raise ConnectionClosedError(f"{link.name} did not come back within {self.request_timeout:g}s") from None
        if method == "SUBSCRIBE":
            await link.request(method, params)

    async def unsubscribe(self, *streams: str | Iterable[str]) -> None:
        """Unsubscribe from streams; a connection left without streams (other than the first) is closed."""
        names = self._stream_names(streams)
        by_shard: dict[Shard, list[str]] = {}
        for name in names:
            shard = self._shards.shard_of(name)
            if shard is not None:
                by_shard.setdefault(shard, []).append(name)
            self._desired.pop(name, None)
        if not by_shard:
            return
        results = await asyncio.gather(
            *(self._unsubscribe_on(shard, removed) for shard, removed in by_shard.items()),
            return_exceptions=True,
        )
        _raise_first(results)

    async def _unsubscribe_on(self, shard: Shard, streams: list[str]) -> None:
        async with shard.lock:
            # Forget first: a reconnect while the request is in flight must not restore these streams.
            self._forget(streams)
            link = shard.link
            if link is not None and not shard.removable:
                for batch in batches(streams):
                    await self._live_request(link, "UNSUBSCRIBE", batch)
            if shard.removable:
                link, shard.link = shard.link, None
                if link is not None:
                    await link.stop()
                self._shards.remove(shard)

    def _drop_if_unused(self, shard: Shard) -> None:
        if shard.removable and shard.link is None:
            self._shards.remove(shard)

    async def list_subscriptions(self) -> list[str]:
        """``LIST_SUBSCRIPTIONS`` on every connection; the union, in connection order."""
        results: list[str] = []
        for shard in self._shards:
            reply = await self._require_link(shard).request("LIST_SUBSCRIPTIONS")
            if isinstance(reply, list):
                results.extend(str(item) for item in reply if str(item) not in results)
        return results

    async def set_property(self, name: str, value: bool | str) -> None:
        """``SET_PROPERTY`` on every connection; remembered and re-applied after reconnects.

        ``combined`` is the only documented property. Setting it to False on combined connections makes
        frames arrive without their stream name.
        """
        links = [self._require_link(shard) for shard in self._shards]
        for link in links:
            await link.request("SET_PROPERTY", [name, value])
        self._properties[name] = value

    async def get_property(self, name: str) -> bool | str | None:
        """``GET_PROPERTY`` on the first connection."""
        shards = list(self._shards)
        if not shards:
            raise ConnectionClosedError("not connected")
        result = await self._require_link(shards[0]).request("GET_PROPERTY", [name])
        return result if isinstance(result, (bool, str)) or result is None else str(result)

    def _require_link(self, shard: Shard) -> MarketLink:
        if not self._connected or shard.link is None:
            raise ConnectionClosedError("not connected")
        return shard.link

    # ------------------------------------------------------------------ rotation

    async def rotate_connections(self, reason: str = "requested") -> None:
        """Move every shard to a fresh connection, make-before-break (what the 24 h limit does automatically)."""
        await asyncio.gather(*(self._rotate(shard, reason) for shard in self._shards))

    async def _rotate(self, shard: Shard, reason: str) -> None:
        """Move ``shard`` to a fresh connection: open and subscribe the new one, de-duplicate, close the old one."""
        expected = shard.link
        if shard.rotating or expected is None:
            return
        async with shard.lock:
            old = shard.link
            if old is not expected or old is None or not self._connected or shard not in self._shards:
                return  # another rotation or a close got here first
            shard.rotating = True
            old.cancel_rotation()
            shard.overlap = {}
            # The old link keeps its own reconnect: if the server cuts it during the overlap it comes back
            # and restores, and the de-duplication still holds because each link delivers a frame once.
            old.dedupe = True
            standby = MarketLink(self, shard, muted=True)
            standby.dedupe = True
            try:
                try:
                    await standby.conn.start()
                except (WebSocketError, OSError, TimeoutError) as exc:
                    await standby.stop()
                    old.dedupe = False
                    shard.overlap = {}
                    old.arm_rotation()
                    logger.warning("%s: rotation (%s) could not open a new connection: %s", old.name, reason, exc)
                    self._report_error(exc)
                    return
                shard.link = standby
                if self.settings.rotation_overlap > 0:
                    # Frames the server sent to the old link before the new one was subscribed still arrive.
                    await asyncio.sleep(self.settings.rotation_overlap)
                await old.stop()
                standby.dedupe = False
                shard.overlap = {}
                standby.hooks.muted = False
                self.rotations += 1
                logger.info("%s: rotated to %s (%s)", old.name, standby.name, reason)
            except BaseException:
                if shard.link is standby:
                    shard.link = old if old.conn.running else standby
                if shard.link is not standby:
                    await standby.stop()
                raise
            finally:
                shard.rotating = False

    # ------------------------------------------------------------------ futures user data

    async def subscribe_user_data(self) -> None:
        """Start the futures user-data stream: get a listenKey over the WS API, connect ``/ws/<listenKey>``.

        Events (``ACCOUNT_UPDATE``, ``ORDER_TRADE_UPDATE``, ...) reach the same handlers and iterators.
        The key is kept alive every ``listen_key_keepalive`` seconds and replaced (with a reconnect) when
        Binance reports ``listenKeyExpired`` or refuses a keepalive. Needs ``auth`` with an API key.
        """
        if self.spec.channel("userData") is None:
            raise UserDataUnavailableError(f"{self.spec.title} has no listenKey user-data channel")
        auth = self.auth
        api_key = auth.api_key if auth is not None else None
        if auth is None or not api_key:
            raise AuthenticationError("subscribe_user_data needs auth=BinanceAuth(api_key=...)")
        if self._user_data is not None:
            return
        session = UserDataSession(self, auth, api_key)
        self._user_data = session
        try:
            await session.start()
        except BaseException:
            self._user_data = None
            await session.stop()
            raise

    async def unsubscribe_user_data(self) -> None:
        """Stop the user-data stream: close its connection and invalidate the listenKey (``userDataStream.stop``)."""
        session, self._user_data = self._user_data, None
        if session is not None:
            await session.stop()

    @property
    def user_data_active(self) -> bool:
        return self._user_data is not None

    @property
    def listen_key_renewals(self) -> int:
        """How many times the listenKey was replaced by a new one."""
        return self._user_data.renewals if self._user_data is not None else 0
