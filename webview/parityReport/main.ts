// Parity report panel: the per-layer table in capture order, the error-growth chart, and the
// selected layer's heatmaps, values, |diff| histogram and tolerance (re-judged here, instantly).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import {
  isParityHostMessage,
  type Heatmap, type LayerDetail, type ParityHostMessage, type ParityReport, type ParitySource, type ParityWebviewMessage, type ReportPair,
} from '../../src/protocol/parityReport';
import { connect } from '../shared/vscodeApi';
import { afterPaint, ce, clear, cssVar, fitCanvas, h, isTyping } from '../shared/dom';
import { colorize, COLORMAP_NAMES, cssColor, finiteRange, minPositive, type ColormapName, type Range, type Scale } from '../shared/colormap';
import { drawChart } from '../shared/chart';
import { float32Repr, fmt, pct, shape, thousands } from '../shared/format';
import { findJumps, neededAtol, pytestAssertion, rejudge, roundUp, type Rejudged } from './rejudge';

type SortKey = 'index' | 'name' | 'max_abs' | 'mean_abs' | 'rel_l2' | 'cosine' | 'mismatch_ratio' | 'pass';

interface Persisted {
  source: ParitySource | null;
  selected: string | null;
  filter: string;
  failingOnly: boolean;
}

interface Override {
  readonly atol: number;
  readonly rtol: number;
  readonly result: Rejudged;
}

const channel = connect<ParityHostMessage, ParityWebviewMessage>(isParityHostMessage, (raw) => {
  console.warn('parity report: ignored a malformed message', raw);
});
const saved = channel.getState<Persisted>();

const state = {
  report: null as ParityReport | null,
  source: saved?.source ?? null as ParitySource | null,
  title: '',
  refLabel: '',
  candLabel: '',
  selected: saved?.selected ?? null as string | null,
  filter: saved?.filter ?? '',
  failingOnly: saved?.failingOnly ?? false,
  sort: { key: 'index' as SortKey, dir: 1 },
  detail: null as LayerDetail | null,
  overrides: new Map<string, Override>(),
  colormap: 'magma' as ColormapName,
  scale: 'linear' as Scale,
};
const byName = new Map<string, { pair: ReportPair; index: number }>();
let jumps = new Set<number>();

// ---------- layout ----------
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'parity-report';
const titleEl = h('h1', { class: 'title', id: 'title', text: 'Parity report' });
const summaryEl = h('div', { class: 'summary', id: 'summary', role: 'status' });
const filterField = ce<HTMLElement & { value: string }>('vscode-textfield', { id: 'filter', placeholder: 'Filter layers by name', 'aria-label': 'Filter layers by name' });
const failingBox = ce<HTMLElement & { checked: boolean }>('vscode-checkbox', { id: 'failing-only', label: 'Failing only', 'aria-label': 'Show failing layers only' }, 'Failing only');
const exportHtmlBtn = ce('vscode-button', { id: 'export-html', secondary: true, title: 'Save a self-contained HTML report' }, 'Export HTML');
const exportJsonBtn = ce('vscode-button', { id: 'export-json', secondary: true, title: 'Save the report as JSON (the compare --json schema)' }, 'Export JSON');
const toolbar = h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report tools' },
  h('div', { class: 'title-block' }, titleEl, summaryEl),
  h('div', { class: 'group grow' }, filterField, failingBox),
  h('div', { class: 'group' }, exportHtmlBtn, exportJsonBtn));
const growthCanvas = h('canvas', { id: 'growth', class: 'growth', role: 'img', 'aria-label': 'Error growth: relative L2 error per layer in capture order, log scale; click a point to select its layer' });
const growthNote = h('div', { class: 'growth-note muted', id: 'growth-note' });
const growth = h('section', { class: 'growth-wrap', 'aria-label': 'Error growth' }, growthCanvas, growthNote);
const table = h('table', { class: 'layers', id: 'layers', role: 'grid', 'aria-label': 'Layers in capture order' });
const thead = h('thead');
const tbody = h('tbody');
// Fixed column widths: the table is laid out from its first row, not by measuring 500.
const colgroup = h('colgroup');
const COL_CLASSES = ['index', 'name', 'shape', 'dtype', 'max', 'mean', 'rel', 'cosine', 'mismatch', 'verdict'];
table.append(colgroup, thead, tbody);
/** In a narrow editor (a side bar open) dtype, mean and cosine give way; the detail pane has them. */
let narrow = false;
const tableWrap = h('div', { class: 'table-wrap', id: 'table-wrap', tabindex: 0 }, table);
const tableEmpty = h('div', { class: 'empty', id: 'table-empty', hidden: true });
const detail = h('section', { class: 'detail', id: 'detail', 'aria-label': 'Selected layer', 'aria-live': 'polite' });
const main = h('main', { class: 'body' }, h('div', { class: 'left' }, growth, tableWrap, tableEmpty), detail);
const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for the comparison…');
app.append(toolbar, main, emptyState);
main.hidden = true;

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
  { key: 'pass', label: 'verdict', title: 'Pass or fail under the tolerance shown in the detail pane' },
];

function renderHead(): void {
  clear(thead);
  clear(colgroup);
  COL_CLASSES.forEach((c, i) => { if (!(narrow && COLUMNS[i].optional)) colgroup.append(h('col', { class: `col-${c}` })); });
  table.classList.toggle('narrow', narrow);
  // Spacer rows must span exactly the shown columns, or the fixed layout grows phantom ones.
  const span = String(COLUMNS.filter((c) => !(narrow && c.optional)).length);
  for (const sp of [spacerTop, spacerBottom]) (sp.firstChild as HTMLElement).setAttribute('colspan', span);
  const tr = h('tr');
  for (const c of COLUMNS) {
    if (narrow && c.optional) continue;
    const sorted = c.key !== null && state.sort.key === c.key;
    const th = h('th', { scope: 'col', class: c.num ? 'num' : '', title: c.title, 'aria-sort': sorted ? (state.sort.dir > 0 ? 'ascending' : 'descending') : c.key ? 'none' : undefined });
    if (c.key) {
      const b = h('button', { type: 'button', class: 'sort', 'data-sort': c.key, text: c.label + (sorted ? (state.sort.dir > 0 ? ' ▲' : ' ▼') : '') });
      b.addEventListener('click', () => sortBy(c.key!));
      th.append(b);
    } else th.textContent = c.label;
    tr.append(th);
  }
  thead.append(tr);
}

// ---------- messages ----------
channel.onMessage((m) => {
  switch (m.kind) {
    case 'init':
      performance.mark('parity:init');
      state.report = m.payload.report;
      state.title = m.payload.title;
      state.refLabel = m.payload.refLabel;
      state.candLabel = m.payload.candLabel;
      state.source = m.payload.source;
      state.overrides.clear();
      setup();
      performance.mark('parity:built');
      afterPaint(() => performance.mark('parity:painted'));
      break;
    case 'progress':
      emptyState.textContent = `${m.payload.message} (${m.payload.done}/${m.payload.total})`;
      break;
    case 'layer':
      if (m.payload.name !== state.selected) return;
      performance.mark('parity:layer');
      state.detail = m.payload;
      renderDetail();
      afterPaint(() => performance.mark('parity:layer-painted'));
      break;
    case 'error':
      if (state.report && state.selected) {
        clear(detail);
        detail.append(h('div', { class: 'empty error', id: 'detail-error', text: m.payload.message }));
      } else {
        main.hidden = true;
        emptyState.hidden = false;
        emptyState.classList.add('error');
        emptyState.textContent = m.payload.message;
      }
      break;
  }
});

function persist(): void {
  channel.setState({ source: state.source, selected: state.selected, filter: state.filter, failingOnly: state.failingOnly } satisfies Persisted);
}

function setup(): void {
  const r = state.report!;
  byName.clear();
  r.pairs.forEach((pair, index) => byName.set(pair.name, { pair, index }));
  const rel = r.pairs.map((p) => p.rel_l2);
  jumps = new Set(r.error_growth ? r.error_growth.points.filter((p) => p.jump).map((p) => p.index) : findJumps(rel, r.pairs.map((p) => p.rtol)));
  titleEl.textContent = state.title;
  titleEl.title = `${state.refLabel} ↔ ${state.candLabel}`;
  filterField.value = state.filter;
  failingBox.checked = state.failingOnly;
  if (r.pairs.length === 0) {
    main.hidden = true;
    emptyState.hidden = false;
    emptyState.textContent = `No tensors with matching names.\nReference only: ${r.unmatched_ref.length} · candidate only: ${r.unmatched_cand.length}`;
    renderSummary();
    return;
  }
  emptyState.hidden = true;
  main.hidden = false;
  renderSummary();
  renderHead();
  renderRows();
  const initial = state.selected && byName.has(state.selected) ? state.selected : r.first_divergence ?? r.pairs[0].name;
  // The detail pane (form controls, canvases) is built right after the table's first frame:
  // its data has to come from the host anyway, so the table is not held back for it.
  select(initial, { scroll: true, deferDetail: true });
  persist();
}

function verdictOf(p: ReportPair): boolean {
  return state.overrides.get(p.name)?.result.pass ?? p.pass;
}

function renderSummary(): void {
  const r = state.report!;
  clear(summaryEl);
  const failing = r.pairs.filter((p) => !verdictOf(p)).length;
  summaryEl.append(
    h('span', { class: `badge ${failing ? 'fail' : 'pass'}`, id: 'summary-badge', text: failing ? `${failing} failing` : 'all pass' }),
    h('span', { text: `${r.pairs.length} pairs` }),
  );
  if (r.first_divergence) {
    const link = h('button', { type: 'button', class: 'link', id: 'first-divergence', text: r.first_divergence, title: 'Select the first layer that fails' });
    link.addEventListener('click', () => select(r.first_divergence!, { scroll: true }));
    summaryEl.append(h('span', { class: 'muted', text: ' · first divergence ' }), link);
  }
  if (r.error_growth && r.error_growth.pattern !== 'none') {
    summaryEl.append(h('span', { class: 'muted', text: r.error_growth.pattern === 'local' ? ' · one layer introduces the error (jump)' : ' · error accumulates (drift)' }));
  }
  const unmatched = r.unmatched_ref.length + r.unmatched_cand.length;
  if (unmatched) {
    summaryEl.append(h('span', {
      class: 'muted', id: 'unmatched',
      title: [`Reference only: ${r.unmatched_ref.join(', ') || '—'}`, `Candidate only: ${r.unmatched_cand.join(', ') || '—'}`].join('\n'),
      text: ` · unpaired: ${r.unmatched_ref.length} ref, ${r.unmatched_cand.length} cand`,
    }));
  }
}

// ---------- table ----------
function visiblePairs(): { pair: ReportPair; index: number }[] {
  const r = state.report!;
  const q = state.filter.trim().toLowerCase();
  let rows = r.pairs.map((pair, index) => ({ pair, index }));
  if (q) rows = rows.filter(({ pair }) => pair.name.toLowerCase().includes(q) || pair.cand_name.toLowerCase().includes(q));
  if (state.failingOnly) rows = rows.filter(({ pair }) => !verdictOf(pair));
  const { key, dir } = state.sort;
  if (key !== 'index') {
    const val = (p: ReportPair): number | string => {
      if (key === 'name') return p.name;
      if (key === 'pass') return verdictOf(p) ? 1 : 0;
      if (key === 'mismatch_ratio') return state.overrides.get(p.name)?.result.ratio ?? p.mismatch_ratio ?? Infinity;
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

function sortBy(key: SortKey): void {
  state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: key === 'cosine' || key === 'name' || key === 'index' || key === 'pass' ? 1 : -1 };
  renderHead();
  renderRows();
}

const rowByName = new Map<string, HTMLTableRowElement>();

function cell(text: string, cls = '', title?: string): HTMLTableCellElement {
  return h('td', { class: cls, text, title });
}

/** Near 1 the distance from 1 is what matters: `1−3e-9` instead of `1.000000`. */
function cosineText(c: number | null): string {
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

/** How many monospace characters fit in the name column (updated when the table resizes). */
let nameChars = 48;
const FIXED_COLS_PX = { wide: 658, narrow: 466 };
const MONO_CHAR_PX = 7.3;

/** `1×16×8×8`: compact enough for a table column. */
function dims(s: readonly number[]): string {
  return s.length ? s.join('×') : 'scalar';
}

/** `nhwc_to_nchw` → `NHWC→NCHW`, `unpack_latents` → `unpack latents`. */
function transformLabel(t: string): string {
  const m = t.match(/^([a-z]+)_to_([a-z]+)$/);
  return m ? `${m[1].toUpperCase()}→${m[2].toUpperCase()}` : t.replace(/_/g, ' ');
}

/** Rows in their current order and filter; only a window of them is in the DOM. */
let listed: { pair: ReportPair; index: number }[] = [];
const ROW_HEIGHT = 22;
const OVERSCAN = 12;
const spacerTop = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 10 }));
const spacerBottom = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 10 }));
let windowStart = -1;
let windowEnd = -1;

function buildRow(p: ReportPair, index: number): HTMLTableRowElement {
  const r = state.report!;
    const pass = verdictOf(p);
    const o = state.overrides.get(p.name);
    const tr = h('tr', {
      'data-name': p.name, 'data-index': index, tabindex: -1, 'aria-selected': String(p.name === state.selected),
      class: [pass ? 'pass' : 'fail', p.name === r.first_divergence ? 'first-div' : '', jumps.has(index) ? 'jump' : ''].join(' '),
    });
    const sameShape = dims(p.ref.shape) === dims(p.cand.shape);
    // With a named transform the candidate's own shape goes in the tooltip; without one it is the news.
    const transformed = !!p.transform && p.transform !== 'none';
    const shapeText = sameShape || transformed ? dims(p.ref.shape) : `${dims(p.ref.shape)} ← ${dims(p.cand.shape)}`;
    const nameCell = h('td', { class: 'name', title: p.cand_name !== p.name ? `${p.name}\ncandidate: ${p.cand_name}` : p.name });
    // Tags take room from the name; in a narrow table they shrink to a symbol.
    const tagChars = narrow ? (p.name === r.first_divergence ? 6 : 0) + (jumps.has(index) ? 5 : 0) : (p.name === r.first_divergence ? 9 : 0) + (jumps.has(index) ? 8 : 0);
    nameCell.append(h('span', { class: 'mono', text: middleEllipsis(p.name, nameChars - tagChars) }));
    if (p.name === r.first_divergence) nameCell.append(h('span', { class: 'tag first', text: narrow ? '1st' : 'first', title: 'First layer that fails, in capture order' }));
    if (jumps.has(index)) nameCell.append(h('span', { class: 'tag jump', text: narrow ? '↗' : 'jump', title: 'rel L2 grew ≥10× here' }));
    const shapeCell = h('td', { class: 'shape mono', title: `reference ${shape(p.ref.shape)}, candidate ${shape(p.cand.shape)}${p.transform && p.transform !== 'none' ? `, candidate read through ${p.transform}` : ''}` }, shapeText);
    if (p.transform && p.transform !== 'none') shapeCell.append(h('span', { class: 'tag transform', text: transformLabel(p.transform) }));
    if (p.transform === null && p.reason) shapeCell.append(h('span', { class: 'tag bad', text: 'unreconciled' }));
    const ratio = o?.result.ratio ?? p.mismatch_ratio;
    tr.append(cell(String(index), 'num muted'), nameCell, shapeCell);
    if (!narrow) tr.append(cell(p.ref.dtype === p.cand.dtype ? p.ref.dtype : `${p.ref.dtype}/${p.cand.dtype}`, 'mono'));
    tr.append(cell(fmt(p.max_abs, 3), 'num'));
    if (!narrow) tr.append(cell(fmt(p.mean_abs, 3), 'num'));
    tr.append(cell(fmt(p.rel_l2, 3), 'num'));
    if (!narrow) tr.append(cell(cosineText(p.cosine), 'num', p.cosine === null ? undefined : String(p.cosine)));
    tr.append(cell(pct(ratio), 'num'));
    const v = h('td', { class: 'verdict-cell', title: p.reason ?? `atol ${fmt(o?.atol ?? p.atol)}, rtol ${fmt(o?.rtol ?? p.rtol)}${o ? ' (edited)' : ''}` });
    v.append(h('span', { class: `badge ${pass ? 'pass' : 'fail'}`, text: pass ? 'pass' : 'fail' }));
    if (o) v.append(h('span', { class: 'muted small', text: ' edited' }));
    tr.append(v);
    return tr;
}

function renderRows(): void {
  listed = visiblePairs();
  windowStart = windowEnd = -1;
  table.setAttribute('aria-rowcount', String(listed.length + 1));
  tableEmpty.hidden = listed.length > 0;
  tableWrap.hidden = listed.length === 0;
  if (!listed.length) tableEmpty.textContent = state.failingOnly && !state.filter ? 'Every layer passes.' : `No layer matches “${state.filter}”.`;
  renderWindow();
  drawGrowth();
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

/** Puts the rows around the scroll position in the DOM (a 500-layer report lays out ~100). */
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
    const tr = buildRow(pair, index);
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
  requestAnimationFrame(() => { tableWrap.scrollTop = target; });
}

tbody.addEventListener('click', (e) => {
  const tr = (e.target as HTMLElement).closest('tr');
  if (tr?.dataset.name) select(tr.dataset.name, { focus: true });
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
  if (listed[j]) select(listed[j].pair.name, { focus: true, scroll: true });
});

filterField.addEventListener('input', () => { state.filter = filterField.value; persist(); renderRows(); });
failingBox.addEventListener('change', () => { state.failingOnly = failingBox.checked; persist(); renderRows(); });

function select(name: string, opts: { scroll?: boolean; focus?: boolean; deferDetail?: boolean } = {}): void {
  if (!byName.has(name)) return;
  const changed = state.selected !== name || !state.detail || state.detail.name !== name;
  rowByName.get(state.selected ?? '')?.setAttribute('aria-selected', 'false');
  state.selected = name;
  let tr = rowByName.get(name);
  if (opts.scroll && !rowVisible(name)) {
    revealRow(name);
    tr = rowByName.get(name);
  }
  tr?.setAttribute('aria-selected', 'true');
  if (tr && opts.focus) tr.focus({ preventScroll: true });
  persist();
  drawGrowth();
  if (changed) {
    state.detail = null;
    channel.post({ kind: 'selectLayer', payload: { name } });
    if (opts.deferDetail) {
      clear(detail);
      afterPaint(() => { if (!state.detail && state.selected === name) renderDetail(); });
    } else {
      renderDetail();
    }
  }
}

// ---------- growth chart ----------
let growthLayout: ReturnType<typeof drawChart> | null = null;
let growthQueued = false;
/** Coalesces redraws into the next frame (drawing reads layout, which must happen once). */
function drawGrowth(): void {
  if (growthQueued) return;
  growthQueued = true;
  requestAnimationFrame(() => { growthQueued = false; drawGrowthNow(); });
}
function drawGrowthNow(): void {
  const r = state.report;
  if (!r || main.hidden) return;
  const sel = state.selected ? byName.get(state.selected)?.index ?? null : null;
  growthLayout = drawChart(growthCanvas, {
    series: [{ label: 'rel L2 (log)', values: r.pairs.map((p) => p.rel_l2), color: cssVar('--vscode-charts-blue', '#3794ff'), log: true }],
    marks: [...jumps],
    selected: sel,
    xTicks: r.pairs.length <= 12 ? r.pairs.map((_, i) => i) : undefined,
    formatX: (x) => String(Math.round(x)),
  });
  const first = r.first_divergence ? byName.get(r.first_divergence)?.index : undefined;
  growthNote.textContent = `${jumps.size} jump${jumps.size === 1 ? '' : 's'} (≥10×) marked${first !== undefined ? ` · first divergence at #${first}` : ''} · click a point to select its layer`;
}
growthCanvas.addEventListener('click', (e) => {
  const i = growthLayout?.indexAt(e.offsetX);
  const p = i !== null && i !== undefined ? state.report?.pairs[i] : undefined;
  if (p) select(p.name, { scroll: true });
});

// ---------- detail ----------
const heatmapCanvas = h('canvas', { id: 'heatmap', class: 'heatmap', role: 'img' });
const heatmapLegend = h('div', { class: 'legend', id: 'heatmap-legend' });
const heatmapProbe = h('div', { class: 'muted small mono', id: 'heatmap-probe', text: ' ' });

function renderDetail(): void {
  clear(detail);
  const entry = state.selected ? byName.get(state.selected) : undefined;
  if (!entry) { detail.append(h('div', { class: 'empty', text: 'Select a layer.' })); return; }
  const { pair: p, index } = entry;
  const d = state.detail;
  const head = h('div', { class: 'detail-head' },
    h('h2', { class: 'layer-name', id: 'detail-name', text: `#${index} ${p.name}` }),
    h('div', { class: 'muted mono small' },
      `ref ${p.ref.dtype} ${shape(p.ref.shape)} · cand ${p.cand.dtype} ${shape(p.cand.shape)}`,
      p.cand_name !== p.name ? ` · cand name ${p.cand_name}` : '',
      p.transform && p.transform !== 'none' ? ` · read through ${p.transform}` : ''),
  );
  detail.append(head);
  if (p.reason) detail.append(h('div', { class: 'reason', id: 'detail-reason', text: p.reason }));
  detail.append(toleranceSection(p, d));
  if (!d) { detail.append(h('div', { class: 'muted loading', id: 'detail-loading', text: 'Loading heatmaps and values…' })); return; }
  if (d.note) detail.append(h('p', { class: 'muted small', text: d.note }));
  if (d.heatmap) detail.append(heatmapSection(d.heatmap, d.channels));
  detail.append(valuesSection(d, p));
  if (d.histogram) detail.append(histogramSection(d.histogram));
}

function toleranceSection(p: ReportPair, d: LayerDetail | null): HTMLElement {
  const o = state.overrides.get(p.name);
  const atol = ce<HTMLElement & { value: string; invalid: boolean }>('vscode-textfield', { id: 'tol-atol', 'aria-label': 'atol', inputmode: 'decimal' });
  const rtol = ce<HTMLElement & { value: string; invalid: boolean }>('vscode-textfield', { id: 'tol-rtol', 'aria-label': 'rtol', inputmode: 'decimal' });
  atol.value = String(o?.atol ?? p.atol);
  rtol.value = String(o?.rtol ?? p.rtol);
  const result = h('div', { class: 'rejudge', id: 'rejudge', role: 'status' });
  const copy = ce('vscode-button', { id: 'copy-pytest', secondary: true, title: 'Copy an np.testing.assert_allclose line with a tolerance that passes' }, 'Copy pytest assertion');
  const section = h('section', { class: 'tolerance' },
    h('h3', { text: 'Tolerance' }),
    h('div', { class: 'tol-fields' }, h('label', { class: 'field' }, h('span', { text: 'atol' }), atol), h('label', { class: 'field' }, h('span', { text: 'rtol' }), rtol), copy),
    result);
  const show = () => {
    clear(result);
    const cur = state.overrides.get(p.name);
    const pass = cur?.result.pass ?? p.pass;
    const mismatch = cur?.result.mismatch ?? p.mismatch;
    const ratio = cur?.result.ratio ?? p.mismatch_ratio;
    result.dataset.pass = String(pass);
    result.append(
      h('span', { class: `badge ${pass ? 'pass' : 'fail'}`, id: 'detail-verdict', text: pass ? 'PASS' : 'FAIL' }),
      h('span', { id: 'detail-mismatch', 'data-mismatch': String(mismatch), text: `${mismatch === null ? '—' : thousands(mismatch)} mismatched (${pct(ratio)})` }),
      h('span', { class: 'muted small', text: ` · |cand − ref| ≤ atol + rtol·|ref|${p.tolerance_source && !cur ? ` · from ${p.tolerance_source}` : cur ? ' · edited' : ''}` }),
    );
    if (d?.elements && !pass) {
      const need = neededAtol(d.elements.ref, d.elements.cand, cur?.rtol ?? p.rtol);
      result.append(h('div', { class: 'muted small', id: 'needed-atol', text: need === null ? 'NaN/Inf mismatch: no tolerance passes.' : `passes from atol ≈ ${fmt(roundUp(need), 2)} at this rtol` }));
    }
    if (!d?.elements && d) result.append(h('div', { class: 'muted small', text: 'Too large to re-judge here; the verdict shown is the engine’s.' }));
  };
  const onInput = () => {
    const a = Number(atol.value);
    const r = Number(rtol.value);
    const okA = atol.value.trim() !== '' && Number.isFinite(a) && a >= 0;
    const okR = rtol.value.trim() !== '' && Number.isFinite(r) && r >= 0;
    atol.invalid = !okA;
    rtol.invalid = !okR;
    if (!okA || !okR || !d?.elements) return;
    if (a === p.atol && r === p.rtol) state.overrides.delete(p.name);
    else state.overrides.set(p.name, { atol: a, rtol: r, result: rejudge(d.elements.ref, d.elements.cand, a, r) });
    show();
    updateRow(p);
    renderSummary();
    channel.post({ kind: 'toleranceChanged', payload: { name: p.name, tolerance: { atol: a, rtol: r } } });
  };
  atol.addEventListener('input', onInput);
  rtol.addEventListener('input', onInput);
  if (!d?.elements) { atol.toggleAttribute('disabled', !!d); rtol.toggleAttribute('disabled', !!d); }
  copy.addEventListener('click', () => {
    const cur = state.overrides.get(p.name);
    const r = cur?.rtol ?? p.rtol;
    let a = cur?.atol ?? p.atol;
    const pass = cur?.result.pass ?? p.pass;
    if (!pass) {
      const need = d?.elements ? neededAtol(d.elements.ref, d.elements.cand, r) : p.max_abs;
      if (need !== null) a = Math.max(a, roundUp(need));
    }
    const text = pytestAssertion(p.name, a, r);
    channel.post({ kind: 'copyText', payload: { text } });
    copy.textContent = 'Copied';
    window.setTimeout(() => { copy.textContent = 'Copy pytest assertion'; }, 1200);
  });
  show();
  return section;
}

function updateRow(p: ReportPair): void {
  const old = rowByName.get(p.name);
  if (!old) return;
  // Cheap: re-render all rows keeps sorting/filtering consistent with the new verdict.
  renderRows();
  rowByName.get(p.name)?.setAttribute('aria-selected', 'true');
}

function heatRange(maps: readonly Heatmap[], scale: Scale): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of maps) {
    const r = finiteRange(m.values);
    const min = scale === 'log' ? minPositive(m.values) : r.min;
    lo = Math.min(lo, min);
    hi = Math.max(hi, r.max);
  }
  if (!Number.isFinite(lo)) return { min: 0, max: 1 };
  return { min: scale === 'log' ? lo : Math.min(0, lo), max: hi };
}

/**
 * Max-pools a map down to at most `maxW`×`maxH` cells so a map larger than the screen costs
 * what the screen shows, and a single bad element still lights its cell. NaN wins a cell.
 */
export function poolForDisplay(m: Heatmap, maxW: number, maxH: number): Heatmap {
  const fx = Math.max(1, Math.ceil(m.width / maxW));
  const fy = Math.max(1, Math.ceil(m.height / maxH));
  if (fx === 1 && fy === 1) return m;
  const w = Math.ceil(m.width / fx);
  const hh = Math.ceil(m.height / fy);
  const out = new Float32Array(w * hh).fill(-Infinity);
  const v = m.values;
  for (let y = 0; y < m.height; y++) {
    const orow = Math.floor(y / fy) * w;
    const irow = y * m.width;
    for (let x = 0; x < m.width; x++) {
      const val = v[irow + x];
      const o = orow + Math.floor(x / fx);
      if (val > out[o] || val !== val) out[o] = val;
    }
  }
  return { label: m.label, width: w, height: hh, values: out };
}

const pooledCache = new WeakMap<Heatmap, { key: string; map: Heatmap }>();

/** The map as drawn on this canvas (pooled to its device pixels, cached per size). */
function displayMap(canvas: HTMLCanvasElement, m: Heatmap): Heatmap {
  fitCanvas(canvas);
  const key = `${canvas.width}x${canvas.height}`;
  let shown = pooledCache.get(m);
  if (!shown || shown.key !== key) {
    shown = { key, map: poolForDisplay(m, canvas.width, canvas.height) };
    pooledCache.set(m, shown);
  }
  return shown.map;
}

function paintHeatmap(canvas: HTMLCanvasElement, m: Heatmap, range: Range): void {
  const p = displayMap(canvas, m);
  const ctx = fitCanvas(canvas);
  const W = canvas.clientWidth;
  const H = canvas.clientHeight;
  const src = document.createElement('canvas');
  src.width = p.width;
  src.height = p.height;
  const img = new ImageData(p.width, p.height);
  colorize(p.values, img.data, state.colormap, state.scale, range);
  src.getContext('2d')!.putImageData(img, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const k = Math.min(W / m.width, H / m.height);
  const w = m.width * k;
  const hh = m.height * k;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, (W - w) / 2, (H - hh) / 2, w, hh);
  canvas.dataset.box = JSON.stringify([(W - w) / 2, (H - hh) / 2, w, hh]);
}

function legendFor(range: Range): HTMLElement {
  const bar = h('canvas', { class: 'legend-bar', width: 160, height: 10, 'aria-hidden': true });
  const ctx = bar.getContext('2d')!;
  for (let i = 0; i < 160; i++) { ctx.fillStyle = cssColor(state.colormap, i / 159); ctx.fillRect(i, 0, 1, 10); }
  return h('span', { class: 'legend-row' }, h('span', { class: 'mono', id: 'legend-low', text: fmt(range.min, 3) }), bar, h('span', { class: 'mono', id: 'legend-high', text: fmt(range.max, 3) }), h('span', { class: 'muted', text: state.scale === 'log' ? 'log' : 'linear' }));
}

function heatmapSection(main: Heatmap, channels: readonly Heatmap[]): HTMLElement {
  const cmap = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'hm-colormap', 'aria-label': 'Colormap' });
  for (const c of COLORMAP_NAMES) if (c !== 'diverging') cmap.append(ce('vscode-option', { value: c, selected: c === state.colormap }, c));
  const scale = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'hm-scale', 'aria-label': 'Colour scale' });
  for (const s of ['linear', 'log']) scale.append(ce('vscode-option', { value: s, selected: s === state.scale }, s));
  const section = h('section', { class: 'heatmaps' },
    h('div', { class: 'section-head' }, h('h3', { text: `|diff| heatmap · ${main.label}` }), h('div', { class: 'group' }, cmap, scale)),
    heatmapCanvas, h('div', { class: 'legend-line' }, heatmapLegend, heatmapProbe));
  heatmapCanvas.setAttribute('aria-label', `Heatmap of |cand − ref|, ${main.label}, ${main.width}×${main.height}`);
  const multiples = h('div', { class: 'multiples', id: 'multiples' });
  if (channels.length) section.append(h('h3', { text: 'Worst channels (shared scale)' }), multiples);
  const paintAll = () => {
    // Max-pooling keeps the maximum, and a linear |diff| scale starts at 0, so the pooled map
    // gives the same range without another pass over a 2048² map; log needs the true minimum.
    const range = heatRange([state.scale === 'linear' ? displayMap(heatmapCanvas, main) : main], state.scale);
    paintHeatmap(heatmapCanvas, main, range);
    clear(heatmapLegend);
    heatmapLegend.append(legendFor(range));
    clear(multiples);
    const shared = heatRange(channels, state.scale);
    for (const c of channels) {
      const cv = h('canvas', { class: 'multiple', role: 'img', 'aria-label': c.label });
      multiples.append(h('figure', {}, cv, h('figcaption', { class: 'muted small', text: c.label })));
      paintHeatmap(cv, c, shared);
    }
  };
  cmap.addEventListener('change', () => { state.colormap = cmap.value as ColormapName; paintAll(); });
  scale.addEventListener('change', () => { state.scale = scale.value as Scale; paintAll(); });
  heatmapCanvas.onmousemove = (e) => {
    const box = JSON.parse(heatmapCanvas.dataset.box ?? '[0,0,1,1]') as number[];
    const x = Math.floor(((e.offsetX - box[0]) / box[2]) * main.width);
    const y = Math.floor(((e.offsetY - box[1]) / box[3]) * main.height);
    heatmapProbe.textContent = x >= 0 && y >= 0 && x < main.width && y < main.height ? `row ${y}, col ${x}: |diff| ${fmt(main.values[y * main.width + x], 4)}` : ' ';
  };
  requestAnimationFrame(paintAll);
  paintAllNow = paintAll;
  return section;
}
let paintAllNow: (() => void) | null = null;

function valuesSection(d: LayerDetail, p: ReportPair): HTMLElement {
  const n = Math.max(d.firstRef.length, d.firstCand.length);
  const t = h('table', { class: 'values', id: 'first-values', 'aria-label': 'First values of both sides' });
  t.append(h('thead', {}, h('tr', {}, h('th', { class: 'num', text: 'i' }), h('th', { class: 'num', text: 'reference' }), h('th', { class: 'num', text: 'candidate' }), h('th', { class: 'num', text: 'cand − ref' }))));
  const body = h('tbody');
  const o = state.overrides.get(p.name);
  const atol = o?.atol ?? p.atol;
  const rtol = o?.rtol ?? p.rtol;
  for (let i = 0; i < n; i++) {
    const a = d.firstRef[i] ?? null;
    const b = d.firstCand[i] ?? null;
    const diff = a !== null && b !== null ? b - a : null;
    const bad = diff !== null && a !== null && Math.abs(diff) > atol + rtol * Math.abs(a);
    body.append(h('tr', { class: bad ? 'bad-row' : '' }, h('td', { class: 'num muted', text: String(i) }), h('td', { class: 'num', text: fmtValue(a) }), h('td', { class: 'num', text: fmtValue(b) }), h('td', { class: `num ${bad ? 'bad' : ''}`, text: diff === null ? '—' : fmt(diff, 3) })));
  }
  t.append(body);
  return h('section', {}, h('h3', { text: 'First values (row-major, reference layout)' }), t);
}

function fmtValue(v: number | null): string {
  if (v === null) return 'NaN/Inf';
  return float32Repr(v);
}

function histogramSection(hist: NonNullable<LayerDetail['histogram']>): HTMLElement {
  const canvas = h('canvas', { class: 'histogram', id: 'histogram', role: 'img', 'aria-label': 'Histogram of |diff| on log-spaced bins' });
  requestAnimationFrame(() => {
    const ctx = fitCanvas(canvas);
    const W = canvas.clientWidth;
    const H = canvas.clientHeight;
    const fg = cssVar('--vscode-charts-foreground', '#888');
    const bar = cssVar('--vscode-charts-purple', '#b180d7');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    ctx.clearRect(0, 0, W, H);
    const max = Math.max(1, ...hist.counts);
    const n = hist.counts.length;
    const bw = (W - 10) / Math.max(1, n);
    ctx.fillStyle = bar;
    for (let i = 0; i < n; i++) {
      const hh = hist.counts[i] > 0 ? Math.max(1, (Math.log10(hist.counts[i] + 1) / Math.log10(max + 1)) * (H - 28)) : 0;
      ctx.fillRect(5 + i * bw + 1, H - 16 - hh, Math.max(1, bw - 2), hh);
    }
    ctx.fillStyle = fg;
    ctx.font = `10px ${font}`;
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(n / 6));
    for (let i = 0; i <= n; i += step) {
      ctx.textAlign = i === 0 ? 'left' : i >= n ? 'right' : 'center';
      ctx.fillText(fmt(hist.edges[i], 2), 5 + i * bw, H - 13);
    }
    ctx.textAlign = 'right';
    ctx.fillText(`max count ${thousands(max)} (log height)`, W - 5, 0);
  });
  return h('section', {}, h('h3', { text: '|diff| histogram' }), canvas);
}

// ---------- export ----------
exportJsonBtn.addEventListener('click', () => channel.post({ kind: 'exportReport', payload: { format: 'json' } }));
exportHtmlBtn.addEventListener('click', () => channel.post({ kind: 'exportReport', payload: { format: 'html' } }));

window.addEventListener('resize', () => { drawGrowth(); paintAllNow?.(); });
window.addEventListener('keydown', (e) => {
  if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') { e.preventDefault(); (filterField as HTMLElement).focus(); }
  else if (e.key === 'f' && state.report?.first_divergence) select(state.report.first_divergence, { scroll: true, focus: true });
});

channel.post({ kind: 'ready', payload: {} });
