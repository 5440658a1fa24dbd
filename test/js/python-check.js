'use strict';
/**
 * Static checks of rendered Python with the pinned ruff (WebAssembly, the same build that formats the output):
 * syntax errors and pyflakes findings (undefined names, unused imports, redefinitions ...).
 */
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');

let workspace = null;

/**
 * @param {string} source Python source
 * @returns {string[]} one `CODE line: message` per finding; empty for clean code
 */
function pythonProblems(source) {
  if (!workspace) workspace = new Workspace({ 'line-length': 120, lint: { select: ['E9', 'F'] } }, PositionEncoding.Utf16);
  return workspace.check(source).map((d) => `${d.code || 'syntax'} ${d.start_location.row}: ${d.message}`);
}

/**
 * The Python `"..."` literals our renderers write use JSON's escapes only, so JSON.parse reads them back.
 *
 * @param {string} literal
 * @returns {string}
 */
function pyStringValue(literal) {
  return JSON.parse(literal);
}

module.exports = { pythonProblems, pyStringValue };
