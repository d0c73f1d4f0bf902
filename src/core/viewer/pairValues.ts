// Both sides of one compared pair as float32 arrays in the reference's layout, for re-judging
// a layer under another tolerance in the parity report. Only for tensors small enough to hold
// twice in memory; the candidate is read through the same layout plan the engine named.
import { Gatherer, planLayout, type LayoutPlan } from '../compare/layout';
import { HeatmapAccumulator, heatGeometry, type AccumulatedHeatmaps } from '../images/heatmap';
import type { TensorSource } from '../tensors/types';

/** Layers above this many elements are judged by the engine only (2 × 16 MB of float32). */
const MAX_REJUDGE_ELEMENTS = 4 * 1024 * 1024;

export interface LayerValues {
  readonly ref: Float32Array;
  readonly cand: Float32Array;
  /** The plan the candidate was read through (for heatmap geometry). */
  readonly plan: LayoutPlan;
  readonly refShape: readonly number[];
}

/**
 * |diff| heatmaps of a pair already in memory, with the engine's geometry and pooling: used
 * for layers the engine kept no heatmap of (it keeps them for failing layers).
 */
export function heatmapsOfValues(name: string, v: LayerValues, worstChannels = 6): AccumulatedHeatmaps {
  const g = heatGeometry(v.refShape, {
    name,
    packedGrid: v.plan.packedGrid,
    axes3d: v.plan.transform === 'nlc_to_ncl' ? ['C', 'L'] : undefined,
  });
  const acc = new HeatmapAccumulator(g);
  const d = new Float32Array(v.ref.length);
  for (let i = 0; i < d.length; i++) {
    const a = v.ref[i];
    const b = v.cand[i];
    d[i] = Number.isFinite(a) && Number.isFinite(b) ? Math.abs(b - a) : NaN;
  }
  acc.add(d);
  return acc.finish(worstChannels);
}

export async function readLayerValues(
  refSrc: TensorSource,
  candSrc: TensorSource,
  refName: string,
  candName: string,
  maxElements = MAX_REJUDGE_ELEMENTS,
): Promise<LayerValues | null> {
  const ri = refSrc.get(refName);
  const ci = candSrc.get(candName);
  if (!ri || !ci || !ri.decodable || !ci.decodable) return null;
  if (ri.numel > maxElements || ci.numel !== ri.numel) return null;
  const plan = planLayout(ri.shape, ci.shape, refName);
  if (!plan.ok) return null;
  const ref = Float32Array.from(await refSrc.read(refName, { maxElements }));
  const raw = await candSrc.read(candName, { maxElements });
  if (plan.plan.sameOrder) return { ref, cand: Float32Array.from(raw), plan: plan.plan, refShape: ri.shape };
  const cand = new Float32Array(ri.numel);
  new Gatherer(plan.plan).feed(raw, cand, 0);
  return { ref, cand, plan: plan.plan, refShape: ri.shape };
}
