// The selected layer's |diff| heatmap (pooled to the canvas, with a legend and a hover probe)
// and its worst channels on a shared scale; colormap and scale pickers.
import type { Heatmap } from '../../../src/protocol/parityReport';
import { ce, clear, fitCanvas, h } from '../../shared/dom';
import { colorize, COLORMAP_NAMES, cssColor, type ColormapName, type Range, type Scale } from '../../shared/colormap';
import { fmt } from '../../shared/format';
import { heatRange, poolForDisplay } from '../pool';
import { state } from '../state';

const heatmapCanvas = h('canvas', { id: 'heatmap', class: 'heatmap', role: 'img' });
const heatmapLegend = h('div', { class: 'legend', id: 'heatmap-legend' });
const heatmapProbe = h('div', { class: 'muted small mono', id: 'heatmap-probe', text: ' ' });
let paintAllNow: (() => void) | null = null;

/** Repaints the shown heatmaps at the canvases' new size. */
export function repaintHeatmaps(): void {
  paintAllNow?.();
}

let warmed = false;

/**
 * Runs the pooling and colouring code on a small blank map once, when the panel is idle while a
 * layer's data is on its way: V8 then has it optimised before the first real 2048² map arrives
 * (cold, the first pooling of a 2048² map takes about twice as long).
 */
export function warmUpHeatmaps(): void {
  if (warmed || typeof requestIdleCallback !== 'function') return;
  warmed = true;
  const blank: Heatmap = { label: '', width: 512, height: 512, values: new Float32Array(512 * 512) };
  let left = 10;
  // A round at a time, only while the idle period lasts, so no frame waits for it.
  const step = (deadline: IdleDeadline) => {
    while (left > 0 && deadline.timeRemaining() > 4) {
      const p = poolForDisplay(blank, 200, 200);
      colorize(p.values, new Uint8ClampedArray(p.values.length * 4), state.colormap, state.scale, { min: 0, max: 1 });
      left--;
    }
    if (left > 0) requestIdleCallback(step);
  };
  requestIdleCallback(step);
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
  for (let i = 0; i < 160; i++) {
    ctx.fillStyle = cssColor(state.colormap, i / 159);
    ctx.fillRect(i, 0, 1, 10);
  }
  return h(
    'span',
    { class: 'legend-row' },
    h('span', { class: 'mono', id: 'legend-low', text: fmt(range.min, 3) }),
    bar,
    h('span', { class: 'mono', id: 'legend-high', text: fmt(range.max, 3) }),
    h('span', { class: 'muted', text: state.scale === 'log' ? 'log' : 'linear' }),
  );
}

let pickers: { cmap: HTMLElement; scale: HTMLElement } | null = null;

/**
 * The colormap and scale pickers, built once and moved into each layer's section: building a
 * select reads its options' layout (innerText), which would cost a forced layout per switch.
 */
function heatmapPickers(): { cmap: HTMLElement; scale: HTMLElement } {
  if (pickers) return pickers;
  const cmap = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'hm-colormap', 'aria-label': 'Colormap' });
  for (const c of COLORMAP_NAMES) if (c !== 'diverging') cmap.append(ce('vscode-option', { value: c, selected: c === state.colormap }, c));
  const scale = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'hm-scale', 'aria-label': 'Colour scale' });
  for (const s of ['linear', 'log']) scale.append(ce('vscode-option', { value: s, selected: s === state.scale }, s));
  cmap.addEventListener('change', () => {
    state.colormap = cmap.value as ColormapName;
    paintAllNow?.();
  });
  scale.addEventListener('change', () => {
    state.scale = scale.value as Scale;
    paintAllNow?.();
  });
  pickers = { cmap, scale };
  return pickers;
}

export function heatmapSection(main: Heatmap, channels: readonly Heatmap[]): HTMLElement {
  const { cmap, scale } = heatmapPickers();
  const section = h(
    'section',
    { class: 'heatmaps' },
    h('div', { class: 'section-head' }, h('h3', { text: `|diff| heatmap · ${main.label}` }), h('div', { class: 'group' }, cmap, scale)),
    heatmapCanvas,
    h('div', { class: 'legend-line' }, heatmapLegend, heatmapProbe),
  );
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
    // All canvases in the DOM first, so sizing them costs one layout, not one per canvas.
    const canvases = channels.map((c) => {
      const cv = h('canvas', { class: 'multiple', role: 'img', 'aria-label': c.label });
      multiples.append(h('figure', {}, cv, h('figcaption', { class: 'muted small', text: c.label })));
      return cv;
    });
    channels.forEach((c, i) => paintHeatmap(canvases[i], c, shared));
  };
  heatmapCanvas.onmousemove = (e) => {
    const box = JSON.parse(heatmapCanvas.dataset.box ?? '[0,0,1,1]') as number[];
    const x = Math.floor(((e.offsetX - box[0]) / box[2]) * main.width);
    const y = Math.floor(((e.offsetY - box[1]) / box[3]) * main.height);
    heatmapProbe.textContent =
      x >= 0 && y >= 0 && x < main.width && y < main.height ? `row ${y}, col ${x}: |diff| ${fmt(main.values[y * main.width + x], 4)}` : ' ';
  };
  requestAnimationFrame(paintAll);
  paintAllNow = paintAll;
  return section;
}
