// Alignment of two opened sources: what the engine calls when names leave tensors unpaired on
// both sides. Capture order is the manifest's when there is one, else the source's listing
// order. Value statistics (layout-independent: mean, std, min, max) are read only when the
// structure alone leaves a pair uncertain, and only up to a budget of elements.
import { tensorStats, type TensorSource } from '../tensors';
import { alignCaptures, MIN_CONFIDENCE, type AlignItem, type AlignStats, type AlignedPair } from './align';
import type { NamePairing } from './pairing';
import type { AlignmentReport, PairingInfo } from './types';

/** Elements read for tie-breaking statistics, both sides together. */
const STATS_BUDGET = 64 << 20;

export interface AlignOutcome {
  /** Pairs to compare: [ref, cand, how]. */
  readonly pairs: readonly (readonly [string, string, PairingInfo])[];
  readonly report: AlignmentReport;
}

function ordered(names: readonly string[], src: TensorSource, manifest?: readonly string[]): string[] {
  const left = new Set(names);
  const rank = new Map<string, number>();
  (manifest ?? []).forEach((n, i) => {
    if (!rank.has(n)) rank.set(n, i);
  });
  src.list().forEach((t, i) => {
    if (!rank.has(t.name)) rank.set(t.name, (manifest?.length ?? 0) + i);
  });
  return [...left].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
}

async function statsOf(src: TensorSource, name: string, signal?: AbortSignal): Promise<AlignStats | undefined> {
  try {
    const s = await tensorStats(src, name, { signal });
    if (s.mean === null || s.std === null || s.min === null || s.max === null) return undefined;
    if (![s.mean, s.std, s.min, s.max].every(Number.isFinite)) return undefined;
    return { mean: s.mean, std: s.std, min: s.min, max: s.max };
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    return undefined;
  }
}

export async function alignSources(
  ref: TensorSource,
  cand: TensorSource,
  pairing: NamePairing,
  manifests: { ref?: readonly string[]; cand?: readonly string[] },
  signal?: AbortSignal,
): Promise<AlignOutcome> {
  const order: AlignmentReport['order'] = manifests.ref?.length && manifests.cand?.length ? 'manifest' : 'listing';
  const refOrder = ordered(pairing.unmatchedRef, ref, manifests.ref);
  const candOrder = ordered(pairing.unmatchedCand, cand, manifests.cand);
  const item = (src: TensorSource, name: string): AlignItem => {
    const t = src.get(name);
    return { name, shape: t?.shape ?? [], dtype: t?.dtype ?? 'F32' };
  };
  let refItems = refOrder.map((n) => item(ref, n));
  let candItems = candOrder.map((n) => item(cand, n));
  let result = alignCaptures(refItems, candItems);
  if ('tooLarge' in result) {
    return {
      pairs: [],
      report: {
        order,
        aligned: 0,
        suggestions: [],
        skipped: `${refItems.length} × ${candItems.length} unpaired tensors are too many to align; pair them with --map rules`,
      },
    };
  }
  let usedStats = false;
  if (result.some((p) => p.confidence < 0.95 || p.isolated)) {
    // Structure alone is not decisive: read value statistics, the cheapest tensors first.
    const all = [...refItems.map((x) => ['r', x] as const), ...candItems.map((x) => ['c', x] as const)];
    const numel = (x: AlignItem) => x.shape.reduce((a, b) => a * b, 1);
    const chosen = new Set<AlignItem>();
    let spent = 0;
    for (const [, x] of [...all].sort((a, b) => numel(a[1]) - numel(b[1]))) {
      if (spent + numel(x) > STATS_BUDGET) break;
      spent += numel(x);
      chosen.add(x);
    }
    const withStats = async (src: TensorSource, xs: AlignItem[]) => {
      const out: AlignItem[] = [];
      for (const x of xs) out.push(chosen.has(x) ? { ...x, stats: await statsOf(src, x.name, signal) } : x);
      return out;
    };
    refItems = await withStats(ref, refItems);
    candItems = await withStats(cand, candItems);
    const again = alignCaptures(refItems, candItems);
    if (!('tooLarge' in again)) result = again;
    usedStats = true;
  }
  const aligned = result as AlignedPair[];
  const sure = aligned.filter((p) => p.confidence >= MIN_CONFIDENCE);
  return {
    pairs: sure.map((p) => [p.ref, p.cand, { by: 'aligned', confidence: p.confidence, why: p.why }] as const),
    report: {
      order,
      aligned: sure.length,
      statistics: usedStats,
      min_confidence: MIN_CONFIDENCE,
      suggestions: aligned
        .filter((p) => p.confidence < MIN_CONFIDENCE)
        .map((p) => ({ ref: p.ref, cand: p.cand, confidence: p.confidence, why: p.why })),
    },
  };
}
