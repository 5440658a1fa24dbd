"""StreamClientBase: market streams over sharded connections, live control messages, futures user data.

How it fits together:

* Every subscribed stream belongs to one *shard*: a logical connection with at most
  ``max_streams_per_connection`` streams (1024 on Binance). Subscribing beyond that opens more shards;
  all of them feed the same handlers, iterators and history, so sharding is invisible to the user.
* A shard talks through one :class:`_MarketLink` (a :class:`ManagedConnection` plus the pending control
  requests). After every reconnect the link restores the shard's streams: the first streams ride in the
  URL (free, no control message), the rest are re-sent as batched ``SUBSCRIBE`` messages paced under the
  per-connection incoming-message limit (5/s spot, 10/s futures; pings and pongs count too).
* Rotation (before Binance's 24 h cut, or on ``serverShutdown``) is make-before-break: a second link is
  opened and subscribed while the old one still delivers; during that overlap frames are de-duplicated
  by their exact bytes, then the old link is closed. No event is lost or delivered twice.
* The per-frame path is one router decode, a history append of the raw frame (decoded again only when the
  history is read) and a call of each cached delivery target of the event type: no task, no logging, no
  string formatting per frame. Frames come as ``bytes`` straight from the transport's read callback.
* Futures user data: the listenKey is managed over the futures WS API (``userDataStream.start``/``ping``/
  ``stop`` on ``ws-fapi``/``ws-dapi``, not on the streams host the spec names), then the ``/ws/<listenKey>``
  channel is connected. ``listenKeyExpired`` (or a refused keepalive) fetches a new key and reconnects.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import inspect
import itertools
import json
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from ..api.client import ApiClientBase
from ..auth import BinanceAuth
from ..backoff import BackoffPolicy
from ..connection import CloseInfo, LifecycleEvent, LifecycleHooks, ManagedConnection
from ..core.handlers import EventHandler, HandlerRegistry
from ..core.history import HistoryEntry, MessageHistory, redact_text
from ..core.iterators import EventIterator, IteratorSet, OverflowPolicy
from ..errors import (
    AuthenticationError,
    BinanceAPIError,
    ConnectionClosedError,
    EventDecodeError,
    RequestTimeoutError,
    WebSocketError,
    error_from_reply,
)
from ..policy import ProductProfile, profile_for
from ..routing.router import EventRouterLike
from ..spec import ChannelKind, Spec
from ..timeouts import wait_with_timeout
from ..wire.transport import TransportName, require_transport

__all__ = ["StreamClientBase", "UserDataUnavailableError", "umfutures_route"]

logger = logging.getLogger(__name__)

# Control replies ({"result":null,"id":1}, {"error":{...},"id":2}, {"code":2,"msg":...}) start with one of
# these keys; events start with "stream" (combined) or a payload key. A cheap prefix test keeps replies
# out of the router; anything the test misses still reaches the reply handler through the decode-error path.
_REPLY_PREFIXES_TEXT = ('{"result"', '{"id"', '{"error"', '{"code"')
_REPLY_PREFIXES_BYTES = tuple(prefix.encode() for prefix in _REPLY_PREFIXES_TEXT)

# Binance documents no per-message cap on SUBSCRIBE params; batches of this size keep each control frame
# a few kilobytes while restoring 1024 streams in a handful of (rate-limited) messages.
_MAX_STREAMS_PER_CONTROL_MESSAGE = 200

# Streams ride in the connect URL up to this many characters of stream names; the rest are subscribed by
# message. Long URLs get refused by proxies (HTTP 414), and characters with a meaning in query strings
# ("+" reads as a space, "%", "&", "#") are never put there.
_MAX_URL_STREAM_CHARS = 2000
_URL_UNSAFE = frozenset("+%&#? /")

# Frames seen on exactly one link during a make-before-break overlap. Bounded so that a rotation which
# never completes cannot grow memory without limit.
_MAX_OVERLAP_FRAMES = 200_000

# Rotate this long before the server's own cut, so that the overlap never races the forced close.
_ROTATION_MARGIN = 15 * 60.0

_SERVER_SHUTDOWN = "serverShutdown"
_LISTEN_KEY_EXPIRED = "listenKeyExpired"

_DEFAULT_ADDRESSES: dict[str, str] = {
    "raw": "/ws/{streamName}",
    "combined": "/stream?streams={streams}",
    "userData": "/ws/{listenKey}",
}

# USDⓈ-M mainnet moved book data to /public and all other market data to /market (2026 split); the old
# unrouted /ws and /stream paths were retired. A stream on the wrong route is acknowledged but never sends.
_UMFUTURES_MAINNET_HOST = "fstream.binance.com"
_UMFUTURES_PUBLIC_MARKERS = ("@bookTicker", "@depth", "@rpiDepth")


def umfutures_route(base_url: str, stream: str) -> str:
    """The USDⓈ-M route for ``stream`` under ``base_url``: ``/public`` for book data, ``/market`` otherwise."""
    base = base_url.rstrip("/")
    if stream == "!bookTicker" or any(marker in stream for marker in _UMFUTURES_PUBLIC_MARKERS):
        return base + "/public"
    return base + "/market"


class UserDataUnavailableError(WebSocketError):
    """The spec has no listenKey user-data channel (spot user data lives on the WS API client)."""


Delivery = Literal["event", "routed"]
EventModels = Literal["pydantic", "msgspec"]

_ClientT = TypeVar("_ClientT", bound="StreamClientBase")


class _ControlPacer:
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


class _MutableHooks(LifecycleHooks):
    """Forwards lifecycle events to the client's hooks unless muted (a rotation's standby link is muted)."""

    def __init__(self, target: LifecycleHooks, *, muted: bool = False) -> None:
        super().__init__()
        self.target = target
        self.muted = muted

    def emit(self, event: LifecycleEvent, *args: Any) -> None:
        if not self.muted:
            self.target.emit(event, *args)


def _entry_time(entry: HistoryEntry) -> float:
    return entry.time


def _loads(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _is_server_shutdown(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    if obj.get("e") == _SERVER_SHUTDOWN or obj.get("stream") == "!" + _SERVER_SHUTDOWN:
        return True
    data = obj.get("data")
    return isinstance(data, dict) and data.get("e") == _SERVER_SHUTDOWN


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


def _batches(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _add_query(url: str, query: str) -> str:
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + query


class _Link(abc.ABC):
    """One ManagedConnection plus request/reply correlation for control messages."""

    def __init__(
        self,
        client: StreamClientBase,
        *,
        name: str,
        muted: bool = False,
        pacer: _ControlPacer | None = None,
        silence_timeout: float | None = None,
        max_age: float | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self.pending: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self.pacer = pacer
        self.hooks = _MutableHooks(client._hooks, muted=muted)
        self.conn = ManagedConnection(
            self.build_url,
            on_frame=self.frame_handler(),
            on_open=self.opened,
            on_close=self.closed,
            hooks=self.hooks,
            backoff=client._backoff_policy.build(client._max_reconnect_attempts),
            auto_reconnect=client.auto_reconnect,
            ping_interval=client._ping_interval,
            ping_timeout=client._ping_timeout,
            silence_timeout=silence_timeout,
            max_age=max_age,
            open_timeout=client._open_timeout,
            name=name,
            transport=client.transport,
            text_as_bytes=True,
        )

    @abc.abstractmethod
    def build_url(self) -> str:
        """The URL of the next (re)connect."""

    @abc.abstractmethod
    def frame_handler(self) -> Callable[[str | bytes], None]:
        """The reader's per-frame callback (built once, so the hot path holds no attribute lookups)."""

    async def opened(self) -> None:
        return None

    def closed(self, info: CloseInfo) -> None:
        self.fail_pending(ConnectionClosedError(f"{self.name} closed: {info}", code=info.code, reason=info.reason))

    def fail_pending(self, error: BaseException) -> None:
        pending, self.pending = self.pending, {}
        for _method, future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def request(self, method: str, params: Any = None, *, timeout: float | None = None) -> Any:
        """Send ``{"method", "params", "id"}`` and return the reply's ``result`` (or raise the mapped error)."""
        if self.pacer is not None:
            await self.pacer.wait()
        client = self.client
        request_id = next(client._request_ids)
        message: dict[str, Any] = {"method": method}
        if params is not None:
            message["params"] = params
        message["id"] = request_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = (method, future)
        try:
            await self.conn.send(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
            client._history.record("sent", message, method)
            wait = client.request_timeout if timeout is None else timeout
            try:
                return await wait_with_timeout(future, wait)
            except TimeoutError:
                raise RequestTimeoutError(method, request_id, wait) from None
        finally:
            self.pending.pop(request_id, None)

    def on_reply_frame(self, raw: str | bytes) -> bool:
        """Resolve the pending request this frame answers; False when it is not a reply to us."""
        obj = _loads(raw)
        return isinstance(obj, dict) and self.resolve(obj)

    def resolve(self, reply: dict[str, Any]) -> bool:
        request_id = reply.get("id")
        entry = self.pending.get(request_id) if isinstance(request_id, int) else None
        is_error = "error" in reply or ("code" in reply and "msg" in reply)
        if entry is None and is_error and request_id is None and len(self.pending) == 1:
            # Binance documents some control errors without an id; with one request in flight it is the culprit.
            request_id, entry = next(iter(self.pending.items()))
        if entry is None:
            if is_error or ("id" in reply and "result" in reply):
                # A late reply (its request timed out) or an error nothing waits for.
                self.client._history.record("received", reply, None)
                if is_error:
                    self.client._handlers.dispatch_error(error_from_reply(reply, product=self.client.spec.product))
                return True
            return False
        method, future = entry
        self.client._history.record("received", reply, method)
        if future.done():
            return True
        status = reply.get("status")
        if is_error or (isinstance(status, int) and status >= 400):
            future.set_exception(
                error_from_reply(
                    reply,
                    product=self.client.spec.product,
                    method=method,
                    request_id=request_id,
                )
            )
        else:
            future.set_result(reply.get("result"))
        return True

    async def stop(self) -> None:
        await self.conn.stop()
        self.fail_pending(ConnectionClosedError(f"{self.name} stopped"))


class _Shard:
    """A set of streams served by one connection at a time (two during a rotation)."""

    def __init__(self, index: int, route: str, *, primary: bool) -> None:
        self.index = index
        self.route = route
        self.primary = primary
        self.streams: dict[str, None] = {}
        self.link: _MarketLink | None = None
        self.lock = asyncio.Lock()
        self.rotating = False
        # Make-before-break overlap: frame -> id of the link that delivered it first.
        self.overlap: dict[str | bytes, int] = {}

    def is_duplicate(self, raw: str | bytes, link_id: int) -> bool:
        first = self.overlap.get(raw)
        if first is None:
            if len(self.overlap) >= _MAX_OVERLAP_FRAMES:
                del self.overlap[next(iter(self.overlap))]
            self.overlap[raw] = link_id
            return False
        if first == link_id:
            # The same link repeating identical bytes is a genuine repeat, not the other link's copy.
            return False
        # Each link delivers a frame at most once, so the pair is complete: forget it.
        del self.overlap[raw]
        return True


class _MarketLink(_Link):
    """A market-stream connection of one shard: combined (``/stream``) or raw (``/ws/<stream>``)."""

    def __init__(self, client: StreamClientBase, shard: _Shard, *, muted: bool = False) -> None:
        self.shard = shard
        self.in_url: frozenset[str] = frozenset()
        self.dedupe = False
        self.rotation_timer: asyncio.TimerHandle | None = None
        generation = next(client._link_ids)
        self.link_id = generation
        super().__init__(
            client,
            name=f"streams[{shard.index}]#{generation}",
            muted=muted,
            pacer=_ControlPacer(client._control_rate),
            silence_timeout=client._silence_timeout,
        )

    def build_url(self) -> str:
        client = self.client
        streams = list(self.shard.streams)
        if client.combined:
            chosen: list[str] = []
            size = 0
            for stream in streams:
                if _URL_UNSAFE.isdisjoint(stream) and size + len(stream) + 1 <= _MAX_URL_STREAM_CHARS:
                    chosen.append(stream)
                    size += len(stream) + 1
            address = client._channel_address("combined")
            path, _, query = address.partition("?")
            if chosen:
                url = self.shard.route.rstrip("/") + path + "?" + query.replace("{streams}", "/".join(chosen))
            else:
                url = self.shard.route.rstrip("/") + path
            self.in_url = frozenset(chosen)
        else:
            address = client._channel_address("raw")
            first = streams[0] if streams else ""
            if first and "?" not in first and "/" not in first and "#" not in first:
                url = self.shard.route.rstrip("/") + address.replace("{streamName}", first)
                self.in_url = frozenset((first,))
            else:
                url = self.shard.route.rstrip("/") + address.replace("/{streamName}", "")
                self.in_url = frozenset()
        return _add_query(url, client._url_query)

    def frame_handler(self) -> Callable[[str | bytes], None]:
        client = self.client
        deliver = client._deliver
        routed_delivery = client._deliver_routed
        keep_history = client._history.enabled
        remember = client._event_ring.append
        now = time.time
        on_reply = self.on_reply_frame
        undecodable = self.on_undecodable
        decode = client._router.decode
        shard = self.shard
        link = self
        link_id = self.link_id
        prefixes_text = _REPLY_PREFIXES_TEXT
        prefixes_bytes = _REPLY_PREFIXES_BYTES
        shutdown = _SERVER_SHUTDOWN

        if client.combined:

            def on_frame(raw: str | bytes) -> None:
                if (
                    raw.startswith(prefixes_bytes) if isinstance(raw, bytes) else raw.startswith(prefixes_text)
                ) and on_reply(raw):
                    return
                if link.dedupe and shard.is_duplicate(raw, link_id):
                    return
                try:
                    routed = decode(raw)
                except EventDecodeError as exc:
                    undecodable(raw, exc)
                    return
                event_type = routed.event_type
                if keep_history:
                    remember((now(), event_type, raw, None))
                deliver(event_type, routed if routed_delivery else routed.event)
                if event_type == shutdown:
                    link.server_shutdown()

            return on_frame

        def on_raw_frame(raw: str | bytes) -> None:
            if (
                raw.startswith(prefixes_bytes) if isinstance(raw, bytes) else raw.startswith(prefixes_text)
            ) and on_reply(raw):
                return
            if link.dedupe and shard.is_duplicate(raw, link_id):
                return
            # Raw payloads carry no stream name; a raw connection holds one stream, which names them all.
            stream = next(iter(shard.streams), None)
            try:
                routed = decode(raw, stream=stream)
            except EventDecodeError as exc:
                undecodable(raw, exc)
                return
            event_type = routed.event_type
            if keep_history:
                remember((now(), event_type, raw, stream))
            deliver(event_type, routed if routed_delivery else routed.event)
            if event_type == shutdown:
                link.server_shutdown()

        return on_raw_frame

    def on_undecodable(self, raw: str | bytes, error: EventDecodeError) -> None:
        obj = _loads(raw)
        if _is_server_shutdown(obj):
            self.client._history.record("received", obj, _SERVER_SHUTDOWN)
            self.server_shutdown()
            return
        if isinstance(obj, dict) and self.resolve(obj):
            return
        self.client._report_bad_frame(raw, error)

    def server_shutdown(self) -> None:
        if self.shard.link is self and not self.shard.rotating:
            logger.info("%s: server announced a shutdown, moving to a new connection", self.name)
            self.client._spawn(
                self.client._rotate(self.shard, _SERVER_SHUTDOWN),
                f"{self.name}-shutdown",
            )

    async def opened(self) -> None:
        client = self.client
        missing = [stream for stream in self.shard.streams if stream not in self.in_url]
        for batch in _batches(missing, _MAX_STREAMS_PER_CONTROL_MESSAGE):
            try:
                await self.request("SUBSCRIBE", batch)
            except BinanceAPIError as exc:
                # One refused batch must not keep the other streams of the shard down.
                logger.warning(
                    "%s: restoring %d streams was refused: %s",
                    self.name,
                    len(batch),
                    exc,
                )
                client._handlers.dispatch_error(exc)
        for name, value in client._properties.items():
            try:
                await self.request("SET_PROPERTY", [name, value])
            except BinanceAPIError as exc:
                client._handlers.dispatch_error(exc)
        self.arm_rotation()

    def arm_rotation(self) -> None:
        self.cancel_rotation()
        age = self.client._rotate_after
        if age is None or age <= 0 or not self.client.auto_reconnect:
            return
        loop = asyncio.get_running_loop()
        self.rotation_timer = loop.call_later(age, self.rotation_due)

    def rotation_due(self) -> None:
        self.rotation_timer = None
        if self.shard.link is self:
            self.client._spawn(self.client._rotate(self.shard, "connection age"), f"{self.name}-rotate")

    def cancel_rotation(self) -> None:
        if self.rotation_timer is not None:
            self.rotation_timer.cancel()
            self.rotation_timer = None

    def closed(self, info: CloseInfo) -> None:
        self.cancel_rotation()
        super().closed(info)

    async def stop(self) -> None:
        self.cancel_rotation()
        await super().stop()


class _UserDataLink(_Link):
    """The ``/ws/<listenKey>`` connection; its URL follows the current key on every (re)connect."""

    def __init__(self, client: StreamClientBase, session: _UserDataSession) -> None:
        self.session = session
        self.connected_key = ""
        # No make-before-break here: two sockets on one listenKey would both get every event. The age limit
        # only turns Binance's abrupt 24 h cut into an orderly reconnect.
        super().__init__(
            client,
            name="user-data",
            silence_timeout=client._silence_timeout,
            max_age=client._rotate_after,
        )

    def build_url(self) -> str:
        self.connected_key = self.session.listen_key
        return self.client._user_data_url(self.session.listen_key)

    def frame_handler(self) -> Callable[[str | bytes], None]:
        client = self.client
        decode = client._router.decode
        deliver = client._deliver
        record = client._history.record
        routed_delivery = client._deliver_routed
        session = self.session

        def on_frame(raw: str | bytes) -> None:
            try:
                routed = decode(raw)
            except EventDecodeError as exc:
                client._report_bad_frame(raw, exc)
                return
            # User data can carry secrets: it goes through the redacting history, as a decoded event.
            event_type = routed.event_type
            record("received", routed.event, event_type)
            deliver(event_type, routed if routed_delivery else routed.event)
            if event_type == _LISTEN_KEY_EXPIRED:
                session.expired(routed.event)

        return on_frame

    def closed(self, info: CloseInfo) -> None:
        super().closed(info)
        if not info.clean and not self.session.stopping:
            # The key may have expired while the link was down: check it before the next connect succeeds.
            self.client._spawn(self.session.renew(force_reconnect=False), "user-data-refresh")


class _UserDataSession:
    """The futures listenKey lifecycle: start, keepalive, renewal on expiry, stop.

    The key requests go through an :class:`ApiClientBase` on the futures WS API (it brings correlation,
    apiKey handling, error mapping and its own reconnects); events come on :class:`_UserDataLink`.
    """

    def __init__(self, client: StreamClientBase, api_url: str, auth: BinanceAuth, api_key: str) -> None:
        self.client = client
        self.api_key = api_key
        self.listen_key = ""
        self.stopping = False
        self.api = ApiClientBase(
            spec=client.spec,
            router=client._router,
            testnet=client.testnet,
            auth=auth,
            auto_reconnect=client.auto_reconnect,
            ping_interval=client._ping_interval,
            ping_timeout=client._ping_timeout,
            url=api_url,
            request_timeout=client.request_timeout,
            history_size=0,
            reconnect_backoff=client._backoff_policy,
            max_reconnect_attempts=client._max_reconnect_attempts,
            session_logon=False,
            max_connection_age=client._rotate_after,
            open_timeout=client._open_timeout,
        )
        self.link = _UserDataLink(client, self)
        self.renew_lock = asyncio.Lock()
        self.keepalive_task: asyncio.Task[None] | None = None
        self.renewals = 0

    async def start(self) -> None:
        await self.api.connect()
        self.listen_key = await self.fetch_key()
        await self.link.conn.start()
        self.keepalive_task = asyncio.get_running_loop().create_task(self.keepalive(), name="listen-key-keepalive")

    async def call(self, method: str) -> Any:
        params = {"apiKey": self.api_key}
        self.client._history.record("sent", {"method": method, "params": params}, method)
        reply = await self.api.request(method, params, signed=False)
        self.client._history.record("received", reply, method)
        return reply.get("result")

    async def fetch_key(self) -> str:
        result = await self.call("userDataStream.start")
        key = result.get("listenKey") if isinstance(result, dict) else None
        if not isinstance(key, str) or not key:
            raise BinanceAPIError(
                0,
                "userDataStream.start returned no listenKey",
                method="userDataStream.start",
            )
        return key

    async def keepalive(self) -> None:
        interval = self.client._listen_key_keepalive
        delay = interval
        while True:
            await asyncio.sleep(delay)
            delay = interval
            try:
                result = await self.call("userDataStream.ping")
            except BinanceAPIError as exc:
                # -1125 (unknown key) and friends: the key is gone, get a new one.
                logger.warning("listenKey keepalive refused (code %s); renewing the key", exc.code)
                await self.renew(force_reconnect=True)
                continue
            except (ConnectionClosedError, RequestTimeoutError) as exc:
                # Retry soon: the key lives 60 minutes, the keepalive runs every 30.
                logger.warning("listenKey keepalive failed: %s", exc)
                self.client._handlers.dispatch_error(exc)
                delay = min(interval, 30.0)
                continue
            key = result.get("listenKey") if isinstance(result, dict) else None
            if isinstance(key, str) and key and key != self.listen_key:
                self.renewals += 1
                self.listen_key = key
                await self.move_link("listenKey changed")

    def expired(self, event: Any) -> None:
        key = event.get("listenKey") if isinstance(event, dict) else getattr(event, "listenKey", None)
        if key is None and not isinstance(event, dict):
            key = getattr(event, "listen_key", None)
        if isinstance(key, str) and key and key != self.listen_key:
            return  # a late notice about a key already replaced
        logger.info("listenKey expired; fetching a new one")
        self.client._spawn(self.renew(force_reconnect=True), "listen-key-renew")

    async def renew(self, *, force_reconnect: bool) -> None:
        """Ask for the current key (``start`` returns the live key, or a new one once it expired).

        Reconnects the user-data link when it is not on that key, or always when ``force_reconnect``.
        """
        if self.stopping:
            return
        async with self.renew_lock:
            try:
                key = await self.fetch_key()
            except WebSocketError as exc:
                logger.warning("listenKey renewal failed: %s", exc)
                self.client._handlers.dispatch_error(exc)
                return
            if key != self.listen_key:
                self.renewals += 1
                self.listen_key = key
            if self.link.connected_key != key or force_reconnect:
                await self.move_link("listenKey renewed")

    async def move_link(self, reason: str) -> None:
        if not self.link.conn.running:
            return
        try:
            await wait_with_timeout(self.link.conn.reconnect(reason), self.client.request_timeout)
        except (ConnectionClosedError, TimeoutError) as exc:
            # The link keeps reconnecting on its own; its URL already carries the new key.
            logger.warning("user-data link did not reconnect yet: %s", exc)

    async def stop(self) -> None:
        self.stopping = True
        task = self.keepalive_task
        self.keepalive_task = None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.link.stop()
        if self.api.is_connected and self.listen_key:
            try:
                await self.call("userDataStream.stop")
            except WebSocketError as exc:
                logger.info("userDataStream.stop failed: %s", exc)
        await self.api.disconnect()


class StreamClientBase:
    """Base of the generated streams ``BinanceWebSocketClient``.

    Parameters (all keyword except ``testnet`` and ``auth``):

    * ``url``: replaces the spec's server URL (``ws://127.0.0.1:8765``); the channel address
      (``/stream?streams=...``, ``/ws/<stream>``) is appended.
    * ``channel_urls``: base URL per channel kind (``{"combined": ..., "raw": ..., "userData": ...}``),
      for routes Binance moves (the USDⓈ-M ``/public``, ``/market``, ``/private`` split).
    * ``stream_route``: ``callable(stream) -> base URL`` for full control over which host/route serves a
      stream (streams of different routes never share a connection).
    * ``combined``: True (default) uses ``/stream`` connections whose frames name their stream; False opens
      one raw ``/ws/<stream>`` connection per stream (raw payloads cannot be routed reliably otherwise).
    * ``api_url``: the futures WS API serving ``userDataStream.*`` (default from the product profile; when
      ``url`` is given, the same host with the WS API path).
    * ``time_unit``: ``"MICROSECOND"`` or ``"MILLISECOND"`` (spot only).
    * ``max_streams_per_connection`` (default 1024; more streams open more connections),
      ``control_messages_per_second`` (default 4 spot, 8 futures), ``silence_timeout`` (default per product,
      0 disables), ``max_connection_age`` (make-before-break rotation after this many seconds; default
      23 h 45 min, 0 disables), ``rotation_overlap`` (seconds both connections stay open during a rotation),
      ``listen_key_keepalive`` (default 30 min), ``backoff`` (:class:`BackoffPolicy`), ``max_reconnect_attempts``,
      ``open_timeout``.

    Methods beyond the API client's surface: :meth:`subscribe`, :meth:`unsubscribe`, :meth:`list_subscriptions`,
    :meth:`set_property`, :meth:`get_property`, :meth:`rotate_connections`, :meth:`subscribe_user_data` and
    :meth:`unsubscribe_user_data` (futures listenKey streams).
    * ``deliver``: ``"event"`` (handlers and iterators get the typed event) or ``"routed"`` (they get the
      router's ``RoutedEvent`` with ``event_type``, ``event`` and ``stream``).
    * ``transport``: ``"websockets"`` (default) or ``"picows"``, a C websocket implementation
      (optional dependency: ``pip install picows``). Everything else behaves the same on both.
    * ``event_models``: ``"pydantic"`` (default: the models of ``models.py``) or ``"msgspec"``: the same events
      as the msgspec Structs of ``structs.py`` (same attribute names and types, several times cheaper to decode,
      no pydantic API; optional dependency: ``pip install msgspec``).
    """

    def __init__(
        self,
        testnet: bool = False,
        auth: BinanceAuth | None = None,
        *,
        spec: Spec,
        router: EventRouterLike,
        struct_router: Callable[[], EventRouterLike] | None = None,
        auto_reconnect: bool = True,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 10.0,
        url: str | None = None,
        request_timeout: float = 10.0,
        history_size: int = 1000,
        combined: bool = True,
        channel_urls: Mapping[str, str] | None = None,
        stream_route: Callable[[str], str] | None = None,
        api_url: str | None = None,
        time_unit: Literal["MILLISECOND", "MICROSECOND", "millisecond", "microsecond"] | None = None,
        max_streams_per_connection: int | None = None,
        control_messages_per_second: float | None = None,
        silence_timeout: float | None = None,
        max_connection_age: float | None = None,
        rotation_overlap: float = 1.0,
        listen_key_keepalive: float | None = None,
        backoff: BackoffPolicy | None = None,
        max_reconnect_attempts: int | None = None,
        open_timeout: float = 10.0,
        deliver: Delivery = "event",
        transport: TransportName = "websockets",
        event_models: EventModels = "pydantic",
    ) -> None:
        if spec.kind != "streams":
            raise ValueError(f"{spec.title} is not a streams spec")
        require_transport(transport)
        self.transport: TransportName = transport
        self.spec = spec
        self.profile: ProductProfile = profile_for(spec.product)
        self.event_models: EventModels = event_models
        self._router = _event_router(event_models, router, struct_router)
        self.testnet = testnet
        self.auth = auth
        self.auto_reconnect = auto_reconnect
        self.request_timeout = request_timeout
        self.combined = combined
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._open_timeout = open_timeout
        self._url_override = url
        self._channel_urls = dict(channel_urls or {})
        unknown_kinds = set(self._channel_urls) - {"raw", "combined", "userData"}
        if unknown_kinds:
            raise ValueError(f"channel_urls keys must be raw, combined or userData, not {sorted(unknown_kinds)}")
        self._stream_route = stream_route
        self._api_url = api_url
        if time_unit is not None:
            if not self.profile.supports_time_unit:
                raise ValueError(f"time_unit is not supported by {spec.product} streams")
            if time_unit.upper() not in ("MILLISECOND", "MICROSECOND"):
                raise ValueError("time_unit must be MILLISECOND or MICROSECOND")
        self._url_query = f"timeUnit={time_unit.upper()}" if time_unit is not None else ""
        limit = (
            self.profile.max_streams_per_connection
            if max_streams_per_connection is None
            else max_streams_per_connection
        )
        if limit < 1:
            raise ValueError("max_streams_per_connection must be >= 1")
        self.max_streams_per_connection = limit if combined else 1
        self._control_rate = (
            self.profile.control_messages_per_second
            if control_messages_per_second is None
            else control_messages_per_second
        )
        if self._control_rate <= 0:
            raise ValueError("control_messages_per_second must be positive")
        self._silence_timeout = self.profile.silence_timeout if silence_timeout is None else silence_timeout or None
        age = self.profile.max_connection_age if max_connection_age is None else max_connection_age
        self._rotate_after: float | None = (
            max(age - _ROTATION_MARGIN, age / 2) if max_connection_age is None else age or None
        )
        self._rotation_overlap = rotation_overlap
        self._listen_key_keepalive = (
            self.profile.listen_key_keepalive if listen_key_keepalive is None else listen_key_keepalive
        )
        self._backoff_policy = backoff or BackoffPolicy()
        self._max_reconnect_attempts = max_reconnect_attempts
        if deliver not in ("event", "routed"):
            raise ValueError('deliver must be "event" or "routed"')
        self._deliver_routed = deliver == "routed"

        self._hooks = LifecycleHooks()
        self._handlers = HandlerRegistry()
        self._iterators = IteratorSet()
        self._history = MessageHistory(history_size)
        # Market events as (time, event type, raw frame, stream of a raw connection): frames are not tracked by the
        # garbage collector, typed models are (and 1000 live models slow every collection down).
        self._event_ring: collections.deque[tuple[float, str, str | bytes, str | None]] = collections.deque(
            maxlen=max(history_size, 1)
        )
        # Per event type: the handlers, then the pushes of the iterators, that receive it.
        self._targets: dict[str, tuple[Callable[[Any], Any], ...]] = {}
        self._handlers.on_change = self._targets.clear
        self._iterators.on_change = self._targets.clear
        self._request_ids = itertools.count(1)
        self._link_ids = itertools.count(1)
        self._desired: dict[str, None] = {}
        self._shards: list[_Shard] = []
        self._stream_shard: dict[str, _Shard] = {}
        self._properties: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._user_data: _UserDataSession | None = None
        self._connected = False
        self._connect_lock = asyncio.Lock()
        self.bad_frames = 0
        """Frames that could not be decoded (each one was offered to ``__error__`` handlers)."""
        self.rotations = 0
        """Completed make-before-break rotations (age limit, serverShutdown, :meth:`rotate_connections`)."""
        self._deliver = self._build_deliver()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self: _ClientT) -> _ClientT:  # noqa: PYI019 (typing.Self needs Python 3.11)
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    @property
    def is_connected(self) -> bool:
        return self._connected and any(shard.link is not None and shard.link.conn.is_open for shard in self._shards)

    async def connect(self, uri: str | None = None) -> None:
        """Open the connections for every registered stream (one idle combined connection if there is none).

        ``uri`` replaces the server URL like the ``url`` option. Raises :class:`ConnectionClosedError` when a
        connection cannot be opened (nothing stays open then).
        """
        async with self._connect_lock:
            if self._connected:
                return
            if uri is not None:
                self._url_override = uri
            self._shards = []
            self._stream_shard = {}
            self._place(list(self._desired))
            if not self._shards:
                self._new_shard(self._market_route(""))
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
        async with self._connect_lock:
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
            self._iterators.close_all()
            await self._handlers.aclose()
            await self._hooks.cancel_pending()

    async def _close_shards(self) -> None:
        links: list[_MarketLink] = [shard.link for shard in self._shards if shard.link is not None]
        for shard in self._shards:
            shard.link = None
        await asyncio.gather(*(link.stop() for link in links), return_exceptions=True)
        self._shards = []
        self._stream_shard = {}

    def on(self, event: LifecycleEvent, callback: Callable[..., Any]) -> None:
        """Register a lifecycle callback: ``connected``, ``disconnected``, ``reconnecting``, ``reconnected``, ``failed``

        (arguments as in :class:`~._connection.LifecycleHooks`). With several shards each connection reports its own
        transitions; make-before-break rotations report none.
        """
        self._hooks.on(event, callback)

    def off(self, event: LifecycleEvent, callback: Callable[..., Any] | None = None) -> None:
        self._hooks.off(event, callback)

    # ------------------------------------------------------------------ handlers, iterators, history

    def set_handler(self, pattern: str, handler: EventHandler) -> None:
        """Call ``handler(event)`` for every event whose type matches ``pattern`` (``"*"``, globs, ``"__error__"``)."""
        self._handlers.set_handler(pattern, handler)

    def remove_handler(self, pattern: str, handler: EventHandler | None = None) -> int:
        return self._handlers.remove_handler(pattern, handler)

    def events(
        self,
        pattern: str = "*",
        *,
        maxsize: int = 10_000,
        overflow: OverflowPolicy = "drop_oldest",
    ) -> EventIterator[Any]:
        """``async for event in client.events("kline")``: a bounded queue of the matching events."""
        return self._iterators.create(pattern, maxsize=maxsize, overflow=overflow)

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
            return redact_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)

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

    def _report_bad_frame(self, raw: str | bytes, error: BaseException) -> None:
        self.bad_frames += 1
        if self.bad_frames <= 10 or self.bad_frames % 1000 == 0:
            logger.warning("undecodable frame #%d: %s", self.bad_frames, error)
        self._history.record("received", raw, None)
        self._handlers.dispatch_error(error)

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
                self._handlers.dispatch_error(error)

    # ------------------------------------------------------------------ URLs and routes

    def _server_url(self) -> str:
        if self._url_override is not None:
            return self._url_override
        return self.spec.server_url(testnet=self.testnet)

    def _market_route(self, stream: str) -> str:
        if self._stream_route is not None:
            return self._stream_route(stream)
        kind = "combined" if self.combined else "raw"
        configured = self._channel_urls.get(kind)
        if configured is not None:
            return configured
        if self._url_override is None and self.spec.routes:
            # The spec names its routes (x-stream-route): take the server of the stream's route.
            return self.spec.server_url(testnet=self.testnet, route=self.spec.route_for_stream(stream))
        base = self._server_url()
        if self._url_override is None and self._routed_umfutures(base):
            return umfutures_route(base, stream)
        return base

    def _private_route_base(self, base: str) -> str | None:
        """The USDⓈ-M private route, which takes the listenKey as a query parameter, or None elsewhere."""
        if self._url_override is not None:
            return None
        if "private" in self.spec.routes:
            return self.spec.server_url(testnet=self.testnet, route="private").rstrip("/")
        if self._routed_umfutures(base):
            return base.rstrip("/") + "/private"
        return None

    def _routed_umfutures(self, base: str) -> bool:
        return self.spec.product == "umfutures" and urlsplit(base).hostname == _UMFUTURES_MAINNET_HOST

    def _channel_address(self, kind: ChannelKind) -> str:
        channel = self.spec.channel(kind)
        return channel.address if channel is not None else _DEFAULT_ADDRESSES[kind]

    def _user_data_url(self, listen_key: str) -> str:
        configured = self._channel_urls.get("userData")
        base = configured if configured is not None else self._server_url()
        private = self._private_route_base(base) if configured is None else None
        if private is not None:
            # The private route takes the key as a query parameter and delivers only the listed events.
            events = self._user_data_event_types()
            url = private + "/ws?listenKey=" + listen_key
            return url + ("&events=" + "/".join(events) if events else "")
        return _add_query(
            base.rstrip("/") + self._channel_address("userData").replace("{listenKey}", listen_key),
            "",
        )

    def _user_data_event_types(self) -> list[str]:
        types: dict[str, None] = {}
        for event in self.spec.events:
            if "userData" in event.channel_kinds:
                types.update(dict.fromkeys(event.event_types))
        types[_LISTEN_KEY_EXPIRED] = None
        return list(types)

    def _user_data_api_url(self) -> str:
        if self._api_url is not None:
            return self._api_url
        default = self.profile.user_data_api_testnet_url if self.testnet else self.profile.user_data_api_url
        if default is None:
            raise UserDataUnavailableError(f"{self.spec.product} has no listenKey user-data API; pass api_url=")
        if self._url_override is not None:
            # A local or proxied server: keep Binance's WS API path on the overriding host.
            return self._url_override.rstrip("/") + urlsplit(default).path
        return default

    # ------------------------------------------------------------------ sharding

    def _new_shard(self, route: str) -> _Shard:
        shard = _Shard(len(self._shards), route, primary=not self._shards)
        self._shards.append(shard)
        return shard

    def _place(self, streams: Iterable[str]) -> dict[_Shard, list[str]]:
        """Assign new streams to shards (first fit on the stream's route); returns the additions per shard."""
        limit = self.max_streams_per_connection
        plan: dict[_Shard, list[str]] = {}
        for stream in streams:
            if stream in self._stream_shard:
                continue
            route = self._market_route(stream)
            target = None
            for shard in self._shards:
                if shard.route == route and len(shard.streams) < limit:
                    target = shard
                    break
            if target is None:
                target = self._new_shard(route)
            target.streams[stream] = None
            self._stream_shard[stream] = target
            plan.setdefault(target, []).append(stream)
        return plan

    def _forget(self, streams: Iterable[str]) -> None:
        for stream in streams:
            self._desired.pop(stream, None)
            shard = self._stream_shard.pop(stream, None)
            if shard is not None:
                shard.streams.pop(stream, None)

    async def _open_shard(self, shard: _Shard) -> None:
        link = _MarketLink(self, shard)
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
        plan = self._place(new)
        results = await asyncio.gather(
            *(self._subscribe_on(shard, added) for shard, added in plan.items()),
            return_exceptions=True,
        )
        self._raise_first(results)

    async def _subscribe_on(self, shard: _Shard, streams: list[str]) -> None:
        async with shard.lock:
            if shard.link is None:
                if not self._connected:
                    return
                try:
                    await self._open_shard(shard)
                except BaseException:
                    self._forget(streams)
                    self._drop_if_empty(shard)
                    raise
                return
            link = shard.link
            pending = [stream for stream in streams if stream in shard.streams]
            for index, batch in enumerate(_batches(pending, _MAX_STREAMS_PER_CONTROL_MESSAGE)):
                try:
                    await self._live_request(link, "SUBSCRIBE", batch)
                except BinanceAPIError:
                    self._forget(pending[index * _MAX_STREAMS_PER_CONTROL_MESSAGE :])
                    raise

    async def _live_request(self, link: _MarketLink, method: str, params: Any) -> None:
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
        by_shard: dict[_Shard, list[str]] = {}
        for name in names:
            shard = self._stream_shard.get(name)
            if shard is not None:
                by_shard.setdefault(shard, []).append(name)
            self._desired.pop(name, None)
        if not by_shard:
            return
        results = await asyncio.gather(
            *(self._unsubscribe_on(shard, removed) for shard, removed in by_shard.items()),
            return_exceptions=True,
        )
        self._raise_first(results)

    async def _unsubscribe_on(self, shard: _Shard, streams: list[str]) -> None:
        async with shard.lock:
            # Forget first: a reconnect while the request is in flight must not restore these streams.
            self._forget(streams)
            link = shard.link
            if link is not None and (shard.streams or shard.primary):
                for batch in _batches(streams, _MAX_STREAMS_PER_CONTROL_MESSAGE):
                    await self._live_request(link, "UNSUBSCRIBE", batch)
            await self._drop_if_empty_async(shard)

    def _drop_if_empty(self, shard: _Shard) -> None:
        if not shard.streams and not shard.primary and shard.link is None and shard in self._shards:
            self._shards.remove(shard)

    async def _drop_if_empty_async(self, shard: _Shard) -> None:
        if shard.streams or shard.primary:
            return
        link, shard.link = shard.link, None
        if link is not None:
            await link.stop()
        if shard in self._shards:
            self._shards.remove(shard)

    async def list_subscriptions(self) -> list[str]:
        """``LIST_SUBSCRIPTIONS`` on every connection; the union, in connection order."""
        results: list[str] = []
        for shard in list(self._shards):
            link = self._require_link(shard)
            reply = await link.request("LIST_SUBSCRIPTIONS")
            if isinstance(reply, list):
                results.extend(str(item) for item in reply if str(item) not in results)
        return results

    async def set_property(self, name: str, value: bool | str) -> None:
        """``SET_PROPERTY`` on every connection; remembered and re-applied after reconnects.

        ``combined`` is the only documented property. Setting it to False on combined connections makes
        frames arrive without their stream name.
        """
        links = [self._require_link(shard) for shard in list(self._shards)]
        for link in links:
            await link.request("SET_PROPERTY", [name, value])
        self._properties[name] = value

    async def get_property(self, name: str) -> bool | str | None:
        """``GET_PROPERTY`` on the first connection."""
        if not self._shards:
            raise ConnectionClosedError("not connected")
        result = await self._require_link(self._shards[0]).request("GET_PROPERTY", [name])
        return result if isinstance(result, (bool, str)) or result is None else str(result)

    def _require_link(self, shard: _Shard) -> _MarketLink:
        if not self._connected or shard.link is None:
            raise ConnectionClosedError("not connected")
        return shard.link

    @staticmethod
    def _raise_first(results: Sequence[Any]) -> None:
        for result in results:
            if isinstance(result, BaseException):
                raise result

    # ------------------------------------------------------------------ rotation

    async def rotate_connections(self, reason: str = "requested") -> None:
        """Move every shard to a fresh connection, make-before-break (what the 24 h limit does automatically)."""
        await asyncio.gather(*(self._rotate(shard, reason) for shard in list(self._shards)))

    async def _rotate(self, shard: _Shard, reason: str) -> None:
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
            standby = _MarketLink(self, shard, muted=True)
            standby.dedupe = True
            try:
                try:
                    await standby.conn.start()
                except (WebSocketError, OSError, TimeoutError) as exc:
                    await standby.stop()
                    old.dedupe = False
                    shard.overlap = {}
                    old.arm_rotation()
                    logger.warning(
                        "%s: rotation (%s) could not open a new connection: %s",
                        old.name,
                        reason,
                        exc,
                    )
                    self._handlers.dispatch_error(exc)
                    return
                shard.link = standby
                if self._rotation_overlap > 0:
                    # Frames the server sent to the old link before the new one was subscribed still arrive.
                    await asyncio.sleep(self._rotation_overlap)
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
        api_key = self.auth.api_key if self.auth is not None else None
        if not api_key:
            raise AuthenticationError("subscribe_user_data needs auth=BinanceAuth(api_key=...)")
        if self._user_data is not None:
            return
        assert self.auth is not None
        session = _UserDataSession(self, self._user_data_api_url(), self.auth, api_key)
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
