'use strict';
/**
 * runtime=shared, tried as a user would: the binance-ws-runtime wheel built from runtime/, two packages generated
 * with runtime=shared (an API package and a streams package), all installed side by side; both packages' own suites
 * pass on the one runtime, and an exception raised by one package is caught with the other's class
 * (test/shared_runtime/check_shared.py).
 */
const fs = require('fs');
const path = require('path');
const { ROOT, caseFor, OWN_SPECS } = require('./cases');
const { generate } = require('./generate');
const { RUNTIME_DIR } = require('../../helpers/runtime');

const SHARED = [
  { spec: 'spot.yaml', packageName: 'shared_spot' },
  { spec: 'umfutures-streams.yaml', packageName: 'shared_umfutures_streams' },
];

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** @returns {Promise<{name: string, status: string, detail: string}[]>} */
async function checkSharedRuntime({ python, exec, outputRoot, pytestArgs }) {
  const outcomes = [];
  const note = (name, ok, detail) => outcomes.push({ name: `shared runtime: ${name}`, status: ok ? 'passed' : 'failed', detail });
  const root = path.join(outputRoot, 'shared');
  const dist = path.join(root, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  const packages = [];
  for (const item of SHARED) {
    const c = caseFor(path.join(OWN_SPECS, item.spec), 'own', root);
    const outputDir = path.join(root, c.module);
    try {
      await generate({ specFile: c.specFile, outputDir, params: { packageName: item.packageName, moduleName: `shared-${c.moduleName}`, runtime: 'shared' } });
    } catch (error) {
      note(`generate ${item.spec}`, false, error.message);
      return outcomes;
    }
    if (fs.existsSync(path.join(outputDir, item.packageName, '_runtime'))) {
      note(`generate ${item.spec}`, false, 'a runtime=shared package must not embed the runtime');
      return outcomes;
    }
    packages.push({ ...item, outputDir });
  }
  const wheel = await exec(python, ['-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-build-isolation', RUNTIME_DIR, '-w', dist]);
  fs.rmSync(path.join(RUNTIME_DIR, 'build'), { recursive: true, force: true });
  for (const entry of fs.readdirSync(path.join(RUNTIME_DIR, 'src'))) if (entry.endsWith('.egg-info')) fs.rmSync(path.join(RUNTIME_DIR, 'src', entry), { recursive: true, force: true });
  const wheels = fs.existsSync(dist) ? fs.readdirSync(dist).filter((name) => name.endsWith('.whl')) : [];
  note('pip wheel ./runtime', wheel.code === 0 && wheels.length === 1, wheel.code === 0 ? wheels.join(', ') : tail(wheel.output));
  if (wheel.code !== 0 || wheels.length !== 1) return outcomes;
  const install = await exec(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-build-isolation', '--force-reinstall', path.join(dist, wheels[0]), ...packages.map((p) => p.outputDir)]);
  for (const p of packages) {
    for (const entry of fs.readdirSync(p.outputDir)) if (entry === 'build' || entry.endsWith('.egg-info')) fs.rmSync(path.join(p.outputDir, entry), { recursive: true, force: true });
  }
  note('install the wheel and two packages', install.code === 0, install.code === 0 ? `${install.seconds.toFixed(1)}s` : tail(install.output));
  if (install.code !== 0) return outcomes;
  const check = await exec(python, [path.join(ROOT, 'test', 'shared_runtime', 'check_shared.py')], { cwd: root });
  note('one exception hierarchy across both packages', check.code === 0, check.code === 0 ? check.output.trim().split('\n').slice(-1)[0] : tail(check.output));
  for (const p of packages) {
    const suite = await exec(python, pytestArgs(`${p.packageName}/tests`), { cwd: p.outputDir, env: { PYTHONDONTWRITEBYTECODE: '1' } });
    const summary = (suite.output.match(/\d+ passed[^\n]*/) || [''])[0];
    note(`${p.packageName} suite`, suite.code === 0, suite.code === 0 ? summary : tail(suite.output));
  }
  return outcomes;
}

module.exports = { checkSharedRuntime };
