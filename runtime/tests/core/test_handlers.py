"""HandlerRegistry: patterns, order, faults, async handlers, error handlers."""

from __future__ import annotations

import asyncio
from typing import Any

from binance_ws_runtime.core.handlers import ERROR_PATTERN, HandlerRegistry, compile_pattern
from binance_ws_runtime.errors import EventDecodeError

from ..helpers import wait_until


def test_patterns_match_exact_glob_and_everything() -> None:
    assert compile_pattern("*")("anything")
    assert compile_pattern("executionReport")("executionReport")
    assert not compile_pattern("executionReport")("executionReports")
    assert compile_pattern("*Update")("balanceUpdate")
    assert not compile_pattern("*Update")("executionReport")
    assert compile_pattern("list?tatus")("listStatus")


def test_handler_registry_delivers_to_every_match_in_order_and_survives_faults() -> None:
    registry = HandlerRegistry()
    calls: list[str] = []

    def broken(event: Any) -> None:
        raise RuntimeError("handler bug")

    registry.set_handler("*", lambda e: calls.append(f"all:{e}"))
    registry.set_handler("executionReport", broken)
    registry.set_handler("executionReport", lambda e: calls.append(f"exact:{e}"))
    registry.set_handler("*Report", lambda e: calls.append(f"glob:{e}"))
    registry.dispatch("executionReport", 1)
    registry.dispatch("balanceUpdate", 2)
    assert calls == ["all:1", "exact:1", "glob:1", "all:2"]
    assert registry.handler_errors == 1

    assert registry.remove_handler("executionReport", broken) == 1
    assert registry.remove_handler("*") == 1
    assert registry.remove_handler("missing") == 0
    calls.clear()
    registry.dispatch("executionReport", 3)
    assert calls == ["exact:3", "glob:3"]


async def test_async_handlers_run_in_event_order_and_are_stopped_on_close() -> None:
    registry = HandlerRegistry()
    seen: list[int] = []

    async def slow(event: int) -> None:
        await asyncio.sleep(0)
        if event == 3:
            raise RuntimeError("async handler bug")
        seen.append(event)

    registry.set_handler("*", slow)
    for number in range(6):
        registry.dispatch("tick", number)
    await wait_until(lambda: len(seen) == 5)
    assert seen == [0, 1, 2, 4, 5]
    assert registry.handler_errors == 1
    assert any(task.get_name() == "event-handlers" for task in asyncio.all_tasks())
    await registry.aclose()
    assert not any(task.get_name() == "event-handlers" for task in asyncio.all_tasks())


def test_error_handlers_only_get_errors() -> None:
    registry = HandlerRegistry()
    errors: list[BaseException] = []
    registry.set_handler(ERROR_PATTERN, errors.append)
    registry.dispatch("__error__", "not an error event")
    registry.dispatch_error(EventDecodeError("bad"))
    assert registry.has_error_handlers
    assert [type(e) for e in errors] == [EventDecodeError]
