"""The default transport: websockets' Sans-I/O opening handshake, then our own frame layer (:mod:`.link`).

Everything here goes through documented APIs: asyncio's ``create_connection`` for TCP and TLS, websockets'
``parse_uri`` and ``ClientProtocol`` for the upgrade, websockets' extension objects for permessage-deflate. Options
(``connect_options``): ``additional_headers``, ``user_agent_header``, ``origin``, ``subprotocols``,
``compression`` (``"deflate"`` to offer permessage-deflate; off by default: market data is many small frames, and
inflating each costs more than the bandwidth it saves), ``ssl``, ``server_hostname``, ``proxy`` (see :mod:`.proxy`),
``family``, ``local_addr``. Redirects (HTTP 301/302/303/307/308 with a ``Location``) are followed up to 10 times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from websockets.exceptions import InvalidURI
from websockets.uri import WebSocketURI, parse_uri

from ..errors import ConnectionClosedError
from ..timeouts import wait_with_timeout
from .handshake import DEFAULT_USER_AGENT, ClientHandshake, HandshakeError, compression_extensions, header_pairs
from .link import LinkState, WebSocketLink
from .proxy import open_tunnel, proxy_for, tls_context
from .transport import CloseInfo, FrameSink, LinkOptions, Transport, redact_url

__all__ = ["CONNECT_OPTIONS", "WebsocketsTransport", "open_websockets"]

CONNECT_OPTIONS = frozenset(
    {
        "additional_headers",
        "user_agent_header",
        "origin",
        "subprotocols",
        "compression",
        "ssl",
        "server_hostname",
        "proxy",
        "family",
        "local_addr",
    }
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10


class WebsocketsTransport(Transport):
    """A :class:`Transport` over one :class:`WebSocketLink` (client side)."""

    def __init__(self, link: WebSocketLink) -> None:
        self.link = link

    @property
    def last_traffic(self) -> float:
        return self.link.last_traffic

    @property
    def is_open(self) -> bool:
        return self.link.state is LinkState.OPEN

    @property
    def is_closed(self) -> bool:
        return self.link.state is LinkState.CLOSED

    def start_delivery(self, sink: FrameSink, name: str) -> None:
        self.link.start_delivery(sink, name)

    async def send(self, text: str) -> None:
        await self.link.send(text)

    async def close(self, code: int, reason: str) -> None:
        await self.link.close(code, reason)

    def abort(self) -> None:
        self.link.abort()

    async def wait_closed(self) -> CloseInfo:
        return await asyncio.shield(self.link.closed)


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = set(options) - CONNECT_OPTIONS
    if unknown:
        raise TypeError(
            f"connect option(s) {sorted(unknown)} not supported by the websockets transport; "
            f"supported: {sorted(CONNECT_OPTIONS)}"
        )


async def open_websockets(url: str, options: LinkOptions) -> WebsocketsTransport:
    """Open a link to ``url``; :class:`ConnectionClosedError` with the cause (and no secret of the URL) on failure."""
    _check_options(options.connect_options)
    try:
        uri = parse_uri(url)
    except InvalidURI:
        # The exception text repeats the whole URL, which may hold a listenKey.
        raise ConnectionClosedError(f"invalid URL {redact_url(url)}") from None
    try:
        link = await wait_with_timeout(_open_following_redirects(uri, options), options.open_timeout)
    except (OSError, HandshakeError, TimeoutError, asyncio.TimeoutError, ConnectionClosedError) as exc:
        raise ConnectionClosedError(f"cannot connect to {redact_url(url)}: {exc!r}") from exc
    return WebsocketsTransport(link)


async def _open_following_redirects(uri: WebSocketURI, options: LinkOptions) -> WebSocketLink:
    for _ in range(_MAX_REDIRECTS):
        try:
            return await _open_once(uri, options)
        except HandshakeError as exc:
            if exc.status not in _REDIRECTS or not exc.location:
                raise
            base = f"{'https' if uri.secure else 'http'}://{uri.host}:{uri.port}{uri.resource_name}"
            target = urljoin(base, exc.location)
            target = target.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
            try:
                uri = parse_uri(target)
            except InvalidURI:
                raise HandshakeError(f"redirect to an invalid URL: {redact_url(target)}", status=exc.status) from None
    raise HandshakeError(f"more than {_MAX_REDIRECTS} redirects")


async def _open_once(uri: WebSocketURI, link_options: LinkOptions) -> WebSocketLink:
    options = link_options.connect_options
    loop = asyncio.get_running_loop()
    handshake = ClientHandshake(
        uri,
        origin=options.get("origin"),
        extensions=compression_extensions(options.get("compression")),
        subprotocols=options.get("subprotocols"),
        headers=header_pairs(options.get("additional_headers")),
        user_agent=options.get("user_agent_header", DEFAULT_USER_AGENT),
    )
    link = WebSocketLink(
        handshake,
        max_size=link_options.max_size,
        text_as_bytes=link_options.text_as_bytes,
        ping_interval=link_options.ping_interval,
        ping_timeout=link_options.ping_timeout,
        close_timeout=link_options.close_timeout,
    )
    ssl_context = tls_context(options.get("ssl"), uri.secure)
    extra: dict[str, Any] = {}
    if ssl_context is not None:
        extra["ssl"] = ssl_context
        extra["server_hostname"] = options.get("server_hostname", uri.host)
    proxy = proxy_for(options.get("proxy", True), uri.host, uri.port, uri.secure)
    if proxy is not None:
        sock = await open_tunnel(proxy, uri.host, uri.port, timeout=None)
        transport, _ = await loop.create_connection(lambda: link, sock=sock, **extra)
    else:
        for key in ("family", "local_addr"):
            if key in options:
                extra[key] = options[key]
        transport, _ = await loop.create_connection(lambda: link, uri.host, uri.port, **extra)
    try:
        await asyncio.shield(link.opened)
    except BaseException:
        transport.abort()
        raise
    return link
