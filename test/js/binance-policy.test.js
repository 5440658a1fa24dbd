'use strict';
/** helpers/binance-policy.js: Binance's rules beyond what the AsyncAPI document says. */
const policy = require('../../helpers/binance-policy');

describe('product, testnet, channel kind, moduleKind', () => {
  test.each([
    ['Binance Spot WebSocket API', ['wss://ws-api.binance.com:443/ws-api/v3'], 'spot'],
    ['Whatever', ['wss://ws-fapi.binance.com/ws-fapi/v1'], 'umfutures'],
    ['Binance USDⓈ-M Futures Streams', ['wss://example.org'], 'umfutures'],
    ['Whatever', ['wss://dstream.binance.com'], 'cmfutures'],
    ['COIN-M thing', [], 'cmfutures'],
    ['Something else', ['wss://example.org'], 'unknown'],
  ])('%s on %j is %s', (title, urls, product) => {
    expect(policy.detectProduct(title, urls)).toBe(product);
  });

  test('testnets by name, host, title or the futures testnet domain', () => {
    expect(policy.isTestnet('testnet', {})).toBe(true);
    expect(policy.isTestnet('main', { host: 'stream.binancefuture.com' })).toBe(true);
    expect(policy.isTestnet('main', { host: 'stream.binance.com', title: 'Production' })).toBe(false);
  });

  test.each([
    ['/ws/{streamName}', ['streamName'], 'raw'],
    ['/ws', [], 'raw'],
    ['/stream?streams={streams}', ['streams'], 'combined'],
    ['/public/stream', [], 'combined'],
    ['/ws/{listenKey}', ['listenKey'], 'userData'],
    ['/', [], 'api'],
    ['/ws-api/v3', [], 'api'],
  ])('channel %s is %s', (address, params, kind) => {
    expect(policy.channelKind(address, params)).toBe(kind);
  });

  test('moduleKind forces product and kind, and refuses unknown values', () => {
    expect(policy.moduleKindOverride('cmfutures-streams')).toEqual({ product: 'cmfutures', kind: 'streams' });
    expect(policy.moduleKindOverride('spot')).toEqual({ product: 'spot', kind: 'api' });
    expect(() => policy.moduleKindOverride('options')).toThrow(/moduleKind must be one of spot, umfutures/);
  });
});

describe('request security', () => {
  const security = (method, { ext, schemes = [], params = [] } = {}) =>
    policy.requestSecurity({ method, securityExtension: ext, schemeNames: schemes, wireNames: new Set(params) });

  test('TRADE, USER_DATA and SIGNED requests are signed and carry apiKey', () => {
    expect(security('order.place', { ext: 'trade' })).toEqual({ securityType: 'TRADE', signed: true, apiKey: true });
    expect(security('account.status', { schemes: ['userData'] })).toEqual({ securityType: 'USER_DATA', signed: true, apiKey: true });
    expect(security('session.logon', { schemes: ['signed'] })).toEqual({ securityType: 'SIGNED', signed: true, apiKey: true });
  });

  test('a signature parameter signs whatever the type says', () => {
    expect(security('userDataStream.subscribe.signature', { ext: 'USER_STREAM', params: ['apiKey', 'signature', 'timestamp'] }))
      .toEqual({ securityType: 'USER_STREAM', signed: true, apiKey: true });
  });

  test('futures userDataStream.start/ping/stop are apiKey only, even when typed USER_DATA', () => {
    expect(security('userDataStream.start')).toEqual({ securityType: 'USER_STREAM', signed: false, apiKey: false });
    expect(security('userDataStream.ping', { params: ['apiKey'] })).toEqual({ securityType: 'USER_STREAM', signed: false, apiKey: true });
    expect(security('userDataStream.stop', { ext: 'USER_DATA', params: ['apiKey'] })).toEqual({ securityType: 'USER_DATA', signed: false, apiKey: true });
  });

  test('no security is NONE, unsigned', () => {
    expect(security('ping')).toEqual({ securityType: 'NONE', signed: false, apiKey: false });
  });

  test('auth params and decimal params', () => {
    expect([...policy.AUTH_PARAMS].sort()).toEqual(['apiKey', 'signature', 'timestamp']);
    expect(policy.isDecimalParam('recvWindow')).toBe(true);
    expect(policy.isDecimalParam('quantity')).toBe(false);
  });
});

describe('results that may be lists', () => {
  const perSymbol = { type: 'object', properties: { symbol: { type: 'string' }, price: { type: 'string' } } };
  test.each([
    ['symbols param', perSymbol, [{ wireName: 'symbols', required: false }], true],
    ['optional symbol', perSymbol, [{ wireName: 'symbol', required: false }], true],
    ['required symbol', perSymbol, [{ wireName: 'symbol', required: true }], false],
    ['no symbol in the result', { type: 'object', properties: { orderId: {} } }, [{ wireName: 'symbol', required: false }], false],
    ['no result', null, [{ wireName: 'symbols', required: false }], false],
  ])('%s', (_, result, params, expected) => {
    expect(policy.resultMayBeList(result, params)).toBe(expected);
  });
});

describe('implied operations', () => {
  test('futures API specs get the listenKey methods; streams and spot specs get none', () => {
    const implied = policy.impliedOperations('umfutures', 'api');
    expect(implied.map((op) => op.method)).toEqual(['userDataStream.start', 'userDataStream.ping', 'userDataStream.stop']);
    expect(implied[0].request.schema.properties.params.properties).toEqual({ apiKey: { type: 'string' } });
    expect(implied[0].response.schema.properties.result.required).toEqual(['listenKey']);
    expect(implied[2].response.schema.properties.result).toEqual({ type: 'object', properties: {} });
    expect(policy.impliedOperations('cmfutures', 'api')).toHaveLength(3);
    expect(policy.impliedOperations('umfutures', 'streams')).toEqual([]);
    expect(policy.impliedOperations('spot', 'api')).toEqual([]);
  });
});

describe('events', () => {
  const resolve = (s) => s;
  test('the WS API user-data envelope holds the event under `event`', () => {
    expect(policy.envelopeBodyKey({ subscriptionId: { type: 'integer' }, event: { type: 'object', properties: { e: {} } } }, resolve)).toBe('event');
    expect(policy.envelopeBodyKey({ event: { type: 'object', properties: { e: {} } } }, resolve)).toBe('event');
    // A payload with its own event type is an event, whatever else it calls `event`.
    expect(policy.envelopeBodyKey({ e: { type: 'string' }, event: { type: 'object', properties: {} } }, resolve)).toBeNull();
    expect(policy.envelopeBodyKey({ subscriptionId: {}, event: { type: 'string' } }, resolve)).toBeNull();
  });

  test('symbols, pairs and assets go into stream names in lower case', () => {
    expect(['symbol', 'pair', 'asset', 'marginAsset'].every(policy.isLowercaseStreamParam)).toBe(true);
    expect(['interval', 'levels', 'speed', 'contractType'].some(policy.isLowercaseStreamParam)).toBe(false);
    expect(policy.EVENT_TYPE_KEY).toBe('e');
  });
});
