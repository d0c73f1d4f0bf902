// All cores for large pairs: a pool of compare worker threads, each reading and measuring its
// own run of fixed slices of the pair (workerSlices.ts), merged in element order
// (MetricAccumulator.merge). The slice grid is fixed (SLICE_ELEMENTS from element 0), so the
// numbers are the same bits whatever the pool size. Memory per worker: two slices of input
// plus one read ahead per side and the kernel's copies (about 10 × 4 MB), and its V8 heap.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TensorInfo, TensorSource } from '../tensors';
import { MetricAccumulator } from './metrics';
import type { SliceJob, SliceReply, SliceRequest } from './workerSlices';

/** Most workers a pool starts, whatever the machine has. */
const POOL_CAP = 8;
/** Pairs below this many elements stay on the calling thread (starting workers costs more). */
export const POOL_MIN_ELEMENTS = 1 << 23;
/** The fixed slice grid: one partial per this many elements. */
const SLICE_ELEMENTS = 1 << 20;

/** Workers a comparison uses by default: the available parallelism, capped; 0 on one core. */
export function defaultPoolSize(): number {
  const p = availableParallelism();
  return p >= 2 ? Math.min(p, POOL_CAP) : 0;
}

/**
 * dist/compareWorker.js next to the bundle; when running unbundled from src/ (tests, dev),
 * the built worker of the checkout, else the TypeScript source.
 */
export function defaultWorkerFile(): string {
  for (const f of [join(__dirname, 'compareWorker.js'), join(__dirname, '..', '..', '..', 'dist', 'compareWorker.js')]) {
    if (existsSync(f)) return f;
  }
  return join(__dirname, 'worker.ts');
}

export function startWorker(file: string): Worker {
  // Unbundled and unbuilt: load the TypeScript entry through tsx's require hook.
  return file.endsWith('.ts') ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true }) : new Worker(file);
}

function abortError(): Error {
  const e = new Error('comparison cancelled');
  e.name = 'AbortError';
  return e;
}

export class ComparePool {
  private workers: Worker[] = [];
  private nextId = 1;

  constructor(
    readonly size: number,
    private readonly file = defaultWorkerFile(),
  ) {}

  /**
   * The per-slice partials of one pair, in element order. `progress` gets the elements done.
   * Rejects with the worker's message on a read error, with an AbortError when cancelled.
   */
  /** Starts up to `n` workers now (they load the bundle and the kernels while the caller reads headers). */
  start(n = this.size): void {
    while (this.workers.length < Math.min(n, this.size)) this.workers.push(startWorker(this.file));
  }

  measure(job: SliceJob, signal?: AbortSignal, progress?: (done: number) => void): Promise<Float64Array[]> {
    const slices = Math.ceil(job.numel / job.sliceElements);
    const n = Math.max(1, Math.min(this.size, slices));
    this.start(n);
    const parts = new Array<Float64Array>(slices);
    const id = this.nextId++;
    let doneSlices = 0;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      let pending = n;
      let settled = false;
      const cleanups: (() => void)[] = [];
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        for (const c of cleanups) c();
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          // a failed or cancelled pair leaves no worker mid-slice behind
          void this.close();
          reject(err);
        } else resolve(parts);
      };
      const onAbort = () => finish(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      for (let w = 0; w < n; w++) {
        const worker = this.workers[w];
        const onMessage = (m: SliceReply) => {
          if (m.id !== id) return;
          if (m.type === 'slice') {
            parts[m.index] = m.partial;
            doneSlices++;
            progress?.(Math.min(job.numel, doneSlices * job.sliceElements));
          } else if (m.type === 'slicesError') finish(new Error(m.message));
          else if (--pending === 0) finish();
        };
        const onError = (e: Error) => finish(e);
        const onExit = (code: number) => finish(new Error(`compare pool worker exited unexpectedly (code ${code})`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
        // contiguous runs of slices: each worker reads its part of the file front to back
        const from = Math.floor((w * slices) / n);
        const to = Math.floor(((w + 1) * slices) / n);
        worker.postMessage({ type: 'slices', id, job, from, to } satisfies SliceRequest);
      }
    });
  }

  /** Stops every worker (also in the middle of a slice). */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

/** Elements read on the calling thread for the first values and the shifts. */
const HEAD_ELEMENTS = 1 << 16;

async function head(src: TensorSource, info: TensorInfo, signal?: AbortSignal): Promise<Float32Array | Float64Array> {
  const end = Math.min(info.numel, HEAD_ELEMENTS);
  for await (const c of src.chunks(info.name, { chunkElements: end, end, float64: true, signal })) return c;
  return new Float32Array(0);
}

function firstFinite(a: Float32Array | Float64Array): number {
  for (let k = 0; k < a.length; k++) if (Number.isFinite(a[k])) return a[k];
  return NaN;
}

/**
 * One real, same-order pair measured by the pool: the accumulator to finish(), or null when
 * a side has no finite value near its start (the calling thread then measures it, as before).
 * `ref` and `cand` must be sources opened by path with default options (runCompare's), as
 * every worker opens the same paths again.
 */
export async function measureInPool(
  pool: ComparePool,
  sides: { ref: TensorSource; cand: TensorSource; refInfo: TensorInfo; candInfo: TensorInfo },
  tol: { atol: number; rtol: number },
  signal?: AbortSignal,
  progress?: (done: number) => void,
): Promise<MetricAccumulator | null> {
  const [hr, hc] = await Promise.all([head(sides.ref, sides.refInfo, signal), head(sides.cand, sides.candInfo, signal)]);
  const shiftR = firstFinite(hr);
  const shiftC = firstFinite(hc);
  if (Number.isNaN(shiftR) || Number.isNaN(shiftC)) return null;
  const job: SliceJob = {
    refPath: sides.ref.path,
    candPath: sides.cand.path,
    refName: sides.refInfo.name,
    candName: sides.candInfo.name,
    numel: sides.refInfo.numel,
    atol: tol.atol,
    rtol: tol.rtol,
    shiftR,
    shiftC,
    sliceElements: SLICE_ELEMENTS,
  };
  const parts = await pool.measure(job, signal, progress);
  return MetricAccumulator.merge(tol.atol, tol.rtol, parts, Array.from(hr.subarray(0, 10)), Array.from(hc.subarray(0, 10)));
}
