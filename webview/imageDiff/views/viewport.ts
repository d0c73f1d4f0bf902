// The image viewports: reference and candidate side by side (or one composite), synchronised
// zoom and pan, the zoom buttons, and the empty/error state shown instead of them.
import type { LoadedImage } from '../../../src/protocol/imageDiff';
import { button, cssVar, fitCanvas, h } from '../../shared/dom';
import { intents } from '../intents';
import { basename, describeImage, fitView, pixelAt, zoomView } from '../pixels';
import { imageSize, state } from '../state';
import { checkerPattern, diffImage, heatImage, legend } from './composite';
import { renderInspector } from './inspector';

function viewport(id: string, label: string): { root: HTMLElement; canvas: HTMLCanvasElement; tag: HTMLElement; message: HTMLElement } {
  const canvas = h('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': label });
  const tag = h('span', { class: 'pane-label', id: `${id}-tag` });
  const message = h('div', { class: 'vp-message', id: `${id}-message`, hidden: true });
  const root = h('div', { class: 'viewport', id, tabindex: 0, 'aria-label': `${label}: drag to pan, wheel to zoom` }, canvas, tag, message);
  return { root, canvas, tag, message };
}
export const vpA = viewport('vp-a', 'Reference image');
export const vpB = viewport('vp-b', 'Candidate image');
vpA.root.append(legend);
export const viewer = h('section', { class: 'viewer', id: 'viewer', 'aria-label': 'Images' }, vpA.root, vpB.root);
export const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for images…');

const zoomButton = (label: string, title: string, id: string, onClick: () => void) =>
  button(label, { secondary: true, title, id, 'aria-label': title }, onClick);
const zoomLabel = h('span', { class: 'zoom-label', id: 'zoom-label', 'aria-live': 'polite', text: '100%' });
export const zoomBar = h(
  'div',
  { class: 'group', role: 'group', 'aria-label': 'Zoom' },
  zoomButton('Fit', 'Fit to window (F)', 'zoom-fit', () => fit()),
  zoomButton('1:1', 'Actual pixels (A)', 'zoom-1', () => zoomTo(1)),
  zoomButton('−', 'Zoom out (−)', 'zoom-out', () => zoomBy(1 / 2)),
  zoomButton('+', 'Zoom in (+)', 'zoom-in', () => zoomBy(2)),
  zoomLabel,
);

export function showEmpty(text: string, isError = false): void {
  emptyState.textContent = text;
  emptyState.classList.toggle('error', isError);
  emptyState.hidden = false;
  viewer.hidden = true;
}

export function showViewer(): void {
  emptyState.hidden = true;
  viewer.hidden = false;
}

function paint(canvas: HTMLCanvasElement, draw: (ctx: CanvasRenderingContext2D) => void, size: { w: number; hgt: number }): void {
  const ctx = fitCanvas(canvas);
  const { scale, ox, oy } = state.view;
  ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  ctx.save();
  ctx.translate(ox, oy);
  ctx.scale(scale, scale);
  ctx.fillStyle = checkerPattern(ctx);
  ctx.save();
  ctx.scale(1 / scale, 1 / scale);
  ctx.fillRect(0, 0, size.w * scale, size.hgt * scale);
  ctx.restore();
  // Pixelated when zoomed in, smooth when zoomed out.
  ctx.imageSmoothingEnabled = scale < 1;
  ctx.imageSmoothingQuality = 'high';
  draw(ctx);
  ctx.restore();
  canvas.dataset.scale = String(state.view.scale);
  canvas.dataset.ox = String(state.view.ox);
  canvas.dataset.oy = String(state.view.oy);
}

/** `Reference · ref.png · 256×192 RGB`: the side, the file and what it holds. */
function paneTag(side: string, img: LoadedImage | null, path: string | undefined): string {
  return `${side} · ${basename(img?.path ?? path ?? '')}${img ? ` · ${describeImage(img)}` : ''}`;
}

export function redraw(): void {
  const l = state.loaded;
  const size = imageSize();
  zoomLabel.textContent = `${Math.round(state.view.scale * 100)}%`;
  if (!l) return;
  const pair = state.pairs.find((x) => x.id === l.id);
  if (state.mode === 'side') {
    // The composite modes relabel the left pane; side by side names both files again.
    vpA.tag.textContent = paneTag('Reference', l.ref, pair?.refPath);
    vpB.tag.textContent = paneTag('Candidate', l.cand, pair?.candPath);
  }
  if (!size) return;
  const showMissing = (vp: typeof vpA, img: HTMLCanvasElement | null, what: string, path: string) => {
    vp.message.hidden = !!img;
    const name = basename(path);
    if (!img)
      vp.message.textContent =
        l.problems.find((p) => name && p.includes(name)) ??
        l.problems.find((p) => p.toLowerCase().includes(what)) ??
        `The ${what} image could not be read.`;
  };
  if (state.mode === 'side') {
    showMissing(vpA, l.refCanvas, 'reference', pair?.refPath ?? '');
    showMissing(vpB, l.candCanvas, 'candidate', pair?.candPath ?? '');
    paint(
      vpA.canvas,
      (ctx) => {
        if (l.refCanvas) ctx.drawImage(l.refCanvas, 0, 0);
      },
      size,
    );
    paint(
      vpB.canvas,
      (ctx) => {
        if (l.candCanvas) ctx.drawImage(l.candCanvas, 0, 0);
      },
      size,
    );
    return;
  }
  vpA.message.hidden = true;
  const blinkLabel = document.getElementById('blink-label')!;
  paint(
    vpA.canvas,
    (ctx) => {
      const a = l.refCanvas!;
      const b = l.candCanvas!;
      switch (state.mode) {
        case 'swipe': {
          ctx.drawImage(b, 0, 0);
          const cut = Math.round(size.w * state.swipe);
          ctx.drawImage(a, 0, 0, cut, size.hgt, 0, 0, cut, size.hgt);
          ctx.fillStyle = cssVar('--vscode-focusBorder', '#007fd4');
          ctx.fillRect(cut - 1 / state.view.scale, 0, 2 / state.view.scale, size.hgt);
          break;
        }
        case 'onion':
          ctx.drawImage(a, 0, 0);
          ctx.globalAlpha = state.opacity;
          ctx.drawImage(b, 0, 0);
          ctx.globalAlpha = 1;
          break;
        case 'blink':
          ctx.drawImage(state.blinkShowsCand ? b : a, 0, 0);
          blinkLabel.textContent = state.blinkShowsCand ? 'showing candidate' : 'showing reference';
          break;
        case 'diff': {
          const d = diffImage();
          if (d) ctx.drawImage(d, 0, 0);
          break;
        }
        case 'heat': {
          const hc = heatImage();
          if (hc) ctx.drawImage(hc, 0, 0);
          break;
        }
      }
    },
    size,
  );
  vpA.tag.textContent =
    state.mode === 'swipe'
      ? 'Reference ◀ │ ▶ Candidate'
      : state.mode === 'onion'
        ? `Reference + candidate at ${Math.round(state.opacity * 100)}%`
        : state.mode === 'blink'
          ? state.blinkShowsCand
            ? 'Candidate'
            : 'Reference'
          : state.mode === 'diff'
            ? `|reference − candidate| × ${state.gain}`
            : `Heatmap of max |a−b| (${state.colormap})`;
}

// ---------- zoom and pan ----------
function viewportSize(): { w: number; hgt: number } {
  const r = vpA.canvas.getBoundingClientRect();
  return { w: r.width, hgt: r.height };
}

export function fit(): void {
  const size = imageSize();
  const vp = viewportSize();
  state.view.fit = true;
  if (!size || vp.w === 0) {
    redraw();
    return;
  }
  Object.assign(state.view, fitView(size, vp));
  redraw();
}

/** Redraws at the current zoom, or refits when the view follows the window. */
export function refresh(): void {
  if (state.view.fit) fit();
  else redraw();
}

/** Zooms around a point given in viewport CSS px (the centre by default). */
function zoomAround(newScale: number, px?: number, py?: number): void {
  const vp = viewportSize();
  Object.assign(state.view, zoomView(state.view, newScale, px ?? vp.w / 2, py ?? vp.hgt / 2), { fit: false });
  redraw();
}
export function zoomTo(s: number): void {
  zoomAround(s);
}
export function zoomBy(f: number): void {
  zoomAround(state.view.scale * f);
}

export function pan(dx: number, dy: number): void {
  state.view.ox += dx;
  state.view.oy += dy;
  state.view.fit = false;
  redraw();
}

for (const vp of [vpA, vpB]) {
  const canvas = vp.canvas;
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      zoomAround(state.view.scale * Math.pow(2, -e.deltaY / 240), e.offsetX, e.offsetY);
    },
    { passive: false },
  );
  let drag: { x: number; y: number; swipe: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    const size = imageSize();
    const cut = size ? state.view.ox + size.w * state.swipe * state.view.scale : 0;
    drag = { x: e.clientX, y: e.clientY, swipe: state.mode === 'swipe' && Math.abs(e.offsetX - cut) < 8 };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag) {
      if (drag.swipe) {
        const size = imageSize();
        if (size) {
          state.swipe = Math.min(1, Math.max(0, (e.offsetX - state.view.ox) / (size.w * state.view.scale)));
          intents.swipeMoved();
          redraw();
        }
      } else {
        pan(e.clientX - drag.x, e.clientY - drag.y);
      }
      drag.x = e.clientX;
      drag.y = e.clientY;
    }
    hoverAt(e.offsetX, e.offsetY);
  });
  canvas.addEventListener('pointerup', () => {
    drag = null;
  });
  canvas.addEventListener('pointerleave', () => {
    if (!drag) {
      state.hover = null;
      renderInspector();
    }
  });
  canvas.addEventListener('dblclick', (e) => zoomAround(state.view.scale * 2, e.offsetX, e.offsetY));
}

function hoverAt(px: number, py: number): void {
  const size = imageSize();
  if (!size) return;
  state.hover = pixelAt(state.view, size, px, py);
  renderInspector();
}
