#!/usr/bin/env node
'use strict';
/**
 * npm run bench: prepares bench/.venv on the newest Python of the test matrix (peers pinned in bench/requirements.txt; our runtime dependencies resolved to
 * the newest versions runtime/pyproject.toml allows, as for a user installing today), generates every spec of
 * specs/binance/asyncapi into bench/.work/generated (timed: that is the generation benchmark), installs the
 * spot and spot-streams packages into the bench virtualenv and runs bench/run.py, which writes bench/RESULTS.md.
 * Arguments after `--` go to bench/run.py (e.g. `npm run bench -- --count 30000 --runs 1`).
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ensureVenv, findPython, pip } = require('./lib/venv');
const { ENVIRONMENTS, declaredRequirements } = require('./lib/matrix');

const ROOT = path.resolve(__dirname, '..');
const BENCH = path.join(ROOT, 'bench');
const VENV = path.join(BENCH, '.venv');
const WORK = path.join(BENCH, '.work');
const GENERATED = path.join(WORK, 'generated');
const REQUIREMENTS = path.join(BENCH, 'requirements.txt');
const SPECS = path.join(ROOT, 'specs', 'binance', 'asyncapi');
// spec file -> package name, as scripts/lib/cases.js names them for generate:all
const MEASURED = [
  { spec: 'spot-streams.yaml', dir: 'spot-streams', packageName: 'spot_streams' },
  { spec: 'spot.yaml', dir: 'spot', packageName: 'spot' },
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
  return result;
}

/** Runs generate:all into bench/.work/generated; returns per-spec and total seconds. */
function generateAll() {
  fs.rmSync(GENERATED, { recursive: true, force: true });
  fs.mkdirSync(GENERATED, { recursive: true });
  console.log('[bench] timing generate:all (every spec of specs/binance/asyncapi)');
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'generate-all.js'), '--out', GENERATED], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(result.stdout || '');
  process.stderr.write(result.stderr || '');
  const specs = [];
  for (const line of (result.stdout || '').split('\n')) {
    const match = /^generated (\S+) \((\w+) (\w+)\) in ([\d.]+)s$/.exec(line.trim());
    if (match) specs.push({ name: path.basename(match[1]), kind: `${match[2]} ${match[3]}`, seconds: Number(match[4]) });
  }
  if (result.status !== 0) return { error: `generate:all exited with ${result.status}`, total_s: totalSeconds, specs };
  return { total_s: totalSeconds, specs };
}

/** The measured packages must exist even when generate:all failed on another spec. */
function ensureMeasuredPackages() {
  for (const item of MEASURED) {
    const outputDir = path.join(GENERATED, item.dir);
    if (fs.existsSync(path.join(outputDir, item.packageName, '__init__.py'))) continue;
    console.log(`[bench] generating ${item.spec} on its own`);
    run(process.execPath, [path.join(ROOT, 'scripts', 'generate.js')], {
      env: { ...process.env, SPEC_FILE: path.join(SPECS, item.spec), OUTPUT_DIR: outputDir, PACKAGE_NAME: item.packageName },
    });
  }
}

async function main() {
  const started = Date.now();
  // The newest environment of the test matrix: the newest Python we claim, with the newest dependencies.
  const newest = ENVIRONMENTS.find((env) => env.resolution === 'newest');
  const interpreter = findPython(newest.python);
  if (!interpreter) console.log(`[bench] no Python ${newest.python} found; measuring on the default Python instead`);
  const python = await ensureVenv(VENV, REQUIREMENTS, interpreter || null);
  console.log('[bench] resolving the newest versions of our runtime dependencies');
  await pip(python, ['install', '--quiet', '--upgrade', '--upgrade-strategy', 'eager', ...declaredRequirements()], { cwd: ROOT });
  const timings = generateAll();
  ensureMeasuredPackages();
  fs.writeFileSync(path.join(WORK, 'generate.json'), JSON.stringify(timings, null, 1));
  console.log('[bench] installing the generated spot and spot-streams packages into bench/.venv');
  run(python, [
    '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--force-reinstall',
    ...MEASURED.map((item) => path.join(GENERATED, item.dir)),
  ]);
  run(python, [
    path.join(BENCH, 'run.py'),
    '--node-version', process.version,
    '--started-at', String(started / 1000),
    ...process.argv.slice(2),
  ]);
  console.log(`[bench] done in ${((Date.now() - started) / 1000).toFixed(0)} s; see bench/RESULTS.md`);
}

main().catch((error) => {
  console.error(`[bench] error: ${error.message}`);
  process.exit(1);
});
