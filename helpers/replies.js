'use strict';
/**
 * What the mock server answers with, computed from the spec at generation time (rendered into `_mock_data.py` by
 * components/mock-data.js; the runtime's testing/replies.py then fits a reply to its request the way Binance does).
 *
 * A reply template is the operation's `result` with every field of the reply schema filled:
 *   - the spec's own examples where they are valid (an example higher up supplies the fields it has, the schema the
 *     rest: every declared property is present, every array has at least one item);
 *   - where the schema leaves a shape open, the shape Binance documents (its web-socket-api documentation): book
 *     levels are `[price, qty]`, klines rows have their 12 fields, exchange and symbol filters carry a
 *     `filterType`, a new order's FULL reply has `fills`;
 *   - otherwise a plausible value of the field's type and name: prices and quantities as decimal strings, ids and
 *     epoch-millisecond times as integers, enums from their values, symbols and assets as Binance names them.
 * Every value stays valid for the schema (the generated models are built from it); `const`, `enum` and types win
 * over any heuristic. Deterministic: the same spec gives the same templates.
 *
 * Pure: no I/O.
 */

const { schemaType } = require('./types');
const { followSchema, resolveSchema, schemaRef } = require('./refs');
const { exampleFor, validates } = require('./examples');

/** @typedef {import('./ir-types').IR} IR */
/** @typedef {import('./ir-types').IROperation} IROperation */
/** @typedef {import('./ir-types').IREvent} IREvent */
/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

const MAX_DEPTH = 12;

/** A fixed "now" (2025-01-01T00:00:00Z) for epoch-millisecond fields, so that output is deterministic. */
const EPOCH_MS = 1735689600000;

/**
 * Where a value is being built: the property (or the array it is an item of) and the operation.
 *
 * @typedef {object} Context
 * @property {string} name the property name, or for an array item the array's name ('' at the root)
 * @property {string} method the wire method of the reply ('' for events)
 * @property {boolean} root the value is the reply's `result` (or the event payload) itself
 */

// -------------------------------------------------------------------------------------------------- Binance shapes

/** A book level as Binance sends it: [price, quantity]. */
const LEVEL = ['52000.01000000', '0.50000000'];

/**
 * A klines row (klines, uiKlines): open time, open, high, low, close, volume, close time, quote volume, number of
 * trades, taker buy base volume, taker buy quote volume, an unused field.
 */
const KLINE = [EPOCH_MS, '52000.01000000', '52100.00000000', '51900.00000000', '52050.00000000', '12.50000000', EPOCH_MS + 59999, '650625.00000000', 1200, '6.25000000', '325312.50000000', '0'];

/** An exchange filter (exchangeInfo `exchangeFilters`). */
const EXCHANGE_FILTER = { filterType: 'EXCHANGE_MAX_NUM_ORDERS', maxNumOrders: 1000 };

/** A symbol filter (exchangeInfo `symbols[].filters`, myFilters). */
const SYMBOL_FILTER = { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' };

/** One fill of a FULL new-order reply. */
const FILL = { price: '52000.01000000', qty: '0.50000000', commission: '0.00050000', commissionAsset: 'BNB', tradeId: 1000001 };

/** Methods whose reply is a new order (or a list of them) that a FULL response gives `fills`. */
const NEW_ORDER_METHODS = new Set(['order.place', 'sor.order.place']);

/** Methods whose result is a list of klines rows. */
const KLINE_METHODS = new Set(['klines', 'uiKlines']);

/**
 * The shape Binance documents for a value the schema leaves open, used as a seed when the spec gives no valid
 * example; undefined when there is none.
 *
 * @param {JsonSchema} schema resolved
 * @param {Context} ctx
 * @returns {unknown}
 */
function binanceShape(schema, ctx) {
  const types = schemaType(schema);
  if (ctx.root && KLINE_METHODS.has(ctx.method) && (!types.length || types.includes('array'))) return [KLINE];
  if (!ctx.root && (ctx.name === 'bids' || ctx.name === 'asks' || ctx.name === 'b' || ctx.name === 'a') && types.includes('array')) {
    const items = resolveItems(schema);
    if (items && schemaType(items).includes('array')) return [LEVEL];
  }
  if (types.includes('array') && (ctx.name === 'exchangeFilters' || ctx.name === 'filters')) {
    return [ctx.name === 'exchangeFilters' ? EXCHANGE_FILTER : SYMBOL_FILTER];
  }
  return undefined;
}

/**
 * @param {JsonSchema} schema
 * @returns {JsonSchema | null} the items schema of an array (unresolved), or null
 */
function resolveItems(schema) {
  const items = schema.items;
  return items && !Array.isArray(items) ? items : null;
}

// -------------------------------------------------------------------------------------------------- plausible values

// Names are matched whole or by their ending (camelCase), never by single letters: event fields are single letters
// whose meaning changes from event to event (`f` is a time in force in one and a free balance in another).

/** @type {Array<[RegExp, string]>} string fields by name (first match wins) */
const STRING_NAMES = [
  [/^(symbol|pair|s)$|Symbol$/, 'BTCUSDT'],
  [/^commissionAsset$/, 'BNB'],
  [/^quoteAsset$/, 'USDT'],
  [/^(asset|baseAsset|marginAsset)$|Asset$/, 'BTC'],
  [/ClientOrderId$|^clientOrderId$/, 'mockClientOrder000001'],
  [/^apiKey$/, 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'],
  [/^listenKey$/, 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65'],
  [/^side$|Side$/, 'BUY'],
  [/^(type|origType)$|OrderType$|^orderTypes$/, 'LIMIT'],
  [/^timeInForce$|TimeInForce$/, 'GTC'],
  [/^(status|orderStatus)$/, 'NEW'],
  [/SelfTradePreventionMode$|^selfTradePreventionMode$|^allowedSelfTradePreventionModes$/, 'NONE'],
  [/^rateLimitType$/, 'REQUEST_WEIGHT'],
  [/^interval$/, 'MINUTE'],
  [/^(accountType|permissions|permissionSets)$/, 'SPOT'],
  [/^contingencyType$/, 'OCO'],
  [/^listStatusType$/, 'EXEC_STARTED'],
  [/^listOrderStatus$/, 'EXECUTING'],
  [/^(timezone|timeZone)$/, 'UTC'],
  [/^filterType$/, 'PRICE_FILTER'],
  [/^pegPriceType$|PegPriceType$/, 'PRIMARY_PEG'],
  [/^pegOffsetType$|PegOffsetType$/, 'PRICE_LEVEL'],
  [/^workingFloor$/, 'EXCHANGE'],
  [/^matchType$/, 'ONE_PARTY_TRADE_REPORT'],
  [/^cancelRestrictions$/, 'ONLY_NEW'],
];

/** @type {Array<[RegExp, string]>} decimal strings by name: prices, quantities, rates, amounts */
const DECIMAL_NAMES = [
  [/[pP]rice$/, '52000.01000000'],
  [/[cC]ommission$/, '0.00050000'],
  [/^(maker|taker|buyer|seller)$|[rR]ate$|[pP]ercent|[mM]ultiplier|[dD]iscount/, '0.00100000'],
  [/[vV]olume|[nN]otional|[qQ]uote\w*[qQ]ty$/, '26000.00500000'],
  [/[qQ]ty$|[qQ]uantity$|[sS]ize$|[pP]osition$/, '0.50000000'],
  [/^(free|locked|balance|amount)$|[bB]alance$|[aA]mount$|[dD]elta$|[cC]hange$/, '1.00000000'],
];

/** @type {Array<[RegExp, number]>} integer fields by name */
const INTEGER_NAMES = [
  [/^orderListId$/, -1],
  [/[tT]ime$|[tT]imestamp$|Since$|^(E|T)$/, EPOCH_MS],
  [/Id$|^id$/, 1000001],
  [/^limit$/, 6000],
  [/^intervalNum$/, 1],
  [/[pP]recision$/, 8],
  [/[cC]ount$|^trades$/, 100],
];

/**
 * @param {Array<[RegExp, any]>} table
 * @param {string} name
 * @returns {any} the value of the first matching row, or undefined
 */
function lookup(table, name) {
  const row = table.find(([pattern]) => pattern.test(name));
  return row ? row[1] : undefined;
}

/**
 * A plausible scalar of `type` for the field `name`.
 *
 * @param {string} type
 * @param {JsonSchema} schema resolved
 * @param {string} name
 * @returns {unknown}
 */
function plausible(type, schema, name) {
  switch (type) {
    case 'string': {
      const known = lookup(STRING_NAMES, name);
      if (known !== undefined) return known;
      const decimal = lookup(DECIMAL_NAMES, name);
      if (decimal !== undefined) return decimal;
      if (schema.format === 'date-time') return '2025-01-01T00:00:00Z';
      return name ? `mock${name.charAt(0).toUpperCase()}${name.slice(1)}` : 'mockValue';
    }
    case 'integer': {
      const known = lookup(INTEGER_NAMES, name);
      const value = known !== undefined ? known : 1;
      return Number.isInteger(schema.minimum) && value < /** @type {number} */ (schema.minimum) ? schema.minimum : value;
    }
    case 'number': {
      const value = lookup(DECIMAL_NAMES, name) !== undefined ? Number(lookup(DECIMAL_NAMES, name)) : 1.5;
      return typeof schema.minimum === 'number' && value < schema.minimum ? schema.minimum : value;
    }
    case 'boolean':
      return true;
    default:
      return null;
  }
}

// -------------------------------------------------------------------------------------------------- the builder

/**
 * @param {unknown} value a JSON value
 * @returns {any} a deep copy
 */
function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The schema's own examples (`example`, then each of `examples`).
 *
 * @param {JsonSchema} schema
 * @returns {unknown[]}
 */
function ownExamples(schema) {
  /** @type {unknown[]} */
  const out = [];
  if (Object.prototype.hasOwnProperty.call(schema, 'example')) out.push(schema.example);
  if (Array.isArray(schema.examples)) out.push(...schema.examples);
  return out;
}

/**
 * A value for `schema`: `seed` (an example from higher up) where it fits, the schema's own example, Binance's
 * shape, or a plausible value; objects get every declared property, arrays at least one item.
 *
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @param {unknown} seed
 * @param {Context} ctx
 * @param {Set<string>} seen `$ref`s entered on the way here (a recursive schema ends in `{}`)
 * @param {number} depth
 * @returns {any}
 */
function build(schema, schemas, seed, ctx, seen, depth) {
  const followed = followSchema(schema, schemas);
  if (followed.refs.some((ref) => seen.has(ref)) || depth > MAX_DEPTH) return seed === undefined ? null : clone(seed);
  const s = followed.schema;
  const inner = followed.refs.length ? new Set([...seen, ...followed.refs]) : seen;
  if (Object.prototype.hasOwnProperty.call(s, 'const')) return clone(s.const);

  let start = seed !== undefined && validates(seed, s, schemas) ? seed : undefined;
  if (start === undefined) start = ownExamples(s).find((example) => example !== undefined && validates(example, s, schemas));
  if (start === undefined) {
    const shape = binanceShape(s, ctx);
    if (shape !== undefined && validates(shape, s, schemas)) start = shape;
  }

  const types = schemaType(s);
  if (Array.isArray(s.enum) && s.enum.length) {
    if (start !== undefined) return clone(start);
    const first = s.enum[0];
    return types.includes('string') && typeof first !== 'string' && first !== null ? String(first) : clone(first);
  }
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants) && variants.length) {
    const fitting = start !== undefined ? variants.find((v) => validates(start, v, schemas)) : undefined;
    const chosen = fitting || variants.find((v) => !schemaType(resolveSchema(v, schemas)).includes('null')) || variants[0];
    return build(chosen, schemas, start, ctx, inner, depth + 1);
  }
  const type = types.find((t) => t !== 'null') || types[0] || (s.properties ? 'object' : s.items ? 'array' : '');
  switch (type) {
    case 'object':
      return buildObject(s, schemas, isObject(start) ? start : {}, ctx, inner, depth);
    case 'array':
      return buildArray(s, schemas, Array.isArray(start) ? start : [], ctx, inner, depth);
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return start !== undefined ? clone(start) : plausible(type, s, ctx.name);
    case 'null':
      return null;
    default:
      return start !== undefined ? clone(start) : null;
  }
}

/**
 * @param {JsonSchema} s
 * @param {Record<string, JsonSchema>} schemas
 * @param {Record<string, unknown>} start
 * @param {Context} ctx
 * @param {Set<string>} seen
 * @param {number} depth
 * @returns {Record<string, unknown>}
 */
function buildObject(s, schemas, start, ctx, seen, depth) {
  /** @type {Record<string, unknown>} */
  const out = {};
  const properties = s.properties || {};
  for (const [key, sub] of Object.entries(properties)) {
    out[key] = build(sub, schemas, start[key], { name: key, method: ctx.method, root: false }, seen, depth + 1);
  }
  for (const [key, value] of Object.entries(start)) if (!(key in out)) out[key] = clone(value);
  if (ctx.root && NEW_ORDER_METHODS.has(ctx.method) && !('fills' in out) && !properties.fills) out.fills = [clone(FILL)];
  return out;
}

/**
 * @param {JsonSchema} s
 * @param {Record<string, JsonSchema>} schemas
 * @param {unknown[]} start
 * @param {Context} ctx
 * @param {Set<string>} seen
 * @param {number} depth
 * @returns {unknown[]}
 */
function buildArray(s, schemas, start, ctx, seen, depth) {
  const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : null;
  if (tuple) return tuple.map((item, index) => build(item, schemas, start[index], { ...ctx, root: false }, seen, depth + 1));
  const items = resolveItems(s);
  const itemSchema = items ? resolveSchema(items, schemas) : {};
  const typed = schemaType(itemSchema).length > 0 || Boolean(itemSchema.properties || itemSchema.oneOf || itemSchema.anyOf || itemSchema.enum || itemSchema.$ref);
  const minimum = Number.isInteger(s.minItems) && /** @type {number} */ (s.minItems) > 0 ? /** @type {number} */ (s.minItems) : 1;
  const count = start.length ? start.length : typed ? minimum : 0;
  // Items of a new order's list result (sor.order.place) are new orders themselves.
  const itemCtx = { name: ctx.name, method: ctx.method, root: ctx.root && NEW_ORDER_METHODS.has(ctx.method) };
  return Array.from({ length: count }, (_, index) => build(items, schemas, start[index], itemCtx, seen, depth + 1));
}

// -------------------------------------------------------------------------------------------------- per operation

/**
 * The `result` schema of an operation's reply, or null when the reply declares none.
 *
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {JsonSchema | null}
 */
function resultSchema(ir, operation) {
  const response = resolveSchema(schemaRef(operation.responseSchema), ir.schemas);
  return (response.properties && response.properties.result) || null;
}

/**
 * The reply template of an operation: its `result` filled as described above, or null when the reply declares
 * no result.
 *
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {unknown}
 */
function replyTemplate(ir, operation) {
  const result = resultSchema(ir, operation);
  if (!result) return null;
  return build(result, ir.schemas, undefined, { name: '', method: operation.method, root: true }, new Set(), 0);
}

/**
 * An example of the `params` of an operation's request: an object (named params) or a list (positional), from the
 * schema's examples (the generated README and the package's tests call the methods with these).
 *
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {Record<string, unknown> | unknown[]}
 */
function paramsExample(ir, operation) {
  if (operation.paramsStyle === 'none') return {};
  const request = resolveSchema(schemaRef(operation.requestSchema), ir.schemas);
  const params = request.properties && request.properties.params;
  if (!params) return {};
  const example = exampleFor(params, ir.schemas);
  if (operation.paramsStyle === 'array') return Array.isArray(example) ? example : [];
  return example && typeof example === 'object' && !Array.isArray(example) ? example : {};
}

/**
 * An example of an event as the mock server sends it inside its envelope (the envelope's body), or of the whole
 * payload when there is no envelope; filled like a reply template.
 *
 * @param {IR} ir
 * @param {IREvent} event
 * @returns {unknown}
 */
function eventTemplate(ir, event) {
  const schema = resolveSchema(schemaRef(event.schema), ir.schemas);
  const body = event.bodyKey ? (schema.properties || {})[event.bodyKey] || {} : schemaRef(event.schema);
  return build(body, ir.schemas, undefined, { name: '', method: '', root: true }, new Set(), 0);
}

module.exports = { replyTemplate, paramsExample, eventTemplate, resultSchema, EPOCH_MS };
