'use strict';

/**
 * JSON Schema -> Python type expressions, as used in pydantic fields and in client method signatures.
 *
 * Choices (see docs/DESIGN.md): integers (also `format: int64`) are `int`; prices and quantities are strings
 * on the wire and stay `str`; `const` and `enum` become `Literal`; fixed-length arrays (minItems = maxItems)
 * become tuples, so `[[price, qty]]` levels are `list[tuple[str, str]]`; an object without properties is
 * `dict[str, Any]` and a schema without any type is `Any`.
 */

const REF_PREFIX = '#/components/schemas/';
const MAX_TUPLE_LENGTH = 8;

function refName(schema) {
  if (!schema || typeof schema.$ref !== 'string') return null;
  return schema.$ref.startsWith(REF_PREFIX) ? decodeURIComponent(schema.$ref.slice(REF_PREFIX.length)) : null;
}

/** Follow `$ref`s (with a cycle guard) to the schema they point at. */
function resolveSchema(schema, schemas) {
  let current = schema;
  const seen = new Set();
  while (current && refName(current) && !seen.has(refName(current))) {
    seen.add(refName(current));
    current = (schemas || {})[refName(current)];
  }
  return current || {};
}

/** A Python literal for a JSON scalar. */
function pythonLiteral(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  return JSON.stringify(String(value));
}

function schemaType(schema) {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function isObjectWithProperties(schema) {
  return Boolean(schema) && schemaType(schema).includes('object') && Boolean(schema.properties) &&
    Object.keys(schema.properties).length > 0;
}

/** Values of an enum, widened so that `type: string` enums written as YAML numbers accept both spellings. */
function enumValues(schema) {
  const declared = schemaType(schema);
  const values = [];
  for (const value of schema.enum) {
    values.push(value);
    if (declared.includes('string') && typeof value !== 'string' && value !== null) values.push(String(value));
  }
  return [...new Set(values.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
}

function literalType(values) {
  const parts = [];
  let nullable = false;
  for (const value of values) {
    if (value === null) nullable = true;
    else parts.push(pythonLiteral(value));
  }
  const literal = parts.length ? `Literal[${parts.join(', ')}]` : 'None';
  return nullable && parts.length ? `${literal} | None` : literal;
}

/** Join union members, flattening nested unions, dropping duplicates and moving `None` last. */
function unionOf(members) {
  const flat = [];
  for (const member of members) {
    for (const part of splitTopLevelUnion(member)) if (!flat.includes(part)) flat.push(part);
  }
  if (flat.includes('Any')) return 'Any';
  const withoutNone = flat.filter((m) => m !== 'None');
  if (withoutNone.length !== flat.length) withoutNone.push('None');
  return withoutNone.join(' | ');
}

function splitTopLevelUnion(type) {
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
 * @param {object} schema JSON schema (may be a `$ref`)
 * @param {object} [ctx]
 * @param {object} [ctx.schemas] component schemas, for `$ref`s
 * @param {(name: string) => string|null} [ctx.classForRef] class for a referenced object schema; when it
 *   returns null (or is absent) the referenced schema is typed structurally
 * @param {(schema: object, path: string[]) => string|null} [ctx.classForInline] class for an inline object
 *   with properties; absent: `dict[str, Any]`
 * @param {string[]} [ctx.path] naming hint handed to classForInline (attribute names from the owner down)
 * @param {string} [ctx.numberType] Python type for `type: number` (default `float`)
 * @returns {string}
 */
function pythonType(schema, ctx = {}) {
  return typeOf(schema || {}, { schemas: {}, path: [], numberType: 'float', ...ctx }, new Set());
}

function typeOf(schema, ctx, seenRefs) {
  const ref = refName(schema);
  if (ref) {
    const cls = ctx.classForRef ? ctx.classForRef(ref) : null;
    if (cls) return cls;
    if (seenRefs.has(ref)) return 'Any';
    const next = new Set(seenRefs);
    next.add(ref);
    const target = (ctx.schemas || {})[ref];
    if (!target) return 'Any';
    return typeOf(target, { ...ctx, path: ctx.path.length ? ctx.path : [ref] }, next);
  }
  if (Object.prototype.hasOwnProperty.call(schema, 'const')) return literalType([schema.const]);
  if (Array.isArray(schema.enum) && schema.enum.length) return literalType(enumValues(schema));
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

function arrayType(schema, ctx, seenRefs) {
  const items = schema.items;
  const itemPath = [...ctx.path, 'item'];
  if (Array.isArray(items)) {
    return items.length ? `tuple[${items.map((it) => typeOf(it || {}, { ...ctx, path: itemPath }, seenRefs)).join(', ')}]` : 'list[Any]';
  }
  const itemType = items ? typeOf(items, { ...ctx, path: itemPath }, seenRefs) : 'Any';
  const n = schema.minItems;
  if (Number.isInteger(n) && n > 0 && n === schema.maxItems && n <= MAX_TUPLE_LENGTH) {
    return `tuple[${Array(n).fill(itemType).join(', ')}]`;
  }
  return `list[${itemType}]`;
}

module.exports = {
  pythonType,
  pythonLiteral,
  resolveSchema,
  refName,
  schemaType,
  isObjectWithProperties,
  enumValues,
  unionOf,
  REF_PREFIX,
};
