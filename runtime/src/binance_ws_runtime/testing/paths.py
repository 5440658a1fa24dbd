"""Which endpoint an upgrade request asks for: the WS API path, ``/ws`` and ``/stream`` with their streams, the USD-M
routed prefixes and the futures listenKey sockets (and the refusals Binance answers bad paths with)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from ..policy import TIME_UNITS, UMFUTURES_ROUTES
from .state import Reject, Route
from .streams import StreamControl

__all__ = ["PathRouting"]


class PathRouting(StreamControl):
    """The route of a connection from its request target (a part of :class:`~.server.MockServerBase`)."""

    def _route(self, raw_path: str) -> Route:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        time_unit = self._time_unit(query)
        return_rate_limits = query.get("returnRateLimits", ["true"])[-1].lower() != "false"
        if self.kind == "api":
            if path != (self._api_path or "/"):
                raise Reject(404, f"No WebSocket API at {path}", status=404)
            return Route("api", time_unit=time_unit, return_rate_limits=return_rate_limits)
        if self._listen_key_api_path is not None and path == self._listen_key_api_path:
            return Route("api", return_rate_limits=return_rate_limits, listen_key_api_only=True)

        segments = [segment for segment in path.split("/") if segment]
        route_prefix = None
        if self.product == "umfutures" and segments and segments[0] in UMFUTURES_ROUTES:
            route_prefix = segments.pop(0)
        if not segments or segments[0] not in ("ws", "stream"):
            raise Reject(404, f"No stream endpoint at {path}", status=404)
        combined = segments[0] == "stream"
        names = segments[1:]
        if combined:
            if names:
                raise Reject(-1100, "Combined streams are passed as /stream?streams=a/b", status=400)
            names = [name for value in query.get("streams", []) for name in value.split("/") if name]
        listen_keys: list[str] = []
        event_filter: frozenset[str] | None = None
        if route_prefix == "private" and "listenKey" in query:
            listen_keys.extend(key for value in query["listenKey"] for key in value.split("/") if key)
            events = [name for value in query.get("events", []) for name in value.split("/") if name]
            event_filter = frozenset(events) if events else None
        streams: list[str] = []
        for name in names:
            if self._futures and self.listen_keys.is_active(name):
                listen_keys.append(name)
            elif self._match_stream(name) is not None:
                streams.append(name)
            else:
                raise Reject(-1100, f"Invalid stream name: {name}", status=400)
        for key in listen_keys:
            if not self.listen_keys.is_active(key):
                raise Reject(-1125, "This listenKey does not exist.", status=400)
        if len(streams) + len(listen_keys) > self.max_streams_per_connection:
            raise Reject(-1100, f"Too many streams: at most {self.max_streams_per_connection}", status=400)
        return Route(
            "streams",
            combined=combined,
            streams=tuple(dict.fromkeys(streams)),
            listen_keys=tuple(dict.fromkeys(listen_keys)),
            event_filter=event_filter,
            time_unit=time_unit,
        )

    def _time_unit(self, query: Mapping[str, list[str]]) -> Literal["ms", "us"]:
        values = query.get("timeUnit")
        if not values:
            return "ms"
        if not self._profile.supports_time_unit:
            raise Reject(-1194, "timeUnit is not supported by this service.", status=400)
        if values[-1] not in TIME_UNITS:
            raise Reject(-1194, "Invalid timeUnit.", status=400)
        return "us" if values[-1].lower() == "microsecond" else "ms"
