"""The opening handshake (RFC 6455 section 4), done by websockets' documented Sans-I/O layer.

websockets builds and checks the HTTP upgrade: the request with a fresh ``Sec-WebSocket-Key``, the response's status,
``Upgrade``/``Connection`` headers and ``Sec-WebSocket-Accept``, extension and subprotocol negotiation. We use only
its public Sans-I/O API (``ClientProtocol``/``ServerProtocol``: ``connect``, ``accept``, ``reject``,
``send_request``, ``send_response``, ``receive_data``, ``events_received``, ``data_to_send``, ``handshake_exc``) and
hand it exactly the bytes of the HTTP exchange: the frames that follow (even in the same read) belong to our own
frame layer (:mod:`.frames`), which owns the connection from the end of the handshake on.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import version
from typing import Any

from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.extensions import ClientExtensionFactory, Extension
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.http11 import Request, Response
from websockets.server import ServerProtocol
from websockets.typing import Origin, Subprotocol
from websockets.uri import WebSocketURI

from .. import __version__

__all__ = [
    "DEFAULT_USER_AGENT",
    "ClientHandshake",
    "HandshakeError",
    "HandshakeResult",
    "ServerHandshake",
    "compression_extensions",
]

DEFAULT_USER_AGENT = (
    f"binance-ws-runtime/{__version__} Python/{platform.python_version()} websockets/{version('websockets')}"
)

_END_OF_HEAD = b"\r\n\r\n"
_MAX_HEAD = 64 * 1024


class HandshakeError(Exception):
    """The server did not accept the upgrade; ``status`` is its HTTP status, when it answered with one."""

    def __init__(self, message: str, *, status: int | None = None, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.location = location


@dataclass(frozen=True, slots=True)
class HandshakeResult:
    """What the handshake settled: the negotiated extensions and subprotocol, and bytes read past its end."""

    extensions: tuple[Extension, ...]
    subprotocol: str | None
    rest: bytes


def compression_extensions(compression: str | None) -> list[ClientExtensionFactory] | None:
    """The extensions to offer for the ``compression`` option: permessage-deflate for ``"deflate"``, else none."""
    if compression is None:
        return None
    if compression != "deflate":
        raise ValueError(f'compression must be "deflate" or None, not {compression!r}')
    # The settings websockets' own client offers: a small window keeps memory low for many connections.
    return [ClientPerMessageDeflateFactory(client_max_window_bits=True, compress_settings={"memLevel": 5})]


def _split_head(buffer: bytes) -> int:
    """The length of the HTTP head at the start of ``buffer`` (through the blank line), or -1 if incomplete."""
    end = buffer.find(_END_OF_HEAD)
    if end < 0:
        if len(buffer) > _MAX_HEAD:
            raise HandshakeError(f"HTTP head over {_MAX_HEAD} bytes")
        return -1
    return end + len(_END_OF_HEAD)


class ClientHandshake:
    """The client side: :meth:`request` gives the bytes to send, :meth:`receive` reads the response.

    ``receive`` returns None while the response is incomplete, then a :class:`HandshakeResult`; it raises
    :class:`HandshakeError` when the server refused the upgrade or answered something that is not one.
    """

    def __init__(
        self,
        uri: WebSocketURI,
        *,
        origin: str | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[str] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        user_agent: str | None = DEFAULT_USER_AGENT,
    ) -> None:
        self._protocol = ClientProtocol(
            uri,
            origin=Origin(origin) if origin is not None else None,
            extensions=extensions,
            subprotocols=[Subprotocol(name) for name in subprotocols] if subprotocols else None,
            max_size=None,
        )
        self._request = self._protocol.connect()
        if user_agent is not None:
            self._request.headers["User-Agent"] = user_agent
        if headers is not None:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            for name, value in pairs:
                self._request.headers[name] = value
        self._buffer = b""
        self._head_seen = False

    def request(self) -> bytes:
        self._protocol.send_request(self._request)
        return b"".join(self._protocol.data_to_send())

    def receive(self, data: bytes) -> HandshakeResult | None:
        protocol = self._protocol
        rest = b""
        if self._head_seen:
            # A refusal with a body: the body is the response's, websockets reads it.
            protocol.receive_data(data)
        else:
            self._buffer += data
            end = _split_head(self._buffer)
            if end < 0:
                return None
            head, rest = self._buffer[:end], self._buffer[end:]
            self._buffer = b""
            self._head_seen = True
            protocol.receive_data(head)
        response = next((event for event in protocol.events_received() if isinstance(event, Response)), None)
        error = protocol.handshake_exc
        if response is None and error is None:
            if rest:
                # Not a 101 (a 101 has no body): the rest is the response's body, for websockets to read.
                return self.receive(rest)
            return None
        if error is not None:
            raise _handshake_error(error, response)
        return HandshakeResult(tuple(protocol.extensions), protocol.subprotocol, rest)


def _handshake_error(error: Exception, response: Response | None) -> HandshakeError:
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        location = error.response.headers.get("Location")
        body = bytes(error.response.body or b"")[:200].decode("utf-8", "replace")
        detail = f": {body}" if body else ""
        return HandshakeError(
            f"server rejected the WebSocket upgrade with HTTP {status}{detail}", status=status, location=location
        )
    if isinstance(error, InvalidHandshake):
        return HandshakeError(f"invalid WebSocket handshake: {error}")
    return HandshakeError(f"invalid WebSocket handshake: {error!r}")


Decision = tuple[int, str, str] | None
"""What a server's ``process_request`` returns: None accepts, ``(status, content type, body)`` refuses."""


class ServerHandshake:
    """The server side: :meth:`receive` reads the request, then the caller accepts or refuses it.

    ``process_request(path, headers)`` decides; a malformed upgrade request is refused by websockets itself (400).
    """

    def __init__(self, process_request: Callable[[str, Headers], Decision]) -> None:
        self._protocol = ServerProtocol(max_size=None)
        self._process_request = process_request
        self._buffer = b""
        self.request: Request | None = None

    def receive(self, data: bytes) -> tuple[bytes, bool, bytes] | None:
        """None while the request is incomplete, else ``(bytes to send, accepted, bytes read past the request)``."""
        self._buffer += data
        end = _split_head(self._buffer)
        if end < 0:
            return None
        head, rest = self._buffer[:end], self._buffer[end:]
        self._buffer = b""
        protocol = self._protocol
        protocol.receive_data(head)
        request = next((event for event in protocol.events_received() if isinstance(event, Request)), None)
        if request is None:
            # websockets could not parse the request; it has prepared its 400 answer.
            response = protocol.reject(
                HTTPStatus.BAD_REQUEST,
                f"Failed to open a WebSocket connection: {protocol.handshake_exc or 'malformed request'}.\n",
            )
            protocol.send_response(response)
            return b"".join(protocol.data_to_send()), False, b""
        self.request = request
        decision = self._process_request(request.path, request.headers)
        if decision is None:
            response = protocol.accept(request)
            protocol.send_response(response)
            accepted = protocol.handshake_exc is None and response.status_code == 101
            return b"".join(protocol.data_to_send()), accepted, rest if accepted else b""
        status, content_type, body = decision
        response = protocol.reject(status, body)
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = content_type
        protocol.send_response(response)
        return b"".join(protocol.data_to_send()), False, b""


def header_pairs(value: Any) -> list[tuple[str, str]]:
    """``additional_headers`` as websockets accepts them (a mapping, pairs, or a ``Headers``) as a list of pairs."""
    if value is None:
        return []
    if isinstance(value, Headers):
        return list(value.raw_items())
    if isinstance(value, Mapping):
        return [(str(name), str(item)) for name, item in value.items()]
    return [(str(name), str(item)) for name, item in value]
