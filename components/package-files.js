'use strict';
/**
 * The small files of the distribution: pyproject.toml, requirements.txt, __init__.py, testing.py.
 */
const { docstring, pyString, GENERATED_NOTICE } = require('./python');

// Runtime dependencies of every generated package (kept in one place: pyproject and requirements agree).
const RUNTIME_DEPENDENCIES = ['pydantic>=2.7,<3', 'websockets>=14.0,<17', 'cryptography>=42', 'python-dotenv>=1.0'];
const TEST_DEPENDENCIES = ['pytest>=8', 'pytest-asyncio>=0.24', 'hypothesis>=6.100'];
// The optional fast paths: transport="picows" everywhere, event_models="msgspec" in streams packages (our tests
// exercise picows 2.3.1 and msgspec 0.22.0).
function fastDependencies(ir) {
  return ir.kind === 'streams' ? ['picows>=2.3', 'msgspec>=0.19'] : ['picows>=2.3'];
}

function tomlString(text) {
  return JSON.stringify(String(text));
}

function renderPyproject(ir, params) {
  const pkg = params.packageName;
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
requires-python = ">=3.10"
authors = [{ name = ${tomlString(params.author)} }]
classifiers = [
  "Framework :: AsyncIO",
  "Programming Language :: Python :: 3",
  "Typing :: Typed",
]
dependencies = ${list(RUNTIME_DEPENDENCIES)}

[project.optional-dependencies]
test = ${list(TEST_DEPENDENCIES)}
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

function renderRequirements() {
  return `# Runtime dependencies (the same as pyproject.toml); tests also need: ${TEST_DEPENDENCIES.join(' ')}\n${RUNTIME_DEPENDENCIES.join('\n')}\n`;
}

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

function renderTesting(ir) {
  return `${docstring(`An offline mock of ${ir.info.title} for tests and for trying bots without the exchange.\n\nIt answers from the spec's examples and enforces the protocol (signatures, ids, limits); see \`\`MockServerBase\`\` for fault controls.\n\n${GENERATED_NOTICE}`)}

from __future__ import annotations

from typing import Any

from ._mock_server import MockServerBase
from ._spec import SPEC

__all__ = ["MockBinanceServer"]


class MockBinanceServer(MockServerBase):
    """Mock server bound to this package's spec: \`\`async with MockBinanceServer() as server: server.url\`\`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(SPEC, **options)
`;
}

module.exports = { renderPyproject, renderRequirements, renderInit, renderTesting, RUNTIME_DEPENDENCIES, TEST_DEPENDENCIES };
