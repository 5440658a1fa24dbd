'use strict';
/**
 * The committed golden copy of the rendered output for our own specs (test/golden/<module>/), and the comparison.
 * The embedded runtime (<package>/_runtime/) is not rendered: it is compared with its source instead
 * (compareEmbeddedRuntime), so the golden copy holds rendered files only.
 */
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./cases');
const { EMBEDDED_DIR, SOURCE_DIR, embeddedFiles, listTree } = require('../../helpers/runtime');

const GOLDEN_ROOT = path.join(ROOT, 'test', 'golden');

function listFiles(dir) {
  return fs.existsSync(dir) ? listTree(dir).sort() : [];
}

/** The rendered files of a generated folder: everything but the embedded runtime. */
function renderedFiles(dir) {
  return listFiles(dir).filter((file) => !file.split('/').includes(EMBEDDED_DIR));
}

/** Differences between a generated folder and its golden copy, as human-readable lines (empty when equal). */
function compareWithGolden(generatedDir, module) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  if (!fs.existsSync(goldenDir)) return [`no golden copy at ${path.relative(ROOT, goldenDir)} (run npm run golden:update)`];
  const generated = renderedFiles(generatedDir);
  const golden = listFiles(goldenDir);
  const problems = [];
  for (const file of golden) if (!generated.includes(file)) problems.push(`missing from the output: ${file}`);
  for (const file of generated) {
    if (!golden.includes(file)) {
      problems.push(`not in the golden copy: ${file}`);
    } else if (!fs.readFileSync(path.join(generatedDir, file)).equals(fs.readFileSync(path.join(goldenDir, file)))) {
      problems.push(`differs from the golden copy: ${file}`);
    }
  }
  return problems;
}

/**
 * Differences between the runtime a package embeds and runtime/src (empty when it is a byte-identical copy of
 * exactly the files runtime/embed.toml declares for its kind).
 */
function compareEmbeddedRuntime(packageDir, kind) {
  const embeddedDir = path.join(packageDir, EMBEDDED_DIR);
  const expected = embeddedFiles(kind);
  const actual = listFiles(embeddedDir);
  const problems = [];
  for (const file of expected) if (!actual.includes(file)) problems.push(`not embedded: ${file}`);
  for (const file of actual) {
    if (!expected.includes(file)) problems.push(`embedded but not declared for ${kind} packages: ${file}`);
    else if (!fs.readFileSync(path.join(embeddedDir, file)).equals(fs.readFileSync(path.join(SOURCE_DIR, file)))) {
      problems.push(`differs from runtime/src: ${file}`);
    }
  }
  return problems;
}

function writeGolden(generatedDir, module) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  fs.rmSync(goldenDir, { recursive: true, force: true });
  for (const file of renderedFiles(generatedDir)) {
    const destination = path.join(goldenDir, file);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.copyFileSync(path.join(generatedDir, file), destination);
  }
}

module.exports = { GOLDEN_ROOT, compareWithGolden, compareEmbeddedRuntime, writeGolden, listFiles, renderedFiles };
