// The layer table in capture order: sortable columns, a narrow layout that drops the columns
// the detail pane repeats, and a virtual window of rows (a 500-layer report lays out ~100).
import { clear, h, isTyping } from '../../shared/dom';
import type { ReportPair } from '../../../src/protocol/parityReport';
import { intents } from '../intents';
import { listRows, nextSort } from '../rows';
import { state, verdictOf, verdictWord, type Listed, type SortKey } from '../state';
import { verdictRank } from '../verdicts';
import { buildRow } from './row';
import { drawGrowth } from './chart';

const table = h('table', { class: 'layers', id: 'layers', role: 'grid', 'aria-label': 'Layers in capture order' });
const thead = h('thead');
const tbody = h('tbody');
// Fixed column widths: the table is laid out from its first row, not by measuring 500.
const colgroup = h('colgroup');
const COL_CLASSES = ['index', 'name', 'shape', 'dtype', 'max', 'mean', 'rel', 'cosine', 'mismatch', 'verdict'];
table.append(colgroup, thead, tbody);
/** In a narrow editor (a side bar open) dtype, mean and cosine give way; the detail pane has them. */
let narrow = false;
export const tableWrap = h('div', { class: 'table-wrap', id: 'table-wrap', tabindex: 0 }, table);
export const tableEmpty = h('div', { class: 'empty', id: 'table-empty', hidden: true });

/** `optional` columns hide when the table is narrow (dtype, mean, cosine are in the detail pane). */
const COLUMNS: { key: SortKey | null; label: string; title: string; num?: boolean; optional?: 'dtype' | 'mean' | 'cosine' }[] = [
  { key: 'index', label: '#', title: 'Capture order', num: true },
  { key: 'name', label: 'Layer', title: 'Reference name (candidate name when it differs)' },
  { key: null, label: 'Shape', title: 'Reference shape, candidate shape and the layout transform used' },
  { key: null, label: 'dtype', title: 'Reference / candidate dtype', optional: 'dtype' },
  { key: 'max_abs', label: 'max |Δ|', title: 'Largest absolute difference', num: true },
  { key: 'mean_abs', label: 'mean |Δ|', title: 'Mean absolute difference', num: true, optional: 'mean' },
  { key: 'rel_l2', label: 'rel L2', title: '‖cand − ref‖ / ‖ref‖', num: true },
  { key: 'cosine', label: 'cosine', title: 'Cosine similarity', num: true, optional: 'cosine' },
  { key: 'mismatch_ratio', label: 'mismatch', title: 'Share of elements outside atol + rtol·|ref|', num: true },
  {
    key: 'pass',
    label: 'verdict',
    title: 'pass: within tolerance; drift: outside it, carrying earlier error; diverged: this layer introduces the error',
  },
];

/** Rows in their current order and filter; only a window of them is in the DOM. */
let listed: Listed[] = [];
const ROW_HEIGHT = 22;
const OVERSCAN = 12;
const spacerTop = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 10 }));
const spacerBottom = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 10 }));
let windowStart = -1;
let windowEnd = -1;
/** The rows in the DOM, by layer name. */
const rowByName = new Map<string, HTMLTableRowElement>();

/** How many monospace characters fit in the name column (updated when the table resizes). */
let nameChars = 48;
const FIXED_COLS_PX = { wide: 688, narrow: 496 };
const MONO_CHAR_PX = 7.3;

export function renderHead(): void {
  clear(thead);
  clear(colgroup);
  COL_CLASSES.forEach((c, i) => {
    if (!(narrow && COLUMNS[i].optional)) colgroup.append(h('col', { class: `col-${c}` }));
  });
  table.classList.toggle('narrow', narrow);
  // Spacer rows must span exactly the shown columns, or the fixed layout grows phantom ones.
  const span = String(COLUMNS.filter((c) => !(narrow && c.optional)).length);
  for (const sp of [spacerTop, spacerBottom]) (sp.firstChild as HTMLElement).setAttribute('colspan', span);
  const tr = h('tr');
  for (const c of COLUMNS) {
    if (narrow && c.optional) continue;
    const sorted = c.key !== null && state.sort.key === c.key;
    const th = h('th', {
      scope: 'col',
      class: c.num ? 'num' : '',
      title: c.title,
      'aria-sort': sorted ? (state.sort.dir > 0 ? 'ascending' : 'descending') : c.key ? 'none' : undefined,
    });
    if (c.key) {
      const b = h('button', {
        type: 'button',
        class: 'sort',
        'data-sort': c.key,
        text: c.label + (sorted ? (state.sort.dir > 0 ? ' ▲' : ' ▼') : ''),
      });
      b.addEventListener('click', () => sortBy(c.key!));
      th.append(b);
    } else th.textContent = c.label;
    tr.append(th);
  }
  thead.append(tr);
}

function sortBy(key: SortKey): void {
  state.sort = nextSort(state.sort, key);
  renderHead();
  renderRows();
}

export function renderRows(): void {
  listed = listRows(state.report!.pairs, {
    filter: state.filter,
    failingOnly: state.failingOnly,
    sort: state.sort,
    verdict: verdictOf,
    rank: (p) => verdictRank(verdictWord(p)),
    ratio: (p) => state.overrides.get(p.name)?.result.ratio ?? p.mismatch_ratio,
  });
  windowStart = windowEnd = -1;
  table.setAttribute('aria-rowcount', String(listed.length + 1));
  tableEmpty.hidden = listed.length > 0;
  tableWrap.hidden = listed.length === 0;
  if (!listed.length)
    tableEmpty.textContent = state.failingOnly && !state.filter ? 'Every layer passes (✓ pass).' : `No layer matches “${state.filter}”.`;
  renderWindow();
  drawGrowth();
}

/** Re-renders the rows after a layer's verdict changed (sorting and filtering may move it). */
export function updateRow(p: ReportPair): void {
  if (!rowByName.has(p.name)) return;
  renderRows();
  rowByName.get(p.name)?.setAttribute('aria-selected', 'true');
}

/** Moves the selection highlight to `name`; scrolls it into view and focuses it when asked. */
export function highlightRow(prev: string | null, name: string, opts: { scroll?: boolean; focus?: boolean }): void {
  rowByName.get(prev ?? '')?.setAttribute('aria-selected', 'false');
  let tr = rowByName.get(name);
  if (opts.scroll && !rowVisible(name)) {
    revealRow(name);
    tr = rowByName.get(name);
  }
  tr?.setAttribute('aria-selected', 'true');
  if (tr && opts.focus) tr.focus({ preventScroll: true });
}

// Scroll position and height of the table are tracked, not read: reading them would force a
// layout in the middle of building the panel.
let scrollPos = 0;
let viewportH = 600;
const HEADER_H = 26;
/** Until the user scrolls, a resize keeps the selected row (the first divergence) in view. */
let keepSelectedInView = true;
new ResizeObserver((entries) => {
  const box = entries[entries.length - 1].contentRect;
  const isNarrow = box.width > 0 && box.width < 860;
  const tableW = Math.max(box.width, isNarrow ? 560 : 860);
  const chars = Math.max(10, Math.floor((tableW - (isNarrow ? FIXED_COLS_PX.narrow : FIXED_COLS_PX.wide) - 14) / MONO_CHAR_PX));
  if ((isNarrow !== narrow || chars !== nameChars) && state.report && box.width > 0) {
    narrow = isNarrow;
    nameChars = chars;
    renderHead();
    renderRows();
    if (state.selected) rowByName.get(state.selected)?.setAttribute('aria-selected', 'true');
  }
  const hgt = box.height;
  if (hgt > 0 && Math.abs(hgt - viewportH) > 1) {
    viewportH = hgt;
    if (keepSelectedInView && state.selected && !rowVisible(state.selected)) revealRow(state.selected);
    else renderWindow();
  }
}).observe(tableWrap);

/** Puts the rows around the scroll position in the DOM. */
function renderWindow(): void {
  const top = scrollPos;
  const height = viewportH;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(listed.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  if (first === windowStart && last === windowEnd) return;
  windowStart = first;
  windowEnd = last;
  rowByName.clear();
  const frag = document.createDocumentFragment();
  (spacerTop.firstChild as HTMLElement).style.height = `${first * ROW_HEIGHT}px`;
  (spacerBottom.firstChild as HTMLElement).style.height = `${(listed.length - last) * ROW_HEIGHT}px`;
  frag.append(spacerTop);
  for (let k = first; k < last; k++) {
    const { pair, index } = listed[k];
    const tr = buildRow(pair, index, narrow, nameChars);
    tr.setAttribute('aria-rowindex', String(k + 2));
    rowByName.set(pair.name, tr);
    frag.append(tr);
  }
  frag.append(spacerBottom);
  clear(tbody);
  tbody.append(frag);
}

let scrollQueued = false;
tableWrap.addEventListener('scroll', () => {
  if (scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    const now = tableWrap.scrollTop;
    if (Math.abs(now - scrollPos) > 1) keepSelectedInView = false;
    scrollPos = now;
    renderWindow();
  });
});

/** True when the listed row is fully inside the visible part of the table. */
function rowVisible(name: string): boolean {
  const k = listed.findIndex((x) => x.pair.name === name);
  const top = k * ROW_HEIGHT;
  return k >= 0 && top >= scrollPos && top + ROW_HEIGHT <= scrollPos + viewportH - HEADER_H;
}

/** Scrolls a listed row to the middle of the table; the scroll is applied before the next paint. */
function revealRow(name: string): void {
  const k = listed.findIndex((x) => x.pair.name === name);
  if (k < 0) return;
  const max = Math.max(0, listed.length * ROW_HEIGHT - (viewportH - HEADER_H));
  scrollPos = Math.min(max, Math.max(0, k * ROW_HEIGHT - (viewportH - HEADER_H) / 2));
  renderWindow();
  const target = scrollPos;
  requestAnimationFrame(() => {
    tableWrap.scrollTop = target;
  });
}

tbody.addEventListener('click', (e) => {
  const tr = (e.target as HTMLElement).closest('tr');
  if (tr?.dataset.name) intents.select(tr.dataset.name, { focus: true });
});

tableWrap.addEventListener('keydown', (e) => {
  if (isTyping(e)) return;
  const i = listed.findIndex((r) => r.pair.name === state.selected);
  const n = listed.length;
  let j = i;
  if (e.key === 'ArrowDown') j = Math.min(n - 1, i + 1);
  else if (e.key === 'ArrowUp') j = Math.max(0, i - 1);
  else if (e.key === 'Home') j = 0;
  else if (e.key === 'End') j = n - 1;
  else if (e.key === 'PageDown') j = Math.min(n - 1, i + 15);
  else if (e.key === 'PageUp') j = Math.max(0, i - 15);
  else return;
  e.preventDefault();
  if (listed[j]) intents.select(listed[j].pair.name, { focus: true, scroll: true });
});
