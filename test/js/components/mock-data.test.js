'use strict';
/** components/mock-data.js: _mock_data.py, what the mock server answers with (only testing.py imports it). */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderMockDataModule } = require('../../../components/mock-data');
const { buildIR } = require('../../../helpers/ir');
const { EMBEDDED, SHARED, makeIR, operation, event } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const fixture = (name) => yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', name), 'utf8'));

describe('_mock_data.py of the API fixture', () => {
  const ir = buildIR(fixture('minimal-api.yaml'));
  const text = renderMockDataModule(ir, EMBEDDED);

  test('is valid Python that imports the data classes from the embedded runtime', () => {
    expect(pythonProblems(text)).toEqual([]);
    expect(text).toContain('from ._runtime.testing.data import MockData, MockOperation\n');
    expect(text).toContain('MOCK_DATA = MockData(');
  });

  test('one MockOperation per operation: its example params and its reply template', () => {
    for (const op of ir.operations) expect(text).toContain(`        "${op.method}": MockOperation(params=`);
    expect(text).toContain('"order.place": MockOperation(params={"symbol": "string", "side": "BUY", "newClientOrderId": "string", "apiKey": "string", "signature": "string", "timestamp": 1}, result={"orderId": 1000001, "fills": [');
    expect(text).toContain('"ping": MockOperation(params={}, result={}),');
  });

  test('events are keyed by their model class; an enveloped event gives its body', () => {
    expect(text).toContain('"TradeEvent": {"e": "executionReport", "E": 1735689600000},');
  });
});

test('with the shared runtime, and for a spec without operations or events', () => {
  const ir = makeIR({
    schemas: { reply: { type: 'object', properties: { result: { type: 'array', items: { type: 'array', items: { type: 'string' } } } } } },
    operations: [operation({ method: 'depth.levels', responseSchema: 'reply' })],
    events: [],
  });
  const text = renderMockDataModule(ir, SHARED);
  expect(pythonProblems(text)).toEqual([]);
  expect(text).toContain('from binance_ws_runtime.testing.data import MockData, MockOperation\n');
  expect(text).toContain('"depth.levels": MockOperation(params={}, result=[["mockValue"]]),');
  const empty = renderMockDataModule(makeIR({ operations: [], events: [event({ messageId: 'plain' })], schemas: { plain: { type: 'object', properties: { e: { const: 'x' } } } } }), EMBEDDED);
  expect(pythonProblems(empty)).toEqual([]);
});

test('messages that share a payload schema share their model class and one example', () => {
  const ir = makeIR({
    schemas: { bookTicker: { type: 'object', properties: { e: { const: 'bookTicker' }, s: { type: 'string' } } } },
    events: [event({ messageId: 'bookTickerA', schema: 'bookTicker' }), event({ messageId: 'bookTickerB', schema: 'bookTicker' })],
  });
  const text = renderMockDataModule(ir, EMBEDDED);
  expect(pythonProblems(text)).toEqual([]);
  expect(text.match(/"BookTicker\w*": \{/g)).toHaveLength(1);
});
