"""Reconnect delays: exponential growth with full jitter, a cap, an optional attempt limit.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads the reconnects of many
clients cut at the same moment (a Binance deploy, the 24 h cut) instead of having them retry in
lockstep against the 300 connections per 5 minutes per IP limit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff", "BackoffPolicy"]

# 2**62 already exceeds any sensible cap; bounding the exponent keeps the float math from overflowing
# when a client has been retrying for a very long time.
_MAX_EXPONENT = 62


class Backoff:
    """Delay generator for one connection: ``delay = uniform(0, min(cap, base * 2**attempt))``."""

    def __init__(
        self,
        base: float = 0.5,
        cap: float = 30.0,
        max_attempts: int | None = None,
        reset_after: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        if base < 0 or cap < 0:
            raise ValueError("backoff base and cap must not be negative")
        if max_attempts is not None and max_attempts < 0:
            raise ValueError("max_attempts must be None or >= 0")
        self.base = base
        self.cap = cap
        self.max_attempts = max_attempts
        self.reset_after = reset_after
        self.attempt = 0
        self._rng = rng if rng is not None else random.Random()

    def ceiling(self) -> float:
        """Upper bound of the next delay."""
        exponential: float = self.base * float(2 ** min(self.attempt, _MAX_EXPONENT))
        return min(self.cap, exponential)

    def next_delay(self) -> float | None:
        """The delay before the next attempt, or None once ``max_attempts`` attempts were used."""
        if self.max_attempts is not None and self.attempt >= self.max_attempts:
            return None
        delay = self._rng.uniform(0.0, self.ceiling())
        self.attempt += 1
        return delay

    def mark_stable(self) -> None:
        """Start over from the base delay: the last connection stayed up long enough."""
        self.attempt = 0

    def __repr__(self) -> str:
        return (
            f"Backoff(base={self.base!r}, cap={self.cap!r}, max_attempts={self.max_attempts!r}, "
            f"reset_after={self.reset_after!r}, attempt={self.attempt})"
        )


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """User-facing reconnect settings; each connection builds its own :class:`Backoff` from them."""

    base: float = 0.5
    cap: float = 30.0
    reset_after: float = 60.0

    def build(self, max_attempts: int | None = None, rng: random.Random | None = None) -> Backoff:
        return Backoff(self.base, self.cap, max_attempts, self.reset_after, rng)
