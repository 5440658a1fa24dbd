'use strict';
/** components/spec-table.js: _spec.py, the spec as data for the runtime (signing per method); no mock data in it. */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderSpecModule } = require('../../../components/spec-table');
const { buildIR } = require('../../../helpers/ir');
const { EMBEDDED, SHARED, makeIR, operation, param, event, pattern } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const fixture = (name) => yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', name), 'utf8'));

/** The `OperationSpec(...)` of one method, as one line. */
function operationSpec(text, method) {
  const line = text.split('\n').find((l) => l.startsWith(`    ${JSON.stringify(method)}: OperationSpec(`));
  expect(line).toBeDefined();
  return /** @type {string} */ (line);
}

describe('_spec.py of the API fixture', () => {
  const ir = buildIR(fixture('minimal-api.yaml'));
  const text = renderSpecModule(ir, EMBEDDED);

  test('is valid Python that imports only the dataclasses it uses', () => {
    expect(pythonProblems(text)).toEqual([]);
    expect(text).toContain('from ._runtime.spec import ChannelSpec, EventSpec, OperationSpec, ParamSpec, ServerSpec, Spec');
    expect(text).not.toContain('StreamPatternSpec');
  });

  test('a signed operation: signing flags and auth params marked, no examples (they are in _mock_data.py)', () => {
    const spec = operationSpec(text, 'order.place');
    expect(spec).toContain('py_name="order_place", response_model="OrderPlaceResponse", security="TRADE", signed=True, api_key=True, params_style="object"');
    expect(spec).toContain('ParamSpec("side", "side", required=True, auth=False)');
    expect(spec).toContain('ParamSpec("newClientOrderId", "new_client_order_id", required=False, auth=False)');
    for (const wire of ['apiKey', 'signature']) expect(spec).toContain(`ParamSpec("${wire}", "${wire === 'apiKey' ? 'api_key' : wire}", required=False, auth=True)`);
    expect(spec).not.toContain('example');
  });

  test('an unsigned operation without params, and a list result', () => {
    expect(operationSpec(text, 'ping')).toContain('security="NONE", signed=False, api_key=False, params_style="none", params=(), channel_method=None, result_may_be_list=False');
    expect(operationSpec(text, 'ticker.price')).toContain('result_may_be_list=True');
  });

  test('servers (mainnet first) and the enveloped event, without an example', () => {
    expect(text).toContain('servers=(ServerSpec("mainnet", "wss://ws-api.example.com/ws-api/v3", testnet=False), ServerSpec("testnet", "wss://testnet.example.com/ws-api/v3", testnet=True)),');
    expect(text).toContain('EventSpec("TradeEvent", event_types=("executionReport",), envelope="subscription", array=False, channel_kinds=("api",)),');
  });
});

describe('_spec.py of a streams IR', () => {
  const ir = makeIR({
    kind: 'streams',
    product: 'umfutures',
    servers: [{ name: 'market', url: 'wss://fstream.binance.com/market', testnet: false, route: 'market' }],
    channels: [{ id: 'stream', address: '/ws/{streamName}', kind: 'raw' }],
    schemas: {
      markPriceEvent: { type: 'object', properties: { e: { type: 'string', const: 'markPriceUpdate' } } },
      allMarkPricesEvent: { type: 'array', items: { $ref: '#/components/schemas/markPriceEvent' } },
      subscribeRequest: { type: 'object', properties: { method: { const: 'SUBSCRIBE' }, params: { type: 'array', items: { type: 'string', example: 'btcusdt@markPrice' } } } },
      subscribeResponse: { type: 'object', properties: { id: { type: 'integer' }, result: { type: 'null' } } },
    },
    operations: [operation({ method: 'SUBSCRIBE', paramsStyle: 'array', channelMethod: 'Subscribe', requestSchema: 'subscribeRequest', responseSchema: 'subscribeResponse' })],
    events: [
      event({ messageId: 'markPriceEvent', eventTypes: ['markPriceUpdate'], route: 'market', channelKinds: ['raw'], streamPatterns: [pattern('{symbol}@markPrice', {}, 'btcusdt@markPrice')] }),
      event({ messageId: 'allMarkPricesEvent', eventTypes: ['markPriceUpdate'], array: true, channelKinds: ['combined', 'raw'], streamPatterns: [pattern('!markPrice@arr')] }),
    ],
  });
  const text = renderSpecModule(ir, SHARED);

  test('is valid Python importing the shared runtime', () => {
    expect(pythonProblems(text)).toEqual([]);
    expect(text).toContain('from binance_ws_runtime.spec import ChannelSpec, EventSpec, OperationSpec, ServerSpec, Spec, StreamPatternSpec');
  });

  test('product, kind, routes, channels, control methods without a Python method name', () => {
    expect(text).toContain('product="umfutures",\n    kind="streams",');
    expect(text).toContain('ServerSpec("market", "wss://fstream.binance.com/market", testnet=False, route="market")');
    expect(text).toContain('channels=(ChannelSpec("stream", "/ws/{streamName}", "raw"),),');
    expect(operationSpec(text, 'SUBSCRIBE')).toContain('py_name="", response_model="SubscribeResponse"');
    expect(operationSpec(text, 'SUBSCRIBE')).toContain('params_style="array", params=(), channel_method="Subscribe"');
  });

  test('stream patterns name their model, route and example stream name; array events are marked', () => {
    expect(text).toContain('StreamPatternSpec("{symbol}@markPrice", ("symbol",), "MarkPriceEvent", example="btcusdt@markPrice", route="market"),');
    expect(text).toContain('StreamPatternSpec("!markPrice@arr", (), "AllMarkPricesEvent", example=""),');
    expect(text).toContain('EventSpec("AllMarkPricesEvent", event_types=("markPriceUpdate",), envelope=None, array=True, channel_kinds=("combined", "raw")),');
  });
});

test('the IR\'s own params are what _spec.py lists (auth flags drive the runtime\'s signing)', () => {
  const ir = makeIR({
    schemas: {
      accountStatusRequest: { type: 'object', properties: { params: { type: 'object', properties: { timestamp: { type: 'integer', example: 5 } } } } },
      accountResponse: { type: 'object', properties: { result: { type: 'object' } } },
    },
    operations: [operation({ method: 'account.status', securityType: 'USER_DATA', signed: true, apiKey: true, responseSchema: 'accountResponse', params: [param({ wireName: 'timestamp', required: true, auth: true })] })],
  });
  const spec = operationSpec(renderSpecModule(ir, EMBEDDED), 'account.status');
  expect(spec).toContain('security="USER_DATA", signed=True, api_key=True');
  expect(spec).toContain('params=(ParamSpec("timestamp", "timestamp", required=True, auth=True),)');
});
