#!/usr/bin/env node
'use strict';
/**
 * npm run example: generates a client (SPEC_FILE, default our spot spec), installs it into ./.venv the way a user
 * does (pip resolves the dependencies it declares) and runs its generated example.py, which talks to the bundled mock
 * server: end to end and offline (but for pip's index).
 */
const path = require('path');
const { spawnSync } = require('child_process');
const { generate } = require('./lib/generate');
const { ensureVenv } = require('./lib/venv');
const { ROOT, moduleOf } = require('./lib/cases');

async function main() {
  const specFile = process.env.SPEC_FILE || path.join(ROOT, 'specs', 'binance', 'asyncapi', 'spot.yaml');
  const module = moduleOf(specFile);
  const packageName = process.env.PACKAGE_NAME || `example_${module.replace(/[^A-Za-z0-9]+/g, '_')}`;
  const outputDir = process.env.OUTPUT_DIR || path.join(ROOT, 'output', 'example', module);
  const result = await generate({ specFile, outputDir, params: { packageName, moduleName: `binance-ws-example-${module}` } });
  console.log(`generated ${path.relative(process.cwd(), result.outputDir)}`);
  const python = await ensureVenv();
  const install = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--force-reinstall', '--no-build-isolation', outputDir], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('pip install of the generated package failed');
  console.log(`running ${path.relative(process.cwd(), path.join(outputDir, 'example.py'))} against the mock server`);
  const run = spawnSync(python, ['example.py'], { cwd: outputDir, stdio: 'inherit', timeout: 120000 });
  if (run.status !== 0) throw new Error(`example.py exited with ${run.status === null ? `signal ${run.signal}` : run.status}`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
