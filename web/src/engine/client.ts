/** The page's side of an engine worker: typed requests answered by promises, and training events. */
import type { ControlMessage, ReplyMessage, Requests, RequestType, WorkerEvent } from './protocol.js';

/** An error the engine reported, with the library's error name and code kept. */
export class EngineError extends Error {
  constructor(
    readonly errorName: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor(name: string) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
    this.worker.onmessage = (event: MessageEvent<ReplyMessage | WorkerEvent>) => {
      const message = event.data;
      if ('event' in message) {
        for (const listener of this.listeners) listener(message);
        return;
      }
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new EngineError(message.error.name, message.error.code, message.error.message));
    };
    this.worker.onerror = (event) => {
      const error = new Error(`the engine worker failed: ${event.message || 'it could not be loaded'}`);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
  }

  request<T extends RequestType>(type: T, args: Requests[T]['args'], transfer: Transferable[] = []): Promise<Requests[T]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  control(control: ControlMessage['control']): void {
    this.worker.postMessage({ control } satisfies ControlMessage);
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
