// Tensor file viewer (read-only custom editor): the name tree with folded repeated blocks and
// totals, from headers only; stats, first values and a heatmap preview are fetched per tensor
// when asked for.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  isTensorViewerHostMessage,
  type TensorEntry,
  type TensorPreview,
  type TensorStats,
  type TensorViewerHostMessage,
  type TensorViewerWebviewMessage,
} from '../../src/protocol/tensorViewer';
import { connect } from '../shared/vscodeApi';
import { afterPaint, ce, clear, cssVar, fitCanvas, h, isTyping } from '../shared/dom';
import { colorize, cssColor } from '../shared/colormap';
import { bytes, count, float32Repr, fmt, shape } from '../shared/format';
import { buildTree, totals, type TreeNode } from './tree';

const channel = connect<TensorViewerHostMessage, TensorViewerWebviewMessage>(isTensorViewerHostMessage, (raw) => {
  console.warn('tensor viewer: ignored a malformed message', raw);
});

const state = {
  tensors: [] as readonly TensorEntry[],
  root: null as TreeNode | null,
  expanded: new Set<string>(),
  selected: null as string | null,
  filter: '',
  stats: new Map<string, TensorStats | string>(),
  previews: new Map<string, TensorPreview | string>(),
  pending: new Set<string>(),
};

// ---------- layout ----------
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'tensor-viewer';
const titleEl = h('h1', { class: 'title', id: 'title', text: 'Tensor file' });
const totalsEl = h('div', { class: 'summary', id: 'totals' });
const filterField = ce<HTMLElement & { value: string }>('vscode-textfield', {
  id: 'filter',
  placeholder: 'Filter tensors by name',
  'aria-label': 'Filter tensors by name',
});
const expandAll = ce('vscode-button', { id: 'expand-all', secondary: true, title: 'Expand every folder' }, 'Expand all');
const collapseAll = ce('vscode-button', { id: 'collapse-all', secondary: true, title: 'Collapse every folder' }, 'Collapse all');
const toolbar = h(
  'header',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Tensor file tools' },
  h('div', { class: 'title-block' }, titleEl, totalsEl),
  h('div', { class: 'group' }, filterField, expandAll, collapseAll),
);
const head = h(
  'div',
  { class: 'tree-head', 'aria-hidden': 'true' },
  h('span', { text: 'name' }),
  h('span', { text: 'dtype' }),
  h('span', { text: 'shape' }),
  h('span', { class: 'num', text: 'params' }),
  h('span', { class: 'num', text: 'size' }),
);
const tree = h('div', { class: 'tree', id: 'tree', role: 'tree', 'aria-label': 'Tensors by name', tabindex: 0 });
const treeWrap = h('section', { class: 'tree-wrap' }, head, tree);
const detail = h('section', { class: 'detail', id: 'detail', 'aria-label': 'Selected tensor', 'aria-live': 'polite' });
const body = h('main', { class: 'body' }, treeWrap, detail);
const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Reading headers…');
app.append(toolbar, body, emptyState);
body.hidden = true;

channel.onMessage((m) => {
  if (m.kind !== 'init') return;
  performance.mark('tensor:init');
  afterPaint(() => performance.mark('tensor:painted'));
  const p = m.payload;
  titleEl.textContent = p.fileName;
  state.tensors = p.tensors;
  clear(totalsEl);
  if (p.error) {
    body.hidden = true;
    emptyState.hidden = false;
    emptyState.classList.add('error');
    emptyState.textContent = p.error;
    totalsEl.append(h('span', { class: 'muted', text: `${p.format} · ${bytes(p.fileSize)}` }));
    return;
  }
  const t = totals(p.tensors);
  totalsEl.append(
    h('span', { class: 'muted', text: `${p.format} · ${bytes(p.fileSize)} · ` }),
    h('span', { id: 'total-tensors', text: `${t.tensors.toLocaleString()} tensors` }),
    h('span', { class: 'muted', text: ' · ' }),
    h('span', { id: 'total-params', 'data-numel': String(t.numel), text: `${count(t.numel)} parameters` }),
    h('span', { class: 'muted', text: ` · ${bytes(t.bytes)} of data · ` }),
    h('span', { class: 'muted', text: t.byDtype.map((d) => `${d.dtype} ${d.tensors}`).join(', ') }),
  );
  if (p.tensors.length === 0) {
    body.hidden = true;
    emptyState.hidden = false;
    emptyState.textContent = 'This file holds no tensors.';
    return;
  }
  emptyState.hidden = true;
  body.hidden = false;
  state.root = buildTree(p.tensors);
  // Open the first levels when they are small, so the structure is visible at once.
  for (const c of state.root.children) if (state.root.children.length <= 8 && !c.repeat) state.expanded.add(c.path);
  render();
  renderDetail();
});

// ---------- tree ----------
interface Row {
  node: TreeNode;
  level: number;
  parent: string | null;
}

function matches(n: TreeNode, q: string): boolean {
  if (n.tensor && n.tensor.name.toLowerCase().includes(q)) return true;
  return n.children.some((c) => matches(c, q));
}

function visibleRows(): Row[] {
  const rows: Row[] = [];
  const q = state.filter.trim().toLowerCase();
  const walk = (n: TreeNode, level: number, parent: string | null) => {
    for (const c of n.children) {
      if (q && !matches(c, q)) continue;
      rows.push({ node: c, level, parent });
      if (c.children.length && (q || state.expanded.has(c.path))) walk(c, level + 1, c.path);
    }
  };
  if (state.root) walk(state.root, 1, null);
  return rows;
}

let rows: Row[] = [];
function render(): void {
  rows = visibleRows();
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    const n = r.node;
    const isFolder = n.children.length > 0;
    const open = isFolder && (state.filter.trim() !== '' || state.expanded.has(n.path));
    const el = h('div', {
      class: `row ${isFolder ? 'folder' : 'leaf'}${n.path === state.selected ? ' selected' : ''}`,
      role: 'treeitem',
      id: `node-${cssId(n.path)}`,
      'data-path': n.path,
      'aria-level': r.level,
      'aria-selected': String(n.path === state.selected),
      'aria-expanded': isFolder ? String(open) : undefined,
    });
    const name = h('span', { class: 'name' });
    name.append(
      h('span', { class: 'indent', 'data-level': r.level }),
      h('span', { class: 'twisty', text: isFolder ? (open ? '▾' : '▸') : '' }),
      h('span', { class: 'label mono', text: n.label }),
    );
    if (n.repeat)
      name.append(
        h('span', {
          class: 'tag',
          text: `×${n.repeat.count}${n.repeat.uniform ? '' : ' (varying)'}`,
          title: n.repeat.uniform ? 'Numbered blocks with the same tensors, dtypes and shapes' : 'Numbered blocks whose contents differ',
        }),
      );
    const dtype = n.tensor ? n.tensor.dtype : [...n.dtypes].join(', ');
    const shp = n.tensor ? shape(n.tensor.shape) : `${n.count.toLocaleString()} tensors`;
    el.append(
      name,
      h('span', { class: 'mono dtype', text: dtype }),
      h('span', { class: `mono shape${n.tensor ? '' : ' muted'}`, text: shp }),
      h('span', { class: 'num mono', text: count(n.numel) }),
      h('span', { class: 'num mono muted', text: bytes(n.bytes) }),
    );
    el.style.setProperty('--level', String(r.level - 1));
    frag.append(el);
  }
  clear(tree);
  tree.append(frag);
  if (state.selected) tree.setAttribute('aria-activedescendant', `node-${cssId(state.selected)}`);
}

function cssId(path: string): string {
  return path.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}

function findNode(path: string): TreeNode | null {
  const walk = (n: TreeNode): TreeNode | null => {
    if (n.path === path) return n;
    for (const c of n.children) {
      const f = walk(c);
      if (f) return f;
    }
    return null;
  };
  return state.root ? walk(state.root) : null;
}

function toggle(path: string, open?: boolean): void {
  const want = open ?? !state.expanded.has(path);
  if (want) state.expanded.add(path);
  else state.expanded.delete(path);
  render();
}

/** Moves the selection without rebuilding the rows (keyboard navigation stays instant). */
function markSelected(path: string): void {
  for (const el of tree.querySelectorAll<HTMLElement>('.row.selected')) {
    el.classList.remove('selected');
    el.setAttribute('aria-selected', 'false');
  }
  const el = document.getElementById(`node-${cssId(path)}`);
  el?.classList.add('selected');
  el?.setAttribute('aria-selected', 'true');
  tree.setAttribute('aria-activedescendant', `node-${cssId(path)}`);
  el?.scrollIntoView({ block: 'nearest' });
}

function select(path: string): void {
  state.selected = path;
  markSelected(path);
  renderDetail();
}

tree.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
  if (!row?.dataset.path) return;
  const n = findNode(row.dataset.path);
  const path = row.dataset.path;
  if (n && n.children.length && ((e.target as HTMLElement).classList.contains('twisty') || state.selected === n.path)) toggle(n.path);
  select(path);
});

tree.addEventListener('keydown', (e) => {
  if (isTyping(e)) return;
  const i = rows.findIndex((r) => r.node.path === state.selected);
  const cur = rows[i];
  let handled = true;
  if (e.key === 'ArrowDown') {
    const r = rows[Math.min(rows.length - 1, i + 1)];
    if (r) select(r.node.path);
  } else if (e.key === 'ArrowUp') {
    const r = rows[Math.max(0, i - 1)];
    if (r) select(r.node.path);
  } else if (e.key === 'Home' && rows[0]) select(rows[0].node.path);
  else if (e.key === 'End' && rows.length) select(rows[rows.length - 1].node.path);
  else if (e.key === 'ArrowRight' && cur) {
    if (cur.node.children.length && !state.expanded.has(cur.node.path)) toggle(cur.node.path, true);
    else if (cur.node.children.length) select(cur.node.children[0].path);
  } else if (e.key === 'ArrowLeft' && cur) {
    if (cur.node.children.length && state.expanded.has(cur.node.path)) toggle(cur.node.path, false);
    else if (cur.parent) select(cur.parent);
  } else if ((e.key === 'Enter' || e.key === ' ') && cur) {
    if (cur.node.children.length) toggle(cur.node.path);
    else if (cur.node.tensor) requestStats(cur.node.tensor.name);
  } else handled = false;
  if (handled) e.preventDefault();
});
tree.addEventListener('focus', () => {
  // Only give keyboard users a starting point; a click selects what was clicked.
  if (!state.selected && rows[0] && tree.matches(':focus-visible')) select(rows[0].node.path);
});

filterField.addEventListener('input', () => {
  state.filter = filterField.value;
  render();
});
expandAll.addEventListener('click', () => {
  const walk = (n: TreeNode) => {
    for (const c of n.children)
      if (c.children.length) {
        state.expanded.add(c.path);
        walk(c);
      }
  };
  if (state.root) walk(state.root);
  render();
});
collapseAll.addEventListener('click', () => {
  state.expanded.clear();
  render();
});
window.addEventListener('keydown', (e) => {
  if (!isTyping(e) && e.key === '/') {
    e.preventDefault();
    filterField.focus();
  }
});

// ---------- detail ----------
function renderDetail(): void {
  clear(detail);
  const n = state.selected ? findNode(state.selected) : null;
  if (!n) {
    detail.append(h('div', { class: 'empty small', text: 'Select a tensor to see its stats, first values and a heatmap preview.' }));
    return;
  }
  if (!n.tensor) {
    detail.append(
      h('h2', { class: 'tensor-name mono', text: n.path }),
      h(
        'dl',
        { class: 'kv' },
        h('dt', { text: 'tensors' }),
        h('dd', { text: n.count.toLocaleString() }),
        h('dt', { text: 'parameters' }),
        h('dd', { text: n.numel.toLocaleString() }),
        h('dt', { text: 'size' }),
        h('dd', { text: bytes(n.bytes) }),
        h('dt', { text: 'dtypes' }),
        h('dd', { text: [...n.dtypes].join(', ') }),
      ),
    );
    if (n.repeat)
      detail.append(
        h('p', {
          class: 'muted small',
          text: n.repeat.uniform
            ? `${n.repeat.count} blocks with identical names, dtypes and shapes.`
            : `${n.repeat.count} numbered blocks; their contents differ.`,
        }),
      );
    return;
  }
  const t = n.tensor;
  detail.append(
    h('h2', { class: 'tensor-name mono', id: 'tensor-name', text: t.name }),
    h(
      'dl',
      { class: 'kv', id: 'tensor-info' },
      h('dt', { text: 'dtype' }),
      h('dd', { text: t.dtype }),
      h('dt', { text: 'shape' }),
      h('dd', { text: shape(t.shape) }),
      h('dt', { text: 'elements' }),
      h('dd', { text: t.numel.toLocaleString() }),
      h('dt', { text: 'size' }),
      h('dd', { text: bytes(t.byteLength) }),
    ),
  );
  if (!t.decodable) {
    detail.append(
      h('p', { class: 'muted', text: `Values of dtype ${t.dtype} cannot be decoded by this viewer; only the header is shown.` }),
    );
    return;
  }
  const actions = h('div', { class: 'group' });
  const statsBtn = ce(
    'vscode-button',
    { id: 'btn-stats', title: 'Read the tensor once and compute min, max, mean, std, NaN/Inf counts' },
    'Stats & first values',
  );
  statsBtn.addEventListener('click', () => requestStats(t.name));
  actions.append(statsBtn);
  if (t.shape.length >= 2) {
    const prevBtn = ce(
      'vscode-button',
      { id: 'btn-preview', secondary: true, title: 'Heatmap of the values (largest magnitude per block when downsampled)' },
      'Heatmap preview',
    );
    prevBtn.addEventListener('click', () => requestPreview(t.name));
    actions.append(prevBtn);
  }
  detail.append(actions);
  const s = state.stats.get(t.name);
  if (state.pending.has(`s:${t.name}`)) detail.append(h('p', { class: 'muted', id: 'stats-loading', text: 'Computing stats…' }));
  else if (typeof s === 'string') detail.append(h('p', { class: 'error-text', id: 'stats-error', text: s }));
  else if (s) detail.append(statsView(s));
  const p = state.previews.get(t.name);
  if (state.pending.has(`p:${t.name}`)) detail.append(h('p', { class: 'muted', text: 'Rendering preview…' }));
  else if (typeof p === 'string') detail.append(h('p', { class: 'error-text', id: 'preview-error', text: p }));
  else if (p) detail.append(previewView(p));
}

function statsView(s: TensorStats): HTMLElement {
  const kv = h('dl', { class: 'kv', id: 'stats' });
  const add = (k: string, v: string) => kv.append(h('dt', { text: k }), h('dd', { text: v, 'data-stat': k }));
  add('min', fmt(s.min, 6));
  add('max', fmt(s.max, 6));
  add('mean', fmt(s.mean, 6));
  add('std', fmt(s.std, 6));
  add('NaN', s.nan.toLocaleString());
  add('Inf', s.inf.toLocaleString());
  const first = h('ol', { class: 'first mono', id: 'first-values', start: 0 });
  const f64 = findNode(state.selected ?? '')?.tensor?.dtype === 'F64';
  for (const v of s.first) first.append(h('li', { text: v === null ? 'NaN/Inf' : f64 ? String(v) : float32Repr(v) }));
  return h(
    'section',
    {},
    h('h3', { text: 'Stats (finite values)' }),
    kv,
    h('h3', { text: `First ${s.first.length} values (row-major)` }),
    first,
  );
}

function previewView(p: TensorPreview): HTMLElement {
  const canvas = h('canvas', {
    class: 'preview',
    id: 'preview',
    role: 'img',
    'aria-label': `Heatmap preview of ${p.name}, ${p.height}×${p.width}`,
  });
  let lim = 0;
  for (let i = 0; i < p.values.length; i++) {
    const a = Math.abs(p.values[i]);
    if (a > lim && Number.isFinite(a)) lim = a;
  }
  lim = lim || 1;
  requestAnimationFrame(() => {
    const src = document.createElement('canvas');
    src.width = p.width;
    src.height = p.height;
    const img = new ImageData(p.width, p.height);
    colorize(p.values, img.data, 'diverging', 'linear', { min: -lim, max: lim });
    src.getContext('2d')!.putImageData(img, 0, 0);
    const ctx = fitCanvas(canvas);
    const W = canvas.clientWidth;
    const H = canvas.clientHeight;
    const k = Math.min(W / p.width, H / p.height);
    ctx.fillStyle = cssVar('--vscode-editor-background', '#000');
    ctx.fillRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = k < 1;
    ctx.drawImage(src, (W - p.width * k) / 2, (H - p.height * k) / 2, p.width * k, p.height * k);
  });
  const bar = h('canvas', { class: 'legend-bar', width: 160, height: 10, 'aria-hidden': true });
  const bctx = bar.getContext('2d')!;
  for (let i = 0; i < 160; i++) {
    bctx.fillStyle = cssColor('diverging', i / 159);
    bctx.fillRect(i, 0, 1, 10);
  }
  return h(
    'section',
    {},
    h('h3', { text: 'Heatmap preview' }),
    canvas,
    h(
      'div',
      { class: 'legend-row small' },
      h('span', { class: 'mono', text: fmt(-lim, 3) }),
      bar,
      h('span', { class: 'mono', id: 'preview-high', text: fmt(lim, 3) }),
    ),
    p.note ? h('p', { class: 'muted small', id: 'preview-note', text: p.note }) : '',
  );
}

async function requestStats(name: string): Promise<void> {
  const key = `s:${name}`;
  if (state.pending.has(key) || state.stats.has(name)) return;
  state.pending.add(key);
  renderDetail();
  try {
    state.stats.set(name, await channel.request<TensorStats>({ kind: 'requestStats', requestId: 0, payload: { name } }));
  } catch (e) {
    state.stats.set(name, (e as Error).message);
  }
  state.pending.delete(key);
  if (state.selected && findNode(state.selected)?.tensor?.name === name) renderDetail();
}

async function requestPreview(name: string): Promise<void> {
  const key = `p:${name}`;
  if (state.pending.has(key) || state.previews.has(name)) return;
  state.pending.add(key);
  renderDetail();
  try {
    state.previews.set(name, await channel.request<TensorPreview>({ kind: 'requestPreview', requestId: 0, payload: { name } }));
  } catch (e) {
    state.previews.set(name, (e as Error).message);
  }
  state.pending.delete(key);
  if (state.selected && findNode(state.selected)?.tensor?.name === name) renderDetail();
}

channel.post({ kind: 'ready', payload: {} });
