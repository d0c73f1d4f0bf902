// mflux's golden-image rule, replayed: np.isclose(output, reference, rtol, atol) over every
// channel element PIL loads, mismatch ratio = failing elements / all elements, the test fails
// when the ratio exceeds the threshold. The tolerance is relative to the reference.
//
// Both images are 8-bit, so every element is a pair (d = |out - ref|, r = ref) with
// 256 x 256 possible values. Counting those pairs once makes re-judging any rtol/atol, and
// the whole mismatch-vs-rtol curve, independent of the image size.

export interface Rule {
  readonly rtol: number;
  readonly atol: number;
  readonly threshold: number;
}

export function elementPasses(out: number, ref: number, rtol: number, atol: number): boolean {
  return Math.abs(out - ref) <= atol + rtol * Math.abs(ref);
}

export interface JointHistogram {
  /** counts[d * 256 + r]: elements with |out - ref| = d and ref = r. */
  readonly counts: Float64Array;
  readonly total: number;
}

/** Counts (d, r) over two arrays of 8-bit elements of the same length (as PIL loads them). */
export function jointHistogram(ref: Uint8Array, out: Uint8Array): JointHistogram {
  const counts = new Float64Array(256 * 256);
  const n = Math.min(ref.length, out.length);
  for (let i = 0; i < n; i++) {
    const r = ref[i];
    const o = out[i];
    counts[((o > r ? o - r : r - o) << 8) | r]++;
  }
  return { counts, total: n };
}

function mismatchCount(h: JointHistogram, rtol: number, atol: number): number {
  let bad = 0;
  const c = h.counts;
  for (let d = 1; d < 256; d++) {
    if (d <= atol) continue;
    const row = d << 8;
    for (let r = 0; r < 256; r++) {
      const n = c[row | r];
      if (n !== 0 && d > atol + rtol * r) bad += n;
    }
  }
  return bad;
}

export interface Verdict {
  readonly mismatched: number;
  readonly total: number;
  readonly ratio: number;
  readonly pass: boolean;
}

export function judge(h: JointHistogram, rule: Rule): Verdict {
  const mismatched = mismatchCount(h, rule.rtol, rule.atol);
  const ratio = h.total > 0 ? mismatched / h.total : 0;
  return { mismatched, total: h.total, ratio, pass: ratio <= rule.threshold };
}

/** Mismatch ratio at each rtol (atol fixed), for the curve. */
export function rtolCurve(h: JointHistogram, atol: number, rtols: readonly number[]): number[] {
  return rtols.map((rtol) => (h.total > 0 ? mismatchCount(h, rtol, atol) / h.total : 0));
}

/** Log-spaced rtol values from 1e-3 to 1. */
export function defaultRtols(points = 61): number[] {
  return Array.from({ length: points }, (_, i) => 10 ** (-3 + (3 * i) / (points - 1)));
}

/** The smallest rtol (within the curve's grid) at which the rule passes, or null. */
export function passingRtol(h: JointHistogram, atol: number, threshold: number, rtols = defaultRtols(301)): number | null {
  for (const rtol of rtols) if (mismatchCount(h, rtol, atol) / h.total <= threshold) return rtol;
  return null;
}
