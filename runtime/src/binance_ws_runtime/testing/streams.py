"""The market streams side: stream names against the spec's patterns, and the live control protocol (``SUBSCRIBE``,
``UNSUBSCRIBE``, ``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY``, ``GET_PROPERTY``) with Binance's error codes 0-3."""

from __future__ import annotations

import json
from typing import Any

from ..policy import STREAM_CONTROL_METHODS, STREAM_PROPERTIES, valid_control_id
from ..spec import StreamPatternSpec
from .core import MockServerCore
from .state import ControlError, MockConnection

__all__ = ["StreamControl"]


def _json_error_text(message: str) -> str:
    try:
        json.loads(message)
    except json.JSONDecodeError as error:
        return f"Invalid JSON: expected value at line {error.lineno} column {error.colno}"
    return "Invalid JSON: expected value at line 1 column 1"


class StreamControl(MockServerCore):
    """Stream names and control requests (a part of :class:`~.server.MockServerBase`)."""

    def _match_stream(self, name: str) -> tuple[StreamPatternSpec, dict[str, str]] | None:
        if not name or any(character.isspace() for character in name) or "/" in name:
            return None
        for compiled in self._patterns:
            match = compiled.regex.match(name)
            if match is None:
                continue
            values = match.groupdict()
            symbol = values.get("symbol")
            # Binance stream names carry lowercase symbols; BTCUSDT@trade is acknowledged but never sends data.
            if symbol is not None and symbol != symbol.lower():
                continue
            return compiled.spec, values
        if not self._patterns:
            return StreamPatternSpec(template=name, params=(), event=""), {}
        return None

    async def _handle_control(self, connection: MockConnection, message: str | bytes, decoded: Any) -> None:
        request_id: Any = None
        try:
            if isinstance(message, bytes):
                raise ControlError(3, "Invalid JSON: expected value at line 1 column 1")
            if isinstance(decoded, str):
                raise ControlError(3, _json_error_text(message))
            if not isinstance(decoded, dict):
                raise ControlError(2, "Invalid request: expected a JSON object")
            if "id" not in decoded or not self._valid_control_id(decoded["id"]):
                raise ControlError(2, "Invalid request: request ID must be an unsigned integer")
            request_id = decoded["id"]
            if "method" not in decoded:
                raise ControlError(2, f"Invalid request: missing field `method` at line 1 column {len(message)}")
            method = decoded["method"]
            if method not in STREAM_CONTROL_METHODS:
                raise ControlError(
                    2,
                    f"Invalid request: unknown variant `{method}`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                    "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28",
                )
            unexpected = set(decoded) - {"id", "method", "params"}
            if unexpected:
                raise ControlError(2, f"Invalid request: unknown field `{min(unexpected)}`")
            result = self._control(connection, method, decoded.get("params"), "params" in decoded)
        except ControlError as error:
            await self._send(connection, {"error": {"code": error.code, "msg": error.msg}, "id": request_id})
            return
        await self._send(connection, {"result": result, "id": request_id})

    def _valid_control_id(self, value: Any) -> bool:
        return valid_control_id(self.product, value)

    def _control(self, connection: MockConnection, method: str, params: Any, has_params: bool) -> Any:
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not has_params:
                raise ControlError(2, "Invalid request: missing field `params`")
            if not isinstance(params, list) or not all(isinstance(name, str) for name in params):
                raise ControlError(2, "Invalid request: invalid type: expected a sequence of stream names")
            if method == "SUBSCRIBE":
                self._subscribe(connection, params)
            else:
                for name in params:
                    if name not in connection.listen_keys and self._match_stream(name) is None:
                        raise ControlError(2, "Invalid request: invalid stream")
                for name in params:
                    connection.streams.pop(name, None)
                    connection.listen_keys.pop(name, None)
            return None
        if method == "LIST_SUBSCRIPTIONS":
            if has_params and params not in (None, []):
                raise ControlError(2, "Invalid request: too many parameters")
            return list(connection.streams) + list(connection.listen_keys)
        if not has_params or not isinstance(params, list) or not params:
            raise ControlError(2, "Invalid request: property name must be a string")
        if not isinstance(params[0], str):
            raise ControlError(2, "Invalid request: property name must be a string")
        expected_length = 2 if method == "SET_PROPERTY" else 1
        if len(params) > expected_length:
            raise ControlError(2, "Invalid request: too many parameters")
        if params[0] not in STREAM_PROPERTIES:
            raise ControlError(0, "Unknown property")
        if method == "GET_PROPERTY":
            return connection.combined
        if len(params) < 2 or not isinstance(params[1], bool):
            raise ControlError(1, "Invalid value type: expected Boolean")
        connection.combined = params[1]
        return None

    def _subscribe(self, connection: MockConnection, names: list[str]) -> None:
        new_streams: list[str] = []
        new_keys: list[str] = []
        for name in names:
            if name in connection.streams or name in connection.listen_keys:
                continue
            if self._futures and self.listen_keys.is_active(name):
                new_keys.append(name)
            elif self._match_stream(name) is not None:
                new_streams.append(name)
            else:
                raise ControlError(2, "Invalid request: invalid stream")
        unique = len(dict.fromkeys(new_streams)) + len(dict.fromkeys(new_keys))
        if len(connection.streams) + len(connection.listen_keys) + unique > self.max_streams_per_connection:
            raise ControlError(
                2, f"Invalid request: too many streams, at most {self.max_streams_per_connection} per connection"
            )
        connection.streams.update(dict.fromkeys(new_streams))
        connection.listen_keys.update(dict.fromkeys(new_keys))
