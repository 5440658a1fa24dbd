'use strict';
/**
 * The real spec corpus for jest: ../shared/specs/binance/asyncapi beside the project (scripts/lib/cases.js says where).
 * Tests over it are skipped, saying why, when ../shared is absent.
 */
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { CORPUS_SPECS } = require('../../scripts/lib/cases');

/** The parsed corpus spec `name` (without extension). */
function loadCorpusSpec(name) {
  return yaml.load(fs.readFileSync(path.join(CORPUS_SPECS, `${name}.yaml`), 'utf8'));
}

/**
 * describe.each over the corpus specs `names` that are present; one skipped test naming what is missing otherwise
 * (jest runs a describe body even when the block is skipped, and these bodies read the spec).
 */
function describeCorpus(names, title, body) {
  const present = names.filter((name) => fs.existsSync(path.join(CORPUS_SPECS, `${name}.yaml`)));
  if (present.length) {
    describe.each(present)(title, body);
    return;
  }
  describe(title.replace('%s', names.join(', ')), () => {
    test.skip(`needs ${path.relative(process.cwd(), CORPUS_SPECS)} (../shared beside the project)`, () => {});
  });
}

module.exports = { CORPUS_SPECS, loadCorpusSpec, describeCorpus };
