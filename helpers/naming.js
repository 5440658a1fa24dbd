'use strict';

/**
 * Python naming for generated code: PEP 8 class names, snake_case attributes and method names.
 *
 * Binance payloads use one- and two-letter keys (`e`, `E`, `T`, `m`, `pP` ...). Their names come from the
 * property description ("Event time" -> `event_time`), with a small table of well-known keys as a fallback
 * for descriptions that carry no meaning ("E property", "Ignore"). Everything here is deterministic: the
 * same schema always yields the same names, so regenerating never renames a user-visible attribute.
 */

const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

// Names used inside generated annotations: an attribute with one of these names would shadow the type in the
// class body, so they get a trailing underscore. Other builtins (`id`, `type`, `filter`, `min` ...) are left as
// they are: an attribute named `id` is what users expect and shadows nothing they can observe.
const ANNOTATION_NAMES = new Set([
  'str', 'int', 'float', 'bool', 'list', 'dict', 'tuple', 'bytes', 'object', 'Any', 'Literal', 'None', 'Field',
  'BaseModel', 'ConfigDict', 'TypeAlias', 'Annotated', 'Union',
]);

// Attributes of pydantic.BaseModel (and its deprecated v1 API) that a field must not override.
const PYDANTIC_RESERVED = new Set([
  'construct', 'copy', 'dict', 'from_orm', 'json', 'parse_file', 'parse_obj', 'parse_raw', 'schema', 'schema_json',
  'update_forward_refs', 'validate', 'fields', 'model_computed_fields', 'model_config', 'model_construct',
  'model_copy', 'model_dump', 'model_dump_json', 'model_extra', 'model_fields', 'model_fields_set',
  'model_json_schema', 'model_parametrized_name', 'model_post_init', 'model_rebuild', 'model_validate',
  'model_validate_json', 'model_validate_strings', 'register', 'self',
]);

/**
 * Descriptions whose mechanical snake_case would be clumsy or wrong. Keyed by the normalized description.
 * @type {Record<string, string>}
 */
const DESCRIPTION_NAMES = {
  'is the buyer the market maker': 'is_buyer_maker',
  'is this trade the maker side': 'is_maker',
  'first trade(f)-1 price (previous close)': 'prev_close_price',
  'position(s) of margin call': 'positions',
  'order book updateid': 'update_id',
  'order book update id': 'update_id',
  'number of basic data': 'basic_data_count',
};

/**
 * Well-known Binance short keys, used when the description is missing or meaningless. Keys are case-sensitive:
 * `e`/`E` and `t`/`T` are different fields.
 * @type {Record<string, string>}
 */
const SHORT_KEY_NAMES = {
  e: 'event_type',
  E: 'event_time',
  s: 'symbol',
  T: 'transaction_time',
  t: 'trade_id',
  a: 'aggregate_trade_id',
  p: 'price',
  q: 'quantity',
  f: 'first_trade_id',
  l: 'last_trade_id',
  m: 'is_buyer_maker',
  M: 'is_best_match',
  u: 'update_id',
  U: 'first_update_id',
};

const STOP_WORDS = new Set(['the', 'a', 'an', 'this']);
const MEANINGLESS = /^(?:\w{1,2} property|property|ignore(?: field)?|array item|additional properties|)$/i;
const MAX_DESCRIPTION_WORDS = 5;

/**
 * Split camelCase, PascalCase, snake_case, kebab, dotted and slashed names into lower-case words.
 *
 * @param {string} text
 * @returns {string[]}
 */
function words(text) {
  return String(text)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * `order.place` -> `order_place`, `v2/account.balance` -> `v2_account_balance`, `rateLimits` -> `rate_limits`.
 *
 * @param {string} text
 * @returns {string}
 */
function snakeCase(text) {
  const out = words(text).join('_');
  return /^[0-9]/.test(out) ? `n${out}` : out;
}

/**
 * `orderList.place.oco` -> `OrderListPlaceOco`, `24hrTicker` -> `N24hrTicker`.
 *
 * @param {string} text
 * @returns {string}
 */
function pascalCase(text) {
  const out = words(text)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return /^[0-9]/.test(out) ? `N${out}` : out;
}

/**
 * A name that is legal and harmless as a field of a pydantic model.
 *
 * @param {string} name
 * @returns {string}
 */
function safeAttributeName(name) {
  let out = name || 'field';
  if (/^[0-9]/.test(out)) out = `n${out}`;
  if (out.startsWith('_')) out = `field${out}`;
  if (PYTHON_KEYWORDS.has(out) || ANNOTATION_NAMES.has(out) || PYDANTIC_RESERVED.has(out) || out.startsWith('model_')) {
    out = `${out}_`;
  }
  return out;
}

/**
 * @param {string} description
 * @returns {string} its first line, trimmed, spaces collapsed, lower case
 */
function normalizeDescription(description) {
  return String(description || '')
    .split(/\r?\n/)[0]
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/**
 * The attribute words a description yields, or null when it says nothing usable.
 *
 * @param {string} description
 * @returns {string[] | null}
 */
function descriptionWords(description) {
  const normalized = normalizeDescription(description);
  if (MEANINGLESS.test(normalized)) return null;
  const firstClause = normalized
    .replace(/\([^)]*\)/g, ' ')
    .split(/[.;:,]|\s-\s|\bexcept\b|\bif\b|\bwhen\b|\bfor orders\b/)[0];
  const list = words(firstClause).filter((w) => !STOP_WORDS.has(w));
  if (list.length === 0) return null;
  return list.slice(0, MAX_DESCRIPTION_WORDS);
}

/**
 * @param {string} wireName
 * @returns {boolean} a one- or two-letter Binance key
 */
function isShortKey(wireName) {
  return /^[A-Za-z]{1,2}$/.test(wireName) && wireName !== 'id';
}

/**
 * The preferred attribute name for one wire key, before collision handling.
 * Short Binance keys are named from their description; longer keys are snake_cased.
 *
 * @param {string} wireName
 * @param {{description?: unknown} | null | undefined} schema
 * @returns {string}
 */
function attributeBaseName(wireName, schema) {
  if (!isShortKey(wireName)) return safeAttributeName(snakeCase(wireName));
  const description = schema && typeof schema.description === 'string' ? schema.description : '';
  const known = DESCRIPTION_NAMES[normalizeDescription(description)];
  if (known) return safeAttributeName(known);
  const fromDescription = descriptionWords(description);
  if (fromDescription) return safeAttributeName(fromDescription.join('_'));
  if (Object.prototype.hasOwnProperty.call(SHORT_KEY_NAMES, wireName)) return SHORT_KEY_NAMES[wireName];
  if (/^ignore/i.test(normalizeDescription(description))) return safeAttributeName(`ignore_${caseTag(wireName)}`);
  return safeAttributeName(caseTag(wireName));
}

/**
 * `m` -> `m`, `M` -> `m_upper`, `pP` -> `p_p_upper`: distinct for keys that differ only in case.
 *
 * @param {string} wireName
 * @returns {string}
 */
function caseTag(wireName) {
  const lower = snakeCase(wireName);
  return /[A-Z]/.test(wireName) ? `${lower}_upper` : lower;
}

/**
 * Attribute names for all properties of one object, in property order. Names never collide with each other
 * (keys that differ only by case, `e`/`E`, stay distinct) and are stable for a given schema.
 *
 * @param {Array<[string, {description?: unknown}]>} properties [wireName, schema] pairs
 * @returns {Map<string, string>} wireName -> attribute name
 */
function attributeNames(properties) {
  const bases = properties.map(([wire, schema]) => /** @type {[string, string]} */ ([wire, attributeBaseName(wire, schema)]));
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const [, base] of bases) counts.set(base, (counts.get(base) || 0) + 1);
  /** @type {Map<string, string>} */
  const result = new Map();
  const used = new Set();
  // Long keys keep their snake_case name; short keys that collide get their key appended.
  const ordered = [...bases].sort((x, y) => Number(isShortKey(x[0])) - Number(isShortKey(y[0])));
  for (const [wire, base] of ordered) {
    let name = base;
    if (used.has(name) || ((counts.get(base) || 0) > 1 && isShortKey(wire))) {
      name = safeAttributeName(`${base}_${caseTag(wire)}`);
    }
    let n = 2;
    const stem = name;
    while (used.has(name)) name = `${stem}_${n++}`;
    used.add(name);
    result.set(wire, name);
  }
  return new Map(properties.map(([wire]) => [wire, /** @type {string} */ (result.get(wire))]));
}

/**
 * A keyword argument name: Python keywords (`from`) and `self` get a trailing underscore.
 *
 * @param {string} name
 * @returns {string}
 */
function keywordSafe(name) {
  return PYTHON_KEYWORDS.has(name) || name === 'self' ? `${name}_` : name;
}

/**
 * Resolve class-name collisions: the first claimant keeps the name, later ones get a numeric suffix.
 *
 * @param {string} name
 * @param {Set<string>} taken names in use; the returned one is added
 * @returns {string}
 */
function uniqueName(name, taken) {
  if (!taken.has(name)) {
    taken.add(name);
    return name;
  }
  let n = 2;
  while (taken.has(`${name}${n}`)) n += 1;
  taken.add(`${name}${n}`);
  return `${name}${n}`;
}

module.exports = {
  snakeCase,
  pascalCase,
  safeAttributeName,
  attributeNames,
  uniqueName,
  keywordSafe,
  PYTHON_KEYWORDS,
};
