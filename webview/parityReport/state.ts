// The parity report's one mutable state: the report, what is selected and filtered, the
// tolerance edits, and the indexes derived from the report. Views read it; actions change it.
import type { LayerDetail, ParityReport, ParitySource, ReportPair } from '../../src/protocol/parityReport';
import type { ColormapName, Scale } from '../shared/colormap';
import { findJumps, type Rejudged } from './rejudge';

export type SortKey = 'index' | 'name' | 'max_abs' | 'mean_abs' | 'rel_l2' | 'cosine' | 'mismatch_ratio' | 'pass';

/** What survives the panel being hidden (the webview's setState). */
export interface Persisted {
  source: ParitySource | null;
  selected: string | null;
  filter: string;
  failingOnly: boolean;
}

export interface Override {
  readonly atol: number;
  readonly rtol: number;
  readonly result: Rejudged;
}

export interface Listed {
  readonly pair: ReportPair;
  readonly index: number;
}

export const state = {
  report: null as ParityReport | null,
  source: null as ParitySource | null,
  /** The host can re-run both sides inside a layer's module (Capture Inside). */
  captureInside: false,
  title: '',
  refLabel: '',
  candLabel: '',
  selected: null as string | null,
  filter: '',
  failingOnly: false,
  sort: { key: 'index' as SortKey, dir: 1 },
  detail: null as LayerDetail | null,
  overrides: new Map<string, Override>(),
  colormap: 'magma' as ColormapName,
  scale: 'linear' as Scale,
  /** Layer name → pair and capture index. */
  byName: new Map<string, Listed>(),
  /** Capture indexes where rel L2 jumps ≥10×. */
  jumps: new Set<number>(),
};

export function restore(saved: Persisted | undefined): void {
  state.source = saved?.source ?? null;
  state.selected = saved?.selected ?? null;
  state.filter = saved?.filter ?? '';
  state.failingOnly = saved?.failingOnly ?? false;
}

export function snapshot(): Persisted {
  return { source: state.source, selected: state.selected, filter: state.filter, failingOnly: state.failingOnly };
}

/** Rebuilds the indexes derived from the report (by name, jumps). */
export function indexReport(r: ParityReport): void {
  state.byName.clear();
  r.pairs.forEach((pair, index) => state.byName.set(pair.name, { pair, index }));
  const rel = r.pairs.map((p) => p.rel_l2);
  state.jumps = new Set(
    r.error_growth
      ? r.error_growth.points.filter((p) => p.jump).map((p) => p.index)
      : findJumps(
          rel,
          r.pairs.map((p) => p.rtol),
        ),
  );
}

/**
 * The verdict word shown: the engine's pass / drift / diverged; while an edit is being
 * re-judged by the host, the local re-judge's pass, or "fail" until the host says which.
 */
export function verdictWord(p: ReportPair): 'pass' | 'drift' | 'diverged' | 'not_compared' | 'fail' {
  const o = state.overrides.get(p.name);
  if (o) return o.result.pass ? 'pass' : p.verdict && p.verdict !== 'pass' ? p.verdict : 'fail';
  return p.verdict ?? (p.pass ? 'pass' : 'fail');
}

/** Within tolerance: the edited tolerance's when there is one, else the engine's; a pair not compared is no failure. */
export function verdictOf(p: ReportPair): boolean {
  if (p.verdict === 'not_compared') return true;
  return state.overrides.get(p.name)?.result.pass ?? p.pass;
}
