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
const { pythonType, isObjectWithProperties, unionOf } = require('./types');
const { resolveSchema, schemaRef, schemaRefName } = require('./refs');

/** @typedef {import('./ir-types').IR} IR */
/** @typedef {import('./ir-types').IREvent} IREvent */
/** @typedef {import('./ir-types').IROperation} IROperation */
/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

/**
 * One attribute of a model class.
 *
 * @typedef {object} ModelField
 * @property {string} attr Python attribute name
 * @property {string} alias wire name
 * @property {string} type Python type (without the `| None` of an optional field)
 * @property {boolean} required
 * @property {string} doc
 * @property {string} [unionMode] pydantic `union_mode` of the field
 */

/**
 * Where a class comes from.
 *
 * @typedef {{kind: 'schema', schema: string | null}
 *   | {kind: 'inline', owner: string, path: string[]}
 *   | {kind: 'rateLimit'}
 *   | {kind: 'generic'}} ClassOrigin
 */

/**
 * @typedef {object} ModelClass
 * @property {string} name
 * @property {ClassOrigin} origin
 * @property {string} doc
 * @property {ModelField[]} fields in spec order
 */

/**
 * A `Name: TypeAlias = type` for a component schema that is not an object with properties.
 *
 * @typedef {object} ModelAlias
 * @property {string} name
 * @property {string} type
 * @property {string} doc
 * @property {ClassOrigin} origin
 */

/**
 * @typedef {object} RouteStreamPattern
 * @property {string} template
 * @property {Array<{name: string, values: string[] | null}>} params
 * @property {string | null} example
 */

/**
 * How EVENT_ROUTER recognizes one event and which model it decodes to (one per IR event that has a model).
 *
 * @typedef {object} EventRoute
 * @property {string} messageId
 * @property {string} schema the payload's name in IR.schemas
 * @property {string} modelClass the class of the event itself (the envelope's body, the array's item)
 * @property {'subscription' | null} envelope
 * @property {boolean} array
 * @property {string[]} eventTypes
 * @property {boolean} noEventType
 * @property {string[]} requiredKeys
 * @property {RouteStreamPattern[]} streamPatterns
 */

/**
 * Every class and type alias of models.py, and the lookups the renderers need.
 *
 * @typedef {object} ModelSet
 * @property {ModelClass[]} classes
 * @property {ModelAlias[]} aliases
 * @property {string} apiResponseClass the envelope of replies to methods the spec does not know
 * @property {Record<string, string>} bySchema schema name -> class or alias name
 * @property {Record<string, string>} byMessage message id -> class or alias name of its payload
 * @property {Record<string, string>} responses wire method -> response class
 * @property {EventRoute[]} events
 * @property {(name: string) => string | null} classForSchema
 * @property {(op: IROperation | string) => string} responseClass the response class of an operation or method
 * @property {(name: string) => ModelClass | null} classNamed
 */

// Names the generated module imports or defines itself; spec classes never take them.
const RESERVED_CLASS_NAMES = [
  'Any', 'Literal', 'TypeAlias', 'BaseModel', 'ConfigDict', 'Field', 'BinanceModel', 'EventRoute', 'EventRouter',
  'RoutedEvent', 'StreamPattern', 'ServerShutdownEvent', 'EVENT_ROUTER', 'parse_event',
  // structs.py
  'StructRouter', 'STRUCT_ROUTER',
];

/** @type {JsonSchema} */
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

/** @type {JsonSchema} */
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

/**
 * @param {JsonSchema | null | undefined} schema
 * @returns {string} its description, trimmed
 */
function description(schema) {
  return schema && typeof schema.description === 'string' ? schema.description.trim() : '';
}

/**
 * One object schema with every property of `list` (first wins) and the properties all of them require.
 *
 * @param {JsonSchema[]} list
 * @returns {JsonSchema}
 */
function mergeObjectSchemas(list) {
  /** @type {Record<string, JsonSchema>} */
  const properties = {};
  /** @type {string[] | null} */
  let required = null;
  for (const schema of list) {
    for (const [key, value] of Object.entries(schema.properties || {})) {
      if (!properties[key]) properties[key] = value;
    }
    const req = new Set(schema.required || []);
    required = required === null ? [...req] : required.filter((k) => req.has(k));
  }
  return {
    type: 'object',
    description: description(list.find((s) => description(s))) || DEFAULT_RATE_LIMIT_SCHEMA.description,
    properties,
    required: required || [],
  };
}

/**
 * Every inline `rateLimits` item schema anywhere under `root` (object identity is what matters).
 *
 * @param {unknown} root
 * @param {JsonSchema[]} found
 * @param {Set<unknown>} [seen]
 */
function collectRateLimitItems(root, found, seen = new Set()) {
  if (!root || typeof root !== 'object' || seen.has(root)) return;
  seen.add(root);
  if (Array.isArray(root)) {
    for (const item of root) collectRateLimitItems(item, found, seen);
    return;
  }
  const node = /** @type {JsonSchema} */ (root);
  const rl = node.properties && node.properties.rateLimits;
  const items = rl && rl.items;
  if (items && !Array.isArray(items) && !schemaRefName(items) && isObjectWithProperties(items)) found.push(items);
  for (const value of Object.values(root)) collectRateLimitItems(value, found, seen);
}

/**
 * @param {IROperation | string} op
 * @returns {string}
 */
function operationMethod(op) {
  return typeof op === 'string' ? op : op.method;
}

/**
 * Every class and type alias of models.py, from the IR.
 *
 * @param {IR} ir
 * @returns {ModelSet}
 */
function buildModels(ir) {
  const schemas = ir.schemas;
  const schemaNames = Object.keys(schemas).sort();
  const taken = new Set(RESERVED_CLASS_NAMES);
  /** @type {Map<string, ModelClass>} */
  const classes = new Map();
  /** @type {Map<string, ModelAlias>} */
  const aliases = new Map();
  /** @type {Record<string, string>} */
  const bySchema = {};
  /** @type {Map<JsonSchema, string>} inline schema object -> class name */
  const inlineClassOf = new Map();

  // Shared RateLimit class: the `rateLimit` component (if any) merged with every inline rateLimits item.
  /** @type {JsonSchema[]} */
  const rateLimitItems = [];
  collectRateLimitItems(schemas, rateLimitItems);
  const rateLimitComponent = schemaNames.find((n) => pascalCase(n) === 'RateLimit' && isObjectWithProperties(schemas[n]));
  const rateLimitSources = [...(rateLimitComponent ? [schemas[rateLimitComponent]] : []), ...rateLimitItems];
  const rateLimitSchema = rateLimitSources.length ? mergeObjectSchemas(rateLimitSources) : DEFAULT_RATE_LIMIT_SCHEMA;
  const rateLimitClass = uniqueName('RateLimit', taken);
  for (const item of rateLimitItems) inlineClassOf.set(item, rateLimitClass);

  // Names of component schemas first, in sorted order, so nested classes never steal them.
  for (const name of schemaNames) {
    bySchema[name] = name === rateLimitComponent ? rateLimitClass : uniqueName(pascalCase(name) || 'Schema', taken);
  }

  /** @param {string} name @returns {string | null} the class of a referenced component schema */
  const classForRef = (name) => (isObjectWithProperties(schemas[name]) ? bySchema[name] : null);

  /**
   * @param {string} className
   * @param {JsonSchema} schema
   * @param {ClassOrigin} origin
   * @returns {ModelClass}
   */
  function defineClass(className, schema, origin) {
    /** @type {ModelClass} */
    const record = { name: className, origin, doc: description(schema), fields: [] };
    classes.set(className, record);
    const props = Object.entries(schema.properties || {});
    const attrs = attributeNames(props.map(([wire, s]) => {
      const resolved = resolveSchema(s, schemas);
      return [wire, resolved === s ? s : { ...resolved, ...s }];
    }));
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    for (const [wire, propSchema] of props) {
      const attr = /** @type {string} */ (attrs.get(wire));
      const type = pythonType(propSchema, {
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
      });
    }
    return record;
  }

  /**
   * @param {JsonSchema} schema an inline object schema
   * @param {string} ownerClass
   * @param {string[]} path attribute names from the owner down
   * @returns {string} its class, defined on first use
   */
  function inlineClass(schema, ownerClass, path) {
    const known = inlineClassOf.get(schema);
    if (known) return known;
    const suffix = path.map((p) => pascalCase(p)).join('');
    let name = `${ownerClass}${suffix}`;
    if (path.length === 1 && ownerClass.endsWith(suffix)) name = `${ownerClass}Payload`;
    name = uniqueName(name, taken);
    inlineClassOf.set(schema, name);
    defineClass(name, schema, { kind: 'inline', owner: ownerClass, path });
    return name;
  }

  defineClass(rateLimitClass, rateLimitSchema, rateLimitComponent ? { kind: 'schema', schema: rateLimitComponent } : { kind: 'rateLimit' });
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

  /** @param {string} name @returns {ModelClass} a class defined above */
  const classRecord = (name) => /** @type {ModelClass} */ (classes.get(name));

  // The error payload `{code, msg}`: taken from the spec's error envelope, else a generic one.
  const errorEnvelopeClass = ir.errorSchema ? classForRef(ir.errorSchema) : null;
  let errorPayloadClass = null;
  if (errorEnvelopeClass) {
    const errorField = classRecord(errorEnvelopeClass).fields.find((f) => f.alias === 'error');
    const errorType = errorField ? errorField.type.replace(/ \| None$/, '') : '';
    if (classes.has(errorType)) errorPayloadClass = errorType;
    for (const f of classRecord(errorEnvelopeClass).fields) if (f.alias === 'id') f.type = ENVELOPE_ID_TYPE;
  }
  if (!errorPayloadClass) {
    errorPayloadClass = uniqueName('ErrorPayload', taken);
    defineClass(errorPayloadClass, DEFAULT_ERROR_PAYLOAD_SCHEMA, { kind: 'generic' });
  }

  // Every response model carries the whole WS API envelope, whatever the spec listed.
  /** @param {ModelClass} record */
  const envelopeFields = (record) => {
    /** @param {string} alias */
    const has = (alias) => record.fields.some((f) => f.alias === alias);
    /** @param {string} attr @param {string} alias @param {string} type @param {string} doc */
    const add = (attr, alias, type, doc) => record.fields.push({ attr, alias, type, required: false, doc });
    for (const f of record.fields) if (f.alias === 'id') f.type = ENVELOPE_ID_TYPE;
    if (!has('id')) add('id', 'id', ENVELOPE_ID_TYPE, 'Request id echoed by the server.');
    if (!has('status')) add('status', 'status', 'int', 'HTTP-like status code of the reply.');
    if (!has('result')) add('result', 'result', 'Any', 'Result of the request.');
    if (!has('rateLimits')) add('rate_limits', 'rateLimits', `list[${rateLimitClass}]`, 'Rate-limit usage after this request.');
    if (!has('error')) add('error', 'error', /** @type {string} */ (errorPayloadClass), 'Error details when the request failed.');
    /** @type {Map<string, number>} */
    const usedAttrs = new Map();
    for (const f of record.fields) {
      const count = usedAttrs.get(f.attr);
      if (count) f.attr = `${f.attr}_${count}`;
      usedAttrs.set(f.attr, (usedAttrs.get(f.attr) || 1) + 1);
    }
  };
  /** @type {Record<string, string>} */
  const responses = {};
  const envelopeDone = new Set();
  for (const op of ir.operations) {
    const cls = classForRef(op.responseSchema);
    if (!cls) continue;
    const record = classRecord(cls);
    if (!envelopeDone.has(cls)) {
      envelopeFields(record);
      envelopeDone.add(cls);
    }
    if (op.resultMayBeList) {
      const result = record.fields.find((f) => f.alias === 'result');
      if (result && !result.type.startsWith('list[')) result.type = unionOf([result.type, `list[${result.type}]`]);
    }
    responses[op.method] = cls;
  }

  // The combined wrapper's `data` is one of the declared events, tried in order; a payload that fits none
  // (the spec's own wrapper examples abbreviate events) stays plain JSON instead of failing the frame.
  // EVENT_ROUTER, which picks the model by stream name, is the typed way in.
  const wrapper = ir.combinedWrapper;
  const wrapperClass = wrapper ? classForRef(wrapper.schema) : null;
  if (wrapper && wrapperClass) {
    const data = classRecord(wrapperClass).fields.find((f) => f.alias === wrapper.dataKey);
    if (data && data.type !== 'Any') {
      data.type = unionOf([data.type, 'dict[str, Any]', 'list[Any]']);
      data.unionMode = 'left_to_right';
    }
  }

  // Generic envelope for replies whose operation is unknown to the spec.
  const apiResponseClass = uniqueName('ApiResponse', taken);
  /** @type {ModelClass} */
  const apiResponse = {
    name: apiResponseClass,
    origin: { kind: 'generic' },
    doc: 'Any WS API reply: id, status, result (untyped here), rate limits and error.',
    fields: [],
  };
  envelopeFields(apiResponse);
  classes.set(apiResponseClass, apiResponse);

  /** @type {Record<string, string>} */
  const byMessage = {};
  for (const [id, message] of Object.entries(ir.messages)) {
    if (bySchema[message.schema]) byMessage[id] = bySchema[message.schema];
  }

  /** @param {JsonSchema | undefined} schema @returns {string | null} the class of a property's schema */
  const classOfSchemaObject = (schema) => {
    if (!schema) return null;
    const name = schemaRefName(schema);
    if (name) return classForRef(name);
    return inlineClassOf.get(schema) || null;
  };

  return {
    classes: [...classes.values()],
    aliases: [...aliases.values()],
    apiResponseClass,
    bySchema,
    byMessage,
    responses,
    events: buildEventRoutes(ir, bySchema, byMessage, classOfSchemaObject),
    classForSchema: (name) => bySchema[name] || null,
    responseClass: (op) => responses[operationMethod(op)] || apiResponseClass,
    classNamed: (name) => classes.get(name) || null,
  };
}

/**
 * The routes of EVENT_ROUTER: one per IR event whose event object has a model class.
 *
 * @param {IR} ir
 * @param {Record<string, string>} bySchema
 * @param {Record<string, string>} byMessage
 * @param {(schema: JsonSchema | undefined) => string | null} classOfSchemaObject
 * @returns {EventRoute[]}
 */
function buildEventRoutes(ir, bySchema, byMessage, classOfSchemaObject) {
  /** @type {EventRoute[]} */
  const routes = [];
  for (const event of ir.events) {
    const payload = resolveSchema(schemaRef(event.schema), ir.schemas);
    /** @type {string | null} */
    let modelClass = byMessage[event.messageId] || bySchema[event.schema];
    if (event.array) {
      // An array's items have a class when they are a component object schema (or an inline object).
      modelClass = payload.items && !Array.isArray(payload.items) ? classOfSchemaObject(payload.items) : null;
    } else if (event.bodyKey) {
      modelClass = classOfSchemaObject((payload.properties || {})[event.bodyKey]);
    }
    if (!modelClass) continue;
    routes.push({
      messageId: event.messageId,
      schema: event.schema,
      modelClass,
      envelope: event.envelope,
      array: event.array,
      eventTypes: event.eventTypes,
      noEventType: event.noEventType,
      requiredKeys: event.requiredKeys,
      streamPatterns: event.streamPatterns.map((p) => ({
        template: p.template,
        params: p.params.map((param) => ({ name: param.name, values: param.enum })),
        example: p.example || null,
      })),
    });
  }
  return routes;
}

/**
 * Routes with the same model, shape and envelope are one route with all their stream patterns and event types.
 *
 * @param {ModelSet} models
 * @returns {EventRoute[]}
 */
function mergedRoutes(models) {
  /** @type {Map<string, EventRoute>} */
  const merged = new Map();
  for (const route of models.events) {
    const key = `${route.modelClass}|${route.array}|${route.envelope}`;
    const target = merged.get(key);
    if (!target) {
      merged.set(key, { ...route, streamPatterns: [...route.streamPatterns], eventTypes: [...route.eventTypes] });
      continue;
    }
    for (const p of route.streamPatterns) if (!target.streamPatterns.some((q) => q.template === p.template)) target.streamPatterns.push(p);
    for (const t of route.eventTypes) if (!target.eventTypes.includes(t)) target.eventTypes.push(t);
  }
  return [...merged.values()];
}

/** @type {WeakMap<IR, ModelSet>} */
const modelSetCache = new WeakMap();

/**
 * buildModels, once per IR object: every file of a package needs the same class names.
 *
 * @param {IR} ir
 * @returns {ModelSet}
 */
function modelsFor(ir) {
  let models = modelSetCache.get(ir);
  if (!models) {
    models = buildModels(ir);
    modelSetCache.set(ir, models);
  }
  return models;
}

module.exports = { buildModels, modelsFor, mergedRoutes };
