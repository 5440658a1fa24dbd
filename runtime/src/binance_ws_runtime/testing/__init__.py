"""The mock server engine: ``testing.MockBinanceServer`` of a generated package is :class:`MockServerBase` bound to
that package's spec and mock data (see :mod:`.server` for what it speaks and how it is organised)."""

from .data import MockData, MockOperation
from .listen_keys import ListenKeyRegistry
from .server import MockServerBase
from .state import PROFILE_DEFAULT, MalformedKind, MockConnection, MockReplyError, MockRequest

__all__ = [
    "PROFILE_DEFAULT",
    "ListenKeyRegistry",
    "MalformedKind",
    "MockConnection",
    "MockData",
    "MockOperation",
    "MockReplyError",
    "MockRequest",
    "MockServerBase",
]
