'use strict';
/** Bad input: one clear message naming the problem and its place, and an existing OUTPUT_DIR left exactly as it was. */
const fs = require('fs');
const os = require('os');
const path = require('path');
const yaml = require('js-yaml');
const { generate } = require('../../scripts/lib/generate');

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minimal-api.yaml');
let work;

function snapshot(dir) {
  const out = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out[entry.name] = entry.isDirectory() ? snapshot(full) : fs.readFileSync(full, 'utf8');
  }
  return out;
}

function writeSpec(name, mutate) {
  const doc = yaml.load(fs.readFileSync(FIXTURE, 'utf8'));
  const file = path.join(work, name);
  fs.writeFileSync(file, typeof mutate === 'string' ? mutate : yaml.dump(mutate(doc) || doc));
  return file;
}

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-bad-input-'));
  fs.mkdirSync(path.join(work, 'out', 'pkg'), { recursive: true });
  fs.writeFileSync(path.join(work, 'out', 'keep.txt'), 'previous output');
  fs.writeFileSync(path.join(work, 'out', 'pkg', 'client.py'), 'PREVIOUS = True\n');
});

afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

async function expectRefusal(specFile, message, params = {}) {
  const before = snapshot(path.join(work, 'out'));
  await expect(generate({ specFile, outputDir: path.join(work, 'out'), params })).rejects.toThrow(message);
  expect(snapshot(path.join(work, 'out'))).toEqual(before);
  expect(fs.readdirSync(work).filter((name) => name.includes('rendering'))).toEqual([]);
}

describe('generate() refuses bad input cleanly', () => {
  it('a missing spec file', () => expectRefusal(path.join(work, 'nope.yaml'), /spec file not found: .*nope\.yaml/));

  it('invalid YAML, with the line', () => expectRefusal(writeSpec('bad.yaml', 'asyncapi: 3.0.0\ninfo: [unclosed\n'), /bad\.yaml: invalid YAML at line \d+/));

  it('a document that is not a mapping', () => expectRefusal(writeSpec('list.yaml', '- a\n- b\n'), /not an AsyncAPI document/));

  it('an AsyncAPI 2.x document', () => expectRefusal(writeSpec('old.yaml', (d) => { d.asyncapi = '2.6.0'; }), /#\/asyncapi: AsyncAPI 2\.6\.0 is not supported/));

  it('a dangling $ref', () => expectRefusal(
    writeSpec('dangling.yaml', (d) => { d.components.messages.pingResponse.payload.$ref = '#/components/schemas/missing'; }),
    /#\/components\/messages\/pingResponse\/payload: \$ref #\/components\/schemas\/missing points at nothing/,
  ));

  it('an operation without messages', () => expectRefusal(writeSpec('nomsg.yaml', (d) => { delete d.operations.ping.messages; }), /#\/operations\/ping: operation has no messages/));

  it('an invalid parameter, before anything is written', () => expectRefusal(FIXTURE, /packageName "for" is a Python keyword/, { packageName: 'for' }));

  it('a document the official parser rejects (schema validation)', () => expectRefusal(
    writeSpec('invalid.yaml', (d) => { d.servers.mainnet.protocol = 42; }),
    /the AsyncAPI document is invalid/,
  ), 60000);
});

describe('generate() with spec corrections (overlays)', () => {
  const writeOverlay = (name, actions) => {
    const file = path.join(work, name);
    fs.writeFileSync(file, yaml.dump({ overlay: '1.0.0', info: { title: 'test', version: '1' }, actions }));
    return file;
  };

  it('an overlay whose target matches nothing: one message naming file, action and target; OUTPUT_DIR unchanged', () => expectRefusal(
    FIXTURE,
    /bad-overlay\.yaml: action 2 \("schema gone"\): target \$\.components\.schemas\.gone matches nothing/,
    { overlays: writeOverlay('bad-overlay.yaml', [
      { target: '$.info', update: { 'x-fixed': true } },
      { target: '$.components.schemas.gone', description: 'schema gone', remove: true },
    ]) },
  ));

  it('a missing overlay file, before anything is written', () => expectRefusal(FIXTURE, /nope-overlay\.yaml: overlay file not found/, { overlays: path.join(work, 'nope-overlay.yaml') }));

  it('an invalid overlay document, before anything is written', () => {
    const file = path.join(work, 'not-overlay.yaml');
    fs.writeFileSync(file, yaml.dump({ overlay: '1.0.0', info: { title: 't', version: '1' }, actions: [{ target: '$.info', update: {}, remove: true }] }));
    return expectRefusal(FIXTURE, /not-overlay\.yaml: action 1: has both update and remove/, { overlays: file });
  });

  it('an overlay that breaks the spec is reported with the overlays applied', () => expectRefusal(
    FIXTURE,
    /with overlays .*breaking\.yaml.*operation has no messages/,
    { overlays: writeOverlay('breaking.yaml', [{ target: '$.operations.ping.messages', remove: true }]) },
  ));

  it('a valid overlay changes the IR of the generated package, and the list of applied overlays is returned', async () => {
    const file = writeOverlay('retitle.yaml', [{ target: '$.info', update: { title: 'Retitled by an overlay' } }]);
    const result = await generate({ specFile: FIXTURE, outputDir: path.join(work, 'fresh'), params: { overlays: file } });
    expect(result.overlays).toEqual([file]);
    expect(result.ir.info.title).toBe('Retitled by an overlay');
    expect(fs.readFileSync(path.join(work, 'fresh', 'spot', '_spec.py'), 'utf8')).toContain('Retitled by an overlay');
  }, 120000);
});
