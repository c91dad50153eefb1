import { promises as fs, constants as fsConstants, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import * as os from 'node:os';
import { PNG } from 'pngjs';
import { ArgumentError, FormatError, NotFoundError } from '../errors.js';
import type { DecodedImage, Platform } from './platform.js';
import { setPlatform } from './platform.js';
import { decodeJpeg } from './node-jpeg.js';

const gunzipAsync = promisify(gunzip);

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

async function decodeImage(bytes: Uint8Array, fileName: string): Promise<DecodedImage> {
  if (isJpeg(bytes)) return decodeJpeg(bytes, fileName);
  if (isPng(bytes)) {
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (e) {
      throw new FormatError(`not a readable PNG image (${(e as Error).message})`, fileName);
    }
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`expected a PNG or JPEG image, found bytes starting ${head || '(empty file)'}`, fileName);
}

/** `$<xdgVariable>/fovea/…`, else `~/<homeFallback>/fovea/…`, else the temp folder's `fovea/…`. */
function userDataDir(xdgVariable: string, homeFallback: string, ...sub: string[]): string {
  const home = os.homedir();
  const base = process.env[xdgVariable] || (home ? path.join(home, homeFallback) : os.tmpdir());
  return path.join(base, 'fovea', ...sub);
}

function checkRgbaSize(rgba: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length !== width * height * 4) {
    throw new ArgumentError(`PNG encoding needs width × height × 4 RGBA bytes with positive whole sizes: got ${rgba.length} bytes for ${width}×${height}`);
  }
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const nodePlatform: Platform = {
  name: 'node',
  hasDirectories: true,
  async readFile(p) {
    try {
      const buf = await fs.readFile(p);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError(`file not found: ${p}`);
      if (code === 'EISDIR') throw new ArgumentError(`expected a file, found a directory: ${p}`);
      if (code === 'EACCES' || code === 'EPERM') throw new ArgumentError(`no permission to read ${p}`);
      throw e;
    }
  },
  async readUrl(url) {
    return this.readFile(fileURLToPath(url));
  },
  async writeFileAtomic(p, data) {
    const tmp = `${p}.tmp-${process.pid}-${Date.now().toString(36)}`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(tmp, p);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  },
  async exists(p) {
    try {
      await fs.access(p, fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  },
  async fileInfo(p) {
    // Synchronous on purpose: fingerprinting an image folder stats every file, and 60,000
    // fs.promises.stat calls queue on libuv's small thread pool (4x slower than statSync here).
    try {
      const stat = statSync(p, { throwIfNoEntry: false });
      return stat ? { size: stat.size, mtimeMs: stat.mtimeMs, isDirectory: stat.isDirectory() } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  },
  async isDirectory(p) {
    try {
      return (await fs.stat(p)).isDirectory();
    } catch {
      return false;
    }
  },
  async listDir(p) {
    try {
      return (await fs.readdir(p)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`directory not found: ${p}`);
      throw e;
    }
  },
  async makeDir(p) {
    await fs.mkdir(p, { recursive: true });
  },
  async writeFileSynced(p, data) {
    const handle = await fs.open(p, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async rename(from, to) {
    await fs.rename(from, to);
  },
  async removeDir(p) {
    await fs.rm(p, { recursive: true, force: true });
  },
  async syncDir(p) {
    let handle;
    try {
      handle = await fs.open(p, 'r');
      await handle.sync();
    } catch (e) {
      // Some hosts (Windows, some network file systems) cannot open or fsync a directory.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
    } finally {
      await handle?.close();
    }
  },
  joinPath: (...parts) => path.join(...parts),
  async gunzip(bytes, maxOutputBytes) {
    try {
      const out = await gunzipAsync(bytes, { maxOutputLength: maxOutputBytes });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new FormatError(`gzip data expands to more than ${maxOutputBytes} bytes`);
      throw new FormatError(`corrupt or truncated gzip data (${err.message})`);
    }
  },
  decodeImage,
  async encodePng(rgba, width, height) {
    checkRgbaSize(rgba, width, height);
    const png = new PNG({ width, height });
    png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    const out = PNG.sync.write(png);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  startKernelWorker(init) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./node-kernel-worker.js', import.meta.url), { workerData: init });
      worker.once('message', () => {
        worker.unref();
        resolve({ terminate: () => void worker.terminate() });
      });
      worker.once('error', reject);
    });
  },
  hardwareConcurrency: () => os.availableParallelism(),
  env: (name) => process.env[name],
  bundledDataDir: () => path.join(packageRoot, 'data'),
  systemDataDirs: () => [userDataDir('XDG_DATA_HOME', '.local/share', 'datasets'), '/usr/share/datasets'],
  cacheDir: () => userDataDir('XDG_CACHE_HOME', '.cache'),
};

setPlatform(nodePlatform);
