// The three verdict states (and "not compared") as the panel words them: one symbol, word and
// badge colour per state, the same in the table, the summary badge, the detail pane and the
// growth chart's legend, so no state is told by colour alone.
import type { ReportPair } from '../../src/protocol/parityReport';
import { state, verdictWord } from './state';

export type Word = ReturnType<typeof verdictWord>;

/** Badge class (colour), symbol and word per state; `fail` is a local re-judge the host has not classified yet. */
export const VERDICT: Record<Word, { readonly cls: string; readonly mark: string; readonly word: string }> = {
  pass: { cls: 'pass', mark: '✓', word: 'pass' },
  drift: { cls: 'drift', mark: '~', word: 'drift' },
  diverged: { cls: 'fail', mark: '✗', word: 'diverged' },
  not_compared: { cls: 'neutral', mark: '–', word: 'not compared' },
  fail: { cls: 'fail', mark: '✗', word: 'outside tolerance' },
};

/** `✗ diverged`, `~ drift`, `✓ pass`: the table's verdict cell and the chart legend. */
export function verdictText(w: Word): string {
  return `${VERDICT[w].mark} ${VERDICT[w].word}`;
}

/** The detail pane's line: a drift pair is "outside tolerance (drift)", never FAIL. */
export function detailText(w: Word, p: ReportPair): string {
  switch (w) {
    case 'pass':
      return '✓ pass (within tolerance)';
    case 'drift':
      return '~ outside tolerance (drift)';
    case 'diverged':
      return p.pass && !state.overrides.has(p.name) ? '✗ diverged' : '✗ outside tolerance (diverged)';
    case 'not_compared':
      return '– not compared';
    case 'fail':
      return '✗ outside tolerance (being judged)';
  }
}

export interface Counts {
  readonly pass: number;
  readonly drift: number;
  readonly diverged: number;
  readonly not_compared: number;
  /** Outside an edited tolerance, not yet classified by the host. */
  readonly fail: number;
}

export function countVerdicts(pairs: readonly ReportPair[]): Counts {
  const c = { pass: 0, drift: 0, diverged: 0, not_compared: 0, fail: 0 };
  for (const p of pairs) c[verdictWord(p)]++;
  return c;
}

/** "31 diverged · 1 drift · 19 pass (· 2 not compared)": every state named, worst first. */
export function countsText(c: Counts): string {
  const parts = [`${c.diverged} diverged`, `${c.drift} drift`, `${c.pass} pass`];
  if (c.fail) parts.push(`${c.fail} outside tolerance`);
  if (c.not_compared) parts.push(`${c.not_compared} not compared`);
  return parts.join(' · ');
}

/** The summary badge's colour: the worst state present. */
export function countsClass(c: Counts): string {
  return c.diverged || c.fail ? 'fail' : c.drift ? 'drift' : c.pass ? 'pass' : 'neutral';
}

/** Sort rank of a state for the verdict column: diverged first when descending. */
export function verdictRank(w: Word): number {
  return w === 'diverged' || w === 'fail' ? 0 : w === 'drift' ? 1 : w === 'not_compared' ? 2 : 3;
}
