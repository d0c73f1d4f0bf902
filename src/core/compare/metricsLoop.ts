// The hot loops of the metric pass (MetricAccumulator in metrics.ts): the TypeScript loop,
// which is the reference, and its SIMD kernel twin, over one state array.
import { K, type Kernels } from '../kernels';

type Chunk = Float32Array | Float64Array;

/** Denominator floor of max_rel, so a zero reference value does not divide by zero. */
export const REL_EPS = 1e-12;

// Slots of the accumulator state. The hot loop reads and writes only this Float64Array and
// its arguments: no property access on objects, so V8 keeps one optimized version of it.
export const N = 0,
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
export function accumulate(ref: Chunk, cand: Chunk, out: Float32Array, st: Float64Array): void {
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

/**
 * accumulate() + countExponents() through the SIMD kernel: the same state, except that the
 * sums go exactly into `exact` (kernels/exactSum.ts) instead of st's SUM slots.
 */
export function accumulateSimd(
  k: Kernels,
  ref: Float32Array | Uint16Array,
  cand: Float32Array | Uint16Array,
  st: Float64Array,
  slots: Float64Array,
  exact: Float64Array,
): Float32Array {
  kst[K.ATOL] = st[ATOL];
  kst[K.RTOL] = st[RTOL];
  kst[K.SHIFT_R] = st[SHIFT_R];
  kst[K.SHIFT_C] = st[SHIFT_C];
  kst[K.MAX_ABS] = st[MAX_ABS];
  kst[K.MAX_IDX] = st[MAX_IDX];
  kst[K.MAX_REL] = st[MAX_REL];
  kst[K.BASE] = st[N];
  // extremes of this chunk only (float32 in the kernel), merged below
  kst[K.MIN_R] = kst[K.MIN_C] = Infinity;
  kst[K.MAX_R] = kst[K.MAX_C] = -Infinity;
  const out = k.metrics(ref, cand, kst, slots, exact);
  st[N] += ref.length;
  st[MAX_ABS] = kst[K.MAX_ABS];
  st[MAX_IDX] = kst[K.MAX_IDX];
  st[MAX_REL] = kst[K.MAX_REL];
  st[BOTH] += kst[K.BOTH];
  st[MISMATCH] += kst[K.MISMATCH];
  st[NAN_R] += kst[K.NAN_R];
  st[NAN_C] += kst[K.NAN_C];
  st[INF_R] += kst[K.INF_R];
  st[INF_C] += kst[K.INF_C];
  st[CNT_R] += kst[K.CNT_R];
  st[CNT_C] += kst[K.CNT_C];
  if (kst[K.MIN_R] < st[MIN_R]) st[MIN_R] = kst[K.MIN_R];
  if (kst[K.MAX_R] > st[MAX_R]) st[MAX_R] = kst[K.MAX_R];
  if (kst[K.MIN_C] < st[MIN_C]) st[MIN_C] = kst[K.MIN_C];
  if (kst[K.MAX_C] > st[MAX_C]) st[MAX_C] = kst[K.MAX_C];
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
