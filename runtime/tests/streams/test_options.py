"""StreamSettings: the streams client's keyword options resolved against the product, checked before anything opens."""

from __future__ import annotations

from typing import Any

import pytest

from binance_ws_runtime.backoff import BackoffPolicy
from binance_ws_runtime.policy import SPOT, UMFUTURES
from binance_ws_runtime.streams.options import StreamClientOptions, StreamSettings

from ..fixtures.spot_streams import SpotStreamsClient


def resolve(product: str, **options: Any) -> StreamSettings:
    given: StreamClientOptions = options  # type: ignore[assignment]
    return StreamSettings.resolve(product, given)


def test_left_out_options_take_the_products_values() -> None:
    spot, futures = resolve("spot"), resolve("umfutures")
    assert spot.links.control_messages_per_second == SPOT.control_messages_per_second
    assert futures.links.control_messages_per_second == UMFUTURES.control_messages_per_second
    assert spot.links.silence_timeout == SPOT.silence_timeout
    assert futures.links.silence_timeout == UMFUTURES.silence_timeout
    assert spot.max_streams_per_connection == 1024
    assert futures.listen_key_keepalive == UMFUTURES.listen_key_keepalive
    # Rotation comes well before Binance's 24 h cut.
    assert spot.links.rotate_after is not None and 23 * 3600 <= spot.links.rotate_after < 24 * 3600
    assert (spot.combined, spot.deliver_routed, spot.event_models, spot.links.transport) == (
        True,
        False,
        "pydantic",
        "websockets",
    )
    assert (spot.history_size, spot.events_queue_size, spot.events_overflow) == (1000, 10_000, "drop_oldest")
    assert spot.links.backoff == BackoffPolicy()


def test_given_options_win_and_zero_turns_a_limit_off() -> None:
    settings = resolve(
        "spot",
        silence_timeout=0,
        max_connection_age=0,
        max_streams_per_connection=5,
        control_messages_per_second=50.0,
        listen_key_keepalive=60.0,
        time_unit="microsecond",
        deliver="routed",
        backoff=BackoffPolicy(base=0.1),
    )
    assert settings.links.silence_timeout is None and settings.links.rotate_after is None
    assert settings.max_streams_per_connection == 5 and settings.links.control_messages_per_second == 50.0
    assert settings.listen_key_keepalive == 60.0 and settings.time_unit == "MICROSECOND"
    assert settings.deliver_routed and settings.links.backoff.base == 0.1
    assert resolve("spot", max_connection_age=3600).links.rotate_after == 3600
    # A raw connection carries one stream.
    assert resolve("spot", combined=False, max_streams_per_connection=5).max_streams_per_connection == 1


@pytest.mark.parametrize(
    ("product", "options"),
    [
        ("spot", {"max_streams_per_connection": 0}),
        ("spot", {"control_messages_per_second": 0}),
        ("spot", {"deliver": "json"}),
        ("spot", {"time_unit": "SECOND"}),
        ("umfutures", {"time_unit": "MICROSECOND"}),
        ("spot", {"channel_urls": {"market": "wss://h"}}),
        ("spot", {"transport": "carrier-pigeon"}),
    ],
)
def test_values_out_of_range_are_refused(product: str, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        resolve(product, **options)


def test_unknown_options_are_refused_like_unknown_keyword_arguments() -> None:
    with pytest.raises(TypeError, match="reconect_backoff"):
        resolve("spot", reconect_backoff=BackoffPolicy())
    with pytest.raises(TypeError):
        SpotStreamsClient(max_streams=5)


def test_the_client_keeps_its_settings() -> None:
    client = SpotStreamsClient(request_timeout=3.0, combined=False)
    assert client.settings.links.request_timeout == client.request_timeout == 3.0
    assert not client.combined and client.max_streams_per_connection == 1
