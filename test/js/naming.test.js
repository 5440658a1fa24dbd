'use strict';

const { snakeCase, pascalCase, attributeNames, safeAttributeName, uniqueName } = require('../../helpers/naming');

describe('snakeCase / pascalCase', () => {
  test.each([
    ['order.place', 'order_place'],
    ['orderList.place.oco', 'order_list_place_oco'],
    ['v2/account.balance', 'v2_account_balance'],
    ['userDataStream.subscribe.signature', 'user_data_stream_subscribe_signature'],
    ['rateLimits', 'rate_limits'],
    ['newClientOrderID', 'new_client_order_id'],
    ['HTTPStatus', 'http_status'],
  ])('snakeCase(%s) = %s', (input, expected) => {
    expect(snakeCase(input)).toBe(expected);
  });

  test.each([
    ['fooBarResponse', 'FooBarResponse'],
    ['orderList.place.oco', 'OrderListPlaceOco'],
    ['24hrTicker', 'N24hrTicker'],
  ])('pascalCase(%s) = %s', (input, expected) => {
    expect(pascalCase(input)).toBe(expected);
  });
});

describe('attributeNames', () => {
  const trade = [
    ['e', { description: 'Event type' }],
    ['E', { description: 'Event time' }],
    ['s', { description: 'Symbol' }],
    ['t', { description: 'Trade ID' }],
    ['p', { description: 'Price' }],
    ['T', { description: 'Trade time' }],
    ['m', { description: 'Is the buyer the market maker' }],
    ['M', { description: 'Ignore' }],
  ];

  test('short Binance keys are named from their description', () => {
    const names = attributeNames(trade);
    expect(Object.fromEntries(names)).toEqual({
      e: 'event_type',
      E: 'event_time',
      s: 'symbol',
      t: 'trade_id',
      p: 'price',
      T: 'trade_time',
      m: 'is_buyer_maker',
      M: 'is_best_match',
    });
  });

  test('case-distinct keys always get distinct attributes, even with the same description', () => {
    const names = attributeNames([
      ['b', { description: 'Ignore' }],
      ['B', { description: 'Ignore' }],
      ['x', {}],
      ['X', {}],
    ]);
    expect(new Set(names.values()).size).toBe(4);
    expect(names.get('b')).not.toBe(names.get('B'));
  });

  test('meaningless descriptions fall back to the table of well-known keys', () => {
    const names = attributeNames([
      ['E', { description: 'E property' }],
      ['T', { description: 'T property' }],
      ['q', { description: 'q property' }],
    ]);
    expect(Object.fromEntries(names)).toEqual({ E: 'event_time', T: 'transaction_time', q: 'quantity' });
  });

  test('long keys keep their snake_case name and short keys yield on collision', () => {
    const names = attributeNames([
      ['s', { description: 'Symbol' }],
      ['symbol', { description: 'Symbol' }],
    ]);
    expect(names.get('symbol')).toBe('symbol');
    expect(names.get('s')).toBe('symbol_s');
  });

  test('keywords, annotation names and pydantic attributes are escaped; id and type are kept', () => {
    const names = attributeNames([['from', {}], ['str', {}], ['json', {}], ['schema', {}], ['modelType', {}], ['id', {}], ['type', {}]]);
    expect(Object.fromEntries(names)).toEqual({
      from: 'from_',
      str: 'str_',
      json: 'json_',
      schema: 'schema_',
      modelType: 'model_type_',
      id: 'id',
      type: 'type',
    });
  });

  test('is deterministic', () => {
    expect([...attributeNames(trade)]).toEqual([...attributeNames(trade)]);
  });

  test('descriptions with parentheses and clauses become short readable names', () => {
    const names = attributeNames([
      ['cw', { description: 'Cross Wallet Balance (only for cross position)' }],
      ['bc', { description: 'Balance Change except PnL and Commission' }],
      ['x', { description: 'First trade(F)-1 price (previous close)' }],
    ]);
    expect(Object.fromEntries(names)).toEqual({ cw: 'cross_wallet_balance', bc: 'balance_change', x: 'prev_close_price' });
  });
});

test('safeAttributeName handles digits and leading underscores', () => {
  expect(safeAttributeName('1h')).toBe('n1h');
  expect(safeAttributeName('_x')).toBe('field_x');
});

test('uniqueName suffixes later claimants', () => {
  const taken = new Set();
  expect([uniqueName('A', taken), uniqueName('A', taken), uniqueName('A', taken)]).toEqual(['A', 'A2', 'A3']);
});
