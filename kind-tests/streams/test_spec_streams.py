"""The mock speaking this spec: every stream pattern delivers its example event through the client, typed.

The streams client's behaviour (connections, control messages, sharding, rotation, reconnects, the listenKey flow)
is tested once, in the runtime's own suite; this module checks that this spec's streams and user-data events
travel through it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ..._spec import SPEC
from ...auth import BinanceAuth
from ...client import BinanceWebSocketClient
from ...testing import MockBinanceServer
from .._support import GUARD
from ._stream_names import stream_name

pytestmark = pytest.mark.skipif(SPEC.kind != "streams", reason="market-streams client only")


API_KEY = "streams-test-api-key-0123456789abcdef0123456789abcdef0123456789ab"
SECRET = "streams-test-secret"


async def wait_until(predicate: Any) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), GUARD)


def test_the_mock_has_an_example_event_for_every_stream_pattern() -> None:
    server = MockBinanceServer()
    names = [stream_name(pattern.template) for pattern in SPEC.stream_patterns]
    assert names, "a streams spec declares stream patterns"
    for name in names:
        assert server.example_event(name) is not None
    with pytest.raises(ValueError):
        server.example_event("BTCUSDT@noSuchStream")


@pytest.mark.parametrize("combined", [True, False], ids=["combined", "raw"])
async def test_every_stream_pattern_is_delivered_as_its_typed_event(combined: bool) -> None:
    events = {event.name: event for event in SPEC.events}
    patterns = list(SPEC.stream_patterns)
    names = [stream_name(pattern.template) for pattern in patterns]
    assert len(set(names)) == len(names)
    async with (
        MockBinanceServer(max_messages_per_second=None) as server,
        BinanceWebSocketClient(
            url=server.url, combined=combined, deliver="routed", control_messages_per_second=1000.0
        ) as client,
    ):
        received: dict[str, Any] = {}
        errors: list[BaseException] = []
        client.set_handler("*", lambda routed: received.setdefault(routed.stream, routed))
        client.set_handler("__error__", errors.append)
        await client.subscribe(*names)
        for name in names:
            assert await server.emit(name) == 1
        await wait_until(lambda: len(received) == len(names) or bool(errors))
        assert errors == []
        for pattern, name in zip(patterns, names, strict=True):
            routed = received[name]
            spec_event = events[pattern.event]
            if spec_event.array:
                assert isinstance(routed.event, list) and routed.event, name
                assert all(hasattr(item, "model_dump") for item in routed.event)
            else:
                assert type(routed.event).__name__ == pattern.event, (name, type(routed.event).__name__)
            if spec_event.event_types:
                assert routed.event_type in spec_event.event_types
        assert client.bad_frames == 0


def user_data_event_types() -> list[str]:
    types = [t for event in SPEC.events if "userData" in event.channel_kinds for t in event.event_types]
    return [t for t in types if t != "listenKeyExpired"]


@pytest.mark.skipif(SPEC.channel("userData") is None, reason="no listenKey user-data channel")
async def test_every_user_data_event_arrives_typed_over_the_listen_key_stream() -> None:
    event_types = user_data_event_types()
    assert event_types
    async with MockBinanceServer() as server:
        server.add_key(API_KEY, secret_key=SECRET)
        auth = BinanceAuth(API_KEY, secret_key=SECRET)
        client = BinanceWebSocketClient(url=server.url, auth=auth, deliver="routed")
        seen: dict[str, Any] = {}
        client.set_handler("*", lambda routed: seen.setdefault(routed.event_type, routed.event))
        try:
            await client.subscribe_user_data()
            for event_type in event_types:
                assert await server.push_user_event(event_type=event_type) == 1
            await wait_until(lambda: set(event_types) <= set(seen))
        finally:
            await client.disconnect()
        assert client.bad_frames == 0
        assert all(hasattr(seen[event_type], "model_dump") for event_type in event_types)
