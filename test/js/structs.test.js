'use strict';

const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { structsFor } = require('../../helpers/structs');
const { buildModels } = require('../../helpers/models');
const { buildIR } = require('../../helpers/ir');
const { makeIR, event, pattern } = require('./ir-factory');

const SPEC_DIR = '/work/shared/specs/binance/asyncapi';
const STREAM_SPECS = ['spot-streams', 'umfutures-streams', 'cmfutures-streams'];
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

function fixtureIR() {
  const schemas = {
    levels: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
    klineEvent: {
      type: 'object',
      required: ['e', 'k'],
      properties: {
        e: { type: 'string', const: 'kline' },
        k: { type: 'object', required: ['t'], properties: { t: { type: 'integer' }, x: { type: 'boolean' } } },
        b: { $ref: '#/components/schemas/levels' },
      },
    },
    userEvent: {
      type: 'object',
      properties: {
        subscriptionId: { type: 'integer' },
        event: { type: 'object', required: ['e'], properties: { e: { type: 'string', const: 'balanceUpdate' }, d: { type: 'string' } } },
      },
    },
    subscribeRequest: { type: 'object', properties: { method: { type: 'string' }, params: { type: 'array', items: { type: 'string' } } } },
  };
  return makeIR({
    info: { title: 'Fixture', version: '1' },
    kind: 'streams',
    schemas,
    messages: {
      subscribeRequest: { id: 'subscribeRequest', name: 'subscribeRequest', title: '', summary: '', description: '', schema: 'subscribeRequest' },
    },
    events: [
      event({ messageId: 'klineEvent', eventTypes: ['kline'], streamPatterns: [pattern('{symbol}@kline_{interval}')] }),
      event({ messageId: 'userEvent', eventTypes: ['balanceUpdate'], bodyKey: 'event' }),
    ],
  });
}

describe('structsFor on a fixture', () => {
  const set = structsFor(fixtureIR());
  const names = set.classes.map((c) => c.name).sort();

  test('every route model, the classes their fields reach, and nothing else', () => {
    expect(set.eventClasses).toEqual(['KlineEvent', 'UserEventPayload']);
    expect(names).toEqual(['KlineEvent', 'KlineEventK', 'UserEventPayload']);
    expect(names).not.toContain('SubscribeRequest');
    expect(names).not.toContain('UserEvent');
  });
});

describe.each(STREAM_SPECS)('real spec %s', (spec) => {
  const doc = yaml.load(fs.readFileSync(path.join(SPEC_DIR, `${spec}.yaml`), 'utf8'));
  const ir = buildIR(doc, {});
  const models = buildModels(ir);
  const set = structsFor(ir);

  test('covers every route model and is closed over the types its fields use', () => {
    const included = new Set([...set.classes.map((c) => c.name), ...set.aliases.map((a) => a.name)]);
    for (const route of models.events) expect(included.has(route.modelClass)).toBe(true);
    const known = new Set([...models.classes.map((c) => c.name), ...models.aliases.map((a) => a.name)]);
    const types = [...set.classes.flatMap((c) => c.fields.map((f) => f.type)), ...set.aliases.map((a) => a.type)];
    for (const type of types) for (const id of type.match(IDENTIFIER) || []) if (known.has(id)) expect(included.has(id)).toBe(true);
  });
});
