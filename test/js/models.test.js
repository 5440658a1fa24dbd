'use strict';

const { buildModels } = require('../../helpers/models');
const { pythonType } = require('../../helpers/types');
const { renderModelsModule } = require('../../components/models');
const { renderMessageExamplesModule } = require('../../components/message-examples');
const { buildIR } = require('../../helpers/ir');
const { EMBEDDED, makeIR, operation, event, pattern } = require('./ir-factory');
const { describeCorpus, loadCorpusSpec } = require('./corpus');

const SPECS = ['spot', 'umfutures', 'cmfutures', 'spot-streams', 'umfutures-streams', 'cmfutures-streams'];

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

function fixtureIR() {
  const schemas = {
    id: { oneOf: [{ type: 'integer', format: 'int64' }, { type: 'string', maxLength: 36 }, { type: 'null' }] },
    tradeEvent: {
      type: 'object',
      description: 'Trade """quoted""" \\ event',
      required: ['e', 'E', 'p', 'm'],
      properties: {
        e: { type: 'string', const: 'trade', description: 'Event type' },
        E: { type: 'integer', format: 'int64', description: 'Event time' },
        p: { type: 'string', description: 'Price', example: '0.10000000' },
        m: { type: 'boolean', description: 'Is the buyer the market maker' },
        M: { type: 'boolean', description: 'Ignore' },
      },
    },
    tickerEvent: {
      type: 'object',
      properties: { e: { type: 'string', const: '24hrTicker' }, k: { type: 'object', description: 'Kline data', properties: { t: { type: 'integer' } } } },
    },
    allTickersEvent: { type: 'array', items: ref('tickerEvent') },
    depthEvent: {
      type: 'object',
      properties: {
        b: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
        levels: { type: 'string', enum: [5, 10, 20] },
        free: { type: 'object' },
        anything: {},
      },
    },
    tickerPriceResponse: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        result: { type: 'object', properties: { symbol: { type: 'string' }, price: { type: 'string' } } },
        rateLimits: { type: 'array', items: { type: 'object', properties: { rateLimitType: { type: 'string' }, count: { type: 'integer' } } } },
      },
    },
    pingResponse: { type: 'object', properties: { result: { type: 'object' } } },
    userEvent: {
      type: 'object',
      properties: {
        subscriptionId: { type: 'integer' },
        event: { type: 'object', required: ['e'], properties: { e: { type: 'string', const: 'balanceUpdate' }, d: { type: 'string', description: 'Balance Delta' } } },
      },
    },
  };
  return makeIR({
    info: { title: 'Fixture', version: '1' },
    kind: 'streams',
    schemas,
    messages: {
      tradeEvent: { id: 'tradeEvent', name: 'tradeEvent', schema: 'tradeEvent', title: 'Trade', summary: '', description: '' },
    },
    operations: [
      operation({ method: 'ticker.price', responseSchema: 'tickerPriceResponse', resultMayBeList: true }),
      operation({ method: 'ping', responseSchema: 'pingResponse' }),
    ],
    events: [
      event({ messageId: 'tradeEvent', eventTypes: ['trade'], streamPatterns: [pattern('{symbol}@trade')] }),
      event({ messageId: 'allTickersEvent', eventTypes: ['24hrTicker'], array: true, streamPatterns: [pattern('!ticker@arr')] }),
      event({ messageId: 'tickerEvent', eventTypes: ['24hrTicker'], streamPatterns: [pattern('{symbol}@ticker')] }),
      event({ messageId: 'userEvent', eventTypes: ['balanceUpdate'], bodyKey: 'event' }),
    ],
  });
}

describe('pythonType', () => {
  const schemas = fixtureIR().schemas;
  test.each([
    [{ type: 'integer', format: 'int64' }, 'int'],
    [{ type: 'string' }, 'str'],
    [{ type: 'string', const: 'x' }, 'Literal["x"]'],
    [{ type: 'string', enum: [5, 10] }, 'Literal[5, "5", 10, "10"]'],
    [{ type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } }, 'list[tuple[str, str]]'],
    [ref('id'), 'int | str | None'],
    [{ type: 'object' }, 'dict[str, Any]'],
    [{}, 'Any'],
    [{ oneOf: [{ type: 'boolean' }, { type: 'string' }] }, 'bool | str'],
    [{ type: 'null' }, 'None'],
  ])('%j -> %s', (schema, expected) => {
    expect(pythonType(schema, { schemas })).toBe(expected);
  });
});

describe('buildModels on a fixture', () => {
  const models = buildModels(fixtureIR());
  const cls = (name) => models.classNamed(name);
  const field = (c, alias) => cls(c).fields.find((f) => f.alias === alias);

  test('component schemas become PascalCase classes, non-objects type aliases', () => {
    expect(models.classForSchema('tradeEvent')).toBe('TradeEvent');
    expect(models.aliases.map((a) => a.name).sort()).toEqual(['AllTickersEvent', 'Id']);
    expect(models.aliases.find((a) => a.name === 'AllTickersEvent').type).toBe('list[TickerEvent]');
  });

  test('short keys get readable, distinct attributes; wire names are aliases', () => {
    expect(cls('TradeEvent').fields.map((f) => [f.alias, f.attr, f.type, f.required])).toEqual([
      ['e', 'event_type', 'Literal["trade"]', true],
      ['E', 'event_time', 'int', true],
      ['p', 'price', 'str', true],
      ['m', 'is_buyer_maker', 'bool', true],
      ['M', 'is_best_match', 'bool', false],
    ]);
  });

  test('inline objects are named owner + attribute; nested `event` objects become ...Payload', () => {
    expect(field('TickerEvent', 'k').type).toBe('TickerEventKlineData');
    expect(cls('TickerEventKlineData')).not.toBeNull();
    expect(field('UserEvent', 'event').type).toBe('UserEventPayload');
  });

  test('rateLimits items are the shared RateLimit class', () => {
    expect(field('TickerPriceResponse', 'rateLimits').type).toBe('list[RateLimit]');
    expect(cls('RateLimit').fields.map((f) => f.alias)).toEqual(['rateLimitType', 'count']);
  });

  test('every response model carries the envelope; resultMayBeList types result as X | list[X]', () => {
    for (const name of ['TickerPriceResponse', 'PingResponse']) {
      expect(cls(name).fields.map((f) => f.alias).sort()).toEqual(['error', 'id', 'rateLimits', 'result', 'status']);
    }
    expect(field('TickerPriceResponse', 'result').type).toBe('TickerPriceResponseResult | list[TickerPriceResponseResult]');
    expect(field('TickerPriceResponse', 'id').type).toBe('int | str | None');
    expect(models.responseClass({ method: 'ticker.price' })).toBe('TickerPriceResponse');
    expect(models.responseClass('unknown.method')).toBe(models.apiResponseClass);
  });

  test('event routes: array items, subscription envelope inner model', () => {
    const routes = Object.fromEntries(models.events.map((r) => [r.messageId, r]));
    expect(routes.allTickersEvent).toMatchObject({ modelClass: 'TickerEvent', array: true, eventTypes: ['24hrTicker'] });
    expect(routes.userEvent).toMatchObject({ modelClass: 'UserEventPayload', envelope: 'subscription' });
    expect(routes.tradeEvent.streamPatterns).toEqual([{ template: '{symbol}@trade', params: [{ name: 'symbol', values: null }], example: null }]);
  });

  test('is deterministic', () => {
    expect(renderModelsModule(fixtureIR(), EMBEDDED)).toBe(renderModelsModule(fixtureIR(), EMBEDDED));
  });
});

describeCorpus(SPECS, 'real spec %s', (spec) => {
  const doc = loadCorpusSpec(spec);
  const ir = buildIR(doc, {});
  const models = buildModels(ir);

  test('class names are unique and attributes unique per class', () => {
    const names = [...models.classes.map((c) => c.name), ...models.aliases.map((a) => a.name)];
    expect(new Set(names).size).toBe(names.length);
    for (const c of models.classes) {
      const attrs = c.fields.map((f) => f.attr);
      expect(new Set(attrs).size).toBe(attrs.length);
      for (const attr of attrs) expect(attr).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  test('every message and operation has a model', () => {
    for (const id of Object.keys(ir.messages)) expect(models.byMessage[id]).toBeTruthy();
    for (const op of ir.operations) expect(models.classNamed(models.responseClass(op))).not.toBeNull();
    for (const route of models.events) expect(models.classNamed(route.modelClass)).not.toBeNull();
  });

  test('renders models.py and the examples module', () => {
    const text = renderModelsModule(ir, EMBEDDED);
    expect(text).toContain('EVENT_ROUTER = EventRouter(');
    expect(renderMessageExamplesModule(ir)).toContain('MESSAGE_EXAMPLES');
  });
});
