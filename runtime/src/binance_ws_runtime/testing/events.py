"""Events the mock server pushes: stream events filled from the mock data's examples, user data events, listenKey
expiry."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .state import MockConnection
from .streams import StreamControl

__all__ = ["EventPushing"]


class EventPushing(StreamControl):
    """Pushing events to the connections (a part of :class:`~.server.MockServerBase`)."""

    def example_event(self, stream: str) -> Any:
        """The example of the event carried by ``stream``, with symbol, interval and event time filled in."""
        match = self._match_stream(stream)
        if match is None:
            raise ValueError(f"{stream!r} matches no stream pattern of this spec")
        pattern, values = match
        example = self.data.events.get(pattern.event)
        payload = copy.deepcopy(example) if example is not None else {}
        return self._fill_event(payload, values)

    async def emit(self, stream: str, payload: Any = None) -> int:
        """Send an event to every connection subscribed to ``stream``; returns how many got it."""
        if payload is None:
            payload = self.example_event(stream)
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "streams" and stream in connection.streams:
                delivered += await self._send_stream_event(connection, stream, payload)
        return delivered

    def example_user_event(self, event_type: str | None = None) -> dict[str, Any]:
        """The example of a user data event (by its ``e`` value), event time set to now."""
        candidates = [
            event
            for event in self.spec.events
            if (event.envelope == "subscription" or "userData" in event.channel_kinds) and not event.array
        ]
        for event in candidates:
            if event_type is None or event_type in event.event_types:
                example = copy.deepcopy(self.data.events.get(event.name))
                if event.envelope == "subscription" and isinstance(example, dict) and "event" in example:
                    example = example["event"]
                if isinstance(example, dict):
                    if event_type is not None:
                        example["e"] = event_type
                    return self._fill_event(example, {})  # type: ignore[no-any-return]
        if event_type is None:
            raise ValueError("this spec declares no user data events")
        return {"e": event_type, "E": self.server_time_ms()}

    async def push_user_event(
        self,
        payload: Mapping[str, Any] | None = None,
        *,
        event_type: str | None = None,
        api_key: str | None = None,
    ) -> int:
        """Deliver a user data event; returns how many subscriptions / sockets got it.

        Spot WS API: to every user data subscription (of ``api_key``, if given) as
        ``{"subscriptionId": n, "event": payload}``. Futures streams: to every socket on an active listenKey (of
        ``api_key``), bare (or wrapped as ``{"stream": listenKey, "data": ...}`` on combined connections).
        ``payload=None`` sends the example of ``event_type`` (or of the first user data event).
        """
        event: dict[str, Any] = dict(payload) if payload is not None else self.example_user_event(event_type)
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "api":
                for subscription in list(connection.user_subscriptions.values()):
                    if api_key is None or subscription.api_key == api_key:
                        frame = {"subscriptionId": subscription.subscription_id, "event": event}
                        if await self._send(connection, frame):
                            delivered += 1
            else:
                for key in list(connection.listen_keys):
                    if not self.listen_keys.is_active(key):
                        continue
                    if api_key is not None and self.listen_keys.api_key_of(key) != api_key:
                        continue
                    if connection.event_filter is not None and event.get("e") not in connection.event_filter:
                        continue
                    delivered += await self._send_stream_event(connection, key, event)
        return delivered

    async def expire_listen_key(self, key: str) -> int:
        """Invalidate a listenKey and send ``listenKeyExpired`` to its sockets; returns how many got it."""
        event = self.example_user_event("listenKeyExpired")
        event["listenKey"] = key
        delivered = 0
        for connection in self.active_connections:
            if connection.kind == "streams" and key in connection.listen_keys:
                delivered += await self._send_stream_event(connection, key, event)
        self.listen_keys.invalidate(key)
        return delivered

    def _fill_event(self, payload: Any, values: Mapping[str, str]) -> Any:
        now = self.server_time_ms()
        items = payload if isinstance(payload, list) else [payload]
        for item in items:
            if not isinstance(item, dict):
                continue
            if "E" in item:
                item["E"] = now
            if "symbol" in values and "s" in item:
                item["s"] = values["symbol"].upper()
            if "pair" in values and "ps" in item:
                item["ps"] = values["pair"].upper()
            kline = item.get("k")
            if isinstance(kline, dict):
                if "symbol" in values and "s" in kline:
                    kline["s"] = values["symbol"].upper()
                if "interval" in values and "i" in kline:
                    kline["i"] = values["interval"]
        return payload

    async def _send_stream_event(self, connection: MockConnection, stream: str, payload: Any) -> int:
        frame = {"stream": stream, "data": payload} if connection.combined else payload
        return 1 if await self._send(connection, frame) else 0
