'use strict';
/**
 * _spec.py: the spec as data the runtime reads (signing rules per method, stream patterns, servers). What only the
 * mock server needs (example requests, reply templates, example events) is in _mock_data.py (components/mock-data.js).
 */
const { runtimeModule } = require('../helpers/runtime');
const { modelsFor } = require('../helpers/models');
const { pyString, docstring, GENERATED_NOTICE } = require('./python');
const { methodName, responseClassName } = require('./client');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').IROperation} IROperation */
/** @typedef {import('../helpers/ir-types').IREvent} IREvent */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */

/**
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {string} its `OperationSpec(...)` entry
 */
function operationSpec(ir, operation) {
  const params = operation.params.map(
    (p) => `ParamSpec(${pyString(p.wireName)}, ${pyString(p.pyName)}, required=${p.required ? 'True' : 'False'}, auth=${p.auth ? 'True' : 'False'})`,
  );
  const fields = [
    `method=${pyString(operation.method)}`,
    `py_name=${pyString(ir.kind === 'api' ? methodName(operation) : '')}`,
    `response_model=${pyString(responseClassName(ir, operation))}`,
    `security=${pyString(operation.securityType)}`,
    `signed=${operation.signed ? 'True' : 'False'}`,
    `api_key=${operation.apiKey ? 'True' : 'False'}`,
    `params_style=${pyString(operation.paramsStyle)}`,
    `params=(${params.join(', ')}${params.length === 1 ? ',' : ''})`,
    `channel_method=${operation.channelMethod ? pyString(operation.channelMethod) : 'None'}`,
    `result_may_be_list=${operation.resultMayBeList ? 'True' : 'False'}`,
    `summary=${pyString(operation.summary)}`,
  ];
  return `    ${pyString(operation.method)}: OperationSpec(${fields.join(', ')}),`;
}

/**
 * Only the dataclasses this spec needs, so the module has no unused imports.
 *
 * @param {IR} ir
 * @returns {string[]}
 */
function specTypeImports(ir) {
  const names = ['ChannelSpec', 'OperationSpec', 'ServerSpec', 'Spec'];
  if (ir.events.length) names.push('EventSpec');
  if (ir.operations.some((op) => op.params.length)) names.push('ParamSpec');
  if (ir.events.some((e) => e.streamPatterns.length)) names.push('StreamPatternSpec');
  return names.sort();
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} _spec.py
 */
function renderSpecModule(ir, params) {
  const servers = ir.servers.map((s) => `ServerSpec(${pyString(s.name)}, ${pyString(s.url)}, testnet=${s.testnet ? 'True' : 'False'}${s.route ? `, route=${pyString(s.route)}` : ''})`);
  const channels = ir.channels.map((c) => `ChannelSpec(${pyString(c.id)}, ${pyString(c.address)}, ${pyString(c.kind)})`);
  const events = ir.events.map((e) => {
    const kinds = e.channelKinds.map(pyString);
    return `    EventSpec(${pyString(modelsFor(ir).classForSchema(e.schema))}, event_types=(${e.eventTypes.map(pyString).join(', ')}${e.eventTypes.length === 1 ? ',' : ''}), envelope=${e.envelope ? pyString(e.envelope) : 'None'}, array=${e.array ? 'True' : 'False'}, channel_kinds=(${kinds.join(', ')}${kinds.length === 1 ? ',' : ''})),`;
  });
  const patterns = [];
  for (const event of ir.events) {
    for (const pattern of event.streamPatterns) {
      const names = pattern.params.map((p) => pyString(p.name));
      patterns.push(`    StreamPatternSpec(${pyString(pattern.template)}, (${names.join(', ')}${names.length === 1 ? ',' : ''}), ${pyString(modelsFor(ir).classForSchema(event.schema))}, example=${pyString(pattern.example)}${event.route ? `, route=${pyString(event.route)}` : ''}),`);
    }
  }
  return `${docstring(`The ${ir.info.title} spec (${ir.info.version}) as data for the runtime and the mock server.\n\nWhat only the mock server answers with is in _mock_data.py.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from ${runtimeModule(params.runtime, 'spec')} import ${specTypeImports(ir).join(', ')}

SPEC = Spec(
    title=${pyString(ir.info.title)},
    version=${pyString(ir.info.version)},
    product=${pyString(ir.product)},
    kind=${pyString(ir.kind)},
    servers=(${servers.join(', ')}${servers.length === 1 ? ',' : ''}),
    channels=(${channels.join(', ')}${channels.length === 1 ? ',' : ''}),
    operations={
${ir.operations.map((op) => operationSpec(ir, op)).join('\n')}
    },
    events=(
${events.join('\n')}
    ),
    stream_patterns=(
${patterns.join('\n')}
    ),
)
`;
}

module.exports = { renderSpecModule };
