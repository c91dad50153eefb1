/** A library configuration's process (worker.ts or torch_runner.py) and its request/reply channel. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Reply, Request, RunnerConfig } from './protocol.js';

type Body<R> = R extends unknown ? Omit<R, 'id'> : never;

export class RunnerProcess {
  private readonly proc: ChildProcess;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private exited: string | null = null;
  /** The last lines the process printed (stdout and stderr), for error messages. */
  private readonly tail: string[] = [];

  constructor(runner: RunnerConfig, command: string, args: string[], options: { verbose: boolean; env: NodeJS.ProcessEnv }) {
    this.proc = spawn(command, args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const keep = (stream: Readable | null) => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
        if (options.verbose) process.stderr.write(`    [${runner.id}] ${line}\n`);
      });
    };
    keep(this.proc.stdout);
    keep(this.proc.stderr);
    const replies = this.proc.stdio[3] as Readable;
    createInterface({ input: replies, crlfDelay: Infinity }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return;
      }
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(reply.id);
      waiting.resolve(reply);
    });
    const fail = (why: string) => {
      this.exited = why;
      for (const [id, w] of this.pending) {
        clearTimeout(w.timer);
        w.reject(new Error(`${why}${this.tail.length ? `; last output: ${this.tail.slice(-5).join(' | ')}` : ''}`));
        this.pending.delete(id);
      }
    };
    this.proc.on('error', (e) => fail(`could not start ${command}: ${e.message}`));
    this.proc.on('exit', (code, signal) => fail(`process exited (${signal ?? `code ${code}`})`));
  }

  /** Sends a request; rejects when the process dies or `timeoutSeconds` pass (the process is then killed). */
  request(body: Body<Request>, timeoutSeconds: number): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        reject(new Error(`no answer within ${timeoutSeconds.toFixed(0)} s (process killed)`));
      }, timeoutSeconds * 1000);
      this.pending.set(id, { resolve, reject, timer });
      (this.proc.stdin as Writable).write(JSON.stringify({ ...body, id }) + '\n');
    });
  }

  get alive(): boolean {
    return this.exited === null;
  }

  kill(): void {
    if (this.exited === null) this.proc.kill('SIGKILL');
  }

  /** Asks the process to quit; kills it if it has not within a few seconds. */
  async quit(): Promise<void> {
    if (this.exited !== null) return;
    const done = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    (this.proc.stdin as Writable).write(JSON.stringify({ id: 0, cmd: 'quit' }) + '\n');
    const timer = setTimeout(() => this.kill(), 5000);
    await done;
    clearTimeout(timer);
  }
}
