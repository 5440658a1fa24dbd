#!/usr/bin/env node
'use strict';
/** npm run test:clean: removes generated test output, the default ./output and the transpiled template cache. */
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./lib/cases');

for (const dir of ['test/output', 'output', '__transpiled']) {
  fs.rmSync(path.join(ROOT, dir), { recursive: true, force: true });
  console.log(`removed ${dir}`);
}
