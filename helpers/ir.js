'use strict';
/**
 * buildIR(doc, options) -> IR: walks a raw AsyncAPI 3 document (plain object, `$ref`s unresolved) — servers,
 * channels, messages, operations and their replies, events, stream patterns — into the intermediate model every
 * renderer reads. Its shape is declared in ir-types.js. Binance's rules (product, channel kinds, signing,
 * operations a spec may lack, the user-data envelope, the result lists) come from binance-policy.js.
 *
 * Pure: no I/O. Problems are SpecErrors with a JSON-pointer location, so a user learns which part of the spec
 * is wrong.
 */

const { snakeCase, keywordSafe } = require('./naming');
const { SpecError } = require('./spec-error');
const { schemaType } = require('./types');
const refs = require('./refs');
const policy = require('./binance-policy');

/** @typedef {import('./ir-types').IR} IR */
/** @typedef {import('./ir-types').IROptions} IROptions */
/** @typedef {import('./ir-types').IRServer} IRServer */
/** @typedef {import('./ir-types').IRMessage} IRMessage */
/** @typedef {import('./ir-types').IRChannel} IRChannel */
/** @typedef {import('./ir-types').IROperation} IROperation */
/** @typedef {import('./ir-types').IRParam} IRParam */
/** @typedef {import('./ir-types').IREvent} IREvent */
/** @typedef {import('./ir-types').IRStreamPattern} IRStreamPattern */
/** @typedef {import('./ir-types').ParamsStyle} ParamsStyle */
/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

/**
 * A node of the raw document as YAML gave it: untyped until this module reads it.
 * @typedef {Record<string, any>} RawNode
 */

/**
 * A message while the document is walked: its IR record, and what the walk learns about it.
 * @typedef {object} MessageRecord
 * @property {IRMessage} message
 * @property {'event' | 'error' | 'wrapper' | 'request' | 'response'} role
 * @property {RawNode} extensions its `x-` keys
 */

/**
 * @typedef {object} ChannelRecord
 * @property {IRChannel} channel
 * @property {string[]} messageIds its messages and `x-unwrapped-event-messages`
 */

/** @param {string} key */
const at = (key) => refs.encodePointerSegment(key);

/**
 * `protocol://host/pathname` without a trailing slash; a protocol repeated in the host is dropped.
 *
 * @param {RawNode} server
 * @returns {string}
 */
function serverUrl(server) {
  const protocol = String(server.protocol || 'wss').toLowerCase();
  const host = String(server.host || '').replace(/^[a-z]+:\/\//i, '');
  let pathname = String(server.pathname || '');
  if (pathname && !pathname.startsWith('/')) pathname = `/${pathname}`;
  pathname = pathname.replace(/\/+$/, '');
  return `${protocol}://${host}${pathname}`;
}

/**
 * @param {unknown} value
 * @returns {string | null}
 */
function firstString(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

/**
 * @param {unknown} value
 * @returns {any[]}
 */
function asList(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * @param {unknown} value
 * @returns {RawNode}
 */
function asObject(value) {
  return value && typeof value === 'object' && !Array.isArray(value) ? /** @type {RawNode} */ (value) : {};
}

/**
 * @param {RawNode} node
 * @returns {RawNode}
 */
function extensionsOf(node) {
  /** @type {RawNode} */
  const out = {};
  for (const [key, value] of Object.entries(node)) if (key.startsWith('x-')) out[key] = value;
  return out;
}

/**
 * The placeholders of a stream-name template, in order.
 *
 * @param {string} template
 * @returns {string[]}
 */
function placeholders(template) {
  return Array.from(template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g), (m) => m[1]);
}

class IRBuilder {
  /**
   * @param {RawNode} doc
   * @param {IROptions} options
   */
  constructor(doc, options) {
    this.doc = doc;
    this.options = options;
    /** @type {Record<string, JsonSchema>} */
    this.schemas = { ...asObject(asObject(doc.components).schemas) };
    /** @type {Record<string, string>} where each schema that is not a component schema comes from */
    this.schemaLocations = {};
    /** @type {Record<string, MessageRecord>} */
    this.messages = {};
  }

  /**
   * Follows a chain of `$ref`s in the document.
   *
   * @param {unknown} node
   * @param {string} location
   * @returns {RawNode}
   */
  deref(node, location) {
    return asObject(refs.follow(this.doc, node, location).node);
  }

  /** @returns {IR} */
  build() {
    const doc = this.doc;
    const version = String(doc.asyncapi || '');
    if (!/^3\./.test(version)) {
      throw new SpecError(`AsyncAPI ${version || '(no version)'} is not supported; this template needs an AsyncAPI 3.x document`, '#/asyncapi');
    }
    refs.checkRefs(doc);
    const info = asObject(doc.info);
    const servers = this.buildServers();
    const channels = this.buildChannels();
    let kind = channels.some((c) => c.channel.kind !== 'api') ? /** @type {const} */ ('streams') : /** @type {const} */ ('api');
    let product = policy.detectProduct(String(info.title || ''), servers.map((s) => s.url));
    if (this.options.moduleKind) ({ product, kind } = policy.moduleKindOverride(this.options.moduleKind));
    const operations = this.buildOperations();
    this.addImpliedOperations(operations, product, kind);
    const events = this.buildEvents(channels);
    refs.checkSchemaRefs(this.schemas, (name) => this.schemaLocations[name] || `#/components/schemas/${at(name)}`);
    const records = Object.values(this.messages);
    const error = records.find((m) => m.role === 'error');
    const wrapper = records.find((m) => m.role === 'wrapper');
    const wrapperKeys = wrapper ? asObject(wrapper.extensions['x-wrapper-keys']) : {};
    return {
      info: {
        title: String(info.title || 'Binance WebSocket API'),
        version: String(info.version || ''),
      },
      kind,
      product,
      servers,
      schemas: this.schemas,
      messages: Object.fromEntries(records.map((m) => [m.message.id, m.message])),
      channels: channels.map((c) => c.channel),
      operations,
      events,
      errorSchema: error ? error.message.schema : null,
      combinedWrapper: wrapper
        ? { schema: wrapper.message.schema, streamKey: String(wrapperKeys.stream || 'stream'), dataKey: String(wrapperKeys.data || 'data') }
        : null,
    };
  }

  /** @returns {IRServer[]} mainnet servers first */
  buildServers() {
    const servers = Object.entries(asObject(this.doc.servers)).map(([name, raw]) => {
      const node = this.deref(raw, `#/servers/${at(name)}`);
      return { name, url: serverUrl(node), testnet: policy.isTestnet(name, node), route: node['x-stream-route'] ? String(node['x-stream-route']) : null };
    });
    return servers.sort((a, b) => Number(a.testnet) - Number(b.testnet));
  }

  /** @returns {ChannelRecord[]} */
  buildChannels() {
    return Object.entries(asObject(this.doc.channels)).map(([id, raw]) => {
      const location = `#/channels/${at(id)}`;
      const node = this.deref(raw, location);
      const address = String(node.address === undefined || node.address === null ? '/' : node.address);
      const messageIds = Object.entries(asObject(node.messages)).map(([key, ref]) => this.message(ref, `${location}/messages/${at(key)}`, key).message.id);
      asList(node['x-unwrapped-event-messages']).forEach((entry, index) => {
        const entryLocation = `${location}/x-unwrapped-event-messages/${index}`;
        messageIds.push(typeof entry === 'string' ? this.messageByName(entry, entryLocation) : this.message(entry, entryLocation, String(index)).message.id);
      });
      return { channel: { id, address, kind: policy.channelKind(address, Object.keys(asObject(node.parameters))) }, messageIds };
    });
  }

  /**
   * The id of the message a channel's `x-unwrapped-event-messages` names: a component message, else a message of
   * that key on some channel.
   *
   * @param {string} name
   * @param {string} location
   * @returns {string}
   */
  messageByName(name, location) {
    if (asObject(asObject(this.doc.components).messages)[name]) {
      return this.message({ $ref: `#/components/messages/${at(name)}` }, location, name).message.id;
    }
    for (const channel of Object.values(asObject(this.doc.channels))) {
      const ref = asObject(asObject(channel).messages)[name];
      if (ref) return this.message(ref, location, name).message.id;
    }
    throw new SpecError(`names message ${JSON.stringify(name)}, which does not exist`, location);
  }

  /**
   * Registers (once) and returns the message a reference points at.
   *
   * @param {unknown} ref a message or a `$ref` to one
   * @param {string} location
   * @param {string} fallbackId the id of an inline message
   * @returns {MessageRecord}
   */
  message(ref, location, fallbackId) {
    const { node, chain } = refs.follow(this.doc, ref, location);
    const id = refs.lastComponentName(chain, 'messages') || fallbackId;
    const known = this.messages[id];
    if (known) return known;
    if (!node || typeof node !== 'object' || Array.isArray(node)) throw new SpecError('message is not an object', location);
    const raw = /** @type {RawNode} */ (node);
    const extensions = extensionsOf(raw);
    /** @type {MessageRecord} */
    const record = {
      message: {
        id,
        name: String(raw.name || id),
        title: String(raw.title || ''),
        summary: String(raw.summary || ''),
        description: String(raw.description || ''),
        schema: this.payloadSchema(raw, id, location),
      },
      role: extensions['x-error'] ? 'error' : extensions['x-wrapper'] ? 'wrapper' : 'event',
      extensions,
    };
    this.messages[id] = record;
    return record;
  }

  /**
   * The name in `schemas` of a message's payload: its component name, or a new name for an inline payload.
   *
   * @param {RawNode} messageNode
   * @param {string} messageId
   * @param {string} location
   * @returns {string}
   */
  payloadSchema(messageNode, messageId, location) {
    const payload = messageNode.payload;
    if (payload === undefined) throw new SpecError('message has no payload', location);
    const name = refs.lastComponentName(refs.follow(this.doc, payload, `${location}/payload`).chain, 'schemas');
    if (name) return name;
    let synthesized = messageId;
    while (this.schemas[synthesized]) synthesized = `${synthesized}Payload`;
    this.schemas[synthesized] = payload;
    this.schemaLocations[synthesized] = `${location}/payload`;
    return synthesized;
  }

  /** @returns {IROperation[]} the request operations, one per wire method, sorted by method */
  buildOperations() {
    /** @type {Map<string, IROperation>} */
    const byMethod = new Map();
    for (const [id, raw] of Object.entries(asObject(this.doc.operations))) {
      const location = `#/operations/${at(id)}`;
      const op = this.deref(raw, location);
      const messageRefs = asList(op.messages);
      if (messageRefs.length === 0) throw new SpecError('operation has no messages', location);
      const messages = messageRefs.map((ref, i) => this.message(ref, `${location}/messages/${i}`, `${id}Message${i}`));
      if (op.action === 'receive') continue;
      if (op.action !== 'send') throw new SpecError(`action must be send or receive, got ${JSON.stringify(op.action)}`, location);
      if (!op.reply) {
        for (const message of messages) message.role = 'request';
        continue;
      }
      const replyRefs = asList(asObject(op.reply).messages);
      if (replyRefs.length === 0) throw new SpecError('operation reply has no messages', `${location}/reply`);
      const request = messages[0];
      request.role = 'request';
      const replies = replyRefs.map((ref, i) => this.message(ref, `${location}/reply/messages/${i}`, `${id}Reply${i}`));
      const response = replies.find((m) => m.role !== 'error') || replies[0];
      if (response.role !== 'error') response.role = 'response';
      const operation = this.operation(op, request.message.id, request.message.schema, response.message.schema, location);
      if (!byMethod.has(operation.method)) byMethod.set(operation.method, operation);
    }
    return Array.from(byMethod.values()).sort((a, b) => a.method.localeCompare(b.method));
  }

  /**
   * @param {RawNode} op the operation
   * @param {string} requestMessage message id
   * @param {string} requestSchemaName
   * @param {string} responseSchemaName
   * @param {string} location
   * @returns {IROperation}
   */
  operation(op, requestMessage, requestSchemaName, responseSchemaName, location) {
    const requestSchema = this.deref(this.schemas[requestSchemaName], `${location} request payload`);
    const properties = asObject(requestSchema.properties);
    const methodSchema = this.deref(properties.method || {}, `${location} request payload/method`);
    const method = methodSchema.const !== undefined ? String(methodSchema.const) : firstString(methodSchema.enum) || firstString(methodSchema.example);
    if (!method) {
      throw new SpecError(`request message ${requestMessage} does not fix its method (expected properties.method.const)`, location);
    }
    const paramsSchema = properties.params ? this.deref(properties.params, `${location} request payload/params`) : null;
    /** @type {ParamsStyle} */
    let paramsStyle = 'none';
    /** @type {IRParam[]} */
    let params = [];
    if (paramsSchema) {
      if (paramsSchema.type === 'array' || paramsSchema.items || paramsSchema.prefixItems) {
        paramsStyle = 'array';
      } else {
        paramsStyle = 'object';
        const required = new Set(asList(paramsSchema.required));
        params = Object.entries(asObject(paramsSchema.properties)).map(([wireName, schema]) => ({
          wireName,
          pyName: keywordSafe(snakeCase(wireName)),
          required: required.has(wireName),
          schema,
          description: String(this.deref(schema, location).description || ''),
          auth: policy.AUTH_PARAMS.has(wireName),
          decimal: policy.isDecimalParam(wireName),
        }));
      }
    }
    const schemeNames = asList(op.security).map((s) => {
      const requirement = asObject(s);
      return refs.isRef(requirement) ? refs.decodePointerSegment(String(requirement.$ref.split('/').pop()), location) : Object.keys(requirement)[0];
    });
    const security = policy.requestSecurity({
      method,
      securityExtension: op['x-binance-security-type'],
      schemeNames,
      wireNames: new Set(params.map((p) => p.wireName)),
    });
    const responseSchema = this.deref(this.schemas[responseSchemaName], `${location} reply payload`);
    const result = asObject(responseSchema.properties).result;
    return {
      method,
      pyName: snakeCase(method),
      summary: String(op.summary || op.title || ''),
      securityType: security.securityType,
      signed: security.signed,
      apiKey: security.apiKey,
      requestMessage,
      requestSchema: requestSchemaName,
      responseSchema: responseSchemaName,
      paramsStyle,
      params,
      channelMethod: op['x-channel-method'] ? String(op['x-channel-method']) : null,
      resultMayBeList: policy.resultMayBeList(result ? this.deref(result, `${location} reply payload/result`) : null, params),
    };
  }

  /**
   * Adds the operations Binance serves although the spec lacks them (binance-policy.js `impliedOperations`),
   * with their schemas and messages unless the spec has schemas or messages of those names.
   *
   * @param {IROperation[]} operations sorted again after the additions
   * @param {import('./ir-types').Product} product
   * @param {import('./ir-types').SpecKind} kind
   */
  addImpliedOperations(operations, product, kind) {
    for (const implied of policy.impliedOperations(product, kind)) {
      if (operations.some((op) => op.method === implied.method)) continue;
      const location = `binance-policy.js implied operation ${implied.method}`;
      for (const [part, role] of /** @type {const} */ ([[implied.request, 'request'], [implied.response, 'response']])) {
        if (!this.schemas[part.name]) {
          this.schemas[part.name] = part.schema;
          this.schemaLocations[part.name] = location;
        }
        if (!this.messages[part.name]) {
          this.messages[part.name] = {
            message: { id: part.name, name: part.name, title: '', summary: '', description: '', schema: part.name },
            role,
            extensions: {},
          };
        }
      }
      operations.push(this.operation({ summary: implied.summary }, implied.request.name, implied.request.name, implied.response.name, location));
    }
    operations.sort((a, b) => a.method.localeCompare(b.method));
  }

  /**
   * @param {ChannelRecord[]} channels
   * @returns {IREvent[]} sorted by message id
   */
  buildEvents(channels) {
    /** @type {IREvent[]} */
    const events = [];
    for (const record of Object.values(this.messages)) {
      if (record.role !== 'event') continue;
      const message = record.message;
      const location = `#/components/messages/${at(message.id)}`;
      const ext = record.extensions;
      /** @param {unknown} node @param {string} path */
      const deref = (node, path) => this.deref(node, `${location}/${path}`);
      const payload = deref(this.schemas[message.schema], 'payload');
      const props = asObject(payload.properties);
      const bodyKey = policy.envelopeBodyKey(props, (schema) => deref(schema, 'payload/properties'));
      const array = !bodyKey && schemaType(payload).includes('array');
      let body = payload;
      if (bodyKey) body = deref(props[bodyKey], `payload/properties/${at(bodyKey)}`);
      else if (array && payload.items && !Array.isArray(payload.items)) body = deref(payload.items, 'payload/items');
      const bodyProps = asObject(body.properties);
      const eSchema = bodyProps[policy.EVENT_TYPE_KEY] ? deref(bodyProps[policy.EVENT_TYPE_KEY], 'payload event type') : null;
      /** @type {string[]} */
      const wireTypes = [];
      if (eSchema && eSchema.const !== undefined) wireTypes.push(String(eSchema.const));
      else if (eSchema && Array.isArray(eSchema.enum)) wireTypes.push(...eSchema.enum.map(String));
      const channelKinds = channels.filter((c) => c.messageIds.includes(message.id)).map((c) => c.channel.kind);
      events.push({
        messageId: message.id,
        schema: message.schema,
        summary: message.summary || message.title || message.description,
        eventTypes: [...new Set([...wireTypes, ...asList(ext['x-event-type']).map(String)])],
        noEventType: Boolean(ext['x-no-event-type']) || !eSchema,
        envelope: bodyKey ? 'subscription' : null,
        bodyKey,
        array,
        requiredKeys: asList(body.required).map(String).sort(),
        streamPatterns: this.streamPatterns(ext, location),
        route: ext['x-stream-route'] ? String(ext['x-stream-route']) : null,
        channelKinds: Array.from(new Set(channelKinds)).sort(),
      });
    }
    return events.sort((a, b) => a.messageId.localeCompare(b.messageId));
  }

  /**
   * A message's `x-stream-pattern` templates with their `x-stream-params` and `x-stream-example`s.
   *
   * @param {RawNode} ext the message's extensions
   * @param {string} location
   * @returns {IRStreamPattern[]}
   */
  streamPatterns(ext, location) {
    const paramSchemas = asObject(ext['x-stream-params']);
    const examples = asList(ext['x-stream-example']);
    return asList(ext['x-stream-pattern']).map((raw, index) => {
      const template = String(raw);
      return {
        template,
        example: firstString(examples[index]) || String(examples[index] || ''),
        params: placeholders(template).map((name) => {
          const schema = paramSchemas[name] ? this.deref(paramSchemas[name], `${location}/x-stream-params/${at(name)}`) : {};
          return {
            name,
            pyName: keywordSafe(snakeCase(name)),
            enum: Array.isArray(schema.enum) ? schema.enum.map(String) : null,
            lowercase: policy.isLowercaseStreamParam(name),
          };
        }),
      };
    });
  }
}

/**
 * @param {unknown} doc the raw AsyncAPI document
 * @param {IROptions} [options]
 * @returns {IR}
 */
function buildIR(doc, options = {}) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new SpecError('the document is empty or not an object');
  return new IRBuilder(/** @type {RawNode} */ (doc), options).build();
}

// MODULE_KINDS is read from here by helpers/params.js.
module.exports = { buildIR, serverUrl, SpecError, MODULE_KINDS: policy.MODULE_KINDS };
