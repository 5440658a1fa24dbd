"""MessageHistory and redaction: bounded, filterable, secrets masked before storage."""

from __future__ import annotations

import json

from binance_ws_runtime.core.history import REDACTED, MessageHistory, redact, redact_text


def test_redaction_masks_secrets_at_any_depth_and_leaves_the_input_alone() -> None:
    message = {
        "id": 1,
        "method": "order.place",
        "params": {"apiKey": "KEY123", "signature": "SIG456", "symbol": "BTCUSDT"},
        "result": [{"listenKey": "LK789"}],
    }
    redacted = redact(message)
    text = json.dumps(redacted)
    assert "KEY123" not in text and "SIG456" not in text and "LK789" not in text
    assert redacted["params"]["symbol"] == "BTCUSDT"
    assert redacted["params"]["apiKey"] == REDACTED
    assert message["params"]["apiKey"] == "KEY123"  # type: ignore[index]
    untouched = {"e": "trade", "p": "1.0"}
    assert redact(untouched) is untouched


def test_redact_text_masks_json_and_query_secrets() -> None:
    raw = '{"params":{"apiKey": "KEY123","signature":"SIG456"}} wss://x/ws?listenKey=LK789&a=1'
    masked = redact_text(raw)
    assert "KEY123" not in masked and "SIG456" not in masked and "LK789" not in masked


def test_history_is_bounded_filterable_and_can_be_turned_off() -> None:
    history = MessageHistory(3)
    for number in range(5):
        history.record("received", {"n": number}, "even" if number % 2 == 0 else "odd")
    entries = history.get()
    assert [entry.message["n"] for entry in entries] == [2, 3, 4]
    assert [entry.message["n"] for entry in history.get(event_type="even")] == [2, 4]
    assert [entry.message["n"] for entry in history.get(limit=1)] == [4]
    off = MessageHistory(0)
    off.record("sent", {"n": 1})
    assert off.get() == []
