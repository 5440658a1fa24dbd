'use strict';

/**
 * Deterministic JSON examples built from a schema: the schema's own `example`/`examples` when they are valid,
 * else one assembled from the field examples, `const`, `enum` and type defaults. Used for the generated
 * package's tests, the mock server's replies and README snippets.
 */

const { refName, schemaType } = require('./types');

const MAX_DEPTH = 12;

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function resolve(schema, schemas, seen) {
  let current = schema || {};
  while (refName(current)) {
    const name = refName(current);
    if (seen.has(name)) return { schema: {}, seen };
    seen = new Set(seen).add(name);
    current = (schemas || {})[name] || {};
  }
  return { schema: current, seen };
}

/** The schema's own examples, first `example` then each of `examples`. */
function ownExamples(schema) {
  const out = [];
  if (Object.prototype.hasOwnProperty.call(schema, 'example')) out.push(schema.example);
  if (Array.isArray(schema.examples)) out.push(...schema.examples);
  return out;
}

function enumMatches(value, allowed) {
  return allowed.some((a) => a === value || (a !== null && typeof value === 'string' && String(a) === value));
}

/**
 * Whether `value` satisfies `schema` for the JSON-Schema subset the Binance specs use (type, const, enum,
 * oneOf/anyOf, properties + required, items, minItems/maxItems, $ref). Unknown properties are allowed.
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
    if (Number.isInteger(s.minItems) && value.length < s.minItems) return false;
    if (Number.isInteger(s.maxItems) && value.length > s.maxItems) return false;
    if (s.items && !Array.isArray(s.items)) return value.every((v) => validates(v, s.items, schemas, r.seen, depth + 1));
    return true;
  }
  if (value && typeof value === 'object') {
    for (const key of s.required || []) if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    for (const [key, sub] of Object.entries(s.properties || {})) {
      if (Object.prototype.hasOwnProperty.call(value, key) && !validates(value[key], sub, schemas, r.seen, depth + 1)) return false;
    }
  }
  return true;
}

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
 * @param {object} schema
 * @param {object} [schemas] component schemas
 * @returns {*} a JSON value (deterministic for a given schema)
 */
function exampleFor(schema, schemas = {}) {
  return build(schema, schemas, new Set(), 0);
}

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
      const out = {};
      for (const [key, sub] of Object.entries(s.properties || {})) out[key] = build(sub, schemas, r.seen, depth + 1);
      return out;
    }
    case 'array': {
      if (Array.isArray(s.items)) return s.items.map((it) => build(it, schemas, r.seen, depth + 1));
      const count = Number.isInteger(s.minItems) && s.minItems > 0 ? s.minItems : 1;
      return Array.from({ length: count }, () => (s.items ? build(s.items, schemas, r.seen, depth + 1) : null));
    }
    case 'integer':
      return Number.isInteger(s.minimum) ? s.minimum : 1;
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

/**
 * The spec's field-level examples that do not satisfy their own field schema: each one would make the
 * generated model reject the spec's own example. Returned as `{path, example}` entries.
 */
function invalidFieldExamples(schema, schemas = {}, path = '$', seen = new Set(), out = []) {
  const r = resolve(schema, schemas, seen);
  const s = r.schema;
  if (r.seen.size > seen.size + 0 && refName(schema) && seen.has(refName(schema))) return out;
  for (const candidate of ownExamples(s)) {
    if (!validates(candidate, s, schemas, r.seen)) out.push({ path, example: candidate });
  }
  if (path.split('.').length > MAX_DEPTH) return out;
  for (const [key, sub] of Object.entries(s.properties || {})) invalidFieldExamples(sub, schemas, `${path}.${key}`, r.seen, out);
  if (s.items && !Array.isArray(s.items)) invalidFieldExamples(s.items, schemas, `${path}[]`, r.seen, out);
  for (const [i, v] of (s.oneOf || s.anyOf || []).entries()) invalidFieldExamples(v, schemas, `${path}|${i}`, r.seen, out);
  return out;
}

module.exports = { exampleFor, validates, invalidFieldExamples };
