'use strict';

const { exampleFor, validates } = require('../../helpers/examples');

const schemas = {
  level: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
  depth: {
    type: 'object',
    required: ['e', 'b'],
    properties: {
      e: { type: 'string', const: 'depthUpdate' },
      E: { type: 'integer', format: 'int64', example: 1672304050123 },
      b: { type: 'array', items: { $ref: '#/components/schemas/level' }, example: [['1.00000000', '2.00000000']] },
      speed: { type: 'string', enum: ['100ms', '1000ms'] },
      levels: { type: 'string', enum: [5, 10, 20] },
      id: { oneOf: [{ type: 'null' }, { type: 'integer' }, { type: 'string' }] },
      any: {},
    },
  },
  wrapper: {
    type: 'object',
    required: ['stream', 'data'],
    properties: { stream: { type: 'string', example: 'btcusdt@depth' }, data: { $ref: '#/components/schemas/depth' } },
    examples: [{ stream: 'btcusdt@depth', data: { E: 1 } }],
  },
  selfRef: { type: 'object', properties: { child: { $ref: '#/components/schemas/selfRef' } } },
};

test('assembles an example from field examples, const, enum and type defaults', () => {
  expect(exampleFor({ $ref: '#/components/schemas/depth' }, schemas)).toEqual({
    e: 'depthUpdate',
    E: 1672304050123,
    b: [['1.00000000', '2.00000000']],
    speed: '100ms',
    levels: '5',
    id: 1,
    any: null,
  });
});

test('a whole-object example that breaks its own schema is not used', () => {
  const value = exampleFor({ $ref: '#/components/schemas/wrapper' }, schemas);
  expect(value.data.e).toBe('depthUpdate');
  expect(validates(value, schemas.wrapper, schemas)).toBe(true);
});

test('a valid whole-object example is preferred', () => {
  const local = { ...schemas, obj: { type: 'object', properties: { a: { type: 'integer', example: 1 } }, example: { a: 7 } } };
  expect(exampleFor({ $ref: '#/components/schemas/obj' }, local)).toEqual({ a: 7 });
});

test('fixed-length arrays get exactly that many items', () => {
  expect(exampleFor({ $ref: '#/components/schemas/level' }, schemas)).toEqual(['string', 'string']);
});

test('recursive schemas terminate', () => {
  expect(() => exampleFor({ $ref: '#/components/schemas/selfRef' }, schemas)).not.toThrow();
});

test('validates covers type, const, enum (numbers written for strings), tuples and required', () => {
  expect(validates('10', schemas.depth.properties.levels, schemas)).toBe(true);
  expect(validates('7', schemas.depth.properties.levels, schemas)).toBe(false);
  expect(validates(['1'], schemas.level, schemas)).toBe(false);
  expect(validates({ e: 'depthUpdate' }, schemas.depth, schemas)).toBe(false);
  expect(validates({ e: 'other', b: [] }, schemas.depth, schemas)).toBe(false);
  expect(validates(1.5, { type: 'integer' }, schemas)).toBe(false);
  expect(validates(null, schemas.depth.properties.id, schemas)).toBe(true);
});
