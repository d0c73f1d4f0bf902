// Pure helpers for the layer table: which rows are listed in which order, and the compact
// texts of its cells.
import type { ReportPair } from '../../src/protocol/parityReport';
import type { Listed, SortKey } from './state';

export interface RowQuery {
  readonly filter: string;
  readonly failingOnly: boolean;
  readonly sort: { readonly key: SortKey; readonly dir: number };
  /** The verdict shown (an edited tolerance's or the engine's). */
  readonly verdict: (p: ReportPair) => boolean;
  /** Sort rank of the verdict shown (diverged 0, drift 1, not compared 2, pass 3); without it, outside tolerance first. */
  readonly rank?: (p: ReportPair) => number;
  /** The mismatch ratio shown (an edited tolerance's or the engine's). */
  readonly ratio: (p: ReportPair) => number | null | undefined;
}

/** The pairs the table lists: filtered by name and verdict, sorted stably by capture order. */
export function listRows(pairs: readonly ReportPair[], q: RowQuery): Listed[] {
  const text = q.filter.trim().toLowerCase();
  let rows = pairs.map((pair, index) => ({ pair, index }));
  if (text) rows = rows.filter(({ pair }) => pair.name.toLowerCase().includes(text) || pair.cand_name.toLowerCase().includes(text));
  if (q.failingOnly) rows = rows.filter(({ pair }) => !q.verdict(pair));
  const { key, dir } = q.sort;
  if (key !== 'index') {
    const val = (p: ReportPair): number | string => {
      if (key === 'name') return p.name;
      if (key === 'pass') return q.rank ? q.rank(p) : q.verdict(p) ? 1 : 0;
      if (key === 'mismatch_ratio') return q.ratio(p) ?? Infinity;
      const v = p[key];
      return v === null || v === undefined ? Infinity : v;
    };
    rows.sort((a, b) => {
      const x = val(a.pair);
      const y = val(b.pair);
      const c = typeof x === 'string' ? x.localeCompare(y as string, undefined, { numeric: true }) : (x as number) - (y as number);
      return (c || a.index - b.index) * dir;
    });
  }
  return rows;
}

/** A click on a column: the same column flips direction; a new one starts in its natural order. */
export function nextSort(cur: { key: SortKey; dir: number }, key: SortKey): { key: SortKey; dir: number } {
  return cur.key === key
    ? { key, dir: -cur.dir }
    : { key, dir: key === 'cosine' || key === 'name' || key === 'index' || key === 'pass' ? 1 : -1 };
}

/** Near 1 the distance from 1 is what matters: `1−3e-9` instead of `1.000000`. */
export function cosineText(c: number | null): string {
  if (c === null) return '—';
  const gap = 1 - c;
  // Below 1e-12 the gap is float64 rounding, not a difference between the sides.
  return gap >= 1e-12 && gap < 1e-5 ? `1−${gap.toExponential(0).replace('e+', 'e')}` : c.toFixed(6);
}

/**
 * Shortens a layer name in the middle (`transformer_blocks.1…attn.to_out.0`): the end names
 * the module and the start names the block, so both stay readable.
 */
export function middleEllipsis(name: string, max: number): string {
  if (name.length <= max) return name;
  const room = Math.max(4, max) - 1;
  const tail = Math.ceil(room * 0.6);
  return `${name.slice(0, room - tail)}…${name.slice(name.length - tail)}`;
}

/** `1×16×8×8`: compact enough for a table column. */
export function dims(s: readonly number[]): string {
  return s.length ? s.join('×') : 'scalar';
}

/** `nhwc_to_nchw` → `NHWC→NCHW`, `unpack_latents` → `unpack latents`. */
export function transformLabel(t: string): string {
  const m = t.match(/^([a-z]+)_to_([a-z]+)$/);
  return m ? `${m[1].toUpperCase()}→${m[2].toUpperCase()}` : t.replace(/_/g, ' ');
}
