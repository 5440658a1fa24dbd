'use strict';
/**
 * The mock server judged by clients we did not write: test/peers/ drives the mock server of a generated spot WS API
 * package with Binance's official SDK (binance-sdk-spot: every method it shares with the spec, HMAC and Ed25519,
 * every reply validated into the SDK's own models) and with python-binance's WS API client.
 *
 * The peers live in a virtualenv of their own, .venvs/peers-py<version>, made from the given interpreter (the
 * newest environment's Python): `pip install <package> -r test/requirements-peers.txt`, so that the package's runtime
 * dependencies resolve as pip resolves them for a user, next to the pinned peers. Everything talks to 127.0.0.1 only
 * (test/peers/conftest.py refuses any other host).
 *
 * checkPeers(cases, {python, exec}) -> [{name, status, detail}] for the spot cases among `cases` (our own spec and
 * the corpus one); on failure the detail is the tests' per-method table (method by key type) and the failures.
 *
 * On its own: `node scripts/lib/peers.js [--out DIR]` generates our spot spec and the corpus spot spec into DIR (a
 * fresh temporary folder by default) and runs the peers against both, with the newest Python it finds.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, OWN_SPECS, CORPUS_SPECS, caseFor } = require('./cases');
const { VENVS } = require('./matrix');
const { findPython, pythonVersion, venvBin } = require('./venv');
const { exec: runStep } = require('./exec');

const PEERS_DIR = path.join(ROOT, 'test', 'peers');
const REQUIREMENTS = path.join(ROOT, 'test', 'requirements-peers.txt');
/** The module whose packages the peers speak to (the peers are spot WS API clients). */
const PEER_MODULE = 'spot';

function tail(text, lines = 60) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function cleanBuildLeftovers(dir) {
  for (const entry of fs.readdirSync(dir)) {
    if (entry === 'build' || entry.endsWith('.egg-info')) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** The per-method table and the failures the tests print (conftest.py), else the tail of the output. */
function failureDetail(output) {
  const table = output.indexOf('per-method outcome');
  if (table < 0) return tail(output);
  const start = output.lastIndexOf('\n', table) + 1;
  const summary = output.indexOf('short test summary info', table);
  const end = summary > table ? output.lastIndexOf('\n', summary) : output.length;
  return `${output.slice(start, end).trimEnd()}\n${tail(output, 3)}`;
}

/**
 * @param {object[]} cases generated cases ({name, module, origin, packageName, outputDir})
 * @param {{python: string, exec?: Function}} options the interpreter to make the virtualenv from; a runner
 * @returns {Promise<{name: string, status: 'passed'|'failed'|'skipped', detail: string}[]>}
 */
async function checkPeers(cases, { python, exec = runStep }) {
  const spot = cases.filter((c) => c.module === PEER_MODULE);
  if (!spot.length) return [];
  const version = pythonVersion(python);
  const venv = path.join(VENVS, `peers-py${version}`);
  const outcomes = [];
  const note = (name, ok, detail) => outcomes.push({ name, status: ok ? 'passed' : 'failed', detail });
  if (!fs.existsSync(venvBin('python', venv))) {
    const created = await exec(python, ['-m', 'venv', venv]);
    if (created.code !== 0) {
      note(`peers: virtualenv ${path.relative(ROOT, venv)}`, false, tail(created.output));
      return outcomes;
    }
  }
  const venvPython = venvBin('python', venv);
  const pip = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
  for (const c of spot) {
    const name = `${c.name}: the mock server judged by binance-sdk-spot and python-binance`;
    // The package's version does not change when the template does: out with the old build, then the package and
    // the peers together (its runtime ranges resolve beside the pins).
    await exec(venvPython, ['-m', 'pip', 'uninstall', '--quiet', '--disable-pip-version-check', '-y', c.moduleName]);
    const install = await exec(venvPython, [...pip, c.outputDir, '-r', REQUIREMENTS]);
    cleanBuildLeftovers(c.outputDir);
    if (install.code !== 0) {
      note(name, false, `pip install ${path.relative(ROOT, c.outputDir)} -r ${path.relative(ROOT, REQUIREMENTS)} failed:\n${tail(install.output)}`);
      continue;
    }
    const env = { PEERS_PACKAGE: c.packageName, PYTHONDONTWRITEBYTECODE: '1' };
    const tests = await exec(venvPython, ['-m', 'pytest', '-q', '-W', 'ignore::DeprecationWarning', '.'], { cwd: PEERS_DIR, env });
    const summary = (tests.output.match(/\d+ (passed|failed)[^\n]*/) || [''])[0];
    note(name, tests.code === 0, tests.code === 0 ? `${tests.seconds.toFixed(1)}s, ${summary}` : failureDetail(tests.output));
  }
  return outcomes;
}

async function main() {
  const argv = process.argv.slice(2);
  const out = argv.includes('--out') ? path.resolve(argv[argv.indexOf('--out') + 1]) : fs.mkdtempSync(path.join(os.tmpdir(), 'peers-'));
  const { generate } = require('./generate');
  const cases = [];
  for (const [dir, origin] of [[OWN_SPECS, 'own'], [CORPUS_SPECS, 'corpus']]) {
    const specFile = path.join(dir, `${PEER_MODULE}.yaml`);
    if (!fs.existsSync(specFile)) continue;
    const c = caseFor(specFile, origin, out);
    await generate({ specFile: c.specFile, outputDir: c.outputDir, params: { packageName: c.packageName, moduleName: c.moduleName } });
    cases.push(c);
  }
  const python = findPython('3.13') || findPython('3.12') || findPython('3.11') || findPython('3.10');
  if (!python) throw new Error('no Python 3.10+ found');
  const outcomes = await checkPeers(cases, { python });
  for (const o of outcomes) console.log(`${{ passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[o.status]} ${o.name}${o.detail ? `\n${o.detail.replace(/^/gm, '    ')}` : ''}`);
  if (!outcomes.length || outcomes.some((o) => o.status === 'failed')) process.exit(1);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`error: ${error.stack || error.message}`);
    process.exit(1);
  });
}

module.exports = { checkPeers, PEERS_DIR, REQUIREMENTS };
