'use strict';
/** components/readme.js: README.md (every python block a runnable script) and example.py. */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderReadme, renderExample } = require('../../../components/readme');
const { buildIR } = require('../../../helpers/ir');
const { EMBEDDED, makeIR, operation, param } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const fixture = (name) => yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', name), 'utf8'));

/** The README's sections as {title, code} (code of its python block, or null). */
function sections(readme) {
  return readme.split(/^## /m).slice(1).map((part) => {
    const title = part.split('\n')[0];
    const code = part.match(/```python\n([\s\S]*?)```/);
    return { title, code: code ? code[1] : null };
  });
}

describe('README of an API spec', () => {
  const ir = buildIR(fixture('minimal-api.yaml'));
  const readme = renderReadme(ir, EMBEDDED);
  const blocks = sections(readme).filter((s) => s.code);

  test('has a quick start, a signed example and a user-data example, each a valid script', () => {
    // (and the drift section, whose example needs a message with a required field: this fixture has none)
    expect(blocks.map((b) => b.title)).toEqual(['Quick start', 'Signed requests', 'User data events']);
    for (const block of blocks) {
      expect(pythonProblems(block.code)).toEqual([]);
      expect(block.code).toMatch(/^asyncio\.run\(main\(\)\)$/m);
      expect(block.code).toContain('from fixture.testing import MockBinanceServer');
    }
  });

  test('the quick start calls an unsigned operation without keys', () => {
    const quick = blocks[0].code;
    expect(quick).toContain('response = await client.ticker_price(symbol="string")');
    expect(quick).not.toContain('auth=');
  });

  test('the signed example registers a key and calls a signed operation with its required arguments', () => {
    const signed = blocks[1].code;
    expect(signed).toContain('server.add_key(API_KEY, secret_key=SECRET_KEY)');
    expect(signed).toContain('BinanceWebSocketClient(url=server.url, auth=auth)');
    expect(signed).toContain('response = await client.order_place(symbol="string", side="BUY")');
    expect(signed).toContain('except BinanceAPIError as error:');
  });

  test('the user-data example handles the first event type of the spec', () => {
    expect(blocks[2].code).toContain('client.set_handler("executionReport", ');
    expect(blocks[2].code).toContain('await client.subscribe("user_data_stream")');
  });

  test('the operations table shows each method, its Python name and its security', () => {
    expect(readme).toContain('| `order.place` | `order_place` | TRADE (signed) |');
    expect(readme).toContain('| `ping` | `ping` | NONE |');
    expect(readme).toContain('3 request operations as typed coroutines');
    expect(readme).not.toContain('## Stream builders');
  });

  test('example.py is the quick start with a docstring', () => {
    const example = renderExample(ir, EMBEDDED);
    expect(example.startsWith('"""End-to-end example for Fixture API')).toBe(true);
    expect(example.endsWith(blocks[0].code)).toBe(true);
    expect(pythonProblems(example)).toEqual([]);
  });

  test('an apiKey-only operation is never the quick start; a spec with no unsigned one has none', () => {
    const keyed = makeIR({
      schemas: { startResponse: { type: 'object', properties: { result: { type: 'object' } } } },
      operations: [operation({ method: 'userDataStream.start', securityType: 'USER_STREAM', apiKey: true, responseSchema: 'startResponse', params: [param({ wireName: 'apiKey', auth: true })] })],
    });
    expect(sections(renderReadme(keyed, EMBEDDED)).filter((s) => s.code)).toEqual([]);
    expect(renderExample(keyed, EMBEDDED)).toContain('print("this spec declares no operations")');
  });
});

describe('README of a streams spec', () => {
  const ir = buildIR(fixture('minimal-streams.yaml'));
  const readme = renderReadme(ir, { ...EMBEDDED, packageName: 'um_streams' });
  const blocks = sections(readme).filter((s) => s.code);

  test('the quick start subscribes to a name from a typed stream builder', () => {
    const quick = blocks[0].code;
    expect(blocks[0].title).toBe('Quick start');
    expect(quick).toContain('from um_streams import streams');
    expect(quick).toContain('stream = streams.depth("BTCUSDT", "5")');
    expect(quick).toContain('await client.subscribe(stream)');
    expect(quick).toContain('await server.emit(stream)');
    expect(pythonProblems(quick)).toEqual([]);
  });

  test('a listenKey channel adds the futures user-data example', () => {
    expect(blocks.map((b) => b.title)).toEqual(['Quick start', 'Futures user data (listenKey)']);
    expect(blocks[1].code).toContain('await client.subscribe_user_data()');
    expect(pythonProblems(blocks[1].code)).toEqual([]);
    expect(readme).toContain('futures listenKey user data');
  });

  test('lists the builders with their templates and the msgspec option', () => {
    expect(readme).toContain('| `streams.depth` | `{symbol}@depth{levels}`, `{symbol}@depth{levels}@{speed}` |');
    expect(readme).toContain('event_models="msgspec"');
    expect(readme).toContain('| `SUBSCRIBE` | `subscribe` | NONE |');
  });

  test('without a listenKey channel there is no user-data example', () => {
    const doc = fixture('minimal-streams.yaml');
    delete doc.channels.userData;
    delete doc.operations.receiveUserData;
    const titles = sections(renderReadme(buildIR(doc), EMBEDDED)).filter((s) => s.code).map((s) => s.title);
    expect(titles).toEqual(['Quick start']);
  });
});

describe('README modules section', () => {
  const api = buildIR(fixture('minimal-api.yaml'));
  const streams = buildIR(fixture('minimal-streams.yaml'));

  test('names each module of an API package and the embedded runtime', () => {
    const readme = renderReadme(api, EMBEDDED);
    const modules = readme.split('## Modules')[1].split('\n## ')[0];
    for (const file of ['client.py', 'models.py', 'errors.py', 'testing.py', '_spec.py', '_runtime/', 'tests/']) {
      expect(modules).toContain(`${EMBEDDED.packageName}/${file}`);
    }
    expect(modules).not.toContain('streams.py');
    expect(readme).toMatch(/pip install \.\s+# from this folder; Python 3\.10 to 3\.13/);
  });

  test('a streams package lists its builders and Structs; runtime=shared names the shared distribution', () => {
    const shared = renderReadme(streams, { ...EMBEDDED, runtime: 'shared' });
    const modules = shared.split('## Modules')[1].split('\n## ')[0];
    expect(modules).toContain('streams.py');
    expect(modules).toContain('structs.py');
    expect(modules).toContain('`binance-ws-runtime`');
    expect(modules).not.toContain('_runtime/');
  });
});

describe('README section on drift ("When Binance sends something the spec does not describe")', () => {
  const TITLE = 'When Binance sends something the spec does not describe';
  const ours = (name) => buildIR(yaml.load(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'specs', 'binance', 'asyncapi', `${name}.yaml`), 'utf8')));
  const drift = (readme) => /** @type {{title: string, code: string | null}} */ (sections(readme).find((s) => s.title === TITLE));
  const text = (readme) => readme.split(`## ${TITLE}`)[1].split('\n## ')[0];

  test('both kinds of package explain what users and mypy see, the report and strict mode', () => {
    for (const [ir, pkg] of [[ours('spot'), 'spot'], [ours('spot-streams'), 'spot_streams'], [buildIR(fixture('minimal-api.yaml')), 'fixture']]) {
      const readme = renderReadme(ir, { ...EMBEDDED, packageName: pkg });
      const section = text(readme);
      expect(section).toContain('| Binance sends | you get | mypy sees |');
      for (const phrase of ['MissingFieldError', 'model_fields_set', 'missing_fields(event)', 'UnknownEvent', '"1.10"', 'decimal.Decimal', 'client.drift_report()', 'strict=True', '"__error__"']) {
        expect(section).toContain(phrase);
      }
      expect(section).toContain(`\`${pkg}._runtime.routing.drift\``);
      expect(readme.indexOf(`## ${TITLE}`)).toBeLessThan(readme.indexOf('## Modules'));
    }
  });

  test('streams packages: the msgspec Structs, and a trade without a required field plus an unknown event, run offline', () => {
    const readme = renderReadme(ours('spot-streams'), { ...EMBEDDED, packageName: 'spot_streams' });
    expect(text(readme)).toContain('event_models="msgspec"');
    expect(text(readme)).toContain('msgspec.json.encode');
    const code = /** @type {string} */ (drift(readme).code);
    expect(code).toContain('from spot_streams.models import MissingFieldError, TradeEvent, UnknownEvent, missing_fields');
    expect(code).toContain('stream = streams.trade("BTCUSDT")');
    expect(code).toContain('client.set_handler("trade", ');
    expect(code).toContain('del drifted["m"]');
    expect(code).toContain('print(event.buyer_is_maker)');
    expect(code).toContain('await server.emit(stream, {"e": "brandNewEvent"');
    expect(code).toContain('for entry in client.drift_report():');
    expect(pythonProblems(code)).toEqual([]);
  });

  test('API packages: a reply without a required field of its result, and no msgspec paragraph', () => {
    const readme = renderReadme(ours('spot'), { ...EMBEDDED, packageName: 'spot' });
    expect(text(readme)).not.toContain('msgspec');
    const code = /** @type {string} */ (drift(readme).code);
    expect(code).toContain('reply = await client.time()');
    expect(code).toContain('del result["serverTime"]');
    expect(code).toContain('server.set_result("time", result)');
    expect(code).toContain('print(drifted.result.server_time)');
    expect(pythonProblems(code)).toEqual([]);
    // A spec without an unsigned data request drifts a harmless session request, never a logon or a listenKey.
    const cm = /** @type {string} */ (drift(renderReadme(ours('cmfutures'), { ...EMBEDDED, packageName: 'cm' })).code);
    expect(cm).toContain('reply = await client.session_status()');
    expect(pythonProblems(cm)).toEqual([]);
  });

  test('without a message to drift the section has no example; runtime=shared names the shared logger', () => {
    const readme = renderReadme(buildIR(fixture('minimal-streams.yaml')), { ...EMBEDDED, runtime: 'shared' });
    expect(drift(readme).code).toBeNull();
    expect(text(readme)).toContain('`binance_ws_runtime.routing.drift`');
  });
});
