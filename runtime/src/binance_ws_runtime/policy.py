"""Per-product protocol facts (Binance docs, see docs/binance-ws-protocol.md of the template).

Heartbeat windows, stream limits and the futures WS API hosts that serve listenKey management.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProductProfile:
    server_ping_interval: float
    """How often the server pings us (seconds)."""
    silence_timeout: float
    """How long a connection may stay silent (no frame, no ping) before it is treated as dead."""
    max_streams_per_connection: int
    control_messages_per_second: float
    """Incoming-message limit of the streams service; we stay under it with a margin."""
    supports_time_unit: bool
    user_data_api_url: str | None
    user_data_api_testnet_url: str | None
    listen_key_keepalive: float
    """Seconds between listenKey keepalives (the key lives 60 minutes)."""
    max_connection_age: float = 24 * 3600.0


SPOT = ProductProfile(
    server_ping_interval=20.0,
    silence_timeout=60.0,
    max_streams_per_connection=1024,
    control_messages_per_second=4.0,
    supports_time_unit=True,
    user_data_api_url=None,
    user_data_api_testnet_url=None,
    listen_key_keepalive=30 * 60.0,
)

UMFUTURES = ProductProfile(
    server_ping_interval=180.0,
    silence_timeout=600.0,
    max_streams_per_connection=1024,
    control_messages_per_second=8.0,
    supports_time_unit=False,
    user_data_api_url="wss://ws-fapi.binance.com/ws-fapi/v1",
    user_data_api_testnet_url="wss://testnet.binancefuture.com/ws-fapi/v1",
    listen_key_keepalive=30 * 60.0,
)

CMFUTURES = ProductProfile(
    server_ping_interval=180.0,
    silence_timeout=600.0,
    max_streams_per_connection=1024,
    control_messages_per_second=8.0,
    supports_time_unit=False,
    user_data_api_url="wss://ws-dapi.binance.com/ws-dapi/v1",
    user_data_api_testnet_url="wss://testnet.binancefuture.com/ws-dapi/v1",
    listen_key_keepalive=30 * 60.0,
)

PROFILES: dict[str, ProductProfile] = {"spot": SPOT, "umfutures": UMFUTURES, "cmfutures": CMFUTURES, "unknown": SPOT}


def profile_for(product: str) -> ProductProfile:
    return PROFILES.get(product, SPOT)
