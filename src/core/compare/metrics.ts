// All per-pair metrics in one streaming pass with float64 accumulators. The hot loop is a
// single monomorphic typed-array loop per chunk: no per-element calls, no allocation.
import type { DiffHistogram, SideStats } from './types';

/** Denominator floor of max_rel, so a zero reference value does not divide by zero. */
export const REL_EPS = 1e-12;
export const HIST_MIN_EXP = -40;
export const HIST_MAX_EXP = 20;
const FIRST_N = 10;

export interface MetricValues {
  readonly numel: number;
  readonly max_abs: number | null;
  readonly max_abs_index: readonly number[] | null;
  readonly mean_abs: number | null;
  readonly rmse: number | null;
  readonly max_rel: number | null;
  readonly rel_l2: number | null;
  readonly cosine: number | null;
  readonly sqnr_db: number | null;
  readonly mismatch: number;
  readonly mismatch_ratio: number;
  readonly nan_ref: number;
  readonly nan_cand: number;
  readonly inf_ref: number;
  readonly inf_cand: number;
  readonly ref_stats: SideStats;
  readonly cand_stats: SideStats;
  readonly histogram: DiffHistogram;
}

type Chunk = Float32Array | Float64Array;

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    out[i] = d > 0 ? flat % d : 0;
    flat = d > 0 ? Math.floor(flat / d) : 0;
  }
  return out;
}

export class MetricAccumulator {
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
  private nanR = 0;
  private nanC = 0;
  private infR = 0;
  private infC = 0;
  // Side statistics use a shift (the first finite value) to keep the variance sum stable.
  private cntR = 0;
  private minR = Infinity;
  private maxR = -Infinity;
  private shiftR = NaN;
  private sR = 0;
  private sR2 = 0;
  private cntC = 0;
  private minC = Infinity;
  private maxC = -Infinity;
  private shiftC = NaN;
  private sC = 0;
  private sC2 = 0;
  private readonly firstR: number[] = [];
  private readonly firstC: number[] = [];
  private readonly hist = new Float64Array(HIST_MAX_EXP - HIST_MIN_EXP);
  private histZero = 0;
  private histBelow = 0;
  private histAbove = 0;
  private scratch = new Float32Array(0);

  constructor(
    private readonly atol: number,
    private readonly rtol: number,
  ) {}

  /**
   * Consumes aligned chunks (same length, reference layout) and returns |cand − ref| per
   * element as float32 (NaN where either side is not finite), valid until the next call.
   */
  update(ref: Chunk, cand: Chunk): Float32Array {
    const len = ref.length;
    if (cand.length !== len) throw new Error('internal: misaligned chunks');
    if (this.scratch.length < len) this.scratch = new Float32Array(len);
    const out = this.scratch.length === len ? this.scratch : this.scratch.subarray(0, len);
    if (this.firstR.length < FIRST_N) {
      for (let k = 0; k < len && this.firstR.length < FIRST_N; k++) {
        this.firstR.push(ref[k]);
        this.firstC.push(cand[k]);
      }
    }
    if (Number.isNaN(this.shiftR)) this.shiftR = firstFinite(ref);
    if (Number.isNaN(this.shiftC)) this.shiftC = firstFinite(cand);
    const atol = this.atol;
    const rtol = this.rtol;
    const base = this.n;
    const shR = Number.isNaN(this.shiftR) ? 0 : this.shiftR;
    const shC = Number.isNaN(this.shiftC) ? 0 : this.shiftC;
    let both = 0, sumAbs = 0, sumSq = 0, maxAbs = this.maxAbs, maxIdx = this.maxIdx, maxRel = this.maxRel;
    let sumR2 = 0, sumC2 = 0, dot = 0, mismatch = 0;
    let nanR = 0, nanC = 0, infR = 0, infC = 0;
    let cntR = 0, minR = this.minR, maxR = this.maxR, sR = 0, sR2 = 0;
    let cntC = 0, minC = this.minC, maxC = this.maxC, sC = 0, sC2 = 0;
    for (let k = 0; k < len; k++) {
      const r = ref[k];
      const c = cand[k];
      // x - x is 0 for finite x and NaN for NaN/±Inf: one test covers both sides.
      if ((r - r) + (c - c) === 0) {
        const d = c - r;
        const ad = d < 0 ? -d : d;
        const ar = r < 0 ? -r : r;
        sumAbs += ad;
        sumSq += d * d;
        if (ad > maxAbs) {
          maxAbs = ad;
          maxIdx = base + k;
        }
        const rel = ad / (ar > REL_EPS ? ar : REL_EPS);
        if (rel > maxRel) maxRel = rel;
        if (ad > atol + rtol * ar) mismatch++;
        sumR2 += r * r;
        sumC2 += c * c;
        dot += r * c;
        if (r < minR) minR = r;
        if (r > maxR) maxR = r;
        const xr = r - shR;
        sR += xr;
        sR2 += xr * xr;
        if (c < minC) minC = c;
        if (c > maxC) maxC = c;
        const xc = c - shC;
        sC += xc;
        sC2 += xc * xc;
        out[k] = ad;
        both++;
      } else {
        // Equal infinities match (as in np.isclose); NaN never does.
        if (c !== r) mismatch++;
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
    this.n += len;
    this.both += both;
    this.sumAbs += sumAbs;
    this.sumSq += sumSq;
    this.maxAbs = maxAbs;
    this.maxIdx = maxIdx;
    this.maxRel = maxRel;
    this.sumR2 += sumR2;
    this.sumC2 += sumC2;
    this.dot += dot;
    this.mismatch += mismatch;
    this.nanR += nanR;
    this.nanC += nanC;
    this.infR += infR;
    this.infC += infC;
    this.cntR += cntR + both;
    this.minR = minR;
    this.maxR = maxR;
    this.sR += sR;
    this.sR2 += sR2;
    this.cntC += cntC + both;
    this.minC = minC;
    this.maxC = maxC;
    this.sC += sC;
    this.sC2 += sC2;
    this.histogram(out);
    return out;
  }

  /** Power-of-two bins read straight from the float32 exponent bits. */
  private histogram(out: Float32Array): void {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    const hist = this.hist;
    const lo = HIST_MIN_EXP + 127;
    const hi = HIST_MAX_EXP + 127;
    let zero = 0, below = 0, above = 0;
    for (let k = 0; k < bits.length; k++) {
      const e = (bits[k] >>> 23) & 0xff;
      if (e === 255) continue; // NaN: counted on the sides, not here
      if (e < lo) {
        if ((bits[k] & 0x7fffffff) === 0) zero++;
        else below++;
      } else if (e >= hi) above++;
      else hist[e - lo]++;
    }
    this.histZero += zero;
    this.histBelow += below;
    this.histAbove += above;
  }

  finish(shape: readonly number[]): MetricValues {
    const both = this.both;
    const has = both > 0;
    const relL2 = this.sumR2 > 0 ? Math.sqrt(this.sumSq / this.sumR2) : this.sumSq === 0 ? 0 : Infinity;
    const denom = Math.sqrt(this.sumR2) * Math.sqrt(this.sumC2);
    return {
      numel: this.n,
      max_abs: has ? this.maxAbs : null,
      max_abs_index: has && this.maxIdx >= 0 ? unravel(this.maxIdx, shape) : null,
      mean_abs: has ? this.sumAbs / both : null,
      rmse: has ? Math.sqrt(this.sumSq / both) : null,
      max_rel: has ? finiteOrNull(this.maxRel) : null,
      rel_l2: has ? finiteOrNull(relL2) : null,
      cosine: has && denom > 0 ? Math.max(-1, Math.min(1, this.dot / denom)) : null,
      sqnr_db: has && this.sumSq > 0 && this.sumR2 > 0 ? 10 * Math.log10(this.sumR2 / this.sumSq) : null,
      mismatch: this.mismatch,
      mismatch_ratio: this.n > 0 ? this.mismatch / this.n : 0,
      nan_ref: this.nanR,
      nan_cand: this.nanC,
      inf_ref: this.infR,
      inf_cand: this.infC,
      ref_stats: sideStats(this.cntR, this.minR, this.maxR, this.shiftR, this.sR, this.sR2, this.firstR),
      cand_stats: sideStats(this.cntC, this.minC, this.maxC, this.shiftC, this.sC, this.sC2, this.firstC),
      histogram: {
        minExp: HIST_MIN_EXP,
        maxExp: HIST_MAX_EXP,
        counts: Array.from(this.hist),
        zero: this.histZero,
        below: this.histBelow,
        above: this.histAbove,
      },
    };
  }
}

function firstFinite(a: Chunk): number {
  for (let k = 0; k < a.length; k++) if (Number.isFinite(a[k])) return a[k];
  return NaN;
}

function sideStats(cnt: number, min: number, max: number, shift: number, s: number, s2: number, first: number[]): SideStats {
  const firstJson = first.map(finiteOrNull);
  if (cnt === 0) return { min: null, max: null, mean: null, std: null, first: firstJson };
  const m = s / cnt;
  const variance = Math.max(0, s2 / cnt - m * m);
  return { min, max, mean: shift + m, std: Math.sqrt(variance), first: firstJson };
}
