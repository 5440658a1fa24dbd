'use strict';
/**
 * The committed golden copy of the output for our own specs (test/golden/<module>/), and the comparison.
 */
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./cases');

const GOLDEN_ROOT = path.join(ROOT, 'test', 'golden');

function listFiles(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

/** Differences between a generated folder and its golden copy, as human-readable lines (empty when equal). */
function compareWithGolden(generatedDir, module) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  if (!fs.existsSync(goldenDir)) return [`no golden copy at ${path.relative(ROOT, goldenDir)} (run npm run golden:update)`];
  const generated = listFiles(generatedDir);
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

function writeGolden(generatedDir, module) {
  const goldenDir = path.join(GOLDEN_ROOT, module);
  fs.rmSync(goldenDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(goldenDir), { recursive: true });
  fs.cpSync(generatedDir, goldenDir, { recursive: true });
}

module.exports = { GOLDEN_ROOT, compareWithGolden, writeGolden, listFiles };
