// Types of helpers/runtime.js (owned by the runtime's maintainer, not annotated yet), so that `npm run typecheck`
// checks its callers without type-checking that file. Delete this file once runtime.js carries JSDoc types;
// keep it in step with runtime.js's exports until then.

/** The runtime distribution as runtime/pyproject.toml declares it. */
export interface RuntimeProject {
  name: string;
  version: string;
  requiresPython: string;
  classifiers: string[];
  dependencies: string[];
  fast: string[];
  test: string[];
}

export const RUNTIME_DIR: string;
export const SOURCE_DIR: string;
export const IMPORT_NAME: string;
export const EMBEDDED_DIR: string;
export const RUNTIME_MODES: string[];
export function runtimeProject(): RuntimeProject;
export function embeddedFiles(kind: string): string[];
export function embedRuntime(packageDir: string, kind: string): void;
export function runtimeModule(mode: string, dotted: string, depth?: number): string;
export function publicNames(dotted: string): string[];
export function listTree(dir: string, base?: string): string[];
