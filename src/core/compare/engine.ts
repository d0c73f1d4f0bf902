// The parity engine: opens both dumps, pairs tensors, streams each pair once through the
// metric and heatmap accumulators, and assembles the report. Memory stays bounded: two chunk
// buffers (plus one window of the candidate when a layout transform reorders it) and small
// per-pair state. Runs in a worker thread (worker.ts) or in-process.
import { outputIsFloat64 } from '../tensors/decode';
import { isComplex } from '../tensors/dtypes';
import { openTensors, type TensorInfo, type TensorSource } from '../tensors';
import { HeatmapAccumulator, heatGeometry } from '../images/heatmap';
import { LayoutConventions } from './convention';
import { Gatherer, alternativePlans, type LayoutPlan } from './layout';
import { ComplexAccumulator } from './complexMetrics';
import { MetricAccumulator } from './metrics';
import { Cursor } from './cursor';
import { givePool, POOL_MIN_ELEMENTS, defaultPoolSize, measureInPool, takePool, type ComparePool } from './workerPool';
import { pairNames } from './pairing';
import { compileRules } from './mapFile';
import { alignSources } from './alignSources';
import { findManifest, manifestNames, readManifestFile } from '../capture/manifest';
import { readCaptureNotes, type CaptureNotes } from './captureNotes';
import { compileTolerances } from './tolerance';
import type { CompareOptions, CompareOutput, CompareProgress, LayoutWhy, PairHeatmaps, PairingInfo, PairResult, ReportJson } from './types';
import { DEFAULT_FLOOR_FACTOR, judge, type UnjudgedPair } from './verdict';

export const DEFAULT_CHUNK_ELEMENTS = 1 << 20;
export const DEFAULT_WINDOW_ELEMENTS = 32 << 20;
export const DEFAULT_MAX_HEATMAPS = 64;
/**
 * Failing ambiguous pairs that no side convention decides, up to this size, are retried
 * through the layout transforms that keep the shape (to report a transposed tensor).
 */
const ALTERNATIVE_LIMIT = 16 << 20;

/** Bad input the user can fix (missing file, bad map file...): the CLI exits 2 on these. */
export class CompareInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareInputError';
  }
}

export interface CompareHooks {
  readonly onProgress?: (p: CompareProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * The worker pool that measures large pairs (workerPool.ts); runCompare takes one of
   * `options.workers` workers when none is given, and gives it back at the end.
   */
  readonly pool?: ComparePool;
}

async function openSide(path: string): Promise<TensorSource> {
  try {
    return await openTensors(path);
  } catch (e) {
    throw new CompareInputError((e as Error).message);
  }
}

function emptyResult(
  refName: string,
  candName: string,
  pairing: PairingInfo,
  r: TensorInfo,
  c: TensorInfo,
  tol: { atol: number; rtol: number; source: PairResult['tolerance_source'] },
  transform: PairResult['transform'],
  reason: string,
  layoutWhy: LayoutWhy = 'shape',
): UnjudgedPair {
  return {
    name: refName,
    ref_name: refName,
    cand_name: candName,
    ref: { dtype: r.dtype, shape: [...r.shape] },
    cand: { dtype: c.dtype, shape: [...c.shape] },
    pairing,
    transform,
    atol: tol.atol,
    rtol: tol.rtol,
    tolerance_source: tol.source,
    numel: r.numel,
    max_abs: null,
    max_abs_index: null,
    mean_abs: null,
    rmse: null,
    max_rel: null,
    rel_l2: null,
    cosine: null,
    sqnr_db: null,
    // Nothing could be compared, so no element counts as matching.
    mismatch: r.numel,
    mismatch_ratio: 1,
    nan_ref: 0,
    nan_cand: 0,
    inf_ref: 0,
    inf_cand: 0,
    pass: false,
    layout_why: layoutWhy,
    reason,
  };
}

interface StreamArgs {
  readonly ref: TensorSource;
  readonly cand: TensorSource;
  readonly refInfo: TensorInfo;
  readonly candInfo: TensorInfo;
  readonly plan: LayoutPlan;
  readonly acc: MetricAccumulator | ComplexAccumulator;
  /** Both sides are streamed as interleaved (re, im) pairs (either side is complex). */
  readonly complex: boolean;
  readonly heat: HeatmapAccumulator | null;
  readonly chunkElements: number;
  readonly windowElements: number;
  readonly signal?: AbortSignal;
  readonly progress: (done: number) => void;
}

async function streamPair(a: StreamArgs): Promise<void> {
  const { acc, heat, signal } = a;
  // Counted in floats: a complex element is two of them (re, im).
  const width = a.complex ? 2 : 1;
  const n = a.refInfo.numel * width;
  // 32/64-bit integers come as float64 (exact up to 2^53): through float32, 16777217 reads as 16777216.
  // Every chunk is consumed before the next is asked for: the readers reuse their buffers.
  const opts = { chunkElements: a.chunkElements, signal, float64: true, complex: a.complex, reuse: true };
  const refCur = new Cursor(a.ref.chunks(a.refInfo.name, opts)[Symbol.asyncIterator]());
  const ended = (side: TensorInfo) =>
    new Error(`${side.file}: tensor ${JSON.stringify(side.name)} ended before its ${side.numel} elements`);
  try {
    if (a.plan.sameOrder) {
      const candCur = new Cursor(a.cand.chunks(a.candInfo.name, opts)[Symbol.asyncIterator]());
      try {
        let done = 0;
        while (done < n) {
          signal?.throwIfAborted();
          const ra = await refCur.available();
          const ca = await candCur.available();
          if (ra === 0 || ca === 0) throw ended(ra === 0 ? a.refInfo : a.candInfo);
          const m = Math.min(ra, ca, n - done);
          const d = acc.update(refCur.take(m), candCur.take(m));
          heat?.add(d);
          done += m;
          a.progress(done / width);
        }
      } finally {
        await candCur.close();
      }
      return;
    }
    // Reordered candidate: gather one window of it (in reference order) per pass over it.
    const size = Math.min(n, a.windowElements * width);
    const window = outputIsFloat64(a.candInfo.dtype, true) ? new Float64Array(size) : new Float32Array(size);
    // (re, im) stay together: the pair is one more, innermost dim that the transform keeps last
    const plan = a.complex ? { ...a.plan, candView: [...a.plan.candView, 2], perm: [...a.plan.perm, a.plan.candView.length] } : a.plan;
    const gather = new Gatherer(plan);
    let done = 0;
    for (let start = 0; start < n; start += size) {
      const w = start + size <= n ? window : window.subarray(0, n - start);
      gather.reset();
      let fed = 0;
      for await (const c of a.cand.chunks(a.candInfo.name, opts)) {
        signal?.throwIfAborted();
        gather.feed(c, w, start);
        fed += c.length;
      }
      // A short stream would leave stale values in the window: refuse it.
      if (fed !== a.candInfo.numel * width) throw ended(a.candInfo);
      let at = 0;
      while (at < w.length) {
        signal?.throwIfAborted();
        const ra = await refCur.available();
        if (ra === 0) throw ended(a.refInfo);
        const m = Math.min(ra, w.length - at);
        const d = acc.update(refCur.take(m), w.subarray(at, at + m));
        heat?.add(d);
        at += m;
        done += m;
        a.progress(done / width);
      }
    }
  } finally {
    await refCur.close();
  }
}

function fmtNum(v: number | null): string {
  return v === null ? '—' : v.toPrecision(3);
}

function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

/** The probe's cut / skipped / site notes from the manifest next to a dump, when there are any. */
function notesOf(path: string): CaptureNotes | undefined {
  const m = findManifest(path);
  if (!m) return undefined;
  const n = readCaptureNotes(m);
  return n.cut || n.skipped.length || Object.keys(n.sites).length ? n : undefined;
}

/** Runs a whole comparison. Throws CompareInputError for bad input, AbortError when cancelled. */
export async function runCompare(options: CompareOptions, hooks: CompareHooks = {}): Promise<CompareOutput> {
  // Bad tolerances or rules fail before any file is opened.
  try {
    compileTolerances({ atol: options.atol, rtol: options.rtol }, options.map);
    compileRules(options.map);
  } catch (e) {
    throw new CompareInputError((e as Error).message);
  }
  const manifestOf = (p: string): string[] | undefined => {
    const m = findManifest(p);
    if (!m) return undefined;
    try {
      return manifestNames(readManifestFile(m));
    } catch (e) {
      throw new CompareInputError((e as Error).message);
    }
  };
  const refManifest = manifestOf(options.refPath);
  const candManifest = manifestOf(options.candPath);
  const ref = await openSide(options.refPath);
  let cand: TensorSource;
  try {
    cand = await openSide(options.candPath);
  } catch (e) {
    await ref.close();
    throw e;
  }
  const size = options.workers ?? defaultPoolSize();
  // workers kept from the last comparison of this thread, or started on the first large pair;
  // every worker reopens ref/cand by path
  const pool = hooks.pool ?? (size > 0 ? takePool(size) : undefined);
  // a large tensor on both sides: the workers start up while pairs are formed
  const large = (src: TensorSource) => src.list().some((t) => t.numel >= POOL_MIN_ELEMENTS);
  if (pool && large(ref) && large(cand)) pool.start();
  const inner = { ...hooks, pool };
  try {
    const floor = options.noiseFloorPath ? await noiseFloors(ref, options, inner, refManifest) : undefined;
    const out = await compareSources(ref, cand, options, inner, { ref: refManifest, cand: candManifest }, floor);
    const capture = { ref: notesOf(options.refPath), cand: notesOf(options.candPath) };
    return capture.ref || capture.cand ? { ...out, report: { ...out.report, capture } } : out;
  } finally {
    if (pool && !hooks.pool) givePool(pool);
    await Promise.all([ref.close(), cand.close()]);
  }
}

/** The noise floor run: REF vs REF2 by name; per reference name, the rel_l2 between the two reference runs. */
export interface NoiseFloor {
  readonly path: string;
  readonly floors: ReadonlyMap<string, number>;
}

async function noiseFloors(
  ref: TensorSource,
  options: CompareOptions,
  hooks: CompareHooks,
  refManifest: readonly string[] | undefined,
): Promise<NoiseFloor> {
  const path = options.noiseFloorPath as string;
  const k = options.floorFactor;
  if (k !== undefined && (!Number.isFinite(k) || k < 1)) throw new CompareInputError('--floor-factor must be a number ≥ 1');
  const floorSrc = await openSide(path);
  try {
    const onProgress = hooks.onProgress;
    const { report } = await compareSources(
      ref,
      floorSrc,
      {
        refPath: options.refPath,
        candPath: path,
        heatmaps: 'none',
        chunkElements: options.chunkElements,
        windowElements: options.windowElements,
      },
      {
        signal: hooks.signal,
        onProgress: onProgress ? (p) => onProgress({ ...p, current: `noise floor: ${p.current ?? ''}` }) : undefined,
      },
      { ref: refManifest },
    );
    if (report.pairs.length === 0)
      throw new CompareInputError(`--noise-floor ${path}: no tensor names in common with the reference ${options.refPath}`);
    const floors = new Map<string, number>();
    for (const p of report.pairs) {
      if (p.reason !== undefined) continue;
      const v = p.rel_l2 ?? (p.max_abs === 0 ? 0 : null);
      if (v !== null) floors.set(p.ref_name, v);
    }
    return { path: floorSrc.path, floors };
  } finally {
    await floorSrc.close();
  }
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
