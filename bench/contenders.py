"""One contender of the stream throughput benchmark, run in its own interpreter (``run.py`` starts it).

``python contenders.py <contender> --url ws://127.0.0.1:PORT --mode combined|raw --count N [--profile FILE]
[--rss-every K]``

The contender connects and subscribes to the benchmark streams, prints ``READY <connections>`` and then waits for
the flood. Its handler receives the object a user of that library gets (typed model or dict) and keeps it. The
clock starts at the first handled event and stops at the N-th; the process then prints ``RESULT <json>`` with the
rate and its own peak RSS, and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import payloads

_SETUP_TIMEOUT = 30.0
_RUN_TIMEOUT = 240.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _loopback_only() -> None:
    """Refuse any connection to a host other than loopback (peers default to Binance's hosts)."""
    original_getaddrinfo = socket.getaddrinfo
    original_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOOPBACK and host not in (b"127.0.0.1", b"localhost"):
            raise OSError(f"benchmark: refusing to resolve non-loopback host {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            raise OSError(f"benchmark: refusing to connect to {address!r}")
        original_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def object_kind(obj: Any) -> str:
    """What a handler holds: a dict, a pydantic model or a msgspec Struct (a list of them for array streams)."""
    sample = obj[0] if isinstance(obj, list) and obj else obj
    if isinstance(sample, dict):
        return "dict"
    if hasattr(type(sample), "__struct_fields__"):
        return "typed Struct"
    return "typed model" if hasattr(sample, "model_dump") else type(sample).__name__


class Meter:
    """Counts handled events; stamps the first and the N-th; optionally samples RSS every ``rss_every`` events."""

    def __init__(self, count: int, rss_every: int = 0) -> None:
        self.count = count
        self.seen = 0
        self.started = 0.0
        self.finished = 0.0
        self.cpu_started = 0.0
        self.cpu_finished = 0.0
        self.last: Any = None
        self.done = asyncio.Event()
        self.rss_every = rss_every
        self.rss_series: list[tuple[int, int]] = []

    def hit(self, obj: Any) -> None:
        self.last = obj
        self.seen += 1
        seen = self.seen
        if seen == 1:
            self.started = time.perf_counter()
            self.cpu_started = time.process_time()
        if self.rss_every and seen % self.rss_every == 0:
            self.rss_series.append((seen, rss_bytes()))
        if seen == self.count:
            self.finished = time.perf_counter()
            self.cpu_finished = time.process_time()
            self.done.set()

    def result(self) -> dict[str, Any]:
        complete = self.seen >= self.count
        elapsed = self.finished - self.started if complete else 0.0
        cpu = self.cpu_finished - self.cpu_started if complete else 0.0
        return {
            "events": self.seen,
            "complete": complete,
            "seconds": elapsed,
            "rate": (self.count - 1) / elapsed if complete and elapsed > 0 else 0.0,
            # The contender's own CPU time per event (all its threads): what it costs, apart from waiting.
            "cpu_us_per_event": cpu * 1e6 / (self.count - 1) if complete and cpu > 0 else 0.0,
            "last_type": type(self.last).__name__,
            "last_kind": object_kind(self.last),
            "rss_series": self.rss_series,
        }


def combined_url(base: str) -> str:
    return base + "/stream?streams=" + "/".join(payloads.STREAMS)


def raw_urls(base: str) -> list[str]:
    return [base + "/ws/" + stream for stream in payloads.STREAMS]


Runner = Callable[[argparse.Namespace, Meter], Awaitable[int]]
"""Sets a contender up; returns the number of connections it opened. Events then flow into the meter."""

_cleanup: list[Callable[[], Awaitable[Any]]] = []


# ------------------------------------------------------------------ our generated client


def _our_client(args: argparse.Namespace, **options: Any) -> Any:
    from spot_streams.client import BinanceWebSocketClient

    return BinanceWebSocketClient(url=args.url, combined=args.mode == "combined", **options)


async def ours_handler(args: argparse.Namespace, meter: Meter, **options: Any) -> int:
    client = _our_client(args, **options)
    client.set_handler("*", meter.hit)
    await client.subscribe(*payloads.STREAMS)
    await client.connect()
    _cleanup.append(client.disconnect)
    return client.shard_count  # type: ignore[no-any-return]


async def ours(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter)


async def ours_no_history(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter, history_size=0)


async def ours_picows(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter, transport="picows")


async def ours_picows_no_history(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter, transport="picows", history_size=0)


async def ours_msgspec(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter, event_models="msgspec")


async def ours_picows_msgspec(args: argparse.Namespace, meter: Meter) -> int:
    return await ours_handler(args, meter, transport="picows", event_models="msgspec")


async def ours_iterator(args: argparse.Namespace, meter: Meter) -> int:
    client = _our_client(args)
    events = client.events("*", maxsize=args.count + 10, overflow="drop_oldest")
    await client.subscribe(*payloads.STREAMS)
    await client.connect()

    async def consume() -> None:
        async for event in events:
            meter.hit(event)
            if meter.done.is_set():
                return

    task = asyncio.get_running_loop().create_task(consume())

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.disconnect()

    _cleanup.append(stop)
    return client.shard_count  # type: ignore[no-any-return]


# ------------------------------------------------------------------ bare websockets


async def _websockets_reader(url: str, meter: Meter, loads: Callable[[Any], Any]) -> int:
    from websockets.asyncio.client import connect

    ws = await connect(url, max_size=2**24)
    _cleanup.append(ws.close)

    async def read() -> None:
        hit = meter.hit
        async for message in ws:
            hit(loads(message))

    task = asyncio.get_running_loop().create_task(read())

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    _cleanup.insert(0, stop)
    return 1


async def _websockets(args: argparse.Namespace, meter: Meter, loads: Callable[[Any], Any]) -> int:
    urls = [combined_url(args.url)] if args.mode == "combined" else raw_urls(args.url)
    opened = 0
    for url in urls:
        opened += await _websockets_reader(url, meter, loads)
    return opened


async def websockets_json(args: argparse.Namespace, meter: Meter) -> int:
    return await _websockets(args, meter, json.loads)


async def websockets_orjson(args: argparse.Namespace, meter: Meter) -> int:
    import orjson

    return await _websockets(args, meter, orjson.loads)


# ------------------------------------------------------------------ picows (the transport ceiling)


async def picows_orjson(args: argparse.Namespace, meter: Meter) -> int:
    import orjson
    from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

    loads = orjson.loads
    hit = meter.hit

    class Listener(WSListener):  # type: ignore[misc]
        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type == WSMsgType.TEXT:
                hit(loads(frame.get_payload_as_memoryview()))
            elif frame.msg_type == WSMsgType.CLOSE:
                transport.disconnect()

    urls = [combined_url(args.url)] if args.mode == "combined" else raw_urls(args.url)
    for url in urls:
        transport, _listener = await ws_connect(Listener, url, max_frame_size=2**24)

        async def stop(transport: Any = transport) -> None:
            transport.disconnect()
            await transport.wait_disconnected()

        _cleanup.append(stop)
    return len(urls)


# ------------------------------------------------------------------ peers


async def binance_sdk_spot(args: argparse.Namespace, meter: Meter) -> int:
    if args.mode != "combined":
        raise SystemExit("binance-sdk-spot only offers combined streams (/stream + SUBSCRIBE)")
    from binance_common.configuration import ConfigurationWebSocketStreams
    from binance_sdk_spot.spot import Spot

    client = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=args.url))
    connection = await client.websocket_streams.create_connection()
    for stream_handle in (
        await connection.trade(symbol="btcusdt"),
        await connection.book_ticker(symbol="btcusdt"),
        await connection.diff_book_depth(symbol="btcusdt", update_speed="100ms"),
    ):
        stream_handle.on("message", meter.hit)

    async def stop() -> None:
        await connection.close_connection(close_session=True)

    _cleanup.append(stop)
    return 1


async def python_binance(args: argparse.Namespace, meter: Meter) -> int:
    from binance import AsyncClient, BinanceSocketManager

    # AsyncClient() (not .create()) makes no request; the socket manager's URL is the documented override point.
    client = AsyncClient()
    manager = BinanceSocketManager(client, max_queue_size=args.count + 1000)
    manager.STREAM_URL = args.url + "/"
    if args.mode == "combined":
        sockets = [manager.multiplex_socket(list(payloads.STREAMS))]
    else:
        sockets = [manager._get_socket(stream) for stream in payloads.STREAMS]
    opened = []
    for sock in sockets:
        opened.append(await sock.__aenter__())

    async def read(sock: Any) -> None:
        hit = meter.hit
        while True:
            hit(await sock.recv())

    tasks = [asyncio.get_running_loop().create_task(read(sock)) for sock in opened]

    async def stop() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sock in opened:
            await sock.__aexit__(None, None, None)
        await client.close_connection()

    _cleanup.append(stop)
    return len(opened)


CONTENDERS: dict[str, Runner] = {
    "ours": ours,
    "ours-no-history": ours_no_history,
    "ours-picows": ours_picows,
    "ours-picows-no-history": ours_picows_no_history,
    "ours-iterator": ours_iterator,
    "ours-msgspec": ours_msgspec,
    "ours-picows-msgspec": ours_picows_msgspec,
    "websockets-json": websockets_json,
    "websockets-orjson": websockets_orjson,
    "picows-orjson": picows_orjson,
    "binance-sdk-spot": binance_sdk_spot,
    "python-binance": python_binance,
}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    meter = Meter(args.count, args.rss_every)
    runner = CONTENDERS[args.contender]
    connections = await asyncio.wait_for(runner(args, meter), _SETUP_TIMEOUT)
    gc.collect()
    rss_ready = rss_bytes()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    print(f"READY {connections}", flush=True)
    try:
        await asyncio.wait_for(meter.done.wait(), _RUN_TIMEOUT)
    except (TimeoutError, asyncio.TimeoutError):
        pass  # an incomplete run is reported as such
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    result = meter.result()
    result.update(connections=connections, rss_ready=rss_ready, peak_rss=peak_rss_bytes())
    for stop in reversed(_cleanup):
        # A peer's error while shutting down does not change the measurement.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(stop(), 5.0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=sorted(CONTENDERS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("combined", "raw"), default="combined")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--profile", default="")
    parser.add_argument("--rss-every", type=int, default=0)
    args = parser.parse_args()
    _loopback_only()
    result = asyncio.run(run(args))
    print("RESULT " + json.dumps(result), flush=True)
    sys.stdout.flush()
    # Peers leave threads and sessions behind; the measurement is taken, leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
