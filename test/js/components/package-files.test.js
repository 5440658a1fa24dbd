'use strict';
/** components/package-files.js: pyproject.toml, requirements.txt, __init__.py, testing.py, errors.py, auth.py. */
const { parse: parseToml } = require('smol-toml');
const {
  renderPyproject, renderRequirements, renderInit, renderTesting, renderErrors, renderAuth,
} = require('../../../components/package-files');
const { runtimeProject, publicNames } = require('../../../helpers/runtime');
const { EMBEDDED, SHARED, makeIR } = require('../ir-factory');
const { pythonProblems } = require('../python-check');

const api = makeIR({ info: { title: 'Fixture API', version: '1.0.0' } });
const streams = makeIR({ kind: 'streams', info: { title: 'Fixture Streams', version: '1.0.0' } });
const runtime = runtimeProject();

/** The names of a module's `__all__`. */
const allOf = (text) => JSON.parse(`[${/** @type {RegExpMatchArray} */ (text.match(/^__all__ = \[([\s\S]*?)\]$/m))[1].replace(/,\s*$/, '')}]`);

describe('pyproject.toml', () => {
  const toml = /** @type {any} */ (parseToml(renderPyproject(api, EMBEDDED)));

  test('names the distribution and package from the parameters and the spec title', () => {
    expect(toml.project).toMatchObject({ name: 'fixture-client', version: '1.2.3', description: 'Typed asyncio WebSocket client for Fixture API', authors: [{ name: 'Tests' }] });
    expect(toml.tool.setuptools.packages.find.include).toEqual(['fixture', 'fixture.*']);
    expect(toml.tool.setuptools['package-data']).toEqual({ fixture: ['py.typed'] });
    expect(toml.tool.pytest.ini_options.testpaths).toEqual(['fixture/tests']);
    expect(toml.tool.mypy.strict).toBe(true);
  });

  test('an embedded runtime brings its dependency ranges; a shared one is pinned', () => {
    expect(toml.project.dependencies).toEqual(runtime.dependencies);
    const shared = /** @type {any} */ (parseToml(renderPyproject(api, SHARED)));
    expect(shared.project.dependencies[0]).toBe(`${runtime.name}==${runtime.version}`);
    expect(shared.project.dependencies.slice(1).every((d) => /^pydantic\b/.test(d))).toBe(true);
  });

  test('the fast extra has msgspec only for streams packages', () => {
    expect(toml.project['optional-dependencies'].fast.some((d) => /^msgspec\b/.test(d))).toBe(false);
    const fast = /** @type {any} */ (parseToml(renderPyproject(streams, EMBEDDED))).project['optional-dependencies'].fast;
    expect(fast).toEqual(runtime.fast);
  });
});

test('requirements.txt lists the same dependencies as pyproject.toml', () => {
  const lines = renderRequirements(EMBEDDED).split('\n').filter((l) => l && !l.startsWith('#'));
  expect(lines).toEqual(runtime.dependencies);
  expect(renderRequirements(SHARED).split('\n')[1]).toBe(`${runtime.name}==${runtime.version}`);
});

describe('__init__.py', () => {
  test('re-exports the client, auth and errors; streams packages also their builders', () => {
    const apiInit = renderInit(api, EMBEDDED);
    const streamsInit = renderInit(streams, EMBEDDED);
    expect(pythonProblems(apiInit)).toEqual([]);
    expect(pythonProblems(streamsInit)).toEqual([]);
    expect(apiInit).toContain('from . import models\n');
    expect(streamsInit).toContain('from . import models, streams\n');
    expect(allOf(streamsInit)).toEqual([...allOf(apiInit), 'streams'].sort((a, b) => (a < b ? -1 : 1)));
    expect(apiInit).toMatch(/^__version__ = "1\.2\.3"$/m);
  });
});

test('testing.py binds the mock server to the spec and the mock data (its only importer), embedded or shared runtime', () => {
  const embedded = renderTesting(api, EMBEDDED);
  expect(embedded).toContain('from ._mock_data import MOCK_DATA\nfrom ._runtime.testing.server import MockServerBase\nfrom ._spec import SPEC');
  expect(embedded).toContain('super().__init__(SPEC, MOCK_DATA, **options)');
  const shared = renderTesting(api, SHARED);
  expect(shared).toContain('from binance_ws_runtime.testing.server import MockServerBase\n\nfrom ._mock_data import MOCK_DATA\nfrom ._spec import SPEC');
  expect(pythonProblems(embedded)).toEqual([]);
  expect(pythonProblems(shared)).toEqual([]);
});

test.each([
  ['errors', renderErrors],
  ['auth', renderAuth],
])('%s.py re-exports every public name of the runtime module', (module, render) => {
  const text = render(EMBEDDED);
  const names = publicNames(module);
  expect(names.length).toBeGreaterThan(0);
  expect(allOf(text)).toEqual(names);
  for (const name of names) expect(text).toContain(`    ${name},\n`);
  expect(text).toContain(`from ._runtime.${module} import (`);
  expect(render(SHARED)).toContain(`from binance_ws_runtime.${module} import (`);
  expect(pythonProblems(text)).toEqual([]);
});
