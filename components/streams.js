'use strict';
/**
 * streams.py: typed stream-name builders from the spec's x-stream-pattern templates.
 * Variants of one stream (`{symbol}@depth{levels}` and `{symbol}@depth{levels}@{speed}`) become one builder
 * whose extra parameters are optional.
 */
const { snakeCase, PYTHON_KEYWORDS } = require('../helpers/naming');
const { modelsFor } = require('../helpers/models');
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').IREvent} IREvent */
/** @typedef {import('../helpers/ir-types').IRStreamPattern} IRStreamPattern */
/** @typedef {import('../helpers/ir-types').IRStreamParam} IRStreamParam */

/**
 * One template of a builder, with the event it carries and the event's model class.
 *
 * @typedef {IRStreamPattern & {event: IREvent, model: string}} BuilderVariant
 */

/**
 * A stream-name builder: one function of streams.py, for one or more templates (variants) of one event.
 *
 * @typedef {object} StreamBuilder
 * @property {string} name function name
 * @property {BuilderVariant[]} variants fewest parameters first; each adds optional parameters to the previous
 */

/**
 * `{symbol}@kline_{interval}@+08:00` -> `kline_plus_08_00`; `!miniTicker@arr` -> `all_mini_ticker_arr`.
 *
 * @param {string} template
 * @returns {string}
 */
function builderBaseName(template) {
  const literal = String(template)
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\+/g, ' plus ')
    .replace(/^!/, 'all ');
  const name = snakeCase(literal.replace(/[^A-Za-z0-9]+/g, ' ').trim()) || 'stream';
  return PYTHON_KEYWORDS.has(name) ? `${name}_stream` : name;
}

/**
 * @param {IRStreamParam} param
 * @returns {string} the Python type of its argument
 */
function paramType(param) {
  if (!param.enum || !param.enum.length) return 'str';
  const literals = param.enum.map(pyString).join(', ');
  const numeric = param.enum.every((v) => /^[0-9]+$/.test(v));
  return numeric ? `Literal[${literals}] | int` : `Literal[${literals}]`;
}

/**
 * The Python expression of a template's stream name: an f-string over the builder's arguments.
 *
 * @param {string} template
 * @param {Map<string, IRStreamParam & {kw: string}>} paramsByName
 * @returns {string}
 */
function formatExpression(template, paramsByName) {
  let out = '';
  let last = 0;
  for (const match of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    out += template.slice(last, match.index).replace(/[{}]/g, (c) => c + c);
    const param = /** @type {IRStreamParam & {kw: string}} */ (paramsByName.get(match[1]));
    out += param.lowercase ? `{${param.kw}.lower()}` : `{${param.kw}}`;
    last = /** @type {number} */ (match.index) + match[0].length;
  }
  if (last === 0) return pyString(template);
  out += template.slice(last).replace(/[{}]/g, (c) => c + c);
  return `f${pyString(out)}`;
}

/**
 * Groups patterns into builders: one per (base name, event). When several events share a base name
 * (`{symbol}@depth` diff vs `{symbol}@depth{levels}` partial) the builders are named after their events.
 *
 * @param {IR} ir
 * @returns {StreamBuilder[]} sorted by name
 */
function builders(ir) {
  const models = modelsFor(ir);
  /** @type {Map<string, {base: string, event: IREvent, variants: BuilderVariant[]}>} */
  const groups = new Map();
  for (const event of ir.events) {
    for (const pattern of event.streamPatterns) {
      const base = builderBaseName(pattern.template);
      const key = `${base}\u0000${event.schema}`;
      let group = groups.get(key);
      if (!group) {
        group = { base, event, variants: [] };
        groups.set(key, group);
      }
      group.variants.push({ ...pattern, event, model: models.classForSchema(event.schema) || event.schema });
    }
  }
  /** @type {Map<string, number>} */
  const eventsPerBase = new Map();
  for (const group of groups.values()) eventsPerBase.set(group.base, (eventsPerBase.get(group.base) || 0) + 1);
  /** @type {StreamBuilder[]} */
  const out = [];
  for (const group of groups.values()) {
    const name = (eventsPerBase.get(group.base) || 0) > 1 ? snakeCase(group.event.schema.replace(/Event$/, '')) : group.base;
    const variants = group.variants.sort((a, b) => a.params.length - b.params.length || a.template.localeCompare(b.template));
    const nested = variants.every((v, i) => i === 0 || variants[i - 1].params.every((p) => v.params.some((q) => q.name === p.name)));
    const distinctArity = new Set(variants.map((v) => v.params.length)).size === variants.length;
    if (nested && distinctArity) {
      out.push({ name, variants });
    } else {
      for (const v of variants) {
        const suffix = v.params.map((p) => p.pyName).join('_');
        out.push({ name: suffix ? `${name}_by_${suffix}` : name, variants: [v] });
      }
    }
  }
  const seen = new Set();
  for (const builder of out.sort((a, b) => a.name.localeCompare(b.name))) {
    while (seen.has(builder.name)) builder.name = `${builder.name}_`;
    seen.add(builder.name);
  }
  return out;
}

/**
 * @param {StreamBuilder} builder
 * @returns {string} its `def`
 */
function renderBuilder(builder) {
  const smallest = builder.variants[0];
  /** @type {IRStreamParam[]} */
  const all = [];
  for (const variant of builder.variants) for (const p of variant.params) if (!all.some((q) => q.name === p.name)) all.push(p);
  const requiredNames = new Set(smallest.params.map((p) => p.name));
  const params = all.map((p) => ({ ...p, kw: p.pyName, required: requiredNames.has(p.name), type: paramType(p) }));
  const byName = new Map(params.map((p) => [p.name, p]));
  const signature = [
    ...params.filter((p) => p.required).map((p) => `${p.kw}: ${p.type}`),
    ...params.filter((p) => !p.required).map((p) => `${p.kw}: ${p.type} | None = None`),
  ];
  const events = Array.from(new Set(builder.variants.map((v) => v.model)));
  const summary = builder.variants[0].event.summary || `${events.join(', ')} stream`;
  const lines = [
    `Templates: ${builder.variants.map((v) => `\`\`${v.template}\`\``).join(', ')}; events: ${events.map((e) => `\`\`models.${e}\`\``).join(', ')}.`,
  ];
  const examples = builder.variants.map((v) => v.example).filter(Boolean);
  if (examples.length) lines.push(`Example: \`\`${examples[0]}\`\`.`);
  const body = [];
  for (let i = builder.variants.length - 1; i > 0; i -= 1) {
    const variant = builder.variants[i];
    const extra = variant.params.filter((p) => !requiredNames.has(p.name)).map((p) => `${p.pyName} is not None`);
    body.push(`    if ${extra.join(' and ')}:`);
    body.push(`        return ${formatExpression(variant.template, byName)}`);
  }
  body.push(`    return ${formatExpression(smallest.template, byName)}`);
  return `def ${builder.name}(${signature.join(', ')}) -> str:
${docstring(`${summary}\n\n${lines.join('\n')}`, 4)}
${body.join('\n')}
`;
}

/**
 * @param {IR} ir
 * @returns {string} streams.py
 */
function renderStreamsModule(ir) {
  const list = builders(ir);
  const text = list.map(renderBuilder).join('\n\n');
  const needsLiteral = /Literal\[/.test(text);
  return `${docstring(`Stream-name builders for ${ir.info.title}, generated from its x-stream-pattern templates.\n\nEach returns the exact stream name Binance expects (symbols in lower case), e.g. for \`\`client.subscribe(...)\`\`.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations
${needsLiteral ? '\nfrom typing import Literal\n' : ''}
__all__ = [${list.map((b) => pyString(b.name)).join(', ')}]


${text}`;
}

module.exports = { renderStreamsModule, builders };
