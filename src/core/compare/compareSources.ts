// Compares two opened sources: pairs their tensors, measures each pair once (in the worker pool
// when it is large, else streamed here) with its heatmap, and assembles the judged report.
import { isComplex } from '../tensors/dtypes';
import type { TensorInfo, TensorSource } from '../tensors';
import { HeatmapAccumulator, heatGeometry } from '../images/heatmap';
import { LayoutConventions } from './convention';
import { alternativePlans, type LayoutPlan } from './layout';
import { ComplexAccumulator } from './complexMetrics';
import { MetricAccumulator } from './metrics';
import { type ComparePool, POOL_MIN_ELEMENTS, measureInPool } from './workerPool';
import { pairNames } from './pairing';
import { compileRules } from './mapFile';
import { alignSources } from './alignSources';
import { compileTolerances } from './tolerance';
import { CompareInputError } from './inputError';
import { streamPair } from './stream';
import { emptyResult } from './unmeasured';
import type { CompareOptions, CompareOutput, CompareProgress, PairHeatmaps, ReportJson } from './types';
import { DEFAULT_FLOOR_FACTOR, judge, type UnjudgedPair } from './verdict';

export const DEFAULT_CHUNK_ELEMENTS = 1 << 20;
export const DEFAULT_WINDOW_ELEMENTS = 32 << 20;
export const DEFAULT_MAX_HEATMAPS = 64;
/**
 * Failing ambiguous pairs that no side convention decides, up to this size, are retried
 * through the layout transforms that keep the shape (to report a transposed tensor).
 */
const ALTERNATIVE_LIMIT = 16 << 20;

export interface CompareHooks {
  readonly onProgress?: (p: CompareProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * The worker pool that measures large pairs (workerPool.ts); runCompare takes one of
   * `options.workers` workers when none is given, and gives it back at the end.
   */
  readonly pool?: ComparePool;
}

/** The noise floor run (REF vs REF2 by name): per reference name, the rel_l2 between the two reference runs. */
export interface NoiseFloor {
  readonly path: string;
  readonly floors: ReadonlyMap<string, number>;
}

function fmtNum(v: number | null): string {
  return v === null ? '—' : v.toPrecision(3);
}

function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/**
 * Compares two already opened sources (the caller closes them). `manifests` are the capture
 * orders, when known; paths in `options` are only used for the report.
 */
export async function compareSources(
  ref: TensorSource,
  cand: TensorSource,
  options: CompareOptions,
  hooks: CompareHooks = {},
  manifests: { ref?: readonly string[]; cand?: readonly string[] } = {},
  floor?: NoiseFloor,
): Promise<CompareOutput> {
  const { signal } = hooks;
  let tolerances;
  let rules;
  try {
    tolerances = compileTolerances({ atol: options.atol, rtol: options.rtol }, options.map);
    rules = compileRules(options.map);
  } catch (e) {
    throw new CompareInputError((e as Error).message);
  }
  const refNames = ref.list().map((i) => i.name);
  const candNames = cand.list().map((i) => i.name);
  let pairing;
  let alignment: ReportJson['alignment'];
  try {
    pairing = pairNames(refNames, candNames, rules, manifests);
    if (options.align !== false && pairing.unmatchedRef.length && pairing.unmatchedCand.length) {
      const found = await alignSources(ref, cand, pairing, manifests, signal);
      alignment = found.report;
      if (found.pairs.length) pairing = pairNames(refNames, candNames, rules, manifests, found.pairs);
    }
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new CompareInputError((e as Error).message);
  }
  const heatMode = options.heatmaps ?? 'failing';
  const chunkElements = options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS;
  const windowElements = options.windowElements ?? DEFAULT_WINDOW_ELEMENTS;
  const pairs: UnjudgedPair[] = [];
  const heatmaps: Record<string, PairHeatmaps> = {};
  const total = pairing.pairs.length;
  // Headers only: learn each kind of tensor's layout from the pairs whose shapes decide it.
  const conventions = new LayoutConventions(
    pairing.pairs.map(([rn, cn]) => ({ name: rn, ref: (ref.get(rn) as TensorInfo).shape, cand: (cand.get(cn) as TensorInfo).shape })),
  );
  let lastReport = 0;
  const only = options.only ? new Set(options.only) : null;
  for (const [refName, candName] of pairing.pairs) {
    signal?.throwIfAborted();
    if (only && !only.has(refName)) continue;
    const r = ref.get(refName) as TensorInfo;
    const c = cand.get(candName) as TensorInfo;
    const tol = tolerances.resolve(refName, r.dtype, c.dtype);
    const how = pairing.pairedBy.get(refName) ?? { by: 'name' };
    hooks.onProgress?.({ done: pairs.length, total, current: refName, elementsDone: 0, elementsTotal: r.numel });
    const decision = conventions.decide(r.shape, c.shape, refName);
    const planned = decision.result;
    let layoutWhy = decision.why;
    let layoutDetail = decision.detail;
    if (!planned.ok) {
      pairs.push(emptyResult(refName, candName, how, r, c, tol, null, planned.reason));
      continue;
    }
    const plan = planned.plan;
    if (!r.decodable || !c.decodable) {
      const side = !r.decodable ? `reference dtype ${r.dtype}` : `candidate dtype ${c.dtype}`;
      const why = `not compared: ${side} cannot be decoded to float`;
      pairs.push({
        ...emptyResult(refName, candName, how, r, c, tol, plan.transform, why, layoutWhy),
        verdict: 'not_compared',
        verdict_why: why,
      });
      continue;
    }
    const geometryFor = (p: LayoutPlan) =>
      heatGeometry(r.shape, { name: refName, packedGrid: p.packedGrid, axes3d: p.transform === 'nlc_to_ncl' ? ['C', 'L'] : undefined });
    const complex = isComplex(r.dtype) || isComplex(c.dtype);
    const progress = (done: number) => {
      const now = Date.now();
      if (now - lastReport < 100) return;
      lastReport = now;
      hooks.onProgress?.({ done: pairs.length, total, current: refName, elementsDone: done, elementsTotal: r.numel });
    };
    const measure = async (p: LayoutPlan) => {
      const full = Object.keys(heatmaps).length >= (options.maxHeatmaps ?? DEFAULT_MAX_HEATMAPS);
      const heat =
        heatMode === 'none' || r.numel === 0 || full ? null : new HeatmapAccumulator(geometryFor(p), { reduction: options.reduction });
      // the mean reduction sums cells in element order: it stays on this thread
      if (hooks.pool && !complex && (!heat || heat.mergeable) && p.sameOrder && r.numel >= POOL_MIN_ELEMENTS) {
        const sides = { ref, cand, refInfo: r, candInfo: c };
        const pooled = await measureInPool(hooks.pool, sides, tol, signal, progress, heat);
        if (pooled) return { m: pooled.finish(r.shape), heat, plan: p };
      }
      const acc = complex ? new ComplexAccumulator(tol.atol, tol.rtol) : new MetricAccumulator(tol.atol, tol.rtol);
      await streamPair({
        ref,
        cand,
        refInfo: r,
        candInfo: c,
        plan: p,
        acc,
        heat,
        complex,
        chunkElements,
        windowElements,
        signal,
        progress,
      });
      return { m: acc.finish(r.shape), heat, plan: p };
    };
    let result;
    let note: string | undefined;
    try {
      result = await measure(plan);
      if (result.m.mismatch > 0 && layoutWhy === 'stored' && r.numel <= ALTERNATIVE_LIMIT) {
        // Equal shapes do not prove equal layouts, and no unambiguous pair told this side's
        // convention: a transform that only the values find is reported, never applied.
        for (const alt of alternativePlans(r.shape, refName)) {
          const tried = await measure(alt);
          const better =
            tried.m.mismatch === 0 || (tried.m.rel_l2 !== null && result.m.rel_l2 !== null && tried.m.rel_l2 * 100 < result.m.rel_l2);
          if (!better) continue;
          layoutWhy = 'values';
          layoutDetail = `the values match only when the candidate is read through ${alt.transform} (as stored: ${result.m.mismatch} of ${r.numel} elements mismatch, rel_l2 ${fmtNum(result.m.rel_l2)}; through ${alt.transform}: ${tried.m.mismatch}, rel_l2 ${fmtNum(tried.m.rel_l2)}), and no unambiguous pair shows the candidate uses that layout: a transposed tensor`;
          note = layoutDetail;
          break;
        }
      }
    } catch (e) {
      if (isAbort(e)) throw e;
      pairs.push(emptyResult(refName, candName, how, r, c, tol, plan.transform, `read failed: ${(e as Error).message}`, layoutWhy));
      continue;
    }
    const { m, heat } = result;
    const pass = m.mismatch === 0;
    pairs.push({
      name: refName,
      ref_name: refName,
      cand_name: candName,
      ref: { dtype: r.dtype, shape: [...r.shape] },
      cand: { dtype: c.dtype, shape: [...c.shape] },
      pairing: how,
      transform: result.plan.transform,
      atol: tol.atol,
      rtol: tol.rtol,
      tolerance_source: tol.source,
      ...m,
      pass,
      layout_why: layoutWhy,
      ...(layoutDetail ? { layout_detail: layoutDetail } : {}),
      ...(note ? { note } : {}),
    });
    if (heat && (heatMode === 'all' || !pass) && Object.keys(heatmaps).length < (options.maxHeatmaps ?? DEFAULT_MAX_HEATMAPS)) {
      const h = heat.finish(options.worstChannels ?? 6);
      heatmaps[refName] = { name: refName, main: h.main, channels: h.channels };
    }
  }
  hooks.onProgress?.({ done: total, total });
  const factor = options.floorFactor ?? DEFAULT_FLOOR_FACTOR;
  const judged = judge(pairs, { strict: options.strict, floors: floor?.floors, floorFactor: factor });
  const report: ReportJson = {
    pairs: judged.pairs,
    first_divergence: judged.firstDivergence,
    first_outside_tolerance: judged.firstOutsideTolerance,
    verdicts: judged.counts,
    strict: options.strict ?? false,
    noise_floor: floor ? { path: floor.path, factor, pairs: judged.pairs.filter((p) => p.noise_floor !== undefined).length } : null,
    layout_conventions: conventions.summary(),
    unmatched_ref: pairing.unmatchedRef,
    unmatched_cand: pairing.unmatchedCand,
    error_growth: judged.growth,
    order: pairing.order,
    ref_path: ref.path,
    cand_path: cand.path,
    ...(alignment ? { alignment } : {}),
  };
  return { report, heatmaps };
}
