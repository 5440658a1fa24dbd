'use strict';
/**
 * streams.py: typed stream-name builders from the spec's x-stream-pattern templates.
 * Variants of one stream (`{symbol}@depth{levels}` and `{symbol}@depth{levels}@{speed}`) become one builder
 * whose extra parameters are optional.
 */
const { snakeCase, pascalCase, PYTHON_KEYWORDS } = require('../helpers/naming');
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

// Binance stream names carry symbols, pairs and assets in lower case (protocol notes 5.1).
const LOWERCASE_PARAM = /symbol|pair|asset/i;

/** `{symbol}@kline_{interval}@+08:00` -> `kline_plus_08_00`; `!miniTicker@arr` -> `all_mini_ticker_arr`. */
function builderBaseName(template) {
  const literal = String(template)
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\+/g, ' plus ')
    .replace(/^!/, 'all ');
  const name = snakeCase(literal.replace(/[^A-Za-z0-9]+/g, ' ').trim()) || 'stream';
  return PYTHON_KEYWORDS.has(name) ? `${name}_stream` : name;
}

function paramType(param) {
  if (!param.enum || !param.enum.length) return 'str';
  const literals = param.enum.map(pyString).join(', ');
  const numeric = param.enum.every((v) => /^[0-9]+$/.test(v));
  return numeric ? `Literal[${literals}] | int` : `Literal[${literals}]`;
}

function formatExpression(template, paramsByName) {
  let out = '';
  let last = 0;
  for (const match of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    out += template.slice(last, match.index).replace(/[{}]/g, (c) => c + c);
    const param = paramsByName.get(match[1]);
    out += LOWERCASE_PARAM.test(param.name) ? `{${param.kw}.lower()}` : `{${param.kw}}`;
    last = match.index + match[0].length;
  }
  if (last === 0) return pyString(template);
  out += template.slice(last).replace(/[{}]/g, (c) => c + c);
  return `f${pyString(out)}`;
}

/**
 * Groups patterns into builders: one per (base name, event). When several events share a base name
 * (`{symbol}@depth` diff vs `{symbol}@depth{levels}` partial) the builders are named after their events.
 */
function builders(ir) {
  const groups = new Map();
  for (const event of ir.events) {
    for (const pattern of event.streamPatterns) {
      const base = builderBaseName(pattern.template);
      const key = `${base}\u0000${event.schema}`;
      if (!groups.has(key)) groups.set(key, { base, event, variants: [] });
      groups.get(key).variants.push({ ...pattern, event });
    }
  }
  const eventsPerBase = new Map();
  for (const group of groups.values()) eventsPerBase.set(group.base, (eventsPerBase.get(group.base) || 0) + 1);
  const out = [];
  for (const group of groups.values()) {
    const name = eventsPerBase.get(group.base) > 1 ? snakeCase(group.event.schema.replace(/Event$/, '')) : group.base;
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

function renderBuilder(builder) {
  const smallest = builder.variants[0];
  const all = [];
  for (const variant of builder.variants) for (const p of variant.params) if (!all.some((q) => q.name === p.name)) all.push(p);
  const requiredNames = new Set(smallest.params.map((p) => p.name));
  const params = all.map((p) => {
    let kw = p.pyName;
    if (PYTHON_KEYWORDS.has(kw)) kw = `${kw}_`;
    return { ...p, kw, required: requiredNames.has(p.name), type: paramType(p) };
  });
  const byName = new Map(params.map((p) => [p.name, p]));
  const signature = [
    ...params.filter((p) => p.required).map((p) => `${p.kw}: ${p.type}`),
    ...params.filter((p) => !p.required).map((p) => `${p.kw}: ${p.type} | None = None`),
  ];
  const events = Array.from(new Set(builder.variants.map((v) => pascalCase(v.event.schema))));
  const summary = builder.variants[0].event.summary || `${events.join(', ')} stream`;
  const lines = [
    `Templates: ${builder.variants.map((v) => `\`\`${v.template}\`\``).join(', ')}; events: ${events.map((e) => `\`\`models.${e}\`\``).join(', ')}.`,
  ];
  const examples = builder.variants.map((v) => v.example).filter(Boolean);
  if (examples.length) lines.push(`Example: \`\`${examples[0]}\`\`.`);
  const body = [];
  for (let i = builder.variants.length - 1; i > 0; i -= 1) {
    const variant = builder.variants[i];
    const extra = variant.params.filter((p) => !requiredNames.has(p.name)).map((p) => `${byName.get(p.name).kw} is not None`);
    body.push(`    if ${extra.join(' and ')}:`);
    body.push(`        return ${formatExpression(variant.template, byName)}`);
  }
  body.push(`    return ${formatExpression(smallest.template, byName)}`);
  return `def ${builder.name}(${signature.join(', ')}) -> str:
${docstring(`${summary}\n\n${lines.join('\n')}`, 4)}
${body.join('\n')}
`;
}

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

module.exports = { renderStreamsModule, builders, builderBaseName };
