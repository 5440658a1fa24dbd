"""The frame parser and encoders, both sides of a connection, without sockets."""

from __future__ import annotations

import os
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.extensions.permessage_deflate import PerMessageDeflate

from binance_ws_runtime.wire.frames import (
    FrameParser,
    ProtocolError,
    encode_close,
    encode_frame,
    parse_close,
)

from .framing import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload, frame, split_frame


class Recorder:
    """A parser whose callbacks record what they get, in order."""

    def __init__(
        self, *, client_side: bool = True, max_size: int | None = 1 << 20, text_as_bytes: bool = True, **extra: Any
    ) -> None:
        self.events: list[tuple[str, Any]] = []
        self.errors: list[Exception] = []
        self.parser = FrameParser(
            client_side=client_side,
            on_text=lambda data: self.events.append(("text", data)),
            on_binary=lambda data: self.events.append(("binary", data)),
            on_ping=lambda data: self.events.append(("ping", data)),
            on_pong=lambda data: self.events.append(("pong", data)),
            on_close=lambda code, reason: self.events.append(("close", (code, reason))),
            on_error=self.errors.append,
            max_size=max_size,
            text_as_bytes=text_as_bytes,
            **extra,
        )

    def feed_in_pieces(self, wire: bytes, cuts: list[int]) -> None:
        position = 0
        for cut in [*sorted(set(cuts)), len(wire)]:
            self.parser.feed(wire[position:cut])
            position = cut


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
    frame(PING, b""),
    frame(CONT, b"ed", fin=True),
    frame(TEXT, "non-ASCII: \u20ac".encode()),
    frame(TEXT, b"long length field", long_length=True),
]
EXPECTED: list[tuple[str, Any]] = [
    ("text", b""),
    ("text", b'{"e":"trade"}'),
    ("binary", bytes(range(125))),
    ("text", b"x" * 126),
    ("ping", b"keepalive"),
    ("text", b"y" * 65535),
    ("binary", b"z" * 65536),
    ("pong", b"1234"),
    ("ping", b""),
    ("text", b"frag-mented"),
    ("text", "non-ASCII: \u20ac".encode()),
    ("text", b"long length field"),
]


def test_every_length_encoding_fragments_and_control_frames_between_fragments_in_one_read() -> None:
    recorder = Recorder()
    recorder.parser.feed(b"".join(MESSAGES))
    assert recorder.events == EXPECTED
    assert recorder.parser.buffered == 0


def test_text_is_decoded_to_str_unless_bytes_are_asked_for() -> None:
    recorder = Recorder(text_as_bytes=False)
    recorder.parser.feed(frame(TEXT, "\u20ac".encode()) + frame(BINARY, b"\xff"))
    assert recorder.events == [("text", "\u20ac"), ("binary", b"\xff")]


def test_a_stream_cut_at_every_byte_gives_the_same_messages() -> None:
    small = [m for m in MESSAGES if len(m) < 1000]
    expected = [e for e in EXPECTED if not isinstance(e[1], bytes) or len(e[1]) < 1000]
    wire = b"".join(small)
    for cut in range(len(wire) + 1):
        recorder = Recorder()
        recorder.feed_in_pieces(wire, [cut])
        assert recorder.events == expected, f"cut at {cut}"


def test_a_stream_fed_one_byte_at_a_time() -> None:
    recorder = Recorder()
    wire = b"".join(MESSAGES)
    recorder.feed_in_pieces(wire, list(range(len(wire))))
    assert recorder.events == EXPECTED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=140_000), max_size=40))
def test_any_split_of_the_stream_gives_the_same_messages(cuts: list[int]) -> None:
    wire = b"".join(MESSAGES)
    recorder = Recorder()
    recorder.feed_in_pieces(wire, [cut for cut in cuts if cut <= len(wire)])
    assert recorder.events == EXPECTED


def test_a_server_reads_masked_client_frames() -> None:
    recorder = Recorder(client_side=False)
    masked = [frame(TEXT, b'{"id":1}', mask=os.urandom(4)), frame(PING, b"p", mask=os.urandom(4))]
    big = frame(BINARY, bytes(range(256)) * 300, mask=os.urandom(4))
    recorder.parser.feed(b"".join([*masked, big]))
    assert recorder.events == [("text", b'{"id":1}'), ("ping", b"p"), ("binary", bytes(range(256)) * 300)]


VIOLATIONS = [
    pytest.param(frame(CONT, b"orphan"), 1002, "unexpected continuation frame", id="continuation without a start"),
    pytest.param(frame(CONT, b"orphan", fin=False), 1002, "unexpected continuation frame", id="open continuation"),
    pytest.param(frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002, "expected a continuation frame", id="nested"),
    pytest.param(
        frame(TEXT, b"a", fin=False) + frame(BINARY, b"b", fin=False),
        1002,
        "expected a continuation frame",
        id="new message inside a fragmented one",
    ),
    pytest.param(
        frame(TEXT, b"a", fin=False) + frame(CLOSE, close_payload(1000)),
        1002,
        "incomplete fragmented message",
        id="close inside a fragmented message",
    ),
    pytest.param(frame(TEXT, b"x" * 101), 1009, "message over the size limit (101 > 100)", id="over max_size"),
    pytest.param(
        frame(TEXT, b"x" * 60, fin=False) + frame(CONT, b"x" * 41),
        1009,
        "message over the size limit (101 > 100)",
        id="fragments over max_size",
    ),
    pytest.param(frame(TEXT, b"\xff\xfe"), 1007, "invalid UTF-8 at position 0", id="invalid UTF-8"),
    pytest.param(
        frame(TEXT, b"ok \xe2\x82", fin=False) + frame(CONT, b"!"),
        1007,
        "invalid UTF-8 at position 3",
        id="invalid UTF-8 across fragments",
    ),
    pytest.param(frame(TEXT, b"rsv1", rsv=0x40), 1002, "reserved bits must be 0", id="RSV1 without an extension"),
    pytest.param(frame(TEXT, b"rsv2", rsv=0x20), 1002, "reserved bits must be 0", id="RSV2"),
    pytest.param(frame(TEXT, b"rsv3", rsv=0x10), 1002, "reserved bits must be 0", id="RSV3"),
    pytest.param(frame(0x3, b"?"), 1002, "invalid opcode 0x3", id="reserved data opcode"),
    pytest.param(frame(0xB, b"?"), 1002, "invalid opcode 0xb", id="reserved control opcode"),
    pytest.param(frame(PING, b"p", fin=False), 1002, "fragmented control frame", id="fragmented ping"),
    pytest.param(frame(PING, b"p" * 126), 1002, "control frame too long", id="ping over 125 bytes"),
    pytest.param(frame(TEXT, b"m", mask=b"abcd"), 1002, "server frames are masked", id="masked server frame"),
    pytest.param(frame(CLOSE, b"\x03"), 1002, "close frame too short", id="one-byte close payload"),
    pytest.param(frame(CLOSE, close_payload(1005)), 1002, "invalid close code 1005", id="close code 1005 on the wire"),
    pytest.param(frame(CLOSE, close_payload(999)), 1002, "invalid close code 999", id="close code under 1000"),
    pytest.param(frame(CLOSE, close_payload(2000)), 1002, "invalid close code 2000", id="unassigned close code"),
    pytest.param(frame(CLOSE, close_payload(5000)), 1002, "invalid close code 5000", id="close code over 4999"),
    pytest.param(
        frame(CLOSE, close_payload(1000, b"\xc3\x28")),
        1007,
        "invalid UTF-8 in close reason at position 0",
        id="close reason not UTF-8",
    ),
    pytest.param(
        b"\x82\x7f" + (1 << 63).to_bytes(8, "big"), 1002, "frame length over 2**63", id="64-bit length with MSB set"
    ),
]


@pytest.mark.parametrize(("wire", "code", "message"), VIOLATIONS)
def test_protocol_violations_raise_with_the_close_code_after_the_frames_before_them(
    wire: bytes, code: int, message: str
) -> None:
    recorder = Recorder(max_size=100)
    with pytest.raises(ProtocolError) as caught:
        recorder.parser.feed(frame(TEXT, b"before") + wire + frame(TEXT, b"after"))
    assert (caught.value.code, caught.value.reason) == (code, message)
    assert recorder.events == [("text", b"before")]


def test_client_frames_must_be_masked_when_a_server_reads_them() -> None:
    recorder = Recorder(client_side=False)
    with pytest.raises(ProtocolError, match="client frames must be masked"):
        recorder.parser.feed(frame(TEXT, b"unmasked"))


def test_an_oversized_frame_fails_before_its_payload_arrives() -> None:
    recorder = Recorder(max_size=1000)
    with pytest.raises(ProtocolError) as caught:
        recorder.parser.feed(frame(BINARY, b"x" * 70_000)[:10])
    assert caught.value.code == 1009


def test_no_size_limit_and_messages_up_to_the_limit_pass() -> None:
    unlimited = Recorder(max_size=None)
    unlimited.parser.feed(frame(TEXT, b"x" * 200_000))
    assert unlimited.events == [("text", b"x" * 200_000)]
    limited = Recorder(max_size=100)
    limited.parser.feed(frame(TEXT, b"x" * 100) + frame(TEXT, b"x" * 50, fin=False) + frame(CONT, b"x" * 50))
    assert limited.events == [("text", b"x" * 100), ("text", b"x" * 100)]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", (1005, "")),
        (close_payload(1000), (1000, "")),
        (close_payload(1001, b"going away"), (1001, "going away")),
        (close_payload(3000, "\u20ac".encode()), (3000, "\u20ac")),
        (close_payload(4999), (4999, "")),
    ],
)
def test_close_frames_are_read_and_nothing_after_them(payload: bytes, expected: tuple[int, str]) -> None:
    recorder = Recorder()
    recorder.parser.feed(frame(TEXT, b"a") + frame(CLOSE, payload) + frame(TEXT, b"after the close"))
    recorder.parser.feed(frame(TEXT, b"later still"))
    assert recorder.events == [("text", b"a"), ("close", expected)]


def test_a_failing_callback_is_reported_and_the_frames_after_it_still_arrive() -> None:
    recorder = Recorder()
    failure = RuntimeError("handler bug")

    def fail_on_boom(data: bytes) -> None:
        if data == b"boom":
            raise failure
        recorder.events.append(("text", data))

    recorder.parser.on_text = fail_on_boom
    recorder.parser.feed(frame(TEXT, b"1") + frame(TEXT, b"boom") + frame(TEXT, b"2"))
    assert recorder.events == [("text", b"1"), ("text", b"2")]
    assert recorder.errors == [failure]


def test_callbacks_can_be_swapped_between_reads() -> None:
    recorder = Recorder()
    early: list[bytes] = []
    late = frame(TEXT, b"late")
    recorder.parser.on_text = early.append
    recorder.parser.feed(frame(TEXT, b"early") + late[:3])
    recorder.parser.on_text = lambda data: recorder.events.append(("text", data))
    recorder.parser.feed(late[3:])
    assert early == [b"early"]
    assert recorder.events == [("text", b"late")]


def deflate(payload: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert data.endswith(b"\x00\x00\xff\xff")
    return data[:-4]


def test_permessage_deflate_messages_whole_and_fragmented() -> None:
    extension = PerMessageDeflate(
        remote_no_context_takeover=True,
        local_no_context_takeover=True,
        remote_max_window_bits=15,
        local_max_window_bits=15,
    )
    recorder = Recorder(extensions=[extension])
    text = b'{"levels":"' + b"0.1," * 2000 + b'"}'
    compressed = deflate(text)
    half = len(compressed) // 2
    wire = (
        frame(TEXT, compressed, rsv=0x40)
        + frame(TEXT, compressed[:half], rsv=0x40, fin=False)
        + frame(CONT, compressed[half:])
        + frame(TEXT, b"plain")
    )
    recorder.parser.feed(wire)
    assert recorder.events == [("text", text), ("text", text), ("text", b"plain")]


def test_permessage_deflate_checks_the_size_after_inflating() -> None:
    extension = PerMessageDeflate(
        remote_no_context_takeover=True,
        local_no_context_takeover=True,
        remote_max_window_bits=15,
        local_max_window_bits=15,
    )
    recorder = Recorder(extensions=[extension], max_size=1000)
    with pytest.raises(ProtocolError) as caught:
        recorder.parser.feed(frame(TEXT, deflate(b"x" * 5000), rsv=0x40))
    assert caught.value.code == 1009


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 125, 126, 127, 1000, 65_535, 65_536, 200_000])
@pytest.mark.parametrize("masked", [True, False])
def test_encoded_frames_are_final_masked_as_asked_and_carry_the_payload(length: int, masked: bool) -> None:
    payload = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
    opcode, fin, rsv, mask, carried, rest = split_frame(encode_frame(TEXT, payload, mask=masked))
    assert (opcode, fin, rsv, mask is not None, carried, rest) == (TEXT, True, 0, masked, payload, b"")


def test_the_shortest_length_encoding_is_used() -> None:
    assert len(encode_frame(TEXT, b"x" * 125, mask=False)) == 2 + 125
    assert len(encode_frame(TEXT, b"x" * 126, mask=False)) == 4 + 126
    assert len(encode_frame(TEXT, b"x" * 65_536, mask=False)) == 10 + 65_536


def test_every_client_frame_gets_its_own_mask() -> None:
    masks = {split_frame(encode_frame(TEXT, b'{"id":1}', mask=True))[3] for _ in range(50)}
    assert len(masks) > 40


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.booleans())
def test_what_one_side_encodes_the_other_side_parses(payload: bytes, from_client: bool) -> None:
    recorder = Recorder(client_side=not from_client)
    recorder.parser.feed(encode_frame(BINARY, payload, mask=from_client))
    assert recorder.events == [("binary", payload)]


@pytest.mark.parametrize(
    ("code", "reason", "payload"),
    [
        (1000, "", b"\x03\xe8"),
        (1001, "bye", b"\x03\xe9bye"),
        (1005, "", b""),
        (4000, "\u20ac" * 60, b"\x0f\xa0" + ("\u20ac" * 41).encode()),
    ],
)
def test_close_payloads_are_encoded_within_125_bytes_and_read_back(code: int, reason: str, payload: bytes) -> None:
    encoded = encode_close(code, reason)
    assert encoded == payload
    assert len(encoded) <= 125
    assert parse_close(encoded)[0] == code
