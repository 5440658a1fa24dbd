'use strict';
/**
 * What every template file starts from: the validated parameters and the IR, built once per document.
 * The IR is built from the raw document after the spec corrections (helpers/overlays.js) that apply to it:
 * the shipped Binance overlays matching its info.title/version, then the `overlays` files.
 * Template files are bundled separately by the generator, so the cache lives on globalThis.
 */

const yaml = require('js-yaml');
const { buildIR } = require('./ir');
const { validateParams } = require('./params');
const { overlaysFor, applyOverlays } = require('./overlays');

const CACHE_KEY = Symbol.for('binance-websocket-template.ir-cache');

function parseDocument(text) {
  if (typeof text !== 'string') return text;
  return yaml.load(text);
}

/** The raw document with the overlays that apply to it (none: the document itself). */
function correctedDocument(doc, params) {
  const overlays = overlaysFor(doc, params);
  return { doc: overlays.length ? applyOverlays(doc, overlays) : doc, overlays };
}

/** @returns {{ir: object, params: object, overlays: string[]}} overlays: the files applied, in order */
function templateContext({ params: rawParams, originalAsyncAPI, asyncapi }) {
  const params = validateParams(rawParams);
  const source = originalAsyncAPI !== undefined ? originalAsyncAPI : asyncapi && asyncapi.json();
  const cache = (globalThis[CACHE_KEY] = globalThis[CACHE_KEY] || new Map());
  const raw = parseDocument(source);
  // Loading the overlays (cached per file) is part of the key: an edited overlay file must not hit a stale IR.
  const overlays = overlaysFor(raw, params);
  const key = [
    params.moduleKind,
    ...overlays.map((o) => `${o.source}\u0001${JSON.stringify(o.overlay)}`),
    typeof source === 'string' ? source : JSON.stringify(source),
  ].join('\u0000');
  if (!cache.has(key)) {
    if (cache.size > 8) cache.clear();
    const doc = overlays.length ? applyOverlays(raw, overlays) : raw;
    cache.set(key, { ir: buildIR(doc, { moduleKind: params.moduleKind || undefined }), overlays: overlays.map((o) => o.source) });
  }
  const entry = cache.get(key);
  return { ir: entry.ir, params, overlays: entry.overlays };
}

module.exports = { templateContext, parseDocument, correctedDocument };
