'use strict';
/**
 * Renders `tests/_message_examples.py`: the example payloads and routing cases the package's own tests
 * (test_models.py) run against, from the IR and its ModelSet.
 */

const { modelsFor, mergedRoutes } = require('../helpers/models');
const { exampleFor, validates } = require('../helpers/examples');
const { schemaRef } = require('../helpers/refs');
const { docstring, pyString, pyValue, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').JsonSchema} JsonSchema */
/** @typedef {import('../helpers/models').ModelSet} ModelSet */
/** @typedef {import('../helpers/models').RouteStreamPattern} RouteStreamPattern */

/**
 * A stream name for a pattern: its example, else the template filled with plausible values.
 *
 * @param {RouteStreamPattern} pattern
 * @returns {string}
 */
function sampleStreamName(pattern) {
  if (pattern.example && !/[{}]/.test(pattern.example)) return pattern.example;
  return pattern.template.replace(/\{([^}]+)\}/g, (_, name) => {
    const param = pattern.params.find((p) => p.name === name);
    if (param && param.values && param.values.length) return param.values[0];
    if (/symbol/i.test(name)) return 'btcusdt';
    if (/pair/i.test(name)) return 'btcusd';
    if (/interval/i.test(name)) return '1m';
    return 'x';
  });
}

/**
 * Example payloads for every class that stands for a spec schema, plus list-form results.
 *
 * @param {IR} ir
 * @param {ModelSet} models
 * @returns {Record<string, unknown[]>} class name -> payloads (wire names)
 */
function messageExamples(ir, models) {
  const schemas = ir.schemas;
  /** @type {Record<string, unknown[]>} */
  const out = {};
  /** @param {string} cls @param {unknown} value */
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
  for (const op of ir.operations) {
    const cls = models.responses[op.method];
    if (!cls || !op.resultMayBeList) continue;
    const value = exampleFor(schemaRef(op.responseSchema), schemas);
    if (value && value.result && !Array.isArray(value.result)) add(cls, { ...value, result: [value.result] });
  }
  return out;
}

/**
 * @typedef {object} RoutingCase
 * @property {unknown} frame
 * @property {string | null} stream
 * @property {string} expected model class, or `list[Class]`
 * @property {string} eventType
 * @property {number | null} subscriptionId
 * @property {boolean} [passStream]
 */

/**
 * Frames as Binance sends them for every route, and the model each must decode to: bare (unless another route
 * claims the same payload), wrapped in the combined-stream wrapper per stream pattern, and with the stream name
 * handed over separately.
 *
 * @param {IR} ir
 * @param {ModelSet} models
 * @returns {RoutingCase[]}
 */
function routingCases(ir, models) {
  const schemas = ir.schemas;
  const routes = mergedRoutes(models);
  /** @type {RoutingCase[]} */
  const cases = [];
  /** @type {Map<string, number>} */
  const objectRoutesByType = new Map();
  for (const route of routes) {
    if (route.array) continue;
    for (const t of route.eventTypes) objectRoutesByType.set(`${route.envelope}|${t}`, (objectRoutesByType.get(`${route.envelope}|${t}`) || 0) + 1);
  }
  const shapeRoutes = routes.filter((r) => r.noEventType && !r.array);
  const wrapper = ir.combinedWrapper || { streamKey: 'stream', dataKey: 'data' };
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
      : !route.array && route.eventTypes.some((t) => (objectRoutesByType.get(`${route.envelope}|${t}`) || 0) > 1);
    if (!ambiguous) cases.push({ frame: payload, stream: null, expected, eventType, subscriptionId: null });
    for (const pattern of route.streamPatterns) {
      const stream = sampleStreamName(pattern);
      cases.push({ frame: { [wrapper.streamKey]: stream, [wrapper.dataKey]: payload }, stream, expected, eventType, subscriptionId: null });
      cases.push({ frame: payload, stream, expected, eventType, subscriptionId: null, passStream: true });
    }
  }
  return cases;
}

/**
 * @param {JsonSchema} schema
 * @returns {unknown[]} the schema's own examples that are JSON objects
 */
function ownObjectExamples(schema) {
  const values = [...(schema.example !== undefined ? [schema.example] : []), ...(Array.isArray(schema.examples) ? schema.examples : [])];
  return values.filter((v) => v && typeof v === 'object' && !Array.isArray(v));
}

/**
 * @param {IR} ir
 * @returns {string} tests/_message_examples.py
 */
function renderMessageExamplesModule(ir) {
  const models = modelsFor(ir);
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
    .map(([name, cls]) => /** @type {[string, unknown[]]} */ ([cls, ownObjectExamples(ir.schemas[name] || {})]))
    .filter(([, values]) => values.length)
    .map(([cls, values]) => `    ${pyString(cls)}: [${values.map(pyValue).join(', ')}],`);
  const invalid = Object.entries(models.bySchema)
    .filter(([name]) => {
      const schema = ir.schemas[name] || {};
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
    `SPEC_KIND = ${pyString(ir.kind)}`,
    '',
  ].join('\n');
}

module.exports = { renderMessageExamplesModule };
