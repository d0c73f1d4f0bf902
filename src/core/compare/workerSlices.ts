// The worker side of the compare pool (workerPool.ts): measures a run of fixed slices of one
// pair and posts one partial per slice, and pools its |diff| into its own heatmap partial
// when a heatmap is wanted. Runs inside dist/compareWorker.js.
import { openTensors, valueChunks, type TensorSource } from '../tensors';
import { HeatmapAccumulator, type HeatGeometry, type HeatOptions, type HeatPartial } from '../images/heatmap';
import { Cursor } from './cursor';
import { MetricAccumulator } from './metrics';

/** One pair as the pool measures it; shifts and slice size are fixed by the caller. */
export interface SliceJob {
  readonly refPath: string;
  readonly candPath: string;
  readonly refName: string;
  readonly candName: string;
  readonly numel: number;
  readonly atol: number;
  readonly rtol: number;
  readonly shiftR: number;
  readonly shiftC: number;
  readonly sliceElements: number;
  /** The heatmap to pool |diff| into (max reduction), when one is wanted. */
  readonly heat?: { readonly geometry: HeatGeometry; readonly options: HeatOptions };
}

export type PoolRequest =
  | {
      readonly type: 'slices';
      readonly id: number;
      /** The comparison: files opened for another one are closed and opened again. */
      readonly session: number;
      readonly job: SliceJob;
      readonly from: number;
      readonly to: number;
    }
  | { readonly type: 'release' };

export type SliceReply =
  | { readonly type: 'slice'; readonly id: number; readonly index: number; readonly partial: Float64Array }
  | { readonly type: 'slicesDone'; readonly id: number; readonly heat?: HeatPartial }
  | { readonly type: 'slicesError'; readonly id: number; readonly message: string };

// Sources stay open for one comparison (its pairs often share files), closed by release().
const open = new Map<string, Promise<TensorSource>>();
let openFor = 0;

/** Closes the files opened for the last comparison. */
export async function release(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  await Promise.all(all.map(async (s) => (await s.catch(() => null))?.close()));
}

function source(path: string): Promise<TensorSource> {
  let s = open.get(path);
  if (!s) {
    s = openTensors(path);
    open.set(path, s);
  }
  return s;
}

/**
 * Slices [from, to) of the job, each measured on its own; `post` receives each partial in
 * order. Returns the heatmap partial of the whole run, when the job asks for one.
 */
export async function measureSlices(
  session: number,
  job: SliceJob,
  from: number,
  to: number,
  post: (index: number, partial: Float64Array) => void,
): Promise<HeatPartial | undefined> {
  if (session !== openFor) {
    await release();
    openFor = session;
  }
  const [ref, cand] = await Promise.all([source(job.refPath), source(job.candPath)]);
  const B = job.sliceElements;
  const start = from * B;
  const end = Math.min(job.numel, to * B);
  // chunks of B elements from a multiple of B: the same chunks a whole-tensor read gives
  // (each chunk is consumed before the next is asked for: two read buffers per side, reused;
  // bfloat16 stays bit patterns: the metric kernel decodes it inside its pass)
  const opts = { chunkElements: B, float64: true, start, end, reuse: true };
  const r = new Cursor(valueChunks(ref, job.refName, opts)[Symbol.asyncIterator]());
  const c = new Cursor(valueChunks(cand, job.candName, opts)[Symbol.asyncIterator]());
  const heat = job.heat ? new HeatmapAccumulator(job.heat.geometry, job.heat.options) : null;
  heat?.seek(start);
  try {
    for (let s = from; s < to; s++) {
      const lo = s * B;
      const hi = Math.min(end, lo + B);
      const acc = MetricAccumulator.slice(job.atol, job.rtol, job.shiftR, job.shiftC, lo);
      for (let at = lo; at < hi;) {
        const ra = await r.available();
        const ca = await c.available();
        if (ra === 0 || ca === 0) throw new Error(`tensor ${JSON.stringify(ra === 0 ? job.refName : job.candName)} ended early`);
        const m = Math.min(ra, ca, hi - at);
        const d = acc.update(r.take(m), c.take(m));
        heat?.add(d);
        at += m;
      }
      post(s, acc.partial());
    }
    return heat?.partial();
  } finally {
    await Promise.all([r.close(), c.close()]);
  }
}
