'use strict';

/**
 * buildModels(ir) -> ModelSet: every class and type alias that models.py will hold, with its fields, wire
 * aliases and documentation, plus the event routing table. Pure: reads the IR, returns plain data and lookups.
 *
 * Naming rules (stable across runs):
 * - component schema `fooBarResponse` -> class `FooBarResponse`; non-object component schemas (scalars,
 *   arrays, unions) become type aliases of the same name;
 * - an inline object becomes its own class named owner class + attribute name (`KlineEventKlineData`), array
 *   items add `Item`; a nested `event` object under an `...Event` class is named `...EventPayload`;
 * - every `rateLimits` item is the shared `RateLimit` class.
 */

const { pascalCase, attributeNames, uniqueName } = require('./naming');
const { pythonType, resolveSchema, refName, schemaType, isObjectWithProperties, unionOf } = require('./types');

// Names the generated module imports or defines itself; spec classes never take them.
const RESERVED_CLASS_NAMES = [
  'Any', 'Literal', 'TypeAlias', 'BaseModel', 'ConfigDict', 'Field', 'BinanceModel', 'EventRoute', 'EventRouter',
  'RoutedEvent', 'StreamPattern', 'ServerShutdownEvent', 'EVENT_ROUTER', 'parse_event',
  // structs.py
  'StructRouter', 'STRUCT_ROUTER',
];

const DEFAULT_RATE_LIMIT_SCHEMA = {
  type: 'object',
  description: 'One rate-limit counter reported with a WS API response.',
  required: ['rateLimitType', 'interval', 'intervalNum', 'limit', 'count'],
  properties: {
    rateLimitType: { type: 'string', description: 'Rate limit type: REQUEST_WEIGHT, ORDERS, ...', example: 'REQUEST_WEIGHT' },
    interval: { type: 'string', description: 'Interval unit: SECOND, MINUTE, DAY.', example: 'MINUTE' },
    intervalNum: { type: 'integer', description: 'Number of interval units in the window.', example: 1 },
    limit: { type: 'integer', description: 'Maximum allowed in the window.', example: 6000 },
    count: { type: 'integer', description: 'Current usage in the window.', example: 1 },
  },
};

const DEFAULT_ERROR_PAYLOAD_SCHEMA = {
  type: 'object',
  description: 'The error object of a failed request.',
  required: ['code', 'msg'],
  properties: {
    code: { type: 'integer', description: 'Binance error code.', example: -1121 },
    msg: { type: 'string', description: 'Error message.', example: 'Invalid symbol.' },
    data: { type: 'object', description: 'Extra details (retryAfter, partial results ...).' },
  },
};

const ENVELOPE_ID_TYPE = 'int | str | None';

function description(schema) {
  return schema && typeof schema.description === 'string' ? schema.description.trim() : '';
}

function eventTypeValues(schema, schemas) {
  const resolved = resolveSchema(schema, schemas);
  const e = resolved && resolved.properties ? resolveSchema(resolved.properties.e, schemas) : null;
  if (!e) return [];
  if (Object.prototype.hasOwnProperty.call(e, 'const')) return [String(e.const)];
  if (Array.isArray(e.enum)) return e.enum.map(String);
  return [];
}

function mergeObjectSchemas(list) {
  const properties = {};
  let required = null;
  for (const schema of list) {
    for (const [key, value] of Object.entries(schema.properties || {})) {
      if (!properties[key]) properties[key] = value;
    }
    const req = new Set(schema.required || []);
    required = required === null ? req : new Set([...required].filter((k) => req.has(k)));
  }
  return {
    type: 'object',
    description: (list.find((s) => description(s)) || {}).description || DEFAULT_RATE_LIMIT_SCHEMA.description,
    properties,
    required: [...(required || [])],
  };
}

/** Every inline `rateLimits` item schema anywhere under `root` (object identity is what matters). */
function collectRateLimitItems(root, found, seen = new Set()) {
  if (!root || typeof root !== 'object' || seen.has(root)) return;
  seen.add(root);
  if (Array.isArray(root)) {
    for (const item of root) collectRateLimitItems(item, found, seen);
    return;
  }
  const rl = root.properties && root.properties.rateLimits;
  if (rl && rl.items && !refName(rl.items) && isObjectWithProperties(rl.items)) found.push(rl.items);
  for (const value of Object.values(root)) collectRateLimitItems(value, found, seen);
}

function operationMethod(op) {
  return typeof op === 'string' ? op : op && op.method;
}

/**
 * @param {object} ir the intermediate model (see docs/DESIGN.md); uses schemas, messages, operations, events,
 *   errorSchema, combinedWrapper
 * @returns {object} ModelSet
 */
function buildModels(ir) {
  const schemas = ir.schemas || {};
  const schemaNames = Object.keys(schemas).sort();
  const taken = new Set(RESERVED_CLASS_NAMES);
  const classes = new Map(); // class name -> class record
  const aliases = new Map(); // alias name -> alias record
  const bySchema = {};
  const inlineClassOf = new Map(); // inline schema object -> class name

  // Shared RateLimit class: the `rateLimit` component (if any) merged with every inline rateLimits item.
  const rateLimitItems = [];
  collectRateLimitItems(schemas, rateLimitItems);
  const rateLimitComponent = schemaNames.find((n) => pascalCase(n) === 'RateLimit' && isObjectWithProperties(schemas[n]));
  const rateLimitSources = [...(rateLimitComponent ? [schemas[rateLimitComponent]] : []), ...rateLimitItems];
  const rateLimitSchema = rateLimitSources.length ? mergeObjectSchemas(rateLimitSources) : DEFAULT_RATE_LIMIT_SCHEMA;
  const rateLimitClass = uniqueName('RateLimit', taken);
  for (const item of rateLimitItems) inlineClassOf.set(item, rateLimitClass);

  // Names of component schemas first, in sorted order, so nested classes never steal them.
  for (const name of schemaNames) {
    if (name === rateLimitComponent) {
      bySchema[name] = rateLimitClass;
      continue;
    }
    bySchema[name] = uniqueName(pascalCase(name) || 'Schema', taken);
  }

  const classForRef = (name) => {
    const target = schemas[name];
    return target && isObjectWithProperties(target) ? bySchema[name] : null;
  };

  function defineClass(className, schema, origin) {
    const record = { name: className, origin, doc: description(schema), fields: [], schema };
    classes.set(className, record);
    const props = Object.entries(schema.properties || {});
    const attrs = attributeNames(props.map(([wire, s]) => [wire, resolveSchema(s, schemas) === s ? s : { ...resolveSchema(s, schemas), ...s }]));
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    for (const [wire, propSchema] of props) {
      const attr = attrs.get(wire);
      const type = pythonType(propSchema || {}, {
        schemas,
        classForRef,
        classForInline: (inline, path) => inlineClass(inline, className, path),
        path: [attr],
      });
      record.fields.push({
        attr,
        alias: wire,
        type,
        required: required.has(wire),
        doc: description(propSchema) || description(resolveSchema(propSchema, schemas)),
        schema: propSchema,
      });
    }
    return record;
  }

  function inlineClass(schema, ownerClass, path) {
    if (inlineClassOf.has(schema)) return inlineClassOf.get(schema);
    const suffix = path.map((p) => pascalCase(p)).join('');
    let name = `${ownerClass}${suffix}`;
    if (path.length === 1 && ownerClass.endsWith(suffix)) name = `${ownerClass}Payload`;
    name = uniqueName(name, taken);
    inlineClassOf.set(schema, name);
    defineClass(name, schema, { kind: 'inline', owner: ownerClass, path });
    return name;
  }

  defineClass(rateLimitClass, rateLimitSchema, { kind: rateLimitComponent ? 'schema' : 'rateLimit', schema: rateLimitComponent || null });
  for (const name of schemaNames) {
    if (name === rateLimitComponent) continue;
    const schema = schemas[name];
    if (isObjectWithProperties(schema)) {
      defineClass(bySchema[name], schema, { kind: 'schema', schema: name });
    } else {
      const type = pythonType(schema, {
        schemas,
        classForRef,
        classForInline: (inline, path) => inlineClass(inline, bySchema[name], path),
        path: [],
      });
      aliases.set(bySchema[name], { name: bySchema[name], type, doc: description(schema), origin: { kind: 'schema', schema: name } });
    }
  }

  // The error payload `{code, msg}`: taken from the spec's error envelope, else a generic one.
  const errorSchemaName = ir.errorSchema || null;
  const errorEnvelopeClass = errorSchemaName && classForRef(errorSchemaName);
  let errorPayloadClass = null;
  if (errorEnvelopeClass) {
    const errorField = classes.get(errorEnvelopeClass).fields.find((f) => f.alias === 'error');
    if (errorField && classes.has(errorField.type.replace(/ \| None$/, ''))) errorPayloadClass = errorField.type.replace(/ \| None$/, '');
    for (const f of classes.get(errorEnvelopeClass).fields) if (f.alias === 'id') f.type = ENVELOPE_ID_TYPE;
  }
  if (!errorPayloadClass) {
    errorPayloadClass = uniqueName('ErrorPayload', taken);
    defineClass(errorPayloadClass, DEFAULT_ERROR_PAYLOAD_SCHEMA, { kind: 'generic' });
  }

  // Every response model carries the whole WS API envelope, whatever the spec listed.
  const responses = {};
  const operations = ir.operations || [];
  const envelopeFields = (record) => {
    const has = (alias) => record.fields.some((f) => f.alias === alias);
    const add = (attr, alias, type, doc) => record.fields.push({ attr, alias, type, required: false, doc, added: true });
    for (const f of record.fields) if (f.alias === 'id') f.type = ENVELOPE_ID_TYPE;
    if (!has('id')) add('id', 'id', ENVELOPE_ID_TYPE, 'Request id echoed by the server.');
    if (!has('status')) add('status', 'status', 'int', 'HTTP-like status code of the reply.');
    if (!has('result')) add('result', 'result', 'Any', 'Result of the request.');
    if (!has('rateLimits')) add('rate_limits', 'rateLimits', `list[${rateLimitClass}]`, 'Rate-limit usage after this request.');
    if (!has('error')) add('error', 'error', errorPayloadClass, 'Error details when the request failed.');
    const usedAttrs = new Map();
    for (const f of record.fields) {
      if (usedAttrs.has(f.attr)) f.attr = `${f.attr}_${usedAttrs.get(f.attr)}`;
      usedAttrs.set(f.attr, (usedAttrs.get(f.attr) || 1) + 1);
    }
  };
  const envelopeDone = new Set();
  for (const op of operations) {
    const cls = op.responseSchema ? classForRef(op.responseSchema) : null;
    if (!cls) continue;
    const record = classes.get(cls);
    if (!envelopeDone.has(cls)) {
      envelopeFields(record);
      envelopeDone.add(cls);
    }
    if (op.resultMayBeList) {
      const result = record.fields.find((f) => f.alias === 'result');
      if (result && !result.type.startsWith('list[')) {
        result.type = unionOf([result.type, `list[${result.type}]`]);
        result.mayBeList = true;
      }
    }
    responses[op.method] = cls;
  }

  // The combined wrapper's `data` is one of the declared events, tried in order; a payload that fits none
  // (the spec's own wrapper examples abbreviate events) stays plain JSON instead of failing the frame.
  // EVENT_ROUTER, which picks the model by stream name, is the typed way in.
  const wrapper = ir.combinedWrapper;
  const wrapperClass = wrapper && wrapper.schema ? classForRef(wrapper.schema) : null;
  if (wrapperClass) {
    const data = classes.get(wrapperClass).fields.find((f) => f.alias === (wrapper.dataKey || 'data'));
    if (data && data.type !== 'Any') {
      data.type = unionOf([data.type, 'dict[str, Any]', 'list[Any]']);
      data.unionMode = 'left_to_right';
    }
  }

  // Generic envelope for replies whose operation is unknown to the spec.
  const apiResponseClass = uniqueName('ApiResponse', taken);
  const apiResponse = {
    name: apiResponseClass,
    origin: { kind: 'generic' },
    doc: 'Any WS API reply: id, status, result (untyped here), rate limits and error.',
    fields: [],
  };
  envelopeFields(apiResponse);
  classes.set(apiResponseClass, apiResponse);

  const messages = ir.messages || {};
  const byMessage = {};
  for (const [id, message] of Object.entries(messages)) {
    if (message && message.schema && bySchema[message.schema]) byMessage[id] = bySchema[message.schema];
  }

  const classOfSchemaObject = (schema) => {
    const ref = refName(schema);
    if (ref) return classForRef(ref);
    return inlineClassOf.get(schema) || null;
  };
  const events = buildEventRoutes(ir, schemas, bySchema, byMessage, classOfSchemaObject);

  return {
    classes: [...classes.values()],
    aliases: [...aliases.values()],
    rateLimitClass,
    errorPayloadClass,
    errorEnvelopeClass: errorEnvelopeClass || null,
    apiResponseClass,
    bySchema,
    byMessage,
    responses,
    events,
    combinedWrapper: ir.combinedWrapper || null,
    classForSchema: (name) => bySchema[name] || null,
    classForMessage: (messageId) => byMessage[messageId] || null,
    responseClass: (op) => responses[operationMethod(op)] || apiResponseClass,
    classNamed: (name) => classes.get(name) || null,
  };
}

function buildEventRoutes(ir, schemas, bySchema, byMessage, classOfSchemaObject) {
  const wrapperId = ir.combinedWrapper && ir.combinedWrapper.messageId;
  const routes = [];
  for (const event of ir.events || []) {
    if (event.messageId === wrapperId) continue;
    const schemaName = event.schema;
    const payload = resolveSchema({ $ref: `#/components/schemas/${schemaName}` }, schemas);
    let array = Boolean(event.array) || schemaType(payload).includes('array');
    let itemSchema = payload;
    let modelClass = byMessage[event.messageId] || bySchema[schemaName];
    if (array) {
      const itemRef = payload.items && refName(payload.items);
      itemSchema = resolveSchema(payload.items || {}, schemas);
      modelClass = itemRef && isObjectWithProperties(schemas[itemRef]) ? bySchema[itemRef] : null;
      if (!modelClass) array = false;
    }
    let envelope = event.envelope || null;
    let inner = itemSchema;
    const eventProp = itemSchema.properties && itemSchema.properties.event;
    if (!envelope && !array && eventProp && !(itemSchema.properties || {}).e && isObjectWithProperties(resolveSchema(eventProp, schemas))) {
      envelope = 'subscription';
    }
    const wrapperClass = envelope === 'subscription' ? modelClass : null;
    if (envelope === 'subscription' && eventProp) {
      inner = resolveSchema(eventProp, schemas);
      modelClass = classOfSchemaObject(eventProp);
    }
    if (!modelClass) continue;
    const eventTypes = [...new Set([...eventTypeValues(inner, schemas), ...(event.eventTypes || []).map(String)])];
    const required = Array.isArray(inner.required) ? inner.required : [];
    routes.push({
      messageId: event.messageId,
      schema: schemaName,
      modelClass,
      wrapperClass,
      envelope,
      array,
      eventTypes,
      noEventType: Boolean(event.noEventType) || !(inner.properties && inner.properties.e),
      requiredKeys: [...required].sort(),
      keys: Object.keys(inner.properties || {}).sort(),
      streamPatterns: (event.streamPatterns || []).map((p) => ({
        template: p.template,
        params: (p.params || []).map((param) => ({
          name: param.name,
          values: Array.isArray(param.enum) ? param.enum.map(String) : enumOf(param.schema, schemas),
        })),
        example: p.example || null,
      })),
    });
  }
  return routes;
}

function enumOf(schema, schemas) {
  const resolved = resolveSchema(schema || {}, schemas);
  return Array.isArray(resolved.enum) ? resolved.enum.map(String) : null;
}

const modelSetCache = new WeakMap();

/** buildModels, once per IR object: every file of a package needs the same class names. */
function modelsFor(ir) {
  if (!modelSetCache.has(ir)) modelSetCache.set(ir, buildModels(ir));
  return modelSetCache.get(ir);
}

module.exports = { buildModels, modelsFor, RESERVED_CLASS_NAMES };
