// Side layout conventions. A pair whose shapes are equal and map onto themselves under a
// layout transform (4-D with C == H == W, 3-D with L == C, a [16,3,3,3] kernel) cannot tell
// its layout by shape. Every other pair can: an MLX candidate that stores conv activations
// as [N,H,W,C] shows it on every pair whose C, H, W differ. The convention of each kind of
// tensor is learned from those unambiguous pairs (headers only, before any value is read)
// and applied to the ambiguous ones, whether they pass or fail.
import { alternativePlans, looksLikeWeight, planLayout, type LayoutPlan, type PlanResult } from './layout';
import type { LayoutConvention, LayoutTransform, LayoutWhy } from './types';

type Kind = '4-D activations' | '4-D weights' | '3-D';
/** The permutation a transform applies, independent of its name (OHWI→OIHW is NHWC→NCHW). */
type Key = 'none' | 'to_first' | 'to_last' | 'swap';

/** A convention holds when at least this share of a kind's unambiguous pairs agree. */
const AGREEMENT = 0.75;

const KEY_OF: Partial<Record<LayoutTransform, Key>> = {
  none: 'none',
  nhwc_to_nchw: 'to_first',
  ohwi_to_oihw: 'to_first',
  nchw_to_nhwc: 'to_last',
  oihw_to_ohwi: 'to_last',
  nlc_to_ncl: 'swap',
};

/** The transform's name for a kind (weights are OIHW/OHWI, activations NCHW/NHWC). */
function nameOf(kind: Kind, key: Key): LayoutTransform {
  if (key === 'none') return 'none';
  if (key === 'swap') return 'nlc_to_ncl';
  if (kind === '4-D weights') return key === 'to_first' ? 'ohwi_to_oihw' : 'oihw_to_ohwi';
  return key === 'to_first' ? 'nhwc_to_nchw' : 'nchw_to_nhwc';
}

const PERM_OF: Record<Key, string> = { none: '', to_first: '0,3,1,2', to_last: '0,2,3,1', swap: '0,2,1' };

export interface LayoutDecision {
  readonly result: PlanResult;
  readonly why: LayoutWhy;
  readonly detail?: string;
}

interface Tally {
  readonly counts: Map<Key, number>;
  total: number;
  applied: number;
}

function kindOf(shape: readonly number[], name: string): Kind | null {
  if (shape.length === 4) return looksLikeWeight(name) ? '4-D weights' : '4-D activations';
  if (shape.length === 3) return '3-D';
  return null;
}

function kindOfTransform(t: LayoutTransform): Kind | null {
  if (t === 'nhwc_to_nchw' || t === 'nchw_to_nhwc') return '4-D activations';
  if (t === 'ohwi_to_oihw' || t === 'oihw_to_ohwi') return '4-D weights';
  if (t === 'nlc_to_ncl' || t === 'ncl_to_nlc') return '3-D';
  return null;
}

function eq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Equal shapes that a transposed reading would order differently: evidence for "as stored". */
function decidesNone(shape: readonly number[]): boolean {
  const [, ...rest] = shape;
  if (shape.length === 4) return rest[0] > 1 && rest[1] * rest[2] > 1;
  if (shape.length === 3) return rest[0] > 1 && rest[1] > 1;
  return false;
}

export class LayoutConventions {
  private readonly tallies = new Map<Kind, Tally>();

  /** Learns from the shapes of every pair (reference shape, candidate shape, reference name). */
  constructor(pairs: readonly { readonly name: string; readonly ref: readonly number[]; readonly cand: readonly number[] }[]) {
    for (const kind of ['4-D activations', '4-D weights', '3-D'] as const) {
      this.tallies.set(kind, { counts: new Map(), total: 0, applied: 0 });
    }
    for (const p of pairs) {
      if (eq(p.ref, p.cand)) {
        if (alternativePlans(p.ref, p.name).length > 0 || !decidesNone(p.ref)) continue;
        const kind = kindOf(p.ref, p.name);
        if (kind) this.count(kind, 'none');
        continue;
      }
      const planned = planLayout(p.ref, p.cand, p.name);
      if (!planned.ok) continue;
      const kind = kindOfTransform(planned.plan.transform);
      if (kind) this.count(kind, planned.plan.transform);
    }
  }

  private count(kind: Kind, t: LayoutTransform): void {
    const tally = this.tallies.get(kind) as Tally;
    const key = KEY_OF[t] as Key;
    tally.counts.set(key, (tally.counts.get(key) ?? 0) + 1);
    tally.total++;
  }

  private convention(kind: Kind): { key: Key; n: number; of: number } | null {
    const tally = this.tallies.get(kind) as Tally;
    let best: Key | null = null;
    let n = 0;
    for (const [key, c] of tally.counts) if (c > n) [best, n] = [key, c];
    return best !== null && n >= AGREEMENT * tally.total ? { key: best, n, of: tally.total } : null;
  }

  /** How to read the candidate in the reference layout, and why. */
  decide(refShape: readonly number[], candShape: readonly number[], name: string): LayoutDecision {
    const result = planLayout(refShape, candShape, name);
    if (!result.ok || !eq(refShape, candShape)) return { result, why: 'shape' };
    const alternatives = alternativePlans(refShape, name);
    const kind = kindOf(refShape, name);
    if (alternatives.length === 0 || kind === null) return { result, why: 'shape' };
    // 4-D weights and activations share the permutation: one kind speaks for the other when it has no evidence.
    const other: Kind | null = kind === '4-D weights' ? '4-D activations' : kind === '4-D activations' ? '4-D weights' : null;
    const own = this.convention(kind);
    const from = own ? kind : other;
    const conv = own ?? (other ? this.convention(other) : null);
    if (!conv || !from) return { result, why: 'stored' };
    (this.tallies.get(kind) as Tally).applied++;
    const plan: LayoutPlan | undefined =
      conv.key === 'none' ? result.plan : alternatives.find((a) => a.perm.join(',') === PERM_OF[conv.key]);
    if (!plan) return { result, why: 'stored' };
    const learned = `${from} of the candidate read through ${plan.transform}: ${conv.n} of ${conv.of} unambiguous pairs`;
    return { result: { ok: true, plan }, why: 'convention', detail: `shape is ambiguous; side convention: ${learned}` };
  }

  summary(): LayoutConvention[] {
    const out: LayoutConvention[] = [];
    for (const [kind, tally] of this.tallies) {
      if (tally.total === 0 && tally.applied === 0) continue;
      const own = this.convention(kind);
      const other: Kind | null = kind === '4-D weights' ? '4-D activations' : kind === '4-D activations' ? '4-D weights' : null;
      const borrowed = !own && other ? this.convention(other) : null;
      const conv = own ?? borrowed;
      let top = 0;
      for (const c of tally.counts.values()) top = Math.max(top, c);
      out.push({
        kind,
        transform: conv ? nameOf(kind, conv.key) : null,
        learned_from: own ? kind : borrowed ? (other as string) : null,
        pairs: conv ? conv.n : top,
        of: conv ? conv.of : tally.total,
        applied: tally.applied,
      });
    }
    return out;
  }
}
