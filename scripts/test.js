#!/usr/bin/env node
'use strict';
/**
 * npm test: every test of the project.
 *   1. JS unit tests (jest): helpers, components, parameters, bad input.
 *   2. For every spec in specs/ and ../shared/specs/binance/asyncapi: generate, compare with the golden copy (ours),
 *      pip install into ./.venv, import, ruff check, ruff format --check, mypy --strict, and the package's own pytest suite.
 * Options: --module NAME (only cases of that module, e.g. spot-streams; no jest), --build-only (no pytest), --skip-js.
 * Prints "N passed, N failed[, N skipped]" last; exits non-zero if anything failed or nothing ran.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { allCases, ROOT } = require('./lib/cases');
const { generate } = require('./lib/generate');
const { compareWithGolden, compareEmbeddedRuntime } = require('./lib/golden');
const { checkRealPayloads } = require('./lib/realdata');
const { ensureVenv } = require('./lib/venv');

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

// A step that runs longer than this is stopped and fails (a hung test must not hang the whole run). Before
// that, pytest's faulthandler prints every thread's stack (see PYTEST_STACK_DUMP_SECONDS).
const STEP_TIMEOUT_SECONDS = Number(process.env.TEST_STEP_TIMEOUT) || 600;
const PYTEST_STACK_DUMP_SECONDS = 240;

/** Runs a command, capturing output; resolves {code, output, seconds}; stops it after `timeoutSeconds`. */
function exec(command, args, options = {}) {
  const { timeoutSeconds = STEP_TIMEOUT_SECONDS, ...spawnOptions } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { ...spawnOptions, env: { ...process.env, ...(spawnOptions.env || {}) } });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}${error.message}`, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const note = timedOut ? `\nstopped after ${timeoutSeconds} s (TEST_STEP_TIMEOUT)` : '';
      resolve({ code: timedOut ? -1 : code, output: `${output}${note}`, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function tail(text, lines = 60) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function runJest() {
  const jest = path.join(ROOT, 'node_modules', '.bin', 'jest');
  const result = spawnSync(jest, ['--ci', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  record('jest (helpers, components, parameters, bad input)', result.status === 0 ? 'passed' : 'failed', result.status === 0 ? '' : `jest exited with ${result.status}`);
}

async function checkCase(c, python) {
  const bin = path.dirname(python);
  const cwd = c.outputDir;
  const env = { PYTHONDONTWRITEBYTECODE: '1', MYPY_CACHE_DIR: path.join(OUTPUT_ROOT, '.mypy_cache', c.origin, c.module) };
  const steps = [
    ['import', python, ['-c', `import ${c.packageName}, ${c.packageName}.client, ${c.packageName}.testing; print(${c.packageName}.__version__)`]],
    ['ruff check', path.join(bin, 'ruff'), ['check', '--no-cache', '.']],
    ['ruff format --check', path.join(bin, 'ruff'), ['format', '--check', '--no-cache', '.']],
    ['mypy --strict', path.join(bin, 'mypy'), ['--strict', c.packageName]],
  ];
  if (!buildOnly) {
    steps.push(['pytest', python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o', `faulthandler_timeout=${PYTEST_STACK_DUMP_SECONDS}`, `${c.packageName}/tests`]]);
  }
  for (const [label, command, args] of steps) {
    const result = await exec(command, args, { cwd, env });
    const summary = label === 'pytest' ? (result.output.match(/\d+ passed[^\n]*/) || [''])[0] : '';
    record(`${c.name}: ${label}`, result.code === 0 ? 'passed' : 'failed', result.code === 0 ? `${result.seconds.toFixed(1)}s${summary ? `, ${summary}` : ''}` : tail(result.output));
  }
}

async function pool(items, size, worker) {
  const queue = items.slice();
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, async () => {
    while (queue.length) await worker(queue.shift());
  }));
}

async function main() {
  const started = Date.now();
  if (!skipJs) await runJest();
  const { cases: found, corpusMissing } = allCases(OUTPUT_ROOT);
  let cases = found;
  if (moduleFilter) {
    cases = cases.filter((c) => c.module === moduleFilter);
    if (!cases.length) throw new Error(`no spec named ${moduleFilter} in specs/ or ../shared/specs`);
  }
  if (corpusMissing) {
    const reason = `../shared/specs/binance/asyncapi not found beside the project`;
    record('corpus specs (../shared)', isCI ? 'failed' : 'skipped', isCI ? `${reason}; with CI=true the corpus is required` : reason);
  }
  const python = ensureVenv();

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
  for (const c of generated.filter((g) => g.origin === 'own')) {
    const problems = compareWithGolden(c.outputDir, c.module);
    record(`${c.name}: golden copy`, problems.length ? 'failed' : 'passed', problems.length ? `${problems.slice(0, 20).join('\n')}\nregenerate with: npm run golden:update` : '');
  }
  for (const c of generated) {
    const problems = compareEmbeddedRuntime(path.join(c.outputDir, c.packageName), c.kind);
    record(`${c.name}: embedded runtime`, problems.length ? 'failed' : 'passed', problems.length ? problems.slice(0, 20).join('\n') : '');
  }
  if (generated.length) {
    const install = await exec(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--no-build-isolation', '--force-reinstall', ...generated.map((c) => c.outputDir)]);
    record(`pip install (${generated.length} packages)`, install.code === 0 ? 'passed' : 'failed', install.code === 0 ? `${install.seconds.toFixed(1)}s` : tail(install.output));
    // setuptools builds in the source tree; its build/ and egg-info are not part of the generated output.
    for (const c of generated) {
      for (const entry of fs.readdirSync(c.outputDir)) {
        if (entry === 'build' || entry.endsWith('.egg-info')) fs.rmSync(path.join(c.outputDir, entry), { recursive: true, force: true });
      }
    }
    if (install.code === 0) await pool(generated, WORKERS, (c) => checkCase(c, python));
    // Binance's documented payloads through the corpus packages, with the shipped overlays (test/realdata/).
    if (!buildOnly) {
      for (const c of generated.filter((g) => g.origin === 'corpus')) {
        const outcome = await checkRealPayloads(c, python);
        const missing = outcome.status === 'skipped';
        record(`${c.name}: real payloads`, missing && isCI ? 'failed' : outcome.status, missing && isCI ? `${outcome.detail}; with CI=true this is a failure` : outcome.detail);
      }
    }
  }

  const count = (status) => results.filter((r) => r.status === status).length;
  const failed = results.filter((r) => r.status === 'failed');
  console.log(`\n${failed.length ? `failed:\n${failed.map((r) => `  - ${r.name}`).join('\n')}\n` : ''}total time ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(`${count('passed')} passed, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
  if (failed.length || count('passed') === 0) process.exit(1);
}

main().catch((error) => {
  console.error(`error: ${error.stack || error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
