"""Per-event decode cost without any transport: where the typed path spends its time compared with dicts.

``python decode_cost.py --events N`` prints ``RESULT <json>``: microseconds per event (median of 5 interleaved
passes over N combined frames of the flood mix) for ``json.loads``, ``orjson.loads``, our ``EVENT_ROUTER.decode``
(pydantic models), ``STRUCT_ROUTER.decode`` (msgspec Structs), and the pydantic router while the last 1000
results are kept alive (what the message history does), keeping either the typed models or the raw frame text.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

import payloads


def frames() -> list[str]:
    raw = {stream: payloads.payloads(stream, 1000) for stream in payloads.STREAMS}
    return [payloads.combined(s, raw[s][i]).decode() for i in range(1000) for s in payloads.STREAMS]


def per_event_us(texts: list[str], events: int, handle: Callable[[str], Any]) -> float:
    count = len(texts)
    started = time.perf_counter()
    for index in range(events):
        handle(texts[index % count])
    return (time.perf_counter() - started) * 1e6 / events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=30_000)
    args = parser.parse_args()
    from spot_streams.models import EVENT_ROUTER
    from spot_streams.structs import STRUCT_ROUTER

    texts = frames()
    decode = EVENT_ROUTER.decode
    kept_models: collections.deque[Any] = collections.deque(maxlen=1000)
    kept_text: collections.deque[Any] = collections.deque(maxlen=1000)

    def keep_model(text: str) -> None:
        kept_models.append(decode(text).event)

    def keep_text(text: str) -> None:
        decode(text)
        kept_text.append(text)

    steps: dict[str, Callable[[str], Any]] = {
        "json.loads": json.loads,
        "orjson.loads": orjson.loads,
        "EVENT_ROUTER.decode": decode,
        "STRUCT_ROUTER.decode (msgspec)": STRUCT_ROUTER.decode,
        "EVENT_ROUTER.decode, last 1000 models kept": keep_model,
        "EVENT_ROUTER.decode, last 1000 frame texts kept": keep_text,
    }
    per_event_us(texts, 3000, decode)
    samples: dict[str, list[float]] = {name: [] for name in steps}
    # Passes rotate over the steps so that a busy moment of the machine does not land on one step only.
    for _ in range(5):
        for name, step in steps.items():
            samples[name].append(per_event_us(texts, args.events, step))
    result = {name: statistics.median(values) for name, values in samples.items()}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
