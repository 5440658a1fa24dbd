'use strict';
/**
 * tests/test_stream_names.py: each generated builder, called with example values, returns the stream name the
 * template expects (computed here, independently of the Python code), for every variant of the builder.
 */
const { pascalCase } = require('../helpers/naming');
const { builders } = require('./streams');
const { pyString, docstring, GENERATED_NOTICE } = require('./python');

const LOWERCASE_PARAM = /symbol|pair|asset/i;

function sampleValue(param) {
  if (param.enum && param.enum.length) return param.enum[param.enum.length - 1];
  if (/pair/i.test(param.name)) return 'BTCUSDT';
  if (/symbol|asset/i.test(param.name)) return 'BNBBTC';
  if (/interval/i.test(param.name)) return '1M';
  return 'x1';
}

function expectedName(template, values) {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => (LOWERCASE_PARAM.test(name) ? values[name].toLowerCase() : values[name]));
}

function cases(ir) {
  const out = [];
  for (const builder of builders(ir)) {
    for (const variant of builder.variants) {
      const values = {};
      const args = variant.params.map((p) => {
        values[p.name] = sampleValue(p);
        const kw = p.pyName;
        return `${kw}=${pyString(values[p.name])}`;
      });
      out.push({ builder: builder.name, args, expected: expectedName(variant.template, values), model: pascalCase(variant.event.schema) });
    }
  }
  return out;
}

function renderStreamNamesTest(ir) {
  const rows = cases(ir).map((c) => `    (streams.${c.builder}, {${c.args.map((a) => a.replace(/^([^=]+)=/, (m, k) => `${pyString(k)}: `)).join(', ')}}, ${pyString(c.expected)}, ${pyString(c.model)}),`);
  return `${docstring(`Stream-name builders return the names their templates define.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .. import streams

CASES: list[tuple[Callable[..., str], dict[str, Any], str, str]] = [
${rows.join('\n')}
]


@pytest.mark.parametrize(("builder", "arguments", "expected", "model"), CASES, ids=[case[2] for case in CASES])
def test_builder_returns_the_templated_stream_name(
    builder: Callable[..., str], arguments: dict[str, Any], expected: str, model: str
) -> None:
    assert builder(**arguments) == expected


def test_every_pattern_has_a_builder() -> None:
    assert len(CASES) == ${cases(ir).length}
`;
}

module.exports = { renderStreamNamesTest };
