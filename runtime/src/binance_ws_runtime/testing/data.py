"""What the mock server answers with, as rendered into a package's ``_mock_data.py`` (only ``testing.py`` imports it).

The template computes it from the spec at generation time (``helpers/replies.js``): for each operation an example
request and a reply template (the ``result`` with every field of the reply schema filled with a plausible value of
its type, the spec's own examples where they are valid, and the shapes Binance documents where the schema leaves
them open: depth levels ``[price, qty]``, 12-field klines, filters with their ``filterType``), and for each event an
example payload. The engine (:mod:`.replies`) then makes a reply depend on the request the way Binance does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MockData", "MockOperation"]


@dataclass(frozen=True, slots=True)
class MockOperation:
    """The mock's data for one request operation."""

    params: Any = field(default_factory=dict)
    """An example of the request's ``params``: an object for WS API methods, a list for stream control methods."""
    result: Any = None
    """The reply template: the ``result`` a request gets before it is fitted to the request (None: no result)."""


@dataclass(frozen=True, slots=True)
class MockData:
    """Everything the mock server answers with beyond its own state, for one spec."""

    operations: Mapping[str, MockOperation] = field(default_factory=dict)
    """Wire method -> its example request and reply template."""
    events: Mapping[str, Any] = field(default_factory=dict)
    """Event name (its model class, as in ``EventSpec.name``) -> an example payload (the body of its envelope)."""

    def result(self, method: str) -> Any:
        """The reply template of ``method``, or None."""
        operation = self.operations.get(method)
        return operation.result if operation is not None else None

    def params(self, method: str) -> Any:
        """The example request params of ``method`` (``{}`` when there is none)."""
        operation = self.operations.get(method)
        return operation.params if operation is not None else {}
