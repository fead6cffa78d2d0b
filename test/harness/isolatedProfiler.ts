import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface WorkerRequest {
  readonly path: string;
  /** When set, these bytes are profiled as if they were the file at `path`. */
  readonly bytes?: Uint8Array;
  readonly bindings?: Readonly<Record<string, number>>;
}

export type WorkerResponse =
  | { kind: 'report'; seconds: number; nodes: number; coveragePercent: number; uncovered: { opType: string; count: number }[]; warnings: number }
  | { kind: 'error'; seconds: number; code: string; message: string }
  | { kind: 'crash'; seconds: number; message: string };

export type ProfileOutcome = WorkerResponse | { kind: 'timeout'; seconds: number } | { kind: 'out-of-memory'; seconds: number; message: string };

/**
 * Profiles models in a worker thread with a time limit and a heap limit, so that a model that hangs
 * or explodes is recorded as such instead of taking the test run down with it.
 */
export class IsolatedProfiler {
  private worker: Worker | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly heapLimitMb = 512,
  ) {}

  async profile(request: WorkerRequest): Promise<ProfileOutcome> {
    const worker = this.ensureWorker();
    const started = Date.now();
    return new Promise<ProfileOutcome>((resolve) => {
      const finish = (outcome: ProfileOutcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(outcome);
      };
      const onMessage = (response: WorkerResponse) => finish(response);
      const onError = (e: Error) => {
        this.worker = undefined;
        const seconds = (Date.now() - started) / 1000;
        finish(/heap|memory/i.test(e.message) ? { kind: 'out-of-memory', seconds, message: e.message } : { kind: 'crash', seconds, message: e.message });
      };
      const timer = setTimeout(() => {
        this.worker = undefined;
        void worker.terminate();
        finish({ kind: 'timeout', seconds: (Date.now() - started) / 1000 });
      }, this.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): Worker {
    this.worker ??= new Worker(path.join(__dirname, 'profileWorker.js'), {
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb, maxYoungGenerationSizeMb: 64 },
    });
    return this.worker;
  }
}
