'use strict';
/**
 * tests/test_stream_names.py: each generated builder, called with example values, returns the stream name the
 * template expects (computed here, independently of the Python code), for every variant of the builder.
 */
const { builders } = require('./streams');
const { pyString, docstring, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').IRStreamParam} IRStreamParam */
/** @typedef {import('../helpers/ir-types').IRStreamPattern} IRStreamPattern */

/**
 * @typedef {object} StreamNameCase
 * @property {string} builder
 * @property {Array<[string, string]>} args keyword -> value
 * @property {string} expected the stream name
 * @property {string} model the event's model class
 */

/**
 * An example argument: the last enum value, else a plausible value in upper case (so that the builder's
 * lower-casing is exercised).
 *
 * @param {IRStreamParam} param
 * @returns {string}
 */
function sampleValue(param) {
  if (param.enum && param.enum.length) return param.enum[param.enum.length - 1];
  if (/pair/i.test(param.name)) return 'BTCUSDT';
  if (/symbol|asset/i.test(param.name)) return 'BNBBTC';
  if (/interval/i.test(param.name)) return '1M';
  return 'x1';
}

/**
 * The stream name a template gives for the values, computed here independently of the generated code.
 *
 * @param {IRStreamPattern} pattern
 * @param {Record<string, string>} values placeholder -> value
 * @returns {string}
 */
function expectedName(pattern, values) {
  const lowercase = new Set(pattern.params.filter((p) => p.lowercase).map((p) => p.name));
  return pattern.template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => (lowercase.has(name) ? values[name].toLowerCase() : values[name]));
}

/**
 * @param {IR} ir
 * @returns {StreamNameCase[]} one per template of every builder
 */
function cases(ir) {
  /** @type {StreamNameCase[]} */
  const out = [];
  for (const builder of builders(ir)) {
    for (const variant of builder.variants) {
      /** @type {Record<string, string>} */
      const values = {};
      const args = variant.params.map((p) => {
        values[p.name] = sampleValue(p);
        return /** @type {[string, string]} */ ([p.pyName, values[p.name]]);
      });
      out.push({ builder: builder.name, args, expected: expectedName(variant, values), model: variant.model });
    }
  }
  return out;
}

/**
 * @param {IR} ir
 * @returns {string} tests/test_stream_names.py
 */
function renderStreamNamesTest(ir) {
  const all = cases(ir);
  const rows = all.map((c) => `    (streams.${c.builder}, {${c.args.map(([kw, value]) => `${pyString(kw)}: ${pyString(value)}`).join(', ')}}, ${pyString(c.expected)}, ${pyString(c.model)}),`);
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
    assert len(CASES) == ${all.length}
`;
}

module.exports = { renderStreamNamesTest };
