'use strict';
/** components/message-examples.js: tests/_message_examples.py, the payloads and routing cases test_models.py runs. */
const { renderMessageExamplesModule } = require('../../../components/message-examples');
const { makeIR, operation, event, pattern } = require('../ir-factory');
const { pythonProblems, pyStringValue } = require('../python-check');

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

function fixtureIR(overrides = {}) {
  return makeIR({
    kind: 'streams',
    schemas: {
      tradeEvent: { type: 'object', properties: { e: { type: 'string', const: 'trade' }, p: { type: 'string', example: '0.1' } }, example: { e: 'trade', p: '9' } },
      tickerEvent: { type: 'object', properties: { e: { type: 'string', const: '24hrTicker' }, c: { type: 'string', example: '1.5' } } },
      allTickersEvent: { type: 'array', items: ref('tickerEvent') },
      depthEvent: { type: 'object', required: ['lastUpdateId', 'bids'], properties: { lastUpdateId: { type: 'integer', example: 7 }, bids: { type: 'array', items: { type: 'string' } } } },
      userEvent: { type: 'object', properties: { subscriptionId: { type: 'integer', example: 3 }, event: { type: 'object', properties: { e: { type: 'string', const: 'balanceUpdate' } } } } },
      brokenExample: { type: 'object', properties: { n: { type: 'integer' } }, example: { n: 'not a number' } },
      tickerPriceResponse: { type: 'object', properties: { id: { type: 'string' }, result: { type: 'object', properties: { symbol: { type: 'string', example: 'BNBBTC' } } } } },
      wrapper: { type: 'object', properties: { stream: { type: 'string' }, data: { type: 'object' } } },
    },
    operations: [operation({ method: 'ticker.price', responseSchema: 'tickerPriceResponse', resultMayBeList: true })],
    events: [
      event({ messageId: 'tradeEvent', eventTypes: ['trade'], streamPatterns: [pattern('{symbol}@trade', {}, 'bnbbtc@trade')] }),
      event({ messageId: 'tickerEvent', eventTypes: ['24hrTicker'], streamPatterns: [pattern('{symbol}@ticker')] }),
      event({ messageId: 'allTickersEvent', eventTypes: ['24hrTicker'], array: true, streamPatterns: [pattern('!ticker@arr')] }),
      event({ messageId: 'depthEvent', noEventType: true, requiredKeys: ['bids', 'lastUpdateId'], streamPatterns: [pattern('{symbol}@depth{levels}', { levels: ['5', '10'] })] }),
      event({ messageId: 'userEvent', eventTypes: ['balanceUpdate'], bodyKey: 'event' }),
    ],
    combinedWrapper: { schema: 'wrapper', streamKey: 'stream', dataKey: 'data' },
    ...overrides,
  });
}

/**
 * The entries of ROUTING_CASES.
 * @returns {Array<{frame: any, expected: string, eventType: string, stream: string | null, subscriptionId: number | null, passStream: boolean}>}
 */
function routingCases(text) {
  const literal = '"(?:[^"\\\\]|\\\\.)*"';
  const re = new RegExp(`^ {4}RoutingCase\\((${literal}), (${literal}), (${literal}), (None|${literal}), (None|\\d+), (True|False)\\),$`, 'gm');
  return Array.from(text.matchAll(re), (m) => ({
    frame: JSON.parse(pyStringValue(m[1])),
    expected: pyStringValue(m[2]),
    eventType: pyStringValue(m[3]),
    stream: m[4] === 'None' ? null : pyStringValue(m[4]),
    subscriptionId: m[5] === 'None' ? null : Number(m[5]),
    passStream: m[6] === 'True',
  }));
}

describe('tests/_message_examples.py', () => {
  const text = renderMessageExamplesModule(fixtureIR());
  const cases = routingCases(text);

  test('is valid Python', () => {
    expect(pythonProblems(text)).toEqual([]);
    expect(text).toMatch(/^SPEC_KIND = "streams"$/m);
  });

  test('every route is exercised: bare, in the combined wrapper and with the stream handed over', () => {
    const trade = cases.filter((c) => c.expected === 'TradeEvent');
    expect(trade).toEqual([
      { frame: { e: 'trade', p: '9' }, expected: 'TradeEvent', eventType: 'trade', stream: null, subscriptionId: null, passStream: false },
      { frame: { stream: 'bnbbtc@trade', data: { e: 'trade', p: '9' } }, expected: 'TradeEvent', eventType: 'trade', stream: 'bnbbtc@trade', subscriptionId: null, passStream: false },
      { frame: { e: 'trade', p: '9' }, expected: 'TradeEvent', eventType: 'trade', stream: 'bnbbtc@trade', subscriptionId: null, passStream: true },
    ]);
  });

  test('array events expect a list of the item model', () => {
    const arrays = cases.filter((c) => c.expected === 'list[TickerEvent]');
    expect(arrays.length).toBeGreaterThan(0);
    for (const c of arrays) expect(Array.isArray(c.stream === null || c.passStream ? c.frame : c.frame.data)).toBe(true);
  });

  test('events without an event type are named by their model and get a stream from the enum', () => {
    const depth = cases.filter((c) => c.expected === 'DepthEvent');
    expect(depth.map((c) => c.eventType)).toEqual(['DepthEvent', 'DepthEvent', 'DepthEvent']);
    expect(depth[1].stream).toBe('btcusdt@depth5');
  });

  test('user-data events arrive in their envelope with a subscription id', () => {
    expect(cases.filter((c) => c.expected === 'UserEventPayload')).toEqual([
      { frame: { subscriptionId: 3, event: { e: 'balanceUpdate' } }, expected: 'UserEventPayload', eventType: 'balanceUpdate', stream: null, subscriptionId: 3, passStream: false },
    ]);
  });

  test('the combined-wrapper frames use the wrapper keys the spec declares', () => {
    const custom = routingCases(renderMessageExamplesModule(fixtureIR({ combinedWrapper: { schema: 'wrapper', streamKey: 's', dataKey: 'd' } })));
    const wrapped = custom.find((c) => c.expected === 'TradeEvent' && c.stream && !c.passStream);
    expect(wrapped && wrapped.frame).toEqual({ s: 'bnbbtc@trade', d: { e: 'trade', p: '9' } });
  });

  test('list-form results, response classes, and examples that break their own schema are reported', () => {
    expect(text).toContain('"TickerPriceResponse": [{"id": "string", "result": {"symbol": "BNBBTC"}}, {"id": "string", "result": [{"symbol": "BNBBTC"}]}],');
    expect(text).toMatch(/^ {4}"ticker\.price": "TickerPriceResponse",$/m);
    expect(text).toContain('Whole-object examples of brokenExample break their own schema');
    expect(text).toMatch(/^SPEC_EXAMPLES: dict\[str, list\[Any\]\] = \{\n {4}"BrokenExample": \[\{"n": "not a number"\}\],\n {4}"TradeEvent": \[\{"e": "trade", "p": "9"\}\],\n\}$/m);
  });
});
