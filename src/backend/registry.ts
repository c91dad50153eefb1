import { UnknownNameError } from '../errors.js';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';

type BackendFactory = () => Backend;

const factories = new Map<string, BackendFactory>([
  ['js', () => createJsBackend('float32')],
  ['js-float64', () => createJsBackend('float64')],
]);
let current: Backend | null = null;
let defaultName = 'js';

export function registerBackend(name: string, factory: BackendFactory, options: { makeDefault?: boolean } = {}): void {
  factories.set(name, factory);
  if (options.makeDefault) defaultName = name;
}

export function backendNames(): string[] {
  return [...factories.keys()];
}

/** The backend ops run on. The first call creates the default one. */
export function getBackend(): Backend {
  if (!current) current = createBackend(defaultName);
  return current;
}

export function createBackend(name: string): Backend {
  const factory = factories.get(name);
  if (!factory) throw new UnknownNameError('backend', name, backendNames());
  return factory();
}

/** Makes `backend` (or the named one) current for all following ops. */
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
