'use strict';
/**
 * The Python environments the tests run in: each declared dependency range tested at both ends, on the oldest and
 * the newest Python the packages claim.
 *
 *   newest: every runtime dependency resolved at test time to the newest version its range allows, the way
 *           `pip install` resolves it for a user today (nothing pinned; re-resolved on every run);
 *   oldest: every direct runtime dependency pinned to the lower bound of its range (what a user with old pins may
 *           have); indirect dependencies resolve as pip resolves them.
 *
 * Both include the optional [fast] dependencies (picows, msgspec): they are part of the ranges we declare. The tools
 * (pytest, mypy, ruff, ...) are pinned in test/requirements-tools.txt.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { ROOT } = require('./cases');
const { defaultPython, ensureVenv, findPython, installedVersions, pip, pythonVersion, TOOLS } = require('./venv');
const { runtimeProject } = require('../../helpers/runtime');

const VENVS = path.join(ROOT, '.venvs');

/**
 * Every environment, and what runs in it: the runtime's own suite always; the generated packages' suites where
 * `packages` is set; mypy --strict of the runtime and of every package where `mypy` is set.
 */
const ENVIRONMENTS = [
  { name: 'newest-py3.13', python: '3.13', resolution: 'newest', packages: true, mypy: true },
  { name: 'oldest-py3.10', python: '3.10', resolution: 'oldest', packages: true, mypy: true },
  { name: 'newest-py3.10', python: '3.10', resolution: 'newest', packages: true, mypy: false },
  { name: 'oldest-py3.13', python: '3.13', resolution: 'oldest', packages: true, mypy: false },
  { name: 'newest-py3.11', python: '3.11', resolution: 'newest', packages: false, mypy: false },
  { name: 'newest-py3.12', python: '3.12', resolution: 'newest', packages: false, mypy: false },
];

/** The two corners every `npm test` runs; CI (CI=true) runs all of ENVIRONMENTS. TEST_ENVS=a,b picks by name. */
const LOCAL = ['newest-py3.13', 'oldest-py3.10'];

function selectEnvironments({ ci, names }) {
  if (names && names.length) {
    const unknown = names.filter((name) => !ENVIRONMENTS.some((env) => env.name === name));
    if (unknown.length) throw new Error(`unknown environment(s) ${unknown.join(', ')}; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
    return ENVIRONMENTS.filter((env) => names.includes(env.name));
  }
  return ci ? ENVIRONMENTS : ENVIRONMENTS.filter((env) => LOCAL.includes(env.name));
}

/**
 * When none of the selected Pythons is installed (a machine with only its system Python), a local run still tests
 * the newest versions on whatever Python 3.10+ there is; CI never falls back.
 */
function fallbackEnvironment() {
  const version = pythonVersion(defaultPython());
  return { name: `newest-py${version}`, python: version, resolution: 'newest', packages: true, mypy: true };
}

/** The runtime's dependency specifiers, [fast] extra included. */
function declaredRequirements() {
  const project = runtimeProject();
  return [...project.dependencies, ...project.fast];
}

/** `name>=1.2,<2` -> `name==1.2`: every direct dependency at the lower bound it declares. */
function lowerBounds(requirements) {
  return requirements.map((requirement) => {
    const match = /^([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*([^;]*)(;.*)?$/.exec(requirement.trim());
    const lower = match && /(?:^|,)\s*>=\s*([^,\s]+)/.exec(match[3]);
    if (!lower) throw new Error(`dependency ${JSON.stringify(requirement)} declares no lower bound (>=): it cannot be tested`);
    return `${match[1]}==${lower[1]}${match[4] || ''}`;
  });
}

const WATCHED = ['pydantic', 'pydantic-core', 'websockets', 'cryptography', 'python-dotenv', 'picows', 'msgspec'];

/**
 * Creates or refreshes the virtualenv of `env`; resolves with {python, versions} or {skipped: reason}.
 * newest re-resolves every run (pip --upgrade --upgrade-strategy eager); oldest installs the pins once per change.
 */
async function prepareEnvironment(env) {
  const interpreter = findPython(env.python);
  if (!interpreter) return { skipped: `no Python ${env.python} found (set PYTHON_${env.python.replace('.', '_')} to its path)` };
  const venv = path.join(VENVS, env.name);
  const python = await ensureVenv(venv, TOOLS, interpreter);
  const declared = declaredRequirements();
  if (env.resolution === 'newest') {
    console.log(`[${env.name}] resolving the newest versions the ranges allow: ${declared.join(' ')}`);
    await pip(python, ['install', '--quiet', '--upgrade', '--upgrade-strategy', 'eager', ...declared]);
  } else {
    const pins = lowerBounds(declared);
    const stamp = path.join(venv, '.oldest.sha256');
    const digest = crypto.createHash('sha256').update(pins.join('\n')).digest('hex');
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== digest) {
      console.log(`[${env.name}] installing the lower bounds: ${pins.join(' ')}`);
      await pip(python, ['install', '--quiet', ...pins]);
      fs.writeFileSync(stamp, digest);
    }
  }
  const installed = installedVersions(python);
  const versions = Object.fromEntries(WATCHED.filter((name) => installed[name]).map((name) => [name, installed[name]]));
  return { python, versions, pythonVersion: env.python };
}

function describeVersions(versions) {
  return Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ');
}

module.exports = { ENVIRONMENTS, LOCAL, VENVS, selectEnvironments, fallbackEnvironment, declaredRequirements, lowerBounds, prepareEnvironment, describeVersions };
