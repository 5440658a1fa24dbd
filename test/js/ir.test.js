'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { buildIR, SpecError, serverUrl } = require('../../helpers/ir');

const fixture = (name) => yaml.load(fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8'));
const { CORPUS_SPECS: CORPUS } = require('./corpus');
const corpusIt = fs.existsSync(CORPUS) ? it : it.skip;

describe('buildIR on an API fixture', () => {
  const ir = buildIR(fixture('minimal-api.yaml'));

  it('detects the kind and builds server URLs without trailing slashes, mainnet first', () => {
    expect(ir.kind).toBe('api');
    expect(ir.servers).toEqual([
      { name: 'mainnet', url: 'wss://ws-api.example.com/ws-api/v3', testnet: false, route: null },
      { name: 'testnet', url: 'wss://testnet.example.com/ws-api/v3', testnet: true, route: null },
    ]);
  });

  it('reads the wire method from the request const and names the Python method after it', () => {
    expect(ir.operations.map((op) => [op.method, op.pyName])).toEqual([
      ['order.place', 'order_place'],
      ['ping', 'ping'],
      ['ticker.price', 'ticker_price'],
    ]);
  });

  it('decides signing from the security type and the params, and marks auth params', () => {
    const order = ir.operations.find((op) => op.method === 'order.place');
    expect(order).toMatchObject({ securityType: 'TRADE', signed: true, apiKey: true, paramsStyle: 'object' });
    expect(order.params.filter((p) => p.auth).map((p) => p.wireName)).toEqual(['apiKey', 'signature', 'timestamp']);
    expect(order.params.find((p) => p.wireName === 'side').required).toBe(true);
    const ping = ir.operations.find((op) => op.method === 'ping');
    expect(ping).toMatchObject({ securityType: 'NONE', signed: false, apiKey: false, paramsStyle: 'none' });
  });

  it('types per-symbol results with an optional symbol selector as possibly a list', () => {
    expect(ir.operations.find((op) => op.method === 'ticker.price').resultMayBeList).toBe(true);
    expect(ir.operations.find((op) => op.method === 'order.place').resultMayBeList).toBe(false);
  });

  it('synthesizes a schema name for an inline event payload and finds the subscription envelope', () => {
    expect(ir.schemas.tradeEvent).toBeDefined();
    expect(ir.events).toHaveLength(1);
    expect(ir.events[0]).toMatchObject({ schema: 'tradeEvent', envelope: 'subscription', bodyKey: 'event', eventTypes: ['executionReport'], noEventType: false, array: false });
  });
});

describe('buildIR on a streams fixture', () => {
  const ir = buildIR(fixture('minimal-streams.yaml'));

  it('classifies raw, combined and listenKey channels', () => {
    expect(ir.kind).toBe('streams');
    expect(ir.channels.map((c) => [c.id, c.kind])).toEqual([['marketStream', 'raw'], ['combined', 'combined'], ['userData', 'userData']]);
  });

  it('deduplicates control operations declared once per channel', () => {
    const subscribe = ir.operations.filter((op) => op.method === 'SUBSCRIBE');
    expect(subscribe).toHaveLength(1);
    expect(subscribe[0]).toMatchObject({ paramsStyle: 'array', params: [], channelMethod: 'Subscribe', signed: false, apiKey: false });
    expect(ir.operations.map((op) => op.method)).toEqual(['SUBSCRIBE']);
  });

  it('reads stream patterns with their parameters and enums (YAML numbers as strings)', () => {
    const depth = ir.events.find((e) => e.schema === 'depthEvent');
    expect(depth.streamPatterns.map((p) => p.template)).toEqual(['{symbol}@depth{levels}', '{symbol}@depth{levels}@{speed}']);
    expect(depth.streamPatterns[1].params.map((p) => [p.name, p.enum])).toEqual([['symbol', null], ['levels', ['5', '10', '20']], ['speed', ['100ms', '500ms']]]);
    expect(depth.channelKinds).toEqual(['combined', 'raw']);
  });

  it('overrides the detected product and kind with moduleKind', () => {
    expect(buildIR(fixture('minimal-streams.yaml')).product).toBe('umfutures');
    const forced = buildIR(fixture('minimal-streams.yaml'), { moduleKind: 'cmfutures-streams' });
    expect([forced.product, forced.kind]).toEqual(['cmfutures', 'streams']);
    expect(() => buildIR(fixture('minimal-streams.yaml'), { moduleKind: 'options' })).toThrow(/moduleKind must be one of/);
  });
});

describe('what the IR decides for events', () => {
  const streamsDoc = () => fixture('minimal-streams.yaml');

  test('an array event is an array payload; x-response-format alone does not make an object payload one', () => {
    const doc = streamsDoc();
    doc.components.messages.allDepth = { 'x-event': true, 'x-response-format': 'array', 'x-stream-pattern': ['!depth@arr'], payload: { type: 'array', items: { $ref: '#/components/schemas/depthEvent' } } };
    doc.components.messages.allExpired = { 'x-event': true, 'x-response-format': 'array', payload: { $ref: '#/components/schemas/depthEvent' } };
    doc.channels.marketStream.messages.allDepth = { $ref: '#/components/messages/allDepth' };
    doc.channels.marketStream.messages.allExpired = { $ref: '#/components/messages/allExpired' };
    doc.components.schemas.depthEvent.required = ['e', 'b'];
    const events = Object.fromEntries(buildIR(doc).events.map((e) => [e.messageId, e]));
    expect(events.allDepth).toMatchObject({ array: true, envelope: null, bodyKey: null, eventTypes: ['depthUpdate'], requiredKeys: ['b', 'e'] });
    expect(events.allExpired).toMatchObject({ array: false, eventTypes: ['depthUpdate'] });
  });

  test('the envelope body is where event types and required keys come from', () => {
    const doc = fixture('minimal-api.yaml');
    doc.components.messages.tradeEvent.payload.properties.event.required = ['E', 'e'];
    expect(buildIR(doc).events[0]).toMatchObject({ envelope: 'subscription', bodyKey: 'event', eventTypes: ['executionReport'], requiredKeys: ['E', 'e'] });
  });

  test('wire event types come first, x-event-type adds to them; no `e` field means noEventType', () => {
    const doc = streamsDoc();
    doc.components.messages.depthEvent['x-event-type'] = ['depthUpdate', 'depthSnapshot'];
    doc.components.messages.listenKeyExpired.payload = { type: 'object', required: ['listenKey'], properties: { listenKey: { type: 'string' } } };
    doc.components.messages.listenKeyExpired['x-event-type'] = 'listenKeyExpired';
    const events = Object.fromEntries(buildIR(doc).events.map((e) => [e.messageId, e]));
    expect(events.depthEvent).toMatchObject({ eventTypes: ['depthUpdate', 'depthSnapshot'], noEventType: false });
    expect(events.listenKeyExpired).toMatchObject({ eventTypes: ['listenKeyExpired'], noEventType: true, requiredKeys: ['listenKey'] });
  });

  test('stream params: keyword-safe Python names, lower-cased symbols', () => {
    const doc = streamsDoc();
    doc.components.messages.depthEvent['x-stream-pattern'] = ['{symbol}@depth{from}'];
    const [depth] = buildIR(doc).events;
    expect(depth.streamPatterns[0].params).toEqual([
      { name: 'symbol', pyName: 'symbol', enum: null, lowercase: true },
      { name: 'from', pyName: 'from_', enum: null, lowercase: false },
    ]);
  });
});

describe('what the IR decides for operations', () => {
  test('futures API specs get the listenKey operations they lack, apiKey only, through the spec path', () => {
    const ir = buildIR(fixture('minimal-api.yaml'), { moduleKind: 'umfutures' });
    const start = ir.operations.find((op) => op.method === 'userDataStream.start');
    expect(start).toEqual({
      method: 'userDataStream.start',
      pyName: 'user_data_stream_start',
      summary: 'Start a user data stream and get its listenKey',
      securityType: 'USER_STREAM',
      signed: false,
      apiKey: true,
      requestMessage: 'userDataStreamStartRequest',
      requestSchema: 'userDataStreamStartRequest',
      responseSchema: 'userDataStreamStartResponse',
      paramsStyle: 'object',
      params: [{ wireName: 'apiKey', pyName: 'api_key', required: false, schema: { type: 'string' }, description: '', auth: true, decimal: false }],
      channelMethod: null,
      resultMayBeList: false,
    });
    expect(ir.messages.userDataStreamStopResponse.schema).toBe('userDataStreamStopResponse');
    expect(ir.operations.map((op) => op.method)).toEqual(['order.place', 'ping', 'ticker.price', 'userDataStream.ping', 'userDataStream.start', 'userDataStream.stop']);
    expect(buildIR(fixture('minimal-api.yaml'), { moduleKind: 'spot' }).operations).toHaveLength(3);
  });

  test('recvWindow is marked decimal; auth params are marked auth', () => {
    const doc = fixture('minimal-api.yaml');
    doc.components.schemas.orderPlaceRequest.properties.params.properties.recvWindow = { type: 'integer', description: 'Validity window' };
    const order = buildIR(doc).operations.find((op) => op.method === 'order.place');
    expect(order.params.filter((p) => p.decimal).map((p) => p.wireName)).toEqual(['recvWindow']);
    expect(order.params.find((p) => p.wireName === 'recvWindow')).toMatchObject({ pyName: 'recv_window', description: 'Validity window', auth: false });
  });
});

describe('buildIR errors name the problem and where it is', () => {
  it('refuses AsyncAPI 2.x', () => {
    const doc = fixture('minimal-api.yaml');
    doc.asyncapi = '2.6.0';
    expect(() => buildIR(doc)).toThrow(SpecError);
    expect(() => buildIR(doc)).toThrow(/#\/asyncapi: AsyncAPI 2.6.0 is not supported/);
  });

  it('reports a dangling $ref with its location', () => {
    const doc = fixture('minimal-api.yaml');
    doc.components.messages.pingRequest.payload = { $ref: '#/components/schemas/nope' };
    expect(() => buildIR(doc)).toThrow('#/components/messages/pingRequest/payload: $ref #/components/schemas/nope points at nothing');
  });

  it('reports a circular $ref chain', () => {
    const doc = fixture('minimal-api.yaml');
    doc.components.schemas.loopA = { $ref: '#/components/schemas/loopB' };
    doc.components.schemas.loopB = { $ref: '#/components/schemas/loopA' };
    expect(() => buildIR(doc)).toThrow('#/components/schemas/loopA: circular $ref #/components/schemas/loopB -> #/components/schemas/loopA -> #/components/schemas/loopB');
  });

  it('reports a schema $ref that leaves #/components/schemas', () => {
    const doc = fixture('minimal-api.yaml');
    doc.components.schemas.pingResponse.properties.result = { $ref: '#/components/messages/pingRequest' };
    expect(() => buildIR(doc)).toThrow('#/components/schemas/pingResponse/properties/result: a schema $ref must point into #/components/schemas/, got "#/components/messages/pingRequest"');
  });

  it('reports an operation without messages', () => {
    const doc = fixture('minimal-api.yaml');
    doc.operations.ping.messages = [];
    expect(() => buildIR(doc)).toThrow('#/operations/ping: operation has no messages');
  });

  it('reports a request whose method is not fixed', () => {
    const doc = fixture('minimal-api.yaml');
    delete doc.components.schemas.pingRequest.properties.method.const;
    expect(() => buildIR(doc)).toThrow(/does not fix its method/);
  });
});

describe('small pure helpers', () => {
  it('serverUrl tolerates a protocol duplicated into the host and a root pathname', () => {
    expect(serverUrl({ protocol: 'wss', host: 'wss://stream.binance.com:9443', pathname: '/' })).toBe('wss://stream.binance.com:9443');
  });

});

describe('the real corpus', () => {
  const load = (name) => yaml.load(fs.readFileSync(path.join(CORPUS, name), 'utf8'));
  corpusIt('spot: 49 request operations, userDataStream.subscribe.signature signed, unsubscribe not', () => {
    const ir = buildIR(load('spot.yaml'));
    expect(ir.operations).toHaveLength(49);
    const byMethod = Object.fromEntries(ir.operations.map((op) => [op.method, op]));
    expect(byMethod['userDataStream.subscribe.signature'].signed).toBe(true);
    expect(byMethod['userDataStream.unsubscribe'].signed).toBe(false);
    expect(byMethod['session.logon']).toMatchObject({ securityType: 'SIGNED', signed: true });
    expect(byMethod.exchangeInfo.resultMayBeList).toBe(false);
    expect(byMethod['ticker.price'].resultMayBeList).toBe(true);
    expect(ir.events.every((e) => e.envelope === 'subscription')).toBe(true);
  });
  corpusIt('umfutures: listenKey methods added on the futures API with apiKey only', () => {
    const ir = buildIR(load('umfutures.yaml'));
    const start = ir.operations.find((op) => op.method === 'userDataStream.start');
    expect(start).toMatchObject({ signed: false, apiKey: true, securityType: 'USER_STREAM' });
    expect(ir.schemas.userDataStreamStartResponse.properties.result.required).toEqual(['listenKey']);
    expect(ir.operations.find((op) => op.method === 'v2/account.balance').pyName).toBe('v2_account_balance');
  });
  corpusIt('streams specs: every x-stream-pattern is read', () => {
    const counts = ['spot-streams.yaml', 'umfutures-streams.yaml', 'cmfutures-streams.yaml'].map((name) => buildIR(load(name)).events.reduce((n, e) => n + e.streamPatterns.length, 0));
    expect(counts).toEqual([16, 23, 24]);
  });
});
