"""ApiClientBase: the WebSocket API client runtime (requests, signing, session logon, user data).

The rendered ``client.py`` subclasses it as ``BinanceWebSocketClient`` and adds one typed coroutine per
operation, each calling :meth:`ApiClientBase._call`.

Request path: one future per request, resolved by the reader from the reply ``id``; a timer handle (not
a task) enforces the timeout. Replies and events are told apart by shape: replies carry ``status``/``id``,
user-data events carry ``event`` (and usually ``subscriptionId``), connection events carry ``event`` only.

Drift (unless ``strict=True``): a reply its response model rejects, or a user-data event the router rejects, is
decoded once more from its frame, tolerating what Binance changed (``routing/drift.py``), and counted in
``drift_report()``; what even that cannot read stays an :class:`EventDecodeError`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..auth import BinanceAuth, Clock, json_dumps_wire
from ..backoff import BackoffPolicy
from ..connection import CloseInfo, ManagedConnection
from ..core.client import ClientCore
from ..core.correlator import Correlator
from ..core.iterators import OverflowPolicy
from ..errors import (
    AuthenticationError,
    BinanceAPIError,
    ConnectionClosedError,
    EventDecodeError,
    RequestTimeoutError,
    TimestampError,
    error_from_reply,
)
from ..policy import (
    ALWAYS_SIGNED,
    DEFAULT_CHANNEL_ADDRESSES,
    EVENT_STREAM_TERMINATED,
    SERVER_SHUTDOWN,
    SESSION_LOGON,
    SESSION_LOGOUT,
    TIME_UNITS,
    USER_DATA_SUBSCRIBE,
    USER_DATA_SUBSCRIBE_SIGNATURE,
    USER_DATA_UNSUBSCRIBE,
    has_spot_user_data,
    profile_for,
    time_sync_method,
)
from ..routing.drift import PYDANTIC_SHAPES, TolerantDecodeError, exact_loads, tolerant_convert
from ..routing.router import EventRouterLike, RoutedEvent
from ..spec import OperationSpec, Spec
from ..wire.transport import TransportName, require_transport

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["USER_DATA_STREAM", "ApiClientBase"]

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound="BaseModel")

USER_DATA_STREAM = "user_data_stream"
"""Channel name for :meth:`ApiClientBase.subscribe`: the account's user data stream."""

_MAX_RAW_IN_ERROR = 2048
_RESTORE_TIMEOUT_FLOOR = 5.0


def _truncate(raw: str | bytes) -> str | bytes:
    return raw if len(raw) <= _MAX_RAW_IN_ERROR else raw[:_MAX_RAW_IN_ERROR]


class ApiClientBase(ClientCore):
    """Binance WebSocket API client: typed requests, signing, session logon, user data, resilience.

    Handlers, iterators, history, lifecycle callbacks and the connect/disconnect contract are the client core's
    (:class:`~..core.client.ClientCore`), the same as the streams client's.

    Options (keyword arguments of the rendered ``BinanceWebSocketClient``):

    * ``testnet``, ``url``: the server (``url`` = scheme, host and path, e.g. ``ws://127.0.0.1:8765/ws-api/v3``;
      the spec's API channel address is appended to it);
    * ``auth``: a :class:`~.auth.BinanceAuth` for signed requests;
    * ``request_timeout``: seconds to wait for each reply (:class:`RequestTimeoutError`);
    * ``auto_reconnect``, ``reconnect_backoff`` (:class:`BackoffPolicy`), ``max_reconnect_attempts`` (None: no
      limit), ``wait_for_reconnect``: requests made while reconnecting wait for the new link within their timeout
      (True) or fail at once with :class:`ConnectionClosedError` (False);
    * ``ping_interval``/``ping_timeout``: our own keepalive pings (server pings are always answered);
      ``silence_timeout``: no traffic at all for this long means a dead link (default per product);
      ``max_connection_age``: reconnect before Binance's 24 h cut (default 23.5 h, None to disable);
    * ``recv_window``: added to every signed request; ``time_unit``: ``"MILLISECOND"``/``"MICROSECOND"`` (spot);
      ``return_rate_limits``: False asks the server to drop ``rateLimits`` from replies;
    * ``session_logon``: None (default) logs on at connect when ``auth`` is Ed25519, True requires it, False never;
    * ``history_size``: messages kept by :meth:`get_message_history` (0: off);
      ``events_queue_size``/``events_overflow``: default queue of :meth:`events` iterators;
    * ``transport``: ``"websockets"`` (default) or ``"picows"`` (optional and faster: ``pip install picows``);
    * ``strict``: False (default) delivers replies and events that drifted from the spec (a required field gone,
      an unlisted enum value, a number where the spec says string, an unknown event type as ``UnknownEvent``) and
      counts them in :meth:`drift_report`; True rejects them as :class:`EventDecodeError`.
    """

    def __init__(
        self,
        *,
        spec: Spec,
        router: EventRouterLike,
        testnet: bool = False,
        auth: BinanceAuth | None = None,
        auto_reconnect: bool = True,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 10,
        url: str | None = None,
        request_timeout: float = 10.0,
        history_size: int = 1000,
        reconnect_backoff: BackoffPolicy | None = None,
        max_reconnect_attempts: int | None = None,
        wait_for_reconnect: bool = True,
        recv_window: int | float | str | None = None,
        time_unit: str | None = None,
        return_rate_limits: bool | None = None,
        session_logon: bool | None = None,
        max_connection_age: float | None = 23.5 * 3600,
        silence_timeout: float | None = None,
        events_queue_size: int = 10_000,
        events_overflow: OverflowPolicy = "drop_oldest",
        open_timeout: float = 10.0,
        connect_options: Mapping[str, Any] | None = None,
        transport: TransportName = "websockets",
        strict: bool = False,
    ) -> None:
        require_transport(transport)
        if request_timeout <= 0:
            raise ValueError("request_timeout must be > 0")
        profile = profile_for(spec.product)
        if time_unit is not None:
            if time_unit not in TIME_UNITS:
                raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}")
            if not profile.supports_time_unit or spec.product != "spot":
                raise ValueError(f"time_unit is only supported by the spot WebSocket API, not {spec.product}")
        if session_logon and auth is not None:
            auth.require_session_logon_support()
        super().__init__(
            history_size=history_size,
            events_queue_size=events_queue_size,
            events_overflow=events_overflow,
            strict=strict,
        )
        self.spec = spec
        self._router = router
        self.testnet = testnet
        self.auth = auth
        self.auto_reconnect = auto_reconnect
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.request_timeout = request_timeout
        self.reconnect_backoff = reconnect_backoff or BackoffPolicy()
        self.max_reconnect_attempts = max_reconnect_attempts
        self.wait_for_reconnect = wait_for_reconnect
        self.recv_window = recv_window
        self.time_unit = time_unit
        self.return_rate_limits = return_rate_limits
        self.transport: TransportName = transport
        self.auto_session_logon = session_logon
        """The ``session_logon`` option (named apart from the rendered ``session_logon()`` method)."""
        self.max_connection_age = max_connection_age
        self.silence_timeout = silence_timeout if silence_timeout is not None else profile.silence_timeout
        self.open_timeout = open_timeout
        self.connect_options = dict(connect_options or {})
        self._base_url = url

        self._clock = auth.clock if auth is not None else Clock()
        self._conn: ManagedConnection | None = None
        self._uri_override: str | None = None
        self._requests = Correlator()
        self._rate_limits: list[dict[str, Any]] = []
        # Session state: what the server has now, and what must be restored after a reconnect.
        self._logged_on = False
        self._logon_wanted = False
        self._user_data_method: str | None = None
        self._user_data_subscriptions: set[int] = set()
        self._connected_once = False
        self.hooks.on("failed", self._on_gave_up)

    # ------------------------------------------------------------------ lifecycle

    def _channel_url(self) -> str:
        if self._uri_override is not None:
            return self._uri_override
        base = self._base_url if self._base_url is not None else self.spec.server_url(testnet=self.testnet)
        channel = self.spec.channel("api")
        address = channel.address if channel is not None else DEFAULT_CHANNEL_ADDRESSES["api"]
        if address not in ("", "/"):
            base = base.rstrip("/") + "/" + address.lstrip("/")
        query: list[str] = []
        if self.time_unit is not None:
            query.append(f"timeUnit={self.time_unit}")
        if self.return_rate_limits is False:
            query.append("returnRateLimits=false")
        if query:
            base += ("&" if "?" in base else "?") + "&".join(query)
        return base

    @property
    def url(self) -> str:
        """The URL the client connects to (the WS API URL carries no secret)."""
        return self._channel_url()

    @property
    def is_connected(self) -> bool:
        return self._conn is not None and self._conn.is_open

    async def connect(self, uri: str | None = None) -> None:
        """Open the connection (and log on when configured). ``uri`` replaces the whole URL for this client."""
        await super().connect(uri)

    async def _open(self, uri: str | None) -> None:
        if self._conn is not None and self._conn.running:
            return
        if uri is not None:
            self._uri_override = uri
        self._connected_once = False
        conn = ManagedConnection(
            self._channel_url,
            on_frame=self._on_frame,
            on_open=self._on_open,
            on_close=self._on_close,
            hooks=self.hooks,
            backoff=self.reconnect_backoff.build(self.max_reconnect_attempts),
            auto_reconnect=self.auto_reconnect,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            silence_timeout=self.silence_timeout,
            max_age=self.max_connection_age,
            open_timeout=self.open_timeout,
            connect_options=self.connect_options,
            transport=self.transport,
            name=f"{self.spec.product}-ws-api",
        )
        self._conn = conn
        try:
            await conn.start()
        except BaseException:
            self._conn = None
            raise

    async def _close(self) -> None:
        conn = self._conn
        if conn is not None:
            await conn.stop()
        self._requests.fail_all(ConnectionClosedError("client disconnected", code=1000, reason="client disconnect"))
        # An explicit disconnect ends the session: a later connect() starts afresh.
        self._logged_on = False
        self._logon_wanted = False
        self._user_data_method = None
        self._user_data_subscriptions.clear()

    def _reconnects(self) -> int:
        return self._conn.reconnects if self._conn is not None else 0

    async def reconnect(self, reason: str = "requested by the user") -> None:
        """Close the link and open a new one now; session logon and user data are restored."""
        if self._conn is None:
            raise ConnectionClosedError("not connected")
        await self._conn.reconnect(reason)

    def _on_gave_up(self, info: CloseInfo) -> None:
        self._iterators.close_all(ConnectionClosedError(f"connection lost for good: {info}", code=info.code))

    async def _on_open(self) -> None:
        first = not self._connected_once
        self._connected_once = True
        auth = self.auth
        auto_logon = self.auto_session_logon is True or (
            self.auto_session_logon is None and auth is not None and auth.supports_session_logon
        )
        if auth is not None and (self._logon_wanted or auto_logon):
            await self._restore_step(SESSION_LOGON, first)
        if self._user_data_method is not None:
            method = self._user_data_method
            if method == USER_DATA_SUBSCRIBE and not self._logged_on:
                method = USER_DATA_SUBSCRIBE_SIGNATURE
            await self._restore_step(method, first)

    async def _restore_step(self, method: str, first: bool) -> None:
        timeout = max(self.request_timeout, _RESTORE_TIMEOUT_FLOOR)
        try:
            await self._request(method, None, timeout=timeout, internal=True)
        except (BinanceAPIError, RequestTimeoutError) as exc:
            if first:
                raise
            # A failed step must not keep the connection from coming back; the user hears of it as an error.
            logger.error("restoring the session after a reconnect: %s failed: %s", method, exc)
            self._report_error(exc)

    def _on_close(self, info: CloseInfo) -> None:
        self._logged_on = False
        self._user_data_subscriptions.clear()
        self._requests.fail_all(ConnectionClosedError(f"connection lost: {info}", code=info.code, reason=info.reason))

    # ------------------------------------------------------------------ frames

    def _on_frame(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self._bad_frame(EventDecodeError("binary frame on a JSON connection", _truncate(frame)), frame)
            return
        try:
            message = json.loads(frame)
        except ValueError as exc:
            self._bad_frame(EventDecodeError("frame is not valid JSON", _truncate(frame), cause=exc), frame)
            return
        if not isinstance(message, dict):
            self._bad_frame(EventDecodeError("frame is not a JSON object", _truncate(frame)), frame)
            return
        rate_limits = message.get("rateLimits")
        if rate_limits is not None:
            self._rate_limits = rate_limits
        if "event" in message and "status" not in message:
            self._on_event(message, frame)
        elif "id" in message:
            self._on_reply(message, frame)
        else:
            self._bad_frame(EventDecodeError("frame is neither a reply nor an event", _truncate(frame)), frame)

    def _bad_frame(self, error: EventDecodeError, frame: str | bytes) -> None:
        self._counters.decode_errors += 1
        logger.warning("undecodable frame (%d so far): %s", self._counters.decode_errors, error)
        self._history.record("received", frame)
        self._report_error(error)

    def _on_reply(self, reply: dict[str, Any], frame: str) -> None:
        request_id = reply["id"]
        request = self._requests.take(request_id)
        self._history.record("received", reply, request.method if request is not None else None)
        if request_id is None:
            self._on_unsolicited_error(reply)
            return
        if request is None:
            self._counters.late_replies += 1
            logger.debug("reply to unknown or expired request id %r", request_id)
            return
        # The frame goes along: a reply that drifted from its model is decoded again from the exact text.
        request.resolve((reply, frame))

    def _on_unsolicited_error(self, reply: dict[str, Any]) -> None:
        self._counters.unsolicited_errors += 1
        error = error_from_reply(reply, product=self.spec.product)
        if reply.get("status") == 401:
            # The logged-on key was revoked. Binance answers the request that found out with this id-less
            # error, so the requests that relied on the session fail with it instead of timing out.
            self._logged_on = False
            self._logon_wanted = False
            logger.error("session key revoked by the server: %s", error.msg)
            self._requests.fail_all(error, where=lambda request: request.via_session)
        else:
            logger.warning("error reply without a request id: %s", error)
        self._report_error(error)

    def _on_event(self, message: dict[str, Any], frame: str) -> None:
        inner = message.get("event")
        if isinstance(inner, dict) and inner.get("e") == SERVER_SHUTDOWN and "subscriptionId" not in message:
            self._history.record("received", message, SERVER_SHUTDOWN)
            self._on_server_shutdown()
            # Handlers get the typed notice when the models know it; an odd field in it changes nothing.
            try:
                shutdown = self._router.from_object(message)
            except Exception:
                logger.debug("serverShutdown notice not decodable as a typed event", exc_info=True)
                return
            self._deliver(shutdown.event_type, shutdown.event)
            return
        try:
            routed = self._router.from_object(message)
        except EventDecodeError as exc:
            recovered = self._recover_event(frame)
            if recovered is None:
                if exc.raw is None:
                    exc.raw = _truncate(frame)
                self._bad_frame(exc, frame)
                return
            routed = recovered
        except Exception as exc:
            self._bad_frame(EventDecodeError(f"event could not be decoded: {exc}", _truncate(frame), cause=exc), frame)
            return
        event_type = routed.event_type
        self._history.record("received", message, event_type)
        if event_type == EVENT_STREAM_TERMINATED:
            self._on_stream_terminated(routed.subscription_id)
        self._deliver(event_type, routed.event)

    def _recover_event(self, frame: str) -> RoutedEvent | None:
        """The event of a frame the router rejected, decoded tolerating drift; None in strict mode or when even
        that fails."""
        if self.strict:
            return None
        try:
            return self._drifted(self._router.decode_tolerant(frame))
        except EventDecodeError:
            return None
        except Exception:  # a bug in the tolerant path must not cost more than the frame it could not save
            logger.exception("tolerant decoding failed; the frame is reported as undecodable")
            return None

    def _on_server_shutdown(self) -> None:
        logger.info("server announced a shutdown; reconnecting ahead of the cut")
        if self._conn is not None and self.auto_reconnect:
            self._conn.request_reconnect(SERVER_SHUTDOWN)

    def _on_stream_terminated(self, subscription_id: int | None) -> None:
        if subscription_id is not None:
            self._user_data_subscriptions.discard(subscription_id)
        if not self._user_data_subscriptions:
            # Ended by logout, unsubscribe or expiry: the server does not want it restored either.
            self._user_data_method = None
        logger.info("user data subscription %s terminated by the server", subscription_id)

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send any method (also ones the spec does not know yet); return the raw reply (``result`` + envelope).

        Signed when the spec says so, or when ``signed=True``. Raises a :class:`BinanceAPIError` subclass on an
        error reply, :class:`RequestTimeoutError`, or :class:`ConnectionClosedError`.
        """
        return await self._request(method, params, signed=signed, timeout=timeout)

    async def _call(self, method: str, params: Mapping[str, Any] | None, response_model: type[ModelT]) -> ModelT:
        reply, frame = await self._request_reply(method, params)
        try:
            return response_model.model_validate(reply)
        except Exception as exc:
            recovered = None if self.strict else self._recover_reply(method, frame, response_model)
            if recovered is not None:
                return recovered
            raise EventDecodeError(
                f"{method} reply does not match {response_model.__name__}: {exc}", json.dumps(reply)[:2048], cause=exc
            ) from exc

    def _recover_reply(self, method: str, frame: str, response_model: type[ModelT]) -> ModelT | None:
        """A reply its model rejected, decoded tolerating drift (from the frame: numbers keep their exact text)."""
        try:
            obj, texts = exact_loads(frame)
            reply, deviations = tolerant_convert(PYDANTIC_SHAPES, response_model, obj, texts)
        except (TolerantDecodeError, ValueError):
            return None
        except Exception:  # a bug in the tolerant path must not hide the reply's own decode error
            logger.exception("tolerant decoding of a %s reply failed", method)
            return None
        if not isinstance(reply, response_model):
            return None
        self._drift.record(method, response_model.__name__, deviations)
        return reply

    async def _request(
        self,
        method: str,
        params: Mapping[str, Any] | None,
        *,
        signed: bool | None = None,
        timeout: float | None = None,
        internal: bool = False,
    ) -> dict[str, Any]:
        reply, _frame = await self._request_reply(method, params, signed=signed, timeout=timeout, internal=internal)
        return reply

    async def _request_reply(
        self,
        method: str,
        params: Mapping[str, Any] | None,
        *,
        signed: bool | None = None,
        timeout: float | None = None,
        internal: bool = False,
    ) -> tuple[dict[str, Any], str]:
        """:meth:`_request`, returning the reply's frame too."""
        timeout = self.request_timeout if timeout is None else timeout
        operation = self.spec.operations.get(method)
        if method == SESSION_LOGON:
            self._require_auth(method).require_session_logon_support()
        conn = self._conn
        if conn is None or not conn.running:
            raise ConnectionClosedError("not connected: call connect() or use 'async with client'")
        if not internal and not conn.is_ready:
            await self._wait_for_link(conn, method, timeout)
        retried_timestamp = False
        while True:
            wire_params, via_session = self._prepare_params(method, operation, params, signed)
            reply, frame = await self._exchange(conn, method, wire_params, timeout, via_session)
            status = reply.get("status")
            if "error" not in reply and (not isinstance(status, int) or status < 400):
                self._after_success(method, wire_params, reply)
                return reply, frame
            error = error_from_reply(reply, product=self.spec.product, method=method, request_id=reply.get("id"))
            if isinstance(error, TimestampError) and not retried_timestamp and "timestamp" in wire_params:
                retried_timestamp = True
                logger.warning(
                    "%s rejected for its timestamp (%s); resyncing the clock and retrying once", method, error.msg
                )
                await self.sync_time()
                continue
            raise error

    async def _wait_for_link(self, conn: ManagedConnection, method: str, timeout: float) -> None:
        if not self.wait_for_reconnect:
            raise ConnectionClosedError(f"{method}: the connection is reconnecting")
        try:
            await conn.wait_open(timeout)
        except TimeoutError:
            raise RequestTimeoutError(method, "unsent", timeout) from None

    def _require_auth(self, method: str) -> BinanceAuth:
        if self.auth is None:
            raise AuthenticationError(f"{method} needs credentials: pass auth=BinanceAuth(...)", method=method)
        return self.auth

    def _prepare_params(
        self,
        method: str,
        operation: OperationSpec | None,
        params: Mapping[str, Any] | None,
        signed: bool | None,
    ) -> tuple[dict[str, Any], bool]:
        """The params to send, and whether they rely on the logged-on session instead of own credentials."""
        wire: dict[str, Any] = {name: value for name, value in params.items() if value is not None} if params else {}
        needs_signature = signed if signed is not None else (operation is not None and operation.signed)
        if needs_signature:
            auth = self._require_auth(method)
            if self.recv_window is not None and "recvWindow" not in wire:
                wire["recvWindow"] = self.recv_window
            if self._logged_on and method not in ALWAYS_SIGNED:
                wire.pop("apiKey", None)
                wire.pop("signature", None)
                if "timestamp" not in wire:
                    wire["timestamp"] = auth.timestamp()
                return wire, True
            return auth.create_signed_params(wire), False
        if operation is not None and operation.api_key and "apiKey" not in wire:
            if self._logged_on:
                return wire, True
            api_key = self._require_auth(method).api_key
            if api_key is None:
                raise AuthenticationError(f"{method} needs an API key, and auth has none", method=method)
            wire["apiKey"] = api_key
        return wire, False

    async def _exchange(
        self, conn: ManagedConnection, method: str, params: dict[str, Any], timeout: float, via_session: bool = False
    ) -> tuple[dict[str, Any], str]:
        """Send one request; its reply, and the reply's frame."""

        async def send(request_id: int) -> None:
            message: dict[str, Any] = {"id": request_id, "method": method}
            if params:
                message["params"] = params
            text = json_dumps_wire(message)
            self._history.record("sent", message, method)
            await conn.send(text)
            self._counters.requests_sent += 1

        reply: tuple[dict[str, Any], str] = await self._requests.call(method, send, timeout, via_session=via_session)
        return reply

    def _after_success(self, method: str, params: Mapping[str, Any], reply: Mapping[str, Any]) -> None:
        if method == SESSION_LOGON:
            self._logged_on = True
            self._logon_wanted = True
        elif method == SESSION_LOGOUT:
            self._logged_on = False
            self._logon_wanted = False
            if self._user_data_method == USER_DATA_SUBSCRIBE:
                self._user_data_method = None
        elif method in (USER_DATA_SUBSCRIBE, USER_DATA_SUBSCRIBE_SIGNATURE):
            self._user_data_method = method
            result = reply.get("result")
            if isinstance(result, Mapping) and isinstance(result.get("subscriptionId"), int):
                self._user_data_subscriptions.add(result["subscriptionId"])
        elif method == USER_DATA_UNSUBSCRIBE:
            subscription_id = params.get("subscriptionId")
            if subscription_id is None:
                self._user_data_subscriptions.clear()
            else:
                self._user_data_subscriptions.discard(subscription_id)
            if not self._user_data_subscriptions:
                self._user_data_method = None

    # ------------------------------------------------------------------ session, time, user data

    @property
    def logged_on(self) -> bool:
        """True while the session is authenticated with ``session.logon``."""
        return self._logged_on

    @property
    def clock(self) -> Clock:
        return self._clock

    async def sync_time(self) -> float:
        """Measure the offset to the server clock (``time``, or ``session.status`` on futures); returns it in ms."""
        method = time_sync_method(self.spec.operations)
        before = self._clock.local_ms()
        reply = await self._request(method, None)
        after = self._clock.local_ms()
        result = reply.get("result")
        server_time = result.get("serverTime") if isinstance(result, Mapping) else None
        if not isinstance(server_time, (int, float)):
            raise EventDecodeError(f"{method} reply carries no serverTime", json.dumps(reply)[:2048])
        offset = self._clock.sync(server_time, before, after)
        logger.info("clock offset to the server: %.1f ms", offset)
        return offset

    async def subscribe(self, channel: str, params: Mapping[str, Any] | None = None) -> int | None:
        """Subscribe to ``"user_data_stream"``; returns the subscription id.

        With an Ed25519 key the session is logged on (if not yet) and ``userDataStream.subscribe`` is used;
        HMAC and RSA keys use ``userDataStream.subscribe.signature``. Restored after every reconnect.
        """
        if channel != USER_DATA_STREAM:
            raise ValueError(f"unknown channel {channel!r}; the WebSocket API client offers {USER_DATA_STREAM!r}")
        if not has_spot_user_data(self.spec):
            raise ValueError(
                f"{self.spec.product} user data arrives over a listenKey stream: get a key with "
                "user_data_stream_start() and pass it to the streams client"
            )
        auth = self._require_auth(USER_DATA_SUBSCRIBE)
        if auth.supports_session_logon:
            if not self._logged_on:
                await self._request(SESSION_LOGON, None)
            reply = await self._request(USER_DATA_SUBSCRIBE, params)
        else:
            reply = await self._request(USER_DATA_SUBSCRIBE_SIGNATURE, params)
        result = reply.get("result")
        subscription_id = result.get("subscriptionId") if isinstance(result, Mapping) else None
        return subscription_id if isinstance(subscription_id, int) else None

    async def unsubscribe(self, channel: str, subscription_id: int | None = None) -> None:
        """End the user data subscription(s) (one by id, or all) and stop restoring them on reconnect."""
        if channel != USER_DATA_STREAM:
            raise ValueError(f"unknown channel {channel!r}; the WebSocket API client offers {USER_DATA_STREAM!r}")
        ids = [subscription_id] if subscription_id is not None else sorted(self._user_data_subscriptions)
        if not ids:
            await self._request(USER_DATA_UNSUBSCRIBE, None)
        for sid in ids:
            await self._request(USER_DATA_UNSUBSCRIBE, {"subscriptionId": sid})
        if subscription_id is None:
            self._user_data_method = None

    @property
    def user_data_subscriptions(self) -> frozenset[int]:
        return frozenset(self._user_data_subscriptions)

    # ------------------------------------------------------------------ counters

    @property
    def rate_limits(self) -> list[dict[str, Any]]:
        """The ``rateLimits`` of the latest reply that carried them (usage as counted by the server)."""
        return list(self._rate_limits)

    @property
    def pending_requests(self) -> int:
        return len(self._requests)
