'use strict';
/**
 * Real payloads in the test loop: decode every payload Binance documents for a corpus module through the package
 * generated from that module's corpus spec (with the shipped overlays), using test/realdata/check_payloads.py.
 *
 * Payload folders, both in the layout of index.json (category, pkg, target, stream, expected_e, file):
 *   ../shared/realdata/binance-payloads/   the futures half (Binance's docs and its connector's test payloads)
 *   test/realdata/spot-payloads/           the spot half, from Binance's spot docs
 *
 * checkRealPayloads(c, python) -> {status: 'passed'|'failed'|'skipped', detail, counts}; the caller records it
 * (and turns 'skipped' into a failure with CI=true, as it does for the corpus specs).
 */
const fs = require('fs');
const path = require('path');
const { exec } = require('./exec');
const { ROOT } = require('./cases');

const SHARED_PAYLOADS = path.resolve(ROOT, '..', 'shared', 'realdata', 'binance-payloads');
const SPOT_PAYLOADS = path.join(ROOT, 'test', 'realdata', 'spot-payloads');
const CHECKER = path.join(ROOT, 'test', 'realdata', 'check_payloads.py');

/** The payload folders that have entries for `module` (pkg in index.json). */
function payloadDirsFor(module, dirs = [SHARED_PAYLOADS, SPOT_PAYLOADS]) {
  return dirs.filter((dir) => {
    const index = path.join(dir, 'index.json');
    if (!fs.existsSync(index)) return false;
    const { entries = [] } = JSON.parse(fs.readFileSync(index, 'utf8'));
    return entries.some((e) => e.pkg === module && e.file);
  });
}

/**
 * @param {{module: string, packageName: string, outputDir: string, origin: string}} c a generated corpus case
 * @param {string} python the interpreter the package is installed in (or importable from c.outputDir)
 */
async function checkRealPayloads(c, python, { sharedDir = SHARED_PAYLOADS, spotDir = SPOT_PAYLOADS } = {}) {
  if (!fs.existsSync(path.join(sharedDir, 'index.json'))) {
    return { status: 'skipped', detail: `${path.relative(ROOT, sharedDir)} not found beside the project`, counts: null };
  }
  const dirs = payloadDirsFor(c.module, [sharedDir, spotDir]);
  if (!dirs.length) return { status: 'passed', detail: `no documented payloads for ${c.module}`, counts: { payloads: 0, decoded: 0, failed: 0 } };
  const counts = { payloads: 0, decoded: 0, failed: 0 };
  const failures = [];
  for (const dir of dirs) {
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: [c.outputDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
    const result = await exec(python, [CHECKER, '--payloads', dir, '--module', c.module, '--package', c.packageName], { cwd: ROOT, env });
    const line = result.output.match(/^(\d+) payloads: (\d+) decoded, (\d+) failed/m);
    if (line) {
      counts.payloads += Number(line[1]);
      counts.decoded += Number(line[2]);
      counts.failed += Number(line[3]);
    }
    if (result.code !== 0 || !line) {
      const shown = result.output.split('\n').filter((l) => !l.startsWith('skipped ')).join('\n').trimEnd();
      failures.push(`${path.relative(ROOT, dir)}:\n${shown.split('\n').slice(-60).join('\n')}`);
    }
  }
  const summary = `${counts.payloads} payloads: ${counts.decoded} decoded, ${counts.failed} failed`;
  return failures.length ? { status: 'failed', detail: `${summary}\n${failures.join('\n')}`, counts } : { status: 'passed', detail: summary, counts };
}

module.exports = { checkRealPayloads, payloadDirsFor, SHARED_PAYLOADS, SPOT_PAYLOADS, CHECKER };
