/**
 * A static file server for the built web app: GET and HEAD only, `/` and directories answer with
 * their index.html, nothing outside the root is ever served, and every response carries the
 * headers that make the page cross-origin isolated (browsers give SharedArrayBuffer, and so
 * threads, only to such pages).
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as path from 'node:path';

/** Sent with every response, errors included. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** The Content-Type of a file by its extension; anything else (safetensors, gz, zip…) is bytes. */
export function contentTypeFor(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

export type ResolvedRequest = { kind: 'path'; path: string } | { kind: 'bad-request' } | { kind: 'forbidden' };

/**
 * The file system path a URL path names under `root`. Percent-escapes are decoded first, so
 * `%2e%2e` and `..%2f` are caught as the `..` they are; any `..` segment, backslash or NUL is refused.
 */
export function resolveRequestPath(root: string, urlPath: string): ResolvedRequest {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-request' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) return { kind: 'bad-request' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || s.includes('\\'))) return { kind: 'forbidden' };
  const full = path.join(root, ...segments);
  return isInside(root, full) ? { kind: 'path', path: full } : { kind: 'forbidden' };
}

function isInside(root: string, full: string): boolean {
  const relative = path.relative(root, full);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** An HTTP server (not yet listening) for the files under `root`. */
export async function createStaticServer(root: string): Promise<Server> {
  const realRoot = await fs.realpath(root);
  return createServer((req, res) => {
    serve(realRoot, req, res).catch(() => {
      if (!res.headersSent) sendText(res, req, 500, 'internal error');
      else res.destroy();
    });
  });
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, req, 405, `method ${req.method ?? '?'} not allowed; use GET or HEAD`, { Allow: 'GET, HEAD' });
    return;
  }
  const url = req.url ?? '/';
  const queryAt = url.search(/[?#]/);
  const urlPath = queryAt < 0 ? url : url.slice(0, queryAt);
  const resolved = resolveRequestPath(root, urlPath);
  if (resolved.kind === 'bad-request') return sendText(res, req, 400, 'bad request path');
  if (resolved.kind === 'forbidden') return sendText(res, req, 403, 'forbidden');

  let filePath = resolved.path;
  let stats = await statOrNull(filePath);
  if (stats?.isDirectory()) {
    if (!urlPath.endsWith('/')) {
      // Relative URLs in the directory's index.html resolve against the directory only with the slash.
      sendText(res, req, 301, 'moved', { Location: `${urlPath}/${queryAt < 0 ? '' : url.slice(queryAt)}` });
      return;
    }
    filePath = path.join(filePath, 'index.html');
    stats = await statOrNull(filePath);
  }
  if (!stats?.isFile()) return sendText(res, req, 404, 'not found');
  // A symbolic link inside the root must not lead out of it.
  if (!isInside(root, await fs.realpath(filePath))) return sendText(res, req, 403, 'forbidden');

  res.writeHead(200, {
    ...ISOLATION_HEADERS,
    'Content-Type': contentTypeFor(filePath),
    'Content-Length': stats.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(filePath).on('error', () => res.destroy()).pipe(res);
}

async function statOrNull(filePath: string): Promise<Stats | null> {
  try {
    return await fs.stat(filePath);
  } catch {
    return null;
  }
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
