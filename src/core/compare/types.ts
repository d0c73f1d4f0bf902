// Result types of the parity engine. The `--json` output of `mflux-port compare` is
// `ReportJson` (snake_case keys, non-finite numbers as null); the webview renders the same
// objects plus the heatmaps, which travel separately because they hold typed arrays.
// Additive changes only: the parity-report panel and the CLI both depend on these shapes.
import type { DType } from '../tensors/types';
import type { Heatmap } from '../images/types';
import type { CaptureNotes } from '../capture/notes';

/** Known layout differences between PyTorch (reference) and MLX (candidate) dumps. */
export type LayoutTransform =
  | 'none'
  /** candidate `[N,H,W,C]` read as reference `[N,C,H,W]` */
  | 'nhwc_to_nchw'
  /** candidate `[N,C,H,W]` read as reference `[N,H,W,C]` */
  | 'nchw_to_nhwc'
  /** candidate `[N,L,C]` read as reference `[N,C,L]` */
  | 'nlc_to_ncl'
  /** candidate `[N,C,L]` read as reference `[N,L,C]` */
  | 'ncl_to_nlc'
  /** candidate conv weight `[O,kH,kW,I]` read as reference `[O,I,kH,kW]` */
  | 'ohwi_to_oihw'
  /** candidate conv weight `[O,I,kH,kW]` read as reference `[O,kH,kW,I]` */
  | 'oihw_to_ohwi'
  /** candidate packed latents `[B,(H/2)(W/2),4C]` read as reference `[B,C,H,W]` */
  | 'unpack_latents'
  /** candidate `[B,C,H,W]` read as reference packed latents `[B,(H/2)(W/2),4C]` */
  | 'pack_latents'
  /** same elements in the same order, only the shape differs (e.g. a squeezed batch dim) */
  | 'reshape';

/**
 * pass: within its tolerance; drift: outside it but carrying the error it received (no jump,
 * within the noise floor); diverged: this pair introduces error (see verdict.ts);
 * not_compared: a dtype that cannot be decoded (F4, F6, F8_E8M0, FNUZ float8s, UNKNOWN):
 * never a failure, never the first divergence (`verdict_why` and `reason` say which side).
 */
export type Verdict = 'pass' | 'drift' | 'diverged' | 'not_compared';

/**
 * Why the pair's layout transform was used: `shape` the shapes decide it; `convention` the
 * shapes are ambiguous (C == H == W, L == C) and the side's convention, learned from the
 * unambiguous pairs, decides it; `stored` ambiguous and no convention: compared as stored;
 * `values` as `stored`, but the values match only through another transform (a finding,
 * never a pass: `layout_detail` names it).
 */
export type LayoutWhy = 'shape' | 'convention' | 'stored' | 'values';

/** What the unambiguous pairs of one kind of tensor say about the candidate's layout. */
export interface LayoutConvention {
  /** '4-D activations', '4-D weights' or '3-D'. */
  readonly kind: string;
  /** The transform most unambiguous pairs use, null when no pair decided it or they disagree. */
  readonly transform: LayoutTransform | null;
  /** The kind whose pairs decided it: this kind, or the other 4-D kind when this one has no evidence (same permutation). */
  readonly learned_from: string | null;
  /** Unambiguous pairs (of `learned_from`) using `transform`, of all its unambiguous pairs. */
  readonly pairs: number;
  readonly of: number;
  /** Ambiguous pairs of this kind read through the convention. */
  readonly applied: number;
}

export interface SideInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** Per-side statistics over that side's finite values (population std, ddof 0). */
export interface SideStats {
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  /** The first 10 values in row-major order of the reference layout (null = NaN/Inf as JSON). */
  readonly first: readonly (number | null)[];
}

/**
 * Histogram of |cand − ref| over elements finite on both sides, with power-of-two bins:
 * bin k counts values in [2^(minExp+k), 2^(minExp+k+1)); `zero` counts exact zeros,
 * `below` values under 2^minExp, `above` values at or over 2^(maxExp).
 */
export interface DiffHistogram {
  readonly minExp: number;
  readonly maxExp: number;
  readonly counts: readonly number[];
  readonly zero: number;
  readonly below: number;
  readonly above: number;
}

/**
 * How a pair was found: the same name on both sides, a `--map` rename rule, the only tensor
 * of each side, or an alignment of the two captures (order, shapes, dtypes, value statistics)
 * with its confidence in [0, 1].
 */
export interface PairingInfo {
  readonly by: 'name' | 'rule' | 'single' | 'aligned';
  readonly confidence?: number;
  /** For aligned pairs: what decided it ("shape [1,64,8,8], 3rd of 5 such in order; stats agree"). */
  readonly why?: string;
}

/** One compared pair, in the shape of the `--json` output (snake_case on purpose). */
export interface PairResult {
  /** Display name: the reference name. */
  readonly name: string;
  readonly ref_name: string;
  readonly cand_name: string;
  readonly ref: SideInfo;
  readonly cand: SideInfo;
  readonly pairing: PairingInfo;
  /** The layout transform applied to the candidate, or null when no transform reconciles the shapes. */
  readonly transform: LayoutTransform | null;
  readonly atol: number;
  readonly rtol: number;
  /** Where atol/rtol came from: dtype defaults, --atol/--rtol, a name pattern, or a per-tensor entry. */
  readonly tolerance_source: 'dtype' | 'global' | 'pattern' | 'tensor';
  /** Number of elements compared. */
  readonly numel: number;
  // Metrics over elements finite on both sides; null when undefined (e.g. no finite element,
  // cosine of an all-zero side) or infinite (sqnr of identical tensors).
  readonly max_abs: number | null;
  /** Row-major multi-index of max_abs in the reference layout. */
  readonly max_abs_index: readonly number[] | null;
  readonly mean_abs: number | null;
  readonly rmse: number | null;
  /** max |cand − ref| / max(|ref|, 1e-12). */
  readonly max_rel: number | null;
  /** ‖cand − ref‖₂ / ‖ref‖₂. */
  readonly rel_l2: number | null;
  readonly cosine: number | null;
  /** 10·log10(Σref² / Σ(cand − ref)²). */
  readonly sqnr_db: number | null;
  /** Elements failing |cand − ref| ≤ atol + rtol·|ref| (equal Infs match; NaN matches NaN, equal_nan=True). */
  readonly mismatch: number;
  readonly mismatch_ratio: number;
  readonly nan_ref: number;
  readonly nan_cand: number;
  readonly inf_ref: number;
  readonly inf_cand: number;
  /** Within tolerance: every element satisfies |cand − ref| ≤ atol + rtol·|ref|, no structural failure. */
  readonly pass: boolean;
  readonly verdict: Verdict;
  /** One line on why the verdict (the rule that decided it, with its numbers). */
  readonly verdict_why: string;
  readonly layout_why: LayoutWhy;
  /** The side convention applied, or the transform the values match through. */
  readonly layout_detail?: string;
  /** rel_l2 of the noise-floor run (REF2 vs REF) for this pair, when --noise-floor was given and it has the name. */
  readonly noise_floor?: number | null;
  /** rel_l2 / noise_floor. */
  readonly floor_ratio?: number | null;
  /** Set when the pair failed for a structural reason (shapes, undecodable dtype, read error). */
  readonly reason?: string;
  /**
   * Set when something about the pair needs the user's attention without failing it, e.g.
   * identical shapes whose values only match through a layout transform.
   */
  readonly note?: string;
  readonly ref_stats?: SideStats;
  readonly cand_stats?: SideStats;
  readonly histogram?: DiffHistogram;
}

/** One point of the error-growth series (rel_l2 per pair in capture order). */
export interface GrowthPoint {
  readonly name: string;
  readonly index: number;
  readonly rel_l2: number | null;
  /** rel_l2 / previous rel_l2 (previous floored at 1e-12), null for the first point. */
  readonly ratio: number | null;
  /** A step of ≥10× to a value above this pair's rtol: a local bug reads as one such jump. */
  readonly jump: boolean;
  /** The largest rel_l2 of any earlier pair (what a jump is measured against), null for none. */
  readonly baseline: number | null;
  readonly verdict: Verdict;
  readonly noise_floor?: number | null;
}

export interface ErrorGrowth {
  readonly points: readonly GrowthPoint[];
  /**
   * 'local': the first diverged pair is a jump or structural (one layer introduced the error);
   * 'drift': pairs outside tolerance arrive after a slow rise (diverged only by the noise
   * floor, or not at all); 'none': every pair passes.
   */
  readonly pattern: 'local' | 'drift' | 'none';
}

/** What the alignment of unpaired tensors did (present when it ran). */
export interface AlignmentReport {
  /** 'manifest' when both sides had a manifest.jsonl, else each source's listing order. */
  readonly order: 'manifest' | 'listing';
  /** Pairs found and compared (confidence ≥ min_confidence). */
  readonly aligned: number;
  /** Whether value statistics were read to break ties. */
  readonly statistics?: boolean;
  readonly min_confidence?: number;
  /** Pairs the alignment found with too little confidence: not compared, only suggested. */
  readonly suggestions: readonly { readonly ref: string; readonly cand: string; readonly confidence: number; readonly why: string }[];
  /** Why alignment did not run, when it did not. */
  readonly skipped?: string;
}

/** The `--json` object. */
export interface ReportJson {
  readonly pairs: readonly PairResult[];
  /** The first pair whose verdict is diverged (a bug), in report order. */
  readonly first_divergence: string | null;
  /** The first pair outside its tolerance (drift or diverged). */
  readonly first_outside_tolerance: string | null;
  readonly verdicts: { readonly pass: number; readonly drift: number; readonly diverged: number; readonly not_compared: number };
  /** --strict: every pair outside its tolerance is diverged. */
  readonly strict: boolean;
  readonly noise_floor: { readonly path: string; readonly factor: number; readonly pairs: number } | null;
  readonly layout_conventions: readonly LayoutConvention[];
  readonly unmatched_ref: readonly string[];
  readonly unmatched_cand: readonly string[];
  readonly error_growth: ErrorGrowth;
  /** 'manifest' when a manifest.jsonl gave the capture order, else 'natural'. */
  readonly order: 'manifest' | 'natural';
  readonly ref_path: string;
  readonly cand_path: string;
  /** The probe's notes per side: a byte-cap cut, skipped values, dump sites (when its manifest has any). */
  readonly capture?: { readonly ref?: CaptureNotes; readonly cand?: CaptureNotes };
  /** Present when names left tensors unpaired on both sides and the alignment ran. */
  readonly alignment?: AlignmentReport;
}

/** Heatmaps of one pair (present for pairs that were compared element by element). */
export interface PairHeatmaps {
  readonly name: string;
  /** |diff| reduced to 2-D (max over channels unless `reduction` says otherwise). */
  readonly main: Heatmap;
  /** Per-channel maps of the worst channels (by max |diff|), worst first. */
  readonly channels: readonly (Heatmap & { readonly channel: number; readonly channelMax: number })[];
}

export interface CompareOutput {
  readonly report: ReportJson;
  /** Keyed by pair name; only for the pairs whose heatmaps were requested. */
  readonly heatmaps: Readonly<Record<string, PairHeatmaps>>;
}

/** Tolerance override: any of atol/rtol; missing fields fall through to the next level. */
export interface ToleranceOverride {
  readonly atol?: number;
  readonly rtol?: number;
}

/** The `--map FILE` contents (also settable from VS Code settings). */
export interface CompareMap {
  /** Ordered regex → replacement rules, applied in turn (sed-like, all matches) to reference names. */
  readonly rename?: readonly { readonly from: string; readonly to: string; /** Line in `file`. */ readonly line?: number }[];
  /** Ordered name-pattern tolerances (regex, first match wins). */
  readonly tolerances?: readonly ({ readonly pattern: string } & ToleranceOverride)[];
  /** Per-tensor tolerances, keyed by reference name. */
  readonly tensors?: Readonly<Record<string, ToleranceOverride>>;
  /** The file it was read from, for messages. */
  readonly file?: string;
}

export type HeatmapReduction = 'max' | 'mean';

export interface CompareOptions {
  readonly refPath: string;
  readonly candPath: string;
  readonly atol?: number;
  readonly rtol?: number;
  readonly map?: CompareMap;
  /** Which pairs get heatmaps: 'all', 'failing' (default) or 'none'. */
  readonly heatmaps?: 'all' | 'failing' | 'none';
  readonly reduction?: HeatmapReduction;
  /**
   * Keep heatmaps for at most this many pairs, the first ones in report order (default 64):
   * after a real divergence every later pair fails, and memory must stay bounded.
   */
  readonly maxHeatmaps?: number;
  /** How many worst channels get their own small map (default 6). */
  readonly worstChannels?: number;
  /** Elements per streamed chunk (default 1M). */
  readonly chunkElements?: number;
  /** Align tensors that names leave unpaired (default true). */
  readonly align?: boolean;
  /** Elements held for one window of a transformed candidate (default 32M). */
  readonly windowElements?: number;
  /**
   * Compare only these reference names (the panel re-measures one pair after a tolerance
   * edit); side conventions are still learned from every pair.
   */
  readonly only?: readonly string[];
  /** Every pair outside its tolerance is diverged (no drift verdict). */
  readonly strict?: boolean;
  /** A second reference run: per pair, its error against REF is the noise floor. */
  readonly noiseFloorPath?: string;
  /** k of the floor rule: diverged when rel_l2 > k × floor (default 4). */
  readonly floorFactor?: number;
  /**
   * Worker threads for large pairs (≥ 8M elements, real, same layout, no heatmap), default
   * min(available parallelism, 8); 0 measures every pair on the calling thread.
   */
  readonly workers?: number;
}

export interface CompareProgress {
  /** Pairs finished so far. */
  readonly done: number;
  readonly total: number;
  /** Pair being compared. */
  readonly current?: string;
  /** Elements of the current pair streamed so far, and its size. */
  readonly elementsDone?: number;
  readonly elementsTotal?: number;
}
