// Messages of the parity report panel. The report itself follows the `mflux-port compare
// --json` schema (snake_case, non-finite numbers as null) so an exported JSON is the same file.
import {
  isEmptyPayload,
  isErrorPayload,
  isFiniteNumber,
  isMessageOf,
  isNonNegInt,
  isNumberOrNull,
  isObject,
  isShape,
  isString,
  isStringArray,
  isTolerance,
  type PayloadChecks,
  type Tolerance,
} from './validate';
import { isReportCapture, type CaptureNotes, type DumpSite } from './captureNotes';
import type { ErrorGrowth, GrowthPoint as EngineGrowthPoint, PairingInfo, Verdict } from '../core/compare/types';

export type { Tolerance };
export type { CaptureNotes, DumpSite, PairingInfo };

export interface TensorSide {
  readonly dtype: string;
  readonly shape: readonly number[];
}

export interface ReportPair {
  readonly name: string;
  readonly ref_name: string;
  readonly cand_name: string;
  readonly ref: TensorSide;
  readonly cand: TensorSide;
  readonly transform: string | null;
  readonly atol: number;
  readonly rtol: number;
  readonly max_abs: number | null;
  readonly mean_abs: number | null;
  readonly rmse?: number | null;
  readonly max_rel?: number | null;
  readonly rel_l2: number | null;
  readonly cosine: number | null;
  readonly sqnr_db?: number | null;
  readonly mismatch: number | null;
  readonly mismatch_ratio: number | null;
  readonly nan_ref?: number;
  readonly nan_cand?: number;
  readonly inf_ref?: number;
  readonly inf_cand?: number;
  readonly pass: boolean;
  /** pass / drift / diverged / not_compared (engine reports since verdicts; older JSON has only `pass`). */
  readonly verdict?: Verdict;
  readonly verdict_why?: string;
  readonly layout_why?: string;
  readonly layout_detail?: string;
  readonly noise_floor?: number | null;
  readonly floor_ratio?: number | null;
  readonly reason?: string;
  /** Absent in reports written before pairing was recorded: read as `by: 'name'`. */
  readonly pairing?: PairingInfo;
  readonly numel?: number;
  readonly tolerance_source?: string;
  readonly ref_stats?: { readonly first: readonly (number | null)[] };
  readonly cand_stats?: { readonly first: readonly (number | null)[] };
}

/** A point of the error-growth series: the engine's, less what older reports lack (`baseline`, `verdict`). */
export type GrowthPoint = Pick<EngineGrowthPoint, 'name' | 'index' | 'rel_l2' | 'ratio' | 'jump'>;

export interface ParityReport {
  readonly pairs: readonly ReportPair[];
  /** rel_l2 per pair with the jumps marked, when the engine computed it. */
  readonly error_growth?: { readonly points: readonly GrowthPoint[]; readonly pattern: ErrorGrowth['pattern'] };
  readonly ref_path?: string;
  readonly cand_path?: string;
  readonly first_divergence: string | null;
  readonly verdicts?: { readonly pass: number; readonly drift: number; readonly diverged: number; readonly not_compared?: number };
  readonly unmatched_ref: readonly string[];
  readonly unmatched_cand: readonly string[];
  /** The probe's notes per side (a byte-cap cut, skipped values), from each side's manifest. */
  readonly capture?: { readonly ref?: CaptureNotes; readonly cand?: CaptureNotes };
}

export interface Heatmap {
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** Row-major |diff| (or a reduction of it), width*height values. */
  readonly values: Float32Array;
}

export interface LayerDetail {
  readonly name: string;
  readonly numel: number;
  readonly heatmap: Heatmap | null;
  /** Per-channel small multiples (worst channels first). */
  readonly channels: readonly Heatmap[];
  readonly firstRef: readonly (number | null)[];
  readonly firstCand: readonly (number | null)[];
  /** |diff| histogram on log-spaced bins: counts.length === edges.length - 1. */
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] } | null;
  /** Both sides in the reference's layout, when small enough to re-judge in the webview. */
  readonly elements: { readonly ref: Float32Array; readonly cand: Float32Array } | null;
  readonly note: string | null;
}

export interface ParitySource {
  readonly ref: string;
  readonly cand: string;
  /** A second reference run whose error against `ref` is each pair's noise floor. */
  readonly floor?: string;
}

export type ParityHostMessage =
  | {
      readonly kind: 'init';
      readonly payload: {
        readonly title: string;
        readonly refLabel: string;
        readonly candLabel: string;
        readonly report: ParityReport;
        readonly source: ParitySource | null;
        /** Both folders are run folders: Capture Inside can re-run them (the runners offer it). */
        readonly captureInside?: boolean;
      };
    }
  | { readonly kind: 'progress'; readonly payload: { readonly message: string; readonly done: number; readonly total: number } }
  | { readonly kind: 'layer'; readonly payload: LayerDetail }
  /** The report judged again after a tolerance edit (verdicts, first divergence, growth). */
  | { readonly kind: 'report'; readonly payload: { readonly report: ParityReport } }
  | { readonly kind: 'error'; readonly payload: { readonly message: string } };

export type ParityWebviewMessage =
  | { readonly kind: 'ready'; readonly payload: Record<string, never> }
  | { readonly kind: 'selectLayer'; readonly payload: { readonly name: string } }
  /** The host writes the file (JSON as `compare --json`, HTML as `compare --html`, heatmaps inline). */
  | { readonly kind: 'exportReport'; readonly payload: { readonly format: 'json' | 'html' } }
  | { readonly kind: 'copyText'; readonly payload: { readonly text: string } }
  | { readonly kind: 'toleranceChanged'; readonly payload: { readonly name: string; readonly tolerance: Tolerance } }
  /** Re-run both sides capturing only inside this layer's module (offered when init said captureInside). */
  | { readonly kind: 'captureInside'; readonly payload: { readonly name: string } }
  /** Go to Dump Site: the host opens the file:line the probe recorded for that side of the layer. */
  | { readonly kind: 'openDumpSite'; readonly payload: { readonly name: string; readonly side: 'ref' | 'cand' } };

/**
 * The file:line that dumped one side of a pair, from the report's capture notes (the probe's
 * manifest `site`), looked up by that side's tensor name (a repeated `name#2` falls back to
 * `name`). Webview and host use this one lookup; the host opens only what it returns.
 */
export function dumpSiteOf(report: ParityReport, pair: ReportPair, side: 'ref' | 'cand'): DumpSite | undefined {
  const sites = report.capture?.[side]?.sites;
  if (!sites) return undefined;
  const name = side === 'ref' ? pair.ref_name : pair.cand_name;
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(sites, k) ? sites[k] : undefined);
  return own(name) ?? own(name.replace(/#\d+$/, ''));
}

function isSide(v: unknown): v is TensorSide {
  return isObject(v) && isString(v.dtype, 64) && isShape(v.shape);
}

/** An aligned pair must carry its confidence (the panel shows it); other kinds may not claim one above 1. */
function isPairingInfo(v: unknown): v is PairingInfo {
  if (!isObject(v)) return false;
  const known = v.by === 'name' || v.by === 'rule' || v.by === 'single' || v.by === 'aligned';
  const conf = v.confidence;
  const confOk = conf === undefined ? v.by !== 'aligned' : isFiniteNumber(conf) && conf >= 0 && conf <= 1;
  return known && confOk && (v.why === undefined || isString(v.why, 2000));
}

function isPair(v: unknown): v is ReportPair {
  if (!isObject(v)) return false;
  return (
    isString(v.name) &&
    isString(v.ref_name) &&
    isString(v.cand_name) &&
    isSide(v.ref) &&
    isSide(v.cand) &&
    (v.transform === null || isString(v.transform, 128)) &&
    isFiniteNumber(v.atol) &&
    isFiniteNumber(v.rtol) &&
    isNumberOrNull(v.max_abs) &&
    isNumberOrNull(v.mean_abs) &&
    isNumberOrNull(v.rel_l2) &&
    isNumberOrNull(v.cosine) &&
    isNumberOrNull(v.mismatch) &&
    isNumberOrNull(v.mismatch_ratio) &&
    typeof v.pass === 'boolean' &&
    (v.reason === undefined || isString(v.reason)) &&
    (v.verdict === undefined ||
      v.verdict === 'pass' ||
      v.verdict === 'drift' ||
      v.verdict === 'diverged' ||
      v.verdict === 'not_compared') &&
    (v.verdict_why === undefined || isString(v.verdict_why)) &&
    (v.pairing === undefined || isPairingInfo(v.pairing))
  );
}

function isParityReport(v: unknown): v is ParityReport {
  return (
    isObject(v) &&
    Array.isArray(v.pairs) &&
    v.pairs.every(isPair) &&
    (v.first_divergence === null || isString(v.first_divergence)) &&
    isStringArray(v.unmatched_ref) &&
    isStringArray(v.unmatched_cand) &&
    isReportCapture(v.capture)
  );
}

function isHeatmap(v: unknown): v is Heatmap {
  return (
    isObject(v) &&
    isString(v.label) &&
    isNonNegInt(v.width) &&
    isNonNegInt(v.height) &&
    v.values instanceof Float32Array &&
    v.values.length === (v.width as number) * (v.height as number)
  );
}

function isValueList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 64 && v.every((x) => x === null || typeof x === 'number');
}

function isLayerDetail(p: Record<string, unknown>): boolean {
  const h = p.histogram;
  const e = p.elements;
  return (
    isString(p.name) &&
    isNonNegInt(p.numel) &&
    (p.heatmap === null || isHeatmap(p.heatmap)) &&
    Array.isArray(p.channels) &&
    p.channels.every(isHeatmap) &&
    isValueList(p.firstRef) &&
    isValueList(p.firstCand) &&
    (h === null || (isObject(h) && Array.isArray(h.edges) && Array.isArray(h.counts) && h.counts.length === h.edges.length - 1)) &&
    (e === null || (isObject(e) && e.ref instanceof Float32Array && e.cand instanceof Float32Array && e.ref.length === e.cand.length)) &&
    (p.note === null || isString(p.note))
  );
}

const HOST_CHECKS: PayloadChecks = {
  init: (p) =>
    isString(p.title) &&
    isString(p.refLabel) &&
    isString(p.candLabel) &&
    isParityReport(p.report) &&
    (p.source === null ||
      (isObject(p.source) &&
        isString(p.source.ref) &&
        isString(p.source.cand) &&
        (p.source.floor === undefined || isString(p.source.floor)))) &&
    (p.captureInside === undefined || typeof p.captureInside === 'boolean'),
  progress: (p) => isString(p.message) && isFiniteNumber(p.done) && isFiniteNumber(p.total),
  layer: isLayerDetail,
  report: (p) => isParityReport(p.report),
  error: isErrorPayload,
};

const WEBVIEW_CHECKS: PayloadChecks = {
  ready: isEmptyPayload,
  selectLayer: (p) => isString(p.name),
  exportReport: (p) => (p.format === 'json' || p.format === 'html') && Object.keys(p).length === 1,
  copyText: (p) => isString(p.text, 100_000),
  toleranceChanged: (p) => isString(p.name) && isTolerance(p.tolerance),
  captureInside: (p) => isString(p.name) && Object.keys(p).length === 1,
  openDumpSite: (p) => isString(p.name) && (p.side === 'ref' || p.side === 'cand') && Object.keys(p).length === 2,
};

export function isParityHostMessage(m: unknown): m is ParityHostMessage {
  return isMessageOf(m, HOST_CHECKS, false);
}

export function isParityWebviewMessage(m: unknown): m is ParityWebviewMessage {
  return isMessageOf(m, WEBVIEW_CHECKS, true);
}
