// Runs the parity engine in a worker thread. Used by the CLI and the extension host.
import { CompareInputError, type CompareHooks } from './engine';
import type { Worker } from 'node:worker_threads';
import { defaultWorkerFile, startWorker } from './workerPool';
import type { CompareOptions, CompareOutput } from './types';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

export { defaultWorkerFile };

function abortError(): Error {
  const e = new Error('comparison cancelled');
  e.name = 'AbortError';
  return e;
}

/** An idle worker waits this long for the next comparison, with its pool's workers up. */
export const IDLE_MS = 120_000;

// The worker of the last comparison that ended well, waiting (unref'd) for the next one.
let idle: { worker: Worker; file: string; timer: NodeJS.Timeout } | null = null;

function takeWorker(file: string): Worker {
  const w = idle;
  idle = null;
  if (w) {
    clearTimeout(w.timer);
    if (w.file === file) {
      w.worker.ref();
      return w.worker;
    }
    void w.worker.terminate();
  }
  return startWorker(file);
}

function keepWorker(worker: Worker, file: string): void {
  if (idle) void idle.worker.terminate();
  worker.unref();
  const timer = setTimeout(() => {
    if (idle?.worker === worker) idle = null;
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idle = { worker, file, timer };
}

/**
 * Runs a comparison in a worker thread. The worker (and the pool of workers it measures large
 * pairs with) stays up for IDLE_MS after a comparison ends well, so the next one starts warm;
 * a cancelled or failed comparison stops them all.
 */
export function compareInWorker(
  options: CompareOptions,
  hooks: CompareHooks = {},
  workerFile = defaultWorkerFile(),
): Promise<CompareOutput> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) return reject(abortError());
    const worker = takeWorker(workerFile);
    let settled = false;
    const finish = (fn: () => void, keep = false) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
      // terminate() stops the thread even inside a long loop; nothing is left running.
      if (keep) keepWorker(worker, workerFile);
      else void worker.terminate();
      fn();
    };
    // Cancelling settles at once, even if the worker was about to finish.
    const onAbort = () => finish(() => reject(abortError()));
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') hooks.onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.output), true);
      else {
        const err = m.name === 'CompareInputError' ? new CompareInputError(m.message) : new Error(m.message);
        if (m.name === 'AbortError') err.name = 'AbortError';
        finish(() => reject(err));
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`compare worker exited unexpectedly (code ${code})`))));
    worker.postMessage({ type: 'run', options } satisfies WorkerRequest);
  });
}
