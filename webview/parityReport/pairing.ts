// How each pair was found, as the panel marks it: *aligned* (with its confidence) for pairs the
// engine matched by capture order, shapes and statistics, *rule* / *single* for a rename rule or
// the only tensor of each side; same-name pairs carry no mark (named is the default).
import type { ReportPair } from '../../src/protocol/parityReport';
import { h } from '../shared/dom';

export interface PairingMark {
  readonly by: 'rule' | 'single' | 'aligned';
  /** `aligned 0.97`, `rule`, `single`; narrow: `≈.97`. */
  readonly text: string;
  readonly narrowText: string;
  readonly title: string;
}

/** Null for a pair found by its name (and for older reports without `pairing`). */
export function pairingMark(p: ReportPair): PairingMark | null {
  const how = p.pairing;
  if (!how || how.by === 'name') return null;
  const conf = how.confidence === undefined ? '' : how.confidence.toFixed(2);
  const text = how.by === 'aligned' ? `aligned ${conf}` : how.by;
  const narrowText = how.by === 'aligned' ? `≈${conf.replace(/^0/, '')}` : how.by === 'rule' ? 'rule' : '1:1';
  const what =
    how.by === 'aligned'
      ? `Aligned, not named: found by capture order, shape and value statistics, confidence ${conf}`
      : how.by === 'rule'
        ? 'Paired by a rename rule (--map / .mflux-port/compare-map.json)'
        : 'Paired as the only tensor on each side';
  return { by: how.by, text, narrowText, title: `${what}\ncandidate: ${p.cand_name}${how.why ? `\n${how.why}` : ''}` };
}

/** The table's tag: word and confidence, never colour alone. */
export function pairingTag(m: PairingMark, narrow: boolean): HTMLElement {
  return h('span', { class: `tag pairing ${m.by}`, 'data-pairing': m.by, text: narrow ? m.narrowText : m.text, title: m.title });
}

/** The detail pane's line: "paired by name", or how and why otherwise. */
export function pairingLine(p: ReportPair): string {
  const how = p.pairing;
  if (!how || how.by === 'name') return 'paired by name';
  if (how.by === 'aligned')
    return `aligned, not named (confidence ${how.confidence?.toFixed(2) ?? '—'}) with ${p.cand_name}${how.why ? `: ${how.why}` : ''}`;
  return how.by === 'rule' ? `paired by a rename rule with ${p.cand_name}` : `paired as the only tensor of each side (${p.cand_name})`;
}

/** How many pairs each kind found: `12 aligned`, for the summary; empty when all are named. */
export function pairingCounts(pairs: readonly ReportPair[]): string {
  const n = { aligned: 0, rule: 0, single: 0 };
  for (const p of pairs) if (p.pairing && p.pairing.by !== 'name') n[p.pairing.by]++;
  const parts: string[] = [];
  if (n.aligned) parts.push(`${n.aligned} aligned (not by name)`);
  if (n.rule) parts.push(`${n.rule} by rename rule`);
  if (n.single) parts.push(`${n.single} single`);
  return parts.join(', ');
}
