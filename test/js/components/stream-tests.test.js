'use strict';
/** components/stream-tests.js: tests/test_stream_names.py, each builder against the name its template defines. */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderStreamNamesTest } = require('../../../components/stream-tests');
const { buildIR } = require('../../../helpers/ir');
const { makeIR, event, pattern } = require('../ir-factory');
const { pythonProblems, pyStringValue } = require('../python-check');

/** CASES rows as [builder, {keyword: value}, expected name, model]. */
function rows(text) {
  const literal = '"(?:[^"\\\\]|\\\\.)*"';
  const re = new RegExp(`^ {4}\\(streams\\.(\\w+), \\{(.*)\\}, (${literal}), (${literal})\\),$`, 'gm');
  return Array.from(text.matchAll(re), (m) => [m[1], JSON.parse(`{${m[2]}}`), pyStringValue(m[3]), pyStringValue(m[4])]);
}

describe('test_stream_names.py of the streams fixture', () => {
  const text = renderStreamNamesTest(buildIR(yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'minimal-streams.yaml'), 'utf8'))));

  test('is valid Python', () => {
    expect(pythonProblems(text)).toEqual([]);
  });

  test('one case per template, with enum values and the lower-cased symbol in the expected name', () => {
    expect(rows(text)).toEqual([
      ['depth', { symbol: 'BNBBTC', levels: '20' }, 'bnbbtc@depth20', 'DepthEvent'],
      ['depth', { symbol: 'BNBBTC', levels: '20', speed: '500ms' }, 'bnbbtc@depth20@500ms', 'DepthEvent'],
    ]);
    expect(text).toMatch(/assert len\(CASES\) == 2$/m);
  });
});

test('only the parameters the IR marks lowercase are lower-cased in the expected name', () => {
  const ir = makeIR({
    kind: 'streams',
    schemas: { klineEvent: { type: 'object', properties: { e: { type: 'string', const: 'kline' } } } },
    events: [event({ messageId: 'klineEvent', streamPatterns: [pattern('{pair}_{contractType}@continuousKline_{interval}', { contractType: ['PERPETUAL'] })] })],
  });
  expect(rows(renderStreamNamesTest(ir))).toEqual([
    ['continuous_kline', { pair: 'BTCUSDT', contract_type: 'PERPETUAL', interval: '1M' }, 'btcusdt_PERPETUAL@continuousKline_1M', 'KlineEvent'],
  ]);
});
