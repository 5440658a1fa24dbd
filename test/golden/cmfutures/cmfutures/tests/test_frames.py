"""FrameReader: the websockets transport's own reader of server frames (spec independent, no sockets)."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .._runtime.wire.frames import MAX_DIRECT_TEXT, FrameError, FrameReader, encode_text_frame

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def apply_mask(data: bytes, mask: bytes) -> bytes:
    """XOR with the 4-byte mask repeated (RFC 6455 5.3); the same operation masks and unmasks."""
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None) -> bytes:
    """One server frame as RFC 6455 lays it out (servers do not mask; ``mask`` builds a broken one)."""
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if length < 126:
        head = bytes([first, mask_bit | length])
    elif length < 1 << 16:
        head = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    if mask is not None:
        payload = apply_mask(payload, mask)
        head += mask
    return head + payload


class Recorder:
    def __init__(self, max_size: int | None = 1 << 20) -> None:
        self.events: list[tuple[str, bytes]] = []
        self.errors: list[Exception] = []
        self.reader = FrameReader(
            on_text=lambda data: self.events.append(("text", data)),
            on_binary=lambda data: self.events.append(("binary", data)),
            on_ping=lambda data: self.events.append(("ping", data)),
            on_pong=lambda data: self.events.append(("pong", data)),
            on_error=self.errors.append,
            max_size=max_size,
        )

    def feed_in_pieces(self, wire: bytes, cuts: list[int]) -> bytes | None:
        """Feed ``wire`` split at ``cuts``; the handover, if any (nothing may be fed after one)."""
        position = 0
        for cut in [*sorted(set(cuts)), len(wire)]:
            piece = wire[position:cut]
            position = cut
            rest = self.reader.feed(piece)
            if rest is not None:
                return rest + wire[position:]
        return None


MESSAGES = [
    frame(TEXT, b""),
    frame(TEXT, b'{"e":"trade"}'),
    frame(BINARY, bytes(range(125))),
    frame(TEXT, b"x" * 126),
    frame(PING, b"keepalive"),
    frame(TEXT, b"y" * 65535),
    frame(BINARY, b"z" * 65536),
    frame(TEXT, b"frag-", fin=False),
    frame(PONG, b"1234"),
    frame(CONT, b"ment", fin=False),
    frame(CONT, b"ed", fin=True),
    frame(TEXT, "non-ASCII: \u20ac".encode()),
]
EXPECTED = [
    ("text", b""),
    ("text", b'{"e":"trade"}'),
    ("binary", bytes(range(125))),
    ("text", b"x" * 126),
    ("ping", b"keepalive"),
    ("text", b"y" * 65535),
    ("binary", b"z" * 65536),
    ("pong", b"1234"),
    ("text", b"frag-mented"),
    ("text", "non-ASCII: \u20ac".encode()),
]


def test_every_length_encoding_fragments_and_control_frames_in_one_read() -> None:
    recorder = Recorder()
    assert recorder.reader.feed(b"".join(MESSAGES)) is None
    assert recorder.events == EXPECTED
    assert recorder.reader.buffered == 0


def test_a_stream_cut_at_every_byte_gives_the_same_messages() -> None:
    wire = b"".join(MESSAGES[:5] + MESSAGES[7:])
    expected = [event for event in EXPECTED if event[1] not in (b"y" * 65535, b"z" * 65536)]
    for cut in range(len(wire) + 1):
        recorder = Recorder()
        assert recorder.feed_in_pieces(wire, [cut]) is None
        assert recorder.events == expected, f"cut at {cut}"


def test_a_stream_fed_one_byte_at_a_time() -> None:
    recorder = Recorder()
    wire = b"".join(MESSAGES)
    assert recorder.feed_in_pieces(wire, list(range(len(wire)))) is None
    assert recorder.events == EXPECTED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=140_000), max_size=40))
def test_any_split_of_the_stream_gives_the_same_messages(cuts: list[int]) -> None:
    wire = b"".join(MESSAGES)
    recorder = Recorder()
    assert recorder.feed_in_pieces(wire, [cut for cut in cuts if cut <= len(wire)]) is None
    assert recorder.events == EXPECTED


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (frame(CLOSE, struct.pack("!H", 1001) + b"going away"), "a close frame"),
        (frame(TEXT, b"compressed?", rsv=0x40), "a reserved bit"),
        (frame(TEXT, b"masked", mask=os.urandom(4)), "a masked frame"),
        (frame(0x3, b"reserved opcode"), "a reserved data opcode"),
        (frame(0xB, b"reserved control opcode"), "a reserved control opcode"),
        (frame(PING, b"p", fin=False), "a fragmented ping"),
        (frame(PING, b"p" * 126), "a ping over 125 bytes"),
    ],
)
def test_frames_it_does_not_handle_are_handed_over_from_their_first_byte(bad: bytes, why: str) -> None:
    before, after = frame(TEXT, b"before"), frame(TEXT, b"after")
    wire = before + bad + after
    for cut in range(len(wire) + 1):
        recorder = Recorder()
        rest = recorder.feed_in_pieces(wire, [cut])
        assert rest == bad + after, f"{why}, cut at {cut}"
        assert recorder.events == [("text", b"before")], why


@pytest.mark.parametrize(
    ("wire", "code", "message"),
    [
        (frame(CONT, b"orphan"), 1002, "unexpected continuation frame"),
        (frame(CONT, b"orphan", fin=False), 1002, "unexpected continuation frame"),
        (frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002, "expected a continuation frame"),
        (frame(TEXT, b"a", fin=False) + frame(BINARY, b"b", fin=False), 1002, "expected a continuation frame"),
        (frame(TEXT, b"a", fin=False) + frame(CLOSE, b"\x03\xe8"), 1002, "incomplete fragmented message"),
        (frame(TEXT, b"x" * 101), 1009, "message over the size limit (101 > 100)"),
        (frame(TEXT, b"x" * 60, fin=False) + frame(CONT, b"x" * 41), 1009, "message over the size limit (101 > 100)"),
    ],
)
def test_broken_fragment_sequences_and_oversized_messages_raise_with_the_close_code(
    wire: bytes, code: int, message: str
) -> None:
    recorder = Recorder(max_size=100)
    with pytest.raises(FrameError) as caught:
        recorder.reader.feed(wire)
    assert (caught.value.code, caught.value.reason) == (code, message)
    assert recorder.events == []


def test_an_oversized_frame_fails_before_its_payload_arrives() -> None:
    recorder = Recorder(max_size=1000)
    with pytest.raises(FrameError) as caught:
        recorder.reader.feed(frame(BINARY, b"x" * 70_000)[:10])
    assert caught.value.code == 1009


def test_no_size_limit() -> None:
    recorder = Recorder(max_size=None)
    assert recorder.reader.feed(frame(TEXT, b"x" * 200_000)) is None
    assert recorder.events == [("text", b"x" * 200_000)]


def test_messages_up_to_the_size_limit_pass() -> None:
    recorder = Recorder(max_size=100)
    wire = frame(TEXT, b"x" * 100) + frame(TEXT, b"x" * 50, fin=False) + frame(CONT, b"x" * 50)
    assert recorder.reader.feed(wire) is None
    assert recorder.events == [("text", b"x" * 100), ("text", b"x" * 100)]


def test_a_failing_callback_is_reported_and_the_frames_after_it_still_arrive() -> None:
    recorder = Recorder()
    failure = RuntimeError("handler bug")

    def fail_on_boom(data: bytes) -> None:
        if data == b"boom":
            raise failure
        recorder.events.append(("text", data))

    recorder.reader.on_text = fail_on_boom
    assert recorder.reader.feed(frame(TEXT, b"1") + frame(TEXT, b"boom") + frame(TEXT, b"2")) is None
    assert recorder.events == [("text", b"1"), ("text", b"2")]
    assert recorder.errors == [failure]


def test_callbacks_can_be_swapped_between_reads() -> None:
    recorder = Recorder()
    early: list[bytes] = []
    late = frame(TEXT, b"late")
    recorder.reader.on_text = early.append
    assert recorder.reader.feed(frame(TEXT, b"early") + late[:3]) is None
    recorder.reader.on_text = lambda data: recorder.events.append(("text", data))
    assert recorder.reader.feed(late[3:]) is None
    assert early == [b"early"]
    assert recorder.events == [("text", b"late")]


def unmask_client_frame(wire: bytes) -> tuple[int, bool, bytes, bytes]:
    """(opcode, fin, mask, payload) of one client frame, checking its layout; nothing may follow it."""
    first, second = wire[0], wire[1]
    assert second & 0x80, "client frames are masked"
    assert not first & 0x70, "no reserved bits"
    length, position = second & 0x7F, 2
    assert length != 127, "payloads over 64 KiB are not written directly"
    if length == 126:
        length, position = int.from_bytes(wire[2:4], "big"), 4
        assert length >= 126, "the shortest length encoding is used"
    mask = wire[position : position + 4]
    body = wire[position + 4 :]
    assert len(body) == length
    return first & 0x0F, bool(first & 0x80), mask, apply_mask(body, mask)


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 125, 126, 127, 1000, 65_535 // 4, MAX_DIRECT_TEXT])
def test_text_frames_are_final_masked_and_carry_the_payload(length: int) -> None:
    payload = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
    opcode, fin, _mask, carried = unmask_client_frame(encode_text_frame(payload))
    assert (opcode, fin, carried) == (TEXT, True, payload)


def test_every_text_frame_gets_its_own_mask() -> None:
    masks = {unmask_client_frame(encode_text_frame(b'{"id":1}'))[2] for _ in range(50)}
    assert len(masks) > 40


def test_text_frames_over_the_direct_limit_are_refused() -> None:
    with pytest.raises(ValueError, match="websockets"):
        encode_text_frame(b"x" * (MAX_DIRECT_TEXT + 1))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_payload_survives_masking(payload: bytes) -> None:
    assert unmask_client_frame(encode_text_frame(payload))[3] == payload
