'use strict';
/**
 * The committed golden copy of the rendered output for our own specs (test/golden/<module>/), and the comparison.
 * Two parts of a package are copies, not renderings: the embedded runtime (<package>/_runtime/) and the static
 * tests of its kind (<package>/tests/<kind>/ from kind-tests/<kind>/). They are compared with their sources
 * instead (compareEmbeddedRuntime, compareKindTests), so the golden copy holds rendered files only.
 */
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./cases');
const { EMBEDDED_DIR, SOURCE_DIR, embeddedFiles, listTree } = require('../../helpers/runtime');
const { KIND_TESTS_DIR, kindTestFiles } = require('../../helpers/kind-files');

const GOLDEN_ROOT = path.join(ROOT, 'test', 'golden');

function listFiles(dir) {
  return fs.existsSync(dir) ? listTree(dir).sort() : [];
}

/** Whether `file` (relative, `/`-separated) is the copy of a kind-tests/<kind>/ file: <package>/tests/<kind>/<name>. */
function isKindTestCopy(file, kind) {
  const parts = file.split('/');
  return parts.length === 4 && parts[1] === 'tests' && parts[2] === kind && kindTestFiles(kind).some((f) => f.name === parts[3]);
}

/** The rendered files of a generated folder of `kind`: everything but the embedded runtime and the kind tests. */
function renderedFiles(dir, kind) {
  return listFiles(dir).filter((file) => !file.split('/').includes(EMBEDDED_DIR) && !isKindTestCopy(file, kind));
}

/** Differences between a generated folder and its golden copy, as human-readable lines (empty when equal). */
function compareWithGolden(generatedDir, module, kind) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  if (!fs.existsSync(goldenDir)) return [`no golden copy at ${path.relative(ROOT, goldenDir)} (run npm run golden:update)`];
  const generated = renderedFiles(generatedDir, kind);
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

/**
 * Differences between the tests/<kind>/ files of a package and kind-tests/<kind>/ (empty when each is a
 * byte-identical copy; the sources are formatted in place, so the formatting after rendering changes nothing).
 */
function compareKindTests(packageDir, kind) {
  const problems = [];
  for (const { name } of kindTestFiles(kind)) {
    const copy = path.join(packageDir, 'tests', kind, name);
    if (!fs.existsSync(copy)) problems.push(`not in the package: tests/${kind}/${name}`);
    else if (!fs.readFileSync(copy).equals(fs.readFileSync(path.join(KIND_TESTS_DIR, kind, name)))) {
      problems.push(`tests/${kind}/${name} differs from kind-tests/${kind}/${name} (format it in place: ruff format kind-tests)`);
    }
  }
  return problems;
}

function writeGolden(generatedDir, module, kind) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  fs.rmSync(goldenDir, { recursive: true, force: true });
  for (const file of renderedFiles(generatedDir, kind)) {
    const destination = path.join(goldenDir, file);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.copyFileSync(path.join(generatedDir, file), destination);
  }
}

module.exports = { GOLDEN_ROOT, compareWithGolden, compareEmbeddedRuntime, compareKindTests, writeGolden, listFiles, renderedFiles };
