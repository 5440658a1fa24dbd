"""Frames built by hand, byte for byte as RFC 6455 lays them out, for tests that must not trust our own encoder."""

from __future__ import annotations

import struct

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def apply_mask(data: bytes, mask: bytes) -> bytes:
    """XOR with the 4-byte mask repeated (RFC 6455 5.3); the same operation masks and unmasks."""
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None, long_length: bool = False
) -> bytes:
    """One frame: unmasked as a server sends it, masked with ``mask`` as a client does."""
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if length < 126 and not long_length:
        head = bytes([first, mask_bit | length])
    elif length < 1 << 16 and not long_length:
        head = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    if mask is not None:
        payload = apply_mask(payload, mask)
        head += mask
    return head + payload


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


def split_frame(wire: bytes) -> tuple[int, bool, int, bytes | None, bytes, bytes]:
    """(opcode, fin, rsv bits, mask, unmasked payload, rest) of the first frame in ``wire``."""
    first, second = wire[0], wire[1]
    length, position = second & 0x7F, 2
    if length == 126:
        length, position = int.from_bytes(wire[2:4], "big"), 4
    elif length == 127:
        length, position = int.from_bytes(wire[2:10], "big"), 10
    mask = None
    if second & 0x80:
        mask = wire[position : position + 4]
        position += 4
    body = wire[position : position + length]
    payload = apply_mask(body, mask) if mask is not None else body
    return first & 0x0F, bool(first & 0x80), first & 0x70, mask, payload, wire[position + length :]
