"""Two packages generated with runtime=shared, installed side by side on one binance-ws-runtime wheel.

Run by npm test (scripts/lib/shared-runtime.js) with both packages installed. Checks that they share one runtime
(one copy of it, one exception hierarchy) and that an error raised by one package is caught with the other's class.
"""

from __future__ import annotations

import asyncio
import sys

import binance_ws_runtime
import shared_spot
import shared_umfutures_streams
from shared_spot.client import BinanceWebSocketClient as SpotClient
from shared_spot.testing import MockBinanceServer as SpotMock
from shared_umfutures_streams.client import BinanceWebSocketClient as StreamsClient


def check_one_runtime() -> None:
    assert not hasattr(shared_spot, "_runtime"), "a shared-runtime package embeds no runtime"
    for name in shared_spot.errors.__all__:
        assert getattr(shared_spot.errors, name) is getattr(shared_umfutures_streams.errors, name), name
    assert shared_spot.auth.BinanceAuth is shared_umfutures_streams.auth.BinanceAuth
    assert shared_spot.errors.RateLimitError.__module__ == "binance_ws_runtime.errors"
    print(f"one runtime: binance-ws-runtime {binance_ws_runtime.__version__} at {binance_ws_runtime.__file__}")


async def check_errors_cross_packages() -> None:
    # A rate limit raised by the spot client, caught with the streams package's class ...
    async with SpotMock() as server, SpotClient(url=server.url) as client:
        server.fail_next("ticker.price", status=429, code=-1003, retry_after_ms=1500)
        try:
            await client.ticker_price(symbol="BNBBTC")
        except shared_umfutures_streams.errors.RateLimitError as error:
            print(f"spot's rate limit caught as umfutures_streams.errors.RateLimitError: {error.code} {error.msg}")
        else:
            raise AssertionError("the spot request was not refused")
    # ... and a connection failure of the streams client, caught with the spot package's class.
    streams = StreamsClient(url="ws://127.0.0.1:9", open_timeout=2.0)
    try:
        await streams.connect()
    except shared_spot.errors.ConnectionClosedError as error:
        print(f"umfutures_streams' connection failure caught as spot.errors.ConnectionClosedError: {error}")
    else:
        await streams.disconnect()
        raise AssertionError("connecting to a closed port succeeded")


def main() -> int:
    check_one_runtime()
    asyncio.run(check_errors_cross_packages())
    return 0


if __name__ == "__main__":
    sys.exit(main())
