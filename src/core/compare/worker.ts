// Worker-thread entry (bundled as dist/compareWorker.js): runs the engine off the main thread
// so the extension host and the CLI stay responsive, reports progress, honours cancellation.
// The same file serves the worker pool of large pairs (workerPool.ts: 'slices' requests).
import { parentPort } from 'node:worker_threads';
import { runCompare } from './engine';
import type { WorkerReply, WorkerRequest } from './workerProtocol';
import { measureSlices, release, type PoolRequest, type SliceReply } from './workerSlices';

const port = parentPort;
if (port) {
  const abort = new AbortController();
  port.on('message', (msg: WorkerRequest | PoolRequest) => {
    if (msg.type === 'release') {
      void release();
      return;
    }
    if (msg.type === 'slices') {
      const id = msg.id;
      const reply = (m: SliceReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
      measureSlices(msg.session, msg.job, msg.from, msg.to, (index, partial) =>
        reply({ type: 'slice', id, index, partial }, [partial.buffer as ArrayBuffer]),
      ).then(
        (heat) => {
          const maps = heat ? [heat.main.buffer, heat.chanMax.buffer, ...(heat.chanMaps ? [heat.chanMaps.buffer] : [])] : [];
          reply({ type: 'slicesDone', id, heat }, maps as ArrayBuffer[]);
        },
        (e: unknown) => reply({ type: 'slicesError', id, message: (e as Error)?.message ?? String(e) }),
      );
      return;
    }
    if (msg.type === 'cancel') {
      abort.abort();
      return;
    }
    if (msg.type !== 'run') return;
    const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
    runCompare(msg.options, { signal: abort.signal, onProgress: (progress) => post({ type: 'progress', progress }) }).then(
      (output) => {
        // Heatmap arrays move to the caller instead of being copied.
        const buffers = new Set<ArrayBuffer>();
        for (const h of Object.values(output.heatmaps)) {
          buffers.add(h.main.data.buffer as ArrayBuffer);
          for (const c of h.channels) buffers.add(c.data.buffer as ArrayBuffer);
        }
        post({ type: 'done', output }, [...buffers]);
      },
      (e: unknown) => post({ type: 'error', name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) }),
    );
  });
}
