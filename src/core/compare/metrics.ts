// All per-pair metrics in one streaming pass with float64 accumulators. The hot loop is a
// single monomorphic typed-array loop per chunk: no per-element calls, no allocation.
import type { DiffHistogram, PairResult, SideStats } from './types';
import { kernels } from '../kernels';
import { bf16ToF32, decodeLE } from '../tensors/decode';
import { accumulate, accumulateSimd, countExponents } from './metricsLoop';
import { EXACT_CELLS, addCells, exactValue } from '../kernels/exactSum';
import {
  N,
  BOTH,
  SUM_ABS,
  SUM_SQ,
  MAX_ABS,
  MAX_IDX,
  MAX_REL,
  SUM_R2,
  SUM_C2,
  DOT,
  MISMATCH,
  NAN_R,
  NAN_C,
  INF_R,
  INF_C,
  CNT_R,
  MIN_R,
  MAX_R,
  SHIFT_R,
  S_R,
  S_R2,
  CNT_C,
  MIN_C,
  MAX_C,
  SHIFT_C,
  S_C,
  S_C2,
  ATOL,
  RTOL,
  SLOTS,
} from './metricsLoop';

export { countExponents };

export { REL_EPS } from './metricsLoop';
export const HIST_MIN_EXP = -40;
export const HIST_MAX_EXP = 20;
const FIRST_N = 10;

/** The metric fields of a pair result, as one pass produces them (stats and histogram always set). */
export type MetricValues = Pick<
  PairResult,
  | 'numel'
  | 'max_abs'
  | 'max_abs_index'
  | 'mean_abs'
  | 'rmse'
  | 'max_rel'
  | 'rel_l2'
  | 'cosine'
  | 'sqnr_db'
  | 'mismatch'
  | 'mismatch_ratio'
  | 'nan_ref'
  | 'nan_cand'
  | 'inf_ref'
  | 'inf_cand'
> &
  Required<Pick<PairResult, 'ref_stats' | 'cand_stats' | 'histogram'>>;

type Chunk = Float32Array | Float64Array;
/**
 * What update() takes: values, or bfloat16 bit patterns (a Uint16Array, from
 * tensors' valueChunks) that the kernel decodes inside its pass.
 */
export type MetricChunk = Chunk | Uint16Array;

function valueAt(a: MetricChunk, k: number): number {
  return a instanceof Uint16Array ? bf16ToF32(a[k]) : a[k];
}

/** Values of a chunk (bfloat16 bit patterns decoded, for the TypeScript path). */
function values(a: MetricChunk): Chunk {
  return a instanceof Uint16Array ? (decodeLE('BF16', new Uint8Array(a.buffer, a.byteOffset, a.byteLength), a.length) as Float32Array) : a;
}

export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    out[i] = d > 0 ? flat % d : 0;
    flat = d > 0 ? Math.floor(flat / d) : 0;
  }
  return out;
}

/** Length of MetricAccumulator.partial(): the state, the 257 exponent slots, the exact sums. */
export const PARTIAL_SLOTS = SLOTS + 257 + EXACT_CELLS;
const COUNTS = [BOTH, MISMATCH, NAN_R, NAN_C, INF_R, INF_C, CNT_R, CNT_C];
const SUMS = [SUM_ABS, SUM_SQ, SUM_R2, SUM_C2, DOT, S_R, S_R2, S_C, S_C2];

/** Folds exponent slots into bins [2^e, 2^(e+1)) for e in [minExp, maxExp). NaN (slot 255) is left out. */
export function foldHistogram(slots: Float64Array): DiffHistogram {
  const lo = HIST_MIN_EXP + 127;
  const hi = HIST_MAX_EXP + 127;
  const counts: number[] = [];
  for (let e = lo; e < hi; e++) counts.push(slots[e]);
  let below = 0;
  for (let e = 0; e < lo; e++) below += slots[e];
  let above = 0;
  for (let e = hi; e < 255; e++) above += slots[e];
  return { minExp: HIST_MIN_EXP, maxExp: HIST_MAX_EXP, counts, zero: slots[256], below, above };
}

export class MetricAccumulator {
  private readonly st = new Float64Array(SLOTS);
  private readonly firstR: number[] = [];
  private readonly firstC: number[] = [];
  private readonly slots = new Float64Array(257);
  /** The kernel's sums, exact (kernels/exactSum.ts); st's SUM slots hold the TypeScript path's. */
  private readonly exact = new Float64Array(EXACT_CELLS);
  private scratch = new Float32Array(0);

  constructor(atol: number, rtol: number) {
    const st = this.st;
    st[MAX_ABS] = -1;
    st[MAX_IDX] = -1;
    st[MAX_REL] = -1;
    st[MIN_R] = st[MIN_C] = Infinity;
    st[MAX_R] = st[MAX_C] = -Infinity;
    st[SHIFT_R] = st[SHIFT_C] = NaN;
    st[ATOL] = atol;
    st[RTOL] = rtol;
  }

  /**
   * Consumes aligned chunks (same length, reference layout) and returns |cand − ref| per
   * element as float32 (NaN where either side is not finite), valid until the next call.
   */
  update(ref: MetricChunk, cand: MetricChunk): Float32Array {
    const len = ref.length;
    if (cand.length !== len) throw new Error('internal: misaligned chunks');
    if (this.firstR.length < FIRST_N) {
      for (let k = 0; k < len && this.firstR.length < FIRST_N; k++) {
        this.firstR.push(valueAt(ref, k));
        this.firstC.push(valueAt(cand, k));
      }
    }
    const st = this.st;
    // The shift must be fixed before the first finite value is accumulated, and never change.
    if (Number.isNaN(st[SHIFT_R])) {
      st[SHIFT_R] = firstFinite(ref);
      if (!Number.isNaN(st[SHIFT_R])) st[MIN_R] = st[MAX_R] = st[SHIFT_R];
    }
    if (Number.isNaN(st[SHIFT_C])) {
      st[SHIFT_C] = firstFinite(cand);
      if (!Number.isNaN(st[SHIFT_C])) st[MIN_C] = st[MAX_C] = st[SHIFT_C];
    }
    const k = !(ref instanceof Float64Array) && !(cand instanceof Float64Array) ? kernels() : null;
    if (k) return accumulateSimd(k, ref as Float32Array | Uint16Array, cand as Float32Array | Uint16Array, st, this.slots, this.exact);
    if (this.scratch.length < len) this.scratch = new Float32Array(len);
    const out = this.scratch.length === len ? this.scratch : this.scratch.subarray(0, len);
    accumulate(values(ref), values(cand), out, st);
    countExponents(new Uint32Array(out.buffer, out.byteOffset, out.length), this.slots);
    return out;
  }

  /**
   * An accumulator for one slice [start, …) of a pair whose shifts are already known (the
   * worker pool, parallel.ts): min/max start at the shift, as update() sets them.
   */
  static slice(atol: number, rtol: number, shiftR: number, shiftC: number, start: number): MetricAccumulator {
    const a = new MetricAccumulator(atol, rtol);
    const st = a.st;
    st[SHIFT_R] = st[MIN_R] = st[MAX_R] = shiftR;
    st[SHIFT_C] = st[MIN_C] = st[MAX_C] = shiftC;
    st[N] = start;
    return a;
  }

  /** The state (SLOTS numbers), the 257 exponent slots and the exact sums, one transferable array. */
  partial(): Float64Array {
    const p = new Float64Array(PARTIAL_SLOTS);
    p.set(this.st);
    p.set(this.slots, SLOTS);
    p.set(this.exact, SLOTS + 257);
    return p;
  }

  /**
   * Merges slice partials given in element order, exactly as far as float64 allows: counts
   * and extremes are exact; the sums are Neumaier-compensated over the slices, so the result
   * depends only on the slice grid, never on how many workers computed it.
   */
  static merge(
    atol: number,
    rtol: number,
    parts: readonly Float64Array[],
    firstR: readonly number[],
    firstC: readonly number[],
  ): MetricAccumulator {
    const a = new MetricAccumulator(atol, rtol);
    const st = a.st;
    a.firstR.push(...firstR.slice(0, FIRST_N));
    a.firstC.push(...firstC.slice(0, FIRST_N));
    if (!parts.length) return a;
    st[SHIFT_R] = parts[0][SHIFT_R];
    st[SHIFT_C] = parts[0][SHIFT_C];
    st[MIN_R] = st[MAX_R] = st[SHIFT_R];
    st[MIN_C] = st[MAX_C] = st[SHIFT_C];
    const comp = new Float64Array(SLOTS);
    for (const p of parts) {
      st[N] = p[N];
      for (const i of COUNTS) st[i] += p[i];
      for (const i of SUMS) {
        // Neumaier: the low-order part lost by each addition is kept in comp[i]
        const s = st[i] + p[i];
        comp[i] += Math.abs(st[i]) >= Math.abs(p[i]) ? st[i] - s + p[i] : p[i] - s + st[i];
        st[i] = s;
      }
      if (p[MAX_ABS] > st[MAX_ABS]) {
        st[MAX_ABS] = p[MAX_ABS];
        st[MAX_IDX] = p[MAX_IDX];
      }
      if (p[MAX_REL] > st[MAX_REL]) st[MAX_REL] = p[MAX_REL];
      if (p[MIN_R] < st[MIN_R]) st[MIN_R] = p[MIN_R];
      if (p[MAX_R] > st[MAX_R]) st[MAX_R] = p[MAX_R];
      if (p[MIN_C] < st[MIN_C]) st[MIN_C] = p[MIN_C];
      if (p[MAX_C] > st[MAX_C]) st[MAX_C] = p[MAX_C];
      for (let i = 0; i < 257; i++) a.slots[i] += p[SLOTS + i];
      addCells(a.exact, p, SLOTS + 257);
    }
    for (const i of SUMS) st[i] += comp[i];
    return a;
  }

  finish(shape: readonly number[]): MetricValues {
    const st = this.st;
    // the kernel's exact sums join the TypeScript path's (one of the two is usually 0)
    SUMS.forEach((slot, i) => (st[slot] += exactValue(this.exact, i)));
    this.exact.fill(0);
    const n = st[N];
    const both = st[BOTH];
    const has = both > 0;
    const sumSq = st[SUM_SQ];
    const sumR2 = st[SUM_R2];
    const relL2 = sumR2 > 0 ? Math.sqrt(sumSq / sumR2) : sumSq === 0 ? 0 : Infinity;
    const denom = Math.sqrt(sumR2) * Math.sqrt(st[SUM_C2]);
    return {
      numel: n,
      max_abs: has ? st[MAX_ABS] : null,
      max_abs_index: has && st[MAX_IDX] >= 0 ? unravel(st[MAX_IDX], shape) : null,
      mean_abs: has ? st[SUM_ABS] / both : null,
      rmse: has ? Math.sqrt(sumSq / both) : null,
      max_rel: has ? finiteOrNull(st[MAX_REL]) : null,
      rel_l2: has ? finiteOrNull(relL2) : null,
      cosine: has && denom > 0 ? Math.max(-1, Math.min(1, st[DOT] / denom)) : null,
      sqnr_db: has && sumSq > 0 && sumR2 > 0 ? 10 * Math.log10(sumR2 / sumSq) : null,
      mismatch: st[MISMATCH],
      mismatch_ratio: n > 0 ? st[MISMATCH] / n : 0,
      nan_ref: st[NAN_R],
      nan_cand: st[NAN_C],
      inf_ref: st[INF_R],
      inf_cand: st[INF_C],
      ref_stats: sideStats(st[CNT_R], st[MIN_R], st[MAX_R], st[SHIFT_R], st[S_R], st[S_R2], this.firstR),
      cand_stats: sideStats(st[CNT_C], st[MIN_C], st[MAX_C], st[SHIFT_C], st[S_C], st[S_C2], this.firstC),
      histogram: foldHistogram(this.slots),
    };
  }
}

function firstFinite(a: MetricChunk): number {
  for (let k = 0; k < a.length; k++) {
    const v = valueAt(a, k);
    if (Number.isFinite(v)) return v;
  }
  return NaN;
}

export function sideStats(cnt: number, min: number, max: number, shift: number, s: number, s2: number, first: number[]): SideStats {
  const firstJson = first.map(finiteOrNull);
  if (cnt === 0) return { min: null, max: null, mean: null, std: null, first: firstJson };
  const m = s / cnt;
  const variance = Math.max(0, s2 / cnt - m * m);
  return { min, max, mean: shift + m, std: Math.sqrt(variance), first: firstJson };
}

// Warm the hot loops on a few values of every kind (finite, NaN, ±Inf; float32 and float64)
// so V8 has type feedback for every branch before it optimizes them mid-loop; without it,
// each big chunk deoptimizes on the first rare branch or on the code after the loop.
(function warmUp(): void {
  const vals = [0, 1.5, -2, NaN, Infinity, -Infinity, 1e-30, 3];
  const a32 = Float32Array.from(vals);
  const b32 = Float32Array.from([...vals].reverse());
  const a64 = Float64Array.from(vals);
  const b64 = Float64Array.from([...vals].reverse());
  for (let i = 0; i < 200; i++) {
    for (const [a, b] of [
      [a32, b32],
      [a64, b64],
      [a32, b64],
      [a64, b32],
    ] as const) {
      new MetricAccumulator(1e-5, 1e-5).update(a, b);
    }
  }
})();
