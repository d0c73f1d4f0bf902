// All per-pair metrics in one streaming pass with float64 accumulators. The hot loop is a
// single monomorphic typed-array loop per chunk: no per-element calls, no allocation.
import type { DiffHistogram, PairResult, SideStats } from './types';
import { K, kernels, type Kernels } from '../kernels';

/** Denominator floor of max_rel, so a zero reference value does not divide by zero. */
export const REL_EPS = 1e-12;
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

// Slots of the accumulator state. The hot loop reads and writes only this Float64Array and
// its arguments: no property access on objects, so V8 keeps one optimized version of it.
const N = 0,
  BOTH = 1,
  SUM_ABS = 2,
  SUM_SQ = 3,
  MAX_ABS = 4,
  MAX_IDX = 5,
  MAX_REL = 6,
  SUM_R2 = 7,
  SUM_C2 = 8,
  DOT = 9,
  MISMATCH = 10,
  NAN_R = 11,
  NAN_C = 12,
  INF_R = 13,
  INF_C = 14,
  CNT_R = 15,
  MIN_R = 16,
  MAX_R = 17,
  SHIFT_R = 18,
  S_R = 19,
  S_R2 = 20,
  CNT_C = 21,
  MIN_C = 22,
  MAX_C = 23,
  SHIFT_C = 24,
  S_C = 25,
  S_C2 = 26,
  ATOL = 27,
  RTOL = 28,
  SLOTS = 29;

/** One pass over aligned chunks; writes |diff| (NaN where a side is not finite) into `out`. */
function accumulate(ref: Chunk, cand: Chunk, out: Float32Array, st: Float64Array): void {
  const len = ref.length;
  const atol = st[ATOL];
  const rtol = st[RTOL];
  const base = st[N];
  const shR = st[SHIFT_R];
  const shC = st[SHIFT_C];
  let both = 0,
    sumAbs = 0,
    sumSq = 0,
    maxAbs = st[MAX_ABS],
    maxIdx = st[MAX_IDX],
    maxRel = st[MAX_REL];
  let sumR2 = 0,
    sumC2 = 0,
    dot = 0,
    mismatch = 0;
  let nanR = 0,
    nanC = 0,
    infR = 0,
    infC = 0;
  let cntR = 0,
    minR = st[MIN_R],
    maxR = st[MAX_R],
    sR = 0,
    sR2 = 0;
  let cntC = 0,
    minC = st[MIN_C],
    maxC = st[MAX_C],
    sC = 0,
    sC2 = 0;
  for (let k = 0; k < len; k++) {
    const r = ref[k];
    const c = cand[k];
    // x - x is 0 for finite x and NaN for NaN/±Inf: one test covers both sides.
    if (r - r + (c - c) === 0) {
      const d = c - r;
      const ad = Math.abs(d);
      const ar = Math.abs(r);
      sumAbs += ad;
      sumSq += d * d;
      if (ad > maxAbs) {
        maxAbs = ad;
        maxIdx = base + k;
      }
      // Divide only when the ratio can beat the current max (a division per element is the
      // slowest thing in this loop).
      const den = ar > REL_EPS ? ar : REL_EPS;
      if (ad > maxRel * den) maxRel = ad / den;
      if (ad > atol + rtol * ar) mismatch++;
      sumR2 += r * r;
      sumC2 += c * c;
      dot += r * c;
      // min/max start at the shift (a real value), so one comparison usually settles both.
      if (r < minR) minR = r;
      else if (r > maxR) maxR = r;
      const xr = r - shR;
      sR += xr;
      sR2 += xr * xr;
      if (c < minC) minC = c;
      else if (c > maxC) maxC = c;
      const xc = c - shC;
      sC += xc;
      sC2 += xc * xc;
      out[k] = ad;
      both++;
    } else {
      // Equal infinities match (as in np.isclose), and so does NaN against NaN at the same
      // position: equal_nan=True, as np.testing.assert_allclose (the copied pytest line) says.
      if (c !== r && (c === c || r === r)) mismatch++;
      if (r !== r) nanR++;
      else if (r - r !== 0) infR++;
      else {
        cntR++;
        if (r < minR) minR = r;
        if (r > maxR) maxR = r;
        const xr = r - shR;
        sR += xr;
        sR2 += xr * xr;
      }
      if (c !== c) nanC++;
      else if (c - c !== 0) infC++;
      else {
        cntC++;
        if (c < minC) minC = c;
        if (c > maxC) maxC = c;
        const xc = c - shC;
        sC += xc;
        sC2 += xc * xc;
      }
      out[k] = NaN;
    }
  }
  st[N] = base + len;
  st[BOTH] += both;
  st[SUM_ABS] += sumAbs;
  st[SUM_SQ] += sumSq;
  st[MAX_ABS] = maxAbs;
  st[MAX_IDX] = maxIdx;
  st[MAX_REL] = maxRel;
  st[SUM_R2] += sumR2;
  st[SUM_C2] += sumC2;
  st[DOT] += dot;
  st[MISMATCH] += mismatch;
  st[NAN_R] += nanR;
  st[NAN_C] += nanC;
  st[INF_R] += infR;
  st[INF_C] += infC;
  st[CNT_R] += cntR + both;
  st[MIN_R] = minR;
  st[MAX_R] = maxR;
  st[S_R] += sR;
  st[S_R2] += sR2;
  st[CNT_C] += cntC + both;
  st[MIN_C] = minC;
  st[MAX_C] = maxC;
  st[S_C] += sC;
  st[S_C2] += sC2;
}

const kst = new Float64Array(K.SLOTS);

/** accumulate() + countExponents() through the SIMD kernel (same state, same results; see kernels/index.ts). */
function accumulateSimd(k: Kernels, ref: Float32Array, cand: Float32Array, st: Float64Array, slots: Float64Array): Float32Array {
  kst[K.ATOL] = st[ATOL];
  kst[K.RTOL] = st[RTOL];
  kst[K.SHIFT_R] = st[SHIFT_R];
  kst[K.SHIFT_C] = st[SHIFT_C];
  kst[K.MAX_ABS] = st[MAX_ABS];
  kst[K.MAX_IDX] = st[MAX_IDX];
  kst[K.MAX_REL] = st[MAX_REL];
  kst[K.BASE] = st[N];
  const out = k.metricsF32(ref, cand, kst, slots);
  st[N] += ref.length;
  st[MAX_ABS] = kst[K.MAX_ABS];
  st[MAX_IDX] = kst[K.MAX_IDX];
  st[MAX_REL] = kst[K.MAX_REL];
  st[BOTH] += kst[K.BOTH];
  st[SUM_ABS] += kst[K.SUM_ABS];
  st[SUM_SQ] += kst[K.SUM_SQ];
  st[SUM_R2] += kst[K.SUM_R2];
  st[SUM_C2] += kst[K.SUM_C2];
  st[DOT] += kst[K.DOT];
  st[MISMATCH] += kst[K.MISMATCH];
  st[NAN_R] += kst[K.NAN_R];
  st[NAN_C] += kst[K.NAN_C];
  st[INF_R] += kst[K.INF_R];
  st[INF_C] += kst[K.INF_C];
  st[CNT_R] += kst[K.CNT_R] + kst[K.BOTH];
  st[CNT_C] += kst[K.CNT_C] + kst[K.BOTH];
  if (kst[K.MIN_R] < st[MIN_R]) st[MIN_R] = kst[K.MIN_R];
  if (kst[K.MAX_R] > st[MAX_R]) st[MAX_R] = kst[K.MAX_R];
  if (kst[K.MIN_C] < st[MIN_C]) st[MIN_C] = kst[K.MIN_C];
  if (kst[K.MAX_C] > st[MAX_C]) st[MAX_C] = kst[K.MAX_C];
  st[S_R] += kst[K.S_R];
  st[S_R2] += kst[K.S_R2];
  st[S_C] += kst[K.S_C];
  st[S_C2] += kst[K.S_C2];
  return out;
}

/**
 * Counts |diff| values by their float32 exponent byte: values are ≥ 0 or NaN, so the top bits
 * are the exponent. Slot 256 counts exact zeros ((b − 1) >>> 31 is 1 only for b = 0), so the
 * loop has no data-dependent branch; bins are folded from the 257 slots in finish().
 */
export function countExponents(bits: Uint32Array, slots: Float64Array): void {
  for (let k = 0; k < bits.length; k++) {
    const b = bits[k];
    slots[(b >>> 23) | (((b - 1) >>> 31) << 8)]++;
  }
}

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
  update(ref: Chunk, cand: Chunk): Float32Array {
    const len = ref.length;
    if (cand.length !== len) throw new Error('internal: misaligned chunks');
    if (this.firstR.length < FIRST_N) {
      for (let k = 0; k < len && this.firstR.length < FIRST_N; k++) {
        this.firstR.push(ref[k]);
        this.firstC.push(cand[k]);
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
    const k = ref instanceof Float32Array && cand instanceof Float32Array ? kernels() : null;
    if (k) return accumulateSimd(k, ref as Float32Array, cand as Float32Array, st, this.slots);
    if (this.scratch.length < len) this.scratch = new Float32Array(len);
    const out = this.scratch.length === len ? this.scratch : this.scratch.subarray(0, len);
    accumulate(ref, cand, out, st);
    countExponents(new Uint32Array(out.buffer, out.byteOffset, out.length), this.slots);
    return out;
  }

  finish(shape: readonly number[]): MetricValues {
    const st = this.st;
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

function firstFinite(a: Chunk): number {
  for (let k = 0; k < a.length; k++) if (Number.isFinite(a[k])) return a[k];
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
