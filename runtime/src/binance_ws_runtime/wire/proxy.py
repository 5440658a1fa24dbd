"""Reaching a WebSocket server through a proxy: HTTP(S) ``CONNECT`` tunnels, and SOCKS through python-socks.

``proxy=True`` (the default, as in websockets' own client) takes the proxy from the environment (``https_proxy`` for
``wss://``, ``http_proxy`` for ``ws://``, ``all_proxy``; ``no_proxy`` is honoured) and never proxies loopback hosts,
so a local mock server always works. A string names the proxy (``http://user:pass@host:3128``,
``socks5h://host:1080``); None or False connects directly. The result is a connected socket that the transport then
wraps in TLS (for ``wss://``) and upgrades. A proxy reached over TLS itself (``https://`` proxy URL) would need TLS
inside TLS, which asyncio only offers from Python 3.11; it is refused with a clear error instead of half-working.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import ipaddress
import socket
import ssl as ssl_module
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["ProxyError", "open_tunnel", "proxy_for"]

_MAX_RESPONSE_HEAD = 16 * 1024


class ProxyError(OSError):
    """The proxy refused the tunnel or is unreachable."""


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxy_for(setting: Any, host: str, port: int, secure: bool) -> str | None:
    """The proxy URL to use for ``host:port`` under the ``proxy`` option ``setting`` (None: connect directly)."""
    if setting is None or setting is False:
        return None
    if isinstance(setting, str):
        return setting
    if setting is not True:
        raise TypeError(f"proxy must be True, False, None or a URL string, not {setting!r}")
    if _is_loopback(host) or urllib.request.proxy_bypass(f"{host}:{port}") or urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    keys = ("wss", "https", "all") if secure else ("ws", "http", "all")
    for key in keys:
        url = proxies.get(key)
        if url:
            return url
    return None


async def open_tunnel(proxy_url: str, host: str, port: int, *, timeout: float | None) -> socket.socket:
    """A socket connected to ``host:port`` through ``proxy_url`` (its TLS, if any, is the caller's)."""
    scheme = urlsplit(proxy_url).scheme.lower()
    if scheme == "http":
        return await asyncio.wait_for(_http_connect(proxy_url, host, port), timeout)
    if scheme == "https":
        raise ProxyError(
            f"https:// proxy URLs are not supported ({urlsplit(proxy_url).hostname}): name the proxy with http:// "
            "(the connection to Binance inside the tunnel is TLS either way)"
        )
    if scheme.startswith("socks"):
        return await _socks_connect(proxy_url, host, port, timeout)
    raise ProxyError(f"unsupported proxy scheme {scheme!r} (http, socks4, socks5, socks5h)")


async def _http_connect(proxy_url: str, host: str, port: int) -> socket.socket:
    parts = urlsplit(proxy_url)
    proxy_host = parts.hostname or ""
    proxy_port = parts.port or 80
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(proxy_host, proxy_port, type=socket.SOCK_STREAM)
    if not infos:
        raise ProxyError(f"cannot resolve the proxy {proxy_host}")
    family, kind, proto, _, address = infos[0]
    raw = socket.socket(family, kind, proto)
    raw.setblocking(False)
    try:
        await loop.sock_connect(raw, address)
        target = f"[{host}]" if ":" in host and not host.startswith("[") else host
        lines = [f"CONNECT {target}:{port} HTTP/1.1", f"Host: {target}:{port}"]
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            lines.append("Proxy-Authorization: Basic " + base64.b64encode(credentials).decode())
        request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        await loop.sock_sendall(raw, request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await loop.sock_recv(raw, 4096)
            if not chunk:
                raise ProxyError("the proxy closed the connection during CONNECT")
            head += chunk
            if len(head) > _MAX_RESPONSE_HEAD:
                raise ProxyError("the proxy's CONNECT response is too long")
        _check_connect_status(head)
        return raw
    except BaseException:
        raw.close()
        raise


def _check_connect_status(head: bytes) -> None:
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[1].isdigit():
        raise ProxyError(f"malformed proxy response: {status_line!r}")
    if not 200 <= int(fields[1]) < 300:
        raise ProxyError(f"the proxy refused the tunnel: {status_line}")


async def _socks_connect(proxy_url: str, host: str, port: int, timeout: float | None) -> socket.socket:
    try:
        module = importlib.import_module("python_socks.async_.asyncio")
    except ImportError as exc:
        raise ProxyError("SOCKS proxies need the python-socks package: pip install python-socks") from exc
    try:
        proxy = module.Proxy.from_url(proxy_url)
        sock: socket.socket = await proxy.connect(dest_host=host, dest_port=port, timeout=timeout)
    except (OSError, asyncio.TimeoutError):
        raise
    except Exception as exc:  # python-socks raises its own ProxyError/ProxyConnectionError/ProxyTimeoutError
        raise ProxyError(f"SOCKS proxy {urlsplit(proxy_url).hostname}: {exc}") from exc
    return sock


def tls_context(value: Any, secure: bool) -> ssl_module.SSLContext | None:
    """The TLS context for the ``ssl`` option: the default one for ``wss://``, a given context, or None."""
    if value is None or value is True:
        return ssl_module.create_default_context() if secure else None
    if value is False:
        return None
    if isinstance(value, ssl_module.SSLContext):
        return value
    raise TypeError(f"ssl must be an ssl.SSLContext, True, False or None, not {value!r}")
