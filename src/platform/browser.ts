/**
 * The browser Platform (registers itself when imported). Files are URLs: `readFile` and `exists`
 * fetch the path, resolved against the page (or worker) location, so a model or dataset served
 * next to the page can be read; HTTP has no directories, so `isDirectory` is always false and
 * `listDir` throws. Nothing can be written: the write methods throw `PlatformUnsupportedError`
 * (the web app offers downloads instead).
 *
 * The wasm backend's worker threads need a cross-origin isolated context (the page served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`, so
 * its shared memory can be posted to workers) and must be driven from a Web Worker (the window
 * thread may not block in `Atomics.wait`). Where either is missing `hardwareConcurrency()` reports
 * 1, so the default backend runs single-threaded, and asking for more threads fails with a
 * `PlatformUnsupportedError` that says what to change.
 */
import { ArgumentError, FormatError, FoveaError, NotFoundError, PlatformUnsupportedError } from '../errors.js';
import type { DecodedImage, Platform, WorkerHandle } from './platform.js';
import { setPlatform } from './platform.js';

/** Message a kernel worker posts when it cannot start (see browser-kernel-worker.ts). */
export interface KernelWorkerFailure {
  error: string;
}

const WORKER_URL = new URL('./browser-kernel-worker.js', import.meta.url);

/** Starts one kernel worker; see setKernelWorkerFactory. */
export type KernelWorkerFactory = () => Worker;

let kernelWorkerFactory: KernelWorkerFactory = () => new Worker(WORKER_URL, { type: 'module', name: 'fovea-kernels' });

/**
 * Replaces how kernel workers are started. By default they load `browser-kernel-worker.js` next to
 * this module, which suits the library served as plain ES modules; a bundled app (Vite, webpack)
 * passes `() => new Worker(new URL('./kernel-worker.ts', import.meta.url), { type: 'module' })`
 * written in its own code, where the bundler can see the worker and bundle it (the worker module
 * only has to import `fovea/platform/browser-kernel-worker`).
 */
export function setKernelWorkerFactory(factory: KernelWorkerFactory): void {
  kernelWorkerFactory = factory;
}

const ISOLATION_HINT =
  'serve the page with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp ' +
  '(and every script, wasm file and worker it loads from the same origin or with Cross-Origin-Resource-Policy), or use 1 thread';

/** The global scope's browser-only fields, read defensively (absent in older browsers and in Node). */
const scope = globalThis as unknown as {
  crossOriginIsolated?: boolean;
  document?: unknown;
  navigator?: { hardwareConcurrency?: number };
  /** Optional settings for `env()`: `globalThis.FOVEA_ENV = { FOVEA_THREADS: '2' }`. */
  FOVEA_ENV?: Record<string, string | undefined>;
};

const onWindowThread = (): boolean => scope.document !== undefined;

/** Why worker threads cannot run here, or null if they can. */
function threadsUnavailableReason(): string | null {
  if (scope.crossOriginIsolated !== true) {
    return `the wasm backend's worker threads need shared memory, which this page may not share with workers because it is not cross-origin isolated (crossOriginIsolated is ${String(scope.crossOriginIsolated)}): ${ISOLATION_HINT}`;
  }
  if (onWindowThread()) {
    return "the wasm backend's worker threads must be driven from a Web Worker: the page's main thread may not block in Atomics.wait; run Fovea inside a module worker, or use 1 thread";
  }
  return null;
}

function resolveUrl(path: string): URL {
  try {
    return new URL(path, globalThis.location?.href);
  } catch {
    throw new ArgumentError(`not a URL or a path relative to the page: '${path}'`);
  }
}

async function fetchBytes(url: URL, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new NotFoundError(`could not fetch ${what} (${url.href}): ${(e as Error).message}`);
  }
  if (!response.ok) {
    throw new NotFoundError(`could not fetch ${what} (${url.href}): HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

function cannotWrite(what: string, path: string): never {
  throw new PlatformUnsupportedError(`the browser cannot ${what} (${path}): Fovea has no file system there; download the bytes instead`);
}

/** A Blob of `bytes` (copied, so views of shared or resizable memory are accepted). */
const blobOf = (bytes: Uint8Array): Blob => new Blob([bytes.slice()]);

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Joins path segments with '/', dropping repeated slashes (but not the two after a URL scheme). */
function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/(^|[^:])\/{2,}/g, '$1/');
}

async function gunzip(bytes: Uint8Array, maxOutputBytes: number): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new PlatformUnsupportedError('this browser has no DecompressionStream, so gzip data cannot be read');
  const reader = blobOf(bytes).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxOutputBytes) {
        void reader.cancel().catch(() => undefined);
        throw new FormatError(`gzip data expands to more than ${maxOutputBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof FoveaError) throw e;
    throw new FormatError(`corrupt or truncated gzip data (${(e as Error).message})`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function decodeImage(bytes: Uint8Array, fileName: string): Promise<DecodedImage> {
  if (!isPng(bytes) && !isJpeg(bytes)) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(`expected a PNG or JPEG image, found bytes starting ${head || '(empty file)'}`, fileName);
  }
  if (typeof createImageBitmap === 'undefined' || typeof OffscreenCanvas === 'undefined') {
    throw new PlatformUnsupportedError('this browser lacks createImageBitmap or OffscreenCanvas, which image decoding needs');
  }
  let bitmap: ImageBitmap;
  try {
    // Pixels as stored: no colour-profile conversion, no alpha premultiplication.
    bitmap = await createImageBitmap(blobOf(bytes), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new FormatError(`not a readable PNG or JPEG image (${(e as Error).message})`, fileName);
  }
  try {
    const { width, height } = bitmap;
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!context) throw new PlatformUnsupportedError('this browser cannot give a 2D OffscreenCanvas context, which image decoding needs');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height).data;
    return { width, height, channels: 4, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
  } finally {
    bitmap.close();
  }
}

async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length !== width * height * 4) {
    throw new ArgumentError(`PNG encoding needs width × height × 4 RGBA bytes with positive whole sizes: got ${rgba.length} bytes for ${width}×${height}`);
  }
  if (typeof OffscreenCanvas === 'undefined') throw new PlatformUnsupportedError('this browser lacks OffscreenCanvas, which PNG encoding needs');
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new PlatformUnsupportedError('this browser cannot give a 2D OffscreenCanvas context, which PNG encoding needs');
  context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}

function startKernelWorker(init: unknown): Promise<WorkerHandle> {
  const reason = threadsUnavailableReason();
  if (reason) return Promise.reject(new PlatformUnsupportedError(reason));
  return new Promise((resolve, reject) => {
    const worker = kernelWorkerFactory();
    const fail = (error: Error): void => {
      worker.terminate();
      reject(error);
    };
    worker.onmessage = (event: MessageEvent<unknown>) => {
      worker.onmessage = null;
      worker.onerror = null;
      if (event.data === 'ready') resolve({ terminate: () => worker.terminate() });
      else fail(new Error(`a wasm kernel worker failed to start: ${(event.data as KernelWorkerFailure | null)?.error ?? String(event.data)}`));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      fail(new Error(`a wasm kernel worker failed to load: ${event.message || 'the script could not be fetched or evaluated'}`));
    };
    try {
      worker.postMessage(init);
    } catch (e) {
      // DataCloneError: shared memory may not cross to the worker in this context.
      fail(new PlatformUnsupportedError(`could not hand the shared WebAssembly memory to a worker (${(e as Error).message}): ${ISOLATION_HINT}`));
    }
  });
}

export const browserPlatform: Platform = {
  name: 'browser',
  hasDirectories: false,
  readFile: (path) => fetchBytes(resolveUrl(path), path),
  readUrl: (url) => fetchBytes(url, url.pathname.split('/').pop() || url.href),
  writeFileAtomic: async (path) => cannotWrite('write files', path),
  async exists(path) {
    try {
      return (await fetch(resolveUrl(path), { method: 'HEAD' })).ok;
    } catch {
      return false;
    }
  },
  async fileInfo(path) {
    let response: Response;
    try {
      response = await fetch(resolveUrl(path), { method: 'HEAD' });
    } catch {
      return null;
    }
    if (!response.ok) return null;
    const modified = Date.parse(response.headers.get('last-modified') ?? '');
    return { size: Number(response.headers.get('content-length') ?? 0), mtimeMs: Number.isNaN(modified) ? 0 : modified, isDirectory: false };
  },
  isDirectory: async () => false,
  listDir: async (path) => {
    throw new PlatformUnsupportedError(`the browser cannot list a directory (${path}): a web server does not say what a folder holds`);
  },
  makeDir: async (path) => cannotWrite('create directories', path),
  writeFileSynced: async (path) => cannotWrite('write files', path),
  rename: async (from) => cannotWrite('rename files', from),
  removeDir: async (path) => cannotWrite('delete directories', path),
  syncDir: async (path) => cannotWrite('sync directories', path),
  joinPath,
  gunzip,
  decodeImage,
  encodePng,
  startKernelWorker,
  hardwareConcurrency: () => (threadsUnavailableReason() ? 1 : Math.max(1, scope.navigator?.hardwareConcurrency ?? 1)),
  env: (name) => scope.FOVEA_ENV?.[name],
  bundledDataDir: () => null,
  systemDataDirs: () => [],
  cacheDir: () => null,
};

setPlatform(browserPlatform);
