// Runs the parity engine in a worker thread. Used by the CLI and the extension host.
import { CompareInputError, type CompareHooks } from './engine';
import { defaultWorkerFile, startWorker } from './workerPool';
import type { CompareOptions, CompareOutput } from './types';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

export { defaultWorkerFile };

function abortError(): Error {
  const e = new Error('comparison cancelled');
  e.name = 'AbortError';
  return e;
}

export function compareInWorker(
  options: CompareOptions,
  hooks: CompareHooks = {},
  workerFile = defaultWorkerFile(),
): Promise<CompareOutput> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) return reject(abortError());
    const worker = startWorker(workerFile);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      // terminate() stops the thread even inside a long loop; nothing is left running.
      void worker.terminate();
      fn();
    };
    // Cancelling settles at once, even if the worker was about to finish.
    const onAbort = () => finish(() => reject(abortError()));
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') hooks.onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.output));
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
