'use strict';
/**
 * The one `$ref` resolver: local JSON pointers (RFC 6901 in a URI fragment: percent-decoding, then `~1` -> `/`
 * and `~0` -> `~`), chains of `$ref`s followed with cycle detection, and a SpecError with the location for a
 * `$ref` that points at nothing. helpers/ir.js resolves against the whole document; the other helpers resolve
 * schema `$ref`s (`#/components/schemas/...`) against `IR.schemas`.
 *
 * Pure: no I/O.
 */

const { SpecError } = require('./spec-error');

/** @typedef {import('./ir-types').JsonSchema} JsonSchema */

const SCHEMA_REF_PREFIX = '#/components/schemas/';

/**
 * @param {unknown} node
 * @returns {node is {$ref: string}}
 */
function isRef(node) {
  return Boolean(node) && typeof node === 'object' && typeof (/** @type {{$ref?: unknown}} */ (node)).$ref === 'string';
}

/**
 * One reference token of a pointer as written in a `$ref`.
 *
 * @param {string} segment
 * @param {string} [location]
 * @returns {string}
 */
function decodePointerSegment(segment, location) {
  let text;
  try {
    text = decodeURIComponent(segment);
  } catch {
    throw new SpecError(`malformed percent-encoding in $ref segment ${JSON.stringify(segment)}`, location);
  }
  return text.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * The reference token of a key, as `decodePointerSegment` reads it back.
 *
 * @param {string} key
 * @returns {string}
 */
function encodePointerSegment(key) {
  return key.replace(/~/g, '~0').replace(/\//g, '~1').replace(/%/g, '%25');
}

/**
 * @param {string} ref
 * @param {string} [location]
 * @returns {string[]} the decoded reference tokens of a local `#/...` pointer
 */
function pointerSegments(ref, location) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) {
    throw new SpecError(`only local $refs are supported, got ${JSON.stringify(ref)}`, location);
  }
  return ref.slice(2).split('/').map((segment) => decodePointerSegment(segment, location));
}

/**
 * The node a local pointer points at.
 *
 * @param {unknown} doc
 * @param {string} ref
 * @param {string} [location] where the `$ref` is, for the error
 * @returns {unknown}
 */
function resolvePointer(doc, ref, location) {
  let node = doc;
  for (const segment of pointerSegments(ref, location)) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) {
      throw new SpecError(`$ref ${ref} points at nothing`, location);
    }
    node = /** @type {Record<string, unknown>} */ (node)[segment];
  }
  return node;
}

/**
 * Follows a chain of `$ref`s to the node at its end.
 *
 * @param {unknown} doc
 * @param {unknown} node
 * @param {string} [location]
 * @returns {{node: unknown, chain: string[]}} the final node and the `$ref`s followed, in order
 */
function follow(doc, node, location) {
  /** @type {string[]} */
  const chain = [];
  while (isRef(node)) {
    const ref = node.$ref;
    if (chain.includes(ref)) throw new SpecError(`circular $ref ${[...chain, ref].join(' -> ')}`, location);
    chain.push(ref);
    node = resolvePointer(doc, ref, location);
  }
  return { node, chain };
}

/**
 * The name a `$ref` gives to a direct child of `prefix` (`#/components/messages/`, `#/channels/`, ...).
 *
 * @param {unknown} ref
 * @param {string} prefix ending in `/`
 * @returns {string | null} null for any other pointer (deeper, or elsewhere)
 */
function childName(ref, prefix) {
  if (typeof ref !== 'string' || !ref.startsWith(prefix)) return null;
  const rest = ref.slice(prefix.length);
  return rest && !rest.includes('/') ? decodePointerSegment(rest) : null;
}

/**
 * The last `#/components/<kind>/<name>` a chain of `$ref`s passed through.
 *
 * @param {string[]} chain
 * @param {string} kind `schemas`, `messages`, ...
 * @returns {string | null}
 */
function lastComponentName(chain, kind) {
  let name = null;
  for (const ref of chain) name = childName(ref, `#/components/${kind}/`) || name;
  return name;
}

/**
 * Every `$ref` of the document resolves, and no chain of them is circular; throws a SpecError naming the first
 * that does not, with its location.
 *
 * @param {unknown} doc
 */
function checkRefs(doc) {
  /** @type {Array<[{$ref: string}, string]>} */
  const refs = [];
  /** @type {(node: unknown, path: string) => void} */
  const visit = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}/${index}`));
    } else if (node && typeof node === 'object') {
      if (isRef(node)) {
        resolvePointer(doc, node.$ref, path);
        refs.push([node, path]);
      }
      for (const [key, value] of Object.entries(node)) {
        if (key !== '$ref') visit(value, `${path}/${encodePointerSegment(key)}`);
      }
    }
  };
  visit(doc, '#');
  for (const [node, path] of refs) follow(doc, node, path);
}

// ---------------------------------------------------------------------------------------------------------
// Schema $refs within IR.schemas

/** @type {WeakMap<Record<string, JsonSchema>, {components: {schemas: Record<string, JsonSchema>}}>} */
const schemaDocs = new WeakMap();

/** @param {Record<string, JsonSchema>} schemas */
function schemaDoc(schemas) {
  let doc = schemaDocs.get(schemas);
  if (!doc) {
    doc = { components: { schemas } };
    schemaDocs.set(schemas, doc);
  }
  return doc;
}

/**
 * @param {string} ref
 * @returns {string} the location a schema `$ref` error names (buildIR has checked every `$ref` of the document
 *   with its location already, so this is for IRs built by hand)
 */
function checkSchemaRef(ref) {
  const location = 'IR.schemas';
  if (!ref.startsWith(SCHEMA_REF_PREFIX)) {
    throw new SpecError(`a schema $ref must point into ${SCHEMA_REF_PREFIX}, got ${JSON.stringify(ref)}`, location);
  }
  return location;
}

/**
 * A `$ref` to the component schema `name`.
 *
 * @param {string} name
 * @returns {JsonSchema}
 */
function schemaRef(name) {
  return { $ref: `${SCHEMA_REF_PREFIX}${encodePointerSegment(name)}` };
}

/**
 * The component name of a schema that is a `$ref` to `#/components/schemas/<name>`, else null.
 *
 * @param {JsonSchema | null | undefined} schema
 * @returns {string | null}
 */
function schemaRefName(schema) {
  return isRef(schema) ? childName(schema.$ref, SCHEMA_REF_PREFIX) : null;
}

/**
 * The schema one `$ref` points at.
 *
 * @param {{$ref: string}} schema
 * @param {Record<string, JsonSchema>} schemas
 * @returns {JsonSchema}
 */
function derefSchema(schema, schemas) {
  const location = checkSchemaRef(schema.$ref);
  const target = resolvePointer(schemaDoc(schemas), schema.$ref, location);
  if (!target || typeof target !== 'object') throw new SpecError('does not point at a schema', location);
  return /** @type {JsonSchema} */ (target);
}

/**
 * Follows a schema's `$ref`s within `schemas`.
 *
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @returns {{schema: JsonSchema, refs: string[]}} the schema at the end ({} for none) and the `$ref`s followed
 */
function followSchema(schema, schemas) {
  /** @type {string[]} */
  const refs = [];
  let current = schema || {};
  while (isRef(current)) {
    if (refs.includes(current.$ref)) throw new SpecError(`circular $ref ${[...refs, current.$ref].join(' -> ')}`, checkSchemaRef(current.$ref));
    refs.push(current.$ref);
    current = derefSchema(current, schemas);
  }
  return { schema: current, refs };
}

/**
 * @param {JsonSchema | null | undefined} schema
 * @param {Record<string, JsonSchema>} schemas
 * @returns {JsonSchema} the schema its `$ref`s lead to ({} for none)
 */
function resolveSchema(schema, schemas) {
  return followSchema(schema, schemas).schema;
}

/**
 * Every `$ref` inside the schemas points into `#/components/schemas/` and resolves there.
 *
 * @param {Record<string, JsonSchema>} schemas
 * @param {(name: string) => string} locationOf JSON pointer of a schema in the document
 */
function checkSchemaRefs(schemas, locationOf) {
  /** @type {(node: unknown, path: string) => void} */
  const visit = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}/${index}`));
    } else if (node && typeof node === 'object') {
      if (isRef(node)) {
        try {
          followSchema(node, schemas);
        } catch (error) {
          if (error instanceof SpecError) throw new SpecError(error.reason, path);
          throw error;
        }
      }
      for (const [key, value] of Object.entries(node)) {
        if (key !== '$ref') visit(value, `${path}/${encodePointerSegment(key)}`);
      }
    }
  };
  for (const [name, schema] of Object.entries(schemas)) visit(schema, locationOf(name));
}

module.exports = {
  isRef,
  decodePointerSegment,
  encodePointerSegment,
  resolvePointer,
  follow,
  lastComponentName,
  checkRefs,
  checkSchemaRefs,
  schemaRef,
  schemaRefName,
  derefSchema,
  followSchema,
  resolveSchema,
};
