'use strict';
/**
 * The generation cases the test suite runs: our own specs (specs/) and the real corpus (../shared/specs).
 * Package names are unique per case so that every generated package can live in one virtualenv.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const OWN_SPECS = path.join(ROOT, 'specs', 'binance', 'asyncapi');
const CORPUS_SPECS = path.resolve(ROOT, '..', 'shared', 'specs', 'binance', 'asyncapi');

function specFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/i.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** `spot-streams.yaml` -> `spot_streams` */
function moduleOf(specFile) {
  return path.basename(specFile).replace(/\.(ya?ml|json)$/i, '');
}

function caseFor(specFile, origin, outputRoot) {
  const module = moduleOf(specFile);
  const prefix = origin === 'corpus' ? 'corpus_' : '';
  const packageName = `${prefix}${module.replace(/[^A-Za-z0-9]+/g, '_')}`;
  return {
    name: `${origin}/${module}`,
    origin,
    module,
    specFile,
    packageName,
    moduleName: `${prefix.replace('_', '-')}binance-ws-${module}`,
    outputDir: path.join(outputRoot, origin, module),
  };
}

/** @returns {{cases: object[], corpusMissing: boolean}} */
function allCases(outputRoot) {
  const own = specFiles(OWN_SPECS).map((f) => caseFor(f, 'own', outputRoot));
  const corpus = specFiles(CORPUS_SPECS).map((f) => caseFor(f, 'corpus', outputRoot));
  return { cases: [...own, ...corpus], corpusMissing: corpus.length === 0 };
}

module.exports = { ROOT, OWN_SPECS, CORPUS_SPECS, specFiles, moduleOf, caseFor, allCases };
