"""The socket under a :class:`~..connection.ManagedConnection`: what a transport is (:mod:`.opening` opens one).

Two implementations of :class:`Transport`:

* ``"websockets"`` (default, :mod:`.websockets_transport`): websockets' documented Sans-I/O layer does the opening
  handshake, our own frame layer (:mod:`.link`, :mod:`.frames`) everything after it;
* ``"picows"`` (optional, :mod:`.picows_transport`): picows parses frames in C; imported only when asked for.

Both hand every message to the frame sink synchronously, from the event loop's read callback, in arrival order: no
queue, no task and no ``await`` per frame. Messages that arrive before delivery starts (in the same TCP segment as the
handshake reply) are kept and handed over first, so the order holds. A close from the server is processed after the
frames that preceded it, which is what keeps "every buffered frame is delivered before ``on_close``" true.
"""

from __future__ import annotations

import abc
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConnectionClosedError
from .frames import CLEAN_CLOSE_CODES

__all__ = [
    "TRANSPORTS",
    "CloseInfo",
    "FrameSink",
    "LinkOptions",
    "Transport",
    "TransportName",
    "redact_url",
    "require_transport",
]

TransportName = Literal["websockets", "picows"]
TRANSPORTS: frozenset[str] = frozenset({"websockets", "picows"})

FrameSink = Callable[[Any], None]
"""Receives each complete message: ``str`` for text (``bytes`` with ``text_as_bytes``), ``bytes`` for binary."""

# listenKeys (60 characters) and similar tokens travel in URL paths; never log them in clear.
_SECRET_SEGMENT = re.compile(r"[A-Za-z0-9]{32,}")


def redact_url(url: str) -> str:
    """The URL without its query string and with long token-like path segments masked, for logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    path = _SECRET_SEGMENT.sub("***", parts.path)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, path, "", ""))


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """Why a link went down. ``clean`` is True for a completed close handshake with 1000, 1001 or no status."""

    code: int | None
    reason: str
    clean: bool
    error: BaseException | None = None

    @classmethod
    def of(
        cls,
        name: str,
        *,
        received: tuple[int, str] | None,
        sent: tuple[int, str] | None,
        failure: str | None,
        lost: BaseException | None = None,
    ) -> CloseInfo:
        """How a link ended, from the close frames it ``received`` and ``sent`` and the ``failure`` it failed with.

        The code and reason are the received frame's (else the sent one's); an unclean end carries a
        :class:`ConnectionClosedError` saying why (``lost``: what the socket reported, when no close frame came).
        """
        frame = received if received is not None else sent
        code = frame[0] if frame is not None else None
        reason = frame[1] if frame is not None else ""
        if (
            failure is None
            and received is not None
            and sent is not None
            and received[0] in CLEAN_CLOSE_CODES
            and sent[0] in CLEAN_CLOSE_CODES
        ):
            return cls(code, reason, True, None)
        if failure is not None:
            detail = f"protocol error: {failure}"
        elif code is None:
            detail = "no close frame" + (f": {lost}" if lost else "")
        else:
            detail = f"close code {code}" + (f" {reason!r}" if reason else "")
        error = ConnectionClosedError(f"{name} closed abnormally ({detail})", code=code, reason=reason)
        return cls(code, reason, False, error)

    def __str__(self) -> str:
        code = "no close code" if self.code is None else f"code {self.code}"
        reason = f" {self.reason!r}" if self.reason else ""
        return f"{code}{reason}" + ("" if self.clean else " (abnormal)")


@dataclass(frozen=True, slots=True)
class LinkOptions:
    """How to open a link: keepalive, timeouts, the message size limit, transport-specific connect options, and
    whether text frames are handed over as ``bytes`` (for JSON parsers that take bytes)."""

    ping_interval: float | None = 20.0
    ping_timeout: float | None = 10.0
    open_timeout: float = 10.0
    close_timeout: float = 3.0
    max_size: int | None = 64 * 2**20
    connect_options: Mapping[str, Any] = field(default_factory=dict)
    text_as_bytes: bool = False


def require_transport(name: str) -> None:
    """Raise ``ValueError`` for an unknown transport and ``ImportError`` when its package is missing."""
    if name not in TRANSPORTS:
        raise ValueError(f"transport must be one of {sorted(TRANSPORTS)}, not {name!r}")
    if name == "picows":
        import_picows()


def import_picows() -> Any:
    """The optional picows module, or an ``ImportError`` that says how to install it."""
    try:
        # Imported by name so that type checking does not depend on whether the optional package is installed.
        return importlib.import_module("picows")
    except ImportError as exc:
        raise ImportError(
            'transport="picows" needs the optional picows package: pip install picows '
            "(or install this package with its [fast] extra)"
        ) from exc


class Transport(abc.ABC):
    """One open websocket link."""

    @property
    @abc.abstractmethod
    def last_traffic(self) -> float:
        """Event-loop time of the last bytes received (frames, pings, pongs): the silence detector reads it."""

    @property
    @abc.abstractmethod
    def is_open(self) -> bool:
        """Open for sending: no close frame sent or received yet."""

    @property
    @abc.abstractmethod
    def is_closed(self) -> bool:
        """The socket is gone."""

    @abc.abstractmethod
    def start_delivery(self, sink: FrameSink, name: str) -> None:
        """Deliver the buffered frames to ``sink``, then every further frame as it arrives."""

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Send one text frame; :class:`ConnectionClosedError` when the link is closed."""

    @abc.abstractmethod
    async def close(self, code: int, reason: str) -> None:
        """Close handshake, then the socket; bounded by the close timeout."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop the socket at once (a half-open link would never finish a close handshake)."""

    @abc.abstractmethod
    async def wait_closed(self) -> CloseInfo:
        """Wait until the socket is gone (every frame before the close delivered); how it ended."""
