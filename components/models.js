'use strict';

/**
 * Renders `models.py` (pydantic v2 models + EVENT_ROUTER) and `tests/_message_examples.py` (the example
 * payloads and routing cases the package's own tests run against) from the IR.
 */

const { buildModels } = require('../helpers/models');
const { exampleFor, validates } = require('../helpers/examples');
const { runtimeModule } = require('../helpers/runtime');
const { docstring, pyString, pyValue, GENERATED_NOTICE } = require('./python');

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

function isOptional(field) {
  return !field.required;
}

function fieldType(field) {
  if (!isOptional(field) || field.type === 'Any' || /(^| )None$/.test(field.type)) return field.type;
  return `${field.type} | None`;
}

/** How a field's wire name and options are spelled: pydantic's `Field(alias=...)` or msgspec's `field(name=...)`. */
const PYDANTIC_FIELD = {
  call: 'Field',
  nameKeyword: 'alias',
  extraArgs: (field) => (field.unionMode ? [`union_mode=${pyString(field.unionMode)}`] : []),
};
const MSGSPEC_FIELD = { call: 'msgspec.field', nameKeyword: 'name', extraArgs: () => [] };

/**
 * One attribute line and its docstring. `pending` holds the classes not defined yet: annotations are evaluated
 * at class creation (no `from __future__ import annotations`: evaluating strings costs pydantic a compile() per
 * field at import), and classes come in dependency order, so only a cycle needs a quoted forward reference.
 */
function renderField(field, pending, style = PYDANTIC_FIELD) {
  const plain = fieldType(field);
  const forward = (plain.match(IDENTIFIER) || []).some((id) => pending.has(id));
  const type = forward ? pyString(plain) : plain;
  const args = [];
  if (isOptional(field)) args.push('default=None');
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

/** `Name: TypeAlias = type` blocks, sorted by name, each with its docstring. */
function renderAliases(aliases) {
  return [...aliases]
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map((a) => [`${a.name}: TypeAlias = ${a.type}`, a.doc ? docstring(a.doc, 0) : ''].filter(Boolean).join('\n'));
}

/** The `from typing import ...` lines a module body needs (none when it uses no typing name). */
function typingImport(body) {
  const names = ['Any', 'Literal', 'TypeAlias'].filter((n) => new RegExp(`\\b${n}\\b`).test(body));
  return names.length ? [`from typing import ${names.join(', ')}`, ''] : [];
}

function classDoc(record, messageDocs) {
  const own = record.doc;
  if (own && !/^(request|response) schema$/i.test(own)) return own;
  if (messageDocs[record.name]) return messageDocs[record.name];
  if (own) return own;
  if (record.origin && record.origin.kind === 'inline') {
    return `The \`${record.origin.path.join('.')}\` object of \`${record.origin.owner}\`.`;
  }
  return `The \`${record.name}\` object.`;
}

function renderClass(record, messageDocs, pending) {
  const lines = [`class ${record.name}(BinanceModel):`, docstring(classDoc(record, messageDocs), 4)];
  if (record.fields.length) lines.push('');
  lines.push(record.fields.map((f) => renderField(f, pending)).join('\n\n'));
  pending.delete(record.name);
  return lines.filter((l, i) => !(l === '' && i === lines.length - 1)).join('\n');
}

/** Classes in dependency order (a class after those its fields use), ties broken by name. */
function orderClasses(classes) {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const out = [];
  const state = new Map();
  const visit = (record) => {
    if (state.get(record.name)) return;
    state.set(record.name, 'visiting');
    const deps = new Set();
    for (const field of record.fields) for (const id of field.type.match(IDENTIFIER) || []) if (byName.has(id)) deps.add(id);
    for (const dep of [...deps].sort()) if (dep !== record.name) visit(byName.get(dep));
    out.push(record);
  };
  for (const record of [...classes].sort((a, b) => a.name.localeCompare(b.name, 'en'))) visit(record);
  return out;
}

function messageDocsByClass(ir, models) {
  const docs = {};
  for (const [id, message] of Object.entries(ir.messages || {})) {
    const cls = models.byMessage[id];
    if (!cls || docs[cls]) continue;
    const text = [message.title || message.name, message.summary, message.description].filter(Boolean);
    const unique = [...new Set(text.map((t) => String(t).trim()))];
    if (unique.length) docs[cls] = unique.join('\n\n');
  }
  return docs;
}

function streamPatternExpr(pattern) {
  const params = pattern.params
    .filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i)
    .filter((p) => pattern.template.includes(`{${p.name}}`))
    .map((p) => `(${pyString(p.name)}, ${p.values ? `(${p.values.map(pyString).join(', ')}${p.values.length === 1 ? ',' : ''})` : 'None'})`);
  return `StreamPattern(${pyString(pattern.template)}, (${params.join(', ')}${params.length === 1 ? ',' : ''}))`;
}

function tupleExpr(items) {
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

/** Routes with the same model, shape and envelope are one route with all their stream patterns. */
function mergedRoutes(models) {
  const merged = new Map();
  for (const route of models.events) {
    const key = `${route.modelClass}|${route.array}|${route.envelope}`;
    if (!merged.has(key)) {
      merged.set(key, { ...route, streamPatterns: [...route.streamPatterns], eventTypes: [...route.eventTypes] });
      continue;
    }
    const target = merged.get(key);
    for (const p of route.streamPatterns) if (!target.streamPatterns.some((q) => q.template === p.template)) target.streamPatterns.push(p);
    for (const t of route.eventTypes) if (!target.eventTypes.includes(t)) target.eventTypes.push(t);
  }
  return [...merged.values()];
}

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

/** `__all__` order as ruff (RUF022) wants it: SCREAMING_CASE, then CamelCase, then the rest, each sorted. */
function sortAll(names) {
  const rank = (n) => (/^[A-Z0-9_]+$/.test(n) && n.length > 1 ? 0 : /^[A-Z]/.test(n) ? 1 : 2);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function renderModelsModule(ir, params) {
  const models = buildModels(ir);
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
    'BinanceModel',
    'EVENT_ROUTER',
    'EventRouter',
    'RoutedEvent',
    'ServerShutdownEvent',
    'parse_event',
  ]);
  const routingImports = ['BinanceModel', 'EventRoute', 'EventRouter', 'RoutedEvent', 'ServerShutdownEvent', 'StreamPattern']
    .filter((n) => new RegExp(`\\b${n}\\b`).test(`${body}\n${router}`) || ['BinanceModel', 'EventRouter', 'RoutedEvent', 'ServerShutdownEvent'].includes(n));
  const title = (ir.info && ir.info.title) || 'AsyncAPI document';
  const version = (ir.info && ir.info.version) || '';

  const header = [
    docstring(
      `Typed messages of ${title}${version ? ` ${version}` : ''}.\n\n` +
        'Every request, response, event and error of the spec is a pydantic model: attributes are snake_case, the ' +
        'wire names are their aliases (`model_validate` accepts either), unknown fields are kept in ' +
        '`model_extra`, prices and quantities stay exact strings. `EVENT_ROUTER.decode(frame)` and ' +
        '`parse_event(frame)` turn a raw frame into the right event model.\n\n' +
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

// ---------------------------------------------------------------------------------------------------------
// tests/_message_examples.py

function sampleStreamName(pattern) {
  if (pattern.example && !/[{}]/.test(pattern.example)) return pattern.example;
  return pattern.template.replace(/\{([^}]+)\}/g, (m, name) => {
    const param = pattern.params.find((p) => p.name === name);
    if (param && param.values && param.values.length) return param.values[0];
    if (/symbol/i.test(name)) return 'btcusdt';
    if (/pair/i.test(name)) return 'btcusd';
    if (/interval/i.test(name)) return '1m';
    return 'x';
  });
}

function schemaRef(name) {
  return { $ref: `#/components/schemas/${name}` };
}

/** Example payloads for every class that stands for a spec schema, plus list-form results. */
function messageExamples(ir, models) {
  const schemas = ir.schemas || {};
  const out = {};
  const add = (cls, value) => {
    if (!out[cls]) out[cls] = [];
    if (!out[cls].some((v) => JSON.stringify(v) === JSON.stringify(value))) out[cls].push(value);
  };
  for (const [schemaName, cls] of Object.entries(models.bySchema).sort()) {
    const record = models.classNamed(cls);
    if (!record) continue;
    const value = exampleFor(schemaRef(schemaName), schemas);
    if (value && typeof value === 'object' && !Array.isArray(value)) add(cls, value);
  }
  for (const op of ir.operations || []) {
    const cls = models.responses[op.method];
    if (!cls || !op.resultMayBeList) continue;
    const value = exampleFor(schemaRef(op.responseSchema), schemas);
    if (value && value.result && !Array.isArray(value.result)) add(cls, { ...value, result: [value.result] });
  }
  return out;
}

function routingCases(ir, models) {
  const schemas = ir.schemas || {};
  const routes = mergedRoutes(models);
  const cases = [];
  const objectRoutesByType = new Map();
  for (const route of routes) {
    if (route.array) continue;
    for (const t of route.eventTypes) objectRoutesByType.set(`${route.envelope}|${t}`, (objectRoutesByType.get(`${route.envelope}|${t}`) || 0) + 1);
  }
  const shapeRoutes = routes.filter((r) => r.noEventType && !r.array);
  for (const route of routes) {
    const messageSchema = route.schema;
    const payload = exampleFor(schemaRef(messageSchema), schemas);
    const expected = route.array ? `list[${route.modelClass}]` : route.modelClass;
    const eventType = route.noEventType ? route.modelClass : route.eventTypes[0];
    if (route.envelope === 'subscription') {
      const frame = payload && typeof payload === 'object' ? { subscriptionId: 1, ...payload } : payload;
      cases.push({ frame, stream: null, expected, eventType, subscriptionId: frame.subscriptionId });
      continue;
    }
    const ambiguous = route.noEventType
      ? shapeRoutes.length > 1 && shapeRoutes.some((o) => o !== route && o.requiredKeys.every((k) => route.requiredKeys.includes(k)) && o.requiredKeys.length >= route.requiredKeys.length)
      : !route.array && route.eventTypes.some((t) => objectRoutesByType.get(`${route.envelope}|${t}`) > 1);
    if (!ambiguous) cases.push({ frame: payload, stream: null, expected, eventType, subscriptionId: null });
    for (const pattern of route.streamPatterns) {
      const stream = sampleStreamName(pattern);
      cases.push({ frame: { stream, data: payload }, stream, expected, eventType, subscriptionId: null });
      cases.push({ frame: payload, stream, expected, eventType, subscriptionId: null, passStream: true });
    }
  }
  return cases;
}

function ownObjectExamples(schema) {
  const values = [...(schema.example !== undefined ? [schema.example] : []), ...(Array.isArray(schema.examples) ? schema.examples : [])];
  return values.filter((v) => v && typeof v === 'object' && !Array.isArray(v));
}

function renderModelExamplesModule(ir) {
  const models = buildModels(ir);
  const examples = messageExamples(ir, models);
  const cases = routingCases(ir, models);
  const exampleLines = Object.entries(examples)
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([cls, values]) => `    ${pyString(cls)}: [${values.map(pyValue).join(', ')}],`);
  const caseLines = cases.map(
    (c) =>
      `    RoutingCase(${pyString(JSON.stringify(c.frame))}, ${pyString(c.expected)}, ${pyString(c.eventType)}, ` +
      `${c.stream === null ? 'None' : pyString(c.stream)}, ${c.subscriptionId === null || c.subscriptionId === undefined ? 'None' : c.subscriptionId}, ` +
      `${c.passStream ? 'True' : 'False'}),`,
  );
  const responseLines = Object.entries(models.responses)
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([method, cls]) => `    ${pyString(method)}: ${pyString(cls)},`);
  const specExampleLines = Object.entries(models.bySchema)
    .filter(([, cls]) => models.classNamed(cls))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, cls]) => [cls, ownObjectExamples((ir.schemas || {})[name] || {})])
    .filter(([, values]) => values.length)
    .map(([cls, values]) => `    ${pyString(cls)}: [${values.map(pyValue).join(', ')}],`);
  const invalid = Object.entries(models.bySchema)
    .filter(([name]) => {
      const schema = (ir.schemas || {})[name] || {};
      const own = [...(schema.example !== undefined ? [schema.example] : []), ...(Array.isArray(schema.examples) ? schema.examples : [])];
      return own.some((e) => !validates(e, schema, ir.schemas));
    })
    .map(([name]) => name)
    .sort();
  return [
    docstring(
      'Example payloads and routing cases generated from the spec, for test_models.\n\n' +
        'MESSAGE_EXAMPLES: class name -> payloads assembled from the spec\'s field examples (wire names).\n' +
        'SPEC_EXAMPLES: class name -> the spec\'s own whole-object examples, as written.\n' +
        'ROUTING_CASES: raw frame as sent by Binance -> expected model class and event type.\n' +
        'RESPONSE_CLASSES: WS API method -> response model class.\n\n' +
        (invalid.length
          ? `Whole-object examples of ${invalid.join(', ')} break their own schema: MESSAGE_EXAMPLES uses field examples instead.\n\n`
          : '') +
        GENERATED_NOTICE,
    ),
    '',
    'from __future__ import annotations',
    '',
    'from typing import Any, NamedTuple',
    '',
    '',
    'class RoutingCase(NamedTuple):',
    '    frame: str',
    '    expected: str',
    '    """Model class name, or `list[ClassName]` for all-market array streams."""',
    '    event_type: str',
    '    stream: str | None',
    '    subscription_id: int | None',
    '    pass_stream: bool',
    '    """True: the frame is a bare payload and the stream name is handed to the router separately."""',
    '',
    '',
    `MESSAGE_EXAMPLES: dict[str, list[Any]] = {`,
    ...exampleLines,
    '}',
    '',
    'SPEC_EXAMPLES: dict[str, list[Any]] = {',
    ...specExampleLines,
    '}',
    '',
    'ROUTING_CASES: list[RoutingCase] = [',
    ...caseLines,
    ']',
    '',
    'RESPONSE_CLASSES: dict[str, str] = {',
    ...responseLines,
    '}',
    '',
    `SPEC_KIND = ${pyString(ir.kind || 'api')}`,
    '',
  ].join('\n');
}

module.exports = {
  renderModelsModule,
  renderModelExamplesModule,
  buildModels,
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
