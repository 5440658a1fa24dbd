'use strict';
/**
 * _mock_data.py: what the mock server answers with (example requests, reply templates, example events), computed
 * by helpers/replies.js at generation time. Only testing.py imports it: the production SPEC (_spec.py) carries no
 * mock data.
 */
const { runtimeModule } = require('../helpers/runtime');
const { modelsFor } = require('../helpers/models');
const { replyTemplate, paramsExample, eventTemplate } = require('../helpers/replies');
const { pyString, pyValue, docstring, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} _mock_data.py
 */
function renderMockDataModule(ir, params) {
  const models = modelsFor(ir);
  const operations = ir.operations.map((op) => {
    const fields = [`params=${pyValue(paramsExample(ir, op))}`, `result=${pyValue(replyTemplate(ir, op))}`];
    return `        ${pyString(op.method)}: MockOperation(${fields.join(', ')}),`;
  });
  // Events are keyed by their model class (EventSpec.name); messages that share a payload schema share a class.
  /** @type {Map<string, string>} */
  const byClass = new Map();
  for (const event of ir.events) {
    const name = String(models.classForSchema(event.schema)); // as _spec.py names the EventSpec
    if (!byClass.has(name)) byClass.set(name, `        ${pyString(name)}: ${pyValue(eventTemplate(ir, event))},`);
  }
  const events = [...byClass.values()];
  return `${docstring(`What the mock server of ${ir.info.title} (${ir.info.version}) answers with: an example request and a reply template per operation, an example per event.\n\nComputed from the spec at generation time: every field of a reply schema filled with a plausible value of its type, the spec's own examples where they are valid, and the shapes Binance documents where the schema leaves them open. The mock server fits each reply to its request (symbols, limit, newOrderRespType). Only testing.py imports this module.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from ${runtimeModule(params.runtime, 'testing.data')} import ${operations.length ? 'MockData, MockOperation' : 'MockData'}

MOCK_DATA = MockData(
    operations={
${operations.join('\n')}
    },
    events={
${events.join('\n')}
    },
)
`;
}

module.exports = { renderMockDataModule };
