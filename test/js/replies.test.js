'use strict';
/**
 * helpers/replies.js: the mock server's reply templates, computed from the schema at generation time: every field
 * filled with a plausible value of its type, the spec's examples where valid, Binance's shapes where the schema
 * leaves them open; always valid for the schema.
 */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { replyTemplate, paramsExample, eventTemplate, resultSchema, EPOCH_MS } = require('../../helpers/replies');
const { validates } = require('../../helpers/examples');
const { buildIR } = require('../../helpers/ir');
const { correctedDocument } = require('../../helpers/context');
const { makeIR, operation, event } = require('./ir-factory');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * An IR with one operation whose reply's `result` is `result` (and named schemas `schemas`).
 *
 * @param {string} method
 * @param {object} result
 * @param {Record<string, object>} [schemas]
 */
function irWithResult(method, result, schemas = {}) {
  return makeIR({
    schemas: { ...schemas, reply: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'integer' }, result } } },
    operations: [operation({ method, responseSchema: 'reply' })],
  });
}

const template = (method, result, schemas) => {
  const ir = irWithResult(method, result, schemas);
  return replyTemplate(ir, ir.operations[0]);
};

describe('every field of the reply schema, filled', () => {
  test('a valid example of the spec is used; the fields it lacks are filled from the schema', () => {
    const result = {
      type: 'object',
      properties: {
        symbol: { type: 'string' },
        orderId: { type: 'integer', format: 'int64' },
        price: { type: 'string' },
        origQty: { type: 'string' },
        status: { type: 'string', enum: ['NEW', 'FILLED'] },
        isWorking: { type: 'boolean' },
        workingTime: { type: 'integer', format: 'int64' },
      },
      example: { symbol: 'BNBBTC', orderId: 7, status: 'FILLED' },
    };
    expect(template('order.status', result)).toEqual({
      symbol: 'BNBBTC',
      orderId: 7,
      price: '52000.01000000',
      origQty: '0.50000000',
      status: 'FILLED',
      isWorking: true,
      workingTime: EPOCH_MS,
    });
  });

  test('an example that does not fit the schema is ignored; const and enum win over names', () => {
    const result = {
      type: 'object',
      properties: {
        e: { type: 'string', const: 'trade' },
        side: { type: 'string', enum: ['SELL', 'BUY'] },
        count: { type: 'integer', example: 'three' },
        ids: { type: 'array', items: { type: 'integer' }, minItems: 2 },
      },
    };
    expect(template('x', result)).toEqual({ e: 'trade', side: 'SELL', count: 100, ids: [1, 1] });
  });

  test('arrays get at least one item, also when the example is empty; untyped items stay empty', () => {
    const result = {
      type: 'object',
      properties: {
        balances: { type: 'array', items: { type: 'object', properties: { asset: { type: 'string' }, free: { type: 'string' } } }, example: [] },
        anything: { type: 'array', items: {} },
      },
    };
    expect(template('account.status', result)).toEqual({ balances: [{ asset: 'BTC', free: '1.00000000' }], anything: [] });
  });

  test('plausible values by name: decimals as strings, ids and epoch-ms times as integers, symbols and assets', () => {
    const names = ['symbol', 'baseAsset', 'commissionAsset', 'stopPrice', 'executedQty', 'cummulativeQuoteQty', 'commission', 'transactTime', 'tradeId', 'orderListId', 'newClientOrderId', 'side', 'timeInForce'];
    const properties = Object.fromEntries(names.map((n) => [n, { type: /Time$|Id$/.test(n) && n !== 'newClientOrderId' ? 'integer' : 'string' }]));
    expect(template('x', { type: 'object', properties })).toEqual({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      commissionAsset: 'BNB',
      stopPrice: '52000.01000000',
      executedQty: '0.50000000',
      cummulativeQuoteQty: '26000.00500000',
      commission: '0.00050000',
      transactTime: EPOCH_MS,
      tradeId: 1000001,
      orderListId: -1,
      newClientOrderId: 'mockClientOrder000001',
      side: 'BUY',
      timeInForce: 'GTC',
    });
  });

  test('a recursive schema ends; the same spec gives the same template', () => {
    const schemas = { node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/components/schemas/node' } } } };
    const first = template('tree', { $ref: '#/components/schemas/node' }, schemas);
    expect(first).toEqual({ name: 'mockName', child: null });
    expect(template('tree', { $ref: '#/components/schemas/node' }, schemas)).toEqual(first);
  });
});

describe("Binance's shapes where the schema leaves them open", () => {
  const levels = { type: 'array', items: { type: 'array', items: { type: 'string', example: '0.01380000' } } };

  test('book levels are [price, qty]; a valid example of the spec is kept', () => {
    expect(template('depth', { type: 'object', properties: { lastUpdateId: { type: 'integer' }, bids: levels, asks: levels } })).toEqual({
      lastUpdateId: 1000001,
      bids: [['52000.01000000', '0.50000000']],
      asks: [['52000.01000000', '0.50000000']],
    });
    const exampled = { ...levels, example: [['0.01379900', '3.43200000'], ['0.01379800', '3.24300000']] };
    expect(template('depth', { type: 'object', properties: { bids: exampled } }).bids).toEqual(exampled.example);
  });

  test('klines rows have their 12 fields (open time ... ignore) when the items are untyped', () => {
    const rows = template('klines', { type: 'array', items: { type: 'array', items: {} } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveLength(12);
    expect(rows[0].map((v) => typeof v)).toEqual(['number', 'string', 'string', 'string', 'string', 'string', 'number', 'string', 'number', 'string', 'string', 'string']);
    expect(rows[0][6]).toBe(rows[0][0] + 59999);
    expect(template('uiKlines', { type: 'array', items: { type: 'array', items: {} } })[0]).toHaveLength(12);
    // Elsewhere an untyped array of arrays stays as the schema says.
    expect(template('other', { type: 'array', items: { type: 'array', items: {} } })).toEqual([[]]);
  });

  test('exchange and symbol filters carry a filterType when their items declare nothing', () => {
    const result = {
      type: 'object',
      properties: {
        exchangeFilters: { type: 'array', items: { type: 'object' } },
        symbols: { type: 'array', items: { type: 'object', properties: { symbol: { type: 'string' }, filters: { type: 'array', items: { type: 'object' } } } } },
      },
    };
    const filled = template('exchangeInfo', result);
    expect(filled.exchangeFilters).toEqual([{ filterType: 'EXCHANGE_MAX_NUM_ORDERS', maxNumOrders: 1000 }]);
    expect(filled.symbols[0].filters[0].filterType).toBe('PRICE_FILTER');
  });

  test('a new order has fills for its FULL response, also when the schema declares none (a SOR list too)', () => {
    const order = { type: 'object', properties: { symbol: { type: 'string' }, orderId: { type: 'integer' } } };
    expect(template('order.place', order).fills).toEqual([{ price: '52000.01000000', qty: '0.50000000', commission: '0.00050000', commissionAsset: 'BNB', tradeId: 1000001 }]);
    expect(template('sor.order.place', { type: 'array', items: order })[0].fills).toHaveLength(1);
    expect(template('order.status', order).fills).toBeUndefined();
  });
});

test('params examples: named params as an object, positional ones as a list, none as {}', () => {
  const ir = makeIR({
    schemas: {
      named: { type: 'object', properties: { params: { type: 'object', properties: { symbol: { type: 'string', example: 'BNBBTC' } } } } },
      positional: { type: 'object', properties: { params: { type: 'array', items: { type: 'string', example: 'btcusdt@trade' } } } },
    },
    operations: [
      operation({ method: 'ticker.price', requestSchema: 'named', paramsStyle: 'object' }),
      operation({ method: 'SUBSCRIBE', requestSchema: 'positional', paramsStyle: 'array' }),
      operation({ method: 'ping', paramsStyle: 'none' }),
    ],
  });
  expect(ir.operations.map((op) => paramsExample(ir, op))).toEqual([{ symbol: 'BNBBTC' }, ['btcusdt@trade'], {}]);
});

test('an enveloped event gives its body; a plain one its whole payload', () => {
  const ir = makeIR({
    schemas: {
      wrapped: { type: 'object', properties: { subscriptionId: { type: 'integer' }, event: { type: 'object', properties: { e: { const: 'balanceUpdate' }, E: { type: 'integer' }, d: { type: 'string', example: '100.00000000' } } } } },
      plain: { type: 'object', properties: { e: { const: 'trade' }, s: { type: 'string' } } },
    },
    events: [event({ messageId: 'wrapped', bodyKey: 'event' }), event({ messageId: 'plain' })],
  });
  expect(ir.events.map((e) => eventTemplate(ir, e))).toEqual([{ e: 'balanceUpdate', E: EPOCH_MS, d: '100.00000000' }, { e: 'trade', s: 'BTCUSDT' }]);
});

const specDirs = ['specs/binance/asyncapi', '../shared/specs/binance/asyncapi'].filter((dir) => fs.existsSync(path.join(ROOT, dir)));
const specs = specDirs.flatMap((dir) => fs.readdirSync(path.join(ROOT, dir)).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => `${dir}/${name}`));

describe.each(specs)('the templates of %s (with the shipped corrections)', (file) => {
  const raw = yaml.load(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  const ir = buildIR(correctedDocument(raw, {}).doc);

  test('every reply template and event example is valid for its schema', () => {
    for (const op of ir.operations) {
      const schema = resultSchema(ir, op);
      if (schema) expect([op.method, validates(replyTemplate(ir, op), schema, ir.schemas)]).toEqual([op.method, true]);
    }
    for (const e of ir.events) {
      const schema = e.bodyKey ? ir.schemas[e.schema].properties[e.bodyKey] : { $ref: `#/components/schemas/${e.schema}` };
      expect([e.messageId, validates(eventTemplate(ir, e), schema, ir.schemas)]).toEqual([e.messageId, true]);
    }
  });

  test("Binance's shapes where the spec has the method: levels, klines rows, filters, FULL fills", () => {
    const of = (method) => {
      const op = ir.operations.find((o) => o.method === method);
      return op ? replyTemplate(ir, op) : undefined;
    };
    const depth = of('depth');
    if (depth && depth.bids) for (const level of [...depth.bids, ...depth.asks]) expect(level).toHaveLength(2);
    for (const method of ['klines', 'uiKlines']) if (of(method)) for (const row of of(method)) expect(row).toHaveLength(12);
    const info = of('exchangeInfo');
    if (info && info.exchangeFilters) for (const filter of info.exchangeFilters) expect(filter.filterType).toEqual(expect.any(String));
    if (ir.product === 'spot' && of('order.place')) expect(of('order.place').fills.length).toBeGreaterThan(0);
  });
});
