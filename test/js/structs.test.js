'use strict';

const { structsFor } = require('../../helpers/structs');
const { buildModels } = require('../../helpers/models');
const { buildIR } = require('../../helpers/ir');
const { streamsStructsIR } = require('./ir-factory');
const { describeCorpus, loadCorpusSpec } = require('./corpus');

const STREAM_SPECS = ['spot-streams', 'umfutures-streams', 'cmfutures-streams'];
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

describe('structsFor on a fixture', () => {
  const set = structsFor(streamsStructsIR());
  const names = set.classes.map((c) => c.name).sort();

  test('every route model, the classes their fields reach, and nothing else', () => {
    expect(set.eventClasses).toEqual(['KlineEvent', 'UserEventPayload']);
    expect(names).toEqual(['KlineEvent', 'KlineEventK', 'UserEventPayload']);
    expect(names).not.toContain('SubscribeRequest');
    expect(names).not.toContain('UserEvent');
  });
});

describeCorpus(STREAM_SPECS, 'real spec %s', (spec) => {
  const doc = loadCorpusSpec(spec);
  const ir = buildIR(doc, {});
  const models = buildModels(ir);
  const set = structsFor(ir);

  test('covers every route model and is closed over the types its fields use', () => {
    const included = new Set([...set.classes.map((c) => c.name), ...set.aliases.map((a) => a.name)]);
    for (const route of models.events) expect(included.has(route.modelClass)).toBe(true);
    const known = new Set([...models.classes.map((c) => c.name), ...models.aliases.map((a) => a.name)]);
    const types = [...set.classes.flatMap((c) => c.fields.map((f) => f.type)), ...set.aliases.map((a) => a.type)];
    for (const type of types) for (const id of type.match(IDENTIFIER) || []) if (known.has(id)) expect(included.has(id)).toBe(true);
  });
});
