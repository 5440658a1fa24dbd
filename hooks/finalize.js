'use strict';
/**
 * generate:after: move the rendered package/ folder to its import name and format every Python file
 * with the pinned ruff (WebAssembly build), so output is byte-identical wherever it is generated.
 */
const fs = require('fs');
const path = require('path');
const { templateContext } = require('../helpers/context');
const { formatPythonTree } = require('../helpers/format');

// Static tests that only make sense for one kind of spec live in tests/api/ or tests/streams/.
const KIND_SPECIFIC_TEST_DIRS = { api: 'api', streams: 'streams' };
// Static runtime files only one kind of spec uses (structs.py, rendered for streams specs, imports this one).
const KIND_SPECIFIC_FILES = { streams: ['_struct_routing.py'] };

const STAGED_PACKAGE_DIR = 'package';

function finalizeOutput(generator) {
  const { ir, params } = templateContext({ params: generator.templateParams, originalAsyncAPI: generator.originalAsyncAPI });
  const { packageName } = params;
  const target = generator.targetDir;
  const staged = path.join(target, STAGED_PACKAGE_DIR);
  for (const [kind, dir] of Object.entries(KIND_SPECIFIC_TEST_DIRS)) {
    if (kind !== ir.kind) fs.rmSync(path.join(staged, 'tests', dir), { recursive: true, force: true });
  }
  for (const [kind, files] of Object.entries(KIND_SPECIFIC_FILES)) {
    if (kind !== ir.kind) for (const file of files) fs.rmSync(path.join(staged, file), { force: true });
  }
  if (packageName !== STAGED_PACKAGE_DIR && fs.existsSync(staged)) {
    const final = path.join(target, packageName);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(staged, final);
  }
  formatPythonTree(target);
}

module.exports = { 'generate:after': finalizeOutput };
