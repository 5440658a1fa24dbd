"""Request round trips through our API client versus a bare ``websockets`` loop, against the generated mock server.

``python rtt.py server``: runs ``spot.testing.MockBinanceServer`` on 127.0.0.1 with the benchmark's keys
registered, prints ``URL <url>`` and serves until stdin closes.

``python rtt.py client --url URL --requests N --warmup W``: one request at a time (the latency a strategy sees
on an order), for each case, prints ``RESULT <json>`` with requests/s, p50 and p99 in microseconds, plus the
cost of producing one signature alone. Our client and the bare loop of a case take turns in blocks of requests,
each on its own open connection, so that ours minus bare compares the two under the same machine load.

Both sides run in their own interpreter, so the client's cost is not mixed with the server's on one event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HMAC_API_KEY = "benchHmacKey0000000000000000000000000000000000000000000000000000"
HMAC_SECRET = "benchHmacSecret000000000000000000000000000000000000000000000000"
ED25519_API_KEY = "benchEd25519Key000000000000000000000000000000000000000000000000"
# A fixed seed keeps server and client in step without passing key files around; it guards nothing.
ED25519_SEED = bytes(range(32))

ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "price": "97000.00",
    "quantity": "0.00100000",
}


def ed25519_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ED25519_SEED)


def ed25519_private_pem() -> bytes:
    return ed25519_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ed25519_public_pem() -> bytes:
    return (
        ed25519_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


# ------------------------------------------------------------------ server


async def serve() -> None:
    from spot.testing import MockBinanceServer

    async with MockBinanceServer(ping_interval=None, pong_timeout=None) as server:
        server.add_key(HMAC_API_KEY, secret_key=HMAC_SECRET)
        server.add_key(ED25519_API_KEY, public_key_pem=ed25519_public_pem())
        print(f"URL {server.url}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


# ------------------------------------------------------------------ bare websockets


def _payload(params: dict[str, Any]) -> str:
    return "&".join(f"{name}={params[name]}" for name in sorted(params))


def hmac_signed(params: dict[str, Any]) -> dict[str, Any]:
    signed = dict(params, apiKey=HMAC_API_KEY, timestamp=time.time_ns() // 1_000_000)
    signed["signature"] = hmac.new(HMAC_SECRET.encode(), _payload(signed).encode(), hashlib.sha256).hexdigest()
    return signed


def ed25519_signer() -> Callable[[dict[str, Any]], dict[str, Any]]:
    key = ed25519_key()

    def sign(params: dict[str, Any]) -> dict[str, Any]:
        signed = dict(params, apiKey=ED25519_API_KEY, timestamp=time.time_ns() // 1_000_000)
        signed["signature"] = base64.b64encode(key.sign(_payload(signed).encode())).decode()
        return signed

    return sign


class BareSession:
    """A bare ``websockets`` + ``json`` connection that sends one request and waits for its reply."""

    def __init__(self, url: str, method: str, build: Callable[[], dict[str, Any]]) -> None:
        self.url = url
        self.method = method
        self.build = build
        self.ws: Any = None
        self.request_id = 0

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        # No compression: our client does not ask for it either, so both send the same frames.
        self.ws = await connect(self.url, ping_interval=None, compression=None)

    async def one(self) -> int:
        self.request_id += 1
        started = time.perf_counter_ns()
        await self.ws.send(
            json.dumps({"id": self.request_id, "method": self.method, "params": self.build()}, separators=(",", ":"))
        )
        reply = json.loads(await self.ws.recv())
        elapsed = time.perf_counter_ns() - started
        if reply.get("status") != 200:
            raise RuntimeError(f"bare {self.method} failed: {reply}")
        return elapsed

    async def close(self) -> None:
        await self.ws.close()


class OurSession:
    """Our generated API client, one awaited call at a time."""

    def __init__(self, url: str, auth: Any, call: Callable[[Any], Awaitable[Any]], **options: Any) -> None:
        from spot.client import BinanceWebSocketClient

        self.client = BinanceWebSocketClient(url=url, auth=auth, **options)
        self.call = call

    async def open(self) -> None:
        await self.client.connect()

    async def one(self) -> int:
        started = time.perf_counter_ns()
        await self.call(self.client)
        return time.perf_counter_ns() - started

    async def close(self) -> None:
        await self.client.disconnect()


Session = BareSession | OurSession

BLOCK = 50
"""Requests per turn: the sessions of a case take turns so that a slow moment of the machine hits all of them."""


async def interleaved(sessions: list[Session], count: int) -> list[list[int]]:
    """``count`` latencies per session (ns), the sessions taking turns in blocks of ``BLOCK`` requests."""
    for session in sessions:
        await session.open()
    latencies: list[list[int]] = [[] for _ in sessions]
    try:
        while len(latencies[0]) < count:
            for session, found in zip(sessions, latencies, strict=True):
                for _ in range(min(BLOCK, count - len(found))):
                    found.append(await session.one())
    finally:
        for session in sessions:
            await session.close()
    return latencies


async def ticker_price(client: Any) -> Any:
    return await client.ticker_price(symbol="BTCUSDT")


async def order_test(client: Any) -> Any:
    return await client.order_test(
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        time_in_force="GTC",
        price="97000.00",
        quantity="0.00100000",
    )


def summarize(latencies: list[int]) -> dict[str, float]:
    ordered = sorted(latencies)
    total_s = sum(ordered) / 1e9
    return {
        "requests": len(ordered),
        "rps": len(ordered) / total_s if total_s else 0.0,
        "p50_us": statistics.median(ordered) / 1000,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000,
    }


def signature_cost_us(sign: Callable[[], Any], count: int = 2000) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        sign()
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1000


async def client_main(url: str, count: int, warmup: int) -> dict[str, Any]:
    from spot.auth import BinanceAuth

    hmac_auth = BinanceAuth(api_key=HMAC_API_KEY, secret_key=HMAC_SECRET)
    ed_auth = BinanceAuth(api_key=ED25519_API_KEY, private_key=ed25519_private_pem(), auth_type="ed25519")
    sign_ed = ed25519_signer()
    # Each group runs interleaved; the names are the report's rows ("<case> / ours" minus "<case> / bare").
    groups: list[list[tuple[str, Session]]] = [
        [
            ("ticker.price / ours", OurSession(url, None, ticker_price)),
            ("ticker.price / bare", BareSession(url, "ticker.price", lambda: {"symbol": "BTCUSDT"})),
        ],
        [
            ("order.test HMAC / ours", OurSession(url, hmac_auth, order_test)),
            ("order.test HMAC / bare", BareSession(url, "order.test", lambda: hmac_signed(ORDER))),
        ],
        [
            ("order.test Ed25519 / ours", OurSession(url, ed_auth, order_test, session_logon=False)),
            ("order.test Ed25519 / bare", BareSession(url, "order.test", lambda: sign_ed(ORDER))),
            ("order.test Ed25519 session.logon / ours", OurSession(url, ed_auth, order_test)),
        ],
    ]
    results: dict[str, Any] = {}
    for group in groups:
        measured = await interleaved([session for _, session in group], warmup + count)
        for (name, _), latencies in zip(group, measured, strict=True):
            results[name] = summarize(latencies[warmup:])
    results["signature"] = {
        "hmac_us": signature_cost_us(lambda: hmac_auth.create_signed_params(ORDER)),
        "ed25519_us": signature_cost_us(lambda: ed_auth.create_signed_params(ORDER)),
        "bare_hmac_us": signature_cost_us(lambda: hmac_signed(ORDER)),
        "bare_ed25519_us": signature_cost_us(lambda: sign_ed(ORDER)),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("server", "client"))
    parser.add_argument("--url", default="")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(serve())
        return
    if not args.url.startswith("ws://127.0.0.1:"):
        raise SystemExit("the round-trip client only talks to a loopback mock server")
    result = asyncio.run(asyncio.wait_for(client_main(args.url, args.requests, args.warmup), 300))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
