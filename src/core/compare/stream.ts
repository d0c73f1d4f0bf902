// Streams one pair of tensors once through the metric (and heatmap) accumulators. Memory stays
// bounded: two chunk buffers, plus one window of the candidate when a layout transform reorders it.
import { outputIsFloat64 } from '../tensors/decode';
import { valueChunks, type FloatChunk, type TensorInfo, type TensorSource } from '../tensors';
import type { HeatmapAccumulator } from '../images/heatmap';
import { Gatherer, type LayoutPlan } from './layout';
import type { ComplexAccumulator } from './complexMetrics';
import { MetricAccumulator } from './metrics';
import { Cursor } from './cursor';

export interface StreamArgs {
  readonly ref: TensorSource;
  readonly cand: TensorSource;
  readonly refInfo: TensorInfo;
  readonly candInfo: TensorInfo;
  readonly plan: LayoutPlan;
  readonly acc: MetricAccumulator | ComplexAccumulator;
  /** Both sides are streamed as interleaved (re, im) pairs (either side is complex). */
  readonly complex: boolean;
  readonly heat: HeatmapAccumulator | null;
  readonly chunkElements: number;
  readonly windowElements: number;
  readonly signal?: AbortSignal;
  readonly progress: (done: number) => void;
}

export async function streamPair(a: StreamArgs): Promise<void> {
  const { acc, heat, signal } = a;
  // Counted in floats: a complex element is two of them (re, im).
  const width = a.complex ? 2 : 1;
  const n = a.refInfo.numel * width;
  // 32/64-bit integers come as float64 (exact up to 2^53): through float32, 16777217 reads as 16777216.
  // Every chunk is consumed before the next is asked for: the readers reuse their buffers.
  const opts = { chunkElements: a.chunkElements, signal, float64: true, complex: a.complex, reuse: true };
  // The metric kernel decodes bfloat16 inside its pass: such chunks stay bit patterns.
  const metric = acc instanceof MetricAccumulator ? acc : null;
  const stream = (src: TensorSource, info: TensorInfo) =>
    (metric ? valueChunks(src, info.name, opts) : src.chunks(info.name, opts))[Symbol.asyncIterator]();
  const update = (r: FloatChunk | Uint16Array, c: FloatChunk | Uint16Array): Float32Array =>
    metric ? metric.update(r, c) : (acc as ComplexAccumulator).update(r as FloatChunk, c as FloatChunk);
  const refCur = new Cursor(stream(a.ref, a.refInfo));
  const ended = (side: TensorInfo) =>
    new Error(`${side.file}: tensor ${JSON.stringify(side.name)} ended before its ${side.numel} elements`);
  try {
    if (a.plan.sameOrder) {
      const candCur = new Cursor(stream(a.cand, a.candInfo));
      try {
        let done = 0;
        while (done < n) {
          signal?.throwIfAborted();
          const ra = await refCur.available();
          const ca = await candCur.available();
          if (ra === 0 || ca === 0) throw ended(ra === 0 ? a.refInfo : a.candInfo);
          const m = Math.min(ra, ca, n - done);
          const d = update(refCur.take(m), candCur.take(m));
          heat?.add(d);
          done += m;
          a.progress(done / width);
        }
      } finally {
        await candCur.close();
      }
      return;
    }
    // Reordered candidate: gather one window of it (in reference order) per pass over it.
    const size = Math.min(n, a.windowElements * width);
    const window = outputIsFloat64(a.candInfo.dtype, true) ? new Float64Array(size) : new Float32Array(size);
    // (re, im) stay together: the pair is one more, innermost dim that the transform keeps last
    const plan = a.complex ? { ...a.plan, candView: [...a.plan.candView, 2], perm: [...a.plan.perm, a.plan.candView.length] } : a.plan;
    const gather = new Gatherer(plan);
    let done = 0;
    for (let start = 0; start < n; start += size) {
      const w = start + size <= n ? window : window.subarray(0, n - start);
      gather.reset();
      let fed = 0;
      for await (const c of a.cand.chunks(a.candInfo.name, opts)) {
        signal?.throwIfAborted();
        gather.feed(c, w, start);
        fed += c.length;
      }
      // A short stream would leave stale values in the window: refuse it.
      if (fed !== a.candInfo.numel * width) throw ended(a.candInfo);
      let at = 0;
      while (at < w.length) {
        signal?.throwIfAborted();
        const ra = await refCur.available();
        if (ra === 0) throw ended(a.refInfo);
        const m = Math.min(ra, w.length - at);
        const d = update(refCur.take(m), w.subarray(at, at + m));
        heat?.add(d);
        at += m;
        done += m;
        a.progress(done / width);
      }
    }
  } finally {
    await refCur.close();
  }
}
