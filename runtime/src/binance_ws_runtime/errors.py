"""Exceptions raised by the client, and the mapping from Binance error replies to them.

Binance error codes are not one namespace: -2021, -2022, -2026 and -2028 mean different
things on spot and on futures, so the mapping is keyed by product as well as by code.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "BinanceAPIError",
    "ConnectionClosedError",
    "EventDecodeError",
    "ExecutionStatusUnknownError",
    "InvalidParameterError",
    "InvalidSignatureError",
    "IPBannedError",
    "MissingFieldError",
    "OrderRejectedError",
    "PartialSuccessError",
    "RateLimitError",
    "RequestTimeoutError",
    "SessionRevokedError",
    "StreamRequestError",
    "TimestampError",
    "WAFBlockedError",
    "WebSocketError",
    "error_from_reply",
]


class WebSocketError(Exception):
    """Base class of every exception this package raises."""


class ConnectionClosedError(WebSocketError):
    """The connection dropped (or was closed) while a request was pending or being sent."""

    def __init__(self, message: str = "connection closed", *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class RequestTimeoutError(WebSocketError):
    """No reply arrived for a request within its timeout."""

    def __init__(self, method: str, request_id: int | str, timeout: float) -> None:
        super().__init__(f"{method} (id={request_id}) got no reply within {timeout:g}s")
        self.method = method
        self.request_id = request_id
        self.timeout = timeout


class EventDecodeError(WebSocketError):
    """A frame could not be decoded into a known, valid message.

    ``raw`` holds the frame (truncated for very large frames) so that an error handler can log or store it.
    """

    def __init__(self, message: str, raw: str | bytes | None = None, *, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.raw = raw
        self.cause = cause


class MissingFieldError(AttributeError):
    """Reading a field that the message lacked although the spec requires it (see the module docs).

    An ``AttributeError``, so ``getattr(event, name, default)`` and ``hasattr`` behave as for any absent attribute.
    """

    def __init__(self, model: str, attribute: str, wire_name: str) -> None:
        super().__init__(
            f"{model}.{attribute} is not set: the message had no {wire_name!r} field although the spec requires it "
            "(the client's drift_report() lists such deviations)"
        )
        self.model = model
        self.attribute = attribute
        self.wire_name = wire_name


class BinanceAPIError(WebSocketError):
    """The server answered a request with an error reply."""

    def __init__(
        self,
        code: int,
        msg: str,
        *,
        status: int | None = None,
        method: str | None = None,
        request_id: int | str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        where = f" on {method}" if method else ""
        status_text = f" status={status}" if status is not None else ""
        super().__init__(f"Binance error {code}{where}{status_text}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.method = method
        self.request_id = request_id
        self.data: Mapping[str, Any] = data or {}


class AuthenticationError(BinanceAPIError):
    """Bad or missing credentials: invalid key format, unknown key, bad signature, a key type the method refuses.

    Raised locally too (code 0) when a key cannot be loaded or cannot be used for a request.
    """

    def __init__(
        self,
        msg: str,
        code: int = 0,
        *,
        status: int | None = None,
        method: str | None = None,
        request_id: int | str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, msg, status=status, method=method, request_id=request_id, data=data)


class InvalidSignatureError(AuthenticationError):
    """-1022: the server recomputed a different signature."""


class SessionRevokedError(AuthenticationError):
    """401 / -2015 with ``id: null``: the logged-on key became invalid during the session."""


class TimestampError(BinanceAPIError):
    """-1021 (or futures -5028): the request's timestamp is outside recvWindow or ahead of the server."""


class _RetryAfterError(BinanceAPIError):
    def __init__(
        self,
        code: int,
        msg: str,
        *,
        status: int | None = None,
        method: str | None = None,
        request_id: int | str | None = None,
        data: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, msg, status=status, method=method, request_id=request_id, data=data)
        self.retry_after = retry_after
        """Seconds to wait before sending again (from ``error.data.retryAfter``), or None if not given."""


class RateLimitError(_RetryAfterError):
    """429, -1003 or -1015: request weight or order-count limit exceeded."""


class IPBannedError(_RetryAfterError):
    """418: the IP is banned until ``retry_after`` seconds from now."""


class WAFBlockedError(BinanceAPIError):
    """403: the request was blocked by Binance's web application firewall."""


class PartialSuccessError(BinanceAPIError):
    """409: part of the request succeeded (for example cancel-replace); details in ``data``."""


class ExecutionStatusUnknownError(BinanceAPIError):
    """5xx, -1006 or -1007: the request may or may not have been executed. Never retry orders blindly."""


class InvalidParameterError(BinanceAPIError):
    """-11xx: a parameter was missing, malformed or not allowed."""


class OrderRejectedError(BinanceAPIError):
    """The matching engine or a filter rejected the order (see ``msg``)."""


class StreamRequestError(BinanceAPIError):
    """A market-stream control message (SUBSCRIBE, ...) was refused (codes 0 to 3)."""


_AUTH_CODES = frozenset({-1002, -2014, -2015, -1099})
_ORDER_CODES_COMMON = frozenset({-1013, -2010, -2011, -2013})
_FUTURES_ORDER_CODES = frozenset(range(-2027, -2011)) | frozenset({-2021, -2022, -2026, -2028, -5021, -5022})


def _retry_after_seconds(data: Mapping[str, Any]) -> float | None:
    value = data.get("retryAfter")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    # Binance sends the epoch millisecond at which the limit lifts.
    return max(0.0, value / 1000.0 - time.time())


def error_from_reply(
    reply: Mapping[str, Any],
    *,
    product: str = "spot",
    method: str | None = None,
    request_id: int | str | None = None,
) -> BinanceAPIError:
    """Build the most specific exception for an error reply (WS API or stream control).

    Classifies by HTTP-like ``status`` first, then by ``error.code`` for the given product
    (``spot``, ``umfutures``, ``cmfutures``).
    """
    error = reply.get("error")
    if not isinstance(error, Mapping):
        # Stream control errors are documented flat: {"code": 2, "msg": "..."}.
        error = reply
    raw_code = error.get("code", 0)
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 0
    msg = str(error.get("msg", ""))
    raw_data = error.get("data")
    data: Mapping[str, Any] = raw_data if isinstance(raw_data, Mapping) else {}
    raw_status = reply.get("status")
    status = raw_status if isinstance(raw_status, int) and not isinstance(raw_status, bool) else None
    if request_id is None:
        rid = reply.get("id")
        request_id = rid if isinstance(rid, (int, str)) and not isinstance(rid, bool) else None
    futures = product in ("umfutures", "cmfutures")
    kwargs: dict[str, Any] = {"status": status, "method": method, "request_id": request_id, "data": data}

    if status is None and 0 <= code <= 3:
        return StreamRequestError(code, msg, **kwargs)
    if status == 418 or (code == -1003 and "banned" in msg.lower()):
        return IPBannedError(code, msg, retry_after=_retry_after_seconds(data), **kwargs)
    if status == 429 or code in (-1003, -1015):
        return RateLimitError(code, msg, retry_after=_retry_after_seconds(data), **kwargs)
    if status == 403:
        return WAFBlockedError(code, msg, **kwargs)
    if status == 401:
        return SessionRevokedError(msg, code, **kwargs)
    if status == 409 and not futures:
        return PartialSuccessError(code, msg, **kwargs)
    if (status is not None and status >= 500) or code in (-1006, -1007):
        return ExecutionStatusUnknownError(code, msg, **kwargs)
    if code == -1021 or (futures and code == -5028):
        return TimestampError(code, msg, **kwargs)
    if code == -1022:
        return InvalidSignatureError(msg, code, **kwargs)
    if code in _AUTH_CODES:
        return AuthenticationError(msg, code, **kwargs)
    if code in _ORDER_CODES_COMMON or (futures and (code in _FUTURES_ORDER_CODES or -5099 <= code <= -4000)):
        return OrderRejectedError(code, msg, **kwargs)
    if not futures and code in (-2021, -2022):
        return PartialSuccessError(code, msg, **kwargs) if status == 409 else OrderRejectedError(code, msg, **kwargs)
    if -1199 <= code <= -1100:
        return InvalidParameterError(code, msg, **kwargs)
    return BinanceAPIError(code, msg, **kwargs)
