#!/usr/bin/env node
// Checks the project's own AsyncAPI specs beyond what the parser validates: the generator assembles
// example payloads from `example` values and builds stream names from x-stream-* templates, so a missing
// example or a template that disagrees with its parameters breaks generation or the mock server silently.
//
// Usage (from the repository root): node specs/tools/check-specs.js [file.yaml ...]
// Exits 1 when any check fails.
const fs = require('fs');
const path = require('path');
const util = require('util');
const yaml = require('js-yaml');
const Ajv = require('ajv');
const { Parser } = require('@asyncapi/parser');

const SPEC_DIR = path.join(__dirname, '..', 'binance', 'asyncapi');
const STREAM_NAME = /^[A-Za-z0-9!@._:+\-]+$/;
const SCHEMA_KEYWORDS = new Set(['type', 'format', 'description', 'example', 'examples', 'enum', 'const', 'properties',
  'required', 'items', 'oneOf', 'minItems', 'maxItems', 'maxLength', 'pattern', 'minimum', '$ref', 'title']);

function pointer(doc, ref) {
  return ref.split('/').slice(1).reduce((node, key) => node[key], doc);
}

function deref(doc, schema) {
  let current = schema;
  while (current && current.$ref) current = pointer(doc, current.$ref);
  return current;
}

function exampleOf(doc, schema) {
  const s = deref(doc, schema);
  if ('const' in s) return s.const;
  if ('example' in s) return s.example;
  if (s.oneOf) return exampleOf(doc, s.oneOf[0]);
  if (s.type === 'object') {
    return Object.fromEntries(Object.entries(s.properties || {}).map(([k, p]) => [k, exampleOf(doc, p)]));
  }
  if (s.type === 'array') return [exampleOf(doc, s.items)];
  if (s.type === 'null') return null;
  throw new Error(`no example derivable for ${JSON.stringify(s)}`);
}

// Flow-mapping typos (an unquoted comma or colon in a description) turn prose into stray keys with
// null values; the AsyncAPI schema accepts them inside JSON schemas, so look for them explicitly.
function checkSchemaShape(schema, where, problems) {
  if (!schema || typeof schema !== 'object') return problems.push(`${where}: not a schema`);
  for (const key of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(key)) problems.push(`${where}: unexpected keyword "${key}"`);
  if (schema.$ref || 'const' in schema) return;
  for (const branch of schema.oneOf || []) if (!branch.$ref) checkSchemaShape({ example: 0, ...branch }, `${where}|oneOf`, problems);
  if (schema.oneOf) {
    if (!('example' in schema) && !schema.oneOf.every((b) => b.$ref)) problems.push(`${where}: oneOf without example`);
    return;
  }
  if (!schema.type) return problems.push(`${where}: no type`);
  if (schema.type === 'object') {
    for (const [k, p] of Object.entries(schema.properties || {})) checkSchemaShape(p, `${where}.${k}`, problems);
  } else if (schema.type === 'array') {
    const items = schema.items || {};
    if (items.type === 'object') checkSchemaShape(items, `${where}[]`, problems);
    else if (!items.$ref) {
      checkSchemaShape({ example: 0, ...items }, `${where}[]`, problems);
      if (!('example' in schema) && !('example' in items)) problems.push(`${where}: array without example`);
    }
  } else if (schema.type !== 'null' && !('example' in schema)) {
    problems.push(`${where}: no example`);
  }
}

function checkStreams(doc, problems) {
  const escape = (s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  for (const [id, message] of Object.entries(doc.components.messages)) {
    const templates = message['x-stream-pattern'] || [];
    const params = message['x-stream-params'] || {};
    const used = new Set(templates.flatMap((t) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
    for (const name of used) if (!params[name]) problems.push(`${id}: {${name}} has no x-stream-params entry`);
    for (const name of Object.keys(params)) if (!used.has(name)) problems.push(`${id}: x-stream-params.${name} unused`);
    if (!templates.length || [...used].some((name) => !params[name])) continue;
    const matchers = templates.map((t) => new RegExp('^' + t.split(/(\{\w+\})/).map((part) => {
      const placeholder = part.match(/^\{(\w+)\}$/);
      if (!placeholder) return escape(part);
      const schema = deref(doc, params[placeholder[1]]);
      return schema.enum ? `(${schema.enum.map((v) => escape(String(v))).join('|')})` : '[a-z0-9_]+';
    }).join('') + '$'));
    const examples = message['x-stream-example'] || [];
    if (!examples.length) problems.push(`${id}: no x-stream-example`);
    for (const example of examples) {
      if (!matchers.some((m) => m.test(example))) problems.push(`${id}: example ${example} matches no template`);
      if (!STREAM_NAME.test(example)) problems.push(`${id}: example ${example} is not a valid stream name`);
    }
  }
}

function checkOperations(doc, problems) {
  for (const [id, op] of Object.entries(doc.operations)) {
    if (!(op.messages || []).length) problems.push(`operation ${id}: no messages`);
    if (op.action === 'send' && !((op.reply || {}).messages || []).length) problems.push(`operation ${id}: send without reply`);
  }
}

function checkExamples(doc, problems) {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  ajv.addSchema({ $id: 'spec', components: { schemas: doc.components.schemas } });
  const anchor = (v) => (Array.isArray(v) ? v.map(anchor) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' ? `spec${x}` : anchor(x)])) : v);
  for (const [id, message] of Object.entries(doc.components.messages)) {
    const validate = ajv.compile(anchor(message.payload));
    const example = exampleOf(doc, message.payload);
    if (!validate(example)) problems.push(`message ${id}: assembled example invalid: ${ajv.errorsText(validate.errors)}`);
  }
}

async function checkFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const problems = [];
  const { document, diagnostics } = await new Parser().parse(text);
  for (const d of diagnostics.filter((x) => x.severity <= 1)) {
    problems.push(`parser ${d.severity === 0 ? 'error' : 'warning'} ${d.code}: ${d.message} at ${d.path.join('.')}`);
  }
  if (!document) return problems;
  const doc = yaml.load(text);
  checkOperations(doc, problems);
  for (const [name, schema] of Object.entries(doc.components.schemas)) checkSchemaShape(schema, name, problems);
  checkStreams(doc, problems);
  checkExamples(doc, problems);
  if (!util.isDeepStrictEqual(yaml.load(text), doc)) problems.push('YAML does not load deterministically');
  return problems;
}

async function main() {
  const files = process.argv.length > 2 ? process.argv.slice(2)
    : fs.readdirSync(SPEC_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(SPEC_DIR, f));
  let failed = false;
  for (const file of files) {
    const problems = await checkFile(file);
    failed = failed || problems.length > 0;
    console.log(`${path.basename(file)}: ${problems.length ? `${problems.length} problem(s)` : 'ok'}`);
    for (const p of problems) console.log(`  ${p}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main();
