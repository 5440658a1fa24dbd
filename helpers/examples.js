'use strict';

/**
 * Deterministic JSON examples built from a schema: the schema's own `example`/`examples` when they are valid,
 * else one assembled from the field examples, `const`, `enum` and type defaults. Used for the generated
 * package's tests, the mock server's replies and README snippets.
 */

const { schemaType } = require('./types');
const { followSchema } = require('./refs');

/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

const MAX_DEPTH = 12;

/**
 * @param {unknown} value
 * @returns {value is number}
 */
const isInteger = (value) => Number.isInteger(value);

/**
 * @param {unknown} value a JSON value
 * @returns {any} a deep copy
 */
function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Follows a schema's `$ref`s; a `$ref` already entered on the way here (a recursive schema) resolves to `{}`.
 *
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @param {Set<string>} seen the `$ref`s entered so far
 * @returns {{schema: JsonSchema, seen: Set<string>}} the schema, and the `$ref`s entered including its own
 */
function resolve(schema, schemas, seen) {
  const followed = followSchema(schema, schemas);
  if (followed.refs.some((ref) => seen.has(ref))) return { schema: {}, seen };
  return { schema: followed.schema, seen: followed.refs.length ? new Set([...seen, ...followed.refs]) : seen };
}

/**
 * The schema's own examples, first `example` then each of `examples`.
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
 * @param {unknown} value
 * @param {unknown[]} allowed
 * @returns {boolean}
 */
function enumMatches(value, allowed) {
  return allowed.some((a) => a === value || (a !== null && typeof value === 'string' && String(a) === value));
}

/**
 * Whether `value` satisfies `schema` for the JSON-Schema subset the Binance specs use (type, const, enum,
 * oneOf/anyOf, properties + required, items, minItems/maxItems, $ref). Unknown properties are allowed.
 */
/**
 * @param {unknown} value
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @param {Set<string>} [seen]
 * @param {number} [depth]
 * @returns {boolean}
 */
function validates(value, schema, schemas, seen = new Set(), depth = 0) {
  if (depth > MAX_DEPTH * 2) return true;
  const r = resolve(schema, schemas, seen);
  const s = r.schema;
  if (Object.prototype.hasOwnProperty.call(s, 'const') && JSON.stringify(value) !== JSON.stringify(s.const)) return false;
  if (Array.isArray(s.enum) && !enumMatches(value, s.enum)) return false;
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants) && !variants.some((v) => validates(value, v, schemas, r.seen, depth + 1))) return false;
  const types = schemaType(s);
  if (types.length && !types.some((t) => hasType(value, t))) return false;
  if (Array.isArray(value)) {
    if (isInteger(s.minItems) && value.length < s.minItems) return false;
    if (isInteger(s.maxItems) && value.length > s.maxItems) return false;
    const items = s.items;
    if (items && !Array.isArray(items)) return value.every((v) => validates(v, items, schemas, r.seen, depth + 1));
    return true;
  }
  if (value && typeof value === 'object') {
    const object = /** @type {Record<string, unknown>} */ (value);
    for (const key of s.required || []) if (!Object.prototype.hasOwnProperty.call(object, key)) return false;
    for (const [key, sub] of Object.entries(s.properties || {})) {
      if (Object.prototype.hasOwnProperty.call(object, key) && !validates(object[key], sub, schemas, r.seen, depth + 1)) return false;
    }
  }
  return true;
}

/**
 * @param {unknown} value
 * @param {string} type a JSON Schema type
 * @returns {boolean}
 */
function hasType(value, type) {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * A JSON example for `schema`, following `$ref`s into `schemas`.
 *
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} [schemas] component schemas
 * @returns {any} a JSON value (deterministic for a given schema)
 */
function exampleFor(schema, schemas = {}) {
  return build(schema, schemas, new Set(), 0);
}

/**
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @param {Set<string>} seen
 * @param {number} depth
 * @returns {any}
 */
function build(schema, schemas, seen, depth) {
  const r = resolve(schema, schemas, seen);
  const s = r.schema;
  for (const candidate of ownExamples(s)) {
    if (candidate !== undefined && validates(candidate, s, schemas, r.seen)) return clone(candidate);
  }
  if (Object.prototype.hasOwnProperty.call(s, 'const')) return clone(s.const);
  const types = schemaType(s);
  if (Array.isArray(s.enum) && s.enum.length) {
    const first = s.enum[0];
    return types.includes('string') && typeof first !== 'string' && first !== null ? String(first) : clone(first);
  }
  const variants = s.oneOf || s.anyOf;
  if (Array.isArray(variants) && variants.length) {
    const chosen = variants.find((v) => !schemaType(resolve(v, schemas, r.seen).schema).includes('null')) || variants[0];
    return build(chosen, schemas, r.seen, depth + 1);
  }
  if (depth > MAX_DEPTH) return null;
  const type = types.find((t) => t !== 'null') || types[0];
  switch (type) {
    case 'object': {
      /** @type {Record<string, unknown>} */
      const out = {};
      for (const [key, sub] of Object.entries(s.properties || {})) out[key] = build(sub, schemas, r.seen, depth + 1);
      return out;
    }
    case 'array': {
      const items = s.items;
      if (Array.isArray(items)) return items.map((it) => build(it, schemas, r.seen, depth + 1));
      const count = isInteger(s.minItems) && s.minItems > 0 ? s.minItems : 1;
      return Array.from({ length: count }, () => (items ? build(items, schemas, r.seen, depth + 1) : null));
    }
    case 'integer':
      return isInteger(s.minimum) ? s.minimum : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1.5;
    case 'string':
      return 'string';
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

module.exports = { exampleFor, validates };
