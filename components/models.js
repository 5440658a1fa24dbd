'use strict';

/**
 * Renders `models.py` (pydantic v2 models + EVENT_ROUTER) from the IR's ModelSet. The class, field and alias
 * rendering is shared with components/structs.js (msgspec Structs of the same classes).
 */

const { modelsFor, mergedRoutes } = require('../helpers/models');
const { runtimeModule } = require('../helpers/runtime');
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */
/** @typedef {import('../helpers/models').ModelSet} ModelSet */
/** @typedef {import('../helpers/models').ModelClass} ModelClass */
/** @typedef {import('../helpers/models').ModelAlias} ModelAlias */
/** @typedef {import('../helpers/models').ModelField} ModelField */
/** @typedef {import('../helpers/models').RouteStreamPattern} RouteStreamPattern */

/**
 * How a field's wire name and options are spelled: pydantic's `Field(alias=...)` or msgspec's `field(name=...)`.
 *
 * @typedef {object} FieldStyle
 * @property {string} call
 * @property {string} nameKeyword
 * @property {(field: ModelField) => string[]} extraArgs
 */

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * What models.py re-exports of the runtime's drift tolerance, for the users of the package: the untyped wrapper of
 * events no model describes, the error raised by a field a message lacked, and the helper that lists such fields.
 */
const DRIFT_EXPORTS = ['MissingFieldError', 'UnknownEvent', 'missing_fields'];

/**
 * @param {ModelField} field
 * @returns {string} its annotation: optional fields admit None
 */
function fieldType(field) {
  if (field.required || field.type === 'Any' || /(^| )None$/.test(field.type)) return field.type;
  return `${field.type} | None`;
}

/** @type {FieldStyle} */
const PYDANTIC_FIELD = {
  call: 'Field',
  nameKeyword: 'alias',
  extraArgs: (field) => (field.unionMode ? [`union_mode=${pyString(field.unionMode)}`] : []),
};
/** @type {FieldStyle} */
const MSGSPEC_FIELD = { call: 'msgspec.field', nameKeyword: 'name', extraArgs: () => [] };

/**
 * One attribute line and its docstring. `pending` holds the classes not defined yet: annotations are evaluated
 * at class creation (no `from __future__ import annotations`: evaluating strings costs pydantic a compile() per
 * field at import), and classes come in dependency order, so only a cycle needs a quoted forward reference.
 *
 * @param {ModelField} field
 * @param {Set<string>} pending classes not defined yet
 * @param {FieldStyle} [style]
 * @returns {string}
 */
function renderField(field, pending, style = PYDANTIC_FIELD) {
  const plain = fieldType(field);
  const forward = (plain.match(IDENTIFIER) || []).some((id) => pending.has(id));
  const type = forward ? pyString(plain) : plain;
  const args = [];
  if (!field.required) args.push('default=None');
  if (field.alias !== field.attr) args.push(`${style.nameKeyword}=${pyString(field.alias)}`);
  args.push(...style.extraArgs(field));
  let line;
  if (args.length === 0) line = `    ${field.attr}: ${type}`;
  else if (args.length === 1 && args[0] === 'default=None') line = `    ${field.attr}: ${type} = None`;
  else line = `    ${field.attr}: ${type} = ${style.call}(${args.join(', ')})`;
  const out = [line];
  if (field.doc) out.push(docstring(field.doc, 4));
  return out.join('\n');
}

/**
 * `Name: TypeAlias = type` blocks, sorted by name, each with its docstring.
 *
 * @param {ModelAlias[]} aliases
 * @returns {string[]}
 */
function renderAliases(aliases) {
  return [...aliases]
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map((a) => [`${a.name}: TypeAlias = ${a.type}`, a.doc ? docstring(a.doc, 0) : ''].filter(Boolean).join('\n'));
}

/**
 * The `from typing import ...` lines a module body needs (none when it uses no typing name).
 *
 * @param {string} body
 * @returns {string[]}
 */
function typingImport(body) {
  const names = ['Any', 'Literal', 'TypeAlias'].filter((n) => new RegExp(`\\b${n}\\b`).test(body));
  return names.length ? [`from typing import ${names.join(', ')}`, ''] : [];
}

/**
 * @param {ModelClass} record
 * @param {Record<string, string>} messageDocs class name -> docs of its message
 * @returns {string}
 */
function classDoc(record, messageDocs) {
  const own = record.doc;
  if (own && !/^(request|response) schema$/i.test(own)) return own;
  if (messageDocs[record.name]) return messageDocs[record.name];
  if (own) return own;
  if (record.origin.kind === 'inline') {
    return `The \`${record.origin.path.join('.')}\` object of \`${record.origin.owner}\`.`;
  }
  return `The \`${record.name}\` object.`;
}

/**
 * @param {ModelClass} record
 * @param {Record<string, string>} messageDocs
 * @param {Set<string>} pending
 * @returns {string}
 */
function renderClass(record, messageDocs, pending) {
  const lines = [`class ${record.name}(BinanceModel):`, docstring(classDoc(record, messageDocs), 4)];
  if (record.fields.length) lines.push('');
  lines.push(record.fields.map((f) => renderField(f, pending)).join('\n\n'));
  pending.delete(record.name);
  return lines.filter((l, i) => !(l === '' && i === lines.length - 1)).join('\n');
}

/**
 * Classes in dependency order (a class after those its fields use), ties broken by name.
 *
 * @param {ModelClass[]} classes
 * @returns {ModelClass[]}
 */
function orderClasses(classes) {
  const byName = new Map(classes.map((c) => [c.name, c]));
  /** @type {ModelClass[]} */
  const out = [];
  /** @type {Map<string, string>} */
  const state = new Map();
  /** @param {ModelClass} record */
  const visit = (record) => {
    if (state.get(record.name)) return;
    state.set(record.name, 'visiting');
    const deps = new Set();
    for (const field of record.fields) for (const id of field.type.match(IDENTIFIER) || []) if (byName.has(id)) deps.add(id);
    for (const dep of [...deps].sort()) if (dep !== record.name) visit(/** @type {ModelClass} */ (byName.get(dep)));
    out.push(record);
  };
  for (const record of [...classes].sort((a, b) => a.name.localeCompare(b.name, 'en'))) visit(record);
  return out;
}

/**
 * The docs of each class that stands for a message payload: the message's title (or name), summary and
 * description.
 *
 * @param {IR} ir
 * @param {ModelSet} models
 * @returns {Record<string, string>}
 */
function messageDocsByClass(ir, models) {
  /** @type {Record<string, string>} */
  const docs = {};
  for (const [id, message] of Object.entries(ir.messages)) {
    const cls = models.byMessage[id];
    if (!cls || docs[cls]) continue;
    const text = [message.title || message.name, message.summary, message.description].filter(Boolean);
    const unique = [...new Set(text.map((t) => String(t).trim()))];
    if (unique.length) docs[cls] = unique.join('\n\n');
  }
  return docs;
}

/**
 * @param {RouteStreamPattern} pattern
 * @returns {string} a `StreamPattern(...)` expression
 */
function streamPatternExpr(pattern) {
  const params = pattern.params
    .filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i)
    .filter((p) => pattern.template.includes(`{${p.name}}`))
    .map((p) => `(${pyString(p.name)}, ${p.values ? tupleExpr(p.values.map(pyString)) : 'None'})`);
  return `StreamPattern(${pyString(pattern.template)}, (${params.join(', ')}${params.length === 1 ? ',' : ''}))`;
}

/**
 * @param {string[]} items Python expressions
 * @returns {string} a tuple of them
 */
function tupleExpr(items) {
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

/**
 * @param {IR} ir
 * @param {ModelSet} models
 * @returns {string} the EVENT_ROUTER assignment
 */
function renderRouter(ir, models) {
  const routes = mergedRoutes(models).map((route) => {
    const args = [
      `model=${route.modelClass}`,
      `event_types=${tupleExpr(route.eventTypes.map(pyString))}`,
    ];
    if (route.array) args.push('array=True');
    if (route.envelope) args.push(`envelope=${pyString(route.envelope)}`);
    if (route.streamPatterns.length) args.push(`stream_patterns=${tupleExpr(route.streamPatterns.map(streamPatternExpr))}`);
    if (route.noEventType) args.push(`required_keys=${tupleExpr(route.requiredKeys.map(pyString))}`);
    return `        EventRoute(${args.join(', ')}),`;
  });
  const wrapper = ir.combinedWrapper;
  const options = [];
  if (wrapper && (wrapper.streamKey !== 'stream' || wrapper.dataKey !== 'data')) {
    options.push(`stream_key=${pyString(wrapper.streamKey)}`, `data_key=${pyString(wrapper.dataKey)}`);
  }
  return [
    'EVENT_ROUTER = EventRouter(',
    '    (',
    ...routes,
    '    ),',
    ...options.map((o) => `    ${o},`),
    ')',
    '"""Turns a raw frame (bare event, combined-stream wrapper or user-data envelope) into a typed event."""',
  ].join('\n');
}

/**
 * `__all__` order as ruff (RUF022) wants it: SCREAMING_CASE, then CamelCase, then the rest, each sorted.
 *
 * @param {string[]} names
 * @returns {string[]}
 */
function sortAll(names) {
  /** @param {string} n */
  const rank = (n) => (/^[A-Z0-9_]+$/.test(n) && n.length > 1 ? 0 : /^[A-Z]/.test(n) ? 1 : 2);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} models.py
 */
function renderModelsModule(ir, params) {
  const models = modelsFor(ir);
  const messageDocs = messageDocsByClass(ir, models);
  const ordered = orderClasses(models.classes);
  const pending = new Set(ordered.map((c) => c.name));
  const classBlocks = ordered.map((c) => renderClass(c, messageDocs, pending));
  const router = renderRouter(ir, models);
  const body = [...classBlocks, ...renderAliases(models.aliases)].join('\n\n\n');

  const usesField = /\bField\(/.test(body);
  const names = sortAll([
    ...ordered.map((c) => c.name),
    ...models.aliases.map((a) => a.name),
    ...DRIFT_EXPORTS,
    'BinanceModel',
    'EVENT_ROUTER',
    'EventRouter',
    'RoutedEvent',
    'ServerShutdownEvent',
    'parse_event',
  ]);
  const always = ['BinanceModel', 'EventRouter', 'RoutedEvent', 'ServerShutdownEvent', ...DRIFT_EXPORTS];
  const routingImports = ['BinanceModel', 'EventRoute', 'EventRouter', 'MissingFieldError', 'RoutedEvent', 'ServerShutdownEvent', 'StreamPattern', 'UnknownEvent', 'missing_fields']
    .filter((n) => new RegExp(`\\b${n}\\b`).test(`${body}\n${router}`) || always.includes(n));
  const { title, version } = ir.info;

  const header = [
    docstring(
      `Typed messages of ${title}${version ? ` ${version}` : ''}.\n\n` +
        'Every request, response, event and error of the spec is a pydantic model: attributes are snake_case, the ' +
        'wire names are their aliases (`model_validate` accepts either), unknown fields are kept in ' +
        '`model_extra`, prices and quantities stay exact strings. `EVENT_ROUTER.decode(frame)` and ' +
        '`parse_event(frame)` turn a raw frame into the right event model. The clients also deliver messages that ' +
        'drifted from the spec (`UnknownEvent`, `MissingFieldError`, `missing_fields`: see the README).\n\n' +
        GENERATED_NOTICE,
    ),
    '',
    ...typingImport(body),
    ...(usesField ? ['from pydantic import Field', ''] : []),
    `from ${runtimeModule(params.runtime, 'routing.router')} import ${routingImports.join(', ')}`,
    '',
    `__all__ = [${names.map(pyString).join(', ')}]`,
    '',
  ];
  const footer = [
    router,
    '',
    '',
    'def parse_event(raw: bytes | str, stream: str | None = None) -> BinanceModel | list[BinanceModel]:',
    '    """Decode one frame into its typed event (the stream name, when known, settles ambiguous payloads)."""',
    '    return EVENT_ROUTER.decode(raw, stream=stream).event',
    '',
  ];
  return `${header.join('\n')}\n\n${body}\n\n\n${footer.join('\n')}`;
}

module.exports = {
  renderModelsModule,
  // shared with components/structs.js
  MSGSPEC_FIELD,
  classDoc,
  messageDocsByClass,
  orderClasses,
  renderAliases,
  renderField,
  sortAll,
  typingImport,
};
