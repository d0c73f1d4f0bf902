// Streaming summary statistics of a tensor, accumulated in float64: min/max over non-NaN
// values (so ±inf show up), mean/std (population, ddof=0) over finite values, NaN and ±inf
// counts, and the first values in row-major order. Each chunk takes one pass (sums of the
// values and squares shifted by one of its values, so they do not cancel), and chunks are
// merged with Chan's formula.
import type { FloatChunk, TensorSource } from './types';
import { kernels } from '../kernels';

export interface TensorStats {
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  readonly nan: number;
  readonly inf: number;
  /** Finite values counted in mean/std. */
  readonly finite: number;
  readonly first: number[];
}

export class StatsAccumulator {
  private min = Infinity;
  private max = -Infinity;
  private anyOrdered = false;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private nan = 0;
  private inf = 0;
  private readonly first: number[] = [];

  constructor(private readonly keepFirst = 10) {}

  add(c: FloatChunk): void {
    const len = c.length;
    for (let i = 0; this.first.length < this.keepFirst && i < len; i++) this.first.push(c[i]);
    // shift by one finite value of the chunk so the one-pass sum of squares does not cancel
    let shift = 0;
    for (let i = 0; i < len; i++) {
      if (c[i] - c[i] === 0) {
        shift = c[i];
        break;
      }
    }
    // The SIMD kernel (float32 only) does it all in one pass: min/max over non-NaN values,
    // shifted sums over finite values in fast32's two lanes, NaN and non-finite counts.
    const simd = c instanceof Float32Array ? kernels() : null;
    if (simd) return this.merge(simd.statsF32(c as Float32Array, shift), len, shift);
    // most chunks are all finite: a branch-free, two-lane loop; a NaN or inf shows up as a
    // non-finite sum, and then the chunk is counted again by the careful loop
    let k = c instanceof Float32Array ? fast32(c, shift) : fast64(c, shift);
    if (!Number.isFinite(k.s1 + k.s2)) k = c instanceof Float32Array ? kernel32(c, shift) : kernel64(c, shift);
    let { lo, hi } = k;
    let nan = 0;
    if (k.bad > 0) {
      for (let i = 0; i < len; i++) {
        const v = c[i];
        if (v !== v) nan++;
        else if (v === Infinity) hi = Infinity;
        else if (v === -Infinity) lo = -Infinity;
      }
    }
    this.merge({ lo, hi, s1: k.s1, s2: k.s2, bad: k.bad, nan }, len, shift);
  }

  /** Merges one chunk's partial (lo/hi over non-NaN values) with Chan's formula. */
  private merge(k: ChunkSums & { nan: number }, len: number, shift: number): void {
    const { lo, hi, nan } = k;
    const cnt = len - k.bad;
    const inf = k.bad - nan;
    if (cnt > 0) {
      const mu = shift + k.s1 / cnt;
      const m2 = Math.max(0, k.s2 - (k.s1 * k.s1) / cnt);
      const total = this.n + cnt;
      const delta = mu - this.mean;
      this.mean += (delta * cnt) / total;
      this.m2 += m2 + (delta * delta * this.n * cnt) / total;
      this.n = total;
    }
    if (cnt + inf > 0) {
      this.anyOrdered = true;
      if (lo < this.min) this.min = lo;
      if (hi > this.max) this.max = hi;
    }
    this.nan += nan;
    this.inf += inf;
  }

  result(): TensorStats {
    return {
      min: this.anyOrdered ? this.min : null,
      max: this.anyOrdered ? this.max : null,
      mean: this.n ? this.mean : null,
      std: this.n ? Math.sqrt(this.m2 / this.n) : null,
      nan: this.nan,
      inf: this.inf,
      finite: this.n,
      first: this.first,
    };
  }
}

/** Streams one tensor; wide integers (I32/U32/I64/U64) are read exactly, as float64. */
export async function tensorStats(src: TensorSource, name: string, options: { signal?: AbortSignal } = {}): Promise<TensorStats> {
  const acc = new StatsAccumulator();
  for await (const c of src.chunks(name, { ...options, float64: true })) acc.add(c);
  return acc.result();
}

/** One chunk's sums, shifted by the first value (lo/hi over non-NaN values, bad = NaN + ±Inf). */
interface ChunkSums {
  lo: number;
  hi: number;
  s1: number;
  s2: number;
  bad: number;
}

// Two copies of each loop so each stays monomorphic (one array type) for the JIT.
function fast32(c: Float32Array, shift: number): ChunkSums {
  let lo = Infinity;
  let hi = -Infinity;
  let a1 = 0;
  let a2 = 0;
  let b1 = 0;
  let b2 = 0;
  const n = c.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v = c[i];
    const w = c[i + 1];
    const dv = v - shift;
    const dw = w - shift;
    a1 += dv;
    a2 += dv * dv;
    b1 += dw;
    b2 += dw * dw;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  if (i < n) {
    const v = c[i];
    const dv = v - shift;
    a1 += dv;
    a2 += dv * dv;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi, s1: a1 + b1, s2: a2 + b2, bad: 0 };
}

function fast64(c: Float64Array, shift: number): ChunkSums {
  let lo = Infinity;
  let hi = -Infinity;
  let a1 = 0;
  let a2 = 0;
  let b1 = 0;
  let b2 = 0;
  const n = c.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v = c[i];
    const w = c[i + 1];
    const dv = v - shift;
    const dw = w - shift;
    a1 += dv;
    a2 += dv * dv;
    b1 += dw;
    b2 += dw * dw;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  if (i < n) {
    const v = c[i];
    const dv = v - shift;
    a1 += dv;
    a2 += dv * dv;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi, s1: a1 + b1, s2: a2 + b2, bad: 0 };
}

function kernel32(c: Float32Array, shift: number): ChunkSums {
  let lo = Infinity;
  let hi = -Infinity;
  let s1 = 0;
  let s2 = 0;
  let bad = 0;
  for (let i = 0; i < c.length; i++) {
    const v = c[i];
    if (v - v !== 0) {
      bad++;
      continue;
    }
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi, s1, s2, bad };
}

function kernel64(c: Float64Array, shift: number): ChunkSums {
  let lo = Infinity;
  let hi = -Infinity;
  let s1 = 0;
  let s2 = 0;
  let bad = 0;
  for (let i = 0; i < c.length; i++) {
    const v = c[i];
    if (v - v !== 0) {
      bad++;
      continue;
    }
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi, s1, s2, bad };
}
