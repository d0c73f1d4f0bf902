// Streaming summary statistics of a tensor, accumulated in float64: min/max over non-NaN
// values (so ±inf show up), mean/std (population, ddof=0) over finite values, NaN and ±inf
// counts, and the first values in row-major order. Chunks are merged with Chan's formula,
// each chunk taking two passes while it is in cache, which keeps std accurate.
import type { FloatChunk, TensorSource } from './types';

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
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let cnt = 0;
    let nan = 0;
    for (let i = 0; i < len; i++) {
      const v = c[i];
      if (v - v === 0) {
        sum += v;
        cnt++;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      } else if (v !== v) nan++;
    }
    const inf = len - cnt - nan;
    if (inf > 0) {
      for (let i = 0; i < len; i++) {
        const v = c[i];
        if (v === Infinity) hi = Infinity;
        else if (v === -Infinity) lo = -Infinity;
      }
    }
    if (cnt > 0) {
      const mu = sum / cnt;
      let m2 = 0;
      for (let i = 0; i < len; i++) {
        const v = c[i];
        if (v - v === 0) {
          const d = v - mu;
          m2 += d * d;
        }
      }
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

export async function tensorStats(src: TensorSource, name: string, options: { signal?: AbortSignal } = {}): Promise<TensorStats> {
  const acc = new StatsAccumulator();
  for await (const c of src.chunks(name, options)) acc.add(c);
  return acc.result();
}
