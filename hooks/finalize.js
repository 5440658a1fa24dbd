'use strict';
/**
 * generate:after: move the rendered package/ folder to its import name and format every Python file
 * with the pinned ruff (WebAssembly build), so output is byte-identical wherever it is generated.
 */
const fs = require('fs');
const path = require('path');
const { normalizeParams } = require('../helpers/params');
const { formatPythonTree } = require('../helpers/format');

const STAGED_PACKAGE_DIR = 'package';

function finalizeOutput(generator) {
  const { packageName } = normalizeParams(generator.templateParams);
  const target = generator.targetDir;
  const staged = path.join(target, STAGED_PACKAGE_DIR);
  if (packageName !== STAGED_PACKAGE_DIR && fs.existsSync(staged)) {
    const final = path.join(target, packageName);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(staged, final);
  }
  formatPythonTree(target);
}

module.exports = { 'generate:after': finalizeOutput };
