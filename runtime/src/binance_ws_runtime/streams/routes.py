"""Where each connection of a streams client goes.

A market stream's *route* is the base URL of the connection serving it (streams of different routes never share a
connection). In order of precedence: the ``stream_route`` callable, ``channel_urls``, the spec's own routes
(``x-stream-route`` servers), Binance's USDⓈ-M split on the mainnet host (:func:`..policy.umfutures_route`),
else the server URL. The channel address (``/stream?streams=``, ``/ws/<stream>``, ``/ws/<listenKey>``) comes
from the spec, or Binance's documented default. User data goes to the USDⓈ-M ``/private`` route where it
applies, the listenKey methods to the product's futures WS API.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from ..policy import (
    DEFAULT_CHANNEL_ADDRESSES,
    profile_for,
    umfutures_private_url,
    umfutures_route,
    umfutures_routes_apply,
    user_data_event_types,
)
from ..spec import ChannelKind, Spec
from .options import StreamSettings

__all__ = ["StreamRoutes"]

# Streams ride in the connect URL up to this many characters of stream names; the rest are subscribed by
# message. Long URLs get refused by proxies (HTTP 414), and characters with a meaning in query strings
# ("+" reads as a space, "%", "&", "#") are never put there.
_MAX_URL_STREAM_CHARS = 2000
_URL_UNSAFE = frozenset("+%&#? /")


def _add_query(url: str, query: str) -> str:
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + query


class StreamRoutes:
    """The URLs of a streams client's connections, from its spec and its ``url`` / ``channel_urls`` /
    ``stream_route`` / ``api_url`` / ``time_unit`` options."""

    def __init__(self, spec: Spec, settings: StreamSettings, *, testnet: bool) -> None:
        self.spec = spec
        self.testnet = testnet
        self.url_override = settings.url
        """Replaces the spec's server URL (the ``url`` option, or ``connect(uri)``)."""
        self._settings = settings
        self._query = f"timeUnit={settings.time_unit}" if settings.time_unit is not None else ""

    @property
    def combined(self) -> bool:
        """Market connections are combined (``/stream``, frames name their stream) rather than raw."""
        return self._settings.combined

    def server_url(self) -> str:
        if self.url_override is not None:
            return self.url_override
        return self.spec.server_url(testnet=self.testnet)

    def channel_address(self, kind: ChannelKind) -> str:
        channel = self.spec.channel(kind)
        return channel.address if channel is not None else DEFAULT_CHANNEL_ADDRESSES[kind]

    # ------------------------------------------------------------------ market streams

    def market_route(self, stream: str) -> str:
        """The base URL of the connection that serves ``stream``."""
        settings = self._settings
        if settings.stream_route is not None:
            return settings.stream_route(stream)
        configured = settings.channel_urls.get("combined" if settings.combined else "raw")
        if configured is not None:
            return configured
        if self.url_override is None and self.spec.routes:
            # The spec names its routes (x-stream-route): take the server of the stream's route.
            return self.spec.server_url(testnet=self.testnet, route=self.spec.route_for_stream(stream))
        base = self.server_url()
        if self.url_override is None and umfutures_routes_apply(self.spec.product, base):
            return umfutures_route(base, stream)
        return base

    def market_url(self, route: str, streams: Sequence[str]) -> tuple[str, frozenset[str]]:
        """The connect URL of a market connection on ``route`` holding ``streams``, and the streams it carries.

        Combined: as many streams as fit the URL safely (the rest are subscribed by message); raw: the first.
        """
        base = route.rstrip("/")
        if self._settings.combined:
            chosen: list[str] = []
            size = 0
            for stream in streams:
                if _URL_UNSAFE.isdisjoint(stream) and size + len(stream) + 1 <= _MAX_URL_STREAM_CHARS:
                    chosen.append(stream)
                    size += len(stream) + 1
            path, _, query = self.channel_address("combined").partition("?")
            url = base + path + "?" + query.replace("{streams}", "/".join(chosen)) if chosen else base + path
            return _add_query(url, self._query), frozenset(chosen)
        address = self.channel_address("raw")
        first = streams[0] if streams else ""
        if first and "?" not in first and "/" not in first and "#" not in first:
            return _add_query(base + address.replace("{streamName}", first), self._query), frozenset((first,))
        return _add_query(base + address.replace("/{streamName}", ""), self._query), frozenset()

    # ------------------------------------------------------------------ user data

    def user_data_url(self, listen_key: str) -> str:
        """The URL of the listenKey user-data connection."""
        configured = self._settings.channel_urls.get("userData")
        base = configured if configured is not None else self.server_url()
        private = self._private_route_base(base) if configured is None else None
        if private is not None:
            # The private route takes the key as a query parameter and delivers only the listed events.
            return umfutures_private_url(private, listen_key, user_data_event_types(self.spec))
        return base.rstrip("/") + self.channel_address("userData").replace("{listenKey}", listen_key)

    def _private_route_base(self, base: str) -> str | None:
        """The USDⓈ-M private route, which takes the listenKey as a query parameter, or None elsewhere."""
        if self.url_override is not None:
            return None
        if "private" in self.spec.routes:
            return self.spec.server_url(testnet=self.testnet, route="private").rstrip("/")
        if umfutures_routes_apply(self.spec.product, base):
            return base.rstrip("/") + "/private"
        return None

    def user_data_api_url(self) -> str | None:
        """The futures WS API that serves the listenKey methods (``userDataStream.start`` ...); None where the
        product has none and no ``api_url`` was given."""
        if self._settings.api_url is not None:
            return self._settings.api_url
        profile = profile_for(self.spec.product)
        default = profile.user_data_api_testnet_url if self.testnet else profile.user_data_api_url
        if default is None:
            return None
        if self.url_override is not None:
            # A local or proxied server: keep Binance's WS API path on the overriding host.
            return self.url_override.rstrip("/") + urlsplit(default).path
        return default
