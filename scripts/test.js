#!/usr/bin/env node
'use strict';
/**
 * npm test: every test of the project.
 *   1. JS: jest (helpers, components, parameters, bad input) and tsc --checkJs of helpers/ and components/.
 *   2. The runtime project (runtime/): ruff once; its own suite (and mypy --strict) in every Python environment.
 *   3. Every spec of specs/ and ../shared/specs/binance/asyncapi: generate; golden copy (ours); the embedded runtime
 *      byte-identical to runtime/src; ruff once; then in every environment: pip install, import, mypy --strict
 *      (where the environment says so) and the package's own pytest suite.
 *   4. Two packages generated with runtime=shared side by side on one installed runtime wheel.
 *   5. The README quick start of our specs' packages in fresh virtualenvs with no pins (what a newcomer does).
 * Environments (scripts/lib/matrix.js): newest and oldest dependency versions on Python 3.13 and 3.10; all of them
 * (and 3.11, 3.12 for the runtime) with CI=true; TEST_ENVS=name,... picks some.
 * Options: --module NAME (only cases of that module, e.g. spot-streams; no jest, no runtime suite), --build-only
 * (no pytest), --skip-js. Prints "N passed, N failed[, N skipped]" last; exits non-zero if anything failed or
 * nothing ran.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { allCases, ROOT } = require('./lib/cases');
const { generate } = require('./lib/generate');
const { compareWithGolden, compareEmbeddedRuntime, compareKindTests } = require('./lib/golden');
const { checkRealPayloads } = require('./lib/realdata');
const { checkPeers } = require('./lib/peers');
const { selectEnvironments, prepareEnvironment, describeVersions, fallbackEnvironment } = require('./lib/matrix');
const { runQuickStart } = require('./lib/quickstart');
const { findPython } = require('./lib/venv');
const { checkSharedRuntime } = require('./lib/shared-runtime');
const { exec } = require('./lib/exec');
const { RUNTIME_DIR } = require('../helpers/runtime');

const OUTPUT_ROOT = path.join(ROOT, 'test', 'output');
const argv = process.argv.slice(2);
const moduleFilter = argv.includes('--module') ? argv[argv.indexOf('--module') + 1] || process.env.MODULE : process.env.MODULE;
const buildOnly = argv.includes('--build-only');
const skipJs = argv.includes('--skip-js') || Boolean(moduleFilter) || buildOnly;
const isCI = /^(1|true|yes)$/i.test(process.env.CI || '');
const WORKERS = Math.max(1, Math.min(os.cpus().length, Number(process.env.TEST_WORKERS) || 2));

const results = []; // {name, status: 'passed'|'failed'|'skipped', detail}

function record(name, status, detail = '') {
  results.push({ name, status, detail });
  const mark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[status];
  console.log(`${mark} ${name}${detail && status !== 'failed' ? ` (${detail})` : ''}`);
  if (status === 'failed' && detail) console.log(detail.replace(/^/gm, '    '));
}

/** A missing optional input is a skip locally and a failure in CI (where everything must be there). */
function recordMissing(name, reason) {
  record(name, isCI ? 'failed' : 'skipped', isCI ? `${reason}; with CI=true this is a failure` : reason);
}

// Before a step is stopped (scripts/lib/exec.js), pytest's faulthandler prints every thread's stack.
const PYTEST_STACK_DUMP_SECONDS = 240;

function tail(text, lines = 60) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a step and records it; pytest steps report their counts. */
async function step(name, command, args, options = {}) {
  const result = await exec(command, args, options);
  const summary = (result.output.match(/\d+ passed[^\n]*/) || [''])[0];
  const ok = result.code === 0;
  record(name, ok ? 'passed' : 'failed', ok ? `${result.seconds.toFixed(1)}s${summary ? `, ${summary}` : ''}` : `${options.failureNote || ''}${tail(result.output)}`);
  return ok;
}

function pytestArgs(target) {
  return ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o', `faulthandler_timeout=${PYTEST_STACK_DUMP_SECONDS}`, target];
}

function runJs() {
  const jest = path.join(ROOT, 'node_modules', '.bin', 'jest');
  const result = spawnSync(jest, ['--ci', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  record('jest (helpers, components, parameters, bad input)', result.status === 0 ? 'passed' : 'failed', result.status === 0 ? '' : `jest exited with ${result.status}`);
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  if (fs.existsSync(path.join(ROOT, 'tsconfig.json')) && fs.existsSync(tsc)) {
    const typecheck = spawnSync(tsc, ['-p', ROOT, '--noEmit'], { cwd: ROOT, encoding: 'utf8' });
    record('tsc --checkJs (helpers, components)', typecheck.status === 0 ? 'passed' : 'failed', typecheck.status === 0 ? '' : tail(`${typecheck.stdout}${typecheck.stderr}`));
  }
}

async function pool(items, size, worker) {
  const queue = items.slice();
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, async () => {
    while (queue.length) await worker(queue.shift());
  }));
}

async function generateCases(cases) {
  fs.mkdirSync(OUTPUT_ROOT, { recursive: true });
  const generated = [];
  for (const c of cases) {
    try {
      const result = await generate({ specFile: c.specFile, outputDir: c.outputDir, params: { packageName: c.packageName, moduleName: c.moduleName } });
      record(`${c.name}: generate`, 'passed', `${result.seconds.toFixed(1)}s, ${result.ir.operations.length} operations, ${result.ir.events.length} events`);
      generated.push({ ...c, kind: result.ir.kind });
    } catch (error) {
      record(`${c.name}: generate`, 'failed', error.stack || String(error));
    }
  }
  for (const c of generated) {
    if (c.origin === 'own') {
      const problems = compareWithGolden(c.outputDir, c.module, c.kind);
      record(`${c.name}: golden copy`, problems.length ? 'failed' : 'passed', problems.length ? `${problems.slice(0, 20).join('\n')}\nregenerate with: npm run golden:update` : '');
    }
    const embedded = compareEmbeddedRuntime(path.join(c.outputDir, c.packageName), c.kind);
    record(`${c.name}: embedded runtime`, embedded.length ? 'failed' : 'passed', embedded.length ? embedded.slice(0, 20).join('\n') : 'byte-identical to runtime/src');
    const kindTests = compareKindTests(path.join(c.outputDir, c.packageName), c.kind);
    record(`${c.name}: ${c.kind} tests`, kindTests.length ? 'failed' : 'passed', kindTests.length ? kindTests.join('\n') : `byte-identical to kind-tests/${c.kind}`);
  }
  return generated;
}

/** setuptools builds in the source tree; its build/ and egg-info are not part of the generated output. */
function cleanBuildLeftovers(cases) {
  for (const c of cases) {
    for (const entry of fs.readdirSync(c.outputDir)) {
      if (entry === 'build' || entry.endsWith('.egg-info')) fs.rmSync(path.join(c.outputDir, entry), { recursive: true, force: true });
    }
  }
}

async function installPackages(env, cases) {
  const install = await exec(env.python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-build-isolation', '--force-reinstall', ...cases.map((c) => c.outputDir)]);
  cleanBuildLeftovers(cases);
  record(`[${env.name}] pip install (${cases.length} packages)`, install.code === 0 ? 'passed' : 'failed', install.code === 0 ? `${install.seconds.toFixed(1)}s` : tail(install.output));
  return install.code === 0;
}

/** The jobs of one environment: the runtime's suite and mypy, then each package's import, mypy and pytest. */
function environmentJobs(env, cases, { runtime }) {
  const bin = path.dirname(env.python);
  const versions = `dependencies: ${describeVersions(env.versions)}\n`;
  const jobs = [];
  if (runtime) {
    const runtimeEnv = { PYTHONPATH: path.join(RUNTIME_DIR, 'src'), PYTHONDONTWRITEBYTECODE: '1' };
    jobs.push({ weight: 3, run: () => step(`[${env.name}] runtime: pytest`, env.python, pytestArgs('tests'), { cwd: RUNTIME_DIR, env: runtimeEnv, failureNote: versions }) });
    if (env.mypy) {
      const mypyEnv = { MYPYPATH: `${path.join(RUNTIME_DIR, 'src')}${path.delimiter}${RUNTIME_DIR}`, MYPY_CACHE_DIR: path.join(OUTPUT_ROOT, '.mypy_cache', env.name, 'runtime') };
      jobs.push({ weight: 2, run: () => step(`[${env.name}] runtime: mypy --strict`, path.join(bin, 'mypy'), ['--strict', '-p', 'binance_ws_runtime', '-p', 'tests'], { cwd: RUNTIME_DIR, env: mypyEnv, failureNote: versions }) });
    }
  }
  if (!env.packages) return jobs;
  for (const c of cases) {
    jobs.push({
      weight: 1,
      run: async () => {
        const cwd = c.outputDir;
        const stepEnv = { PYTHONDONTWRITEBYTECODE: '1', MYPY_CACHE_DIR: path.join(OUTPUT_ROOT, '.mypy_cache', env.name, c.origin, c.module) };
        const imported = await step(`[${env.name}] ${c.name}: import`, env.python, ['-c', `import ${c.packageName}, ${c.packageName}.client, ${c.packageName}.testing; print(${c.packageName}.__version__)`], { cwd: os.tmpdir(), env: stepEnv, failureNote: versions });
        if (!imported) return;
        if (env.mypy) await step(`[${env.name}] ${c.name}: mypy --strict`, path.join(bin, 'mypy'), ['--strict', c.packageName], { cwd, env: stepEnv, failureNote: versions });
        if (!buildOnly) await step(`[${env.name}] ${c.name}: pytest`, env.python, pytestArgs(`${c.packageName}/tests`), { cwd, env: stepEnv, failureNote: versions });
      },
    });
  }
  return jobs;
}

async function main() {
  const started = Date.now();
  if (!skipJs) runJs();
  const { cases: found, corpusMissing } = allCases(OUTPUT_ROOT);
  let cases = found;
  if (moduleFilter) {
    cases = cases.filter((c) => c.module === moduleFilter);
    if (!cases.length) throw new Error(`no spec named ${moduleFilter} in specs/ or ../shared/specs`);
  }
  if (corpusMissing) recordMissing('corpus specs (../shared)', '../shared/specs/binance/asyncapi not found beside the project');
  const runtimeSuite = !moduleFilter;

  const generated = await generateCases(cases);

  const environments = selectEnvironments({ ci: isCI, names: (process.env.TEST_ENVS || '').split(',').filter(Boolean) });
  if (!isCI && !process.env.TEST_ENVS) {
    const fallback = fallbackEnvironment();
    // Only when neither claimed Python is installed; the skips below say which ones were missing.
    if (environments.every((env) => !findPython(env.python)) && !environments.some((env) => env.name === fallback.name)) environments.push(fallback);
  }
  // Prepared two at a time (creating a virtualenv and resolving with pip is mostly waiting); then each gets the
  // generated packages installed, in the order environments are declared.
  const prepared = new Map();
  await pool(environments, WORKERS, async (env) => {
    try {
      prepared.set(env.name, await prepareEnvironment(env));
    } catch (error) {
      prepared.set(env.name, { error: error.message });
    }
  });
  const ready = [];
  for (const env of environments) {
    const outcome = prepared.get(env.name);
    if (outcome.error) {
      record(`[${env.name}] environment`, 'failed', outcome.error);
      continue;
    }
    if (outcome.skipped) {
      recordMissing(`[${env.name}] environment`, outcome.skipped);
      continue;
    }
    const entry = { ...env, ...outcome };
    record(`[${env.name}] environment`, 'passed', describeVersions(entry.versions));
    if (env.packages && generated.length && !(await installPackages(entry, generated))) continue;
    ready.push(entry);
  }
  if (!ready.length) {
    record('Python environments', 'failed', 'no environment could be prepared');
  } else {
    const lint = ready[0];
    const ruff = path.join(path.dirname(lint.python), 'ruff');
    const lintJobs = [];
    if (runtimeSuite) {
      lintJobs.push(() => step('runtime: ruff check', ruff, ['check', '--no-cache', '.'], { cwd: RUNTIME_DIR }));
      lintJobs.push(() => step('runtime: ruff format --check', ruff, ['format', '--check', '--no-cache', '.'], { cwd: RUNTIME_DIR }));
    }
    for (const c of generated) {
      lintJobs.push(() => step(`${c.name}: ruff check`, ruff, ['check', '--no-cache', '.'], { cwd: c.outputDir }));
      lintJobs.push(() => step(`${c.name}: ruff format --check`, ruff, ['format', '--check', '--no-cache', '.'], { cwd: c.outputDir }));
    }
    for (const job of lintJobs) await job();
    const jobs = ready.flatMap((env) => environmentJobs(env, generated, { runtime: runtimeSuite })).sort((a, b) => b.weight - a.weight);
    await pool(jobs, WORKERS, (job) => job.run());

    const newest = ready.find((env) => env.resolution === 'newest') || ready[0];
    // Binance's documented payloads through the corpus packages, with the shipped overlays (test/realdata/).
    if (!buildOnly) {
      for (const c of generated.filter((g) => g.origin === 'corpus')) {
        const outcome = await checkRealPayloads(c, newest.python);
        const missing = outcome.status === 'skipped';
        record(`${c.name}: real payloads`, missing && isCI ? 'failed' : outcome.status, missing && isCI ? `${outcome.detail}; with CI=true this is a failure` : outcome.detail);
      }
      // The mock server judged by binance-sdk-spot and python-binance (test/peers/), our spot spec and the corpus one.
      for (const outcome of await checkPeers(generated, { python: findNewestInterpreter(newest), exec })) record(outcome.name, outcome.status, outcome.detail);
    }
    if (runtimeSuite && !buildOnly) {
      for (const outcome of await checkSharedRuntime({ python: newest.python, exec, outputRoot: OUTPUT_ROOT, pytestArgs })) record(outcome.name, outcome.status, outcome.detail);
      const own = generated.filter((c) => c.origin === 'own');
      await pool(own, WORKERS, async (c) => {
        const outcome = await runQuickStart(c, { python: findNewestInterpreter(newest), exec });
        record(`${c.name}: README quick start in a fresh virtualenv, no pins`, outcome.status, outcome.detail);
      });
    }
  }

  const count = (status) => results.filter((r) => r.status === status).length;
  const failed = results.filter((r) => r.status === 'failed');
  console.log(`\n${failed.length ? `failed:\n${failed.map((r) => `  - ${r.name}`).join('\n')}\n` : ''}total time ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(`${count('passed')} passed, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
  if (failed.length || count('passed') === 0) process.exit(1);
}

/** The interpreter behind an environment's virtualenv (a fresh virtualenv is made from it). */
function findNewestInterpreter(env) {
  return findPython(env.pythonVersion) || env.python;
}

main().catch((error) => {
  console.error(`error: ${error.stack || error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
