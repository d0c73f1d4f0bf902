// The pixel inspector: both sides' channel values under the pointer, |a−b| and the rule's
// verdict per channel.
import type { LoadedImage } from '../../../src/protocol/imageDiff';
import { clear, h } from '../../shared/dom';
import { elementPasses } from '../../shared/goldenRule';
import { fmt } from '../../shared/format';
import { state } from '../state';

export const inspector = h(
  'div',
  { class: 'inspector', id: 'inspector', 'aria-live': 'off' },
  h('p', { class: 'muted', text: 'Hover an image to inspect a pixel.' }),
);

export function renderInspector(): void {
  const l = state.loaded;
  const p = state.hover;
  clear(inspector);
  if (!l || !p) {
    inspector.append(h('p', { class: 'muted', text: 'Hover an image to inspect a pixel.' }));
    return;
  }
  const { x, y } = p;
  inspector.dataset.x = String(x);
  inspector.dataset.y = String(y);
  inspector.append(h('div', { class: 'coords', id: 'inspector-coords', text: `x ${x}, y ${y}` }));
  const ref = l.ref;
  const cand = l.cand;
  const inRef = ref && x < ref.width && y < ref.height;
  const inCand = cand && x < cand.width && y < cand.height;
  const nch = Math.max(ref?.channels ?? 0, cand?.channels ?? 0);
  const names = nch === 1 ? ['L'] : nch === 2 ? ['L', 'A'] : nch === 3 ? ['R', 'G', 'B'] : ['R', 'G', 'B', 'A'];
  if (ref?.colorType === 3 || cand?.colorType === 3) names[0] = nch === 1 ? 'index' : names[0];
  const table = h('table', { class: 'px-table', id: 'inspector-table' });
  table.append(h('tr', {}, h('th', { text: '' }), ...names.map((n) => h('th', { scope: 'col', text: n }))));
  const get = (img: LoadedImage | null, inside: boolean | null | undefined, c: number): number | null =>
    img && inside && c < img.channels ? img.values[(y * img.width + x) * img.channels + c] : null;
  const rowOf = (label: string, img: LoadedImage | null, inside: boolean | null | undefined) =>
    h(
      'tr',
      { 'data-row': label },
      h('th', { scope: 'row', text: label }),
      ...names.map((_, c) => {
        const v = get(img, inside, c);
        return h('td', { text: v === null ? '—' : String(v) });
      }),
    );
  table.append(rowOf('ref', ref, inRef), rowOf('cand', cand, inCand));
  const diffRow = h('tr', { 'data-row': 'diff' }, h('th', { scope: 'row', text: '|a−b|' }));
  const passRow = h('tr', { 'data-row': 'pass' }, h('th', { scope: 'row', text: 'rule' }));
  for (let c = 0; c < names.length; c++) {
    const a = get(ref, inRef, c);
    const b = get(cand, inCand, c);
    if (a === null || b === null || !l.joint) {
      diffRow.append(h('td', { text: a !== null && b !== null ? String(Math.abs(a - b)) : '—' }));
      passRow.append(h('td', { text: '—' }));
      continue;
    }
    diffRow.append(h('td', { text: String(Math.abs(a - b)) }));
    const ok = elementPasses(b, a, state.rule.rtol, state.rule.atol);
    passRow.append(
      h('td', { class: ok ? 'ok' : 'bad', 'data-pass': String(ok), text: ok ? '✓' : '✗', 'aria-label': ok ? 'passes' : 'fails' }),
    );
  }
  table.append(diffRow, passRow);
  inspector.append(table);
  if (l.joint)
    inspector.append(
      h('p', { class: 'muted small', text: `passes when |cand − ref| ≤ ${fmt(state.rule.atol)} + ${fmt(state.rule.rtol)}·|ref|` }),
    );
}
