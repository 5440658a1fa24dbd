'use strict';
/**
 * Per-kind file selection is declared before rendering: kind-tests/<kind>/ ships only with packages of that kind
 * (template/package/tests/<kind>/files.js), and no folder is left empty.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { kindTestFiles, KIND_TESTS_DIR } = require('../../helpers/kind-files');
const { formatPython } = require('../../helpers/format');
const { generate } = require('../../scripts/lib/generate');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
let work;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-files-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Every folder below dir that has no entries. */
function emptyFolders(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (fs.readdirSync(full).length === 0) out.push(full);
    else out.push(...emptyFolders(full));
  }
  return out;
}

test('kindTestFiles lists kind-tests/<kind>/ with contents, sorted', () => {
  for (const kind of /** @type {const} */ (['api', 'streams'])) {
    const files = kindTestFiles(kind);
    const names = fs.readdirSync(path.join(KIND_TESTS_DIR, kind)).filter((n) => n !== '__pycache__' && !n.endsWith('.pyc')).sort();
    expect(files.map((f) => f.name)).toEqual(names);
    expect(names).toContain('__init__.py');
    for (const file of files) expect(file.content).toBe(fs.readFileSync(path.join(KIND_TESTS_DIR, kind, file.name), 'utf8'));
  }
});

describe.each([
  ['minimal-api.yaml', 'api', 'streams'],
  ['minimal-streams.yaml', 'streams', 'api'],
])('a package generated from %s', (spec, kind, other) => {
  let tests;
  beforeAll(async () => {
    const outputDir = path.join(work, kind);
    await generate({ specFile: path.join(FIXTURES, spec), outputDir, params: { packageName: 'pkg' } });
    tests = path.join(outputDir, 'pkg', 'tests');
  }, 120000);

  test(`ships kind-tests/${kind}/ as tests/${kind}/, formatted like every rendered file`, () => {
    const expected = kindTestFiles(kind);
    expect(fs.readdirSync(path.join(tests, kind)).sort()).toEqual(expected.map((f) => f.name));
    for (const file of expected) {
      const content = file.name.endsWith('.py') ? formatPython(file.content) : file.content;
      expect(fs.readFileSync(path.join(tests, kind, file.name), 'utf8')).toBe(content);
    }
  });

  test(`has no tests/${other}/, no render-file leftovers and no empty folder`, () => {
    expect(fs.existsSync(path.join(tests, other))).toBe(false);
    expect(fs.existsSync(path.join(tests, kind, 'files.js'))).toBe(false);
    expect(emptyFolders(path.dirname(path.dirname(tests)))).toEqual([]);
  });
});
