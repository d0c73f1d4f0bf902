// One row of the layer table: name with its tags (pairing, first divergence, jump), shape and
// transform, the metrics and the verdict badge (symbol + word + colour).
import { h } from '../../shared/dom';
import { fmt, pct, shape } from '../../shared/format';
import type { ReportPair } from '../../../src/protocol/parityReport';
import { cosineText, dims, middleEllipsis, transformLabel } from '../rows';
import { state, verdictOf, verdictWord } from '../state';
import { VERDICT, verdictText } from '../verdicts';
import { pairingMark, pairingTag } from '../pairing';

function cell(text: string, cls = '', title?: string): HTMLTableCellElement {
  return h('td', { class: cls, text, title });
}

/**
 * The room a tag takes, in name characters (12 px monospace, about 7.3 px): at most 0.7 of one
 * per letter of its 10 px text, plus 18 px of padding, border and margin (measured in Chromium:
 * "first" 34 px, "jump" 40 px with the margin).
 */
function tagWidthChars(text: string): number {
  return text.length * 0.7 + 2.5;
}

/** One row; `narrow` drops the optional columns, `nameChars` is the name column's room. */
export function buildRow(p: ReportPair, index: number, narrow: boolean, nameChars: number): HTMLTableRowElement {
  const r = state.report!;
  const jump = state.jumps.has(index);
  const pass = verdictOf(p);
  const word = verdictWord(p);
  const o = state.overrides.get(p.name);
  const tr = h('tr', {
    'data-name': p.name,
    'data-index': index,
    tabindex: -1,
    'aria-selected': String(p.name === state.selected),
    class: [
      word === 'not_compared' ? 'skipped' : pass ? 'pass' : word === 'drift' ? 'drift' : 'fail',
      p.name === r.first_divergence ? 'first-div' : '',
      jump ? 'jump' : '',
    ].join(' '),
  });
  const sameShape = dims(p.ref.shape) === dims(p.cand.shape);
  // With a named transform the candidate's own shape goes in the tooltip; without one it is the news.
  const transformed = !!p.transform && p.transform !== 'none';
  const shapeText = sameShape || transformed ? dims(p.ref.shape) : `${dims(p.ref.shape)} ← ${dims(p.cand.shape)}`;
  const nameCell = h('td', { class: 'name', title: p.cand_name !== p.name ? `${p.name}\ncandidate: ${p.cand_name}` : p.name });
  // Tags take room from the name; in a narrow table they shrink to a symbol.
  const mark = pairingMark(p);
  const tags = [
    mark ? (narrow ? mark.narrowText : mark.text) : '',
    p.name === r.first_divergence ? (narrow ? '1st' : 'first') : '',
    jump ? (narrow ? '↗' : 'jump') : '',
  ];
  const tagChars = tags.reduce((n, t) => n + (t ? tagWidthChars(t) : 0), 0);
  nameCell.append(h('span', { class: 'mono', text: middleEllipsis(p.name, nameChars - tagChars) }));
  if (mark) nameCell.append(pairingTag(mark, narrow));
  if (p.name === r.first_divergence)
    nameCell.append(h('span', { class: 'tag first', text: tags[1], title: 'First diverged layer, in capture order' }));
  if (jump) nameCell.append(h('span', { class: 'tag jump', text: tags[2], title: 'rel L2 grew ≥10× here' }));
  const shapeCell = h(
    'td',
    {
      class: 'shape mono',
      title: `reference ${shape(p.ref.shape)}, candidate ${shape(p.cand.shape)}${transformed ? `, candidate read through ${p.transform}` : ''}`,
    },
    shapeText,
  );
  if (transformed) shapeCell.append(h('span', { class: 'tag transform', text: transformLabel(p.transform!) }));
  if (p.transform === null && p.reason) shapeCell.append(h('span', { class: 'tag bad', text: 'unreconciled' }));
  const ratio = o?.result.ratio ?? p.mismatch_ratio;
  tr.append(cell(String(index), 'num muted'), nameCell, shapeCell);
  if (!narrow) tr.append(cell(p.ref.dtype === p.cand.dtype ? p.ref.dtype : `${p.ref.dtype}/${p.cand.dtype}`, 'mono'));
  tr.append(cell(fmt(p.max_abs, 3), 'num'));
  if (!narrow) tr.append(cell(fmt(p.mean_abs, 3), 'num'));
  tr.append(cell(fmt(p.rel_l2, 3), 'num'));
  if (!narrow) tr.append(cell(cosineText(p.cosine), 'num', p.cosine === null ? undefined : String(p.cosine)));
  tr.append(cell(pct(ratio), 'num'));
  const v = h('td', {
    class: 'verdict-cell',
    title:
      `${p.verdict_why ?? p.reason ?? ''}\natol ${fmt(o?.atol ?? p.atol)}, rtol ${fmt(o?.rtol ?? p.rtol)}${o ? ' (edited)' : ''}`.trim(),
  });
  v.append(h('span', { class: `badge ${VERDICT[word].cls}`, 'data-verdict': word, text: verdictText(word) }));
  if (o) v.append(h('span', { class: 'muted small', text: ' edited' }));
  tr.append(v);
  return tr;
}
