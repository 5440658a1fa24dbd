"""Backoff: jittered exponential reconnect delays, a cap, an attempt limit; BackoffPolicy builds them."""

from __future__ import annotations

import random

import pytest

from binance_ws_runtime.backoff import Backoff, BackoffPolicy


def test_backoff_delays_stay_within_the_exponential_ceiling_and_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=4.0, rng=random.Random(7))
    for attempt in range(12):
        ceiling = min(4.0, 0.5 * 2**attempt)
        delay = backoff.next_delay()
        assert delay is not None
        assert 0.0 <= delay <= ceiling
    assert backoff.attempt == 12


def test_backoff_is_jittered_not_constant() -> None:
    backoff = Backoff(base=1.0, cap=1.0, rng=random.Random(1))
    delays = {backoff.next_delay() for _ in range(20)}
    assert len(delays) > 10


def test_backoff_gives_up_after_max_attempts_and_resets_when_stable() -> None:
    backoff = Backoff(base=0.1, cap=1.0, max_attempts=3)
    assert [backoff.next_delay() is not None for _ in range(3)] == [True, True, True]
    assert backoff.next_delay() is None
    backoff.mark_stable()
    assert backoff.attempt == 0
    assert backoff.next_delay() is not None


def test_backoff_survives_a_huge_attempt_count() -> None:
    backoff = Backoff(base=0.5, cap=30.0)
    backoff.attempt = 10_000
    delay = backoff.next_delay()
    assert delay is not None and 0.0 <= delay <= 30.0


def test_backoff_policy_builds_independent_generators() -> None:
    policy = BackoffPolicy(base=0.2, cap=2.0, reset_after=5.0)
    first, second = policy.build(max_attempts=2), policy.build()
    first.next_delay()
    assert first.attempt == 1 and second.attempt == 0
    assert first.max_attempts == 2 and second.max_attempts is None
    assert first.reset_after == 5.0


def test_backoff_rejects_negative_settings() -> None:
    with pytest.raises(ValueError):
        Backoff(base=-1)
    with pytest.raises(ValueError):
        Backoff(max_attempts=-1)
