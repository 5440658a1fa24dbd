'use strict';
/** Spec corrections as overlays: JSONPath, Overlay 1.0 merge/remove, validation, parameters, shipped overlay matching. */
const fs = require('fs');
const os = require('os');
const path = require('path');
const yaml = require('js-yaml');
const {
  queryNodes, normalizedPath, parseJsonPath, parseOverlay, applyOverlay, overlaysFor, applyConfiguredOverlays,
  shippedOverlays, overlayMatches, loadOverlayFile, OverlayError,
} = require('../../helpers/overlays');
const { validateParams, overlaySettings } = require('../../helpers/params');
const { buildIR } = require('../../helpers/ir');

const ROOT = path.resolve(__dirname, '..', '..');
const { CORPUS_SPECS: CORPUS } = require('./corpus');
const OWN = path.join(ROOT, 'specs', 'binance', 'asyncapi');
const load = (file) => yaml.load(fs.readFileSync(file, 'utf8'));

const overlay = (actions, extra = {}) => ({ overlay: '1.0.0', info: { title: 'test overlay', version: '1' }, actions, ...extra });
const paths = (doc, query) => queryNodes(doc, query).map((n) => normalizedPath(n.path));

const DOC = {
  info: { title: 'API', version: '1.0.0' },
  paths: { '/a': { get: { tags: ['x', 'dummy'], parameters: [{ name: 'filter', in: 'query' }, { name: 'id', in: 'path' }] } } },
  components: {
    schemas: {
      trade: { type: 'object', 'x-kind': 'event', properties: { e: { const: 'trade' }, b: { type: 'integer' }, a: { type: 'integer' } }, required: ['e', 'b', 'a'] },
      ticker: { type: 'object', 'x-kind': 'event', properties: { e: { const: '24hrTicker' }, n: { type: 'integer' } } },
      'error-payload': { type: 'object', properties: { code: { type: 'integer' } } },
    },
  },
};

describe('JSONPath (RFC 9535 subset)', () => {
  it('root, child names, bracket names with either quote, wildcards', () => {
    expect(paths(DOC, '$')).toEqual(['$']);
    expect(paths(DOC, '$.components.schemas.trade.properties.b')).toEqual(["$['components']['schemas']['trade']['properties']['b']"]);
    expect(paths(DOC, "$.components.schemas['error-payload']")).toEqual(["$['components']['schemas']['error-payload']"]);
    expect(paths(DOC, '$.components.schemas["error-payload"]')).toHaveLength(1);
    expect(paths(DOC, "$.paths['/a'].get")).toHaveLength(1);
    expect(paths(DOC, '$.components.schemas.*')).toHaveLength(3);
    expect(paths(DOC, '$.components.schemas[*].properties.e')).toHaveLength(2);
  });

  it('array indexes, negative indexes, slices and unions', () => {
    expect(paths(DOC, "$.paths['/a'].get.parameters[0]")).toEqual(["$['paths']['/a']['get']['parameters'][0]"]);
    expect(paths(DOC, "$.paths['/a'].get.parameters[-1]")).toEqual(["$['paths']['/a']['get']['parameters'][1]"]);
    expect(paths(DOC, "$.paths['/a'].get.tags[0:1]")).toHaveLength(1);
    expect(paths(DOC, "$.components.schemas['trade','ticker']")).toHaveLength(2);
  });

  it('descendant segments', () => {
    expect(paths(DOC, '$..parameters[*].name')).toHaveLength(2);
    expect(paths(DOC, '$..e')).toHaveLength(2);
  });

  it('filters in both spellings, comparisons, logic, existence and functions', () => {
    expect(paths(DOC, "$.components.schemas[?(@['x-kind'] == 'event')]")).toHaveLength(2);
    expect(paths(DOC, "$.components.schemas[?@.properties.e.const == 'trade']")).toEqual(["$['components']['schemas']['trade']"]);
    expect(paths(DOC, "$.paths.*.get.parameters[?@.name == 'filter' && @.in == 'query']")).toHaveLength(1);
    expect(paths(DOC, "$.paths.*.get.parameters[?@.name == 'nope' || @.in == 'path']")).toHaveLength(1);
    expect(paths(DOC, '$.components.schemas[?@.required]')).toHaveLength(1);
    expect(paths(DOC, '$.components.schemas[?!@.required]')).toHaveLength(2);
    expect(paths(DOC, '$.components.schemas[?length(@.required) == 3]')).toHaveLength(1);
    expect(paths(DOC, '$.components.schemas[?count(@.properties.*) > 2]')).toHaveLength(1);
    expect(paths(DOC, "$.components.schemas[?match(@.properties.e.const, '24hr.*')]")).toHaveLength(1);
    expect(paths(DOC, "$.components.schemas[?search(@.properties.e.const, 'Tick')]")).toHaveLength(1);
    expect(paths(DOC, "$.paths['/a'].get.tags[?@ == 'dummy']")).toHaveLength(1);
  });

  it('refuses malformed queries with the position', () => {
    expect(() => parseJsonPath('components.schemas')).toThrow(/starts with \$/);
    expect(() => parseJsonPath('$.x-stream-pattern')).toThrow(/needs brackets/);
    expect(() => parseJsonPath("$.a['b'")).toThrow(/position/);
    expect(() => parseJsonPath('$.a[?@.b ==]')).toThrow(/filter/);
    expect(() => parseJsonPath('$.a[?nope(@)]')).toThrow(/unknown function/);
  });
});

describe('Overlay 1.0 actions', () => {
  it('update merges objects recursively; arrays and primitives in the update replace; new keys are added', () => {
    const result = applyOverlay(DOC, parseOverlay(overlay([{
      target: '$.components.schemas.trade',
      update: { required: ['e'], properties: { b: { description: 'buyer' }, t: { type: 'integer' } }, 'x-kind': 'stream' },
    }])));
    const trade = result.components.schemas.trade;
    expect(trade.required).toEqual(['e']);
    expect(trade.properties.b).toEqual({ type: 'integer', description: 'buyer' });
    expect(trade.properties.t).toEqual({ type: 'integer' });
    expect(trade['x-kind']).toBe('stream');
    expect(trade.properties.a).toEqual({ type: 'integer' });
  });

  it('update on an array target appends the value as one entry; the input document is untouched', () => {
    const before = JSON.stringify(DOC);
    const result = applyOverlay(DOC, parseOverlay(overlay([{ target: "$.paths['/a'].get.tags", update: 'new' }])));
    expect(result.paths['/a'].get.tags).toEqual(['x', 'dummy', 'new']);
    expect(JSON.stringify(DOC)).toBe(before);
  });

  it('update on the root merges into the document', () => {
    expect(applyOverlay(DOC, parseOverlay(overlay([{ target: '$', update: { info: { 'x-patched': true } } }]))).info).toEqual({ title: 'API', version: '1.0.0', 'x-patched': true });
  });

  it('remove deletes every selected object or array from its parent, array items from the end', () => {
    const result = applyOverlay(DOC, parseOverlay(overlay([
      { target: '$.components.schemas.trade.properties.b', remove: true },
      { target: "$.paths['/a'].get.parameters[*]", remove: true },
    ])));
    expect(Object.keys(result.components.schemas.trade.properties)).toEqual(['e', 'a']);
    expect(result.paths['/a'].get.parameters).toEqual([]);
  });

  it('actions run in order on the result of the previous one (remove, then re-create)', () => {
    const result = applyOverlay(DOC, parseOverlay(overlay([
      { target: '$.components.schemas.ticker', remove: true },
      { target: '$.components.schemas', update: { ticker: { type: 'string' } } },
    ])));
    expect(result.components.schemas.ticker).toEqual({ type: 'string' });
  });

  it('a target that matches nothing names the file, the action and the target', () => {
    const parsed = parseOverlay(overlay([
      { target: '$.info', update: { 'x-a': 1 } },
      { target: '$.info', update: { 'x-b': 1 } },
      { target: '$.components.schemas.x', description: 'trade events lost b and a', remove: true },
    ]), 'specs/overlays/spot-streams.yaml');
    expect(() => applyOverlay(DOC, parsed)).toThrow(
      'specs/overlays/spot-streams.yaml: action 3 ("trade events lost b and a"): target $.components.schemas.x matches nothing',
    );
  });

  it('a target selecting a primitive is refused (Overlay 1.0 targets objects and arrays)', () => {
    expect(() => applyOverlay(DOC, parseOverlay(overlay([{ target: '$.info.title', update: 'x' }]), 'o.yaml')))
      .toThrow(/o\.yaml: action 1: target \$\.info\.title selects a string .*containing object/);
  });

  it('an object target with a non-object update is refused', () => {
    expect(() => applyOverlay(DOC, parseOverlay(overlay([{ target: '$.info', update: 'x' }]), 'o.yaml'))).toThrow(/update must be an object/);
  });
});

describe('invalid overlay documents', () => {
  it.each([
    ['not a mapping', ['a'], /not an overlay document/],
    ['no overlay field', { info: { title: 't', version: '1' }, actions: [{ target: '$', remove: true }] }, /`overlay` field .* is missing/],
    ['another version', { ...overlay([{ target: '$.a', remove: true }]), overlay: '2.0.0' }, /overlay version "2\.0\.0" is not supported/],
    ['version as a number', { ...overlay([{ target: '$.a', remove: true }]), overlay: 1 }, /not supported/],
    ['no info', { overlay: '1.0.0', actions: [{ target: '$.a', remove: true }] }, /info is required/],
    ['info without version', { overlay: '1.0.0', info: { title: 't' }, actions: [{ target: '$.a', remove: true }] }, /info\.version is required/],
    ['no actions', overlay([]), /actions is required: a list of at least one action/],
    ['an action without target', overlay([{ description: 'fix it', update: {} }]), /action 1 \("fix it"\): target is required/],
    ['a target not starting with $', overlay([{ target: 'components', update: {} }]), /target must be a JSONPath query starting with \$/],
    ['an invalid target', overlay([{ target: '$.a[', update: {} }]), /action 1: target \$\.a\[: invalid JSONPath/],
    ['both update and remove', overlay([{ target: '$.a', update: {}, remove: true }]), /has both update and remove/],
    ['neither update nor remove', overlay([{ target: '$.a' }]), /neither update nor remove/],
    ['remove not a boolean', overlay([{ target: '$.a', remove: 'yes' }]), /remove must be true or false/],
    ['an unknown action field', overlay([{ target: '$.a', remove: true, copy: '$.b' }]), /unknown field "copy"/],
    ['an unknown top-level field', { ...overlay([{ target: '$.a', remove: true }]), patches: [] }, /unknown field "patches"/],
  ])('%s', (_, doc, message) => {
    expect(() => parseOverlay(doc, 'bad.yaml')).toThrow(OverlayError);
    expect(() => parseOverlay(doc, 'bad.yaml')).toThrow(message);
    expect(() => parseOverlay(doc, 'bad.yaml')).toThrow(/^bad\.yaml: /);
  });

  it('x- extensions are allowed everywhere the specification allows them', () => {
    expect(() => parseOverlay({ ...overlay([{ target: '$.a', remove: true, 'x-note': 1 }]), 'x-target': { title: 'a', version: 'b' } })).not.toThrow();
  });
});

describe('overlay parameters', () => {
  it('overlays is a comma-separated list; binanceOverlays is on by default', () => {
    expect(overlaySettings(validateParams({}))).toEqual({ files: [], binance: true });
    expect(overlaySettings(validateParams({ overlays: ' a.yaml, dir/b.json ,' }))).toEqual({ files: ['a.yaml', 'dir/b.json'], binance: true });
  });

  it('the off switch arrives as the string "false" from the CLI (and as a boolean from .ageneratorrc)', () => {
    expect(overlaySettings(validateParams({ binanceOverlays: 'false' })).binance).toBe(false);
    expect(overlaySettings(validateParams({ binanceOverlays: 'FALSE' })).binance).toBe(false);
    expect(overlaySettings(validateParams({ binanceOverlays: true })).binance).toBe(true);
    expect(overlaySettings(validateParams({ binanceOverlays: 'true' })).binance).toBe(true);
    expect(() => validateParams({ binanceOverlays: 'maybe' })).toThrow(/binanceOverlays "maybe" is not true or false/);
  });

  it('overlay files resolve against the working directory, apply in order, and a missing one is a clear error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overlays-'));
    try {
      fs.writeFileSync(path.join(dir, 'one.yaml'), yaml.dump(overlay([{ target: '$.info', update: { 'x-order': ['one'] } }])));
      fs.writeFileSync(path.join(dir, 'two.json'), JSON.stringify(overlay([{ target: '$.info', update: { 'x-last': 'two' } }])));
      const params = validateParams({ overlays: 'one.yaml,two.json', binanceOverlays: 'false' });
      const result = applyConfiguredOverlays(DOC, params, { cwd: dir });
      expect(result.info).toMatchObject({ 'x-order': ['one'], 'x-last': 'two' });
      expect(() => overlaysFor(DOC, validateParams({ overlays: 'missing.yaml' }), { cwd: dir })).toThrow('missing.yaml: overlay file not found');
      fs.writeFileSync(path.join(dir, 'broken.yaml'), 'overlay: 1.0.0\ninfo: [unclosed\n');
      expect(() => loadOverlayFile(path.join(dir, 'broken.yaml'), { display: 'broken.yaml' })).toThrow(/broken\.yaml: invalid YAML at line \d+/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shipped Binance overlays', () => {
  const shipped = shippedOverlays();

  it('one valid overlay per corpus spec, each action described', () => {
    expect(shipped.map((o) => o.source).sort()).toEqual(
      ['cmfutures-streams', 'cmfutures', 'spot-streams', 'spot', 'umfutures-streams', 'umfutures'].map((m) => `specs/overlays/${m}.yaml`).sort(),
    );
    for (const o of shipped) {
      expect(o.overlay['x-target']).toEqual({ title: expect.any(String), version: expect.any(String) });
      expect(o.overlay.extends).toMatch(/^https:\/\/github\.com\/openxapi\/openxapi\//);
      for (const action of o.overlay.actions) expect(action.description).toEqual(expect.stringMatching(/^.{10,}/));
    }
  });

  it('never match our own specs (version 1.1.0), so they generate as before', () => {
    for (const name of fs.readdirSync(OWN).filter((n) => n.endsWith('.yaml'))) {
      const doc = load(path.join(OWN, name));
      expect(shipped.filter((o) => overlayMatches(o.overlay, doc))).toEqual([]);
      expect(overlaysFor(doc, validateParams({}))).toEqual([]);
    }
  });

  it('match by info.title and info.version exactly', () => {
    const o = shipped.find((s) => s.source.endsWith('/spot-streams.yaml')).overlay;
    const target = o['x-target'];
    expect(overlayMatches(o, { info: { title: target.title, version: target.version } })).toBe(true);
    expect(overlayMatches(o, { info: { title: target.title, version: '1.0.1' } })).toBe(false);
    expect(overlayMatches(o, { info: { title: `${target.title} `, version: target.version } })).toBe(false);
  });

  const corpus = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).filter((n) => n.endsWith('.yaml')).sort() : [];
  (corpus.length ? it.each(corpus) : it.skip.each(['(../shared absent)']))('apply to the corpus spec %s and build an IR', (name) => {
    const doc = load(path.join(CORPUS, name));
    const applied = overlaysFor(doc, validateParams({}));
    expect(applied.map((o) => o.source)).toEqual([`specs/overlays/${name}`]);
    const corrected = applyConfiguredOverlays(doc, validateParams({}));
    expect(() => buildIR(corrected)).not.toThrow();
    expect(overlaysFor(doc, validateParams({ binanceOverlays: 'false' }))).toEqual([]);
  });

  (corpus.length ? it : it.skip)('make the drifts of the issue disappear', () => {
    const corrected = (name) => applyConfiguredOverlays(load(path.join(CORPUS, `${name}.yaml`)), validateParams({}));
    const spotStreams = corrected('spot-streams');
    expect(Object.keys(spotStreams.components.schemas.tradeEvent.properties)).not.toEqual(expect.arrayContaining(['b']));
    expect(spotStreams.components.schemas.tradeEvent.required).not.toContain('a');
    const streamsIR = buildIR(spotStreams);
    const templates = streamsIR.events.flatMap((e) => e.streamPatterns.map((p) => p.template));
    expect(templates).toEqual(expect.arrayContaining(['{symbol}@referencePrice', '{symbol}@blockTrade']));
    const spotMethods = buildIR(corrected('spot')).operations.map((op) => op.method);
    expect(spotMethods).toEqual(expect.arrayContaining(['executionRules', 'referencePrice', 'referencePrice.calculation', 'blockTrades.historical', 'orderList.place.opo', 'orderList.place.opoco']));
    const um = buildIR(corrected('umfutures'));
    expect(um.operations.filter((op) => op.method.startsWith('algoOrder.')).map((op) => [op.method, op.signed])).toEqual([['algoOrder.cancel', true], ['algoOrder.place', true]]);
    const umStreams = corrected('umfutures-streams');
    expect(umStreams.components.schemas.marginCallEvent.properties.p.items.properties.mt.enum).toContain('CROSSED');
    expect(umStreams.components.schemas.contractInfoEvent.required).not.toContain('ps');
    expect(buildIR(umStreams).events.flatMap((e) => e.streamPatterns.map((p) => p.template))).toEqual(expect.arrayContaining(['tradingSession', '{symbol}@rpiDepth@500ms']));
    const cmStreams = corrected('cmfutures-streams');
    expect(cmStreams.components.schemas.marginCallEvent.properties.p.items.properties.mt.enum).toContain('CROSSED');
    expect(cmStreams.components.schemas.markPriceKlineEvent.required).not.toContain('s');
  });
});

describe('where the IR is built from the raw document', () => {
  const hook = require('../../hooks/validate')['generate:before'];
  const { templateContext } = require('../../helpers/context');
  const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'minimal-api.yaml');

  it('templateContext (what the AsyncAPI CLI path renders from) applies the overlays', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overlays-ctx-'));
    try {
      const file = path.join(dir, 'retitle.yaml');
      fs.writeFileSync(file, yaml.dump(overlay([{ target: '$.info', update: { title: 'From the overlay' } }])));
      const text = fs.readFileSync(FIXTURE, 'utf8');
      const { ir, overlays } = templateContext({ params: { overlays: file }, originalAsyncAPI: text });
      expect(ir.info.title).toBe('From the overlay');
      expect(overlays).toEqual([file]);
      expect(templateContext({ params: {}, originalAsyncAPI: text }).ir.info.title).not.toBe('From the overlay');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the generate:before hook refuses a failing overlay before anything is rendered', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overlays-hook-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, yaml.dump(overlay([{ target: '$.nothing.here', description: 'gone', remove: true }])));
      const generator = { templateParams: { overlays: file, binanceOverlays: 'false' }, originalAsyncAPI: fs.readFileSync(FIXTURE, 'utf8') };
      expect(() => hook(generator)).toThrow(/bad\.yaml: action 1 \("gone"\): target \$\.nothing\.here matches nothing/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
