'use strict';
/** components/models.js: models.py, the pydantic models and EVENT_ROUTER. */
const { renderModelsModule } = require('../../../components/models');
const { EMBEDDED, SHARED, makeIR, operation, event, pattern } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

function streamsIR() {
  return makeIR({
    kind: 'streams',
    info: { title: 'Fixture Streams', version: '2.0' },
    schemas: {
      tradeEvent: {
        type: 'object',
        description: 'Trade """quoted""" \\ event',
        required: ['e', 'p'],
        properties: {
          e: { type: 'string', const: 'trade', description: 'Event type' },
          E: { type: 'integer', description: 'Event time' },
          p: { type: 'string', description: 'Price' },
          m: { type: 'boolean', description: 'Is the buyer the market maker' },
        },
      },
      tickerEvent: { type: 'object', properties: { e: { type: 'string', const: '24hrTicker' }, c: { type: 'string', description: 'Last price' } } },
      allTickersEvent: { type: 'array', items: ref('tickerEvent') },
      bookTickerEvent: { type: 'object', required: ['u', 's', 'b'], properties: { u: { type: 'integer' }, s: { type: 'string' }, b: { type: 'string' } } },
      userEvent: {
        type: 'object',
        properties: { subscriptionId: { type: 'integer' }, event: { type: 'object', properties: { e: { type: 'string', const: 'balanceUpdate' }, d: { type: 'string' } } } },
      },
      wrapper: { type: 'object', properties: { s: { type: 'string' }, d: { type: 'object', properties: { x: { type: 'integer' } } } } },
      pingResponse: { type: 'object', properties: { id: { type: 'string' }, result: { type: 'object' } } },
    },
    messages: { tradeEvent: { id: 'tradeEvent', name: 'tradeEvent', title: 'Trade', summary: 'One trade.', description: '', schema: 'tradeEvent' } },
    operations: [operation({ method: 'ping', responseSchema: 'pingResponse' })],
    events: [
      event({ messageId: 'tradeEvent', eventTypes: ['trade'], streamPatterns: [pattern('{symbol}@trade')] }),
      event({ messageId: 'tickerEvent', eventTypes: ['24hrTicker'], streamPatterns: [pattern('{symbol}@ticker_{windowSize}', { windowSize: ['1h', '4h'] })] }),
      event({ messageId: 'allTickersEvent', eventTypes: ['24hrTicker'], array: true, streamPatterns: [pattern('!ticker@arr')] }),
      event({ messageId: 'bookTickerEvent', noEventType: true, requiredKeys: ['b', 's', 'u'], streamPatterns: [pattern('{symbol}@bookTicker')] }),
      event({ messageId: 'userEvent', eventTypes: ['balanceUpdate'], bodyKey: 'event' }),
    ],
    combinedWrapper: { schema: 'wrapper', streamKey: 's', dataKey: 'd' },
  });
}

/** The `EventRoute(...)` argument texts of the routes whose model is `model`. */
function routes(text, model) {
  return Array.from(text.matchAll(new RegExp(`EventRoute\\(model=${model}, ([^\\n]*)\\),\\n`, 'g')), (m) => m[1]);
}

describe('models.py of a streams spec', () => {
  const text = renderModelsModule(streamsIR(), EMBEDDED);

  test('is valid Python without undefined or unused names', () => {
    expect(pythonProblems(text)).toEqual([]);
  });

  test('is deterministic', () => {
    expect(renderModelsModule(streamsIR(), EMBEDDED)).toBe(text);
  });

  test('fields: readable attributes, wire names as aliases, optional ones default to None', () => {
    const trade = text.slice(text.indexOf('class TradeEvent(BinanceModel):'), text.indexOf('\nclass ', text.indexOf('class TradeEvent(')));
    expect(trade).toMatch(/^ {4}event_type: Literal\["trade"\] = Field\(alias="e"\)$/m);
    expect(trade).toMatch(/^ {4}event_time: int \| None = Field\(default=None, alias="E"\)$/m);
    expect(trade).toMatch(/^ {4}price: str = Field\(alias="p"\)$/m);
    expect(trade).toMatch(/^ {4}is_buyer_maker: bool \| None = Field\(default=None, alias="m"\)$/m);
  });

  test('docstrings cannot be broken by quotes or backslashes', () => {
    expect(text).not.toMatch(/""""/);
    expect(text).not.toContain('"""quoted"""');
  });

  test('the router: discriminated, array, shape-matched and enveloped routes, with their stream patterns', () => {
    expect(routes(text, 'TradeEvent')).toEqual(['event_types=("trade",), stream_patterns=(StreamPattern("{symbol}@trade", (("symbol", None),)),)']);
    expect(routes(text, 'TickerEvent')).toEqual([
      'event_types=("24hrTicker",), stream_patterns=(StreamPattern("{symbol}@ticker_{windowSize}", (("symbol", None), ("windowSize", ("1h", "4h")))),)',
      'event_types=("24hrTicker",), array=True, stream_patterns=(StreamPattern("!ticker@arr", ()),)',
    ]);
    expect(routes(text, 'BookTickerEvent')).toEqual(['event_types=(), stream_patterns=(StreamPattern("{symbol}@bookTicker", (("symbol", None),)),), required_keys=("b", "s", "u")']);
    expect(routes(text, 'UserEventPayload')).toEqual(['event_types=("balanceUpdate",), envelope="subscription"']);
    expect(routes(text, 'UserEvent')).toEqual([]);
  });

  test('custom combined-wrapper keys reach the router, and its data field tries the events then plain JSON', () => {
    expect(text).toMatch(/^ {4}stream_key="s",\n {4}data_key="d",\n\)$/m);
    expect(text).toMatch(/d: WrapperD \| dict\[str, Any\] \| list\[Any\] \| None = Field\(default=None, union_mode="left_to_right"\)/);
  });

  test('every response carries the WS API envelope', () => {
    const ping = text.slice(text.indexOf('class PingResponse(BinanceModel):'), text.indexOf('\nclass ', text.indexOf('class PingResponse(')));
    expect(ping).toMatch(/^ {4}id: int \| str \| None = None$/m);
    expect(ping).toMatch(/^ {4}status: int \| None = None$/m);
    expect(ping).toMatch(/^ {4}rate_limits: list\[RateLimit\] \| None = Field\(default=None, alias="rateLimits"\)$/m);
    expect(ping).toMatch(/^ {4}error: ErrorPayload \| None = None$/m);
  });

  test('__all__ lists every class in ruff order and the header names the spec', () => {
    const all = /** @type {RegExpMatchArray} */ (text.match(/^__all__ = \[(.*)\]$/m))[1].split(', ').map((s) => JSON.parse(s));
    expect(all.slice(0, 1)).toEqual(['EVENT_ROUTER']);
    expect(all).toEqual(expect.arrayContaining(['TradeEvent', 'UserEventPayload', 'AllTickersEvent', 'parse_event']));
    expect(text).toMatch(/^"""Typed messages of Fixture Streams 2\.0\./);
    expect(text).toContain('from ._runtime.routing.router import');
  });

  test('re-exports what users of drift tolerance need: UnknownEvent, MissingFieldError, missing_fields', () => {
    const all = /** @type {RegExpMatchArray} */ (text.match(/^__all__ = \[(.*)\]$/m))[1].split(', ').map((s) => JSON.parse(s));
    expect(all).toEqual(expect.arrayContaining(['MissingFieldError', 'UnknownEvent', 'missing_fields']));
    const imports = /** @type {RegExpMatchArray} */ (text.match(/^from \._runtime\.routing\.router import \(?([^)]*?)\)?$/m))[1];
    for (const name of ['MissingFieldError', 'UnknownEvent', 'missing_fields']) expect(imports).toContain(name);
    expect(pythonProblems(renderModelsModule(makeIR({ kind: 'api' }), EMBEDDED))).toEqual([]);
  });

  test('a class used before its definition is defined first (no quoted annotations)', () => {
    expect(text.indexOf('class UserEventPayload(')).toBeLessThan(text.indexOf('class UserEvent('));
    expect(text).not.toMatch(/: "UserEventPayload"/);
  });

  test('the shared runtime is imported by its name', () => {
    const shared = renderModelsModule(streamsIR(), SHARED);
    expect(shared).toContain('from binance_ws_runtime.routing.router import');
    expect(pythonProblems(shared)).toEqual([]);
  });
});
