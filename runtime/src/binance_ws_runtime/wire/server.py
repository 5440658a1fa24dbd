"""A small WebSocket server on the same frame layer as the client (for the mock server in :mod:`..testing`).

:func:`serve` listens on a host and port; for every accepted upgrade it runs ``handler(connection)`` in a task of its
own. A :class:`ServerConnection` reads messages in order (``await recv()`` or ``async for``), sends, pings, closes,
and exposes the switches the mock's fault controls need (stop answering pings, go silent, abort the socket). The
upgrade request goes to ``process_request(path, headers)`` first, which accepts (None) or refuses it with an HTTP
status and body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from websockets.datastructures import Headers

from ..errors import ConnectionClosedError
from .handshake import Decision, ServerHandshake
from .link import LinkState, WebSocketLink
from .transport import CloseInfo

__all__ = ["Server", "ServerConnection", "serve"]

logger = logging.getLogger(__name__)

_END = object()


class ServerConnection:
    """The server's side of one client connection, after the upgrade."""

    def __init__(self, link: WebSocketLink, path: str) -> None:
        self.link = link
        self.path = path
        """The request target of the upgrade (path and query)."""
        self._messages: asyncio.Queue[Any] = asyncio.Queue()
        link.start_delivery(self._messages.put_nowait, f"server connection {path}")
        link.closed.add_done_callback(lambda _: self._messages.put_nowait(_END))

    @property
    def is_open(self) -> bool:
        return self.link.state is LinkState.OPEN

    @property
    def close_info(self) -> CloseInfo | None:
        return self.link.closed.result() if self.link.closed.done() else None

    async def recv(self) -> str | bytes:
        """The next message; :class:`ConnectionClosedError` once the connection is closed and drained."""
        message = await self._messages.get()
        if message is _END:
            self._messages.put_nowait(_END)
            info = self.close_info
            raise ConnectionClosedError("connection closed", code=info.code if info else None)
        assert isinstance(message, (str, bytes))
        return message

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedError:
                return

    async def send(self, message: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message; :class:`ConnectionClosedError` when closed."""
        await self.link.send(message)

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (malformed frames for fault tests)."""
        if self.link.transport is not None and not self.link.transport.is_closing():
            self.link.transport.write(data)

    def ping(self) -> asyncio.Future[float]:
        return self.link.ping()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.link.close(code, reason)

    def abort(self) -> None:
        self.link.abort()

    async def wait_closed(self) -> CloseInfo:
        return await asyncio.shield(self.link.closed)


Handler = Callable[[ServerConnection], Awaitable[None]]
RequestFilter = Callable[[str, Headers], Decision]


class Server:
    """A listening server; :meth:`close` closes every connection (1001), stops listening and awaits the handlers."""

    def __init__(
        self, handler: Handler, process_request: RequestFilter, *, max_size: int | None, close_timeout: float
    ) -> None:
        self._handler = handler
        self._process_request = process_request
        self._max_size = max_size
        self._close_timeout = close_timeout
        self._server: asyncio.Server | None = None
        self._links: set[WebSocketLink] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._new_link, host, port)

    def _new_link(self) -> WebSocketLink:
        handshake = ServerHandshake(self._process_request)
        link = WebSocketLink(
            handshake, max_size=self._max_size, close_timeout=self._close_timeout, on_open=self._opened
        )
        self._links.add(link)
        link.closed.add_done_callback(lambda _: self._links.discard(link))
        return link

    def _opened(self, link: WebSocketLink) -> None:
        handshake = link.handshake
        assert isinstance(handshake, ServerHandshake) and handshake.request is not None
        connection = ServerConnection(link, handshake.request.path)
        task = asyncio.get_running_loop().create_task(self._run(connection), name=f"mock-connection {connection.path}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, connection: ServerConnection) -> None:
        try:
            await self._handler(connection)
        except ConnectionClosedError:
            pass
        except Exception:
            logger.exception("connection handler failed")
        finally:
            # A handler that returns ends its connection; one already closing finishes its close handshake.
            if connection.is_open:
                await connection.close(1000, "")

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        links = list(self._links)
        await asyncio.gather(*(link.close(1001, "server shutdown") for link in links), return_exceptions=True)
        tasks = list(self._tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()


async def serve(
    handler: Handler,
    host: str,
    port: int,
    *,
    process_request: RequestFilter,
    max_size: int | None = 2**20,
    close_timeout: float = 3.0,
) -> Server:
    """Start a server on ``host:port`` (0: any free port; read it from :attr:`Server.port`)."""
    server = Server(handler, process_request, max_size=max_size, close_timeout=close_timeout)
    await server.start(host, port)
    return server
