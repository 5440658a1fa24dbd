"""A bounded history of the messages sent and received, with secrets masked before storage.

Secrets (``apiKey``, ``signature``, listenKeys ...) are masked when a message is recorded, so the
history can be logged or dumped after an incident without leaking credentials.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["REDACTED", "SECRET_KEYS", "HistoryEntry", "MessageHistory", "redact", "redact_text"]

REDACTED = "<redacted>"

SECRET_KEYS = frozenset(
    {"apiKey", "signature", "listenKey", "listenToken", "secretKey", "privateKey", "privateKeyPassphrase"}
)

# Parts of replies that never carry secrets and are large or frequent enough to be worth skipping.
_SECRET_FREE_KEYS = frozenset({"rateLimits"})

_SECRET_IN_TEXT = re.compile(
    r'("(?:' + "|".join(sorted(SECRET_KEYS)) + r')"\s*:\s*)"[^"]*"'
    r"|((?:listenKey|signature|apiKey)=)[^&\s\"']+"
)

Direction = Literal["sent", "received"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    time: float
    """Unix time (seconds) when the message was sent or received."""
    direction: Direction
    message: Any
    """The decoded JSON message (secrets masked), or the raw text of a frame that was not JSON."""
    event_type: str | None = None
    """The event type for events, the method for requests and replies, None when unknown."""


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret fields masked; unchanged objects are returned as they are (no copy)."""
    cls = type(value)
    if cls is dict or (cls is not list and cls is not str and isinstance(value, Mapping)):
        changed: dict[str, Any] | None = None
        for key, item in value.items():
            if key in SECRET_KEYS:
                if item is None:
                    continue
                replacement: Any = REDACTED
            else:
                item_cls = type(item)
                # Scalars cannot hold a secret field; skipping them here keeps recording cheap on the hot path.
                if item_cls is str or item_cls is int or item_cls is float or item_cls is bool or item is None:
                    continue
                if key in _SECRET_FREE_KEYS:
                    continue
                replacement = redact(item)
                if replacement is item:
                    continue
            if changed is None:
                changed = dict(value)
            changed[key] = replacement
        return value if changed is None else changed
    if cls is list:
        items = [redact(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items
    if cls is str:
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    """Mask secrets in raw JSON text or URL-like text."""
    if "apiKey" not in text and "signature" not in text and "listenKey" not in text and "Key" not in text:
        return text
    return _SECRET_IN_TEXT.sub(
        lambda m: (m.group(1) or m.group(2)) + (f'"{REDACTED}"' if m.group(1) else REDACTED), text
    )


class MessageHistory:
    """The newest ``size`` messages, oldest first. ``size=0`` turns recording off."""

    def __init__(self, size: int = 1000) -> None:
        if size < 0:
            raise ValueError("history size must be >= 0")
        self.size = size
        self._entries: collections.deque[HistoryEntry] = collections.deque(maxlen=size or None)

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def record(self, direction: Direction, message: Any, event_type: str | None = None) -> None:
        if not self.size:
            return
        if isinstance(message, bytes):
            message = redact_text(message.decode("utf-8", "replace"))
        self._entries.append(HistoryEntry(time.time(), direction, redact(message), event_type))

    def get(self, limit: int | None = None, event_type: str | None = None) -> list[HistoryEntry]:
        """Entries oldest first (newest last), optionally only one event type, at most the ``limit`` newest."""
        entries: list[HistoryEntry] = (
            list(self._entries)
            if event_type is None
            else [entry for entry in self._entries if entry.event_type == event_type]
        )
        if limit is not None:
            entries = entries[-limit:] if limit > 0 else []
        return entries

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
