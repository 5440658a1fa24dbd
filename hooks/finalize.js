'use strict';
/**
 * generate:after: move the rendered package/ folder to its import name, embed the runtime (unless the package
 * shares an installed one), and format the rendered Python files with the pinned ruff (WebAssembly build), so
 * output is byte-identical wherever it is generated. The embedded runtime is copied as it is in runtime/src:
 * it is formatted there already, and npm test proves each copy identical to its source.
 */
const fs = require('fs');
const path = require('path');
const { templateContext } = require('../helpers/context');
const { formatPythonTree } = require('../helpers/format');
const { embedRuntime, EMBEDDED_DIR } = require('../helpers/runtime');

// Static tests that only make sense for one kind of spec live in tests/api/ or tests/streams/.
const KIND_SPECIFIC_TEST_DIRS = { api: 'api', streams: 'streams' };

const STAGED_PACKAGE_DIR = 'package';

function finalizeOutput(generator) {
  const { ir, params } = templateContext({ params: generator.templateParams, originalAsyncAPI: generator.originalAsyncAPI });
  const { packageName } = params;
  const target = generator.targetDir;
  const staged = path.join(target, STAGED_PACKAGE_DIR);
  for (const [kind, dir] of Object.entries(KIND_SPECIFIC_TEST_DIRS)) {
    if (kind !== ir.kind) fs.rmSync(path.join(staged, 'tests', dir), { recursive: true, force: true });
  }
  formatPythonTree(target);
  if (params.runtime === 'embedded') embedRuntime(staged, ir.kind);
  if (packageName !== STAGED_PACKAGE_DIR && fs.existsSync(staged)) {
    const final = path.join(target, packageName);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(staged, final);
  }
}

module.exports = { 'generate:after': finalizeOutput, EMBEDDED_DIR };
