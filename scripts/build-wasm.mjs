// Compiles the AssemblyScript kernels (assembly/index.ts) into dist/wasm/fovea-kernels.wasm:
// release build (-O3), SIMD, threads, stub runtime, no assertions, imported shared memory of at
// most 65536 pages (4 GiB). Skips the build when the .wasm is newer than every assembly/*.ts
// and this script. Exits non-zero on any compile error. Usage: node scripts/build-wasm.mjs [--force]
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'assembly');
const entry = join(sourceDir, 'index.ts');
const outFile = join(root, 'dist', 'wasm', 'fovea-kernels.wasm');
const shown = relative(process.cwd(), outFile) || outFile;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
}

const sources = readdirSync(sourceDir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(sourceDir, name));
const newestInput = Math.max(mtime(fileURLToPath(import.meta.url)), ...sources.map(mtime));
if (!process.argv.includes('--force') && mtime(outFile) > newestInput) {
  console.log(`build-wasm: ${shown} is up to date`);
  process.exit(0);
}

const { default: asc } = await import('assemblyscript/asc');
mkdirSync(dirname(outFile), { recursive: true });
const started = Date.now();
const { error } = await asc.main(
  [
    relative(root, entry),
    '--outFile', relative(root, outFile),
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--enable', 'simd',
    '--enable', 'threads',
    '--runtime', 'stub',
    '--noAssert',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory', '64',
    '--maximumMemory', '65536',
    '--baseDir', root,
  ],
  { stdout: process.stdout, stderr: process.stderr },
);
if (error) {
  console.error(`build-wasm: compiling ${relative(root, entry)} failed: ${error.message}`);
  process.exit(1);
}
if (!(mtime(outFile) > newestInput)) {
  console.error(`build-wasm: the compiler reported success but did not write ${shown}`);
  process.exit(1);
}
console.log(`build-wasm: built ${shown} (${statSync(outFile).size} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
