"""Plain data describing one AsyncAPI spec, as rendered into ``_spec.py``.

The runtime reads these tables instead of the spec itself: which methods need an API key
or a signature, which stream names map to which event, what the servers are. What only the
mock server needs (example requests, reply templates, example events) is not here: it is
rendered into ``_mock_data.py`` (:mod:`.testing.data`), which only ``testing.py`` imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

SecurityType = Literal["NONE", "TRADE", "USER_DATA", "SIGNED", "USER_STREAM", "USER_STREAM_KEY"]
ParamsStyle = Literal["object", "array", "none"]
ChannelKind = Literal["api", "raw", "combined", "userData"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One request parameter: its wire name, Python keyword and whether the spec requires it."""

    wire_name: str
    py_name: str
    required: bool = False
    auth: bool = False
    """True for apiKey, signature and timestamp, which the client fills in itself."""


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """A request/reply operation (``order.place``, ``SUBSCRIBE``, ``userDataStream.start`` ...)."""

    method: str
    py_name: str = ""
    """Name of the client coroutine for this operation (empty where the base class implements it)."""
    response_model: str = ""
    """Name of the response model class in ``models``."""
    security: SecurityType = "NONE"
    signed: bool = False
    """Needs ``timestamp`` and ``signature`` (unless the session is logged on)."""
    api_key: bool = False
    """Needs ``apiKey`` (unless the session is logged on)."""
    params_style: ParamsStyle = "object"
    params: tuple[ParamSpec, ...] = ()
    channel_method: str | None = None
    result_may_be_list: bool = False
    summary: str = ""


@dataclass(frozen=True, slots=True)
class StreamPatternSpec:
    """A stream-name template such as ``{symbol}@kline_{interval}`` and the event it carries."""

    template: str
    params: tuple[str, ...]
    event: str
    """Name of the event (its model class name)."""
    example: str = ""
    route: str | None = None
    """Server route that serves this stream (``x-stream-route``, e.g. USDⓈ-M ``public`` / ``market``)."""


@dataclass(frozen=True, slots=True)
class EventSpec:
    """An event message: its model class name, its ``e`` values, its envelope and the channels that carry it."""

    name: str
    event_types: tuple[str, ...] = ()
    envelope: Literal["subscription"] | None = None
    array: bool = False
    channel_kinds: tuple[ChannelKind, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str
    url: str
    testnet: bool = False
    route: str | None = None
    """``x-stream-route`` of the server: Binance splits some products into routes (``/public``, ``/market`` ...)."""


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    id: str
    address: str
    kind: ChannelKind


@dataclass(frozen=True, slots=True)
class Spec:
    """Everything the runtime needs to know about the spec this package was generated from."""

    title: str
    version: str
    product: Literal["spot", "umfutures", "cmfutures", "unknown"]
    kind: Literal["api", "streams"]
    servers: tuple[ServerSpec, ...]
    channels: tuple[ChannelSpec, ...]
    operations: Mapping[str, OperationSpec]
    events: tuple[EventSpec, ...] = ()
    stream_patterns: tuple[StreamPatternSpec, ...] = ()

    def server_url(self, *, testnet: bool = False, route: str | None = None) -> str:
        """The first server of the requested network (mainnet or testnet), on ``route`` when the spec has routes."""
        for server in self.servers:
            if server.testnet == testnet and (route is None or server.route == route):
                return server.url
        if route is not None:
            return self.server_url(testnet=testnet)
        if not self.servers:
            raise ValueError(f"{self.title} declares no servers; pass url=...")
        return self.servers[0].url

    @property
    def routes(self) -> tuple[str, ...]:
        """The server routes the spec declares, in order (empty for specs without routes)."""
        return tuple(dict.fromkeys(server.route for server in self.servers if server.route))

    def route_for_stream(self, stream: str) -> str | None:
        """The route of the first stream pattern whose literal prefix and suffix match ``stream`` (None: any)."""
        for pattern in self.stream_patterns:
            if pattern.route and _matches_template(pattern.template, stream):
                return pattern.route
        return None

    def channel(self, kind: ChannelKind) -> ChannelSpec | None:
        for channel in self.channels:
            if channel.kind == kind:
                return channel
        return None


@lru_cache(maxsize=256)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[A-Za-z_][A-Za-z0-9_]*\}", template)
    return re.compile("^" + "[^@/]+".join(re.escape(part) for part in parts) + "$")


def _matches_template(template: str, stream: str) -> bool:
    return _template_regex(template).match(stream) is not None
