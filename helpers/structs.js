'use strict';

/**
 * structsFor(ir) -> StructSet: the part of the ModelSet that `structs.py` mirrors as msgspec Structs. That is
 * every event model a route decodes to, every class and type alias their fields reach, and the model -> Struct
 * pairs of the router. Pure: reads the ModelSet, returns plain data.
 */

const { modelsFor } = require('./models');

/** @typedef {import('./ir-types').IR} IR */
/** @typedef {import('./models').ModelClass} ModelClass */
/** @typedef {import('./models').ModelAlias} ModelAlias */

/**
 * @typedef {object} StructSet
 * @property {ModelClass[]} classes the ModelSet's records (same names, fields, types and docs), in its order
 * @property {ModelAlias[]} aliases
 * @property {string[]} eventClasses the route models, sorted
 */

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * @param {IR} ir the intermediate model
 * @returns {StructSet}
 */
function structsFor(ir) {
  const models = modelsFor(ir);
  const classByName = new Map(models.classes.map((c) => [c.name, c]));
  const aliasByName = new Map(models.aliases.map((a) => [a.name, a]));
  const eventClasses = [...new Set(models.events.map((route) => route.modelClass))].filter((n) => classByName.has(n)).sort();

  /** @type {Set<string>} */
  const classes = new Set();
  /** @type {Set<string>} */
  const aliases = new Set();
  /** @type {Array<['class' | 'alias', string]>} */
  const pending = eventClasses.map((name) => /** @type {['class', string]} */ (['class', name]));
  /** @param {string} type */
  const reach = (type) => {
    for (const id of type.match(IDENTIFIER) || []) {
      if (classByName.has(id) && !classes.has(id)) pending.push(['class', id]);
      else if (aliasByName.has(id) && !aliases.has(id)) pending.push(['alias', id]);
    }
  };
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [kind, name] = next;
    if (kind === 'class') {
      if (classes.has(name)) continue;
      classes.add(name);
      for (const field of /** @type {ModelClass} */ (classByName.get(name)).fields) reach(field.type);
    } else {
      if (aliases.has(name)) continue;
      aliases.add(name);
      reach(/** @type {ModelAlias} */ (aliasByName.get(name)).type);
    }
  }
  return {
    classes: models.classes.filter((c) => classes.has(c.name)),
    aliases: models.aliases.filter((a) => aliases.has(a.name)),
    eventClasses,
  };
}

module.exports = { structsFor };
