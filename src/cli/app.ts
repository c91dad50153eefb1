import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { ArgumentError, NotFoundError } from '../errors.js';
import { printJson } from './report.js';
import { createStaticServer, ISOLATION_HEADERS } from './static-server.js';

/** This file compiles to dist/src/cli/app.js; Vite builds the app into dist/web/. */
const BUILT_APP_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const BUILD_COMMAND = 'npm run build:web';

interface AppFlags {
  port: number;
  host: string;
  dir?: string;
  json?: boolean;
}

export function registerApp(program: Command): void {
  program
    .command('app')
    .description('serve the Fovea web app (train and run CNNs in the browser) over HTTP on this machine')
    .option('--port <n>', 'TCP port (0 picks a free one)', tcpPort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--dir <dir>', `the built app to serve (default: this package's dist/web, made by \`${BUILD_COMMAND}\`)`)
    .option('--json', 'print one JSON object { url, host, port, dir } on stdout once serving')
    .addHelpText('after', `
Every response carries
${Object.entries(ISOLATION_HEADERS).map(([name, value]) => `  ${name}: ${value}`).join('\n')}
These make the page cross-origin isolated: browsers give SharedArrayBuffer, which the wasm
backend's worker threads share memory through, only to such pages, and only in a secure context
(http://127.0.0.1 or http://localhost; another machine reaching --host 0.0.0.0 over plain HTTP gets
no threads). The server runs until stopped with Ctrl+C (SIGINT) or SIGTERM.`)
    .action(async (flags: AppFlags) => {
      const dir = path.resolve(flags.dir ?? BUILT_APP_DIR);
      await checkAppBuilt(dir, flags.dir !== undefined);
      const server = await createStaticServer(dir);
      const port = await listen(server, flags.port, flags.host);
      const url = `http://${urlHost(flags.host)}:${port}/`;
      // Handlers go in before the URL is printed: whoever reads the URL may signal at once.
      closeOnSignals(server);
      if (flags.json) {
        printJson({ url, host: flags.host, port, dir });
      } else {
        process.stdout.write(`Fovea app: ${url}\n`);
        process.stderr.write(`serving ${dir}; stop with Ctrl+C\n`);
      }
    });
}

function tcpPort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError(`expected a TCP port from 0 to 65535, got '${value}'`);
  return n;
}

async function checkAppBuilt(dir: string, given: boolean): Promise<void> {
  const isFile = await fs.stat(path.join(dir, 'index.html')).then((s) => s.isFile(), () => false);
  if (isFile) return;
  const isDir = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
  const found = isDir ? `${dir} has no index.html` : `${dir} does not exist`;
  const remedy = given ? `pass --dir the folder Vite built, or run \`${BUILD_COMMAND}\`` : `run \`${BUILD_COMMAND}\` first`;
  throw new NotFoundError(`the web app is not built: ${found}; ${remedy}`);
}

/** Listens and resolves to the port, turning the usual refusals into typed errors naming the flag. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ArgumentError(`port ${port} on ${host} is in use; choose another with --port, or --port 0 for any free port`));
      else if (e.code === 'EACCES') reject(new ArgumentError(`not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with --port`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new ArgumentError(`cannot listen on --host '${host}' (${e.code}): not an address of this machine`));
      else reject(e);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A host as it goes in a URL: the unspecified addresses as localhost, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function closeOnSignals(server: Server): void {
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
