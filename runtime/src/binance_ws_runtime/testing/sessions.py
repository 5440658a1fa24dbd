"""The stateful WS API methods Binance serves whatever the spec lists: ``session.logon`` / ``status`` / ``logout``,
the spot user data subscriptions (with ``eventStreamTerminated`` when they end) and the futures listenKey methods."""

from __future__ import annotations

from typing import Any

from ..policy import SESSION_LOGON_KEY_TYPES, integer_param
from .core import MockServerCore
from .state import (
    MSG_INVALID_KEY,
    Followups,
    MockConnection,
    MockRequest,
    Outcome,
    Reject,
    SessionRevoked,
    UserSubscription,
)

__all__ = ["SessionMethods"]


class SessionMethods(MockServerCore):
    """Sessions, user data subscriptions and listenKeys (a part of :class:`~.server.MockServerBase`)."""

    def _session_result(self, connection: MockConnection) -> dict[str, Any]:
        result: dict[str, Any] = {
            "apiKey": connection.logged_on_key,
            "authorizedSince": connection.authorized_since,
            "connectedSince": connection.connected_since,
            "returnRateLimits": connection.return_rate_limits,
            "serverTime": self.server_time_ms(),
        }
        if self.product == "spot":
            result["userDataStream"] = bool(connection.user_subscriptions)
        return result

    def _session_logon(self, request: MockRequest) -> Outcome:
        assert request.api_key is not None
        registered = self._keys[request.api_key]
        if registered.key_type not in SESSION_LOGON_KEY_TYPES:
            label = "HMAC-SHA-256" if registered.key_type == "hmac" else "RSA"
            if self._futures:
                raise Reject(-1002, f"{label} API key is not supported for session logon; use an Ed25519 key.")
            raise Reject(-2028, f"{label} API key is not supported.")
        connection = request.connection
        followups = self._end_logon_subscriptions(connection) if connection.logged_on_key != request.api_key else []
        connection.logged_on_key = request.api_key
        connection.authorized_since = self.server_time_ms()
        return self._session_result(connection), followups

    def _session_status(self, request: MockRequest) -> Outcome:
        return self._session_result(request.connection), []

    def _session_logout(self, request: MockRequest) -> Outcome:
        connection = request.connection
        followups = self._end_logon_subscriptions(connection)
        connection.logged_on_key = None
        connection.authorized_since = None
        return self._session_result(connection), followups

    def _end_logon_subscriptions(self, connection: MockConnection) -> Followups:
        ended = [s.subscription_id for s in connection.user_subscriptions.values() if s.via_logon]
        return [self._terminate_subscription(connection, subscription_id) for subscription_id in ended]

    def _terminate_subscription(self, connection: MockConnection, subscription_id: int) -> tuple[MockConnection, Any]:
        del connection.user_subscriptions[subscription_id]
        event = {"e": "eventStreamTerminated", "E": self.server_time_ms()}
        return connection, {"subscriptionId": subscription_id, "event": event}

    def _session_subscriptions(self, request: MockRequest) -> Outcome:
        return [{"subscriptionId": sid} for sid in request.connection.user_subscriptions], []

    def _user_data_subscribe(self, request: MockRequest) -> Outcome:
        connection = request.connection
        via_logon = request.method == "userDataStream.subscribe"
        if via_logon:
            if connection.logged_on_key is None:
                raise Reject(-1193, "WebSocket session not authenticated.")
            if connection.logged_on_key in self._revoked_keys or connection.logged_on_key not in self._keys:
                connection.logged_on_key = None
                raise SessionRevoked
            api_key = connection.logged_on_key
            registered = self._keys[api_key]
            if "USER_STREAM" not in registered.permissions:
                raise Reject(-2015, MSG_INVALID_KEY)
        else:
            assert request.api_key is not None
            api_key = request.api_key
        if any(s.api_key == api_key for s in connection.user_subscriptions.values()):
            raise Reject(-2035, "User Data Stream subscription already active.")
        if connection.next_subscription_id >= self.max_subscription_ids:
            raise Reject(-2042, "Maximum subscription ID reached for this connection.")
        subscription_id = connection.next_subscription_id
        connection.next_subscription_id += 1
        connection.user_subscriptions[subscription_id] = UserSubscription(subscription_id, api_key, via_logon)
        return {"subscriptionId": subscription_id}, []

    def _user_data_unsubscribe(self, request: MockRequest) -> Outcome:
        connection = request.connection
        if "subscriptionId" in request.params:
            # An INT parameter: a JSON number or a numeric string ("0"), as Binance reads it.
            subscription_id = integer_param(request.params["subscriptionId"])
            if subscription_id is None:
                raise Reject(-1102, "Mandatory parameter 'subscriptionId' was not sent, was empty/null, or malformed.")
            if subscription_id not in connection.user_subscriptions:
                raise Reject(-2036, "User Data Stream subscription not active.")
            return {}, [self._terminate_subscription(connection, subscription_id)]
        ended = list(connection.user_subscriptions)
        return {}, [self._terminate_subscription(connection, subscription_id) for subscription_id in ended]

    def _listen_key_not_found(self) -> Reject:
        route = "dapi" if self.product == "cmfutures" else "fapi"
        return Reject(-1125, f"This listenKey does not exist. Please use POST /{route}/v1/listenKey to recreate it.")

    def _listen_key_start(self, request: MockRequest) -> Outcome:
        assert request.api_key is not None
        return {"listenKey": self.listen_keys.start(request.api_key)}, []

    def _listen_key_ping(self, request: MockRequest) -> Outcome:
        assert request.api_key is not None
        key = self.listen_keys.keepalive(request.api_key)
        if key is None:
            raise self._listen_key_not_found()
        return {"listenKey": key}, []

    def _listen_key_stop(self, request: MockRequest) -> Outcome:
        assert request.api_key is not None
        key = self.listen_keys.key_for(request.api_key)
        if key is None:
            raise self._listen_key_not_found()
        self.listen_keys.invalidate(key)
        return {}, []
