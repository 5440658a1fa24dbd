'use strict';
/**
 * Static files that only one kind of package ships (API or streams), declared by where they live:
 * kind-tests/<kind>/ holds what becomes <package>/tests/<kind>/ of a package of that kind. They sit outside
 * template/ so that the generator does not copy them into every package; template/package/tests/<kind>/files.js
 * renders them, byte for byte, for specs of that kind and renders nothing for the other kind.
 *
 * Reads files (the repository's, not the spec's).
 */
const fs = require('fs');
const path = require('path');

/** @typedef {import('./ir-types').SpecKind} SpecKind */

const KIND_TESTS_DIR = path.resolve(__dirname, '..', 'kind-tests');

/**
 * The files of kind-tests/<kind>/, sorted by name (caches and compiled files left out).
 *
 * @param {SpecKind} kind
 * @returns {Array<{name: string, content: string}>}
 */
function kindTestFiles(kind) {
  const dir = path.join(KIND_TESTS_DIR, kind);
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name === '__pycache__' || entry.name.endsWith('.pyc')) continue;
    if (!entry.isFile()) throw new Error(`${path.relative(process.cwd(), path.join(dir, entry.name))}: only files are supported in kind-tests/${kind}/`);
    out.push({ name: entry.name, content: fs.readFileSync(path.join(dir, entry.name), 'utf8') });
  }
  return out;
}

module.exports = { kindTestFiles, KIND_TESTS_DIR };
