'use strict';
/** components/client.js: client.py, one typed coroutine per request operation. */
const { renderClientModule, methodName, keywordArguments } = require('../../../components/client');
const { EMBEDDED, SHARED, makeIR, operation, param } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const envelope = (result) => ({ type: 'object', properties: { id: { type: 'string' }, status: { type: 'integer' }, result } });

function apiIR() {
  return makeIR({
    schemas: {
      orderPlaceResponse: envelope({ type: 'object', properties: { orderId: { type: 'integer' } } }),
      pingResponse: envelope({ type: 'object' }),
      tickerPriceResponse: envelope({ type: 'object', properties: { symbol: { type: 'string' }, price: { type: 'string' } } }),
      side: { type: 'string', enum: ['BUY', 'SELL'] },
    },
    operations: [
      operation({
        method: 'order.place',
        summary: 'Send to order.place',
        securityType: 'TRADE',
        signed: true,
        apiKey: true,
        requestMessage: 'orderPlaceRequest',
        responseSchema: 'orderPlaceResponse',
        params: [
          param({ wireName: 'symbol', required: true, description: 'Trading pair' }),
          param({ wireName: 'quantity', schema: { type: 'number' } }),
          param({ wireName: 'side', required: true, schema: { $ref: '#/components/schemas/side' } }),
          param({ wireName: 'recvWindow', schema: { type: 'integer' }, decimal: true }),
          param({ wireName: 'apiKey', auth: true }),
          param({ wireName: 'timestamp', required: true, schema: { type: 'integer' }, auth: true }),
          param({ wireName: 'signature', required: true, auth: true }),
        ],
      }),
      operation({ method: 'ping', summary: 'Test connectivity', responseSchema: 'pingResponse' }),
      operation({
        method: 'ticker.price',
        responseSchema: 'tickerPriceResponse',
        resultMayBeList: true,
        params: [param({ wireName: 'symbol' }), param({ wireName: 'symbols', schema: { type: 'array', items: { type: 'string' } } })],
      }),
      operation({ method: 'subscribe', responseSchema: 'pingResponse' }),
      operation({ method: 'userDataStream.start', securityType: 'USER_STREAM', apiKey: true, responseSchema: 'pingResponse', params: [param({ wireName: 'apiKey', auth: true })] }),
    ],
    messages: {
      orderPlaceRequest: { id: 'orderPlaceRequest', name: 'Place new order (TRADE) Request', title: '', summary: '', description: '', schema: 'orderPlaceRequest' },
    },
  });
}

/** The `async def` block of one method. */
function methodBlock(text, name) {
  const start = text.indexOf(`    async def ${name}(`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('    async def ', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('an API client', () => {
  const ir = apiIR();
  const text = renderClientModule(ir, EMBEDDED);

  test('is valid Python without undefined or unused names', () => {
    expect(pythonProblems(text)).toEqual([]);
  });

  test('subclasses the API base with one coroutine per operation', () => {
    expect(text).toMatch(/^class BinanceWebSocketClient\(ApiClientBase\):/m);
    expect(text.match(/^ {4}async def /gm)).toHaveLength(ir.operations.length);
    expect(text).toContain('from ._runtime.api.client import ApiClientBase');
    expect(text).not.toContain('struct_router');
  });

  test('a signed operation takes only user parameters, required first, and passes them under their wire names', () => {
    const block = methodBlock(text, 'order_place');
    expect(block).toContain(
      'async def order_place(self, *, symbol: str, side: Literal["BUY", "SELL"], quantity: str | int | Decimal | None = None, ' +
        'recv_window: int | str | Decimal | None = None) -> models.OrderPlaceResponse:',
    );
    expect(block).toContain('return await self._call("order.place", present({"symbol": symbol, "side": side, "quantity": quantity, "recvWindow": recv_window}), models.OrderPlaceResponse)');
    const [signatureLine] = block.split('\n');
    const callLine = block.split('\n').find((l) => l.includes('self._call('));
    expect(`${signatureLine}\n${callLine}`).not.toMatch(/api_?[kK]ey|signature|timestamp/);
    expect(block).toContain('signed: the client adds apiKey, timestamp and signature');
    expect(block).toContain('recv_window: recvWindow (wire name recvWindow)');
    expect(block).toMatch(/"""Place new order \(TRADE\)\./);
    expect(text).toContain('from decimal import Decimal');
  });

  test('an operation without parameters takes none and sends an empty params object', () => {
    const block = methodBlock(text, 'ping');
    expect(block).toContain('async def ping(self) -> models.PingResponse:');
    expect(block).toContain('present({})');
    expect(block).toContain('Test connectivity');
  });

  test('apiKey-only and list-result operations say so', () => {
    expect(methodBlock(text, 'user_data_stream_start')).toContain('Security: USER_STREAM (the client adds apiKey).');
    expect(methodBlock(text, 'ticker_price')).toContain('The result is a list when several (or all) symbols are requested.');
  });

  test('a method named like a base-class method is renamed', () => {
    expect(methodName(ir.operations.find((op) => op.method === 'subscribe'))).toBe('subscribe_method');
    expect(text).toContain('async def subscribe_method(self) -> models.PingResponse:');
  });

  test('two parameters with one Python name get distinct keywords', () => {
    const op = operation({ method: 'x', params: [param({ wireName: 'orderId', pyName: 'order_id' }), param({ wireName: 'order_id', pyName: 'order_id', required: true })] });
    expect(keywordArguments(op).map((p) => [p.wireName, p.kw])).toEqual([['order_id', 'order_id'], ['orderId', 'order_id_']]);
  });

  test('imports the shared runtime by its own name', () => {
    const shared = renderClientModule(ir, SHARED);
    expect(shared).toContain('from binance_ws_runtime.api.client import ApiClientBase');
    expect(shared).toContain('from binance_ws_runtime.api.params import present');
    expect(pythonProblems(shared)).toEqual([]);
  });
});

describe('a streams client', () => {
  const text = renderClientModule(makeIR({ kind: 'streams', operations: [operation({ method: 'SUBSCRIBE', paramsStyle: 'array', channelMethod: 'Subscribe' })] }), EMBEDDED);

  test('subclasses the streams base, has no request coroutines and wires the msgspec router lazily', () => {
    expect(text).toMatch(/^class BinanceWebSocketClient\(StreamClientBase\):/m);
    expect(text).not.toMatch(/async def /);
    expect(text).toContain('struct_router=_struct_router,');
    expect(text).toMatch(/def _struct_router\(\) -> EventRouterLike:\n.*\n {4}from \.structs import STRUCT_ROUTER/);
    expect(pythonProblems(text)).toEqual([]);
  });
});
