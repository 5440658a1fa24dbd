'use strict';
/**
 * Formats generated Python with ruff's WebAssembly build. The version is pinned in package.json and matches
 * the ruff the tests run (`ruff format --check`), so formatting is part of the deterministic output.
 */
const fs = require('fs');
const path = require('path');

const RUFF_SETTINGS = { 'line-length': 120, format: { 'quote-style': 'double' } };
const CACHE_DIRS = new Set(['__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.hypothesis']);

/** @type {import('@astral-sh/ruff-wasm-nodejs').Workspace | null} */
let workspace = null;

/** @returns {import('@astral-sh/ruff-wasm-nodejs').Workspace} */
function ruffWorkspace() {
  if (!workspace) {
    const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
    workspace = new Workspace(RUFF_SETTINGS, PositionEncoding.Utf16);
  }
  return workspace;
}

/**
 * @param {string} source Python source
 * @param {string} [fileName] for the error
 * @returns {string} the source as ruff formats it
 */
function formatPython(source, fileName = '<generated>') {
  try {
    return ruffWorkspace().format(source);
  } catch (error) {
    throw new Error(`generated ${fileName} is not valid Python (ruff could not format it): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Formats every .py file below dir in place and removes caches a developer's run may have left in template/.
 *
 * @param {string} dir
 */
function formatPythonTree(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (CACHE_DIRS.has(entry.name)) fs.rmSync(full, { recursive: true, force: true });
      else formatPythonTree(full);
    } else if (entry.name.endsWith('.py')) {
      const source = fs.readFileSync(full, 'utf8');
      const formatted = formatPython(source, full);
      if (formatted !== source) fs.writeFileSync(full, formatted);
    } else if (entry.name.endsWith('.pyc')) {
      fs.rmSync(full);
    }
  }
}

module.exports = { formatPython, formatPythonTree };
