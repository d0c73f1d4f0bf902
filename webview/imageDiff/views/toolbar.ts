// The toolbar: title, pair picker, the six view modes with their controls (opacity, swipe,
// gain, colormap, blink), and the zoom buttons.
import { button, ce, clear, h } from '../../shared/dom';
import { COLORMAP_NAMES, type ColormapName } from '../../shared/colormap';
import { intents } from '../intents';
import { GAINS, MODES, state, type Mode } from '../state';
import { legend, resetComposites } from './composite';
import { redraw, vpA, vpB, viewer, zoomBar } from './viewport';

const titleEl = h('h1', { class: 'title', id: 'title', text: 'Image diff' });
const pairSelect = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'pair-select', 'aria-label': 'Image pair' });
const pairNav = h('div', { class: 'pair-nav', hidden: true }, pairSelect);
const modeBar = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'View mode' });
const modeButtons = new Map<Mode, HTMLElement>();
for (const m of MODES) {
  const b = button(m.label, { 'data-mode': m.id, role: 'radio', title: `${m.label} (${m.key})` }, () => intents.setMode(m.id));
  modeButtons.set(m.id, b);
  modeBar.append(b);
}
const opacityInput = h('input', { type: 'range', min: 0, max: 100, value: 50, id: 'opacity', 'aria-label': 'Candidate opacity' });
const swipeInput = h('input', { type: 'range', min: 0, max: 100, value: 50, id: 'swipe', 'aria-label': 'Swipe position' });
const gainSelect = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'gain', 'aria-label': 'Difference gain' });
for (const g of GAINS) gainSelect.append(ce('vscode-option', { value: String(g), selected: g === state.gain }, `×${g}`));
const cmapSelect = ce<HTMLElement & { value: string }>('vscode-single-select', { id: 'colormap', 'aria-label': 'Heatmap colormap' });
for (const c of COLORMAP_NAMES)
  if (c !== 'diverging') cmapSelect.append(ce('vscode-option', { value: c, selected: c === state.colormap }, c));
const modeControls = h(
  'div',
  { class: 'group mode-controls' },
  h('label', { class: 'ctl', 'data-for': 'onion' }, 'Opacity ', opacityInput),
  h('label', { class: 'ctl', 'data-for': 'swipe' }, 'Position ', swipeInput),
  h('label', { class: 'ctl', 'data-for': 'diff' }, 'Gain ', gainSelect),
  h('label', { class: 'ctl', 'data-for': 'heat' }, 'Colormap ', cmapSelect),
  h('span', { class: 'ctl blink-label', 'data-for': 'blink', id: 'blink-label', 'aria-live': 'polite' }),
);
export const toolbar = h(
  'header',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Image diff tools' },
  titleEl,
  pairNav,
  modeBar,
  zoomBar,
  modeControls,
);

pairSelect.addEventListener('change', () => intents.selectPair(Number(pairSelect.value)));
opacityInput.addEventListener('input', () => {
  state.opacity = Number(opacityInput.value) / 100;
  redraw();
});
swipeInput.addEventListener('input', () => {
  state.swipe = Number(swipeInput.value) / 100;
  redraw();
});
gainSelect.addEventListener('change', () => {
  state.gain = Number(gainSelect.value);
  resetComposites({ diff: true });
  redraw();
});
cmapSelect.addEventListener('change', () => {
  state.colormap = cmapSelect.value as ColormapName;
  resetComposites({ heat: true });
  redraw();
});

export function renderTitle(): void {
  titleEl.textContent = state.title;
  titleEl.title = state.title;
}

/** The pair picker, shown for several pairs that are not the steps of one run. */
export function renderPairSelect(): void {
  clear(pairSelect);
  const multi = state.pairs.length > 1 && !state.stepwise;
  pairNav.hidden = !multi;
  if (multi)
    for (const p of state.pairs)
      pairSelect.append(ce('vscode-option', { value: String(p.id), selected: p.id === state.selected }, p.label));
}

export function showSelectedPair(): void {
  pairSelect.value = String(state.selected);
}

/** The slider follows a swipe line dragged in the viewport. */
export function syncSwipeInput(): void {
  swipeInput.value = String(Math.round(state.swipe * 100));
}

let blinkTimer: number | undefined;

/** Shows the current mode: pressed button, its controls, one or two viewports, blinking. */
export function applyMode(): void {
  const comparable = state.loaded?.comparable ?? false;
  for (const [m, b] of modeButtons) {
    const on = m === state.mode;
    b.toggleAttribute('secondary', !on);
    b.setAttribute('aria-checked', String(on));
    const disabled = m !== 'side' && !comparable;
    b.toggleAttribute('disabled', disabled);
    b.title = disabled
      ? 'Needs two readable images of the same size'
      : `${MODES.find((x) => x.id === m)!.label} (${MODES.find((x) => x.id === m)!.key})`;
  }
  viewer.dataset.mode = state.mode;
  vpB.root.hidden = state.mode !== 'side';
  for (const c of modeControls.querySelectorAll<HTMLElement>('.ctl')) c.hidden = c.dataset.for !== state.mode;
  legend.hidden = state.mode !== 'heat';
  vpA.canvas.setAttribute(
    'aria-label',
    state.mode === 'side' ? 'Reference image' : `${MODES.find((x) => x.id === state.mode)!.label} of reference and candidate`,
  );
  window.clearInterval(blinkTimer);
  blinkTimer = undefined;
  if (state.mode === 'blink') {
    blinkTimer = window.setInterval(() => {
      state.blinkShowsCand = !state.blinkShowsCand;
      redraw();
    }, 600);
  }
  const tagA = vpA.tag;
  if (state.mode !== 'side') tagA.dataset.composite = state.mode;
  else delete tagA.dataset.composite;
}
