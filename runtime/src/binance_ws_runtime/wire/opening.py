"""Opening a transport by name: the one module that knows every implementation of :class:`~.transport.Transport`.

Kept apart from :mod:`.transport` so that the implementations depend on the interface and nothing depends back.
"""

from __future__ import annotations

from .transport import LinkOptions, Transport

__all__ = ["open_transport"]


async def open_transport(kind: str, url: str, options: LinkOptions) -> Transport:
    """Open a link; :class:`ConnectionClosedError` (with the cause, never the secret parts of ``url``) on failure."""
    # Each transport module is imported when asked for: picows is optional, and neither needs the other.
    if kind == "picows":
        from .picows_transport import open_picows

        return await open_picows(url, options)
    from .websockets_transport import open_websockets

    return await open_websockets(url, options)
