'use strict';
/** components/structs.js: structs.py, the event models as msgspec Structs and STRUCT_ROUTER. */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { renderStructsModule } = require('../../../components/structs');
const { structsFor } = require('../../../helpers/structs');
const { buildIR } = require('../../../helpers/ir');
const { EMBEDDED, SHARED, streamsStructsIR } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

describe('structs.py of a fixture', () => {
  const text = renderStructsModule(streamsStructsIR(), EMBEDDED);

  test('is valid Python without undefined or unused names', () => {
    expect(pythonProblems(text)).toEqual([]);
  });

  test('renders one Struct per class with wire names, optional defaults and the model -> Struct pairs', () => {
    expect(text).toContain('class KlineEvent(BinanceStruct, kw_only=True, gc=False):');
    expect(text).toMatch(/: Literal\["kline"\] = msgspec\.field\(name="e"\)/);
    expect(text).toContain('    k: KlineEventK\n');
    expect(text).toContain('    trade_id: int = msgspec.field(name="t")\n');
    expect(text).toContain('    x: bool | None = None\n');
    expect(text).toContain('    b: list[tuple[str, str]] | None = None\n');
    expect(text).toMatch(/^STRUCT_ROUTER = StructRouter\(\n {4}models\.EVENT_ROUTER,\n {4}\{\n {8}models\.KlineEvent: KlineEvent,\n {8}models\.UserEventPayload: UserEventPayload,\n {4}\},\n\)$/m);
    expect(text).not.toContain('SubscribeRequest');
    expect(text).not.toMatch(/^class UserEvent\(/m);
  });

  test('every Struct derives from the runtime BinanceStruct (a field left unset by drift tolerance says so)', () => {
    expect(text).toMatch(/^from \._runtime\.routing\.structs import BinanceStruct, StructRouter$/m);
    expect(text).not.toMatch(/^class \w+\(msgspec\.Struct/m);
    expect(text.match(/^class \w+\(BinanceStruct, kw_only=True, gc=False\):$/gm)).toHaveLength((text.match(/^class /gm) || []).length);
    expect(text).toMatch(/reading it raises\s+`MissingFieldError`/);
  });

  test('defines a class before the classes that use it', () => {
    expect(text.indexOf('class KlineEventK(')).toBeLessThan(text.indexOf('class KlineEvent('));
    expect(text).not.toMatch(/: "KlineEventK"/);
  });

  test('is deterministic', () => {
    expect(renderStructsModule(streamsStructsIR(), EMBEDDED)).toBe(text);
  });

  test('imports the shared runtime after the third-party imports', () => {
    const shared = renderStructsModule(streamsStructsIR(), SHARED);
    expect(shared).toMatch(/^import msgspec\n\nfrom binance_ws_runtime\.routing\.structs import BinanceStruct, StructRouter\n\nfrom \. import models$/m);
    expect(pythonProblems(shared)).toEqual([]);
  });
});

describe.each(['spot-streams', 'umfutures-streams', 'cmfutures-streams'])('structs.py of our %s spec', (spec) => {
  const doc = yaml.load(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'specs', 'binance', 'asyncapi', `${spec}.yaml`), 'utf8'));
  const ir = buildIR(doc);

  test('pairs every route model with its Struct and is valid Python', () => {
    const text = renderStructsModule(ir, EMBEDDED);
    for (const name of structsFor(ir).eventClasses) expect(text).toContain(`        models.${name}: ${name},`);
    expect(pythonProblems(text)).toEqual([]);
  });
});
