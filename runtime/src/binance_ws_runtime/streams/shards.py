"""Shards: the market streams of a client, spread over connections of at most ``max_streams_per_connection``.

* :class:`Shard`: a set of streams on one route, served by one :class:`MarketLink` at a time (two during a
  make-before-break rotation, when :meth:`Shard.is_duplicate` drops the second copy of each frame).
* :class:`ShardMap`: which shard serves each stream; new streams go to the first shard of their route with room.
* :class:`MarketLink`: a shard's connection: its URL carries the shard's streams (as many as fit), every
  reconnect restores the rest by paced ``SUBSCRIBE`` batches (and the properties set), frames go straight from
  the read callback to the client's delivery, and a timer asks for a rotation before Binance's 24 h cut.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from typing import Any, Protocol

from ..connection import CloseInfo
from ..errors import BinanceAPIError, EventDecodeError
from ..policy import SERVER_SHUTDOWN
from .links import ControlPacer, EventSink, Link, LinkContext, batches, is_server_shutdown, loads
from .routes import StreamRoutes

__all__ = ["MarketLink", "MarketLinkHost", "Shard", "ShardMap"]

logger = logging.getLogger(__name__)

# Frames seen on exactly one link during a make-before-break overlap. Bounded so that a rotation which
# never completes cannot grow memory without limit.
_MAX_OVERLAP_FRAMES = 200_000

# Control replies ({"result":null,"id":1}, {"error":{...},"id":2}, {"code":2,"msg":...}) start with one of
# these keys; events start with "stream" (combined) or a payload key. A cheap prefix test keeps replies
# out of the router; anything the test misses still reaches the reply handler through the decode-error path.
_REPLY_PREFIXES_TEXT = ('{"result"', '{"id"', '{"error"', '{"code"')
_REPLY_PREFIXES_BYTES = tuple(prefix.encode() for prefix in _REPLY_PREFIXES_TEXT)
_EVENT_PREFIX_BYTES = b'{"e":'


class Shard:
    """A set of streams served by one connection at a time (two during a rotation)."""

    def __init__(self, index: int, route: str, *, primary: bool) -> None:
        self.index = index
        self.route = route
        self.primary = primary
        """The first shard, which stays open without streams (an idle connection for control messages)."""
        self.streams: dict[str, None] = {}
        self.link: MarketLink | None = None
        self.lock = asyncio.Lock()
        self.rotating = False
        # Make-before-break overlap: frame -> id of the link that delivered it first.
        self.overlap: dict[str | bytes, int] = {}

    def is_duplicate(self, raw: str | bytes, link_id: int) -> bool:
        """During a rotation: True for the second copy of a frame, the one the other link delivers too."""
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

    @property
    def removable(self) -> bool:
        """Empty and not the first shard: its connection can go."""
        return not self.streams and not self.primary


class ShardMap:
    """Which shard serves each stream: first fit on the stream's route, ``limit`` streams per shard at most."""

    def __init__(self, limit: int, route_of: Callable[[str], str]) -> None:
        self.limit = limit
        self._route_of = route_of
        self.shards: list[Shard] = []
        self._by_stream: dict[str, Shard] = {}

    def __iter__(self) -> Iterator[Shard]:
        return iter(list(self.shards))

    def __len__(self) -> int:
        return len(self.shards)

    def __contains__(self, shard: object) -> bool:
        return shard in self.shards

    def clear(self) -> None:
        self.shards = []
        self._by_stream = {}

    def new_shard(self, route: str) -> Shard:
        shard = Shard(len(self.shards), route, primary=not self.shards)
        self.shards.append(shard)
        return shard

    def shard_of(self, stream: str) -> Shard | None:
        return self._by_stream.get(stream)

    def place(self, streams: Iterable[str]) -> dict[Shard, list[str]]:
        """Assign new streams to shards (first fit on the stream's route); returns the additions per shard."""
        plan: dict[Shard, list[str]] = {}
        for stream in streams:
            if stream in self._by_stream:
                continue
            route = self._route_of(stream)
            target = next((s for s in self.shards if s.route == route and len(s.streams) < self.limit), None)
            if target is None:
                target = self.new_shard(route)
            target.streams[stream] = None
            self._by_stream[stream] = target
            plan.setdefault(target, []).append(stream)
        return plan

    def forget(self, streams: Iterable[str]) -> None:
        """Remove streams from their shards (the shards stay, even empty: see :meth:`remove`)."""
        for stream in streams:
            shard = self._by_stream.pop(stream, None)
            if shard is not None:
                shard.streams.pop(stream, None)

    def remove(self, shard: Shard) -> None:
        if shard in self.shards:
            self.shards.remove(shard)


class MarketLinkHost(Protocol):
    """What a market link needs from its client."""

    @property
    def _link_context(self) -> LinkContext: ...

    @property
    def routes(self) -> StreamRoutes: ...

    @property
    def properties(self) -> Mapping[str, Any]:
        """Properties set with ``SET_PROPERTY``, re-applied after every reconnect."""
        ...

    def _event_sink(self) -> EventSink: ...

    def _rotate(self, shard: Shard, reason: str) -> Coroutine[Any, Any, None]:
        """Move ``shard`` to a fresh connection, make-before-break."""
        ...


_link_ids = itertools.count(1)


class MarketLink(Link):
    """A market-stream connection of one shard: combined (``/stream``) or raw (``/ws/<stream>``)."""

    def __init__(self, host: MarketLinkHost, shard: Shard, *, muted: bool = False) -> None:
        self.host = host
        self.shard = shard
        self.in_url: frozenset[str] = frozenset()
        """The streams the current connect URL carries (the others are subscribed by message)."""
        self.dedupe = False
        """Set during a rotation's overlap: frames go through :meth:`Shard.is_duplicate`."""
        self.rotation_timer: asyncio.TimerHandle | None = None
        self.link_id = next(_link_ids)
        context = host._link_context
        super().__init__(
            context,
            name=f"streams[{shard.index}]#{self.link_id}",
            muted=muted,
            pacer=ControlPacer(context.settings.control_messages_per_second),
        )

    def build_url(self) -> str:
        url, self.in_url = self.host.routes.market_url(self.shard.route, list(self.shard.streams))
        return url

    def frame_handler(self) -> Callable[[str | bytes], None]:
        self.sink = sink = self.host._event_sink()
        decode, decode_combined, decode_stream, deliver, routed_delivery, remember, _recover = sink
        now = time.time
        on_reply = self.on_reply_frame
        undecodable = self.on_undecodable
        shard = self.shard
        link = self
        link_id = self.link_id
        prefixes_text = _REPLY_PREFIXES_TEXT
        prefixes_bytes = _REPLY_PREFIXES_BYTES
        event_prefix = _EVENT_PREFIX_BYTES
        shutdown = SERVER_SHUTDOWN

        if self.host.routes.combined:

            def on_frame(raw: str | bytes) -> None:
                if link.dedupe and shard.is_duplicate(raw, link_id):
                    return
                try:
                    # Events come wrapped in {"stream": ...}; replies and notices never are, so the event path
                    # tests one prefix and the reply test runs only for what is not an event.
                    routed = decode_combined(raw) if isinstance(raw, bytes) else None
                    if routed is None:
                        if (
                            raw.startswith(prefixes_bytes) if isinstance(raw, bytes) else raw.startswith(prefixes_text)
                        ) and on_reply(raw):
                            return
                        routed = decode(raw)
                except EventDecodeError as exc:
                    undecodable(raw, exc)
                    return
                event_type = routed.event_type
                if remember is not None:
                    remember((now(), event_type, raw, None))
                deliver(event_type, routed if routed_delivery else routed.event)
                if event_type == shutdown:
                    link.server_shutdown()

            return on_frame

        def on_raw_frame(raw: str | bytes) -> None:
            if isinstance(raw, bytes):
                # Most events start with their "e"; replies never do, so only the others take the reply test.
                if not raw.startswith(event_prefix) and raw.startswith(prefixes_bytes) and on_reply(raw):
                    return
            elif raw.startswith(prefixes_text) and on_reply(raw):
                return
            if link.dedupe and shard.is_duplicate(raw, link_id):
                return
            # Raw payloads carry no stream name; a raw connection holds one stream, which names them all.
            stream = next(iter(shard.streams), None)
            try:
                routed = decode_stream(raw, stream) if isinstance(raw, bytes) else decode(raw, stream=stream)
            except EventDecodeError as exc:
                undecodable(raw, exc, stream)
                return
            event_type = routed.event_type
            if remember is not None:
                remember((now(), event_type, raw, stream))
            deliver(event_type, routed if routed_delivery else routed.event)
            if event_type == shutdown:
                link.server_shutdown()

        return on_raw_frame

    def on_undecodable(self, raw: str | bytes, error: EventDecodeError, stream: str | None = None) -> None:
        """A frame the router rejected: a serverShutdown notice or a control reply it did not expect, an event that
        drifted from the spec (delivered, unless in strict mode), or a bad frame."""
        obj = loads(raw)
        if is_server_shutdown(obj):
            self.context.history.record("received", obj, SERVER_SHUTDOWN)
            self.server_shutdown()
            return
        if isinstance(obj, dict) and self.on_reply(obj):
            return
        _decode, _decode_combined, _decode_stream, deliver, routed_delivery, remember, recover = self.sink
        routed = recover(raw, stream) if recover is not None else None
        if routed is None:
            self.context.report_bad_frame(raw, error)
            return
        if remember is not None:
            remember((time.time(), routed.event_type, raw, stream))
        deliver(routed.event_type, routed if routed_delivery else routed.event)

    def server_shutdown(self) -> None:
        if self.shard.link is self and not self.shard.rotating:
            logger.info("%s: server announced a shutdown, moving to a new connection", self.name)
            self.context.spawn(self.host._rotate(self.shard, SERVER_SHUTDOWN), f"{self.name}-shutdown")

    async def opened(self) -> None:
        missing = [stream for stream in self.shard.streams if stream not in self.in_url]
        for batch in batches(missing):
            try:
                await self.request("SUBSCRIBE", batch)
            except BinanceAPIError as exc:
                # One refused batch must not keep the other streams of the shard down.
                logger.warning("%s: restoring %d streams was refused: %s", self.name, len(batch), exc)
                self.context.report_error(exc)
        for name, value in self.host.properties.items():
            try:
                await self.request("SET_PROPERTY", [name, value])
            except BinanceAPIError as exc:
                self.context.report_error(exc)
        self.arm_rotation()

    def arm_rotation(self) -> None:
        self.cancel_rotation()
        settings = self.context.settings
        age = settings.rotate_after
        if age is None or age <= 0 or not settings.auto_reconnect:
            return
        self.rotation_timer = asyncio.get_running_loop().call_later(age, self.rotation_due)

    def rotation_due(self) -> None:
        self.rotation_timer = None
        if self.shard.link is self:
            self.context.spawn(self.host._rotate(self.shard, "connection age"), f"{self.name}-rotate")

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
