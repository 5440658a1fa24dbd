'use strict';
/**
 * Hand-built IRs for renderer tests: every field the typedefs of helpers/ir-types.js declare, with defaults, so a
 * test states only what it is about. (A test that needs the builder's own decisions uses a fixture and buildIR.)
 */

/** @typedef {import('../../helpers/ir-types').IR} IR */
/** @typedef {import('../../helpers/ir-types').IREvent} IREvent */
/** @typedef {import('../../helpers/ir-types').IROperation} IROperation */
/** @typedef {import('../../helpers/ir-types').IRParam} IRParam */
/** @typedef {import('../../helpers/ir-types').IRStreamPattern} IRStreamPattern */
/** @typedef {import('../../helpers/ir-types').IRStreamParam} IRStreamParam */

const EMBEDDED = Object.freeze({ moduleName: 'fixture-client', packageName: 'fixture', version: '1.2.3', author: 'Tests', moduleKind: '', runtime: 'embedded' });
const SHARED = Object.freeze({ ...EMBEDDED, runtime: 'shared' });

/**
 * @param {Partial<IRParam> & {wireName: string}} param
 * @returns {IRParam}
 */
function param(param) {
  const pyName = param.wireName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return { pyName, required: false, schema: { type: 'string' }, description: '', auth: false, decimal: false, ...param };
}

/**
 * @param {Partial<IROperation> & {method: string}} op
 * @returns {IROperation}
 */
function operation(op) {
  const base = op.method.replace(/\W+(\w)/g, (_, c) => c.toUpperCase());
  return {
    pyName: op.method.replace(/\W+/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase(),
    summary: '',
    securityType: 'NONE',
    signed: false,
    apiKey: false,
    requestMessage: `${base}Request`,
    requestSchema: `${base}Request`,
    responseSchema: `${base}Response`,
    paramsStyle: op.params && op.params.length ? 'object' : 'none',
    params: [],
    channelMethod: null,
    resultMayBeList: false,
    ...op,
  };
}

/**
 * @param {string} name
 * @param {string[] | null} [values]
 * @returns {IRStreamParam}
 */
function streamParam(name, values = null) {
  return { name, pyName: name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase(), enum: values, lowercase: /symbol|pair|asset/i.test(name) };
}

/**
 * @param {string} template
 * @param {Record<string, string[] | null>} [enums] placeholder -> allowed values
 * @param {string} [example]
 * @returns {IRStreamPattern}
 */
function pattern(template, enums = {}, example = '') {
  const names = Array.from(template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g), (m) => m[1]);
  return { template, params: names.map((n) => streamParam(n, enums[n] || null)), example };
}

/**
 * @param {Partial<IREvent> & {messageId: string}} event
 * @returns {IREvent}
 */
function event(event) {
  return {
    schema: event.messageId,
    summary: '',
    eventTypes: [],
    noEventType: false,
    envelope: event.bodyKey ? 'subscription' : null,
    bodyKey: null,
    array: false,
    requiredKeys: [],
    streamPatterns: [],
    route: null,
    channelKinds: [],
    ...event,
  };
}

/**
 * @param {Partial<IR>} ir
 * @returns {IR} with a message for every operation's request and every event that has none
 */
function makeIR(ir) {
  /** @type {IR} */
  const out = {
    info: { title: 'Fixture API', version: '1.0.0' },
    kind: 'api',
    product: 'spot',
    servers: [{ name: 'mainnet', url: 'wss://ws-api.example.com/ws-api/v3', testnet: false, route: null }],
    schemas: {},
    messages: {},
    channels: [{ id: 'api', address: '/', kind: 'api' }],
    operations: [],
    events: [],
    errorSchema: null,
    combinedWrapper: null,
    ...ir,
  };
  out.messages = { ...out.messages };
  for (const op of out.operations) {
    if (!out.messages[op.requestMessage]) {
      out.messages[op.requestMessage] = { id: op.requestMessage, name: op.requestMessage, title: '', summary: '', description: '', schema: op.requestSchema };
    }
  }
  for (const e of out.events) {
    if (!out.messages[e.messageId]) out.messages[e.messageId] = { id: e.messageId, name: e.messageId, title: '', summary: '', description: '', schema: e.schema };
  }
  return out;
}

/**
 * A streams IR with the shapes the Struct tests need: a kline event whose nested object and $ref'd levels the
 * Structs must reach, a user-data event inside the {subscriptionId, event} envelope, and a control request that
 * must not become a Struct.
 *
 * @returns {IR}
 */
function streamsStructsIR() {
  const schemas = {
    levels: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
    klineEvent: {
      type: 'object',
      required: ['e', 'k'],
      properties: {
        e: { type: 'string', const: 'kline' },
        k: { type: 'object', required: ['t'], properties: { t: { type: 'integer' }, x: { type: 'boolean' } } },
        b: { $ref: '#/components/schemas/levels' },
      },
    },
    userEvent: {
      type: 'object',
      properties: {
        subscriptionId: { type: 'integer' },
        event: { type: 'object', required: ['e'], properties: { e: { type: 'string', const: 'balanceUpdate' }, d: { type: 'string' } } },
      },
    },
    subscribeRequest: { type: 'object', properties: { method: { type: 'string' }, params: { type: 'array', items: { type: 'string' } } } },
  };
  return makeIR({
    info: { title: 'Fixture', version: '1' },
    kind: 'streams',
    schemas,
    messages: {
      subscribeRequest: { id: 'subscribeRequest', name: 'subscribeRequest', title: '', summary: '', description: '', schema: 'subscribeRequest' },
    },
    events: [
      event({ messageId: 'klineEvent', eventTypes: ['kline'], streamPatterns: [pattern('{symbol}@kline_{interval}')] }),
      event({ messageId: 'userEvent', eventTypes: ['balanceUpdate'], bodyKey: 'event' }),
    ],
  });
}

module.exports = { EMBEDDED, SHARED, makeIR, operation, param, event, pattern, streamParam, streamsStructsIR };
