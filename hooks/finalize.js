'use strict';
/**
 * generate:after: move the rendered package/ folder to its import name, embed the runtime (unless the package
 * shares an installed one), and format the rendered Python files with the pinned ruff (WebAssembly build), so
 * output is byte-identical wherever it is generated. The embedded runtime is copied as it is in runtime/src:
 * it is formatted there already, and npm test proves each copy identical to its source.
 *
 * Which files a kind of package gets is declared before rendering (render files that return nothing for the
 * other kind, kind-tests/<kind>/ for static tests, runtime/embed.toml for the runtime); the generator still
 * creates every folder of template/, so a folder whose render files all returned nothing is removed here.
 */
const fs = require('fs');
const path = require('path');
const { templateContext } = require('../helpers/context');
const { formatPythonTree } = require('../helpers/format');
const { embedRuntime, EMBEDDED_DIR } = require('../helpers/runtime');

const STAGED_PACKAGE_DIR = 'package';

/** Removes the empty folders below dir (and dir itself when it ends up empty). */
function removeEmptyFolders(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyFolders(path.join(dir, entry.name));
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

function finalizeOutput(generator) {
  const { ir, params } = templateContext({ params: generator.templateParams, originalAsyncAPI: generator.originalAsyncAPI });
  const { packageName } = params;
  const target = generator.targetDir;
  const staged = path.join(target, STAGED_PACKAGE_DIR);
  if (fs.existsSync(staged)) removeEmptyFolders(staged);
  formatPythonTree(target);
  if (params.runtime === 'embedded') embedRuntime(staged, ir.kind);
  if (packageName !== STAGED_PACKAGE_DIR && fs.existsSync(staged)) {
    const final = path.join(target, packageName);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(staged, final);
  }
}

module.exports = { 'generate:after': finalizeOutput, EMBEDDED_DIR };
