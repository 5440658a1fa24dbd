'use strict';
/**
 * client.py: BinanceWebSocketClient for the spec. API specs get one typed coroutine per request operation;
 * streams specs get the streams client (control methods live in the static base class).
 */
const { pythonType } = require('../helpers/types');
const { safeAttributeName } = require('../helpers/naming');
const { modelsFor } = require('../helpers/models');
const { runtimeModule } = require('../helpers/runtime');
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').IROperation} IROperation */
/** @typedef {import('../helpers/ir-types').IRParam} IRParam */
/** @typedef {import('../helpers/ir-types').IRMessage} IRMessage */
/** @typedef {import('../helpers/ir-types').JsonSchema} JsonSchema */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */

// A parameter the IR marks `decimal` (spot's recvWindow takes up to three decimals, whatever the spec says).
const DECIMAL_PARAM_TYPE = 'int | str | Decimal';
// Binance wants DECIMAL parameters as JSON strings (WS API docs, "General API Information"; the futures docs say
// so explicitly): `type: number` takes str, int or Decimal, all rendered exactly.
const NUMBER_TYPE = 'str | int | Decimal';

const BASE_METHOD_NAMES = new Set([
  'connect', 'disconnect', 'request', 'subscribe', 'unsubscribe', 'set_handler', 'remove_handler', 'events',
  'get_message_history', 'rate_limits', 'on', 'sync_time', 'close', 'is_connected', 'off', 'reconnect', 'logged_on',
  'clock', 'stats', 'pending_requests', 'user_data_subscriptions', 'url', 'hooks', 'auto_session_logon',
]);

/**
 * The response model class of an operation, as models.py names it.
 *
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {string}
 */
function responseClassName(ir, operation) {
  return modelsFor(ir).responseClass(operation);
}

/**
 * The client method of an operation: its snake_case name, made legal and kept clear of the base class's names.
 *
 * @param {IROperation} operation
 * @returns {string}
 */
function methodName(operation) {
  let name = safeAttributeName(operation.pyName);
  if (BASE_METHOD_NAMES.has(name)) name = `${name}_method`;
  return name;
}

/**
 * @param {IRParam} param
 * @param {Record<string, JsonSchema>} schemas
 * @returns {string} the Python type of its keyword argument
 */
function paramType(param, schemas) {
  if (param.decimal) return DECIMAL_PARAM_TYPE;
  return pythonType(param.schema, { schemas, numberType: NUMBER_TYPE });
}

/**
 * The user-facing parameters of an operation (apiKey, signature and timestamp are filled in by the client).
 *
 * @param {IROperation} operation
 * @returns {IRParam[]}
 */
function userParams(operation) {
  return operation.params.filter((p) => !p.auth);
}

/**
 * A keyword argument of a client method.
 *
 * @typedef {IRParam & {kw: string}} KeywordArgument
 */

/**
 * The keyword arguments of an operation's method, required ones first; `kw` is the parameter's pyName, with
 * underscores appended where two parameters would share one.
 *
 * @param {IROperation} operation
 * @returns {KeywordArgument[]}
 */
function keywordArguments(operation) {
  const params = userParams(operation);
  const used = new Set();
  return [...params.filter((p) => p.required), ...params.filter((p) => !p.required)].map((p) => {
    let kw = p.pyName;
    while (used.has(kw)) kw = `${kw}_`;
    used.add(kw);
    return { ...p, kw };
  });
}

/**
 * @param {IROperation} operation
 * @returns {string}
 */
function securityNote(operation) {
  if (operation.signed) return `Security: ${operation.securityType} (signed: the client adds apiKey, timestamp and signature).`;
  if (operation.apiKey) return `Security: ${operation.securityType} (the client adds apiKey).`;
  if (operation.securityType !== 'NONE') return `Security: ${operation.securityType}.`;
  return '';
}

/**
 * A human summary: the request message's name ("Place new order (TRADE) Request") beats "Send to order.place".
 *
 * @param {IROperation} operation
 * @param {Record<string, IRMessage>} messages
 * @returns {string}
 */
function operationSummary(operation, messages) {
  const request = messages[operation.requestMessage];
  const name = request && request.name && request.name !== request.id ? request.name.replace(/\s+Request$/, '') : '';
  if (name) return `${name}.`;
  if (operation.summary && !/^Send (to|a) /.test(operation.summary)) return operation.summary;
  return `Send a ${operation.method} request.`;
}

/**
 * @param {IR} ir
 * @param {IROperation} operation
 * @returns {string} the `async def` of one operation
 */
function renderOperationMethod(ir, operation) {
  const { schemas, messages } = ir;
  const named = keywordArguments(operation).map((p) => ({ ...p, type: paramType(p, schemas) }));
  const signature = ['self'];
  if (named.length) signature.push('*');
  for (const p of named) signature.push(p.required ? `${p.kw}: ${p.type}` : `${p.kw}: ${p.type} | None = None`);
  const responseClass = responseClassName(ir, operation);
  const returnType = `models.${responseClass}`;
  const argsDoc = named.length
    ? ['Args:', ...named.map((p) => `    ${p.kw}: ${(p.description || p.wireName).split('\n')[0]}${p.kw === p.wireName ? '' : ` (wire name ${p.wireName})`}`)]
    : [];
  const summary = operationSummary(operation, messages);
  const details = [
    `Wire method \`\`${operation.method}\`\`. ${securityNote(operation)}`.trim(),
    operation.resultMayBeList ? 'The result is a list when several (or all) symbols are requested.' : '',
  ].filter(Boolean);
  const doc = docstring(`${summary}\n\n${details.join('\n')}`, 8, [argsDoc]);
  const dict = named.map((p) => `${pyString(p.wireName)}: ${p.kw}`).join(', ');
  const body = `return await self._call(${pyString(operation.method)}, present({${dict}}), ${returnType})`;
  return `    async def ${methodName(operation)}(${signature.join(', ')}) -> ${returnType}:\n${doc}\n        ${body}\n`;
}

/**
 * @param {IR} ir
 * @param {string} baseClass
 * @returns {string}
 */
function constructorBlock(ir, baseClass) {
  const structs = ir.kind === 'streams' ? '\n            struct_router=_struct_router,' : '';
  return `    def __init__(
        self,
        testnet: bool = False,
        auth: BinanceAuth | None = None,
        auto_reconnect: bool = True,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 10,
        url: str | None = None,
        request_timeout: float = 10.0,
        history_size: int = 1000,
        **options: Any,
    ) -> None:
${docstring(`Create a client for ${ir.info.title}.\n\nSee \`\`${baseClass}\`\` for every option; \`\`url\`\` replaces the spec's server URL (scheme, host and path) and the channel address is appended to it.`, 8)}
        super().__init__(
            spec=SPEC,
            router=models.EVENT_ROUTER,${structs}
            testnet=testnet,
            auth=auth,
            auto_reconnect=auto_reconnect,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            url=url,
            request_timeout=request_timeout,
            history_size=history_size,
            **options,
        )
`;
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} client.py
 */
function renderClientModule(ir, params) {
  /** @param {string} module */
  const rt = (module) => runtimeModule(params.runtime, module);
  const isApi = ir.kind === 'api';
  const baseClass = isApi ? 'ApiClientBase' : 'StreamClientBase';
  const methods = isApi ? ir.operations.map((op) => renderOperationMethod(ir, op)) : [];
  const methodText = methods.join('\n');
  const needsDecimal = /\bDecimal\b/.test(methodText);
  const needsLiteral = /\bLiteral\[/.test(methodText);
  const imports = ['from __future__ import annotations', ''];
  if (needsDecimal) imports.push('from decimal import Decimal');
  imports.push(`from typing import ${needsLiteral ? 'Any, Literal' : 'Any'}`, '');
  const runtimeImports = [isApi ? `from ${rt('api.client')} import ApiClientBase` : `from ${rt('streams.client')} import StreamClientBase`];
  if (isApi) runtimeImports.push(`from ${rt('api.params')} import present`);
  else runtimeImports.push(`from ${rt('routing.router')} import EventRouterLike`);
  imports.push(...runtimeImports.filter((line) => !line.startsWith('from .')).sort());
  if (params.runtime === 'shared') imports.push('');
  imports.push('from . import models', ...runtimeImports.filter((line) => line.startsWith('from .')).sort(), 'from ._spec import SPEC', 'from .auth import BinanceAuth');
  const classDoc = isApi
    ? `Typed asyncio client for ${ir.info.title}.\n\nOne coroutine per request operation of the spec (${ir.operations.length} in all); each returns the typed response model and raises a BinanceAPIError subclass on an error reply.`
    : `Typed asyncio client for ${ir.info.title}.\n\nSubscribe with stream names from \`\`streams\`\` (typed builders); events arrive typed at handlers and iterators.`;
  return `${docstring(`Client for ${ir.info.title} ${ir.info.version}.\n\n${GENERATED_NOTICE}`)}

${imports.join('\n')}

__all__ = ["BinanceWebSocketClient"]
${isApi ? '' : `

def _struct_router() -> EventRouterLike:
    """\`\`structs.STRUCT_ROUTER\`\`, imported on demand: msgspec is an optional dependency."""
    from .structs import STRUCT_ROUTER

    return STRUCT_ROUTER
`}

class BinanceWebSocketClient(${baseClass}):
${docstring(classDoc, 4)}

${constructorBlock(ir, baseClass)}${methods.length ? `\n${methodText}` : ''}`;
}

module.exports = { renderClientModule, responseClassName, methodName, keywordArguments };
