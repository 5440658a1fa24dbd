'use strict';

/**
 * Renders `structs.py` (streams specs): the event models of models.py as msgspec Structs, for the client's
 * `event_models="msgspec"`, and STRUCT_ROUTER, EVENT_ROUTER's routing with Structs as the result.
 */

const { runtimeModule } = require('../helpers/runtime');
const { structsFor } = require('../helpers/structs');
const { modelsFor } = require('../helpers/models');
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */
/** @typedef {import('../helpers/models').ModelClass} ModelClass */
const {
  MSGSPEC_FIELD,
  classDoc,
  messageDocsByClass,
  orderClasses,
  renderAliases,
  renderField,
  sortAll,
  typingImport,
} = require('./models');

/**
 * @param {ModelClass} record
 * @param {Record<string, string>} messageDocs
 * @param {Set<string>} pending classes not defined yet
 * @returns {string}
 */
function renderStruct(record, messageDocs, pending) {
  // kw_only: required and optional fields in spec order; gc=False: decoded events cannot form cycles, and
  // untracked objects cost the garbage collector nothing. BinanceStruct (the runtime's msgspec.Struct, no fields of
  // its own) names the field and the model when a field left unset by drift tolerance is read.
  const lines = [`class ${record.name}(BinanceStruct, kw_only=True, gc=False):`, docstring(classDoc(record, messageDocs), 4)];
  if (record.fields.length) lines.push('', record.fields.map((f) => renderField(f, pending, MSGSPEC_FIELD)).join('\n\n'));
  pending.delete(record.name);
  return lines.join('\n');
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} structs.py
 */
function renderStructsModule(ir, params) {
  const models = modelsFor(ir);
  const set = structsFor(ir);
  const messageDocs = messageDocsByClass(ir, models);
  const ordered = orderClasses(set.classes);
  const pending = new Set(ordered.map((c) => c.name));
  const classBlocks = ordered.map((c) => renderStruct(c, messageDocs, pending));
  const body = [...classBlocks, ...renderAliases(set.aliases)].join('\n\n\n');
  const names = sortAll([...ordered.map((c) => c.name), ...set.aliases.map((a) => a.name), 'STRUCT_ROUTER', 'StructRouter']);
  const { title, version } = ir.info;
  const pairs = set.eventClasses.map((name) => `        models.${name}: ${name},`);
  return [
    docstring(
      `The events of ${title}${version ? ` ${version}` : ''} as msgspec Structs.\n\n` +
        'Each Struct mirrors the model of the same name in `models.py` (attribute names, wire names, types and ' +
        'docs) and decodes straight from the frame. The streams client uses them with ' +
        '`BinanceWebSocketClient(event_models="msgspec")`; msgspec is an optional dependency ' +
        "(`pip install msgspec`, or this package's `[fast]` extra). Unknown fields are dropped, not kept. A field " +
        'the spec requires but a message lacked is left unset (reading it raises `MissingFieldError`; see the ' +
        'README).\n\n' +
        GENERATED_NOTICE,
    ),
    '',
    ...typingImport(body),
    'import msgspec',
    '',
    ...(params.runtime === 'shared' ? [`from ${runtimeModule(params.runtime, 'routing.structs')} import BinanceStruct, StructRouter`, '', 'from . import models'] : ['from . import models', `from ${runtimeModule(params.runtime, 'routing.structs')} import BinanceStruct, StructRouter`]),
    '',
    `__all__ = [${names.map(pyString).join(', ')}]`,
    '',
    '',
    body,
    '',
    '',
    'STRUCT_ROUTER = StructRouter(',
    '    models.EVENT_ROUTER,',
    '    {',
    ...pairs,
    '    },',
    ')',
    '"""EVENT_ROUTER\'s routing, decoding each event to its Struct."""',
    '',
  ].join('\n');
}

module.exports = { renderStructsModule };
