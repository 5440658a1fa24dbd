"""Fault controls for resilience tests: drops, closes after a burst, unanswered pings, silence, malformed frames,
``serverShutdown``, delayed replies and injected 429 / 418 errors."""

from __future__ import annotations

import asyncio
from typing import Any

from ..errors import ConnectionClosedError
from .events import EventPushing
from .state import Failure, MalformedKind, MockConnection

__all__ = ["FaultControls"]


class FaultControls(EventPushing):
    """Fault controls (a part of :class:`~.server.MockServerBase`)."""

    async def drop_all(self) -> int:
        """Cut every TCP connection without a close frame (the client sees 1006)."""
        connections = self.active_connections
        for connection in connections:
            connection.websocket.abort()
        return len(connections)

    async def close_all(self, code: int = 1001, reason: str = "", *, after_burst: int = 0) -> int:
        """Close every connection with ``code``, first sending ``after_burst`` data frames to each (drain tests).

        Burst frames are events of the connection's streams or listenKeys, or user data events of its
        subscriptions. Returns the number of burst frames sent.
        """
        sent = 0
        connections = self.active_connections
        for connection in connections:
            sent += await self._burst(connection, after_burst)
        await asyncio.gather(
            *(connection.websocket.close(code, reason) for connection in connections), return_exceptions=True
        )
        return sent

    def stop_answering_pings(self) -> None:
        """Open connections stop answering the client's pings (their pongs are swallowed)."""
        for connection in self.active_connections:
            connection.websocket.link.answer_pings = False

    def resume_answering_pings(self) -> None:
        for connection in self.active_connections:
            connection.websocket.link.answer_pings = True

    def go_silent(self, seconds: float) -> None:
        """Open connections send nothing (no data, replies, pings or pongs) for ``seconds``; frames are dropped.

        Requests still arrive and are recorded. Connections opened meanwhile behave normally.
        """
        until = asyncio.get_running_loop().time() + seconds
        for connection in self.active_connections:
            connection.websocket.link.silent_until = until

    async def send_malformed(self, kind: MalformedKind = "not_json") -> int:
        """Send a broken frame to every connection; returns how many got one.

        ``not_json``: a text frame that is not JSON. ``binary``: a binary frame. ``unknown_event``: valid JSON
        with an event type nobody declared. ``invalid_payload``: a known event whose fields have the wrong types.
        """
        count = 0
        for connection in self.active_connections:
            if await self._send_malformed(connection, kind):
                count += 1
        return count

    async def send_server_shutdown(self) -> int:
        """Send Binance's ``serverShutdown`` event to every connection (the connection stays open)."""
        count = 0
        for connection in self.active_connections:
            event = {"e": "serverShutdown", "E": self.server_time_ms()}
            frame: dict[str, Any]
            if connection.kind == "api":
                frame = {"event": event}
            elif connection.combined:
                frame = {"stream": "!serverShutdown", "data": event}
            else:
                frame = event
            if await self._send(connection, frame):
                count += 1
        return count

    def delay_method(self, method: str, seconds: float) -> None:
        """Send replies to ``method`` ``seconds`` late (later requests may be answered first); 0 removes it."""
        if seconds > 0:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def fail_next(
        self,
        method: str | None = None,
        *,
        status: int = 429,
        code: int = -1003,
        retry_after_ms: int | None = 1000,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests of ``method`` (any method if None) with a 429 / 418 error.

        ``error.data`` carries ``serverTime`` and ``retryAfter`` (epoch ms, ``retry_after_ms`` from now).
        """
        self._failures[method] = Failure(status, code, retry_after_ms, times)

    async def _burst(self, connection: MockConnection, count: int) -> int:
        if count <= 0:
            return 0
        sent = 0
        if connection.kind == "streams":
            streams = list(connection.streams)
            keys = list(connection.listen_keys)
            for index in range(count):
                if streams:
                    stream = streams[index % len(streams)]
                    sent += await self._send_stream_event(connection, stream, self.example_event(stream))
                elif keys:
                    key = keys[index % len(keys)]
                    sent += await self._send_stream_event(connection, key, self.example_user_event())
        else:
            subscriptions = list(connection.user_subscriptions)
            for index in range(count if subscriptions else 0):
                frame = {
                    "subscriptionId": subscriptions[index % len(subscriptions)],
                    "event": self.example_user_event(),
                }
                if await self._send(connection, frame):
                    sent += 1
        return sent

    async def _send_malformed(self, connection: MockConnection, kind: MalformedKind) -> bool:
        websocket = connection.websocket
        try:
            if kind == "not_json":
                await websocket.send('{"e": "trade", "E": 1, not json')
                return True
            if kind == "binary":
                await websocket.send(b"\x00\x01\x02 binary frame")
                return True
        except ConnectionClosedError:
            return False
        now = self.server_time_ms()
        if kind == "unknown_event":
            event: Any = {"e": "mockUnknownEvent", "E": now, "x": "unexpected"}
            if connection.kind == "api":
                subscription = next(iter(connection.user_subscriptions), None)
                frame: Any = (
                    {"event": event} if subscription is None else {"subscriptionId": subscription, "event": event}
                )
            elif connection.combined:
                frame = {"stream": "mock@unknownEvent", "data": event}
            else:
                frame = event
            return await self._send(connection, frame)
        if kind == "invalid_payload":
            if connection.kind == "api":
                broken = _break_types(self.example_user_event()) if self.spec.events else {"e": 42, "E": "now"}
                subscription = next(iter(connection.user_subscriptions), None)
                if subscription is None:
                    return await self._send(connection, {"event": {"e": "serverShutdown", "E": "not-a-time"}})
                return await self._send(connection, {"subscriptionId": subscription, "event": broken})
            stream = next(iter(connection.streams), None)
            if stream is not None:
                return await self._send_stream_event(connection, stream, _break_types(self.example_event(stream))) > 0
            key = next(iter(connection.listen_keys), None)
            if key is not None:
                return await self._send_stream_event(connection, key, _break_types(self.example_user_event())) > 0
            return await self._send(connection, {"e": "trade", "E": "not-a-time", "s": 42})
        raise ValueError(f"unknown malformed frame kind {kind!r}")


def _break_types(payload: Any) -> Any:
    """The same event with every field but ``e`` given a wrong JSON type (strings become numbers and so on)."""
    if isinstance(payload, list):
        return [_break_types(item) for item in payload] or [{"E": "not-a-time"}]
    if not isinstance(payload, dict):
        return {"E": "not-a-time"}
    broken: dict[str, Any] = {}
    for key, value in payload.items():
        if key == "e":
            broken[key] = value
        elif isinstance(value, bool):
            broken[key] = "not-a-bool"
        elif isinstance(value, (int, float)):
            broken[key] = "not-a-number"
        elif isinstance(value, str):
            broken[key] = {"unexpected": "object"}
        elif isinstance(value, (list, dict)):
            broken[key] = 12345
        else:
            broken[key] = ["unexpected"]
    return broken
