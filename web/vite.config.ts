// The web app's build: `npm run build:web` writes a static site to dist/web/ (served by `fovea app`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages. */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { 'fovea/browser': here('../src/browser.ts') } },
  build: { outDir: here('../dist/web'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
