'use strict';
/**
 * Turns a raw AsyncAPI 3.0 document (plain object, $refs unresolved) into the small
 * intermediate model every component renders from. See docs/DESIGN.md for its shape.
 *
 * Pure: no I/O. Errors are SpecError with a JSON-pointer location, so a user learns
 * which part of the spec is wrong.
 */

// naming.js is required lazily: it is a sibling helper with its own unit tests.
const snakeCase = (text) => require('./naming').snakeCase(text);
/** A keyword argument name: Python keywords (`from`) and `self` get a trailing underscore. */
const keywordSafe = (name) => (require('./naming').PYTHON_KEYWORDS.has(name) || name === 'self' ? `${name}_` : name);

class SpecError extends Error {
  constructor(message, location) {
    super(location ? `${location}: ${message}` : message);
    this.name = 'SpecError';
    this.location = location || '';
  }
}

const AUTH_PARAMS = new Set(['apiKey', 'signature', 'timestamp']);
const SIGNED_SECURITY_TYPES = new Set(['TRADE', 'USER_DATA', 'SIGNED', 'MARGIN']);
const SCHEME_TO_SECURITY = { trade: 'TRADE', userData: 'USER_DATA', userStream: 'USER_STREAM', signed: 'SIGNED' };
const MODULE_KINDS = ['spot', 'umfutures', 'cmfutures', 'spot-streams', 'umfutures-streams', 'cmfutures-streams'];

function decodePointerSegment(segment) {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function resolvePointer(doc, ref, location) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) {
    throw new SpecError(`only local $refs are supported, got ${JSON.stringify(ref)}`, location);
  }
  let node = doc;
  for (const segment of ref.slice(2).split('/').map(decodePointerSegment)) {
    if (node === null || typeof node !== 'object' || !(segment in node)) {
      throw new SpecError(`$ref ${ref} points at nothing`, location);
    }
    node = node[segment];
  }
  return node;
}

/** Every $ref in the document must resolve; report the first dangling one with its location. */
function checkRefs(doc) {
  const visit = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}/${index}`));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref') resolvePointer(doc, value, path);
        else visit(value, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
    }
  };
  visit(doc, '#');
}

/** Follows a chain of $refs; returns the final node and the last '#/components/<kind>/<name>' name seen. */
function follow(doc, node, location, kind) {
  let name = null;
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new SpecError(`circular $ref ${node.$ref}`, location);
    seen.add(node.$ref);
    const match = node.$ref.match(new RegExp(`^#/components/${kind}/([^/]+)$`));
    if (match) name = decodePointerSegment(match[1]);
    node = resolvePointer(doc, node.$ref, location);
  }
  return { node, name };
}

function serverUrl(server) {
  const protocol = String(server.protocol || 'wss').toLowerCase();
  let host = String(server.host || '');
  host = host.replace(/^[a-z]+:\/\//i, '');
  let pathname = String(server.pathname || '');
  if (pathname && !pathname.startsWith('/')) pathname = `/${pathname}`;
  pathname = pathname.replace(/\/+$/, '');
  return `${protocol}://${host}${pathname}`;
}

function isTestnet(name, server) {
  const text = `${name} ${server.host || ''} ${server.title || ''}`.toLowerCase();
  return text.includes('testnet') || text.includes('binancefuture.com');
}

function detectProduct(doc, servers) {
  const hosts = servers.map((s) => s.url.toLowerCase()).join(' ');
  const title = `${(doc.info && doc.info.title) || ''}`.toLowerCase();
  if (/fstream|ws-fapi|\/fapi|fapi\./.test(hosts) || /usd[-ⓢs]*[\s-]*m|usds/.test(title)) return 'umfutures';
  if (/dstream|ws-dapi|\/dapi|dapi\./.test(hosts) || /coin[\s-]*m/.test(title)) return 'cmfutures';
  if (/binance\.(com|vision)/.test(hosts) || /spot/.test(title)) return 'spot';
  return 'unknown';
}

function channelKind(address, parameters) {
  const path = String(address || '').split('?')[0];
  if (parameters.some((p) => /listenkey/i.test(p.name))) return 'userData';
  if (/\/stream$/.test(path) || /[?&]streams=/.test(String(address || ''))) return 'combined';
  if (/\/ws(\/|$)/.test(path)) return 'raw';
  return 'api';
}

function firstString(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

function asList(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function extensionsOf(node) {
  const out = {};
  for (const [key, value] of Object.entries(node || {})) if (key.startsWith('x-')) out[key] = value;
  return out;
}

function placeholders(template) {
  return Array.from(String(template).matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g), (m) => m[1]);
}

class IRBuilder {
  constructor(doc, options) {
    this.doc = doc;
    this.options = options;
    this.schemas = { ...((doc.components && doc.components.schemas) || {}) };
    this.messages = {};
  }

  build() {
    const doc = this.doc;
    if (!doc || typeof doc !== 'object') throw new SpecError('the document is empty or not an object');
    const version = String(doc.asyncapi || '');
    if (!/^3\./.test(version)) {
      throw new SpecError(`AsyncAPI ${version || '(no version)'} is not supported; this template needs an AsyncAPI 3.x document`, '#/asyncapi');
    }
    checkRefs(doc);
    const servers = Object.entries(doc.servers || {}).map(([name, raw]) => {
      const { node } = follow(doc, raw, `#/servers/${name}`, 'servers');
      return { name, url: serverUrl(node), testnet: isTestnet(name, node), route: node['x-stream-route'] ? String(node['x-stream-route']) : null };
    });
    servers.sort((a, b) => Number(a.testnet) - Number(b.testnet));
    const channels = this.buildChannels();
    let kind = channels.some((c) => c.kind !== 'api') ? 'streams' : 'api';
    let product = detectProduct(doc, servers);
    const override = this.options.moduleKind;
    if (override) {
      if (!MODULE_KINDS.includes(override)) {
        throw new SpecError(`moduleKind must be one of ${MODULE_KINDS.join(', ')}, got ${JSON.stringify(override)}`);
      }
      product = override.replace(/-streams$/, '');
      kind = override.endsWith('-streams') ? 'streams' : 'api';
    }
    this.channelById = new Map(channels.map((c) => [c.id, c]));
    const operations = this.buildOperations();
    if (kind === 'api' && (product === 'umfutures' || product === 'cmfutures')) this.addListenKeyOperations(operations, channels);
    const events = this.buildEvents(channels);
    const errorMessage = Object.values(this.messages).find((m) => m.role === 'error');
    const wrapper = Object.values(this.messages).find((m) => m.role === 'wrapper');
    return {
      info: {
        title: String((doc.info && doc.info.title) || 'Binance WebSocket API'),
        version: String((doc.info && doc.info.version) || ''),
        description: String((doc.info && doc.info.description) || ''),
      },
      kind,
      product,
      servers,
      schemas: this.schemas,
      messages: this.messages,
      channels,
      operations,
      events,
      errorSchema: errorMessage ? errorMessage.schema : null,
      combinedWrapper: wrapper
        ? {
          messageId: wrapper.id,
          schema: wrapper.schema,
          streamKey: (wrapper.extensions['x-wrapper-keys'] || {}).stream || 'stream',
          dataKey: (wrapper.extensions['x-wrapper-keys'] || {}).data || 'data',
        }
        : null,
    };
  }

  buildChannels() {
    return Object.entries(this.doc.channels || {}).map(([id, raw]) => {
      const location = `#/channels/${id}`;
      const { node } = follow(this.doc, raw, location, 'channels');
      const parameters = Object.entries(node.parameters || {}).map(([name, p]) => {
        const { node: param } = follow(this.doc, p, `${location}/parameters/${name}`, 'parameters');
        return { name, description: String(param.description || ''), examples: asList(param.examples).map(String) };
      });
      const messageIds = Object.entries(node.messages || {}).map(([key, ref]) => this.message(ref, `${location}/messages/${key}`, key).id);
      const unwrapped = asList(node['x-unwrapped-event-messages']).map((entry, index) => {
        if (typeof entry === 'string') return this.messageByName(entry, node, `${location}/x-unwrapped-event-messages/${index}`);
        return this.message(entry, `${location}/x-unwrapped-event-messages/${index}`, String(index)).id;
      });
      const serverNames = asList(node.servers).map((ref, i) => {
        const match = ref && typeof ref.$ref === 'string' && ref.$ref.match(/^#\/servers\/([^/]+)$/);
        if (!match) throw new SpecError('channel servers must be $refs to #/servers/<name>', `${location}/servers/${i}`);
        return decodePointerSegment(match[1]);
      });
      return {
        id,
        address: String(node.address === undefined || node.address === null ? '/' : node.address),
        serverNames,
        kind: channelKind(node.address, parameters),
        description: String(node.description || ''),
        parameters,
        messageIds,
        unwrappedMessageIds: unwrapped.filter(Boolean),
      };
    });
  }

  messageByName(name, channelNode, location) {
    if (this.doc.components && this.doc.components.messages && this.doc.components.messages[name]) {
      return this.message({ $ref: `#/components/messages/${name}` }, location, name).id;
    }
    for (const channel of Object.values(this.doc.channels || {})) {
      const ref = channel.messages && channel.messages[name];
      if (ref) return this.message(ref, location, name).id;
    }
    throw new SpecError(`names message ${JSON.stringify(name)}, which does not exist`, location);
  }

  /** Registers (once) and returns the message a reference points at. */
  message(ref, location, fallbackName) {
    const { node, name } = follow(this.doc, ref, location, 'messages');
    const id = name || fallbackName;
    if (this.messages[id]) return this.messages[id];
    if (!node || typeof node !== 'object') throw new SpecError('message is not an object', location);
    const schema = this.payloadSchema(node, id, location);
    const extensions = extensionsOf(node);
    let role = 'event';
    if (extensions['x-error']) role = 'error';
    else if (extensions['x-wrapper']) role = 'wrapper';
    const message = {
      id,
      name: String(node.name || id),
      title: String(node.title || ''),
      summary: String(node.summary || ''),
      description: String(node.description || ''),
      schema,
      role,
      extensions,
    };
    this.messages[id] = message;
    return message;
  }

  payloadSchema(messageNode, messageId, location) {
    const payload = messageNode.payload;
    if (payload === undefined) throw new SpecError('message has no payload', location);
    const { name } = follow(this.doc, payload, `${location}/payload`, 'schemas');
    if (name) return name;
    let synthesized = messageId;
    while (this.schemas[synthesized]) synthesized = `${synthesized}Payload`;
    this.schemas[synthesized] = payload;
    return synthesized;
  }

  schema(name) {
    return this.schemas[name];
  }

  deref(node, location) {
    return follow(this.doc, node, location, 'schemas').node;
  }

  buildOperations() {
    const byMethod = new Map();
    for (const [id, raw] of Object.entries(this.doc.operations || {})) {
      const location = `#/operations/${id}`;
      const { node: op } = follow(this.doc, raw, location, 'operations');
      const messageRefs = asList(op.messages);
      if (messageRefs.length === 0) throw new SpecError('operation has no messages', location);
      const messages = messageRefs.map((ref, i) => this.message(ref, `${location}/messages/${i}`, `${id}Message${i}`));
      const channelIds = op.channel ? [this.channelIdOf(op.channel, location)] : [];
      if (op.action === 'receive') {
        for (const message of messages) if (message.role === 'event' && message.extensions['x-error']) message.role = 'error';
        continue;
      }
      if (op.action !== 'send') throw new SpecError(`action must be send or receive, got ${JSON.stringify(op.action)}`, location);
      if (!op.reply) {
        for (const message of messages) message.role = 'request';
        continue;
      }
      const replyRefs = asList(op.reply.messages);
      if (replyRefs.length === 0) throw new SpecError('operation reply has no messages', `${location}/reply`);
      const request = messages[0];
      request.role = 'request';
      const replies = replyRefs.map((ref, i) => this.message(ref, `${location}/reply/messages/${i}`, `${id}Reply${i}`));
      const response = replies.find((m) => m.role !== 'error') || replies[0];
      if (response.role !== 'error') response.role = 'response';
      const operation = this.operation(id, op, request, response, location);
      operation.channelIds = channelIds;
      const existing = byMethod.get(operation.method);
      if (existing) {
        for (const channelId of channelIds) if (!existing.channelIds.includes(channelId)) existing.channelIds.push(channelId);
      } else {
        byMethod.set(operation.method, operation);
      }
    }
    return Array.from(byMethod.values()).sort((a, b) => a.method.localeCompare(b.method));
  }

  channelIdOf(ref, location) {
    if (typeof ref.$ref === 'string') {
      const match = ref.$ref.match(/^#\/channels\/([^/]+)$/);
      if (match) return decodePointerSegment(match[1]);
    }
    throw new SpecError('operation channel must be a $ref to #/channels/<id>', `${location}/channel`);
  }

  operation(id, op, request, response, location) {
    const requestSchema = this.deref(this.schema(request.schema), `${location} request payload`);
    const properties = (requestSchema && requestSchema.properties) || {};
    const methodSchema = this.deref(properties.method || {}, `${location} request payload/method`);
    const method = methodSchema.const !== undefined ? String(methodSchema.const) : firstString(methodSchema.enum) || firstString(methodSchema.example);
    if (!method) {
      throw new SpecError(`request message ${request.id} does not fix its method (expected properties.method.const)`, location);
    }
    const paramsSchema = properties.params ? this.deref(properties.params, `${location} request payload/params`) : null;
    let paramsStyle = 'none';
    let params = [];
    if (paramsSchema) {
      if (paramsSchema.type === 'array' || paramsSchema.items || paramsSchema.prefixItems) {
        paramsStyle = 'array';
      } else {
        paramsStyle = 'object';
        const required = new Set(asList(paramsSchema.required));
        params = Object.entries(paramsSchema.properties || {}).map(([wireName, schema]) => ({
          wireName,
          pyName: keywordSafe(snakeCase(wireName)),
          required: required.has(wireName),
          schema,
          description: String(this.deref(schema, location).description || ''),
          auth: AUTH_PARAMS.has(wireName),
        }));
      }
    }
    const wireNames = new Set(params.map((p) => p.wireName));
    const schemeNames = asList(op.security).map((s) => (s && s.$ref ? s.$ref.split('/').pop() : Object.keys(s || {})[0]));
    let securityType = op['x-binance-security-type'] ? String(op['x-binance-security-type']).toUpperCase() : null;
    if (!securityType) securityType = schemeNames.map((n) => SCHEME_TO_SECURITY[n]).find(Boolean) || null;
    if (!securityType && /^userDataStream\.(start|ping|stop)$/.test(method)) securityType = 'USER_STREAM';
    securityType = securityType || 'NONE';
    const signed = wireNames.has('signature') || (SIGNED_SECURITY_TYPES.has(securityType) && !/^userDataStream\./.test(method));
    const apiKey = signed || wireNames.has('apiKey');
    const responseSchema = this.deref(this.schema(response.schema), `${location} reply payload`);
    const resultSchema = responseSchema && responseSchema.properties && responseSchema.properties.result
      ? this.deref(responseSchema.properties.result, `${location} reply payload/result`)
      : null;
    // Binance returns a list for ticker-like methods when asked for several symbols (or all of them),
    // although the specs type one object: per-symbol results with an optional symbol selector.
    const resultIsPerSymbol = Boolean(resultSchema && resultSchema.properties && resultSchema.properties.symbol);
    const symbolOptional = wireNames.has('symbols') || (wireNames.has('symbol') && !params.find((p) => p.wireName === 'symbol').required);
    return {
      id,
      method,
      pyName: snakeCase(method),
      title: String(op.title || ''),
      summary: String(op.summary || op.title || ''),
      description: String(op.description || ''),
      channelIds: [],
      securityType,
      signed,
      apiKey,
      requestMessage: request.id,
      responseMessage: response.id,
      requestSchema: request.schema,
      responseSchema: response.schema,
      paramsStyle,
      params,
      channelMethod: op['x-channel-method'] ? String(op['x-channel-method']) : null,
      resultMayBeList: resultIsPerSymbol && symbolOptional,
    };
  }

  /**
   * The futures WS API serves userDataStream.start/ping/stop (protocol notes 4.2) even where the API spec
   * lacks them; the streams specs put them on the listenKey channel. Add the missing ones with the documented shape.
   */
  addListenKeyOperations(operations, channels) {
    const apiChannel = channels.find((c) => c.kind === 'api');
    const idSchema = { type: 'string' };
    const listenKeyResult = { type: 'object', properties: { listenKey: { type: 'string', example: 'xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP' } }, required: ['listenKey'] };
    for (const [verb, result] of [['start', listenKeyResult], ['ping', listenKeyResult], ['stop', { type: 'object', properties: {} }]]) {
      const method = `userDataStream.${verb}`;
      if (operations.some((op) => op.method === method)) continue;
      const base = `userDataStream${verb[0].toUpperCase()}${verb.slice(1)}`;
      const requestSchema = `${base}Request`;
      const responseSchema = `${base}Response`;
      if (!this.schemas[requestSchema]) {
        this.schemas[requestSchema] = {
          type: 'object',
          description: `Request of ${method} (futures WS API, apiKey only)`,
          properties: { id: idSchema, method: { type: 'string', const: method }, params: { type: 'object', properties: { apiKey: { type: 'string' } } } },
          required: ['id', 'method'],
        };
      }
      if (!this.schemas[responseSchema]) {
        this.schemas[responseSchema] = {
          type: 'object',
          description: `Response of ${method}`,
          properties: { id: idSchema, status: { type: 'integer', example: 200 }, result },
          required: ['id', 'status'],
        };
      }
      for (const [id, schema, role] of [[requestSchema, requestSchema, 'request'], [responseSchema, responseSchema, 'response']]) {
        if (!this.messages[id]) this.messages[id] = { id, name: id, title: '', summary: '', description: '', schema, role, extensions: {} };
      }
      operations.push({
        id: base,
        method,
        pyName: snakeCase(method),
        title: `Send to ${method}`,
        summary: verb === 'start' ? 'Start a user data stream and get its listenKey' : verb === 'ping' ? 'Keep the listenKey alive for another 60 minutes' : 'Close the user data stream',
        description: '',
        channelIds: apiChannel ? [apiChannel.id] : [],
        securityType: 'USER_STREAM',
        signed: false,
        apiKey: true,
        requestMessage: requestSchema,
        responseMessage: responseSchema,
        requestSchema,
        responseSchema,
        paramsStyle: 'object',
        params: [{ wireName: 'apiKey', pyName: 'api_key', required: false, schema: { type: 'string' }, description: '', auth: true }],
        channelMethod: null,
        resultMayBeList: false,
        synthesized: true,
      });
    }
    operations.sort((a, b) => a.method.localeCompare(b.method));
  }

  buildEvents(channels) {
    const events = [];
    for (const message of Object.values(this.messages)) {
      if (message.role !== 'event') continue;
      const location = `#/components/messages/${message.id}`;
      const schema = this.deref(this.schema(message.schema), location) || {};
      const ext = message.extensions;
      const props = schema.properties || {};
      let envelope = null;
      let body = schema;
      if (props.event && (props.subscriptionId || !props.e)) {
        const inner = this.deref(props.event, `${location}/payload/event`);
        if (inner && inner.properties) {
          envelope = 'subscription';
          body = inner;
        }
      }
      const isArray = ext['x-response-format'] === 'array' || schema.type === 'array';
      if (isArray && schema.items) body = this.deref(schema.items, `${location}/payload/items`) || {};
      const eSchema = body.properties && body.properties.e ? this.deref(body.properties.e, `${location}/payload/e`) : null;
      let eventTypes = asList(ext['x-event-type']).map(String);
      if (eventTypes.length === 0 && eSchema) {
        if (eSchema.const !== undefined) eventTypes = [String(eSchema.const)];
        else if (Array.isArray(eSchema.enum)) eventTypes = eSchema.enum.map(String);
      }
      const streamPatterns = asList(ext['x-stream-pattern']).map((template, index) => {
        const paramSchemas = ext['x-stream-params'] || {};
        const names = placeholders(template);
        return {
          template: String(template),
          example: firstString(asList(ext['x-stream-example'])[index]) || String(asList(ext['x-stream-example'])[index] || ''),
          params: names.map((name) => {
            const raw = paramSchemas[name];
            const resolved = raw ? this.deref(raw, `${location}/x-stream-params/${name}`) : { type: 'string' };
            return {
              name,
              pyName: snakeCase(name),
              description: String(resolved.description || ''),
              enum: Array.isArray(resolved.enum) ? resolved.enum.map(String) : null,
            };
          }),
        };
      });
      const channelIds = channels
        .filter((c) => c.messageIds.includes(message.id) || c.unwrappedMessageIds.includes(message.id))
        .map((c) => c.id);
      events.push({
        messageId: message.id,
        schema: message.schema,
        eventTypes,
        discriminator: eventTypes.length === 1 && !isArray ? { path: envelope ? 'event.e' : 'e', value: eventTypes[0] } : null,
        envelope,
        array: isArray,
        noEventType: Boolean(ext['x-no-event-type']) || (!eSchema && eventTypes.length === 0),
        streamPatterns,
        route: ext['x-stream-route'] ? String(ext['x-stream-route']) : null,
        channelIds,
        channelKinds: Array.from(new Set(channelIds.map((id) => channels.find((c) => c.id === id).kind))).sort(),
        summary: message.summary || message.title || message.description,
      });
    }
    return events.sort((a, b) => a.messageId.localeCompare(b.messageId));
  }
}

/**
 * @param {object} doc raw AsyncAPI document
 * @param {{moduleKind?: string}} [options]
 */
function buildIR(doc, options = {}) {
  return new IRBuilder(doc, options).build();
}

module.exports = { buildIR, SpecError, resolvePointer, serverUrl, channelKind, placeholders, MODULE_KINDS };
