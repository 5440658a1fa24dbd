"""A loopback WebSocket server that floods pre-framed Binance events as fast as the client reads them.

It is written on bare asyncio (handshake and framing by hand) so that the server costs almost nothing per
message: every frame is built once, blocks of frames are written with one ``transport.write`` each, and TCP flow
control (pause/resume) keeps the socket buffer full without growing memory. The client is then the only
bottleneck, which is what the benchmark measures.

It speaks just enough of Binance's protocol for the contenders: ``/stream?streams=a/b`` (combined, wrapped
``{"stream","data"}`` frames), ``/ws/<stream>`` (raw payloads), ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS``
control messages, ping/pong and the close handshake.

Driven over stdin/stdout by ``run.py``: it prints ``PORT <n>``; ``flood <total> <connections>`` waits until that
many subscribed connections are open, sends ``total`` events spread over them and prints ``FLOODED <seconds>``;
``quit`` ends it. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
import sys
import time
from urllib.parse import parse_qs, unquote, urlsplit

import payloads

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_DISTINCT_PER_STREAM = 1000
_WRITE_HIGH_WATER = 4 * 2**20
_READY_TIMEOUT = 15.0


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked server frame (FIN set)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


def _unmask(data: bytes, mask: bytes) -> bytes:
    if not data:
        return data
    repeated = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(data), "big")


class _Blocks:
    """Pre-framed frames per (combined, streams), cycling over the streams in a fixed order."""

    def __init__(self) -> None:
        self._raw = {stream: payloads.payloads(stream, _DISTINCT_PER_STREAM) for stream in payloads.STREAMS}
        self._cache: dict[tuple[bool, tuple[str, ...]], tuple[list[bytes], bytes]] = {}

    def get(self, combined: bool, streams: tuple[str, ...]) -> tuple[list[bytes], bytes]:
        key = (combined, streams)
        found = self._cache.get(key)
        if found is None:
            frames: list[bytes] = []
            for index in range(_DISTINCT_PER_STREAM):
                for stream in streams:
                    body = self._raw[stream][index]
                    frames.append(frame(payloads.combined(stream, body) if combined else body))
            found = (frames, b"".join(frames))
            self._cache[key] = found
        return found


class FloodConnection(asyncio.Protocol):
    def __init__(self, server: FloodServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.handshaken = False
        self.combined = True
        self.streams: dict[str, None] = {}
        self.fragments: list[bytes] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.closed = False

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.writable.set()
        self.server.connections.discard(self)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            request = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            self._handshake(request)
        self._read_frames()

    # -- protocol

    def _handshake(self, request: str) -> None:
        assert self.transport is not None
        lines = request.split("\r\n")
        _method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
        self.transport.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.handshaken = True
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        if path.startswith("/stream"):
            self.combined = True
            names = parse_qs(parts.query).get("streams", [""])[0]
            self._add_streams(names.split("/") if names else [])
        else:
            self.combined = False
            segments = [unquote(s) for s in path.split("/")[2:] if s]
            self._add_streams(segments)
        self.server.connections.add(self)
        self.server.changed()

    def _add_streams(self, names: list[str]) -> None:
        for name in names:
            if name in payloads.STREAMS:
                self.streams[name] = None

    def _read_frames(self) -> None:
        buf = self.buffer
        while len(buf) >= 2:
            first, second = buf[0], buf[1]
            opcode = first & 0x0F
            length = second & 0x7F
            offset = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length = struct.unpack_from("!H", buf, 2)[0]
                offset = 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length = struct.unpack_from("!Q", buf, 2)[0]
                offset = 10
            masked = second & 0x80
            mask = b""
            if masked:
                if len(buf) < offset + 4:
                    return
                mask = bytes(buf[offset : offset + 4])
                offset += 4
            if len(buf) < offset + length:
                return
            data = bytes(buf[offset : offset + length])
            del buf[: offset + length]
            if masked:
                data = _unmask(data, mask)
            self._on_frame(first & 0x80 != 0, opcode, data)

    def _on_frame(self, fin: bool, opcode: int, data: bytes) -> None:
        assert self.transport is not None
        if opcode == 0x9:
            self.transport.write(frame(data, 0xA))
        elif opcode == 0x8:
            if not self.transport.is_closing():
                self.transport.write(frame(data[:2], 0x8))
                self.transport.close()
        elif opcode in (0x1, 0x2, 0x0):
            self.fragments.append(data)
            if fin:
                message, self.fragments = b"".join(self.fragments), []
                self._on_message(message)

    def _on_message(self, message: bytes) -> None:
        assert self.transport is not None
        try:
            request = json.loads(message)
        except ValueError:
            return
        if not isinstance(request, dict):
            return
        method = request.get("method")
        params = request.get("params") or []
        result: object = None
        if method == "SUBSCRIBE":
            self._add_streams([p for p in params if isinstance(p, str)])
            self.server.changed()
        elif method == "UNSUBSCRIBE":
            for name in params:
                self.streams.pop(name, None)
        elif method == "LIST_SUBSCRIPTIONS":
            result = list(self.streams)
        reply = json.dumps({"result": result, "id": request.get("id")}, separators=(",", ":")).encode()
        self.transport.write(frame(reply))

    # -- flood

    async def flood(self, count: int, blocks: _Blocks) -> None:
        streams = tuple(s for s in payloads.STREAMS if s in self.streams)
        if not streams or count <= 0:
            return
        frames, block = blocks.get(self.combined, streams)
        full_blocks, rest = divmod(count, len(frames))
        chunks = [block] * full_blocks
        if rest:
            chunks.append(b"".join(frames[:rest]))
        for chunk in chunks:
            await self.writable.wait()
            if self.closed or self.transport is None or self.transport.is_closing():
                return
            self.transport.write(chunk)


class FloodServer:
    def __init__(self) -> None:
        self.connections: set[FloodConnection] = set()
        self.blocks = _Blocks()
        self._changed = asyncio.Event()

    def changed(self) -> None:
        self._changed.set()

    async def wait_ready(self, connections: int, streams: int) -> list[FloodConnection]:
        deadline = time.monotonic() + _READY_TIMEOUT
        while True:
            ready = [c for c in self.connections if c.streams and not c.closed]
            if len(ready) >= connections and sum(len(c.streams) for c in ready) >= streams:
                return ready
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return ready
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))
            except (TimeoutError, asyncio.TimeoutError):
                continue

    async def flood(self, total: int, connections: int) -> float:
        ready = await self.wait_ready(connections, len(payloads.STREAMS))
        if not ready:
            return -1.0
        ready.sort(key=lambda c: tuple(c.streams))
        share, extra = divmod(total, len(ready))
        started = time.perf_counter()
        await asyncio.gather(
            *(conn.flood(share + (1 if index < extra else 0), self.blocks) for index, conn in enumerate(ready))
        )
        return time.perf_counter() - started


async def main() -> None:
    loop = asyncio.get_running_loop()
    server_state = FloodServer()
    server = await loop.create_server(lambda: FloodConnection(server_state), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    # Build the common blocks before the first client is timed.
    server_state.blocks.get(True, payloads.STREAMS)
    for stream in payloads.STREAMS:
        server_state.blocks.get(False, (stream,))
    print(f"PORT {port}", flush=True)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "flood":
            seconds = await server_state.flood(int(words[1]), int(words[2]))
            print(f"FLOODED {seconds:.3f}", flush=True)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
