'use strict';
/**
 * README.md and example.py of the generated distribution. Every ```python block of the README is a complete
 * script that runs offline against the package's MockBinanceServer; the package's tests execute them all.
 */
const { snakeCase } = require('../helpers/naming');
const { methodName, keywordArguments } = require('./client');
const { builders } = require('./streams');
const { paramsExample } = require('../helpers/replies');
const { pyValue, docstring, GENERATED_NOTICE } = require('./python');
const { runtimeProject, runtimeModule } = require('../helpers/runtime');
const { modelsFor } = require('../helpers/models');
const { sortAll } = require('./models');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').IROperation} IROperation */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */

/**
 * A README section with one complete script.
 *
 * @typedef {object} ExampleBlock
 * @property {string} title
 * @property {string} text
 * @property {string} code
 */

// A published HMAC test key pair (Binance's docs); the mock server accepts it once registered.
const DEMO_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DEMO_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

/**
 * The keyword arguments of an example call, in spec order: the required ones and `symbol`, with the spec's
 * example values.
 *
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {string}
 */
function callArguments(ir, operation) {
  const example = /** @type {Record<string, unknown>} */ (paramsExample(ir, operation));
  const order = operation.params.map((p) => p.wireName);
  return keywordArguments(operation)
    .filter((p) => p.required || p.wireName === 'symbol')
    .sort((a, b) => order.indexOf(a.wireName) - order.indexOf(b.wireName))
    .map((p) => `${p.kw}=${pyValue(example[p.wireName] !== undefined ? example[p.wireName] : p.wireName === 'symbol' ? 'BTCUSDT' : '1')}`)
    .join(', ');
}

/**
 * @param {IR} ir
 * @param {(op: IROperation) => boolean} predicate
 * @param {string[]} preferred methods to pick first, in order
 * @returns {IROperation | null}
 */
function pickOperation(ir, predicate, preferred) {
  const candidates = ir.operations.filter(predicate);
  for (const method of preferred) {
    const hit = candidates.find((op) => op.method === method);
    if (hit) return hit;
  }
  return candidates[0] || null;
}

/**
 * A complete example script against the mock server with the demo HMAC key registered; `body` is the code
 * inside `async with BinanceWebSocketClient(...) as client:`, indented by 12 spaces.
 *
 * @param {string} pkg
 * @param {string} packageImports
 * @param {string} body
 * @returns {string}
 */
function keyedScript(pkg, packageImports, body) {
  return `import asyncio

from ${pkg} import ${packageImports}
from ${pkg}.client import BinanceWebSocketClient
from ${pkg}.testing import MockBinanceServer

API_KEY = "${DEMO_API_KEY}"
SECRET_KEY = "${DEMO_SECRET}"


async def main() -> None:
    async with MockBinanceServer() as server:
        server.add_key(API_KEY, secret_key=SECRET_KEY)
        auth = BinanceAuth(api_key=API_KEY, secret_key=SECRET_KEY)
        async with BinanceWebSocketClient(url=server.url, auth=auth) as client:
${body}

asyncio.run(main())
`;
}

/**
 * @param {IR} ir
 * @param {string} pkg
 * @returns {ExampleBlock[]}
 */
function apiExamples(ir, pkg) {
  const unsigned = pickOperation(ir, (op) => !op.signed && !op.apiKey && op.securityType === 'NONE', ['ticker.price', 'depth', 'time', 'ping']);
  const signed = pickOperation(ir, (op) => op.signed && op.method !== 'session.logon', ['order.test', 'account.status', 'order.status']);
  /** @type {ExampleBlock[]} */
  const blocks = [];
  if (unsigned) {
    blocks.push({
      title: 'Quick start',
      text: `Every request operation is a coroutine with typed keyword arguments that returns the typed response model. This runs offline against the bundled mock server; drop the \`MockBinanceServer\` and the \`url=\` argument to talk to Binance (\`testnet=True\` picks the testnet).`,
      code: `import asyncio

from ${pkg}.client import BinanceWebSocketClient
from ${pkg}.testing import MockBinanceServer


async def main() -> None:
    async with MockBinanceServer() as server:
        async with BinanceWebSocketClient(url=server.url) as client:
            response = await client.${methodName(unsigned)}(${callArguments(ir, unsigned)})
            print(response.status, response.result)


asyncio.run(main())
`,
    });
  }
  if (signed) {
    blocks.push({
      title: 'Signed requests',
      text: `Signed methods add \`apiKey\`, \`timestamp\` and \`signature\` themselves. Keys: HMAC (\`auth_type="hmac"\`), RSA or Ed25519 (\`private_key=\` PEM text or a path); \`BinanceAuth.from_env()\` reads \`BINANCE_API_KEY\`, \`BINANCE_SECRET_KEY\`, \`BINANCE_PRIVATE_KEY\` and \`BINANCE_PRIVATE_KEY_PASSWORD\` (and a \`.env\` file). Errors raise typed exceptions.`,
      code: keyedScript(pkg, 'BinanceAPIError, BinanceAuth', `            try:
                response = await client.${methodName(signed)}(${callArguments(ir, signed)})
                print(response.result)
            except BinanceAPIError as error:
                print("refused:", error.code, error.msg)
`),
    });
  }
  if (ir.events.length) {
    const firstType = ir.events.find((e) => e.eventTypes.length)?.eventTypes[0];
    blocks.push({
      title: 'User data events',
      text: `\`subscribe("user_data_stream")\` logs the session on when the key is Ed25519 (or uses \`userDataStream.subscribe.signature\` for HMAC and RSA keys) and delivers typed events to handlers (exact type, glob or \`"*"\`; sync or async) and to \`client.events()\` iterators.`,
      code: keyedScript(pkg, 'BinanceAuth', `            client.set_handler("${firstType || '*'}", lambda event: print("handler got", type(event).__name__))
            await client.subscribe("user_data_stream")
            await server.push_user_event()
            async for event in client.events():
                print("iterator got", type(event).__name__)
                break
`),
    });
  }
  return blocks;
}

/**
 * @param {IR} ir
 * @param {string} pkg
 * @returns {ExampleBlock[]}
 */
function streamExamples(ir, pkg) {
  const list = builders(ir);
  const first = list.find((b) => b.variants[0].params.length > 0) || list[0];
  if (!first) return [];
  const args = builderArguments(first.variants[0]);
  /** @type {ExampleBlock[]} */
  const blocks = [{
    title: 'Quick start',
    text: `Stream names come from typed builders in \`${pkg}.streams\`; events arrive as typed models. Offline against the bundled mock server; drop it and \`url=\` for Binance.`,
    code: `import asyncio

from ${pkg} import streams
from ${pkg}.client import BinanceWebSocketClient
from ${pkg}.testing import MockBinanceServer


async def main() -> None:
    stream = streams.${first.name}(${args.join(', ')})
    async with MockBinanceServer() as server:
        async with BinanceWebSocketClient(url=server.url) as client:
            await client.subscribe(stream)
            print("subscribed:", await client.list_subscriptions())
            await server.emit(stream)
            async for event in client.events():
                print(type(event).__name__, event)
                break


asyncio.run(main())
`,
  }];
  if (ir.channels.some((c) => c.kind === 'userData')) {
    blocks.push({
      title: 'Futures user data (listenKey)',
      text: `\`subscribe_user_data()\` gets a listenKey through the futures WS API (\`userDataStream.start\`, apiKey only; \`api_url=\` overrides where), keeps it alive, opens the user-data socket and renews the key on \`listenKeyExpired\`; events such as \`ORDER_TRADE_UPDATE\` arrive typed.`,
      code: keyedScript(pkg, 'BinanceAuth', `            await client.subscribe_user_data()
            await server.push_user_event()
            async for event in client.events():
                print("user data event:", type(event).__name__)
                break
`),
    });
  }
  return blocks;
}

/**
 * Argument expressions for a stream-name builder's required parameters (the quick start's choices).
 *
 * @param {{params: Array<{name: string, enum: string[] | null}>}} variant
 * @returns {string[]}
 */
function builderArguments(variant) {
  return variant.params.map((p) => (p.enum && p.enum.length ? pyValue(p.enum[0]) : /symbol|pair/i.test(p.name) ? '"BTCUSDT"' : /interval/i.test(p.name) ? '"1m"' : '"btcusdt"'));
}

/**
 * The required field a drift example removes from a message of `className`: the last one that is neither the
 * event type nor the event time (those route and order events), with a plain type; null when there is none.
 *
 * @param {IR} ir
 * @param {string} className
 * @returns {import('../helpers/models').ModelField | null}
 */
function droppableField(ir, className) {
  const record = modelsFor(ir).classNamed(className);
  const fields = record ? record.fields.filter((f) => f.required && f.alias !== 'e' && f.alias !== 'E' && /^(int|str|bool|float)$/.test(f.type)) : [];
  return fields.length ? fields[fields.length - 1] : null;
}

/**
 * The streams drift example: a stream whose event names its type, the event's model and a field to remove.
 *
 * @param {IR} ir
 * @param {string} pkg
 * @returns {string | null}
 */
function streamsDriftScript(ir, pkg) {
  const candidates = [];
  for (const builder of builders(ir)) {
    const variant = builder.variants[0];
    if (variant.event.array || !variant.event.eventTypes.length) continue;
    const field = droppableField(ir, variant.model);
    if (field) candidates.push({ builder, variant, field });
  }
  const chosen = candidates.find((c) => c.variant.event.eventTypes.includes('trade')) || candidates[0];
  if (!chosen) return null;
  const { builder, variant, field } = chosen;
  return `import asyncio

from ${pkg} import streams
from ${pkg}.client import BinanceWebSocketClient
from ${pkg}.models import ${sortAll(['MissingFieldError', 'UnknownEvent', variant.model, 'missing_fields']).join(', ')}
from ${pkg}.testing import MockBinanceServer


async def main() -> None:
    stream = streams.${builder.name}(${builderArguments(variant).join(', ')})
    async with MockBinanceServer() as server:
        async with BinanceWebSocketClient(url=server.url) as client:
            client.set_handler("${variant.event.eventTypes[0]}", lambda event: print("handler got", type(event).__name__))
            await client.subscribe(stream)
            drifted = server.example_event(stream)
            del drifted["${field.alias}"]  # Binance stopped sending a field the spec requires
            await server.emit(stream, drifted)
            await server.emit(stream, {"e": "brandNewEvent", "E": 1, "price": "1.10"})  # an event type nobody declared
            async for event in client.events():
                if isinstance(event, ${variant.model}):
                    print(type(event).__name__, "arrived without", missing_fields(event))
                    try:
                        print(event.${field.attr})
                    except MissingFieldError as error:
                        print("MissingFieldError:", error)
                elif isinstance(event, UnknownEvent):
                    print("UnknownEvent", event.event_type, "on", event.stream, event.payload)
                    break
            for entry in client.drift_report():
                print(entry.event_type, entry.model, repr(entry.path), entry.kind, entry.count)


asyncio.run(main())
`;
}

/**
 * The API drift example: a reply whose result lost a required field (an unsigned operation whose result is one
 * object with such a field).
 *
 * @param {IR} ir
 * @param {string} pkg
 * @returns {string | null}
 */
function apiDriftScript(ir, pkg) {
  const models = modelsFor(ir);
  /** @param {IROperation} op */
  const resultClass = (op) => {
    const response = models.classNamed(models.responseClass(op));
    const result = response && response.fields.find((f) => f.alias === 'result');
    return result && /^[A-Za-z_][A-Za-z0-9_]*$/.test(result.type) ? result.type : null;
  };
  // A request that changes nothing (not a logon or logout, not a listenKey), unsigned, with one object as result.
  const harmless = (/** @type {IROperation} */ op) => !op.signed && !op.apiKey && op.securityType === 'NONE' && !/^(session\.log|userDataStream\.)/.test(op.method);
  const operation = pickOperation(
    ir,
    (op) => harmless(op) && !op.resultMayBeList && !!resultClass(op) && !!droppableField(ir, /** @type {string} */ (resultClass(op))),
    ['time', 'depth', 'ticker.price', 'session.status'],
  );
  if (!operation) return null;
  const field = /** @type {import('../helpers/models').ModelField} */ (droppableField(ir, /** @type {string} */ (resultClass(operation))));
  const call = `client.${methodName(operation)}(${callArguments(ir, operation)})`;
  return `import asyncio

from ${pkg}.client import BinanceWebSocketClient
from ${pkg}.models import MissingFieldError, missing_fields
from ${pkg}.testing import MockBinanceServer


async def main() -> None:
    async with MockBinanceServer() as server:
        async with BinanceWebSocketClient(url=server.url) as client:
            reply = await ${call}
            assert reply.result is not None
            result = reply.result.model_dump(by_alias=True, exclude_none=True)
            del result["${field.alias}"]  # Binance stopped sending a field the spec requires
            server.set_result("${operation.method}", result)
            drifted = await ${call}
            assert drifted.result is not None
            print(type(drifted.result).__name__, "arrived without", missing_fields(drifted.result))
            try:
                print(drifted.result.${field.attr})
            except MissingFieldError as error:
                print("MissingFieldError:", error)
            for entry in client.drift_report():
                print(entry.event_type, entry.model, repr(entry.path), entry.kind, entry.count)


asyncio.run(main())
`;
}

/**
 * The section on drift tolerance: what users get and what mypy sees when Binance sends what the spec does not
 * describe, the drift report, strict mode; with a runnable example (when the spec has a message to drift).
 *
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string}
 */
function driftSection(ir, params) {
  const pkg = params.packageName;
  const streams = ir.kind === 'streams';
  const code = streams ? streamsDriftScript(ir, pkg) : apiDriftScript(ir, pkg);
  const logger = params.runtime === 'shared' ? runtimeModule('shared', 'routing.drift') : `${pkg}._runtime.routing.drift`;
  const what = streams ? 'events (market and user data)' : 'replies and user-data events';
  return `## When Binance sends something the spec does not describe

Binance changes its messages without notice (trade events lost \`b\` and \`a\` on 2024-06-18), and the spec this package was generated from lags behind. So that the next change does not cost you events, the client decodes ${what} strictly first (the fast path, the only one a message that matches the spec takes), and decodes a message that path rejects once more, tolerating the drift, and delivers it:

| Binance sends | you get | mypy sees |
|---|---|---|
| no value for a field the spec requires (absent, or \`null\`) | the message's own model (\`isinstance\` and handlers by event type work) with that field **unset**: not in \`event.model_fields_set\`, listed by \`missing_fields(event)\`; reading it raises \`MissingFieldError\`, an \`AttributeError\` naming the model and the wire field (\`getattr(event, name, None)\` works) | the declared type (\`int\`, \`str\`...): it cannot know the field may be unset, so read fields Binance may drop with \`getattr\` or check \`missing_fields\` |
| an enum value the spec does not list | the value as sent, a \`str\` (listed values stay as they are) | the declared \`Literal[...]\`; \`mypy --strict\` even calls \`side == "NEW_VALUE"\` impossible: compare \`str(event.side)\` |
| a number where the spec says string | its exact text: \`1.10\` becomes \`"1.10"\`, never \`"1.1"\` | \`str\`, which it is |
| a fraction where the spec says integer | an exact \`decimal.Decimal\` | \`int\` |
| an event type no model describes | \`UnknownEvent\` (\`event_type\`: its \`e\`, \`stream\`, \`payload\`: the JSON as sent, fractions as exact \`Decimal\`) for \`"*"\` handlers and iterators and handlers of its event type (\`"UnknownEvent"\` when it names none) | \`UnknownEvent\`, a pydantic model |

${streams ? `With \`event_models="msgspec"\` the same holds for the Structs of \`${pkg}.structs\`: a missing field is an unset Struct field (msgspec's own notion), reading it raises \`MissingFieldError\`, \`missing_fields(event)\` lists it and \`repr\` leaves it out, but msgspec's encoders (\`msgspec.json.encode\`, \`msgspec.structs.asdict\`, \`msgspec.to_builtins\`) refuse such a Struct with an \`AttributeError\`; mypy sees the Struct's declared types; an unknown event type is the same \`UnknownEvent\` pydantic model.

` : ''}Anything else (an object where a string belongs, text where a number belongs, a frame that is not JSON) is still an \`EventDecodeError\` for the \`"__error__"\` handlers. Each deviation is logged once, as a warning of the logger \`${logger}\`, the first time a message type shows it in a field, and counted in \`client.drift_report()\`: one entry per event type${streams ? '' : ' (or method)'}, model, field path (\`k.x\`, \`fills[].p\`) and kind (\`missing\`, \`null\`, \`enum\`, \`number\`, \`unknown_event\`) with its \`count\`, \`first_value\`, \`first_seen\` and \`last_seen\`; \`report.messages\` counts the messages delivered despite deviations. Watch it to see drift before it bites, and regenerate from a newer spec. \`BinanceWebSocketClient(strict=True)\` restores the strict behaviour: such messages are decode errors, offered to \`"__error__"\` handlers, and the report stays empty.
${code ? `
\`\`\`python
${code}\`\`\`
` : ''}`;
}

/**
 * @param {IR} ir
 * @returns {string}
 */
function operationsTable(ir) {
  const rows = ir.operations.map((op) => `| \`${op.method}\` | \`${ir.kind === 'api' ? methodName(op) : snakeCase(op.channelMethod || op.method)}\` | ${op.securityType}${op.signed ? ' (signed)' : op.apiKey ? ' (apiKey)' : ''} |`);
  return ['| wire method | Python | security |', '|---|---|---|', ...rows].join('\n');
}

/**
 * @param {IR} ir
 * @returns {string}
 */
function streamsTable(ir) {
  const rows = builders(ir).map((b) => `| \`streams.${b.name}\` | ${b.variants.map((v) => `\`${v.template}\``).join(', ')} |`);
  return ['| builder | templates |', '|---|---|', ...rows].join('\n');
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {ExampleBlock[]}
 */
function readmeExamples(ir, params) {
  return ir.kind === 'api' ? apiExamples(ir, params.packageName) : streamExamples(ir, params.packageName);
}

/**
 * "Python 3.10 to 3.13", from the runtime's trove classifiers: the versions the tests run on.
 * @returns {string}
 */
function pythonRange() {
  const versions = runtimeProject()
    .classifiers.map((/** @type {string} */ c) => /^Programming Language :: Python :: (3\.\d+)$/.exec(c))
    .filter(Boolean)
    .map((m) => /** @type {RegExpExecArray} */ (m)[1]);
  return versions.length ? `Python ${versions[0]} to ${versions[versions.length - 1]}` : 'Python 3';
}

/**
 * What each module of the package is for.
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string}
 */
function modulesList(ir, params) {
  const pkg = params.packageName;
  const streams = ir.kind === 'streams';
  const runtime = params.runtime === 'shared'
    ? `- the runtime: the \`binance-ws-runtime\` distribution this package depends on (generated with \`runtime=shared\`), shared with other packages generated that way: one copy, one exception hierarchy.`
    : `- \`${pkg}/_runtime/\`: the spec-independent runtime, a verbatim copy of the generator's \`runtime/\` project: \`wire/\` (the WebSocket layer: frames, handshake, transports, proxies), \`connection.py\` (reconnects, heartbeats, rotation), \`core/\` (handlers, iterators, history, request correlation), \`${streams ? 'streams/' : 'api/'}\` (the client base), \`routing/\` (frame to typed event), \`testing/\` (the mock server engine), \`auth.py\`, \`errors.py\`, \`policy.py\` (Binance's rules beyond the spec). Do not edit it: regenerate.`;
  return [
    `- \`${pkg}/client.py\`: \`BinanceWebSocketClient\`${streams ? ', the streams client of this spec' : ', one typed coroutine per request operation'}.`,
    `- \`${pkg}/models.py\`: the pydantic models of every message and \`EVENT_ROUTER\` (frame to typed event).`,
    ...(streams ? [
      `- \`${pkg}/streams.py\`: typed stream-name builders, one per stream family.`,
      `- \`${pkg}/structs.py\`: the event models as msgspec Structs (\`event_models="msgspec"\`).`,
    ] : []),
    `- \`${pkg}/errors.py\`, \`${pkg}/auth.py\`: the exceptions and the signing (\`BinanceAuth\`), under this package's name.`,
    `- \`${pkg}/testing.py\`: \`MockBinanceServer\`, an offline server that speaks this spec, for your own tests; \`${pkg}/_mock_data.py\`: what it answers with (reply templates and example events built from the spec's schemas), imported by nothing else.`,
    `- \`${pkg}/_spec.py\`: the spec as data for the runtime (operations and their signing, events, stream patterns, servers).`,
    runtime,
    `- \`${pkg}/tests/\`: this package's own tests (its operations, models, streams and README examples).`,
  ].join('\n');
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} README.md
 */
function renderReadme(ir, params) {
  const pkg = params.packageName;
  const blocks = readmeExamples(ir, params);
  const sections = blocks.map((b) => `## ${b.title}\n\n${b.text}\n\n\`\`\`python\n${b.code}\`\`\`\n`);
  return `# ${params.moduleName}

Typed asyncio WebSocket client for **${ir.info.title}** (spec version ${ir.info.version}), package \`${pkg}\` ${params.version}.

> ${GENERATED_NOTICE}

- ${ir.kind === 'api' ? `${ir.operations.length} request operations as typed coroutines, signed per the spec (HMAC-SHA256, RSA, Ed25519), session logon, user data events` : `typed stream-name builders for ${builders(ir).length} stream families, raw and combined connections, live SUBSCRIBE/UNSUBSCRIBE with automatic sharding over 1024 streams per connection${ir.channels.some((c) => c.kind === 'userData') ? ', futures listenKey user data' : ''}`};
- Pydantic v2 models for every message; prices and quantities stay exact strings;
- auto-reconnect with jittered exponential backoff, state restored after every reconnect, heartbeats and silence detection, 24 h rotation;
- handlers with patterns, async iterators, a bounded message history with secrets redacted, typed exceptions;
- \`${pkg}.testing.MockBinanceServer\`: an offline server that speaks this spec, with fault controls for your own tests.

## Install

\`\`\`bash
pip install .            # from this folder; ${pythonRange()}
pip install '.[fast]'    # plus picows${ir.kind === 'streams' ? ' and msgspec' : ''}: transport="picows"${ir.kind === 'streams' ? ', event_models="msgspec"' : ''}
pip install '.[test]'    # plus pytest, pytest-asyncio and hypothesis to run the bundled tests
\`\`\`

${sections.join('\n')}
## Handlers, iterators, history

- \`client.set_handler(pattern, handler)\` / \`client.remove_handler(pattern)\`: \`"*"\`, an exact event type or a glob; sync or async; a failing handler is logged and never stops the others. \`"__error__"\` receives frames that could not be decoded.
- \`async for event in client.events(pattern="*")\`: a bounded queue per iterator; when the consumer falls behind, the oldest events are dropped and counted.
- \`client.get_message_history(limit=None, event_type=None)\`: the last \`history_size\` messages, newest last, secrets redacted.
- \`client.on("connected" | "disconnected" | "reconnecting" | "reconnected", callback)\`: connection lifecycle.${ir.kind === 'streams' ? `
- Handlers and iterators receive the typed event; \`BinanceWebSocketClient(deliver="routed")\` hands them a \`RoutedEvent\` instead (\`event\`, \`event_type\` and the \`stream\` it came from), which tells apart events whose payload does not name their symbol (partial depth).
- \`BinanceWebSocketClient(event_models="msgspec")\`: the same events as the msgspec Structs of \`${pkg}.structs\` instead of pydantic models: same attribute names and types, decoded straight from the frame at a fraction of the cost, but no pydantic API (\`model_dump\`, \`model_extra\`) and unknown fields are dropped. Needs \`msgspec\` (the \`[fast]\` extra).` : ''}

${driftSection(ir, params)}
## Modules

${modulesList(ir, params)}

## Operations

${operationsTable(ir)}
${ir.kind === 'streams' ? `\n## Stream builders\n\n${streamsTable(ir)}\n` : ''}
## Tests

\`\`\`bash
pip install '.[test]'
python -m pytest ${pkg}/tests
\`\`\`
`;
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} example.py: the first README example
 */
function renderExample(ir, params) {
  const blocks = readmeExamples(ir, params);
  const code = blocks.length ? blocks[0].code : 'print("this spec declares no operations")\n';
  return `${docstring(`End-to-end example for ${ir.info.title}: runs offline against the bundled mock server.\n\n${GENERATED_NOTICE}`)}\n\n${code}`;
}

module.exports = { renderReadme, renderExample };
