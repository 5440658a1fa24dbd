"""Binance's protocol rules as the runtime applies them (policy.py)."""

from __future__ import annotations

import dataclasses

from binance_ws_runtime.policy import (
    ALWAYS_SIGNED,
    CMFUTURES,
    SPOT,
    UMFUTURES,
    has_spot_user_data,
    profile_for,
    time_sync_method,
    umfutures_private_url,
    umfutures_route,
    umfutures_routes_apply,
    user_data_event_types,
)

from .fixtures import futures_api, futures_streams, spot_api, spot_streams


def test_every_product_has_its_profile_and_unknown_ones_get_spots() -> None:
    assert profile_for("spot") is SPOT and profile_for("unknown") is SPOT and profile_for("options") is SPOT
    assert profile_for("umfutures") is UMFUTURES and profile_for("cmfutures") is CMFUTURES
    assert SPOT.supports_time_unit and not UMFUTURES.supports_time_unit
    assert SPOT.user_data_api_url is None
    assert UMFUTURES.user_data_api_url is not None and "ws-fapi" in UMFUTURES.user_data_api_url
    assert CMFUTURES.user_data_api_url is not None and "ws-dapi" in CMFUTURES.user_data_api_url
    # The client stays under the service's incoming-message limit (5/s spot, 10/s futures).
    assert SPOT.control_messages_per_second < 5 and UMFUTURES.control_messages_per_second < 10


def test_logon_and_the_signature_subscription_always_carry_their_own_signature() -> None:
    assert ALWAYS_SIGNED == {"session.logon", "userDataStream.subscribe.signature"}


def test_the_server_time_comes_from_time_or_from_session_status_on_futures() -> None:
    assert time_sync_method(spot_api.SPEC.operations) == "time"
    assert time_sync_method(futures_api.SPEC.operations) == "session.status"
    assert time_sync_method({}) == "time"


def test_spot_user_data_is_a_ws_api_subscription_futures_one_a_listen_key() -> None:
    assert has_spot_user_data(spot_api.SPEC)
    assert not has_spot_user_data(futures_api.SPEC)
    assert not has_spot_user_data(dataclasses.replace(spot_api.SPEC, product="umfutures"))


def test_the_listen_key_channel_always_delivers_listen_key_expired() -> None:
    types = user_data_event_types(futures_streams.UM_SPEC)
    assert types[-1] == "listenKeyExpired" and types.count("listenKeyExpired") == 1
    assert {"ACCOUNT_UPDATE", "ORDER_TRADE_UPDATE"} <= set(types)
    assert user_data_event_types(spot_streams.SPEC) == ["listenKeyExpired"]


def test_usdm_book_data_is_public_the_rest_market_on_the_mainnet_host_only() -> None:
    assert umfutures_route("wss://fstream.binance.com", "btcusdt@bookTicker") == "wss://fstream.binance.com/public"
    assert umfutures_route("wss://h/", "!bookTicker") == "wss://h/public"
    assert umfutures_route("wss://h", "btcusdt@depth20@100ms") == "wss://h/public"
    assert umfutures_route("wss://h", "btcusdt@rpiDepth@500ms") == "wss://h/public"
    assert umfutures_route("wss://h", "btcusdt@markPrice") == "wss://h/market"
    assert umfutures_routes_apply("umfutures", "wss://fstream.binance.com")
    assert not umfutures_routes_apply("umfutures", "wss://fstream.binancefuture.com")
    assert not umfutures_routes_apply("cmfutures", "wss://fstream.binance.com")
    url = umfutures_private_url("wss://fstream.binance.com/private/", "KEY", ["A", "B"])
    assert url == "wss://fstream.binance.com/private/ws?listenKey=KEY&events=A/B"
    assert umfutures_private_url("wss://h/private", "KEY", []) == "wss://h/private/ws?listenKey=KEY"
