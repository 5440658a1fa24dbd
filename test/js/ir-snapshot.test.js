'use strict';
/**
 * The IR of every fixture and of every spec of ours, as committed snapshots: a change of the IR contract (or of
 * what a spec says) is one reviewable diff in __snapshots__/ir-snapshot.test.js.snap. Update with
 * `node_modules/.bin/jest -u test/js/ir-snapshot.test.js` after checking the diff.
 *
 * The raw schema bodies are left out (`schemas` lists their names): they are the spec's own text, and every field
 * a renderer reads from the IR is kept.
 */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { buildIR } = require('../../helpers/ir');

const ROOT = path.resolve(__dirname, '..', '..');
const yamlFiles = (dir) => fs.readdirSync(path.join(ROOT, dir)).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => `${dir}/${name}`);
const SOURCES = [...yamlFiles('test/fixtures'), ...yamlFiles('specs/binance/asyncapi')];

/** The IR with `schemas` reduced to the sorted schema names. */
function snapshotView(ir) {
  return { ...ir, schemas: Object.keys(ir.schemas).sort() };
}

test('there are fixtures and specs to snapshot', () => {
  expect(SOURCES.filter((f) => f.startsWith('test/fixtures/')).length).toBeGreaterThanOrEqual(2);
  expect(SOURCES.filter((f) => f.startsWith('specs/')).length).toBe(6);
});

describe.each(SOURCES)('IR of %s', (file) => {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, file), 'utf8'));

  test('matches the snapshot', () => {
    expect(snapshotView(buildIR(doc))).toMatchSnapshot();
  });

  test('is plain JSON data', () => {
    const ir = buildIR(doc);
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });
});
