'use strict';
/**
 * README.md and example.py of the generated distribution. Every ```python block of the README is a complete
 * script that runs offline against the package's MockBinanceServer; the package's tests execute them all.
 */
const { snakeCase } = require('../helpers/naming');
const { methodName, keywordArguments } = require('./client');
const { builders } = require('./streams');
const { paramsExample } = require('./spec-table');
const { pyValue, docstring, GENERATED_NOTICE } = require('./python');
const { runtimeProject } = require('../helpers/runtime');

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
  const args = first.variants[0].params.map((p) => (p.enum && p.enum.length ? pyValue(p.enum[0]) : /symbol|pair/i.test(p.name) ? '"BTCUSDT"' : /interval/i.test(p.name) ? '"1m"' : '"btcusdt"'));
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
    `- \`${pkg}/testing.py\`: \`MockBinanceServer\`, an offline server that speaks this spec, for your own tests.`,
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
