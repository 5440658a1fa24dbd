'use strict';
/**
 * The intermediate model (IR) that `buildIR` (helpers/ir.js) returns and every renderer reads: these typedefs
 * are its contract. `npm run typecheck` (tsc, checkJs) holds the builder and every reader to them; the jest
 * snapshots in test/js/__snapshots__/ir-snapshot.test.js.snap show what they hold for each fixture and spec.
 *
 * The IR is plain JSON data (no functions, no cycles): what the spec says, decided once. Names of Python
 * classes are not in it (helpers/models.js decides them from the IR); Python keyword-argument and method base
 * names are.
 *
 * This module has no code: `require('./ir-types')` is never needed, JSDoc imports it with
 * `@typedef {import('./ir-types').IR} IR`.
 */

/**
 * A JSON Schema node as the specs write it (the subset the Binance specs use). `$ref`s stay unresolved; every
 * `$ref` in a schema the IR holds points at `#/components/schemas/<name>` (helpers/refs.js resolves them).
 *
 * @typedef {object} JsonSchema
 * @property {string} [$ref]
 * @property {string | string[]} [type]
 * @property {string} [format]
 * @property {string} [description]
 * @property {Record<string, JsonSchema>} [properties]
 * @property {string[]} [required]
 * @property {JsonSchema | JsonSchema[]} [items]
 * @property {JsonSchema[]} [prefixItems]
 * @property {number} [minItems]
 * @property {number} [maxItems]
 * @property {number} [minimum]
 * @property {unknown[]} [enum]
 * @property {unknown} [const]
 * @property {unknown} [example]
 * @property {unknown[]} [examples]
 * @property {JsonSchema[]} [oneOf]
 * @property {JsonSchema[]} [anyOf]
 * @property {boolean | JsonSchema} [additionalProperties]
 * @property {boolean} [nullable]
 */

/** @typedef {'api' | 'streams'} SpecKind API specs (requests and replies) or market/user-data stream specs. */
/** @typedef {'spot' | 'umfutures' | 'cmfutures' | 'unknown'} Product */
/** @typedef {'api' | 'raw' | 'combined' | 'userData'} ChannelKind */
/** @typedef {string} SecurityType NONE, TRADE, USER_DATA, SIGNED, USER_STREAM, MARGIN, or what `x-binance-security-type` says */
/** @typedef {'object' | 'array' | 'none'} ParamsStyle */

/**
 * @typedef {object} IRInfo
 * @property {string} title `info.title` (default "Binance WebSocket API")
 * @property {string} version `info.version`, may be empty
 */

/**
 * @typedef {object} IRServer
 * @property {string} name key under `servers`
 * @property {string} url `protocol://host/pathname`, no trailing slash (a bare `/` pathname is dropped)
 * @property {boolean} testnet
 * @property {string | null} route `x-stream-route` of the server (the USDⓈ-M route it serves), or null
 */

/**
 * One message of the spec (components and inline ones), keyed by id in `IR.messages`.
 *
 * @typedef {object} IRMessage
 * @property {string} id component name, or `<operation>Message<i>` / `<operation>Reply<i>` for inline messages
 * @property {string} name `name`, else the id
 * @property {string} title
 * @property {string} summary
 * @property {string} description
 * @property {string} schema name of its payload in `IR.schemas`
 */

/**
 * @typedef {object} IRChannel
 * @property {string} id key under `channels`
 * @property {string} address `address` (`/` when absent)
 * @property {ChannelKind} kind how the runtime connects to it (binance-policy.js `channelKind`)
 */

/**
 * One parameter of an object-style request (`params.properties`), in spec order.
 *
 * @typedef {object} IRParam
 * @property {string} wireName the key on the wire
 * @property {string} pyName keyword-argument name: snake_case, never a Python keyword or `self`
 * @property {boolean} required
 * @property {JsonSchema} schema the property's schema as written (may be a `$ref`)
 * @property {string} description of the (resolved) schema
 * @property {boolean} auth apiKey, signature or timestamp: the client fills it in, users never pass it
 * @property {boolean} decimal the wire takes a decimal here whatever the schema says (Binance: `recvWindow`)
 */

/**
 * A request operation: an AsyncAPI `send` operation with a reply, one per wire method.
 *
 * @typedef {object} IROperation
 * @property {string} method wire method (`order.place`, `v2/account.status`, `SUBSCRIBE`), from the request's
 *   `properties.method.const`
 * @property {string} pyName snake_case base of the Python method name (the renderer avoids its own names)
 * @property {string} summary `summary`, else `title`
 * @property {SecurityType} securityType
 * @property {boolean} signed the client signs it (apiKey, timestamp, signature)
 * @property {boolean} apiKey the client adds apiKey (every signed operation, and apiKey-only ones)
 * @property {string} requestMessage id in `IR.messages`
 * @property {string} requestSchema name in `IR.schemas` of the request payload
 * @property {string} responseSchema name in `IR.schemas` of the (non-error) reply payload
 * @property {ParamsStyle} paramsStyle `params` is an object (named), an array (positional) or absent
 * @property {IRParam[]} params the named parameters (empty unless paramsStyle is 'object')
 * @property {string | null} channelMethod `x-channel-method` (stream control methods), or null
 * @property {boolean} resultMayBeList the reply's `result` is typed as one object but may be a list of them
 */

/**
 * One placeholder of a stream-name template.
 *
 * @typedef {object} IRStreamParam
 * @property {string} name the placeholder (`symbol` in `{symbol}@trade`)
 * @property {string} pyName keyword-argument name: snake_case, never a Python keyword or `self`
 * @property {string[] | null} enum allowed values (`x-stream-params`), as strings, or null when free
 * @property {boolean} lowercase the value goes into the stream name in lower case (symbols, pairs, assets)
 */

/**
 * @typedef {object} IRStreamPattern
 * @property {string} template an `x-stream-pattern` entry, e.g. `{symbol}@depth{levels}@{speed}`
 * @property {IRStreamParam[]} params one per placeholder, in template order
 * @property {string} example the matching `x-stream-example` entry, or ''
 */

/**
 * An event the client receives: every message that is neither request, reply, error nor combined wrapper.
 * How a frame is recognized as this event: by `eventTypes` (the `e` field, inside the envelope's body when
 * there is one), or, when `noEventType`, by `requiredKeys` and the stream name.
 *
 * @typedef {object} IREvent
 * @property {string} messageId id in `IR.messages`
 * @property {string} schema name in `IR.schemas` of the payload
 * @property {string} summary the message's summary, title or description
 * @property {string[]} eventTypes `x-event-type`, else the `e` field's const/enum; may be empty
 * @property {boolean} noEventType the payload has no `e` field (or says `x-no-event-type`)
 * @property {'subscription' | null} envelope the payload wraps the event (WS API user data:
 *   `{subscriptionId, event}`), or null
 * @property {string | null} bodyKey the payload property that holds the event when `envelope` is set, else null
 * @property {boolean} array the payload is a JSON array of events (all-market `!...@arr` streams)
 * @property {string[]} requiredKeys sorted required keys of the event (inside the envelope, of an array's items)
 * @property {IRStreamPattern[]} streamPatterns stream names that carry it, empty for user-data events
 * @property {string | null} route `x-stream-route` of the message (the USDⓈ-M route), or null
 * @property {ChannelKind[]} channelKinds sorted kinds of the channels that carry it
 */

/**
 * The combined-stream wrapper message (`x-wrapper`): `{"stream": name, "data": event}`.
 *
 * @typedef {object} IRCombinedWrapper
 * @property {string} schema name in `IR.schemas`
 * @property {string} streamKey key of the stream name (`x-wrapper-keys.stream`, default `stream`)
 * @property {string} dataKey key of the event (`x-wrapper-keys.data`, default `data`)
 */

/**
 * @typedef {object} IR
 * @property {IRInfo} info
 * @property {SpecKind} kind streams when a channel is a stream connection, else api (or the moduleKind override)
 * @property {Product} product from the server hosts and the title (or the moduleKind override)
 * @property {IRServer[]} servers mainnet ones first
 * @property {Record<string, JsonSchema>} schemas `components.schemas`, plus a name for every inline message
 *   payload and the schemas of operations the policy adds
 * @property {Record<string, IRMessage>} messages
 * @property {IRChannel[]} channels in spec order
 * @property {IROperation[]} operations sorted by method
 * @property {IREvent[]} events sorted by message id
 * @property {string | null} errorSchema name in `IR.schemas` of the error reply (`x-error` message), or null
 * @property {IRCombinedWrapper | null} combinedWrapper
 */

/**
 * The validated template parameters (helpers/params.js) that renderers receive beside the IR.
 *
 * @typedef {object} TemplateParams
 * @property {string} moduleName distribution name
 * @property {string} packageName import name
 * @property {string} version
 * @property {string} author
 * @property {string} moduleKind '' or a forced module kind
 * @property {string} runtime 'embedded' or 'shared'
 */

/**
 * @typedef {object} IROptions
 * @property {string} [moduleKind] overrides the detected product and kind (`spot`, `umfutures-streams`, ...)
 */

module.exports = {};
