// All cores for large pairs: a pool of compare worker threads, each reading and measuring its
// own run of fixed slices of the pair (workerSlices.ts), merged in element order
// (MetricAccumulator.merge). The slice grid is fixed (SLICE_ELEMENTS from element 0), so the
// numbers are the same bits whatever the pool size. Memory per worker: two slices of input
// plus one read ahead per side and the kernel's copies (about 10 × 4 MB), and its V8 heap.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TensorInfo, TensorSource } from '../tensors';
import type { HeatmapAccumulator, HeatPartial } from '../images/heatmap';
import { MetricAccumulator } from './metrics';
import type { PoolRequest, SliceJob, SliceReply } from './workerSlices';

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
 * The worker entry of the code that is running: the bundle's dist/compareWorker.js next to it,
 * or, running unbundled from src/ (tests, dev, through tsx), the TypeScript source, never a
 * bundle of some earlier build.
 */
export function defaultWorkerFile(): string {
  return __filename.endsWith('.ts') ? join(__dirname, 'worker.ts') : join(__dirname, 'compareWorker.js');
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

/** What the workers measured of one pair: a partial per slice, in element order, and their heatmap partials. */
export interface PoolResult {
  readonly parts: Float64Array[];
  readonly heat: HeatPartial[];
}

let sessions = 0;

/**
 * Worker threads that stay up between pairs and between comparisons (idle workers do not keep
 * the process alive); a failed or cancelled pair stops them all and the next pair starts new ones.
 */
export class ComparePool {
  private workers: Worker[] = [];
  private nextId = 1;
  private running = 0;
  private stopped: (() => void)[] = [];
  /** The comparison whose files the workers keep open; a new one makes them reopen. */
  private session = ++sessions;
  /** Pairs measured so far (for tests and benchmarks). */
  measured = 0;

  constructor(
    readonly size: number,
    private readonly file = defaultWorkerFile(),
  ) {}

  /** Starts up to `n` workers now (they load the bundle and the kernels while the caller reads headers). */
  start(n = this.size): void {
    while (this.workers.length < Math.min(n, this.size)) {
      const w = startWorker(this.file);
      this.running++;
      w.once('exit', () => {
        if (--this.running === 0) for (const f of this.stopped.splice(0)) f();
      });
      this.workers.push(w);
    }
  }

  /** Worker threads alive (started and not yet exited). */
  get alive(): number {
    return this.running;
  }

  /** Resolves once no worker thread of this pool is alive. */
  whenStopped(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.stopped.push(r));
  }

  /**
   * Ends a comparison: the workers close the files they opened and wait, not keeping the
   * process alive; the next comparison reopens its files (they may have been rewritten).
   */
  release(): void {
    this.session = ++sessions;
    for (const w of this.workers) {
      w.postMessage({ type: 'release' } satisfies PoolRequest);
      w.unref();
    }
  }

  /**
   * The per-slice partials of one pair, in element order, and each worker's heatmap partial
   * (when the job has a heatmap). `progress` gets the elements done. Each worker gets one
   * contiguous run of slices in one request. Rejects with the worker's message on a read
   * error, with an AbortError when cancelled.
   */
  measure(job: SliceJob, signal?: AbortSignal, progress?: (done: number) => void): Promise<PoolResult> {
    const slices = Math.ceil(job.numel / job.sliceElements);
    const n = Math.max(1, Math.min(this.size, slices));
    this.start(n);
    const parts = new Array<Float64Array>(slices);
    const heat: HeatPartial[] = [];
    const id = this.nextId++;
    const session = this.session;
    this.measured++;
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
        for (const w of this.workers) w.unref();
        if (err) {
          // a failed or cancelled pair leaves no worker mid-slice behind
          void this.close();
          reject(err);
        } else resolve({ parts, heat });
      };
      const onAbort = () => finish(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      for (let w = 0; w < n; w++) {
        const worker = this.workers[w];
        worker.ref();
        const onMessage = (m: SliceReply) => {
          if (m.id !== id) return;
          if (m.type === 'slice') {
            parts[m.index] = m.partial;
            doneSlices++;
            progress?.(Math.min(job.numel, doneSlices * job.sliceElements));
          } else if (m.type === 'slicesError') finish(new Error(m.message));
          else {
            if (m.heat) heat.push(m.heat);
            if (--pending === 0) finish();
          }
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
        worker.postMessage({ type: 'slices', id, session, job, from, to } satisfies PoolRequest);
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

// Pools whose comparison ended, their workers up and waiting (the two last, per thread: a
// benchmark alternating pool sizes keeps both warm).
const idle: ComparePool[] = [];
const KEEP_IDLE = 2;

/** A pool of `size` workers for one comparison: a waiting one when there is, else a new one. */
export function takePool(size: number): ComparePool {
  const i = idle.findIndex((p) => p.size === size);
  return i >= 0 ? idle.splice(i, 1)[0] : new ComparePool(size);
}

/** Gives a pool back when its comparison ends: its workers close their files and wait for the next. */
export function givePool(pool: ComparePool): void {
  if (pool.alive === 0) return;
  pool.release();
  idle.unshift(pool);
  for (const old of idle.splice(KEEP_IDLE)) void old.close();
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
 * every worker opens the same paths again. `heat` (a fresh accumulator with the max
 * reduction) receives the merged heatmap partials of the workers.
 */
export async function measureInPool(
  pool: ComparePool,
  sides: { ref: TensorSource; cand: TensorSource; refInfo: TensorInfo; candInfo: TensorInfo },
  tol: { atol: number; rtol: number },
  signal?: AbortSignal,
  progress?: (done: number) => void,
  heat?: HeatmapAccumulator | null,
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
    ...(heat ? { heat: { geometry: heat.geometry, options: heat.options } } : {}),
  };
  const { parts, heat: maps } = await pool.measure(job, signal, progress);
  for (const m of maps) heat?.absorb(m);
  return MetricAccumulator.merge(tol.atol, tol.rtol, parts, Array.from(hr.subarray(0, 10)), Array.from(hc.subarray(0, 10)));
}
