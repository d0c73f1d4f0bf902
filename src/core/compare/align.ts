// Pairing without a name map: aligns the tensors left unpaired on the two sides by capture
// order, shape (modulo the layout transforms), dtype and, to break ties, value statistics.
//
// A global sequence alignment (Needleman–Wunsch): a pair scores by how well shape, dtype and
// stats agree (incompatible shapes cannot pair), a tensor left out costs GAP. The forward and
// backward tables give, for every matched pair, the best score of an alignment without it;
// the margin between the two is the evidence, and confidence = 1 − exp(−margin / SCALE).
// A pair in a run of fewer than MIN_RUN consecutive aligned pairs is placed by a shape
// coincidence more than by context: its confidence is halved unless its value statistics agree. Pairs under the caller's
// threshold are suggestions, never compared silently.
import { planLayout } from './layout';
import type { DType } from '../tensors/types';

export interface AlignStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export interface AlignItem {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly stats?: AlignStats;
}

export interface AlignedPair {
  readonly ref: string;
  readonly cand: string;
  readonly confidence: number;
  /** What decided it, in words. */
  readonly why: string;
  /** In a run of fewer than MIN_RUN consecutive aligned pairs: structure alone is weak evidence. */
  readonly isolated: boolean;
}

/** Cost of leaving one tensor unpaired. */
const GAP = -1;
/** Margin (score units) that gives confidence 1 − 1/e. */
const SCALE = 2;
/** Confidence from which an aligned pair is compared; below it, it is only suggested. */
export const MIN_CONFIDENCE = 0.8;
/** A pair needs this many consecutive aligned pairs around it (itself included) to be placed by context. */
const MIN_RUN = 3;
/** Larger problems are not aligned (the tables would take too much memory). */
const MAX_CELLS = 9_000_000;

const INTEGER = /^(BOOL|U8|I8|U16|I16|U32|I32|U64|I64)$/;

function shapeKey(s: readonly number[]): string {
  return s.join(',');
}

/** -Infinity when the pair cannot be the same tensor; else the shape and dtype part of its score. */
function structural(r: AlignItem, c: AlignItem, cache: Map<string, number>): number {
  if (INTEGER.test(r.dtype) !== INTEGER.test(c.dtype)) return -Infinity;
  const key = `${shapeKey(r.shape)}|${shapeKey(c.shape)}`;
  let s = cache.get(key);
  if (s === undefined) {
    const p = planLayout(r.shape, c.shape);
    s = !p.ok ? -Infinity : p.plan.transform === 'none' ? 3 : p.plan.transform === 'reshape' ? 2 : 2.5;
    cache.set(key, s);
  }
  return s + (r.dtype === c.dtype ? 0.5 : 0);
}

/** Relative disagreement of two stats summaries (0 = identical). */
function statsDistance(a: AlignStats, b: AlignStats): number {
  const spread = Math.max(a.std, b.std, a.max - a.min, b.max - b.min, 1e-30);
  const scale = Math.max(Math.abs(a.mean), Math.abs(b.mean), spread, 1e-30);
  const dStd = Math.abs(a.std - b.std) / Math.max(a.std, b.std, 1e-30);
  return Math.abs(a.mean - b.mean) / scale + dStd + (Math.abs(a.min - b.min) + Math.abs(a.max - b.max)) / (2 * spread);
}

/** In [-2, 2]: 2 for equal stats, about 0 at 3.5 % disagreement, -2 for unrelated tensors. */
function statsTerm(r: AlignItem, c: AlignItem): number {
  if (!r.stats || !c.stats) return 0;
  return 4 * Math.exp(-statsDistance(r.stats, c.stats) / 0.05) - 2;
}

/**
 * Aligns `ref` with `cand` (each in capture order). Returns every aligned pair, in reference
 * order, with its confidence; the caller decides what to compare.
 */
export function alignCaptures(ref: readonly AlignItem[], cand: readonly AlignItem[]): AlignedPair[] | { readonly tooLarge: true } {
  const n = ref.length;
  const m = cand.length;
  if (n === 0 || m === 0) return [];
  if ((n + 1) * (m + 1) > MAX_CELLS) return { tooLarge: true };
  const cache = new Map<string, number>();
  const W = m + 1;
  const score = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const s = structural(ref[i], cand[j], cache);
      score[i * m + j] = s === -Infinity ? -Infinity : s + statsTerm(ref[i], cand[j]);
    }
  }
  // F[i][j]: best for ref[0..i) × cand[0..j); B[i][j]: best for ref[i..n) × cand[j..m).
  const F = new Float64Array((n + 1) * W);
  const B = new Float64Array((n + 1) * W);
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      if (i === 0 && j === 0) continue;
      let best = -Infinity;
      if (i > 0) best = Math.max(best, F[(i - 1) * W + j] + GAP);
      if (j > 0) best = Math.max(best, F[i * W + j - 1] + GAP);
      if (i > 0 && j > 0) best = Math.max(best, F[(i - 1) * W + j - 1] + score[(i - 1) * m + j - 1]);
      F[i * W + j] = best;
    }
  }
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      if (i === n && j === m) continue;
      let best = -Infinity;
      if (i < n) best = Math.max(best, B[(i + 1) * W + j] + GAP);
      if (j < m) best = Math.max(best, B[i * W + j + 1] + GAP);
      if (i < n && j < m) best = Math.max(best, B[(i + 1) * W + j + 1] + score[i * m + j]);
      B[i * W + j] = best;
    }
  }
  const through = (i: number, j: number) => F[i * W + j] + score[i * m + j] + B[(i + 1) * W + j + 1];
  // Backtrack one optimal alignment (matches preferred on ties, so pairs are not dropped for free).
  const matches: [number, number][] = [];
  const eps = 1e-9;
  for (let i = 0, j = 0; i < n && j < m;) {
    const rest = B[i * W + j];
    if (Math.abs(score[i * m + j] + B[(i + 1) * W + j + 1] - rest) < eps) {
      matches.push([i, j]);
      i++;
      j++;
    } else if (Math.abs(GAP + B[(i + 1) * W + j] - rest) < eps) i++;
    else j++;
  }
  // Best alternatives per ref row and cand column: best through another partner, or gapped.
  const best2 = (values: Iterable<[number, number]>) => {
    let b1 = -Infinity;
    let at = -1;
    let b2 = -Infinity;
    for (const [k, v] of values) {
      if (v > b1) {
        b2 = b1;
        b1 = v;
        at = k;
      } else if (v > b2) b2 = v;
    }
    return { b1, at, b2 };
  };
  const refGap = (i: number) => {
    let g = -Infinity;
    for (let j = 0; j <= m; j++) g = Math.max(g, F[i * W + j] + GAP + B[(i + 1) * W + j]);
    return g;
  };
  const candGap = (j: number) => {
    let g = -Infinity;
    for (let i = 0; i <= n; i++) g = Math.max(g, F[i * W + j] + GAP + B[i * W + j + 1]);
    return g;
  };
  const opt = F[n * W + m];
  const out: AlignedPair[] = [];
  // length of the run of consecutive aligned pairs (i, j), (i+1, j+1), … each match sits in
  const run = new Array<number>(matches.length).fill(1);
  for (let k = 1; k < matches.length; k++) {
    if (matches[k][0] === matches[k - 1][0] + 1 && matches[k][1] === matches[k - 1][1] + 1) run[k] = run[k - 1] + 1;
  }
  for (let k = matches.length - 2; k >= 0; k--) {
    if (matches[k + 1][0] === matches[k][0] + 1 && matches[k + 1][1] === matches[k][1] + 1) run[k] = run[k + 1];
  }
  matches.forEach(([i, j], k) => {
    const row = best2(
      (function* () {
        for (let k = 0; k < m; k++) yield [k, through(i, k)] as [number, number];
      })(),
    );
    const col = best2(
      (function* () {
        for (let k = 0; k < n; k++) yield [k, through(k, j)] as [number, number];
      })(),
    );
    const altRow = Math.max(row.at === j ? row.b2 : row.b1, refGap(i));
    const altCol = Math.max(col.at === i ? col.b2 : col.b1, candGap(j));
    const margin = Math.max(0, opt - Math.max(altRow, altCol));
    const r = ref[i];
    const c = cand[j];
    // A pair inside a run of aligned neighbours is placed by its context; an isolated one
    // (e.g. the one tensor left on each side) only by a shape coincidence, unless values agree.
    const isolated = run[k] < MIN_RUN;
    const valuesAgree = r.stats !== undefined && c.stats !== undefined && statsDistance(r.stats, c.stats) < 0.05;
    const factor = isolated && !valuesAgree ? 0.5 : 1;
    const confidence = Math.round((1 - Math.exp(-margin / SCALE)) * factor * 1000) / 1000;
    const same = ref.filter((x) => shapeKey(x.shape) === shapeKey(r.shape)).length;
    const parts = [`shape [${r.shape.join(', ')}]${shapeKey(r.shape) === shapeKey(c.shape) ? '' : ` ~ [${c.shape.join(', ')}]`}`];
    parts.push(same > 1 ? `${same} reference tensors have this shape, order decided` : 'the only reference tensor of this shape');
    if (r.dtype !== c.dtype) parts.push(`dtype ${r.dtype} vs ${c.dtype}`);
    if (r.stats && c.stats) parts.push(`stats ${valuesAgree ? 'agree' : 'differ'}`);
    if (isolated)
      parts.push(
        valuesAgree
          ? `in a run of ${run[k]} aligned pairs (< ${MIN_RUN}), values confirm`
          : `in a run of ${run[k]} aligned pairs (< ${MIN_RUN}), values do not confirm`,
      );
    out.push({ ref: r.name, cand: c.name, confidence, why: parts.join('; '), isolated });
  });
  return out;
}
