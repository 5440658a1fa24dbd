'use strict';
/**
 * Programmatic generation with an all-or-nothing write: render into a scratch directory beside the
 * output, then swap it in. A failing spec leaves an existing OUTPUT_DIR exactly as it was.
 */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { validateParams } = require('../../helpers/params');
const { buildIR } = require('../../helpers/ir');
const { correctedDocument } = require('../../helpers/context');

const TEMPLATE_DIR = path.resolve(__dirname, '..', '..');

class GenerationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'GenerationError';
  }
}

function readSpec(specFile) {
  if (!fs.existsSync(specFile)) throw new GenerationError(`spec file not found: ${specFile}`);
  if (!fs.statSync(specFile).isFile()) throw new GenerationError(`spec path is not a file: ${specFile}`);
  const text = fs.readFileSync(specFile, 'utf8');
  let doc;
  try {
    doc = yaml.load(text);
  } catch (error) {
    const mark = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
    throw new GenerationError(`${specFile}: invalid YAML${mark}: ${error.reason || error.message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new GenerationError(`${specFile}: not an AsyncAPI document (expected a mapping at the top level)`);
  return { text, doc };
}

function describeParserFailure(error, specFile) {
  const diagnostics = error.diagnostics || (error.validationErrors && error.validationErrors.map((e) => ({ message: e.title || e.message, path: e.location && e.location.jsonPointer })));
  if (Array.isArray(diagnostics) && diagnostics.length) {
    const errors = diagnostics.filter((d) => d.severity === undefined || d.severity === 0);
    const lines = (errors.length ? errors : diagnostics).slice(0, 10).map((d) => {
      const where = Array.isArray(d.path) ? `#/${d.path.join('/')}` : d.path || '';
      const line = d.range && d.range.start ? ` (line ${d.range.start.line + 1})` : '';
      return `  - ${where}${line}: ${d.message}`;
    });
    return `${specFile}: the AsyncAPI document is invalid:\n${lines.join('\n')}`;
  }
  return `${specFile}: ${error.message || error}`;
}

function scratchDirFor(outputDir) {
  const parent = path.dirname(outputDir);
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, `.${path.basename(outputDir)}.rendering-`));
}

function swapIn(scratch, outputDir) {
  if (!fs.existsSync(outputDir)) {
    fs.renameSync(scratch, outputDir);
    return;
  }
  const backup = `${scratch}.previous`;
  fs.renameSync(outputDir, backup);
  try {
    fs.renameSync(scratch, outputDir);
  } catch (error) {
    fs.renameSync(backup, outputDir);
    throw error;
  }
  fs.rmSync(backup, { recursive: true, force: true });
}

let compiled = false;

/**
 * @param {{specFile: string, outputDir: string, params: object}} options
 * @returns {Promise<{outputDir: string, ir: object, overlays: string[], seconds: number}>} overlays: the
 *   overlay files applied to the spec, in order
 */
async function generate({ specFile, outputDir, params: rawParams }) {
  const started = process.hrtime.bigint();
  const params = validateParams(rawParams);
  specFile = path.resolve(specFile);
  outputDir = path.resolve(outputDir);
  const { doc: raw } = readSpec(specFile);
  // Spec corrections first (the shipped Binance overlays matching this spec, then the `overlays` files): a
  // missing or invalid overlay, or a target that matches nothing, stops here, before anything is written.
  let doc;
  let overlays;
  try {
    ({ doc, overlays } = correctedDocument(raw, params));
  } catch (error) {
    throw new GenerationError(error.message);
  }
  let ir;
  try {
    ir = buildIR(doc, { moduleKind: params.moduleKind || undefined });
  } catch (error) {
    throw new GenerationError(`${specFile}${overlays.length ? ` (with overlays ${overlays.map((o) => o.source).join(', ')})` : ''}: ${error.message}`);
  }
  const Generator = require('@asyncapi/generator');
  const scratch = scratchDirFor(outputDir);
  try {
    const generator = new Generator(TEMPLATE_DIR, scratch, {
      templateParams: params,
      forceWrite: true,
      compile: !compiled,
    });
    try {
      await generator.generateFromFile(specFile);
    } catch (error) {
      throw new GenerationError(describeParserFailure(error, specFile));
    }
    compiled = true;
    swapIn(scratch, outputDir);
  } catch (error) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  return { outputDir, ir, overlays: overlays.map((o) => o.source), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

module.exports = { generate, GenerationError, TEMPLATE_DIR, readSpec };
