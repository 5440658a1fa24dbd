"""Futures listenKeys as the mock server keeps them: 60 minutes of validity, one active key per API key."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass

from ..policy import LISTEN_KEY_LIFETIME

__all__ = ["ListenKeyRegistry"]

_LISTEN_KEY_ALPHABET = string.ascii_letters + string.digits


@dataclass
class _ListenKey:
    key: str
    api_key: str
    expires_at: float
    active: bool = True


class ListenKeyRegistry:
    """Futures listenKeys (60 minute validity, one per API key). Share one between an API and a streams server."""

    def __init__(self, ttl: float = LISTEN_KEY_LIFETIME) -> None:
        self.ttl = ttl
        self._by_key: dict[str, _ListenKey] = {}
        self._by_api_key: dict[str, str] = {}

    def start(self, api_key: str) -> str:
        """The account's active key, extended, or a new one (Binance returns the same key while it lives)."""
        current = self.key_for(api_key)
        if current is not None:
            self._by_key[current].expires_at = time.monotonic() + self.ttl
            return current
        key = "".join(secrets.choice(_LISTEN_KEY_ALPHABET) for _ in range(64))
        self.add(key, api_key)
        return key

    def add(self, key: str, api_key: str = "") -> None:
        previous = self._by_api_key.get(api_key)
        if previous is not None and api_key:
            self._by_key.pop(previous, None)
        self._by_key[key] = _ListenKey(key, api_key, time.monotonic() + self.ttl)
        self._by_api_key[api_key] = key

    def keepalive(self, api_key: str) -> str | None:
        key = self.key_for(api_key)
        if key is not None:
            self._by_key[key].expires_at = time.monotonic() + self.ttl
        return key

    def key_for(self, api_key: str) -> str | None:
        key = self._by_api_key.get(api_key)
        return key if key is not None and self.is_active(key) else None

    def api_key_of(self, key: str) -> str | None:
        entry = self._by_key.get(key)
        return entry.api_key if entry is not None else None

    def is_active(self, key: str) -> bool:
        entry = self._by_key.get(key)
        return entry is not None and entry.active and time.monotonic() < entry.expires_at

    def invalidate(self, key: str) -> bool:
        entry = self._by_key.pop(key, None)
        if entry is None:
            return False
        if self._by_api_key.get(entry.api_key) == key:
            del self._by_api_key[entry.api_key]
        return True

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.is_active(key)
