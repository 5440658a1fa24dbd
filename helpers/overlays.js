'use strict';
/**
 * Spec corrections as overlays: the OpenAPI Overlay Specification 1.0 applied to any YAML/JSON document
 * (here: AsyncAPI specs), with an RFC 9535 JSONPath implementation for the action targets.
 *
 * Pure functions, except the small loader at the end (loadOverlayFile, shippedOverlays, overlaysFor).
 *
 *   parseOverlay(doc, source)      validate an overlay document; targets parsed; OverlayError on the first problem
 *   applyOverlay(doc, parsed)      the new document (input untouched); a target matching nothing is an error
 *   overlaysFor(doc, params)       the shipped overlays whose x-target is this document's info.title/version
 *                                  (unless binanceOverlays is false), then the `overlays` files in order
 *
 * Every error names the overlay file, the action (numbered from 1, with its description) and the target:
 *   specs/overlays/spot-streams.yaml: action 3 ("..."): target $.components.schemas.x matches nothing
 *
 * Merge rules (Overlay 1.0, Action Object): a target must select objects or arrays. For an object, `update`
 * must be an object whose properties are merged recursively (object into object; arrays and primitives
 * replace; new properties are added). For an array, `update` is one entry appended to it. `remove: true`
 * removes every selected node from its parent.
 *
 * JSONPath (RFC 9535): the root `$`; child segments `.name`, `['name']`, `["name"]`, `.*`, `[*]`, `[0]`,
 * `[-1]`, slices `[1:3]`, `[::2]`, unions `['a','b',0]`; descendant segments `..name`, `..*`, `..[...]`;
 * filters `[?<expr>]` (also written `[?(<expr>)]`) with `@` and `$` queries, existence tests, comparisons
 * (`== != < <= > >=`) against string, number, true, false and null literals, `&&`, `||`, `!`, parentheses,
 * and the functions length(), count(), match(), search() and value(). Member-name shorthands follow the RFC
 * (letters, digits, `_`, not starting with a digit): a name with `-` needs brackets, `['x-stream-pattern']`.
 */

// == JSONPath (RFC 9535) ===================================================================================

class JsonPathError extends Error {
  constructor(message, text, position) {
    super(position === undefined ? message : `${message} at position ${position} of ${text}`);
    this.name = 'JsonPathError';
  }
}

const NAME_FIRST = /[A-Za-z_\u0080-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_\u0080-\uFFFF]/;

class Parser {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  fail(message) {
    throw new JsonPathError(message, this.text, this.pos);
  }

  peek(offset = 0) {
    return this.text[this.pos + offset];
  }

  skipBlank() {
    while (this.pos < this.text.length && /[ \t\n\r]/.test(this.text[this.pos])) this.pos += 1;
  }

  eat(token) {
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token) {
    if (!this.eat(token)) this.fail(`expected ${JSON.stringify(token)}`);
  }

  parseQuery() {
    this.skipBlank();
    if (!this.eat('$')) this.fail('a JSONPath query starts with $');
    const segments = this.parseSegments();
    this.skipBlank();
    if (this.pos < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    return { root: '$', segments };
  }

  /** Segments after `$` or `@`; stops at anything that cannot continue a query. */
  parseSegments() {
    const segments = [];
    for (;;) {
      const save = this.pos;
      this.skipBlank();
      if (this.text.startsWith('..', this.pos)) {
        this.pos += 2;
        if (this.peek() === '[') segments.push({ descendant: true, selectors: this.parseBracket() });
        else if (this.eat('*')) segments.push({ descendant: true, selectors: [{ kind: 'wildcard' }] });
        else segments.push({ descendant: true, selectors: [{ kind: 'name', name: this.parseShorthand() }] });
      } else if (this.peek() === '.') {
        this.pos += 1;
        if (this.eat('*')) segments.push({ descendant: false, selectors: [{ kind: 'wildcard' }] });
        else segments.push({ descendant: false, selectors: [{ kind: 'name', name: this.parseShorthand() }] });
      } else if (this.peek() === '[') {
        segments.push({ descendant: false, selectors: this.parseBracket() });
      } else {
        this.pos = save;
        return segments;
      }
    }
  }

  parseShorthand() {
    const start = this.pos;
    if (!this.peek() || !NAME_FIRST.test(this.peek())) {
      this.fail('expected a member name (write names with other characters in brackets: [\'x-name\'])');
    }
    while (this.peek() && NAME_CHAR.test(this.peek())) this.pos += 1;
    if (this.peek() === '-') this.fail(`member name with '-' needs brackets: ['${this.text.slice(start, this.pos)}-...']`);
    return this.text.slice(start, this.pos);
  }

  parseBracket() {
    this.expect('[');
    const selectors = [];
    for (;;) {
      this.skipBlank();
      selectors.push(this.parseSelector());
      this.skipBlank();
      if (this.eat(']')) return selectors;
      this.expect(',');
    }
  }

  parseSelector() {
    const ch = this.peek();
    if (ch === "'" || ch === '"') return { kind: 'name', name: this.parseString() };
    if (ch === '*') {
      this.pos += 1;
      return { kind: 'wildcard' };
    }
    if (ch === '?') {
      this.pos += 1;
      this.skipBlank();
      return { kind: 'filter', expr: this.parseLogicalOr() };
    }
    if (ch === ':' || ch === '-' || /[0-9]/.test(ch || '')) {
      const start = this.parseOptionalInt();
      this.skipBlank();
      if (this.peek() !== ':') {
        if (start === null) this.fail('expected an index');
        return { kind: 'index', index: start };
      }
      this.pos += 1;
      this.skipBlank();
      const end = this.parseOptionalInt();
      this.skipBlank();
      let step = null;
      if (this.eat(':')) {
        this.skipBlank();
        step = this.parseOptionalInt();
      }
      return { kind: 'slice', start, end, step };
    }
    return this.fail('expected a selector (a quoted name, *, an index, a slice or a ?filter)');
  }

  parseOptionalInt() {
    const match = /^-?(0|[1-9][0-9]*)/.exec(this.text.slice(this.pos));
    if (!match) return null;
    if (match[0] === '-0') this.fail('-0 is not an index');
    this.pos += match[0].length;
    const value = Number(match[0]);
    if (!Number.isSafeInteger(value)) this.fail('index out of range');
    return value;
  }

  parseString() {
    const quote = this.peek();
    this.pos += 1;
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unterminated string');
      this.pos += 1;
      if (ch === quote) return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.peek();
      this.pos += 1;
      const simple = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '/': '/', '\\': '\\', "'": "'", '"': '"' };
      if (esc === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else if (Object.prototype.hasOwnProperty.call(simple, esc) && (esc !== "'" || quote === "'") && (esc !== '"' || quote === '"')) {
        out += simple[esc];
      } else {
        this.fail(`bad escape \\${esc}`);
      }
    }
  }

  // -- filter expressions ---------------------------------------------------------------------------------

  parseLogicalOr() {
    const parts = [this.parseLogicalAnd()];
    for (;;) {
      this.skipBlank();
      if (!this.eat('||')) break;
      this.skipBlank();
      parts.push(this.parseLogicalAnd());
    }
    return parts.length === 1 ? parts[0] : { type: 'or', parts };
  }

  parseLogicalAnd() {
    const parts = [this.parseBasic()];
    for (;;) {
      this.skipBlank();
      if (!this.eat('&&')) break;
      this.skipBlank();
      parts.push(this.parseBasic());
    }
    return parts.length === 1 ? parts[0] : { type: 'and', parts };
  }

  parseBasic() {
    this.skipBlank();
    if (this.peek() === '!') {
      this.pos += 1;
      this.skipBlank();
      if (this.peek() === '(') return { type: 'not', expr: this.parseParen() };
      const operand = this.parseComparable();
      if (operand.type !== 'query' && !(operand.type === 'function' && LOGICAL_FUNCTIONS.has(operand.name))) {
        this.fail('! applies to a query, a parenthesised expression or match()/search()');
      }
      return { type: 'not', expr: { type: 'test', operand } };
    }
    if (this.peek() === '(') {
      const inner = this.parseParen();
      return this.maybeComparison({ type: 'paren', expr: inner }, true);
    }
    const left = this.parseComparable();
    return this.maybeComparison(left, false);
  }

  parseParen() {
    this.expect('(');
    const expr = this.parseLogicalOr();
    this.skipBlank();
    this.expect(')');
    return expr;
  }

  maybeComparison(left, isParen) {
    this.skipBlank();
    const op = ['==', '!=', '<=', '>=', '<', '>'].find((candidate) => this.text.startsWith(candidate, this.pos));
    if (!op) {
      if (isParen) return left.expr;
      if (left.type === 'literal') this.fail('a literal alone is not a test');
      if (left.type === 'function' && !LOGICAL_FUNCTIONS.has(left.name)) this.fail(`${left.name}() returns a value; compare it`);
      return { type: 'test', operand: left };
    }
    if (isParen) this.fail('cannot compare a parenthesised expression');
    this.pos += op.length;
    this.skipBlank();
    const right = this.parseComparable();
    return { type: 'compare', op, left, right };
  }

  parseComparable() {
    this.skipBlank();
    const ch = this.peek();
    if (ch === '@' || ch === '$') {
      this.pos += 1;
      return { type: 'query', root: ch, segments: this.parseSegments() };
    }
    if (ch === "'" || ch === '"') return { type: 'literal', value: this.parseString() };
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return { type: 'literal', value: Number(number[0]) };
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.pos) && !NAME_CHAR.test(this.text[this.pos + word.length] || '')) {
        this.pos += word.length;
        return { type: 'literal', value };
      }
    }
    const fn = /^([a-z][a-z0-9_]*)\(/.exec(this.text.slice(this.pos));
    if (fn) {
      if (!FUNCTIONS[fn[1]]) this.fail(`unknown function ${fn[1]}()`);
      this.pos += fn[0].length;
      const args = [];
      this.skipBlank();
      if (!this.eat(')')) {
        for (;;) {
          this.skipBlank();
          args.push(this.peek() === '!' || this.peek() === '(' ? { type: 'logical', expr: this.parseLogicalOr() } : this.parseComparable());
          this.skipBlank();
          if (this.eat(')')) break;
          this.expect(',');
        }
      }
      if (args.length !== FUNCTIONS[fn[1]].arity) this.fail(`${fn[1]}() takes ${FUNCTIONS[fn[1]].arity} argument(s)`);
      return { type: 'function', name: fn[1], args };
    }
    return this.fail('expected @, $, a literal or a function in the filter');
  }
}

// -- evaluation -------------------------------------------------------------------------------------------

const NOTHING = Symbol('Nothing');
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function childNodes(node, selector, root) {
  const { value, path } = node;
  const out = [];
  switch (selector.kind) {
    case 'name':
      if (isObject(value) && Object.prototype.hasOwnProperty.call(value, selector.name)) {
        out.push({ value: value[selector.name], path: [...path, selector.name] });
      }
      break;
    case 'wildcard':
      if (Array.isArray(value)) value.forEach((v, i) => out.push({ value: v, path: [...path, i] }));
      else if (isObject(value)) for (const key of Object.keys(value)) out.push({ value: value[key], path: [...path, key] });
      break;
    case 'index':
      if (Array.isArray(value)) {
        const i = selector.index < 0 ? value.length + selector.index : selector.index;
        if (i >= 0 && i < value.length) out.push({ value: value[i], path: [...path, i] });
      }
      break;
    case 'slice':
      if (Array.isArray(value)) for (const i of sliceIndexes(value.length, selector)) out.push({ value: value[i], path: [...path, i] });
      break;
    case 'filter': {
      const candidates = Array.isArray(value)
        ? value.map((v, i) => ({ value: v, path: [...path, i] }))
        : isObject(value) ? Object.keys(value).map((k) => ({ value: value[k], path: [...path, k] })) : [];
      for (const candidate of candidates) if (truthy(selector.expr, candidate.value, root)) out.push(candidate);
      break;
    }
    default:
      throw new JsonPathError(`unknown selector ${selector.kind}`);
  }
  return out;
}

function sliceIndexes(length, { start, end, step }) {
  const s = step === null ? 1 : step;
  if (s === 0) return [];
  const norm = (i) => (i >= 0 ? i : length + i);
  const out = [];
  if (s > 0) {
    const lower = Math.min(Math.max(start === null ? 0 : norm(start), 0), length);
    const upper = Math.min(Math.max(end === null ? length : norm(end), 0), length);
    for (let i = lower; i < upper; i += s) out.push(i);
  } else {
    const upper = Math.min(Math.max(start === null ? length - 1 : norm(start), -1), length - 1);
    const lower = Math.min(Math.max(end === null ? -1 : norm(end), -1), length - 1);
    for (let i = upper; i > lower; i += s) out.push(i);
  }
  return out;
}

function descendants(node) {
  const out = [node];
  const { value, path } = node;
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...descendants({ value: v, path: [...path, i] })));
  else if (isObject(value)) for (const key of Object.keys(value)) out.push(...descendants({ value: value[key], path: [...path, key] }));
  return out;
}

function runSegments(start, segments, root) {
  let nodes = [start];
  for (const segment of segments) {
    const next = [];
    for (const node of nodes) {
      const bases = segment.descendant ? descendants(node) : [node];
      for (const base of bases) for (const selector of segment.selectors) next.push(...childNodes(base, selector, root));
    }
    nodes = next;
  }
  return nodes;
}

function evalQuery(query, current, root) {
  return runSegments({ value: query.root === '@' ? current : root, path: [] }, query.segments, root);
}

/** A comparable's value: a JSON value or NOTHING. */
function valueOf(operand, current, root) {
  if (operand.type === 'literal') return operand.value;
  if (operand.type === 'query') {
    const nodes = evalQuery(operand, current, root);
    return nodes.length === 1 ? nodes[0].value : NOTHING;
  }
  if (operand.type === 'function') return callFunction(operand, current, root);
  throw new JsonPathError(`cannot take the value of ${operand.type}`);
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function compare(op, a, b) {
  const equal = () => (a === NOTHING || b === NOTHING ? a === b : deepEqual(a, b));
  const less = () => a !== NOTHING && b !== NOTHING && ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) && a < b;
  switch (op) {
    case '==': return equal();
    case '!=': return !equal();
    case '<': return less();
    case '<=': return less() || equal();
    case '>': return compare('<', b, a);
    case '>=': return compare('<', b, a) || equal();
    default: throw new JsonPathError(`unknown operator ${op}`);
  }
}

function truthy(expr, current, root) {
  switch (expr.type) {
    case 'or': return expr.parts.some((p) => truthy(p, current, root));
    case 'and': return expr.parts.every((p) => truthy(p, current, root));
    case 'not': return !truthy(expr.expr, current, root);
    case 'paren': return truthy(expr.expr, current, root);
    case 'compare': return compare(expr.op, valueOf(expr.left, current, root), valueOf(expr.right, current, root));
    case 'test': {
      const { operand } = expr;
      if (operand.type === 'query') return evalQuery(operand, current, root).length > 0;
      return callFunction(operand, current, root) === true;
    }
    default: throw new JsonPathError(`unknown expression ${expr.type}`);
  }
}

function iRegexp(pattern, anchored) {
  try {
    return new RegExp(anchored ? `^(?:${pattern})$` : pattern, 'u');
  } catch (error) {
    return null;
  }
}

const LOGICAL_FUNCTIONS = new Set(['match', 'search']);
const FUNCTIONS = {
  length: {
    arity: 1,
    call: ([v]) => {
      if (typeof v === 'string') return Array.from(v).length;
      if (Array.isArray(v)) return v.length;
      if (isObject(v)) return Object.keys(v).length;
      return NOTHING;
    },
  },
  count: { arity: 1, nodes: true, call: ([nodes]) => nodes.length },
  match: { arity: 2, call: ([s, p]) => typeof s === 'string' && typeof p === 'string' && Boolean(iRegexp(p, true)) && iRegexp(p, true).test(s) },
  search: { arity: 2, call: ([s, p]) => typeof s === 'string' && typeof p === 'string' && Boolean(iRegexp(p, false)) && iRegexp(p, false).test(s) },
  value: { arity: 1, nodes: true, call: ([nodes]) => (nodes.length === 1 ? nodes[0].value : NOTHING) },
};

function callFunction(fn, current, root) {
  const spec = FUNCTIONS[fn.name];
  const args = fn.args.map((arg) => {
    if (spec.nodes) {
      if (arg.type !== 'query') throw new JsonPathError(`${fn.name}() takes a query`);
      return evalQuery(arg, current, root);
    }
    if (arg.type === 'logical') return truthy(arg.expr, current, root);
    return valueOf(arg, current, root);
  });
  return spec.call(args);
}

// -- public API -------------------------------------------------------------------------------------------

const parseCache = new Map();

function parseJsonPath(text) {
  if (typeof text !== 'string') throw new JsonPathError(`a JSONPath query is a string, got ${text === null ? 'null' : typeof text}`);
  if (!parseCache.has(text)) {
    if (parseCache.size > 500) parseCache.clear();
    parseCache.set(text, new Parser(text).parseQuery());
  }
  return parseCache.get(text);
}

/** The nodes `query` (text or parsed) selects in `doc`, each {value, path}; duplicates (same path) dropped. */
function queryNodes(doc, query) {
  const parsed = typeof query === 'string' ? parseJsonPath(query) : query;
  const nodes = runSegments({ value: doc, path: [] }, parsed.segments, doc);
  const seen = new Set();
  return nodes.filter((n) => {
    const key = JSON.stringify(n.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function normalizedPath(path) {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `['${String(p).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`)).join('')}`;
}

// == Overlay documents (OpenAPI Overlay Specification 1.0) ================================================

const OVERLAY_VERSION = /^1\.0\.\d+$/;
const TOP_LEVEL_FIELDS = new Set(['overlay', 'info', 'extends', 'actions']);
const ACTION_FIELDS = new Set(['target', 'description', 'update', 'remove']);

class OverlayError extends Error {
  constructor(message) {
    super(message);
    this.name = 'OverlayError';
  }
}

function describeType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `action 3 ("trade events lost b and a")`: numbered from 1, as a reader counts them in the file. */
function actionLabel(action, index) {
  const text = action && typeof action.description === 'string' ? action.description.trim().split('\n')[0] : '';
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `action ${index + 1}${short ? ` (${JSON.stringify(short)})` : ''}`;
}

/**
 * Checks an overlay document (already parsed from YAML or JSON) and returns it with its targets parsed.
 * Throws OverlayError naming `source` (the file) and the action for the first problem found.
 * @returns {{source: string, overlay: object, actions: object[]}}
 */
function parseOverlay(overlay, source = 'overlay') {
  const fail = (message) => {
    throw new OverlayError(`${source}: ${message}`);
  };
  if (!isObject(overlay)) fail(`not an overlay document (expected a mapping at the top level, got ${describeType(overlay)})`);
  if (overlay.overlay === undefined) fail('not an overlay document: the `overlay` field (the Overlay Specification version, 1.0.0) is missing');
  if (typeof overlay.overlay !== 'string' || !OVERLAY_VERSION.test(overlay.overlay)) {
    fail(`overlay version ${JSON.stringify(overlay.overlay)} is not supported: this tool reads Overlay Specification 1.0.x documents (write overlay: 1.0.0, quoted if needed)`);
  }
  for (const key of Object.keys(overlay)) {
    if (!TOP_LEVEL_FIELDS.has(key) && !key.startsWith('x-')) fail(`unknown field ${JSON.stringify(key)} (allowed: overlay, info, extends, actions and x- extensions)`);
  }
  if (!isObject(overlay.info)) fail('info is required: a mapping with title and version');
  for (const key of ['title', 'version']) {
    if (typeof overlay.info[key] !== 'string' || !overlay.info[key].trim()) fail(`info.${key} is required and must be a string (quote numbers: version: "1.0")`);
  }
  if (overlay.extends !== undefined && typeof overlay.extends !== 'string') fail('extends must be a string (a URI reference to the document the overlay is for)');
  if (!Array.isArray(overlay.actions) || overlay.actions.length === 0) fail('actions is required: a list of at least one action');
  const actions = overlay.actions.map((action, index) => {
    const failAction = (message) => fail(`${actionLabel(action, index)}: ${message}`);
    if (!isObject(action)) failAction(`an action is a mapping, got ${describeType(action)}`);
    for (const key of Object.keys(action)) {
      if (!ACTION_FIELDS.has(key) && !key.startsWith('x-')) failAction(`unknown field ${JSON.stringify(key)} (allowed: target, description, update, remove and x- extensions)`);
    }
    if (action.target === undefined) failAction('target is required (a JSONPath query such as $.components.schemas)');
    if (typeof action.target !== 'string' || !action.target.startsWith('$')) failAction(`target must be a JSONPath query starting with $, got ${JSON.stringify(action.target)}`);
    if (action.description !== undefined && typeof action.description !== 'string') failAction('description must be a string');
    if (action.remove !== undefined && typeof action.remove !== 'boolean') failAction(`remove must be true or false, got ${JSON.stringify(action.remove)}`);
    const hasUpdate = Object.prototype.hasOwnProperty.call(action, 'update');
    if (action.remove === true && hasUpdate) failAction('has both update and remove: true; an action either updates or removes');
    if (action.remove !== true && !hasUpdate) failAction('has neither update nor remove: true, so it would do nothing');
    let query;
    try {
      query = parseJsonPath(action.target);
    } catch (error) {
      failAction(`target ${action.target}: invalid JSONPath: ${error.message}`);
    }
    return { index, label: actionLabel(action, index), target: action.target, query, remove: action.remove === true, update: action.update };
  });
  return { source, overlay, actions };
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Overlay 1.0 merge: the properties of `update` are merged recursively into `target`; an object meets an object
 * and is merged, anything else (arrays, strings, numbers, booleans, null) replaces the target's value; new
 * properties are added. Mutates and returns `target`.
 */
function mergeInto(target, update) {
  for (const [key, value] of Object.entries(update)) {
    if (isObject(value) && isObject(target[key])) mergeInto(target[key], value);
    else target[key] = clone(value);
  }
  return target;
}

function nodeAt(doc, path) {
  let node = doc;
  for (const key of path) node = node[key];
  return node;
}

/**
 * Applies one parsed overlay (see parseOverlay) to `doc` and returns the new document; `doc` is left as it was.
 * Actions run in order, each on the result of the one before. Options:
 *   allowEmptyTargets (default false): a target that selects nothing is an error unless this is set (the
 *   Overlay Specification allows it; for spec corrections it means the overlay no longer fits the document).
 */
function applyOverlay(doc, parsed, options = {}) {
  const { source, actions } = parsed.actions ? parsed : parseOverlay(parsed);
  let result = clone(doc);
  for (const action of actions) {
    const where = `${source}: ${action.label}`;
    const nodes = queryNodes(result, action.query);
    if (nodes.length === 0) {
      if (options.allowEmptyTargets) continue;
      throw new OverlayError(`${where}: target ${action.target} matches nothing`);
    }
    for (const node of nodes) {
      if (node.value === null || typeof node.value !== 'object') {
        throw new OverlayError(`${where}: target ${action.target} selects ${describeType(node.value)} at ${normalizedPath(node.path)}; an Overlay 1.0 target must select objects or arrays (select the containing object and update the property)`);
      }
    }
    if (action.remove) {
      if (nodes.some((n) => n.path.length === 0)) throw new OverlayError(`${where}: target ${action.target} selects the whole document, which cannot be removed`);
      // Deepest first, and higher array indexes before lower ones, so that earlier removals do not move later nodes.
      const ordered = nodes.slice().sort((a, b) => comparePathsForRemoval(a.path, b.path));
      for (const node of ordered) {
        const parent = nodeAt(result, node.path.slice(0, -1));
        const key = node.path[node.path.length - 1];
        if (Array.isArray(parent)) parent.splice(key, 1);
        else delete parent[key];
      }
      continue;
    }
    for (const node of nodes) {
      if (Array.isArray(node.value)) {
        node.value.push(clone(action.update));
      } else {
        if (!isObject(action.update)) {
          throw new OverlayError(`${where}: target ${action.target} selects an object at ${normalizedPath(node.path)}, so update must be an object of properties to merge, got ${describeType(action.update)}`);
        }
        if (node.path.length === 0) result = mergeInto(result, action.update);
        else mergeInto(node.value, action.update);
      }
    }
  }
  return result;
}

function comparePathsForRemoval(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return b[i] - a[i];
    return 0;
  }
  return b.length - a.length;
}

// == Which overlays apply, and loading them ===============================================================

/** The document a shipped overlay is written for: its `x-target: {title, version}`. */
function overlayTarget(overlay) {
  const target = overlay && overlay['x-target'];
  if (!isObject(target)) return null;
  return { title: String(target.title === undefined ? '' : target.title), version: String(target.version === undefined ? '' : target.version) };
}

/** True when the overlay declares exactly this document (info.title and info.version) as its target. */
function overlayMatches(overlay, doc) {
  const target = overlayTarget(overlay);
  const info = (doc && doc.info) || {};
  return Boolean(target) && target.title === String(info.title === undefined ? '' : info.title) && target.version === String(info.version === undefined ? '' : info.version);
}

/**
 * Applies a list of parsed overlays in order. Shipped (matched) and explicitly given overlays both fail on a
 * target that matches nothing: each is written for this document.
 */
function applyOverlays(doc, parsedList, options = {}) {
  return parsedList.reduce((current, parsed) => applyOverlay(current, parsed, options), doc);
}

const SHIPPED_OVERLAY_DIR = require('path').resolve(__dirname, '..', 'specs', 'overlays');

/** `overlays` parameter text -> list of paths, in order, blanks dropped. */
function overlayList(text) {
  return String(text || '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** "true"/"false" (and 1/0, yes/no, on/off) from the CLI -> boolean; undefined for anything else. */
function parseSwitch(value) {
  if (value === true || value === false) return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return undefined;
}

function displayPath(file) {
  const fs = require('path');
  const relative = fs.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !fs.isAbsolute(relative) ? relative : file;
}

const fileCache = new Map();

/** The one I/O helper: reads and parses an overlay file (YAML or JSON), cached by path, size and mtime. */
function loadOverlayFile(file, { display } = {}) {
  const fs = require('fs');
  const shown = display || displayPath(file);
  let stat;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new OverlayError(`${shown}: overlay file not found`);
  }
  if (!stat.isFile()) throw new OverlayError(`${shown}: overlay path is not a file`);
  const key = `${file}\u0000${stat.size}\u0000${stat.mtimeMs}`;
  if (fileCache.has(key)) return fileCache.get(key);
  let doc;
  try {
    doc = require('js-yaml').load(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const mark = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
    throw new OverlayError(`${shown}: invalid YAML${mark}: ${error.reason || error.message}`);
  }
  const parsed = parseOverlay(doc, shown);
  if (fileCache.size > 64) fileCache.clear();
  fileCache.set(key, parsed);
  return parsed;
}

/** Every overlay under specs/overlays/ (shipped Binance corrections), parsed, in file name order. */
function shippedOverlays(dir = SHIPPED_OVERLAY_DIR) {
  const fs = require('fs');
  const pathModule = require('path');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/i.test(name))
    .sort()
    .map((name) => loadOverlayFile(pathModule.join(dir, name), { display: `specs/overlays/${name}` }));
}

/**
 * The overlays that apply to `doc` for these (validated) template parameters: the shipped ones whose x-target
 * names this document's title and version (unless binanceOverlays is false), then the `overlays` files in the
 * order given (relative paths resolved against `cwd`).
 */
function overlaysFor(doc, params = {}, { cwd = process.cwd(), shippedDir = SHIPPED_OVERLAY_DIR } = {}) {
  const pathModule = require('path');
  const list = [];
  if (parseSwitch(params.binanceOverlays === undefined ? true : params.binanceOverlays) !== false) {
    for (const parsed of shippedOverlays(shippedDir)) if (overlayMatches(parsed.overlay, doc)) list.push(parsed);
  }
  for (const file of overlayList(params.overlays)) {
    const absolute = pathModule.resolve(cwd, file);
    list.push(loadOverlayFile(absolute, { display: file }));
  }
  return list;
}

/** The document after every overlay that applies to it (see overlaysFor); `doc` itself is left as it was. */
function applyConfiguredOverlays(doc, params = {}, options = {}) {
  const list = overlaysFor(doc, params, options);
  return list.length ? applyOverlays(doc, list) : doc;
}

module.exports = {
  // JSONPath
  parseJsonPath,
  queryNodes,
  normalizedPath,
  JsonPathError,
  // overlays (pure)
  OverlayError,
  parseOverlay,
  applyOverlay,
  applyOverlays,
  mergeInto,
  overlayTarget,
  overlayMatches,
  overlayList,
  parseSwitch,
  // loading
  loadOverlayFile,
  shippedOverlays,
  overlaysFor,
  applyConfiguredOverlays,
  SHIPPED_OVERLAY_DIR,
};
