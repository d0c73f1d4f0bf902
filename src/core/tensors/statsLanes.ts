// The summary-statistics algorithm of native/kernels.c (stats_f32/bf16/f16) in TypeScript: the
// reference the kernel is tested against, and the path for float64 chunks and when the kernel
// is absent. Element g adds d = x[g] − shift and d² to lane g mod 8 (finite values only); every
// STATS_BLOCK elements of a global grid the lanes fold, in a fixed order, into a block sum that
// is added to a double-double (TwoSum) running sum. Same float64 operations in the same order as
// the kernel, so both give the same bits; and the result does not depend on how the tensor is
// cut into runs. `shift` is NaN until the run meets its first finite value.
import type { FloatChunk } from './types';

export const STATS_BLOCK = 4096;
/** Slots of the state both implementations keep between runs (S_* in native/kernels.c). */
export const S = { SHIFT: 0, L1: 1, L2: 9, D1: 17, D2: 19, MIN: 21, MAX: 22, NAN: 23, BAD: 24, POS: 25, SLOTS: 26 } as const;

export function newStatsState(): Float64Array {
  const st = new Float64Array(S.SLOTS);
  st[S.SHIFT] = NaN;
  st[S.MIN] = Infinity;
  st[S.MAX] = -Infinity;
  return st;
}

function ddAdd(st: Float64Array, at: number, b: number): void {
  const hi = st[at];
  const s = hi + b;
  const bb = s - hi;
  st[at + 1] += hi - (s - bb) + (b - bb);
  st[at] = s;
}

/** Folds the 8 lanes into the running sums and clears them. */
export function statsFold(st: Float64Array): void {
  const a = S.L1;
  const q = S.L2;
  ddAdd(st, S.D1, st[a] + st[a + 2] + (st[a + 4] + st[a + 6]) + (st[a + 1] + st[a + 3] + (st[a + 5] + st[a + 7])));
  ddAdd(st, S.D2, st[q] + st[q + 2] + (st[q + 4] + st[q + 6]) + (st[q + 1] + st[q + 3] + (st[q + 5] + st[q + 7])));
  st.fill(0, S.L1, S.L2 + 8);
}

function one(st: Float64Array, v: number, pos: number): number {
  if (v < st[S.MIN]) st[S.MIN] = v;
  if (v > st[S.MAX]) st[S.MAX] = v;
  if (v - v !== 0) {
    st[S.BAD]++;
    if (v !== v) st[S.NAN]++;
  } else {
    const d = v - st[S.SHIFT];
    st[S.L1 + (pos & 7)] += d;
    st[S.L2 + (pos & 7)] += d * d;
  }
  if (++pos < STATS_BLOCK) return pos;
  statsFold(st);
  return 0;
}

/** One whole block on the grid (lanes zero); false, with only min/max taken, if it holds a NaN or ±Inf. */
function block(x: FloatChunk, i0: number, st: Float64Array): boolean {
  const sh = st[S.SHIFT];
  let lo = st[S.MIN];
  let hi = st[S.MAX];
  // prettier-ignore
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  // prettier-ignore
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0;
  for (let i = i0; i < i0 + STATS_BLOCK; i += 8) {
    // prettier-ignore
    const d0 = x[i] - sh, d1 = x[i + 1] - sh, d2 = x[i + 2] - sh, d3 = x[i + 3] - sh;
    // prettier-ignore
    const d4 = x[i + 4] - sh, d5 = x[i + 5] - sh, d6 = x[i + 6] - sh, d7 = x[i + 7] - sh;
    // prettier-ignore
    { a0 += d0; a1 += d1; a2 += d2; a3 += d3; a4 += d4; a5 += d5; a6 += d6; a7 += d7; }
    // prettier-ignore
    { q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3; q4 += d4 * d4; q5 += d5 * d5; q6 += d6 * d6; q7 += d7 * d7; }
    for (let j = i; j < i + 8; j++) {
      const v = x[j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  st[S.MIN] = lo;
  st[S.MAX] = hi;
  if (!Number.isFinite(q0 + q1 + q2 + q3 + q4 + q5 + q6 + q7)) return false;
  st.set([a0, a1, a2, a3, a4, a5, a6, a7, q0, q1, q2, q3, q4, q5, q6, q7], S.L1);
  statsFold(st);
  return true;
}

/** Continues the state `st` over the next `x.length` elements of the tensor. */
export function statsRun(x: FloatChunk, st: Float64Array): void {
  const n = x.length;
  if (Number.isNaN(st[S.SHIFT])) {
    for (let j = 0; j < n; j++) {
      if (x[j] - x[j] === 0) {
        st[S.SHIFT] = x[j];
        break;
      }
    }
  }
  let pos = st[S.POS];
  let i = 0;
  for (; i < n && pos !== 0; i++) pos = one(st, x[i], pos);
  for (; n - i >= STATS_BLOCK; i += STATS_BLOCK) {
    if (block(x, i, st)) continue;
    for (let j = i; j < i + STATS_BLOCK; j++) pos = one(st, x[j], pos);
  }
  for (; i < n; i++) pos = one(st, x[i], pos);
  st[S.POS] = pos;
}
