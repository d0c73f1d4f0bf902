// The verdict of each pair: pass / drift / diverged, and the error growth along the capture
// order. Pure (types only), run after the one streaming pass: the verdict costs no second pass.
//
// - pass: every element within the pair's tolerance.
// - drift: outside the elementwise tolerance, but carrying the error the layer received: its
//   rel_l2 is less than JUMP_FACTOR × the largest rel_l2 of any earlier pair (inputs are
//   captured before the layers that use them, so that is the most error an input can carry),
//   or not above the pair's rtol.
// - diverged: a structural failure (shapes no transform reconciles, a read error), values
//   that match only through a transposition the side's convention does not explain, new
//   NaN/Inf, a jump (≥ JUMP_FACTOR × the earlier maximum and above rtol) or, with a noise
//   floor for the pair, an error above floorFactor × the reference's own run-to-run error.
//   With a floor above 0 the floor rule replaces the jump rule for that pair. --strict: every pair
//   outside its tolerance is diverged (the rule before verdicts existed).
// - not_compared: set by the engine for a dtype it cannot decode; kept as is, never a failure,
//   never the first divergence, and no point of the error growth's baseline.
import type { ErrorGrowth, GrowthPoint, PairResult, ReportJson, Verdict } from './types';

/** A jump multiplies rel_l2 by at least this much over the largest earlier rel_l2. */
const JUMP_FACTOR = 10;
/** Default k of the noise-floor rule (see the README for why 4). */
export const DEFAULT_FLOOR_FACTOR = 4;
const TINY = 1e-12;

export interface VerdictOptions {
  readonly strict?: boolean;
  /** rel_l2 of REF2 vs REF per reference name (the noise floor), when a floor run was given. */
  readonly floors?: ReadonlyMap<string, number | null>;
  readonly floorFactor?: number;
}

/** The pair-level fields the verdict adds. */
export interface PairVerdict {
  readonly verdict: Verdict;
  readonly verdict_why: string;
  readonly noise_floor?: number | null;
  readonly floor_ratio?: number | null;
}

export interface Judged {
  readonly pairs: PairResult[];
  readonly growth: ErrorGrowth;
  readonly counts: { readonly pass: number; readonly drift: number; readonly diverged: number; readonly not_compared: number };
  readonly firstDivergence: string | null;
  readonly firstOutsideTolerance: string | null;
}

export type UnjudgedPair = Omit<PairResult, keyof PairVerdict> & Partial<PairVerdict>;

const fmt = (v: number) => (v === Infinity ? '∞' : v.toPrecision(2));

/** The error measure of the rules: rel_l2, or ∞ when the reference is all zero and the candidate is not. */
function errorOf(p: UnjudgedPair): number | null {
  if (p.rel_l2 !== null) return p.rel_l2;
  if (p.max_abs !== null && p.max_abs > 0) return Infinity;
  return null;
}

function newNonFinite(p: UnjudgedPair): boolean {
  return p.nan_cand > p.nan_ref || p.inf_cand > p.inf_ref;
}

/** Judges every pair in report (capture) order; returns new pair objects with the verdict fields. */
export function judge(input: readonly UnjudgedPair[], options: VerdictOptions = {}): Judged {
  const k = options.floorFactor ?? DEFAULT_FLOOR_FACTOR;
  const pairs: PairResult[] = [];
  const points: GrowthPoint[] = [];
  let maxSoFar = 0;
  let maxName: string | null = null;
  let prev: number | null = null;
  let nonFiniteSeen = false;
  for (const [index, p] of input.entries()) {
    const e = errorOf(p);
    const baseline = Math.max(maxSoFar, TINY);
    const jump = e !== null && e / baseline >= JUMP_FACTOR && e > p.rtol;
    const floor = options.floors?.has(p.ref_name) ? (options.floors.get(p.ref_name) ?? null) : undefined;
    // A floor of 0 (REF2 bit-identical to REF on this pair, e.g. a thread count that changed
    // nothing) measures no noise: it cannot scale a tolerance, so the jump rule judges the pair.
    const zeroFloor = floor === 0;
    const floorRatio = floor === undefined || floor === null || zeroFloor || e === null ? null : e / Math.max(floor, TINY);
    let verdict: Verdict;
    let why: string;
    if (p.verdict === 'not_compared') {
      verdict = 'not_compared';
      why = p.verdict_why ?? p.reason ?? 'not compared';
    } else if (p.reason !== undefined) {
      verdict = 'diverged';
      why = p.reason;
    } else if (p.layout_why === 'values') {
      verdict = 'diverged';
      why = p.layout_detail ?? 'values match only through a layout transform the side does not use';
    } else if (p.mismatch === 0) {
      verdict = 'pass';
      why = 'every element within atol + rtol·|ref|';
    } else if (options.strict) {
      verdict = 'diverged';
      why = `${p.mismatch} elements outside the tolerance (--strict)`;
    } else if (newNonFinite(p) && !nonFiniteSeen) {
      verdict = 'diverged';
      why = 'NaN/Inf where the reference is finite, first in capture order';
    } else if (floorRatio !== null) {
      verdict = floorRatio > k ? 'diverged' : 'drift';
      why =
        floorRatio > k
          ? `rel_l2 ${fmt(e as number)} is ${fmt(floorRatio)}× the noise floor ${fmt(floor as number)} (limit ${k}×)`
          : `rel_l2 ${fmt(e as number)} is within ${k}× the noise floor ${fmt(floor as number)}`;
    } else if (jump) {
      verdict = 'diverged';
      why =
        maxName === null
          ? `rel_l2 ${fmt(e as number)} with no error before it: this layer introduces the error`
          : `rel_l2 ${fmt(e as number)} is ${fmt((e as number) / baseline)}× the largest earlier error (${fmt(maxSoFar)} at ${maxName}): a jump`;
    } else {
      verdict = 'drift';
      why =
        e === null
          ? 'outside the tolerance, no finite error to measure'
          : e <= p.rtol
            ? `outside the elementwise tolerance, but rel_l2 ${fmt(e)} is within rtol ${fmt(p.rtol)}`
            : `rel_l2 ${fmt(e)} carries the earlier error (${fmt(maxSoFar)} at ${maxName ?? '—'}; a jump is ≥ ${JUMP_FACTOR}×)`;
    }
    if (zeroFloor && (verdict === 'drift' || verdict === 'diverged') && !options.strict)
      why += ' (noise floor 0: REF2 equals REF here, so the jump rule applies)';
    if (newNonFinite(p)) nonFiniteSeen = true;
    pairs.push({
      ...(p as PairResult),
      verdict,
      verdict_why: why,
      ...(floor !== undefined ? { noise_floor: floor, floor_ratio: floorRatio } : {}),
    });
    const ratio = p.rel_l2 === null || prev === null ? null : p.rel_l2 / Math.max(prev, TINY);
    points.push({
      name: p.name,
      index,
      rel_l2: p.rel_l2,
      ratio,
      jump,
      baseline: maxName === null ? null : maxSoFar,
      verdict,
      ...(floor !== undefined ? { noise_floor: floor } : {}),
    });
    if (p.rel_l2 !== null) prev = p.rel_l2;
    if (e !== null && e > maxSoFar) {
      maxSoFar = e;
      maxName = p.name;
    }
  }
  const counts = { pass: 0, drift: 0, diverged: 0, not_compared: 0 };
  for (const p of pairs) counts[p.verdict]++;
  const first = pairs.find((p) => p.verdict === 'diverged');
  const outside = pairs.find((p) => p.verdict === 'drift' || p.verdict === 'diverged');
  let pattern: ErrorGrowth['pattern'] = 'none';
  if (first) {
    const i = pairs.indexOf(first);
    pattern = first.reason !== undefined || points[i].jump || first.layout_why === 'values' ? 'local' : 'drift';
  } else if (outside) pattern = 'drift';
  return {
    pairs,
    growth: { points, pattern },
    counts,
    firstDivergence: first ? first.name : null,
    firstOutsideTolerance: outside ? outside.name : null,
  };
}

/**
 * The report with one pair replaced (re-measured under an edited tolerance) and every verdict,
 * the counts, the first divergence and the growth judged again under the report's own rules
 * (strict, noise floors, factor).
 */
export function withPair(report: ReportJson, pair: PairResult): ReportJson {
  const pairs = report.pairs.map((p) =>
    p.name === pair.name ? { ...pair, ...(p.noise_floor !== undefined ? { noise_floor: p.noise_floor } : {}) } : p,
  );
  const floors = new Map<string, number | null>();
  for (const p of pairs) if (p.noise_floor !== undefined) floors.set(p.ref_name, p.noise_floor);
  const j = judge(pairs, {
    strict: report.strict,
    floors: report.noise_floor ? floors : undefined,
    floorFactor: report.noise_floor?.factor,
  });
  return {
    ...report,
    pairs: j.pairs,
    first_divergence: j.firstDivergence,
    first_outside_tolerance: j.firstOutsideTolerance,
    verdicts: j.counts,
    error_growth: j.growth,
  };
}
