'use strict';

/**
 * structsFor(ir) -> StructSet: the part of the ModelSet that `structs.py` mirrors as msgspec Structs. That is
 * every event model a route decodes to, every class and type alias their fields reach, and the model -> Struct
 * pairs of the router. Pure: reads the ModelSet, returns plain data.
 */

const { modelsFor } = require('./models');

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * @param {object} ir the intermediate model
 * @returns {{classes: object[], aliases: object[], eventClasses: string[]}} classes and aliases keep the
 *   ModelSet's records (same names, fields, types and docs); eventClasses are the route models, sorted.
 */
function structsFor(ir) {
  const models = modelsFor(ir);
  const classByName = new Map(models.classes.map((c) => [c.name, c]));
  const aliasByName = new Map(models.aliases.map((a) => [a.name, a]));
  const eventClasses = [...new Set(models.events.map((route) => route.modelClass))].filter((n) => classByName.has(n)).sort();

  const classes = new Set();
  const aliases = new Set();
  const pending = [...eventClasses.map((name) => ['class', name])];
  const reach = (type) => {
    for (const id of type.match(IDENTIFIER) || []) {
      if (classByName.has(id) && !classes.has(id)) pending.push(['class', id]);
      else if (aliasByName.has(id) && !aliases.has(id)) pending.push(['alias', id]);
    }
  };
  while (pending.length) {
    const [kind, name] = pending.pop();
    if (kind === 'class') {
      if (classes.has(name)) continue;
      classes.add(name);
      for (const field of classByName.get(name).fields) reach(field.type);
    } else {
      if (aliases.has(name)) continue;
      aliases.add(name);
      reach(aliasByName.get(name).type);
    }
  }
  return {
    classes: models.classes.filter((c) => classes.has(c.name)),
    aliases: models.aliases.filter((a) => aliases.has(a.name)),
    eventClasses,
  };
}

module.exports = { structsFor };
