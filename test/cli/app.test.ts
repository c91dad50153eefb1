/**
 * `fovea app` in a child process on a free port, serving a small stand-in for the built app:
 * status codes, the cross-origin isolation headers on every response, MIME types, HEAD, path
 * traversal, a clean stop on SIGTERM, and the error when the app is not built.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoStackTrace, CLI_PATH, makeTempDir, removeTempDirs, runCli, runFails } from './run-cli.js';

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const INDEX = '<!doctype html><title>Fovea</title><script type="module" src="./app.js"></script>';

let siteDir: string;
let baseUrl: string;
const children: ChildProcessWithoutNullStreams[] = [];

interface Started {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `fovea app ...args` and resolves once `ready(stdout)` holds, or rejects after 30 s. */
function startApp(args: string[], ready: (stdout: string) => boolean): Promise<Started> {
  const child = spawn(process.execPath, [CLI_PATH, 'app', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fovea app did not start in 30 s; stderr:\n${stderr}`)), 30_000);
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (ready(stdout)) {
        clearTimeout(timer);
        resolve({ child, stdout: () => stdout, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fovea app exited with ${code} before serving; stderr:\n${stderr}`));
    });
  });
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A request with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(urlPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: urlPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertIsolationHeaders(headers: Headers | Record<string, string | string[] | undefined>, what: string): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name.toLowerCase()]);
  assert.equal(get('Cross-Origin-Opener-Policy'), 'same-origin', what);
  assert.equal(get('Cross-Origin-Embedder-Policy'), 'require-corp', what);
  assert.equal(get('Cross-Origin-Resource-Policy'), 'same-origin', what);
}

before(async () => {
  const parent = await makeTempDir('fovea-app-');
  siteDir = join(parent, 'web');
  await mkdir(join(siteDir, 'assets', 'docs'), { recursive: true });
  await writeFile(join(siteDir, 'index.html'), INDEX);
  await writeFile(join(siteDir, 'app.js'), 'console.log("fovea");\n');
  await writeFile(join(siteDir, 'assets', 'kernels.wasm'), WASM);
  await writeFile(join(siteDir, 'assets', 'docs', 'index.html'), '<p>docs</p>');
  await writeFile(join(parent, 'secret.txt'), 'outside the root');
  const started = await startApp(['--port', '0', '--dir', siteDir, '--json'], parsesAsJson);
  const json = JSON.parse(started.stdout()) as { url: string; port: number; dir: string };
  assert.match(json.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(json.url, `http://127.0.0.1:${json.port}/`);
  assert.equal(json.dir, siteDir);
  baseUrl = json.url;
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await removeTempDirs();
});

test('/ is index.html; js and wasm have their MIME types; every response is cross-origin isolated', async () => {
  const cases: Array<[string, string, string | Uint8Array]> = [
    ['', 'text/html; charset=utf-8', INDEX],
    ['index.html', 'text/html; charset=utf-8', INDEX],
    ['app.js?v=1', 'text/javascript; charset=utf-8', 'console.log("fovea");\n'],
    ['assets/kernels.wasm', 'application/wasm', WASM],
    ['assets/docs/', 'text/html; charset=utf-8', '<p>docs</p>'],
  ];
  for (const [file, type, content] of cases) {
    const res = await fetch(new URL(file, baseUrl));
    assert.equal(res.status, 200, file);
    assert.equal(res.headers.get('content-type'), type, file);
    assertIsolationHeaders(res.headers, file);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(body, typeof content === 'string' ? new TextEncoder().encode(content) : content, file);
  }
});

test('HEAD gives the headers and length without a body; other methods get 405', async () => {
  const head = await fetch(new URL('assets/kernels.wasm', baseUrl), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'application/wasm');
  assert.equal(head.headers.get('content-length'), String(WASM.length));
  assertIsolationHeaders(head.headers, 'HEAD');
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  const post = await fetch(baseUrl, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('unknown files are 404 and a directory without its slash is redirected, with the isolation headers', async () => {
  const missing = await fetch(new URL('assets/nothing.js', baseUrl));
  assert.equal(missing.status, 404);
  assertIsolationHeaders(missing.headers, '404');
  const emptyDir = await fetch(new URL('assets/', baseUrl));
  assert.equal(emptyDir.status, 404);
  const redirect = await fetch(new URL('assets/docs', baseUrl), { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/assets/docs/');
});

test('path traversal is refused, however it is spelled', async () => {
  for (const attempt of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00index.html']) {
    const res = await rawGet(attempt);
    assert.ok([400, 403, 404].includes(res.status), `${attempt}: status ${res.status}`);
    assert.doesNotMatch(res.body, /outside the root/, attempt);
    assertIsolationHeaders(res.headers, attempt);
  }
});

test('without --json it prints the URL; SIGTERM stops it cleanly with exit code 0', async () => {
  const started = await startApp(['--port', '0', '--dir', siteDir], (out) => out.includes('\n'));
  assert.match(started.stdout(), /^Fovea app: http:\/\/127\.0\.0\.1:\d+\/\n$/);
  const exited = new Promise<number | null>((resolve) => started.child.on('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assertNoStackTrace(started.stderr());
});

test('a port in use is an argument error', async () => {
  const { port } = new URL(baseUrl);
  const err = await runFails(['app', '--port', port, '--dir', siteDir]);
  assert.match(err, /E_ARGUMENT.*port \d+ .*in use.*--port 0/);
});

test('a missing app directory, or one without index.html, says the app is not built and how to build it', async () => {
  const parent = await makeTempDir('fovea-app-missing-');
  const missing = await runFails(['app', '--port', '0', '--dir', join(parent, 'nowhere')]);
  assert.match(missing, /E_NOT_FOUND.*web app is not built.*nowhere does not exist.*npm run build:web/);
  const noIndex = await runFails(['app', '--port', '0', '--dir', parent]);
  assert.match(noIndex, /E_NOT_FOUND.*has no index\.html.*npm run build:web/);
});

test('--help names the headers and why they are sent', async () => {
  const r = await runCli(['app', '--help']);
  assert.equal(r.code, 0);
  for (const header of ['Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp', 'Cross-Origin-Resource-Policy: same-origin', 'SharedArrayBuffer']) {
    assert.ok(r.stdout.includes(header), `--help should mention ${header}`);
  }
});
