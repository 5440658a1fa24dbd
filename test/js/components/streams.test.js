'use strict';
/** components/streams.js: streams.py, the typed stream-name builders. */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderStreamsModule, builders } = require('../../../components/streams');
const { buildIR } = require('../../../helpers/ir');
const { makeIR, event, pattern } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const fixture = (name) => yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', name), 'utf8'));

/** The `def` of one builder. */
function builderSource(text, name) {
  const start = text.indexOf(`\ndef ${name}(`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\ndef ', start + 1);
  return text.slice(start + 1, next < 0 ? undefined : next);
}

describe('streams.py of the streams fixture', () => {
  const ir = buildIR(fixture('minimal-streams.yaml'));
  const text = renderStreamsModule(ir);

  test('is valid Python', () => {
    expect(pythonProblems(text)).toEqual([]);
  });

  test('variants of one stream are one builder; the longer template needs its extra argument', () => {
    const depth = builderSource(text, 'depth');
    expect(depth).toContain('def depth(symbol: str, levels: Literal["5", "10", "20"] | int, speed: Literal["100ms", "500ms"] | None = None) -> str:');
    expect(depth).toMatch(/ {4}if speed is not None:\n {8}return f"\{symbol\.lower\(\)\}@depth\{levels\}@\{speed\}"\n {4}return f"\{symbol\.lower\(\)\}@depth\{levels\}"/);
    expect(depth).toContain('events: ``models.DepthEvent``');
    expect(depth).toContain('Example: ``btcusdt@depth5``.');
    expect(text).toMatch(/^__all__ = \["depth"\]$/m);
  });
});

describe('builder naming and grouping', () => {
  const ir = makeIR({
    kind: 'streams',
    schemas: {
      tradeEvent: { type: 'object', properties: { e: { type: 'string', const: 'trade' } } },
      diffDepthEvent: { type: 'object', properties: { e: { type: 'string', const: 'depthUpdate' } } },
      partialDepthEvent: { type: 'object', properties: { lastUpdateId: { type: 'integer' } } },
      allMiniTickersEvent: { type: 'array', items: { type: 'object' } },
      klineEvent: { type: 'object', properties: { e: { type: 'string', const: 'kline' } } },
      // Named like a class of the runtime: models.py calls it ServerShutdownEvent2.
      serverShutdownEvent: { type: 'object', properties: { e: { type: 'string', const: 'serverShutdown' } } },
      oddEvent: { type: 'object', properties: { e: { type: 'string', const: 'odd' } } },
    },
    events: [
      event({ messageId: 'tradeEvent', streamPatterns: [pattern('{symbol}@trade')] }),
      event({ messageId: 'diffDepthEvent', streamPatterns: [pattern('{symbol}@depth')] }),
      event({ messageId: 'partialDepthEvent', streamPatterns: [pattern('{symbol}@depth{levels}', { levels: ['5'] })] }),
      event({ messageId: 'allMiniTickersEvent', array: true, streamPatterns: [pattern('!miniTicker@arr')] }),
      event({ messageId: 'klineEvent', streamPatterns: [pattern('{symbol}@kline_{interval}'), pattern('{pair}@kline_{interval}')] }),
      event({ messageId: 'serverShutdownEvent', streamPatterns: [pattern('!shutdown{x}')] }),
      event({ messageId: 'oddEvent', streamPatterns: [pattern('{symbol}@odd{}')] }),
    ],
  });
  const list = builders(ir);
  const text = renderStreamsModule(ir);

  test('builders are named after the template; events sharing a name are told apart by their event', () => {
    expect(list.map((b) => b.name)).toEqual(['all_mini_ticker_arr', 'all_shutdown', 'diff_depth', 'kline_by_pair_interval', 'kline_by_symbol_interval', 'odd', 'partial_depth', 'trade']);
  });

  test('templates of one event that do not extend each other get one builder each', () => {
    expect(builderSource(text, 'kline_by_pair_interval')).toContain('return f"{pair.lower()}@kline_{interval}"');
    expect(builderSource(text, 'kline_by_symbol_interval')).toContain('return f"{symbol.lower()}@kline_{interval}"');
  });

  test('a template without placeholders returns the plain name; literal braces are escaped', () => {
    expect(builderSource(text, 'all_mini_ticker_arr')).toContain('def all_mini_ticker_arr() -> str:');
    expect(builderSource(text, 'all_mini_ticker_arr')).toContain('return "!miniTicker@arr"');
    expect(builderSource(text, 'odd')).toContain('return f"{symbol.lower()}@odd{{}}"');
    expect(builderSource(text, 'all_shutdown')).toContain('def all_shutdown(x: str) -> str:');
    expect(builderSource(text, 'all_shutdown')).toContain('return f"!shutdown{x}"');
  });

  test('docstrings name the model class models.py defines', () => {
    expect(builderSource(text, 'all_shutdown')).toContain('``models.ServerShutdownEvent2``');
    expect(builderSource(text, 'trade')).toContain('``models.TradeEvent``');
    expect(pythonProblems(text)).toEqual([]);
  });
});
