"""Futures user data: the listenKey session and its ``/ws/<listenKey>`` connection.

Binance serves the listenKey methods (``userDataStream.start`` / ``ping`` / ``stop``, apiKey only) on the
product's futures WS API (``ws-fapi`` / ``ws-dapi``), not on the streams host the spec names. The session gets a
key there, connects the user-data channel with it, keeps it alive every ``listen_key_keepalive`` seconds, and
replaces it (with a reconnect) when Binance reports ``listenKeyExpired`` or refuses a keepalive. Events reach the
client's handlers and iterators like market events; they go through the redacting history as decoded events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from ..api.client import ApiClientBase
from ..auth import BinanceAuth
from ..connection import CloseInfo
from ..errors import BinanceAPIError, ConnectionClosedError, EventDecodeError, RequestTimeoutError, WebSocketError
from ..policy import LISTEN_KEY_EXPIRED, LISTEN_KEY_PING, LISTEN_KEY_START, LISTEN_KEY_STOP
from ..routing.router import EventRouterLike
from ..spec import Spec
from ..timeouts import wait_with_timeout
from .links import EventSink, Link, LinkContext
from .routes import StreamRoutes

__all__ = ["UserDataHost", "UserDataLink", "UserDataSession", "UserDataUnavailableError"]

logger = logging.getLogger(__name__)


class UserDataUnavailableError(WebSocketError):
    """The spec has no listenKey user-data channel (spot user data lives on the WS API client)."""


class UserDataHost(Protocol):
    """What the user-data session needs from its client."""

    @property
    def spec(self) -> Spec: ...

    @property
    def testnet(self) -> bool: ...

    @property
    def _link_context(self) -> LinkContext: ...

    @property
    def routes(self) -> StreamRoutes: ...

    @property
    def router(self) -> EventRouterLike:
        """The client's event router (for the listenKey API client, which sees no events)."""
        ...

    @property
    def listen_key_keepalive(self) -> float: ...

    def _event_sink(self) -> EventSink: ...


class UserDataLink(Link):
    """The ``/ws/<listenKey>`` connection; its URL follows the current key on every (re)connect."""

    def __init__(self, host: UserDataHost, session: UserDataSession) -> None:
        self.host = host
        self.session = session
        self.connected_key = ""
        context = host._link_context
        # No make-before-break here: two sockets on one listenKey would both get every event. The age limit
        # only turns Binance's abrupt 24 h cut into an orderly reconnect.
        super().__init__(context, name="user-data", max_age=context.settings.rotate_after)

    def build_url(self) -> str:
        self.connected_key = self.session.listen_key
        return self.host.routes.user_data_url(self.session.listen_key)

    def frame_handler(self) -> Callable[[str | bytes], None]:
        decode, _decode_combined, _decode_stream, deliver, routed_delivery, _remember, recover = self.host._event_sink()
        context = self.context
        record = context.history.record
        report_bad_frame = context.report_bad_frame
        session = self.session

        def on_frame(raw: str | bytes) -> None:
            try:
                routed = decode(raw)
            except EventDecodeError as exc:
                # An event that drifted from the spec is delivered all the same (unless in strict mode).
                recovered = recover(raw, None) if recover is not None else None
                if recovered is None:
                    report_bad_frame(raw, exc)
                    return
                routed = recovered
            # User data can carry secrets: it goes through the redacting history, as a decoded event.
            event_type = routed.event_type
            record("received", routed.event, event_type)
            deliver(event_type, routed if routed_delivery else routed.event)
            if event_type == LISTEN_KEY_EXPIRED:
                session.expired(routed.event)

        return on_frame

    def closed(self, info: CloseInfo) -> None:
        super().closed(info)
        if not info.clean and not self.session.stopping:
            # The key may have expired while the link was down: check it before the next connect succeeds.
            self.context.spawn(self.session.renew(force_reconnect=False), "user-data-refresh")


class UserDataSession:
    """The futures listenKey lifecycle: start, keepalive, renewal on expiry, stop.

    The key requests go through an :class:`ApiClientBase` on the futures WS API (it brings correlation, apiKey
    handling, error mapping and its own reconnects); events come on :class:`UserDataLink`.
    """

    def __init__(self, host: UserDataHost, auth: BinanceAuth, api_key: str) -> None:
        api_url = host.routes.user_data_api_url()
        if api_url is None:
            raise UserDataUnavailableError(f"{host.spec.product} has no listenKey user-data API; pass api_url=")
        self.context = host._link_context
        settings = self.context.settings
        self.host = host
        self.api_key = api_key
        self.listen_key = ""
        self.stopping = False
        self.api = ApiClientBase(
            spec=host.spec,
            router=host.router,
            testnet=host.testnet,
            auth=auth,
            auto_reconnect=settings.auto_reconnect,
            ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_timeout,
            url=api_url,
            request_timeout=settings.request_timeout,
            history_size=0,
            reconnect_backoff=settings.backoff,
            max_reconnect_attempts=settings.max_reconnect_attempts,
            session_logon=False,
            max_connection_age=settings.rotate_after,
            open_timeout=settings.open_timeout,
        )
        self.link = UserDataLink(host, self)
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
        history = self.context.history
        history.record("sent", {"method": method, "params": params}, method)
        reply = await self.api.request(method, params, signed=False)
        history.record("received", reply, method)
        return reply.get("result")

    async def fetch_key(self) -> str:
        result = await self.call(LISTEN_KEY_START)
        key = result.get("listenKey") if isinstance(result, dict) else None
        if not isinstance(key, str) or not key:
            raise BinanceAPIError(0, f"{LISTEN_KEY_START} returned no listenKey", method=LISTEN_KEY_START)
        return key

    async def keepalive(self) -> None:
        interval = self.host.listen_key_keepalive
        delay = interval
        while True:
            await asyncio.sleep(delay)
            delay = interval
            try:
                result = await self.call(LISTEN_KEY_PING)
            except BinanceAPIError as exc:
                # -1125 (unknown key) and friends: the key is gone, get a new one.
                logger.warning("listenKey keepalive refused (code %s); renewing the key", exc.code)
                await self.renew(force_reconnect=True)
                continue
            except (ConnectionClosedError, RequestTimeoutError) as exc:
                # Retry soon: the key lives 60 minutes, the keepalive runs every 30.
                logger.warning("listenKey keepalive failed: %s", exc)
                self.context.report_error(exc)
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
        self.context.spawn(self.renew(force_reconnect=True), "listen-key-renew")

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
                self.context.report_error(exc)
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
            await wait_with_timeout(self.link.conn.reconnect(reason), self.context.settings.request_timeout)
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
                await self.call(LISTEN_KEY_STOP)
            except WebSocketError as exc:
                logger.info("%s failed: %s", LISTEN_KEY_STOP, exc)
        await self.api.disconnect()
