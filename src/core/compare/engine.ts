// The parity engine's entry point: opens both dumps (and the noise floor run), reads their
// manifests and capture notes, and compares them (compareSources.ts). Runs in a worker thread
// (worker.ts) or in-process.
import { openTensors, type TensorSource } from '../tensors';
import { givePool, POOL_MIN_ELEMENTS, defaultPoolSize, takePool } from './workerPool';
import { compileRules } from './mapFile';
import { findManifest, manifestNames, readManifestFile } from '../capture/manifest';
import { readCaptureNotes, type CaptureNotes } from './captureNotes';
import { compileTolerances } from './tolerance';
import { CompareInputError } from './inputError';
import { compareSources, type CompareHooks, type NoiseFloor } from './compareSources';
import type { CompareOptions, CompareOutput } from './types';

export { CompareInputError } from './inputError';
export {
  compareSources,
  DEFAULT_CHUNK_ELEMENTS,
  DEFAULT_WINDOW_ELEMENTS,
  DEFAULT_MAX_HEATMAPS,
  type CompareHooks,
  type NoiseFloor,
} from './compareSources';

async function openSide(path: string): Promise<TensorSource> {
  try {
    return await openTensors(path);
  } catch (e) {
    throw new CompareInputError((e as Error).message);
  }
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
