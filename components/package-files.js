'use strict';
/**
 * The small files of the distribution: pyproject.toml, requirements.txt, __init__.py, testing.py, and the
 * package's public errors.py and auth.py, which re-export the runtime's.
 */
const { docstring, pyString, GENERATED_NOTICE } = require('./python');
const { runtimeModule, runtimeProject, publicNames } = require('../helpers/runtime');

/** @typedef {import('../helpers/ir-types').IR} IR */
/** @typedef {import('../helpers/ir-types').TemplateParams} TemplateParams */

/**
 * The dependencies of a generated package: the runtime's ranges (embedded), or the runtime itself (shared).
 *
 * @param {TemplateParams} params
 * @returns {string[]}
 */
function dependencies(params) {
  const runtime = runtimeProject();
  if (params.runtime === 'shared') {
    // models.py and structs.py import pydantic and msgspec themselves; the runtime brings the rest.
    const pydantic = runtime.dependencies.filter((d) => /^pydantic\b/.test(d));
    return [`${runtime.name}==${runtime.version}`, ...pydantic];
  }
  return runtime.dependencies;
}

/**
 * The optional fast paths: transport="picows" everywhere, event_models="msgspec" in streams packages.
 *
 * @param {IR} ir
 * @returns {string[]}
 */
function fastDependencies(ir) {
  const { fast } = runtimeProject();
  return ir.kind === 'streams' ? fast : fast.filter((d) => !/^msgspec\b/.test(d));
}

/**
 * @param {string} text
 * @returns {string} a TOML basic string
 */
function tomlString(text) {
  return JSON.stringify(String(text));
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} pyproject.toml
 */
function renderPyproject(ir, params) {
  const pkg = params.packageName;
  const runtime = runtimeProject();
  /** @param {string[]} items */
  const list = (items) => `[\n${items.map((d) => `  ${tomlString(d)},`).join('\n')}\n]`;
  return `# ${GENERATED_NOTICE}
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = ${tomlString(params.moduleName)}
version = ${tomlString(params.version)}
description = ${tomlString(`Typed asyncio WebSocket client for ${ir.info.title}`)}
readme = "README.md"
requires-python = ${tomlString(runtime.requiresPython)}
authors = [{ name = ${tomlString(params.author)} }]
classifiers = ${list(runtime.classifiers)}
dependencies = ${list(dependencies(params))}

[project.optional-dependencies]
test = ${list(runtime.test)}
fast = ${list(fastDependencies(ir))}

[tool.setuptools.packages.find]
include = [${tomlString(pkg)}, ${tomlString(`${pkg}.*`)}]

[tool.setuptools.package-data]
${pkg} = ["py.typed"]

[tool.ruff]
line-length = 120
target-version = "py310"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP"]

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
testpaths = [${tomlString(`${pkg}/tests`)}]
`;
}

/**
 * @param {TemplateParams} params
 * @returns {string} requirements.txt
 */
function renderRequirements(params) {
  return `# Runtime dependencies (the same as pyproject.toml); tests also need: ${runtimeProject().test.join(' ')}\n${dependencies(params).join('\n')}\n`;
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} __init__.py
 */
function renderInit(ir, params) {
  const streams = ir.kind === 'streams';
  return `${docstring(`${ir.info.title}: typed asyncio WebSocket client (package ${params.packageName} ${params.version}).\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from . import models${streams ? ', streams' : ''}
from .auth import BinanceAuth, generate_ed25519_keypair, generate_rsa_keypair
from .client import BinanceWebSocketClient
from .errors import (
    AuthenticationError,
    BinanceAPIError,
    ConnectionClosedError,
    EventDecodeError,
    IPBannedError,
    RateLimitError,
    RequestTimeoutError,
    WebSocketError,
)

__version__ = ${pyString(params.version)}

__all__ = [
    "AuthenticationError",
    "BinanceAPIError",
    "BinanceAuth",
    "BinanceWebSocketClient",
    "ConnectionClosedError",
    "EventDecodeError",
    "IPBannedError",
    "RateLimitError",
    "RequestTimeoutError",
    "WebSocketError",
    "generate_ed25519_keypair",
    "generate_rsa_keypair",
    "models",
${streams ? '    "streams",\n' : ''}]
`;
}

/**
 * @param {IR} ir
 * @param {TemplateParams} params
 * @returns {string} testing.py: the engine bound to the package's SPEC and MOCK_DATA (the only importer of _mock_data)
 */
function renderTesting(ir, params) {
  const engine = params.runtime === 'shared' ? `from ${runtimeModule('shared', 'testing.server')} import MockServerBase\n\nfrom ._mock_data import MOCK_DATA` : 'from ._mock_data import MOCK_DATA\nfrom ._runtime.testing.server import MockServerBase';
  return `${docstring(`An offline mock of ${ir.info.title} for tests and for trying bots without the exchange.\n\nIt answers like Binance: replies built from the spec's reply schemas and fitted to the request, the protocol enforced (signatures, ids, limits); see \`\`MockServerBase\`\` for fault controls.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from typing import Any

${engine}
from ._spec import SPEC

__all__ = ["MockBinanceServer"]


class MockBinanceServer(MockServerBase):
    """Mock server bound to this package's spec: \`\`async with MockBinanceServer() as server: server.url\`\`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(SPEC, MOCK_DATA, **options)
`;
}

/**
 * errors.py or auth.py of the package: the runtime module's public names, under the package's name.
 *
 * @param {string} dotted runtime module
 * @param {string} summary
 * @param {TemplateParams} params
 * @returns {string}
 */
function renderReexport(dotted, summary, params) {
  const names = publicNames(dotted);
  return `${docstring(`${summary}\n\nThe runtime's \`\`${dotted}\`\` module under this package's name${params.runtime === 'shared' ? ' (the shared binance-ws-runtime distribution: every package generated with runtime=shared raises the same classes)' : ''}.\n\n${GENERATED_NOTICE}`)}

from ${runtimeModule(params.runtime, dotted)} import (
${names.map((name) => `    ${name},`).join('\n')}
)

__all__ = [${names.map(pyString).join(', ')}]
`;
}

/**
 * @param {TemplateParams} params
 * @returns {string} errors.py
 */
function renderErrors(params) {
  return renderReexport('errors', 'Exceptions raised by the client, and the mapping from Binance error replies to them.', params);
}

/**
 * @param {TemplateParams} params
 * @returns {string} auth.py
 */
function renderAuth(params) {
  return renderReexport('auth', 'Request signing (HMAC-SHA256, RSA, Ed25519), API credentials and key generation.', params);
}

module.exports = { renderPyproject, renderRequirements, renderInit, renderTesting, renderErrors, renderAuth };
