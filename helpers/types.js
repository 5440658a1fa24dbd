'use strict';

/**
 * JSON Schema -> Python type expressions, as used in pydantic fields and in client method signatures.
 *
 * Choices (see docs/DESIGN.md): integers (also `format: int64`) are `int`; prices and quantities are strings
 * on the wire and stay `str`; `const` and `enum` become `Literal`; fixed-length arrays (minItems = maxItems)
 * become tuples, so `[[price, qty]]` levels are `list[tuple[str, str]]`; an object without properties is
 * `dict[str, Any]` and a schema without any type is `Any`.
 */

const { isRef, schemaRefName, derefSchema } = require('./refs');

/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

/**
 * How `pythonType` names classes and types numbers.
 *
 * @typedef {object} TypeContext
 * @property {Record<string, JsonSchema>} [schemas] component schemas, for `$ref`s
 * @property {(name: string) => string | null} [classForRef] class for a referenced object schema; when it
 *   returns null (or is absent) the referenced schema is typed structurally
 * @property {(schema: JsonSchema, path: string[]) => string | null} [classForInline] class for an inline object
 *   with properties; absent: `dict[str, Any]`
 * @property {string[]} [path] naming hint handed to classForInline (attribute names from the owner down)
 * @property {string} [numberType] Python type for `type: number` (default `float`)
 */

/**
 * @typedef {object} FullTypeContext
 * @property {Record<string, JsonSchema>} schemas
 * @property {((name: string) => string | null) | undefined} classForRef
 * @property {((schema: JsonSchema, path: string[]) => string | null) | undefined} classForInline
 * @property {string[]} path
 * @property {string} numberType
 */

const MAX_TUPLE_LENGTH = 8;

/**
 * A Python literal for a JSON scalar.
 *
 * @param {unknown} value
 * @returns {string}
 */
function pythonLiteral(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  return JSON.stringify(String(value));
}

/**
 * The JSON types a schema admits, from `type`, else from `properties` (object) or `items` (array).
 *
 * @param {JsonSchema} schema
 * @returns {string[]}
 */
function schemaType(schema) {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

/**
 * @param {JsonSchema | null | undefined} schema
 * @returns {boolean} an object schema with at least one property (what becomes a class)
 */
function isObjectWithProperties(schema) {
  return Boolean(schema && schemaType(schema).includes('object') && schema.properties && Object.keys(schema.properties).length > 0);
}

/**
 * Values of an enum, widened so that `type: string` enums written as YAML numbers accept both spellings.
 *
 * @param {unknown[]} values the enum
 * @param {string[]} declared the schema's types
 * @returns {unknown[]}
 */
function enumValues(values, declared) {
  /** @type {unknown[]} */
  const out = [];
  for (const value of values) {
    out.push(value);
    if (declared.includes('string') && typeof value !== 'string' && value !== null) out.push(String(value));
  }
  return [...new Set(out.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
}

/**
 * @param {unknown[]} values
 * @returns {string}
 */
function literalType(values) {
  /** @type {string[]} */
  const parts = [];
  let nullable = false;
  for (const value of values) {
    if (value === null) nullable = true;
    else parts.push(pythonLiteral(value));
  }
  const literal = parts.length ? `Literal[${parts.join(', ')}]` : 'None';
  return nullable && parts.length ? `${literal} | None` : literal;
}

/**
 * Join union members, flattening nested unions, dropping duplicates and moving `None` last.
 *
 * @param {string[]} members Python type expressions
 * @returns {string}
 */
function unionOf(members) {
  /** @type {string[]} */
  const flat = [];
  for (const member of members) {
    for (const part of splitTopLevelUnion(member)) if (!flat.includes(part)) flat.push(part);
  }
  if (flat.includes('Any')) return 'Any';
  const withoutNone = flat.filter((m) => m !== 'None');
  if (withoutNone.length !== flat.length) withoutNone.push('None');
  return withoutNone.join(' | ');
}

/**
 * @param {string} type
 * @returns {string[]} the members of a top-level `A | B` union
 */
function splitTopLevelUnion(type) {
  /** @type {string[]} */
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < type.length; i += 1) {
    const ch = type[i];
    if (ch === '[') depth += 1;
    else if (ch === ']') depth -= 1;
    else if (ch === '"' || ch === "'") {
      const quote = ch;
      i += 1;
      while (i < type.length && type[i] !== quote) i += type[i] === '\\' ? 2 : 1;
    } else if (depth === 0 && type.startsWith(' | ', i)) {
      parts.push(type.slice(start, i));
      start = i + 3;
      i += 2;
    }
  }
  parts.push(type.slice(start));
  return parts;
}

/**
 * The Python type of a schema.
 *
 * @param {JsonSchema | null | undefined} schema JSON schema (may be a `$ref`)
 * @param {TypeContext} [ctx]
 * @returns {string}
 */
function pythonType(schema, ctx = {}) {
  const full = {
    schemas: ctx.schemas || {},
    classForRef: ctx.classForRef,
    classForInline: ctx.classForInline,
    path: ctx.path || [],
    numberType: ctx.numberType || 'float',
  };
  return typeOf(schema || {}, full, new Set());
}

/**
 * @param {JsonSchema} schema
 * @param {FullTypeContext} ctx
 * @param {Set<string>} seenRefs the `$ref`s entered on the way here (recursive schemas become `Any`)
 * @returns {string}
 */
function typeOf(schema, ctx, seenRefs) {
  if (isRef(schema)) {
    const name = schemaRefName(schema);
    const cls = name && ctx.classForRef ? ctx.classForRef(name) : null;
    if (cls) return cls;
    if (seenRefs.has(schema.$ref)) return 'Any';
    const next = new Set(seenRefs).add(schema.$ref);
    return typeOf(derefSchema(schema, ctx.schemas), { ...ctx, path: ctx.path.length ? ctx.path : [name || schema.$ref] }, next);
  }
  if (Object.prototype.hasOwnProperty.call(schema, 'const')) return literalType([schema.const]);
  if (Array.isArray(schema.enum) && schema.enum.length) return literalType(enumValues(schema.enum, schemaType(schema)));
  const variants = schema.oneOf || schema.anyOf;
  if (Array.isArray(variants) && variants.length) {
    return unionOf(variants.map((v, i) => typeOf(v || {}, { ...ctx, path: [...ctx.path, `option${i + 1}`] }, seenRefs)));
  }
  const types = schemaType(schema);
  if (types.length === 0) return 'Any';
  const members = types.map((t) => scalarOrContainer(t, schema, ctx, seenRefs));
  if (schema.nullable) members.push('None');
  return unionOf(members);
}

/**
 * @param {string} type one JSON type of the schema
 * @param {JsonSchema} schema
 * @param {FullTypeContext} ctx
 * @param {Set<string>} seenRefs
 * @returns {string}
 */
function scalarOrContainer(type, schema, ctx, seenRefs) {
  switch (type) {
    case 'integer':
      return 'int';
    case 'number':
      return ctx.numberType;
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'None';
    case 'array':
      return arrayType(schema, ctx, seenRefs);
    case 'object':
      if (isObjectWithProperties(schema) && ctx.classForInline) {
        const cls = ctx.classForInline(schema, ctx.path);
        if (cls) return cls;
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `dict[str, ${typeOf(schema.additionalProperties, { ...ctx, path: [...ctx.path, 'value'] }, seenRefs)}]`;
      }
      return 'dict[str, Any]';
    default:
      return 'Any';
  }
}

/**
 * @param {JsonSchema} schema
 * @param {FullTypeContext} ctx
 * @param {Set<string>} seenRefs
 * @returns {string}
 */
function arrayType(schema, ctx, seenRefs) {
  const items = schema.items;
  const itemPath = [...ctx.path, 'item'];
  if (Array.isArray(items)) {
    return items.length ? `tuple[${items.map((it) => typeOf(it || {}, { ...ctx, path: itemPath }, seenRefs)).join(', ')}]` : 'list[Any]';
  }
  const itemType = items ? typeOf(items, { ...ctx, path: itemPath }, seenRefs) : 'Any';
  const n = schema.minItems;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n === schema.maxItems && n <= MAX_TUPLE_LENGTH) {
    return `tuple[${Array(n).fill(itemType).join(', ')}]`;
  }
  return `list[${itemType}]`;
}

module.exports = {
  pythonType,
  schemaType,
  isObjectWithProperties,
  unionOf,
};
