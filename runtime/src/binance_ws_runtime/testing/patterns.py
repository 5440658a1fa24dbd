"""Stream-name templates (``{symbol}@kline_{interval}``) compiled to regular expressions, most specific first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..spec import StreamPatternSpec

__all__ = ["CompiledPattern", "compile_pattern"]

_STREAM_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class CompiledPattern:
    spec: StreamPatternSpec
    regex: re.Pattern[str]
    specificity: int


def compile_pattern(pattern: StreamPatternSpec) -> CompiledPattern:
    parts: list[str] = []
    position = 0
    literal_length = 0
    for match in _STREAM_PLACEHOLDER.finditer(pattern.template):
        literal = pattern.template[position : match.start()]
        parts.append(re.escape(literal))
        literal_length += len(literal)
        parts.append(f"(?P<{match.group(1)}>[^@/\\s]+)")
        position = match.end()
    tail = pattern.template[position:]
    parts.append(re.escape(tail))
    literal_length += len(tail)
    return CompiledPattern(pattern, re.compile("^" + "".join(parts) + "$"), literal_length)
