"""Error replies map to the most specific exception: by status first, then by code, keyed by product."""

from __future__ import annotations

import time
from typing import Any

import pytest

from binance_ws_runtime.errors import (
    AuthenticationError,
    BinanceAPIError,
    ExecutionStatusUnknownError,
    InvalidParameterError,
    InvalidSignatureError,
    IPBannedError,
    OrderRejectedError,
    PartialSuccessError,
    RateLimitError,
    SessionRevokedError,
    StreamRequestError,
    TimestampError,
    WAFBlockedError,
    WebSocketError,
    error_from_reply,
)


def reply(status: int | None, code: int, msg: str = "message", data: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "msg": msg}
    if data is not None:
        error["data"] = data
    frame: dict[str, Any] = {"id": 7, "error": error}
    if status is not None:
        frame["status"] = status
    return frame


@pytest.mark.parametrize(
    ("status", "code", "product", "expected"),
    [
        (418, -1003, "spot", IPBannedError),
        (429, -1003, "spot", RateLimitError),
        (400, -1015, "umfutures", RateLimitError),
        (403, -1000, "spot", WAFBlockedError),
        (401, -2015, "spot", SessionRevokedError),
        (409, -2021, "spot", PartialSuccessError),
        (503, -1000, "cmfutures", ExecutionStatusUnknownError),
        (400, -1007, "spot", ExecutionStatusUnknownError),
        (400, -1021, "spot", TimestampError),
        (400, -5028, "umfutures", TimestampError),
        (400, -1022, "spot", InvalidSignatureError),
        (400, -2015, "spot", AuthenticationError),
        (400, -2014, "umfutures", AuthenticationError),
        (400, -1102, "spot", InvalidParameterError),
        (400, -2010, "spot", OrderRejectedError),
        # -2021 is a partial cancel-replace failure on spot but an order rejection on futures.
        (400, -2021, "umfutures", OrderRejectedError),
        (400, -4003, "umfutures", OrderRejectedError),
        (None, 2, "spot", StreamRequestError),
    ],
)
def test_replies_map_to_the_most_specific_exception(
    status: int | None, code: int, product: str, expected: type[BinanceAPIError]
) -> None:
    error = error_from_reply(reply(status, code), product=product, method="order.place")
    assert type(error) is expected
    assert isinstance(error, WebSocketError)
    assert (error.code, error.status, error.method, error.request_id) == (code, status, "order.place", 7)


def test_retry_after_is_seconds_from_the_epoch_millisecond_binance_sends() -> None:
    lifts_at = int((time.time() + 120) * 1000)
    error = error_from_reply(reply(418, -1003, "IP banned until later", {"retryAfter": lifts_at}))
    assert isinstance(error, IPBannedError)
    assert error.retry_after is not None and 100 < error.retry_after <= 120
    assert error.data == {"retryAfter": lifts_at}


def test_flat_stream_control_errors_are_understood() -> None:
    error = error_from_reply({"code": 0, "msg": "Unknown property", "id": 3})
    assert isinstance(error, StreamRequestError)
    assert (error.code, error.msg, error.request_id) == (0, "Unknown property", 3)


def test_the_message_names_the_code_and_method_but_not_the_data() -> None:
    error = error_from_reply(
        reply(400, -2010, "Account has insufficient balance", {"secret": "x"}), method="order.place"
    )
    assert str(error) == "Binance error -2010 on order.place status=400: Account has insufficient balance"
