'use strict';
/**
 * Python virtualenvs for the tests, the examples and the bench: finding interpreters, creating a virtualenv for a
 * given Python, keeping a requirements file installed (re-installed when it changes), and reading the versions of
 * what is installed.
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { ROOT } = require('./cases');

const VENV = path.join(ROOT, '.venv');
const TOOLS = path.join(ROOT, 'test', 'requirements-tools.txt');

function venvBin(name, venv = VENV) {
  return path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin', name);
}

/** Runs a command to completion; resolves with its output, rejects with the end of it when it fails. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('error', (error) => reject(new Error(`${command} could not start: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.trimEnd().split('\n').slice(-30).join('\n')}`));
    });
  });
}

/** `major.minor` of a Python interpreter, or null when it does not run. */
function pythonVersion(command) {
  const probe = spawnSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

function versionKey(text) {
  return text.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/**
 * A Python interpreter of version `wanted` ("3.13"), or null: $PYTHON_3_13, then python3.13 on PATH, then the newest
 * patch release under ~/.pyenv/versions (or $PYENV_ROOT/versions).
 */
function findPython(wanted) {
  const candidates = [];
  const variable = process.env[`PYTHON_${wanted.replace('.', '_')}`];
  if (variable) candidates.push(variable);
  candidates.push(`python${wanted}`);
  const pyenv = path.join(process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv'), 'versions');
  if (fs.existsSync(pyenv)) {
    const installed = fs
      .readdirSync(pyenv)
      .filter((name) => name === wanted || name.startsWith(`${wanted}.`))
      .sort((a, b) => {
        const [x, y] = [versionKey(a), versionKey(b)];
        for (let i = 0; i < Math.max(x.length, y.length); i += 1) if ((x[i] || 0) !== (y[i] || 0)) return (y[i] || 0) - (x[i] || 0);
        return 0;
      });
    candidates.push(...installed.map((name) => path.join(pyenv, name, 'bin', 'python')));
  }
  return candidates.find((candidate) => pythonVersion(candidate) === wanted) || null;
}

/** Any Python 3.10+ for tools that do not care which: $PYTHON, python3, python. */
function defaultPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const version = pythonVersion(candidate);
    if (version && versionKey(version)[0] === 3 && versionKey(version)[1] >= 10) return candidate;
  }
  throw new Error('Python 3.10 or newer is needed (set PYTHON to its path)');
}

function pip(python, args, options = {}) {
  return run(python, ['-m', 'pip', '--disable-pip-version-check', ...args], options);
}

/**
 * Creates the virtualenv `venv` for `python` (recreated when it holds another Python version) and keeps
 * `requirements` installed (re-installed when the file changes); resolves with the path of its python.
 */
async function ensureVenv(venv = VENV, requirements = TOOLS, python = null) {
  const interpreter = python || defaultPython();
  const wanted = pythonVersion(interpreter);
  const venvPython = venvBin('python', venv);
  if (fs.existsSync(venvPython) && pythonVersion(venvPython) !== wanted) {
    console.log(`recreating ${path.relative(ROOT, venv)} for Python ${wanted}`);
    fs.rmSync(venv, { recursive: true, force: true });
  }
  if (!fs.existsSync(venvPython)) {
    console.log(`creating the virtualenv ${path.relative(ROOT, venv) || venv} (Python ${wanted})`);
    await run(interpreter, ['-m', 'venv', venv]);
  }
  const stamp = path.join(venv, '.requirements.sha256');
  const digest = crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== digest) {
    console.log(`installing ${path.relative(ROOT, requirements)} into ${path.relative(ROOT, venv) || venv}`);
    await pip(venvPython, ['install', '--quiet', '-r', requirements]);
    fs.writeFileSync(stamp, digest);
  }
  return venvPython;
}

/** name -> version of every distribution installed in the virtualenv of `python` (names lower-cased). */
function installedVersions(python) {
  const result = spawnSync(python, ['-m', 'pip', '--disable-pip-version-check', 'list', '--format=json'], { encoding: 'utf8' });
  if (result.status !== 0) return {};
  const out = {};
  for (const { name, version } of JSON.parse(result.stdout)) out[name.toLowerCase()] = version;
  return out;
}

module.exports = { VENV, TOOLS, ensureVenv, venvBin, findPython, defaultPython, pythonVersion, installedVersions, pip, run };
