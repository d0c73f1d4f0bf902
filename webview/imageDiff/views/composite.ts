// The images the composite modes draw, built once per pair and setting: the gained
// difference, the max-|a−b| heatmap with its legend, and the transparency checkerboard.
import { clear, h } from '../../shared/dom';
import { colorize, cssColor } from '../../shared/colormap';
import { gainedDiff, scaleMax } from '../pixels';
import { state } from '../state';

export const legend = h('div', { class: 'legend', id: 'legend', hidden: true });
let diffCanvas: HTMLCanvasElement | null = null;
let heatCanvas: HTMLCanvasElement | null = null;

/** Forgets the built images (a new pair, gain or colormap). */
export function resetComposites(which: { diff?: boolean; heat?: boolean } = { diff: true, heat: true }): void {
  if (which.diff) diffCanvas = null;
  if (which.heat) heatCanvas = null;
}

function toCanvas(data: ImageData): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = data.width;
  c.height = data.height;
  c.getContext('2d')!.putImageData(data, 0, 0);
  return c;
}

/** An offscreen canvas holding a decoded image's pixels. */
export function imageCanvas(img: { width: number; height: number; rgba: Uint8Array }): HTMLCanvasElement {
  const data = new ImageData(img.width, img.height);
  data.data.set(img.rgba);
  return toCanvas(data);
}

export function diffImage(): HTMLCanvasElement | null {
  const l = state.loaded;
  if (!l?.comparable || !l.ref || !l.cand) return null;
  if (diffCanvas) return diffCanvas;
  const out = new ImageData(l.ref.width, l.ref.height);
  gainedDiff(l.ref.rgba, l.cand.rgba, state.gain, out.data);
  diffCanvas = toCanvas(out);
  return diffCanvas;
}

export function heatImage(): HTMLCanvasElement | null {
  const l = state.loaded;
  if (!l?.maxDiff || !l.ref) return null;
  if (heatCanvas) return heatCanvas;
  const out = new ImageData(l.ref.width, l.ref.height);
  const max = scaleMax(l.maxDiff);
  colorize(l.maxDiff, out.data, state.colormap, 'linear', { min: 0, max });
  heatCanvas = toCanvas(out);
  renderLegend(max);
  return heatCanvas;
}

function renderLegend(max: number): void {
  clear(legend);
  const bar = h('canvas', { class: 'legend-bar', width: 160, height: 10, 'aria-hidden': true });
  const ctx = bar.getContext('2d')!;
  for (let i = 0; i < 160; i++) {
    ctx.fillStyle = cssColor(state.colormap, i / 159);
    ctx.fillRect(i, 0, 1, 10);
  }
  legend.append(
    h('span', { text: 'max |a−b| over channels' }),
    h('span', { class: 'legend-row' }, h('span', { text: '0' }), bar, h('span', { text: String(max) })),
  );
}

let checker: CanvasPattern | null = null;
export function checkerPattern(ctx: CanvasRenderingContext2D): CanvasPattern {
  if (checker) return checker;
  const c = document.createElement('canvas');
  c.width = c.height = 16;
  const g = c.getContext('2d')!;
  g.fillStyle = '#c8c8c8';
  g.fillRect(0, 0, 16, 16);
  g.fillStyle = '#9a9a9a';
  g.fillRect(0, 0, 8, 8);
  g.fillRect(8, 8, 8, 8);
  checker = ctx.createPattern(c, 'repeat')!;
  return checker;
}
