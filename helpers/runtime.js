'use strict';
/**
 * The spec-independent Python runtime (runtime/, a project of its own) as the template sees it: where its sources
 * are, which files each kind of package embeds, the dependency ranges it declares, and how rendered code imports it.
 *
 * Two ways to ship it, chosen by the `runtime` parameter:
 *   - embedded (default): a byte-identical copy of runtime/src/binance_ws_runtime/ inside the package, as
 *     <package>/_runtime/; rendered modules import it relatively, so the package is self-contained;
 *   - shared: the package depends on the binance-ws-runtime distribution (built from runtime/), so that several
 *     generated packages share one runtime: one copy, one exception hierarchy.
 *
 * Reads files (once, cached): the runtime is part of this repository, not of the spec.
 */
const fs = require('fs');
const path = require('path');
const { parse: parseToml } = require('smol-toml');

const RUNTIME_DIR = path.resolve(__dirname, '..', 'runtime');
const IMPORT_NAME = 'binance_ws_runtime';
const SOURCE_DIR = path.join(RUNTIME_DIR, 'src', IMPORT_NAME);
const EMBEDDED_DIR = '_runtime';
const RUNTIME_MODES = ['embedded', 'shared'];

const cache = new Map();
function cached(key, compute) {
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key);
}

function pyproject() {
  return cached('pyproject', () => parseToml(fs.readFileSync(path.join(RUNTIME_DIR, 'pyproject.toml'), 'utf8')));
}

/** The runtime distribution's name, version, Python range and dependency ranges (runtime/pyproject.toml). */
function runtimeProject() {
  const { project } = pyproject();
  const extras = project['optional-dependencies'] || {};
  return {
    name: project.name,
    version: project.version,
    requiresPython: project['requires-python'],
    classifiers: project.classifiers || [],
    dependencies: project.dependencies || [],
    fast: extras.fast || [],
    test: extras.test || [],
  };
}

function listTree(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '__pycache__' || entry.name.endsWith('.pyc')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTree(full, base));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** The runtime files a package of `kind` ('api' | 'streams') embeds, relative to the runtime package, sorted. */
function embeddedFiles(kind) {
  return cached(`files:${kind}`, () => {
    const manifest = parseToml(fs.readFileSync(path.join(RUNTIME_DIR, 'embed.toml'), 'utf8'));
    const entries = [...(manifest.common || []), ...(manifest[kind] || [])];
    const all = listTree(SOURCE_DIR);
    const chosen = new Set();
    for (const entry of entries) {
      const matches = entry.endsWith('/') ? all.filter((file) => file.startsWith(entry)) : all.filter((file) => file === entry);
      if (!matches.length) throw new Error(`runtime/embed.toml names ${entry}, which is not in ${path.relative(process.cwd(), SOURCE_DIR)}`);
      for (const file of matches) chosen.add(file);
    }
    return Array.from(chosen).sort();
  });
}

/** Copies the runtime files of `kind` into `<packageDir>/_runtime/`, byte for byte. */
function embedRuntime(packageDir, kind) {
  const target = path.join(packageDir, EMBEDDED_DIR);
  for (const file of embeddedFiles(kind)) {
    const destination = path.join(target, file);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.copyFileSync(path.join(SOURCE_DIR, file), destination);
  }
}

/**
 * The module path rendered code imports `dotted` (e.g. 'routing.router') from: relative to the package in embedded
 * mode ('._runtime.routing.router', with one more dot per `depth` level below the package root), absolute in shared
 * mode ('binance_ws_runtime.routing.router').
 */
function runtimeModule(mode, dotted, depth = 0) {
  const suffix = dotted ? `.${dotted}` : '';
  if (mode === 'shared') return `${IMPORT_NAME}${suffix}`;
  return `${'.'.repeat(depth + 1)}${EMBEDDED_DIR}${suffix}`;
}

/** The names a runtime module exports (its `__all__`), for the package's re-export modules. */
function publicNames(dotted) {
  return cached(`all:${dotted}`, () => {
    const file = path.join(SOURCE_DIR, ...dotted.split('.')) + '.py';
    const source = fs.readFileSync(file, 'utf8');
    const match = source.match(/^__all__ = \[([^\]]*)\]/m);
    if (!match) throw new Error(`${path.relative(RUNTIME_DIR, file)} declares no __all__`);
    return Array.from(match[1].matchAll(/"([^"]+)"/g), (m) => m[1]);
  });
}

module.exports = {
  RUNTIME_DIR, SOURCE_DIR, IMPORT_NAME, EMBEDDED_DIR, RUNTIME_MODES,
  runtimeProject, embeddedFiles, embedRuntime, runtimeModule, publicNames, listTree,
};
