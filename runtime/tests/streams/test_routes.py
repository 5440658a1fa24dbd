"""Routes: where each connection goes (server URL, ``connect(uri)``, ``channel_urls``, ``stream_route``, the spec's
routes, the USDⓈ-M split)."""

from __future__ import annotations

from typing import Any

import pytest

from binance_ws_runtime.spec import Spec
from binance_ws_runtime.streams.client import StreamClientBase
from binance_ws_runtime.streams.options import StreamClientOptions, StreamSettings
from binance_ws_runtime.streams.routes import StreamRoutes

from ..fixtures.futures_streams import CM_SPEC, UM_SPEC, UM_SPEC_WITHOUT_ROUTES, UmUnroutedStreamsClient
from ..fixtures.spot_streams import SPEC as SPOT_SPEC
from ..helpers import SPOT_STREAMS, UM_STREAMS, streams_connections, symbol_streams

on_every_transport = pytest.mark.usefixtures("transport")

new_client = SPOT_STREAMS.client
fast_client = SPOT_STREAMS.fast_client
open_streams_connections = streams_connections


def routes(spec: Spec, testnet: bool = False, **options: Any) -> StreamRoutes:
    given: StreamClientOptions = options  # type: ignore[assignment]
    return StreamRoutes(spec, StreamSettings.resolve(spec.product, given), testnet=testnet)


def fast_server() -> Any:
    return SPOT_STREAMS.fast_server()


@on_every_transport
async def test_connect_uri_replaces_the_server_url() -> None:
    async with SPOT_STREAMS.server() as server:
        client = new_client(url="ws://127.0.0.1:9")
        await client.connect(server.url)
        try:
            assert len(open_streams_connections(server)) == 1
        finally:
            await client.disconnect()


@on_every_transport
async def test_channel_urls_override_the_server_url_per_channel_kind() -> None:
    async with SPOT_STREAMS.server() as server:
        client = new_client(url="ws://127.0.0.1:9", channel_urls={"combined": server.url})
        async with client:
            assert len(open_streams_connections(server)) == 1
    with pytest.raises(ValueError):
        new_client(channel_urls={"market": "ws://127.0.0.1:9"})


@on_every_transport
async def test_stream_route_callable_decides_the_connection_of_each_stream() -> None:
    names = symbol_streams(2)
    async with fast_server() as server:
        routes = {names[0]: server.url, names[1]: server.url + "/"}
        client = fast_client(server, stream_route=lambda stream: routes.get(stream, server.url))
        async with client:
            await client.subscribe(*names)
            # Different routes never share a connection, whatever the free capacity.
            assert client.shard_streams() == [[names[0]], [names[1]]]
            assert len(open_streams_connections(server)) == 2


@pytest.mark.parametrize("client_class", [UM_STREAMS.client, UmUnroutedStreamsClient], ids=["x-stream-route", "rules"])
def test_usdm_mainnet_routes_book_data_to_public_and_the_rest_to_market(client_class: Any) -> None:
    """From the spec's ``x-stream-route`` servers, or by Binance's rules for a spec that names no routes."""
    client: StreamClientBase = client_class()
    assert client.routes.market_route("btcusdt@bookTicker") == "wss://fstream.binance.com/public"
    assert client.routes.market_route("!bookTicker") == "wss://fstream.binance.com/public"
    assert client.routes.market_route("btcusdt@depth5@100ms") == "wss://fstream.binance.com/public"
    assert client.routes.market_route("btcusdt@aggTrade") == "wss://fstream.binance.com/market"
    private = client.routes.user_data_url("KEY")
    assert private.startswith("wss://fstream.binance.com/private/ws?listenKey=KEY&events=")
    assert "listenKeyExpired" in private and "ACCOUNT_UPDATE" in private
    # Testnet and explicit URLs are not rewritten.
    spec = client.spec
    assert client_class(testnet=True).routes.market_route("btcusdt@aggTrade") == spec.server_url(testnet=True)
    assert client_class(url="wss://h").routes.market_route("btcusdt@bookTicker") == "wss://h"
    assert client_class(url="wss://h").routes.user_data_url("KEY") == "wss://h/ws/KEY"
    assert spec in (UM_SPEC, UM_SPEC_WITHOUT_ROUTES)


def test_other_products_connect_to_the_server_url_with_the_channel_address() -> None:
    for spec in (SPOT_SPEC, CM_SPEC):
        assert routes(spec).market_route("btcusdt@bookTicker") == spec.server_url()
    assert routes(CM_SPEC).user_data_url("KEY") == "wss://dstream.binance.com/ws/KEY"
    assert routes(CM_SPEC, channel_urls={"userData": "wss://other"}).user_data_url("KEY") == "wss://other/ws/KEY"
    assert routes(SPOT_SPEC, channel_urls={"raw": "wss://raw"}, combined=False).market_route("x") == "wss://raw"


def test_combined_urls_carry_the_streams_that_fit_safely_and_the_time_unit() -> None:
    combined = routes(SPOT_SPEC, time_unit="microsecond")
    url, in_url = combined.market_url("wss://h/", ["a@trade", "b@trade"])
    assert url == "wss://h/stream?streams=a@trade/b@trade&timeUnit=MICROSECOND"
    assert in_url == {"a@trade", "b@trade"}
    # Characters with a meaning in a query string never go into the URL; they are subscribed by message.
    url, in_url = combined.market_url("wss://h", ["a+b@trade", "c@trade"])
    assert in_url == {"c@trade"} and "a+b" not in url
    # The URL stays short: the streams beyond about 2000 characters are subscribed by message.
    many = [f"stream{index:04d}@aggTrade" for index in range(400)]
    url, in_url = routes(SPOT_SPEC).market_url("wss://h", many)
    assert 0 < len(in_url) < len(many) and len(url) < 2100
    assert routes(SPOT_SPEC).market_url("wss://h", []) == ("wss://h/stream", frozenset())


def test_raw_urls_carry_the_first_stream_when_it_is_path_safe() -> None:
    raw = routes(SPOT_SPEC, combined=False)
    assert raw.market_url("wss://h", ["a@trade"]) == ("wss://h/ws/a@trade", frozenset({"a@trade"}))
    assert raw.market_url("wss://h", ["a?b"]) == ("wss://h/ws", frozenset())
    assert raw.market_url("wss://h", []) == ("wss://h/ws", frozenset())


def test_the_listen_key_api_is_the_products_futures_ws_api() -> None:
    assert routes(UM_SPEC).user_data_api_url() == "wss://ws-fapi.binance.com/ws-fapi/v1"
    assert routes(UM_SPEC, testnet=True).user_data_api_url() == "wss://testnet.binancefuture.com/ws-fapi/v1"
    assert routes(CM_SPEC).user_data_api_url() == "wss://ws-dapi.binance.com/ws-dapi/v1"
    # A local or proxied server keeps Binance's WS API path; api_url replaces it all.
    assert routes(CM_SPEC, url="ws://127.0.0.1:9").user_data_api_url() == "ws://127.0.0.1:9/ws-dapi/v1"
    assert routes(UM_SPEC, api_url="ws://api").user_data_api_url() == "ws://api"
    assert routes(SPOT_SPEC).user_data_api_url() is None
