// The image diff's one mutable state: the pairs, the selected pair once loaded, the view
// (zoom, pan, mode and its controls) and the golden-rule parameters.
import {
  MFLUX_RULE_DEFAULTS,
  type LoadedImage,
  type ImageDiffSource,
  type PairMetrics,
  type ImagePairInfo,
  type RuleParams,
} from '../../src/protocol/imageDiff';
import type { ColormapName } from '../shared/colormap';
import type { JointHistogram } from '../shared/goldenRule';

export type Mode = 'side' | 'swipe' | 'onion' | 'blink' | 'diff' | 'heat';
export const MODES: readonly { id: Mode; label: string; key: string }[] = [
  { id: 'side', label: 'Side by side', key: '1' },
  { id: 'swipe', label: 'Swipe', key: '2' },
  { id: 'onion', label: 'Onion skin', key: '3' },
  { id: 'blink', label: 'Blink', key: '4' },
  { id: 'diff', label: 'Difference', key: '5' },
  { id: 'heat', label: 'Heatmap', key: '6' },
];
export const GAINS = [1, 2, 4, 8, 16, 32, 64];

/** What survives the panel being hidden (the webview's setState). */
export interface Persisted {
  source: ImageDiffSource | null;
  rule: RuleParams;
  mode: Mode;
  selected: number;
}

export interface Loaded {
  readonly id: number;
  readonly ref: LoadedImage | null;
  readonly cand: LoadedImage | null;
  readonly problems: readonly string[];
  readonly metrics: PairMetrics | null;
  readonly refCanvas: HTMLCanvasElement | null;
  readonly candCanvas: HTMLCanvasElement | null;
  /** Set when both decoded with equal sizes. */
  readonly comparable: boolean;
  /** Set when the rule can run (comparable and same channel count). */
  readonly joint: JointHistogram | null;
  readonly ruleError: string | null;
  /** max over channels of |a-b|, per pixel (for the heatmap). */
  readonly maxDiff: Float32Array | null;
}

export const state = {
  title: '',
  pairs: [] as readonly ImagePairInfo[],
  stepwise: false,
  source: null as ImageDiffSource | null,
  selected: 0,
  rule: { ...MFLUX_RULE_DEFAULTS } as RuleParams,
  mode: 'side' as Mode,
  /** True when the panel came back with a persisted state (its rule and pair win over the host's). */
  restored: false,
  loaded: null as Loaded | null,
  view: { scale: 1, ox: 0, oy: 0, fit: true },
  opacity: 0.5,
  gain: 8,
  colormap: 'magma' as ColormapName,
  swipe: 0.5,
  blinkShowsCand: false,
  stepMetrics: new Map<number, { psnr: number | null; ssim: number | null }>(),
  hover: null as { x: number; y: number } | null,
};

export function restore(saved: Persisted | undefined): void {
  state.restored = !!saved;
  if (!saved) return;
  state.source = saved.source ?? null;
  state.selected = saved.selected ?? 0;
  state.rule = saved.rule ?? { ...MFLUX_RULE_DEFAULTS };
  state.mode = saved.mode ?? 'side';
}

export function snapshot(): Persisted {
  return { source: state.source, rule: state.rule, mode: state.mode, selected: state.selected };
}

/** The size both images fit in (the larger of each side), or null before a pair is loaded. */
export function imageSize(): { w: number; hgt: number } | null {
  const l = state.loaded;
  const img = l?.ref ?? l?.cand;
  if (!img) return null;
  return { w: Math.max(l?.ref?.width ?? 0, l?.cand?.width ?? 0), hgt: Math.max(l?.ref?.height ?? 0, l?.cand?.height ?? 0) };
}
