#!/usr/bin/env node
'use strict';
/**
 * npm run generate: one spec to one output folder.
 * Env overrides: SPEC_FILE, OUTPUT_DIR, MODULE_NAME, PACKAGE_NAME, VERSION, AUTHOR, MODULE_KIND, RUNTIME,
 * OVERLAYS (comma-separated overlay files) and BINANCE_OVERLAYS (false: no shipped Binance corrections).
 */
const path = require('path');
const { generate } = require('./lib/generate');

const root = path.resolve(__dirname, '..');
const env = process.env;

async function main() {
  const specFile = env.SPEC_FILE || path.join(root, 'specs', 'binance', 'asyncapi', 'spot.yaml');
  const outputDir = env.OUTPUT_DIR || path.join(root, 'output');
  const params = {};
  if (env.MODULE_NAME !== undefined) params.moduleName = env.MODULE_NAME;
  if (env.PACKAGE_NAME !== undefined) params.packageName = env.PACKAGE_NAME;
  if (env.VERSION !== undefined) params.version = env.VERSION;
  if (env.AUTHOR !== undefined) params.author = env.AUTHOR;
  if (env.MODULE_KIND !== undefined) params.moduleKind = env.MODULE_KIND;
  if (env.RUNTIME !== undefined) params.runtime = env.RUNTIME;
  if (env.OVERLAYS !== undefined) params.overlays = env.OVERLAYS;
  if (env.BINANCE_OVERLAYS !== undefined) params.binanceOverlays = env.BINANCE_OVERLAYS;
  const result = await generate({ specFile, outputDir, params });
  const { ir } = result;
  console.log(
    `generated ${path.relative(process.cwd(), result.outputDir) || '.'} from ${path.relative(process.cwd(), specFile)} ` +
      `(${ir.product} ${ir.kind}: ${ir.operations.length} operations, ${ir.events.length} events) in ${result.seconds.toFixed(1)}s`,
  );
  if (result.overlays.length) console.log(`spec corrections applied: ${result.overlays.join(', ')}`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
