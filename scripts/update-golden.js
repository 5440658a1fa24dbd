#!/usr/bin/env node
'use strict';
/** npm run golden:update: regenerates our own specs and replaces test/golden/ with the result. */
const path = require('path');
const { allCases, ROOT } = require('./lib/cases');
const { generate } = require('./lib/generate');
const { writeGolden, GOLDEN_ROOT } = require('./lib/golden');

async function main() {
  const own = allCases(path.join(ROOT, 'test', 'output')).cases.filter((c) => c.origin === 'own');
  for (const c of own) {
    const { ir } = await generate({ specFile: c.specFile, outputDir: c.outputDir, params: { packageName: c.packageName, moduleName: c.moduleName } });
    writeGolden(c.outputDir, c.module, ir.kind);
    console.log(`updated ${path.relative(ROOT, path.join(GOLDEN_ROOT, c.module))}`);
  }
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
