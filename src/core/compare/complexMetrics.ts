// The metrics of a pair where either side is complex (C64/C128; a real side counts as im = 0),
// in the same one streaming pass as the real ones and with the same fields. Chunks are
// interleaved (re, im) pairs. Definitions (z = reference, w = candidate, d = w − z, all complex):
//   |d| = sqrt(Re(d)² + Im(d)²)  → max_abs, mean_abs, rmse, the histogram, the heatmaps;
//   max_rel = max |d| / max(|z|, 1e-12); mismatch: |d| > atol + rtol·|z| (np.isclose on complex);
//   rel_l2 = ‖d‖ / ‖z‖ with ‖x‖² = Σ|x|²;
//   cosine = Re(Σ conj(z)·w) / (‖z‖·‖w‖) (the real part of the normalized inner product: 1 only
//            when w is a positive multiple of z; a phase rotation lowers it);
//   sqnr_db = 10·log10(Σ|z|² / Σ|d|²).
// An element is NaN when either part is NaN, else Inf when either part is infinite; only
// elements finite on both sides enter the sums; equal non-finite values match, and NaN
// matches NaN (equal_nan=True). Side stats
// (min/max/mean/std/first) are over the magnitudes |z| and |w|.
import { complexAbs } from '../tensors/decode';
import type { FloatChunk } from '../tensors/types';
import { REL_EPS, countExponents, finiteOrNull, foldHistogram, sideStats, unravel, type MetricValues } from './metrics';

const FIRST_N = 10;

/** Per-side running stats of the magnitudes, shifted by the first finite one (as metrics.ts does). */
class Side {
  cnt = 0;
  min = Infinity;
  max = -Infinity;
  shift = NaN;
  s = 0;
  s2 = 0;
  nan = 0;
  inf = 0;
  readonly first: number[] = [];

  /** Counts one element; returns |z|, or NaN / Infinity for a non-finite element. */
  add(re: number, im: number): number {
    if (re !== re || im !== im) {
      this.nan++;
      return NaN;
    }
    if (re - re !== 0 || im - im !== 0) {
      this.inf++;
      return Infinity;
    }
    const m = complexAbs(re, im);
    if (this.shift !== this.shift) this.shift = m;
    this.cnt++;
    if (m < this.min) this.min = m;
    if (m > this.max) this.max = m;
    const x = m - this.shift;
    this.s += x;
    this.s2 += x * x;
    return m;
  }

  stats(): ReturnType<typeof sideStats> {
    return sideStats(this.cnt, this.min, this.max, this.shift, this.s, this.s2, this.first);
  }
}

export class ComplexAccumulator {
  private n = 0;
  private both = 0;
  private sumAbs = 0;
  private sumSq = 0;
  private maxAbs = -1;
  private maxIdx = -1;
  private maxRel = -1;
  private sumR2 = 0;
  private sumC2 = 0;
  private dot = 0;
  private mismatch = 0;
  private readonly ref = new Side();
  private readonly cand = new Side();
  private readonly slots = new Float64Array(257);
  private scratch = new Float32Array(0);

  constructor(
    private readonly atol: number,
    private readonly rtol: number,
  ) {}

  /** Consumes aligned interleaved chunks; returns |d| per element (NaN where a side is not finite). */
  update(ref: FloatChunk, cand: FloatChunk): Float32Array {
    if (ref.length !== cand.length || ref.length % 2 !== 0) throw new Error('internal: misaligned complex chunks');
    const len = ref.length >> 1;
    if (this.scratch.length < len) this.scratch = new Float32Array(len);
    const out = this.scratch.length === len ? this.scratch : this.scratch.subarray(0, len);
    const { atol, rtol } = this;
    for (let k = 0; k < len; k++) {
      const zr = ref[2 * k];
      const zi = ref[2 * k + 1];
      const wr = cand[2 * k];
      const wi = cand[2 * k + 1];
      const az = this.ref.add(zr, zi);
      const aw = this.cand.add(wr, wi);
      if (this.ref.first.length < FIRST_N) {
        this.ref.first.push(az);
        this.cand.first.push(aw);
      }
      if (az - az === 0 && aw - aw === 0) {
        const dr = wr - zr;
        const di = wi - zi;
        const ad = complexAbs(dr, di);
        this.sumAbs += ad;
        this.sumSq += dr * dr + di * di;
        if (ad > this.maxAbs) {
          this.maxAbs = ad;
          this.maxIdx = this.n + k;
        }
        const den = az > REL_EPS ? az : REL_EPS;
        if (ad > this.maxRel * den) this.maxRel = ad / den;
        if (ad > atol + rtol * az) this.mismatch++;
        this.sumR2 += zr * zr + zi * zi;
        this.sumC2 += wr * wr + wi * wi;
        this.dot += zr * wr + zi * wi;
        this.both++;
        out[k] = ad;
      } else {
        // equal non-finite values match (as np.isclose compares them with ==), and a NaN element
        // (either part NaN) matches a NaN element: equal_nan=True, as np.testing.assert_allclose
        const nanZ = zr !== zr || zi !== zi;
        const nanW = wr !== wr || wi !== wi;
        if (!(wr === zr && wi === zi) && !(nanZ && nanW)) this.mismatch++;
        out[k] = NaN;
      }
    }
    this.n += len;
    countExponents(new Uint32Array(out.buffer, out.byteOffset, out.length), this.slots);
    return out;
  }

  finish(shape: readonly number[]): MetricValues {
    const { n, both, sumSq, sumR2 } = this;
    const has = both > 0;
    const relL2 = sumR2 > 0 ? Math.sqrt(sumSq / sumR2) : sumSq === 0 ? 0 : Infinity;
    const denom = Math.sqrt(sumR2) * Math.sqrt(this.sumC2);
    return {
      numel: n,
      max_abs: has ? this.maxAbs : null,
      max_abs_index: has && this.maxIdx >= 0 ? unravel(this.maxIdx, shape) : null,
      mean_abs: has ? this.sumAbs / both : null,
      rmse: has ? Math.sqrt(sumSq / both) : null,
      max_rel: has ? finiteOrNull(this.maxRel) : null,
      rel_l2: has ? finiteOrNull(relL2) : null,
      cosine: has && denom > 0 ? Math.max(-1, Math.min(1, this.dot / denom)) : null,
      sqnr_db: has && sumSq > 0 && sumR2 > 0 ? 10 * Math.log10(sumR2 / sumSq) : null,
      mismatch: this.mismatch,
      mismatch_ratio: n > 0 ? this.mismatch / n : 0,
      nan_ref: this.ref.nan,
      nan_cand: this.cand.nan,
      inf_ref: this.ref.inf,
      inf_cand: this.cand.inf,
      ref_stats: this.ref.stats(),
      cand_stats: this.cand.stats(),
      histogram: foldHistogram(this.slots),
    };
  }
}
