import { UnknownNameError } from '../errors.js';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { createWasmBackend } from './wasm/index.js';

/** Creates a backend; backends that compile WebAssembly or start workers do so asynchronously. */
type BackendFactory = () => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>([
  ['js', () => createJsBackend('float32')],
  ['js-float64', () => createJsBackend('float64')],
  ['wasm', () => createWasmBackend()],
]);
const loaded = new Map<string, Backend>();
let current: Backend | null = null;
/** The backend the CLI and the library entry point load unless told otherwise. */
export const DEFAULT_BACKEND = 'wasm';
/** The backend `getBackend` falls back to before any backend is loaded: synchronous, always there. */
const fallbackName = 'js';

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
  loaded.delete(name);
}

export function backendNames(): string[] {
  return [...factories.keys()];
}

/**
 * The backend ops run on: the one last chosen with `useBackend`/`setBackend`; else the default
 * (`wasm`) once it has been loaded (`loadDefaultBackend`, which the Node entry point awaits); else
 * the reference `js`.
 */
export function getBackend(): Backend {
  if (!current) current = loaded.get(DEFAULT_BACKEND) ?? createBackend(fallbackName);
  return current;
}

/**
 * Loads and makes current the backend named by `name`, else $FOVEA_BACKEND (when `env` gives
 * it), else `wasm`. Returns the backend.
 */
export async function loadDefaultBackend(name?: string, env: (key: string) => string | undefined = () => undefined): Promise<Backend> {
  const chosen = name || env('FOVEA_BACKEND') || DEFAULT_BACKEND;
  return useBackend(chosen);
}

/** A backend whose factory is synchronous (`js`, `js-float64`), or one already loaded. */
export function createBackend(name: string): Backend {
  const ready = loaded.get(name);
  if (ready) return ready;
  const factory = factories.get(name);
  if (!factory) throw new UnknownNameError('backend', name, backendNames());
  const backend = factory();
  if (backend instanceof Promise) {
    throw new UnknownNameError('ready backend', name, [...loaded.keys(), "(load it first with 'await useBackend(name)')"]);
  }
  return backend;
}

/** Loads (once) and returns the named backend, waiting for any WebAssembly or workers it needs. */
export async function loadBackend(name: string): Promise<Backend> {
  const ready = loaded.get(name);
  if (ready) return ready;
  const factory = factories.get(name);
  if (!factory) throw new UnknownNameError('backend', name, backendNames());
  const backend = await factory();
  loaded.set(name, backend);
  return backend;
}

/** Loads the named backend and makes it current for all following ops. */
export async function useBackend(name: string): Promise<Backend> {
  current = await loadBackend(name);
  return current;
}

/** Makes `backend` (or the named, synchronously created one) current for all following ops. */
export function setBackend(backend: Backend | string): Backend {
  current = typeof backend === 'string' ? createBackend(backend) : backend;
  return current;
}

/** Runs `fn` with `backend` current, then restores the previous one. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
