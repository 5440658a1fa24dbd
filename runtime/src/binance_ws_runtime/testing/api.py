"""The WS API side: request framing and ids, authentication (apiKey, timestamp within recvWindow, HMAC / RSA / Ed25519
signatures), parameter checks, injected failures and delays, and the answers: a handler's, a set result, a built-in
method's or the operation's reply template fitted to the request (:mod:`.replies`).

Binance's rules (the methods it serves whatever a spec lists, their security and parameters, the parameters it
documents per method, how it reads parameter values, the timing window) come from :mod:`..policy`."""

from __future__ import annotations

import asyncio
import copy
import inspect
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ..auth import build_signature_payload, verify_signature
from ..policy import (
    LISTEN_KEY_METHODS,
    METHOD_PARAMS,
    METHOD_SECURITY,
    RECV_WINDOW_DEFAULT_MS,
    RECV_WINDOW_MAX_MS,
    TIMESTAMP_AHEAD_TOLERANCE_MS,
    MethodSecurity,
    accepted_params,
    accepts_microsecond_timestamps,
    boolean_param,
    decimal_recv_window,
    decimals_as_strings,
    documented_params,
    integer_param,
    protocol_methods,
    valid_request_id,
)
from ..spec import OperationSpec
from .replies import fit_result
from .sessions import SessionMethods
from .state import (
    MSG_INVALID_KEY,
    BuiltinMethod,
    Followups,
    MockConnection,
    MockReplyError,
    MockRequest,
    Outcome,
    Reject,
    SessionRevoked,
)

if TYPE_CHECKING:
    from .server import MockServerBase

__all__ = ["ApiRequests"]

_REQUEST_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$"
_MAX_DELAYED_REPLIES = 256
_MSG_BAD_SIGNATURE = "Signature for this request is not valid."
_NO_SECURITY = MethodSecurity(signed=False, api_key=False)


class ApiRequests(SessionMethods):
    """WS API requests and their answers (a part of :class:`~.server.MockServerBase`)."""

    async def _handle_api(self, connection: MockConnection, message: str | bytes, decoded: Any) -> None:
        request_id: Any = None
        method = ""
        followups: Followups = []
        try:
            if isinstance(message, bytes) or isinstance(decoded, str):
                raise Reject(-1135, "Invalid JSON request.")
            if not isinstance(decoded, dict):
                raise Reject(-1135, "Invalid JSON request: expected a JSON object.")
            if "id" not in decoded:
                raise Reject(-1102, "Mandatory parameter 'id' was not sent, was empty/null, or malformed.")
            if not self._valid_api_id(decoded["id"]):
                raise Reject(
                    -1100, f"Illegal characters found in parameter 'id'; legal range is '{_REQUEST_ID_RANGE}'."
                )
            request_id = decoded["id"]
            raw_method = decoded.get("method")
            if not isinstance(raw_method, str) or not raw_method:
                raise Reject(-1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed.")
            unexpected = set(decoded) - {"id", "method", "params"}
            if unexpected:
                raise Reject(-1135, f"Invalid JSON request: unexpected field '{min(unexpected)}'.")
            params = decoded.get("params", {})
            if not isinstance(params, dict):
                raise Reject(-1135, "Invalid 'params' in JSON request; expected an object.")
            method = self._resolve_method(connection, raw_method)
            self._take_failure(method)
            result, followups = await self._execute(connection, request_id, method, params)
            reply: dict[str, Any] = {"id": request_id, "status": 200, "result": result}
        except SessionRevoked:
            revoked = {"id": None, "status": 401, "error": {"code": -2015, "msg": MSG_INVALID_KEY}}
            await self._send(connection, revoked)
            return
        except (Reject, MockReplyError) as rejection:
            error: dict[str, Any] = {"code": rejection.code, "msg": rejection.msg}
            if rejection.data:
                error["data"] = dict(rejection.data)
            reply = {"id": request_id, "status": rejection.status, "error": error}
        connection.request_weight += 1
        if connection.return_rate_limits and self._wants_rate_limits(decoded):
            reply["rateLimits"] = [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": self._profile.request_weight_per_minute,
                    "count": connection.request_weight,
                }
            ]
        delay = self._delays.get(method, 0.0)
        if delay > 0 and len(connection.delayed_replies) < _MAX_DELAYED_REPLIES:
            task = asyncio.create_task(self._send_later(connection, delay, reply, followups))
            connection.delayed_replies.add(task)
            task.add_done_callback(connection.delayed_replies.discard)
            return
        await self._send(connection, reply)
        for target, frame in followups:
            await self._send(target, frame)

    async def _send_later(self, connection: MockConnection, delay: float, reply: Any, followups: Followups) -> None:
        await asyncio.sleep(delay)
        await self._send(connection, reply)
        for target, frame in followups:
            await self._send(target, frame)

    @staticmethod
    def _wants_rate_limits(decoded: Any) -> bool:
        if not isinstance(decoded, dict):
            return True
        params = decoded.get("params")
        return not (isinstance(params, dict) and boolean_param(params.get("returnRateLimits")) is False)

    def _valid_api_id(self, value: Any) -> bool:
        return valid_request_id(value)

    def _resolve_method(self, connection: MockConnection, raw_method: str) -> str:
        candidates = [raw_method]
        version = re.match(r"^v\d+/(.+)$", raw_method)
        if version is not None:
            candidates.append(version.group(1))
        served = protocol_methods(self.product)
        for method in candidates:
            if method in LISTEN_KEY_METHODS and self._futures:
                return method
            # Binance serves these whether or not the spec lists them (docs/binance-protocol.md: "Sessions",
            # "User data").
            if self.kind == "api" and method in served:
                return method
            if connection.listen_key_api_only:
                continue
            op = self.spec.operations.get(method)
            if op is not None and op.channel_method is None:
                return method
        raise Reject(-1020, "This operation is not supported.")

    def _take_failure(self, method: str) -> None:
        key: str | None = method if method in self._failures else None
        failure = self._failures.get(key)
        if failure is None:
            return
        failure.remaining -= 1
        if failure.remaining <= 0:
            del self._failures[key]
        now = self.server_time_ms()
        data: dict[str, Any] = {"serverTime": now}
        retry_after = now + failure.retry_after_ms if failure.retry_after_ms is not None else None
        if retry_after is not None:
            data["retryAfter"] = retry_after
        if failure.status == 418:
            msg = (
                f"Way too much request weight used; IP banned until {retry_after or now}. "
                "Please use WebSocket Streams for live updates to avoid bans."
            )
        else:
            msg = (
                f"Too many requests; current limit of IP is {self._profile.request_weight_per_minute} requests per "
                "minute. Please use WebSocket Streams for live updates to avoid polling the API."
            )
        raise Reject(failure.code, msg, status=failure.status, data=data)

    def _security(self, method: str, op: OperationSpec | None) -> MethodSecurity:
        builtin = METHOD_SECURITY.get(method)
        if builtin is not None:
            return builtin
        if op is None:
            return _NO_SECURITY
        permission = op.security if op.security in ("TRADE", "USER_DATA") else None
        return MethodSecurity(signed=op.signed, api_key=op.api_key or op.signed, permission=permission)

    def _allowed_params(self, method: str, op: OperationSpec | None, security: MethodSecurity) -> frozenset[str] | None:
        """The parameters ``method`` takes (the spec's and Binance's), or None where nobody lists them."""
        spec_params = [param.wire_name for param in op.params] if op is not None else []
        unlisted = op is None or (not op.params and op.params_style != "none")
        if method not in METHOD_PARAMS and unlisted and not documented_params(self.product, method):
            return None
        return accepted_params(self.product, method, spec_params, security)

    def _check_params(
        self, method: str, op: OperationSpec | None, security: MethodSecurity, params: dict[str, Any]
    ) -> None:
        for name, value in params.items():
            if value is None:
                raise Reject(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
            if decimals_as_strings(self.product) and isinstance(value, float):
                raise Reject(-1100, f"Illegal characters found in parameter '{name}'; send decimals as strings.")
        allowed = self._allowed_params(method, op, security)
        if allowed is not None:
            unknown = sorted(set(params) - allowed)
            if unknown:
                raise Reject(-1103, f"An unknown parameter was sent: '{unknown[0]}'.")
        if op is not None:
            for param in op.params:
                if param.required and not param.auth and param.wire_name not in params:
                    raise Reject(
                        -1102, f"Mandatory parameter '{param.wire_name}' was not sent, was empty/null, or malformed."
                    )

    def _authenticate(self, connection: MockConnection, security: MethodSecurity, params: dict[str, Any]) -> str | None:
        if not security.signed and not security.api_key:
            return None
        explicit = "apiKey" in params or (security.signed and "signature" in params)
        if explicit:
            api_key = params.get("apiKey")
            if not isinstance(api_key, str) or not api_key:
                raise Reject(-1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.")
            if security.signed and not isinstance(params.get("signature"), str):
                raise Reject(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        elif connection.logged_on_key is not None and not security.own_credentials:
            api_key = connection.logged_on_key
            if api_key in self._revoked_keys or api_key not in self._keys:
                connection.logged_on_key = None
                connection.authorized_since = None
                for subscription_id in [
                    s.subscription_id for s in connection.user_subscriptions.values() if s.via_logon
                ]:
                    del connection.user_subscriptions[subscription_id]
                raise SessionRevoked
        else:
            raise Reject(-1102, "Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed.")

        registered = self._keys.get(api_key)
        if registered is None:
            raise Reject(-2015, MSG_INVALID_KEY)
        if security.permission is not None and security.permission not in registered.permissions:
            raise Reject(-2015, MSG_INVALID_KEY)
        if security.signed:
            self._check_timestamp(params)
            if explicit:
                signature = params["signature"]
                try:
                    valid = verify_signature(
                        build_signature_payload(params),
                        signature,
                        key_type=registered.key_type,
                        secret_key=registered.secret_key,
                        public_key_pem=registered.public_key_pem,
                    )
                except (TypeError, ValueError):
                    valid = False
                if not valid:
                    raise Reject(-1022, _MSG_BAD_SIGNATURE)
        return api_key

    def _check_timestamp(self, params: Mapping[str, Any]) -> None:
        timestamp = integer_param(params.get("timestamp"))
        if timestamp is None:
            raise Reject(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        recv_window_ms = self._recv_window_ms(params)
        now_us = (time.time_ns() // 1000) + self.clock_offset_ms * 1000
        # Spot accepts microsecond timestamps; futures only milliseconds (a µs value there is far "ahead").
        in_microseconds = accepts_microsecond_timestamps(self.product) and timestamp > 10**14
        timestamp_us = timestamp if in_microseconds else timestamp * 1000
        if timestamp_us >= now_us + TIMESTAMP_AHEAD_TOLERANCE_MS * 1000:
            raise Reject(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now_us - timestamp_us > recv_window_ms * 1000:
            raise Reject(-1021, "Timestamp for this request is outside of the recvWindow.")

    def _recv_window_ms(self, params: Mapping[str, Any]) -> float:
        if "recvWindow" not in params:
            return float(RECV_WINDOW_DEFAULT_MS)
        raw = params["recvWindow"]
        value: float | None = None
        whole = integer_param(raw)
        if whole is not None:
            value = float(whole)
        elif (
            decimal_recv_window(self.product)
            and isinstance(raw, (float, str))
            and not isinstance(raw, bool)
            and re.fullmatch(r"\d+(\.\d{1,3})?", str(raw))
        ):
            value = float(raw)
        if value is None:
            raise Reject(-1102, "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed.")
        if value <= 0 or value > RECV_WINDOW_MAX_MS:
            raise Reject(-1131, f"recvWindow must be less than {RECV_WINDOW_MAX_MS}.")
        return value

    async def _execute(
        self, connection: MockConnection, request_id: Any, method: str, params: dict[str, Any]
    ) -> Outcome:
        op = self.spec.operations.get(method)
        security = self._security(method, op)
        self._check_params(method, op, security, params)
        api_key = self._authenticate(connection, security, params)
        # This part only ever runs as a MockServerBase; handlers get the whole server.
        request = MockRequest(request_id, method, params, connection, api_key, cast("MockServerBase", self))
        handler = self._handlers.get(method)
        if handler is not None:
            result = handler(request)
            if inspect.isawaitable(result):
                result = await result
            return result, []
        if method in self._results:
            return copy.deepcopy(self._results[method]), []
        builtin = self._builtin(method)
        if builtin is not None:
            return builtin(request)
        template = self.data.result(method)
        may_be_list = op is not None and op.result_may_be_list
        return fit_result(self.product, method, template, params, may_be_list=may_be_list), []

    def _builtin(self, method: str) -> BuiltinMethod | None:
        table: dict[str, BuiltinMethod] = {
            "session.logon": self._session_logon,
            "session.status": self._session_status,
            "session.logout": self._session_logout,
            "session.subscriptions": self._session_subscriptions,
            "userDataStream.subscribe": self._user_data_subscribe,
            "userDataStream.subscribe.signature": self._user_data_subscribe,
            "userDataStream.unsubscribe": self._user_data_unsubscribe,
            "userDataStream.start": self._listen_key_start,
            "userDataStream.ping": self._listen_key_ping,
            "userDataStream.stop": self._listen_key_stop,
            "time": self._time,
            "ping": self._ping,
        }
        return table.get(method)

    def _time(self, request: MockRequest) -> Outcome:
        return {"serverTime": self.server_time_ms()}, []

    def _ping(self, request: MockRequest) -> Outcome:
        return {}, []
