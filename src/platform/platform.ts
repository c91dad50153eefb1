/**
 * The seam between the platform-neutral library and the host (Node or browser): file access,
 * gunzip and image decoding. Everything else in Fovea reaches the host only through here.
 */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA) interleaved 8-bit channels, row-major. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** What `fileInfo` tells about a path. */
export interface FileInfo {
  size: number;
  /** Last modification, milliseconds since the epoch. */
  mtimeMs: number;
  isDirectory: boolean;
}

/** A started worker thread: only stopping it is needed from outside. */
export interface WorkerHandle {
  terminate(): void;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** Whether paths name a file system with directories (false in the browser, where paths are URLs). */
  readonly hasDirectories: boolean;
  readFile(path: string): Promise<Uint8Array>;
  /** Reads a resource shipped with the package (e.g. the WebAssembly kernels), by URL. */
  readUrl(url: URL): Promise<Uint8Array>;
  /** Writes to a temporary file beside `path`, flushes it, then renames it over `path`. */
  writeFileAtomic(path: string, data: Uint8Array | string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Size, modification time and kind of a file or directory, or null if there is none. */
  fileInfo(path: string): Promise<FileInfo | null>;
  isDirectory(path: string): Promise<boolean>;
  listDir(path: string): Promise<string[]>;
  makeDir(path: string): Promise<void>;
  /** Writes `path` (creating or truncating it) and flushes it to disk before resolving. */
  writeFileSynced(path: string, data: Uint8Array | string): Promise<void>;
  /** Renames a file or directory; fails if `to` is a non-empty directory. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a directory and everything in it; does nothing if it does not exist. */
  removeDir(path: string): Promise<void>;
  /** Flushes a directory's entries (new names, renames) to disk, where the host allows it. */
  syncDir(path: string): Promise<void>;
  joinPath(...parts: string[]): string;
  /** Decompresses gzip bytes, refusing to produce more than `maxOutputBytes`. */
  gunzip(bytes: Uint8Array, maxOutputBytes: number): Promise<Uint8Array>;
  /** Decodes PNG or JPEG bytes. */
  decodeImage(bytes: Uint8Array, fileName: string): Promise<DecodedImage>;
  /** Encodes 8-bit RGBA pixels (width × height × 4 bytes, row-major) as a PNG file's bytes. */
  encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array>;
  /**
   * Starts a WebAssembly kernel worker (see backend/wasm/worker-loop.ts) with `init` (module,
   * shared memory, control block…) and resolves once it is ready. The worker never keeps the
   * process alive.
   */
  startKernelWorker(init: unknown): Promise<WorkerHandle>;
  /** How many threads the host can run at once. */
  hardwareConcurrency(): number;
  /** A setting from the environment (Node: process.env), if any. */
  env(name: string): string | undefined;
  /** Folder holding the datasets shipped with the package (MNIST), if any. */
  bundledDataDir(): string | null;
  /** Folders searched for system-installed datasets (e.g. Debian's /usr/share/datasets). */
  systemDataDirs(): string[];
  /** A per-user folder for caches (decoded image datasets), or null where nothing can be written. */
  cacheDir(): string | null;
}

let current: Platform | null = null;

export function setPlatform(platform: Platform): void {
  current = platform;
}

export function getPlatform(): Platform {
  if (!current) {
    throw new Error('no platform registered: import fovea through its package entry (node or browser)');
  }
  return current;
}
