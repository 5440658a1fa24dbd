'use strict';
/** helpers/refs.js: the one $ref resolver. */
const {
  decodePointerSegment, encodePointerSegment, resolvePointer, follow, lastComponentName, checkRefs, checkSchemaRefs,
  schemaRef, schemaRefName, resolveSchema, followSchema,
} = require('../../helpers/refs');
const { SpecError } = require('../../helpers/spec-error');

describe('JSON pointer segments', () => {
  test.each([
    ['a~1b', 'a/b'],
    ['a~0b', 'a~b'],
    ['a~01', 'a~1'],
    ['100%25', '100%'],
    ['with%20space', 'with space'],
  ])('%s decodes to %s and back', (segment, key) => {
    expect(decodePointerSegment(segment)).toBe(key);
    expect(decodePointerSegment(encodePointerSegment(key))).toBe(key);
  });

  test('malformed percent-encoding is a SpecError at the location', () => {
    expect(() => decodePointerSegment('%zz', '#/x')).toThrow(new SpecError('malformed percent-encoding in $ref segment "%zz"', '#/x'));
  });
});

describe('document pointers', () => {
  const doc = {
    components: {
      schemas: { 'a/b': { type: 'string' }, alias: { $ref: '#/components/schemas/a~1b' }, alias2: { $ref: '#/components/schemas/alias' } },
      messages: { m: { payload: { $ref: '#/components/schemas/alias2' } } },
    },
    list: [{ x: 1 }],
  };

  test('resolves escaped keys and array indexes', () => {
    expect(resolvePointer(doc, '#/components/schemas/a~1b')).toEqual({ type: 'string' });
    expect(resolvePointer(doc, '#/list/0/x')).toBe(1);
  });

  test('follows chains and remembers the refs', () => {
    const { node, chain } = follow(doc, { $ref: '#/components/schemas/alias2' });
    expect(node).toEqual({ type: 'string' });
    expect(chain).toEqual(['#/components/schemas/alias2', '#/components/schemas/alias', '#/components/schemas/a~1b']);
    expect(lastComponentName(chain, 'schemas')).toBe('a/b');
  });

  test('a dangling or inherited-property pointer points at nothing', () => {
    expect(() => resolvePointer(doc, '#/components/schemas/nope', '#/here')).toThrow('#/here: $ref #/components/schemas/nope points at nothing');
    expect(() => resolvePointer(doc, '#/components/toString', '#/here')).toThrow(/points at nothing/);
  });

  test('only local pointers are supported', () => {
    expect(() => resolvePointer(doc, 'other.yaml#/x', '#/here')).toThrow('#/here: only local $refs are supported, got "other.yaml#/x"');
  });

  test('checkRefs names the first dangling $ref and finds circular chains', () => {
    expect(() => checkRefs(doc)).not.toThrow();
    const dangling = { a: { b: [{ $ref: '#/missing' }] } };
    expect(() => checkRefs(dangling)).toThrow('#/a/b/0: $ref #/missing points at nothing');
    const circular = { x: { $ref: '#/y' }, y: { $ref: '#/x' } };
    expect(() => checkRefs(circular)).toThrow('#/x: circular $ref #/y -> #/x -> #/y');
  });
});

describe('schema $refs within IR.schemas', () => {
  const schemas = {
    price: { type: 'string' },
    alias: { $ref: '#/components/schemas/price' },
    'odd/name': { type: 'integer' },
    deep: { type: 'object', properties: { inner: { type: 'boolean' } } },
  };

  test('schemaRef and schemaRefName round-trip any name', () => {
    for (const name of Object.keys(schemas)) expect(schemaRefName(schemaRef(name))).toBe(name);
    expect(schemaRefName({ type: 'string' })).toBeNull();
    expect(schemaRefName({ $ref: '#/components/schemas/deep/properties/inner' })).toBeNull();
  });

  test('resolves chains and deep pointers', () => {
    expect(resolveSchema(schemaRef('alias'), schemas)).toBe(schemas.price);
    expect(followSchema(schemaRef('alias'), schemas).refs).toEqual(['#/components/schemas/alias', '#/components/schemas/price']);
    expect(resolveSchema({ $ref: '#/components/schemas/deep/properties/inner' }, schemas)).toEqual({ type: 'boolean' });
    expect(resolveSchema(schemaRef('odd/name'), schemas)).toEqual({ type: 'integer' });
    expect(resolveSchema(undefined, schemas)).toEqual({});
  });

  test('dangling, circular and foreign schema $refs are SpecErrors', () => {
    expect(() => resolveSchema(schemaRef('missing'), schemas)).toThrow('IR.schemas: $ref #/components/schemas/missing points at nothing');
    expect(() => resolveSchema(schemaRef('a'), { a: { $ref: '#/components/schemas/b' }, b: { $ref: '#/components/schemas/a' } })).toThrow(/circular \$ref/);
    expect(() => resolveSchema({ $ref: '#/components/messages/m' }, schemas)).toThrow(/a schema \$ref must point into #\/components\/schemas\//);
  });

  test('checkSchemaRefs reports where a bad schema $ref is', () => {
    expect(() => checkSchemaRefs({ a: { properties: { b: { $ref: '#/components/schemas/zz' } } } }, (n) => `#/components/schemas/${n}`))
      .toThrow('#/components/schemas/a/properties/b: $ref #/components/schemas/zz points at nothing');
  });
});
