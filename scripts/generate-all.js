#!/usr/bin/env node
'use strict';
/**
 * npm run generate:all: every spec of a folder (default: the project's specs/) in one process.
 * Usage: node scripts/generate-all.js [--specs DIR] [--out DIR]
 */
const path = require('path');
const { generate } = require('./lib/generate');
const { OWN_SPECS, ROOT, specFiles, caseFor } = require('./lib/cases');

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && process.argv[index + 1] ? path.resolve(process.argv[index + 1]) : fallback;
}

async function main() {
  const specsDir = option('--specs', process.env.SPECS_DIR ? path.resolve(process.env.SPECS_DIR) : OWN_SPECS);
  const outRoot = option('--out', process.env.OUTPUT_DIR ? path.resolve(process.env.OUTPUT_DIR) : path.join(ROOT, 'output'));
  const files = specFiles(specsDir);
  if (!files.length) throw new Error(`no .yaml/.yml/.json specs in ${specsDir}`);
  const started = Date.now();
  for (const file of files) {
    const c = caseFor(file, 'own', outRoot);
    const result = await generate({
      specFile: file,
      outputDir: path.join(outRoot, c.module),
      params: { packageName: c.packageName, moduleName: c.moduleName, version: process.env.VERSION || '0.1.0' },
    });
    console.log(`generated ${path.relative(process.cwd(), result.outputDir)} (${result.ir.product} ${result.ir.kind}) in ${result.seconds.toFixed(1)}s`);
  }
  console.log(`generated ${files.length} specs in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
