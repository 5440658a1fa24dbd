'use strict';
/**
 * Binance's rules, where they go beyond what an AsyncAPI document says: which product a spec is for, how its
 * channels connect, which requests are signed or apiKey-only, operations the futures WS API serves although a
 * spec may lack them, and wire-format facts the schemas do not carry. helpers/ir.js walks the document and
 * asks this module; nothing else does.
 *
 * Sources, by name: Binance's WebSocket API docs (spot: binance-spot-api-docs `web-socket-api.md`, "Request
 * security", "Signed request security"; USDⓈ-M and COIN-M: "WebSocket API General Info" and "User Data
 * Streams"), Binance's WebSocket Streams docs (`web-socket-streams.md`; futures "WebSocket Market Streams"),
 * and their digest in ../shared/docs/binance-ws-protocol.md ("Security types", "Required parameters on SIGNED
 * requests", "Futures (USDⓈ-M and COIN-M): listenKey flow", "Addressing and payload wrapping"). The Python
 * runtime keeps its own copy of some of these rules (runtime/src/binance_ws_runtime/policy.py and api/).
 *
 * Pure: no I/O.
 */

const { SpecError } = require('./spec-error');

/** @typedef {import('./ir-types').JsonSchema} JsonSchema */
/** @typedef {import('./ir-types').Product} Product */
/** @typedef {import('./ir-types').SpecKind} SpecKind */
/** @typedef {import('./ir-types').ChannelKind} ChannelKind */
/** @typedef {import('./ir-types').SecurityType} SecurityType */

/** The `moduleKind` parameter's values: a product, and `-streams` for its streams spec. */
const MODULE_KINDS = ['spot', 'umfutures', 'cmfutures', 'spot-streams', 'umfutures-streams', 'cmfutures-streams'];

/**
 * The product and kind a `moduleKind` value forces.
 *
 * @param {string} moduleKind
 * @returns {{product: Product, kind: SpecKind}}
 */
function moduleKindOverride(moduleKind) {
  if (!MODULE_KINDS.includes(moduleKind)) {
    throw new SpecError(`moduleKind must be one of ${MODULE_KINDS.join(', ')}, got ${JSON.stringify(moduleKind)}`);
  }
  return {
    product: /** @type {Product} */ (moduleKind.replace(/-streams$/, '')),
    kind: moduleKind.endsWith('-streams') ? 'streams' : 'api',
  };
}

/**
 * The product of a spec, from its server URLs (USDⓈ-M: fstream / ws-fapi hosts; COIN-M: dstream / ws-dapi;
 * spot: binance.com / binance.vision) or, failing that, its title.
 *
 * @param {string} title `info.title`
 * @param {string[]} serverUrls
 * @returns {Product}
 */
function detectProduct(title, serverUrls) {
  const hosts = serverUrls.join(' ').toLowerCase();
  const text = title.toLowerCase();
  if (/fstream|ws-fapi|\/fapi|fapi\./.test(hosts) || /usd[-ⓢs]*[\s-]*m|usds/.test(text)) return 'umfutures';
  if (/dstream|ws-dapi|\/dapi|dapi\./.test(hosts) || /coin[\s-]*m/.test(text)) return 'cmfutures';
  if (/binance\.(com|vision)/.test(hosts) || /spot/.test(text)) return 'spot';
  return 'unknown';
}

/**
 * Whether a server is a testnet: says so in its name, host or title, or is on binancefuture.com (the futures
 * testnet's domain).
 *
 * @param {string} name
 * @param {{host?: unknown, title?: unknown}} server
 * @returns {boolean}
 */
function isTestnet(name, server) {
  const text = `${name} ${server.host || ''} ${server.title || ''}`.toLowerCase();
  return text.includes('testnet') || text.includes('binancefuture.com');
}

/**
 * How the runtime connects to a channel, from Binance's addressing ("Addressing and payload wrapping"): a
 * listenKey parameter is a user-data stream, `/stream?streams=` a combined stream (events wrapped in
 * `{"stream", "data"}`), `/ws/<name>` a raw stream; anything else is the WS API.
 *
 * @param {string} address
 * @param {string[]} parameterNames
 * @returns {ChannelKind}
 */
function channelKind(address, parameterNames) {
  const path = address.split('?')[0];
  if (parameterNames.some((name) => /listenkey/i.test(name))) return 'userData';
  if (/\/stream$/.test(path) || /[?&]streams=/.test(address)) return 'combined';
  if (/\/ws(\/|$)/.test(path)) return 'raw';
  return 'api';
}

// ---------------------------------------------------------------------------------------------------------
// Request security ("Request security" / "Signed request security" of the WS API docs)

/** Parameters the client fills in itself on secured requests; users never pass them. */
const AUTH_PARAMS = new Set(['apiKey', 'signature', 'timestamp']);

/** Security types whose requests are SIGNED (apiKey, timestamp, signature). USER_STREAM is not among them. */
const SIGNED_SECURITY_TYPES = new Set(['TRADE', 'USER_DATA', 'SIGNED', 'MARGIN']);

/** Security scheme names of the specs, by the security type they stand for. */
const SCHEME_TO_SECURITY = /** @type {Record<string, SecurityType>} */ ({ trade: 'TRADE', userData: 'USER_DATA', userStream: 'USER_STREAM', signed: 'SIGNED' });

/** The futures listenKey methods: apiKey only (no timestamp, no signature), whatever their security type. */
const FUTURES_USER_STREAM_METHOD = /^userDataStream\.(start|ping|stop)$/;
/** `userDataStream.*` methods are never signed by their security type; only a `signature` param signs them. */
const USER_DATA_STREAM_METHOD = /^userDataStream\./;

/**
 * The security of a request operation.
 *
 * @param {object} operation
 * @param {string} operation.method wire method
 * @param {unknown} operation.securityExtension `x-binance-security-type` of the operation
 * @param {string[]} operation.schemeNames names of the security schemes it lists
 * @param {Set<string>} operation.wireNames its parameters' wire names
 * @returns {{securityType: SecurityType, signed: boolean, apiKey: boolean}}
 */
function requestSecurity({ method, securityExtension, schemeNames, wireNames }) {
  let securityType = securityExtension ? String(securityExtension).toUpperCase() : null;
  if (!securityType) securityType = schemeNames.map((n) => SCHEME_TO_SECURITY[n]).find(Boolean) || null;
  if (!securityType && FUTURES_USER_STREAM_METHOD.test(method)) securityType = 'USER_STREAM';
  securityType = securityType || 'NONE';
  const signed = wireNames.has('signature') || (SIGNED_SECURITY_TYPES.has(securityType) && !USER_DATA_STREAM_METHOD.test(method));
  return { securityType, signed, apiKey: signed || wireNames.has('apiKey') };
}

/**
 * Parameters whose wire value is a decimal whatever the schema says: spot's `recvWindow` takes up to three
 * decimals ("Required parameters on SIGNED requests"); accepting one everywhere is harmless.
 *
 * @param {string} wireName
 * @returns {boolean}
 */
function isDecimalParam(wireName) {
  return wireName === 'recvWindow';
}

/**
 * Binance answers ticker-like methods with a list when asked for several symbols (or all of them), although the
 * specs type the result as one object: a result with a `symbol` field, and a `symbols` parameter or an optional
 * `symbol` one.
 *
 * @param {JsonSchema | null} resultSchema the reply's `result`, resolved
 * @param {Array<{wireName: string, required: boolean}>} params
 * @returns {boolean}
 */
function resultMayBeList(resultSchema, params) {
  const perSymbol = Boolean(resultSchema && resultSchema.properties && resultSchema.properties.symbol);
  const symbol = params.find((p) => p.wireName === 'symbol');
  const selectable = params.some((p) => p.wireName === 'symbols') || Boolean(symbol && !symbol.required);
  return perSymbol && selectable;
}

// ---------------------------------------------------------------------------------------------------------
// Operations a spec may lack

const LISTEN_KEY_EXAMPLE = 'xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP';

/**
 * @typedef {object} ImpliedOperation an operation Binance serves that the spec may not declare
 * @property {string} id operation id
 * @property {string} method wire method
 * @property {string} summary
 * @property {{name: string, schema: JsonSchema}} request payload schema (used when no schema has the name)
 * @property {{name: string, schema: JsonSchema}} response payload schema (used when no schema has the name)
 */

/**
 * The futures WS API serves `userDataStream.start`, `.ping` and `.stop` (apiKey only; start and ping return
 * `{listenKey}`, stop `{}`: "Futures (USDⓈ-M and COIN-M): listenKey flow", Binance's futures "User Data
 * Streams" docs) even where the API spec lacks them; the streams specs put them on the listenKey channel.
 *
 * @param {Product} product
 * @param {SpecKind} kind
 * @returns {ImpliedOperation[]} the operations an API spec of this product gets when it lacks their method
 */
function impliedOperations(product, kind) {
  if (kind !== 'api' || (product !== 'umfutures' && product !== 'cmfutures')) return [];
  const id = { type: 'string' };
  const listenKeyResult = { type: 'object', properties: { listenKey: { type: 'string', example: LISTEN_KEY_EXAMPLE } }, required: ['listenKey'] };
  /** @type {Array<[string, JsonSchema, string]>} */
  const verbs = [
    ['start', listenKeyResult, 'Start a user data stream and get its listenKey'],
    ['ping', listenKeyResult, 'Keep the listenKey alive for another 60 minutes'],
    ['stop', { type: 'object', properties: {} }, 'Close the user data stream'],
  ];
  return verbs.map(([verb, result, summary]) => {
    const method = `userDataStream.${verb}`;
    const base = `userDataStream${verb[0].toUpperCase()}${verb.slice(1)}`;
    return {
      id: base,
      method,
      summary,
      request: {
        name: `${base}Request`,
        schema: {
          type: 'object',
          description: `Request of ${method} (futures WS API, apiKey only)`,
          properties: { id, method: { type: 'string', const: method }, params: { type: 'object', properties: { apiKey: { type: 'string' } } } },
          required: ['id', 'method'],
        },
      },
      response: {
        name: `${base}Response`,
        schema: {
          type: 'object',
          description: `Response of ${method}`,
          properties: { id, status: { type: 'integer', example: 200 }, result },
          required: ['id', 'status'],
        },
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Events

/** The event-type field of Binance event payloads. */
const EVENT_TYPE_KEY = 'e';

/**
 * The WS API delivers user-data events wrapped as `{"subscriptionId": n, "event": {...}}` (spot WS API docs,
 * "User Data Stream subscriptions"). Given a payload's properties, the property that holds the event when the
 * payload is such an envelope, else null.
 *
 * @param {Record<string, JsonSchema>} properties the payload's properties
 * @param {(schema: JsonSchema) => JsonSchema} resolve follows `$ref`s
 * @returns {string | null}
 */
function envelopeBodyKey(properties, resolve) {
  if (!properties.event || !(properties.subscriptionId || !properties[EVENT_TYPE_KEY])) return null;
  const inner = resolve(properties.event);
  return inner && inner.properties ? 'event' : null;
}

/**
 * Stream names carry symbols, pairs and assets in lower case (Binance's WebSocket Streams docs: "All symbols
 * for streams are lowercase").
 *
 * @param {string} placeholder a stream-name template's placeholder
 * @returns {boolean}
 */
function isLowercaseStreamParam(placeholder) {
  return /symbol|pair|asset/i.test(placeholder);
}

module.exports = {
  MODULE_KINDS,
  AUTH_PARAMS,
  EVENT_TYPE_KEY,
  moduleKindOverride,
  detectProduct,
  isTestnet,
  channelKind,
  requestSecurity,
  isDecimalParam,
  resultMayBeList,
  impliedOperations,
  envelopeBodyKey,
  isLowercaseStreamParam,
};
