"""The mock speaking this spec: every user-data event of the spec reaches the client's handlers, typed.

The WS API client's behaviour (requests, signing, logon, subscriptions, reconnects) is tested once, in the
runtime's own suite; this module checks that this spec's user-data events travel through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ...auth import BinanceAuth, generate_ed25519_keypair
from ...client import BinanceWebSocketClient
from ...testing import MockBinanceServer
from .._support import GUARD
from ._user_data import USER_DATA_EVENT_TYPES, USER_DATA_ONLY

pytestmark = USER_DATA_ONLY

ED25519_API_KEY = "userDataEventsTestKey0123456789abcdefABCDEF0123456789abcdefABCD"
ED25519_PRIVATE, ED25519_PUBLIC = generate_ed25519_keypair()


async def test_every_user_data_event_of_the_spec_arrives_typed() -> None:
    async with MockBinanceServer() as server:
        server.add_key(ED25519_API_KEY, public_key_pem=ED25519_PUBLIC)
        auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ED25519_PRIVATE, auth_type="ed25519")
        async with BinanceWebSocketClient(url=server.url, auth=auth) as client:
            seen: dict[str, Any] = {}
            errors: list[BaseException] = []
            client.set_handler("__error__", errors.append)

            def remember(event_type: str) -> Callable[[Any], None]:
                def handler(event: Any) -> None:
                    seen.setdefault(event_type, event)

                return handler

            for event_type in USER_DATA_EVENT_TYPES:
                client.set_handler(event_type, remember(event_type))
            await client.subscribe("user_data_stream")
            for event_type in USER_DATA_EVENT_TYPES:
                assert await server.push_user_event(event_type=event_type) == 1

            async def all_arrived() -> None:
                while len(seen) < len(USER_DATA_EVENT_TYPES) and not errors:
                    await asyncio.sleep(0.01)

            await asyncio.wait_for(all_arrived(), GUARD)
            assert errors == []
            assert client.stats.decode_errors == 0
    assert sorted(seen) == sorted(USER_DATA_EVENT_TYPES)
    assert all(hasattr(event, "model_dump") for event in seen.values())
