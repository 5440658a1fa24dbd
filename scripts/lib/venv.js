'use strict';
/**
 * The Python virtualenv the tests use (./.venv), created and kept in sync with test/requirements-dev.txt.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ROOT } = require('./cases');

const VENV = path.join(ROOT, '.venv');
const REQUIREMENTS = path.join(ROOT, 'test', 'requirements-dev.txt');
const STAMP = path.join(VENV, '.requirements.sha256');

function venvBin(name) {
  return path.join(VENV, process.platform === 'win32' ? 'Scripts' : 'bin', name);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 10))'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() === 'True') return candidate;
  }
  throw new Error('Python 3.10 or newer is needed (set PYTHON to its path)');
}

/** Creates or updates ./.venv; returns the path of its python. */
function ensureVenv() {
  const digest = crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
  const python = venvBin('python');
  if (fs.existsSync(python) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === digest) return python;
  if (!fs.existsSync(python)) {
    console.log(`creating the test virtualenv in ${path.relative(process.cwd(), VENV) || VENV}`);
    run(findPython(), ['-m', 'venv', VENV]);
  }
  console.log('installing Python test dependencies (test/requirements-dev.txt)');
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS]);
  fs.writeFileSync(STAMP, digest);
  return python;
}

module.exports = { VENV, ensureVenv, venvBin };
