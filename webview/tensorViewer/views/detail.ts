// The detail pane: a folder's totals, or a tensor's header, its stats and first values, and a
// heatmap preview, each fetched when asked for.
import type { TensorPreview, TensorStats } from '../../../src/protocol/tensorViewer';
import { button, clear, cssVar, fitCanvas, h } from '../../shared/dom';
import { colorize, cssColor } from '../../shared/colormap';
import { bytes, float32Repr, fmt, shape } from '../../shared/format';
import { intents } from '../intents';
import { findNode, state } from '../state';
import { detail } from './layout';

export function renderDetail(): void {
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
  actions.append(
    button('Stats & first values', { id: 'btn-stats', title: 'Read the tensor once and compute min, max, mean, std, NaN/Inf counts' }, () =>
      intents.requestStats(t.name),
    ),
  );
  if (t.shape.length >= 2) {
    const title = 'Heatmap of the values (largest magnitude per block when downsampled)';
    actions.append(button('Heatmap preview', { id: 'btn-preview', secondary: true, title }, () => intents.requestPreview(t.name)));
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
