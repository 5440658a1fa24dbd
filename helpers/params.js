'use strict';
/**
 * Template parameters: defaults, coercion (CLI values always arrive as strings) and validation.
 * Validation runs before anything is rendered, so a bad value never leaves partial output.
 */

const { MODULE_KINDS } = require('./ir');
const { RUNTIME_MODES } = require('./runtime');
const { overlayList, parseSwitch } = require('./overlays');

const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);
// Importing the generated package under these names would shadow modules it needs itself.
const RESERVED_PACKAGE_NAMES = new Set(['pydantic', 'websockets', 'cryptography', 'dotenv', 'msgspec', 'picows', 'asyncio', 'json', 'logging', 'typing', 'tests', 'test', 'binance_ws_runtime']);

const DEFAULTS = {
  moduleName: 'binance-websocket-client',
  packageName: 'spot',
  version: '0.1.0',
  author: 'Binance WebSocket client generator',
  moduleKind: '',
  runtime: 'embedded',
  overlays: '',
  binanceOverlays: 'true',
};

// PEP 440 public version, canonical regex from the specification's appendix.
const PEP440 = /^v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;
const DIST_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

class ParameterError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ParameterError';
  }
}

/** Reads the parameters the generator hands us (getters for defaults, strings from the CLI) into plain strings. */
function normalizeParams(raw = {}) {
  const out = {};
  for (const key of Object.keys(DEFAULTS)) {
    let value;
    try {
      value = raw[key];
    } catch (error) {
      value = undefined; // the generator throws when reading a parameter it does not know
    }
    out[key] = value === undefined || value === null ? DEFAULTS[key] : String(value).trim();
  }
  return out;
}

/** Returns a list of human-readable problems; empty when the parameters are valid. */
function parameterProblems(params) {
  const problems = [];
  const { packageName, version, moduleName, moduleKind, author, runtime } = params;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(packageName)) {
    problems.push(`packageName ${JSON.stringify(packageName)} is not a Python identifier (letters, digits and _, not starting with a digit)`);
  } else if (PYTHON_KEYWORDS.has(packageName)) {
    problems.push(`packageName ${JSON.stringify(packageName)} is a Python keyword`);
  } else if (RESERVED_PACKAGE_NAMES.has(packageName)) {
    problems.push(`packageName ${JSON.stringify(packageName)} would shadow a module the client imports`);
  }
  if (!PEP440.test(version)) problems.push(`version ${JSON.stringify(version)} is not a PEP 440 version (for example 0.1.0 or 1.2.0rc1)`);
  if (!DIST_NAME.test(moduleName)) problems.push(`moduleName ${JSON.stringify(moduleName)} is not a valid distribution name (letters, digits, '.', '_' and '-')`);
  if (moduleKind && !MODULE_KINDS.includes(moduleKind)) problems.push(`moduleKind ${JSON.stringify(moduleKind)} is not one of ${MODULE_KINDS.join(', ')}`);
  if (!RUNTIME_MODES.includes(runtime)) problems.push(`runtime ${JSON.stringify(runtime)} is not one of ${RUNTIME_MODES.join(', ')}`);
  if (/[\r\n"\\]/.test(author)) problems.push('author must be one line without quotes or backslashes');
  if (parseSwitch(params.binanceOverlays) === undefined) problems.push(`binanceOverlays ${JSON.stringify(params.binanceOverlays)} is not true or false`);
  return problems;
}

function validateParams(raw) {
  const params = normalizeParams(raw);
  const problems = parameterProblems(params);
  if (problems.length) throw new ParameterError(`invalid template parameters:\n  - ${problems.join('\n  - ')}`);
  return params;
}

/**
 * The overlay parameters of validated params: `overlays` as a list of paths (comma-separated, resolved later
 * against the working directory) and `binanceOverlays` as a boolean (CLI values arrive as "true"/"false").
 */
function overlaySettings(params) {
  return { files: overlayList(params.overlays), binance: parseSwitch(params.binanceOverlays) !== false };
}

module.exports = { DEFAULTS, ParameterError, normalizeParams, parameterProblems, validateParams, overlaySettings, PYTHON_KEYWORDS };
