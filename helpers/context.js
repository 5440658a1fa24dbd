'use strict';
/**
 * What every template file starts from: the validated parameters and the IR, built once per document.
 * Template files are bundled separately by the generator, so the cache lives on globalThis.
 */

const yaml = require('js-yaml');
const { buildIR } = require('./ir');
const { validateParams } = require('./params');

const CACHE_KEY = Symbol.for('binance-websocket-template.ir-cache');

function parseDocument(text) {
  if (typeof text !== 'string') return text;
  return yaml.load(text);
}

/** @returns {{ir: object, params: object}} */
function templateContext({ params: rawParams, originalAsyncAPI, asyncapi }) {
  const params = validateParams(rawParams);
  const source = originalAsyncAPI !== undefined ? originalAsyncAPI : asyncapi && asyncapi.json();
  const cache = (globalThis[CACHE_KEY] = globalThis[CACHE_KEY] || new Map());
  const key = `${params.moduleKind}\u0000${typeof source === 'string' ? source : JSON.stringify(source)}`;
  if (!cache.has(key)) {
    if (cache.size > 8) cache.clear();
    cache.set(key, buildIR(parseDocument(source), { moduleKind: params.moduleKind || undefined }));
  }
  return { ir: cache.get(key), params };
}

module.exports = { templateContext, parseDocument };
