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

function venvBin(name, venv = VENV) {
  return path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin', name);
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

/**
 * Creates or updates a virtualenv so that it holds `requirements` (re-installed when the file changes);
 * returns the path of its python. Defaults: ./.venv with test/requirements-dev.txt.
 */
function ensureVenv(venv = VENV, requirements = REQUIREMENTS) {
  const stamp = path.join(venv, '.requirements.sha256');
  const digest = crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  const python = venvBin('python', venv);
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return python;
  if (!fs.existsSync(python)) {
    console.log(`creating the virtualenv ${path.relative(process.cwd(), venv) || venv}`);
    run(findPython(), ['-m', 'venv', venv]);
  }
  console.log(`installing ${path.relative(process.cwd(), requirements)} into ${path.relative(process.cwd(), venv) || venv}`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  fs.writeFileSync(stamp, digest);
  return python;
}

module.exports = { VENV, ensureVenv, venvBin };
