// Image diff panel: reference vs candidate with synchronised zoom/pan, six views, a pixel
// inspector and mflux's golden rule replayed live. The host decodes the PNGs and sends the
// pixels; everything interactive (gain, colormap, tolerances, curve) is computed here.
// This file wires the modules: state.ts (what is shown), messages.ts (the host channel),
// actions.ts (what a message or a choice changes) and views/ (the DOM).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { h, isTyping } from '../shared/dom';
import { selectPair, setMode, showPair, showPairs } from './actions';
import { intents } from './intents';
import { onHostMessage, post, savedState } from './messages';
import { MODES, restore, state } from './state';
import { drawCurve, renderRuleFields, side } from './views/rulePanel';
import { drawStepChart, timeline } from './views/timeline';
import { applyMode, syncSwipeInput, toolbar } from './views/toolbar';
import { emptyState, fit, pan, refresh, showEmpty, viewer, zoomBy, zoomTo } from './views/viewport';

restore(savedState());
intents.selectPair = selectPair;
intents.setMode = setMode;
intents.swipeMoved = syncSwipeInput;
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'image-diff';
const body = h('main', { class: 'body' }, h('div', { class: 'viewer-wrap' }, viewer, emptyState), side);
app.append(toolbar, body, timeline);

onHostMessage((m) => {
  switch (m.kind) {
    case 'init':
      showPairs(m.payload);
      break;
    case 'pair':
      if (m.payload.id !== state.selected) return;
      showPair(m.payload);
      break;
    case 'pairMetrics':
      state.stepMetrics.set(m.payload.id, { psnr: m.payload.psnr, ssim: m.payload.ssim });
      drawStepChart();
      break;
    case 'error':
      showEmpty(m.payload.message, true);
      break;
  }
});

window.addEventListener('resize', () => {
  refresh();
  drawCurve();
  drawStepChart();
});

window.addEventListener('keydown', (e) => {
  if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  const mode = MODES.find((m) => m.key === e.key);
  const idx = state.pairs.findIndex((p) => p.id === state.selected);
  const inViewport = e.target instanceof HTMLElement && e.target.classList.contains('viewport');
  if (mode) setMode(mode.id);
  else if (e.key === 'f' || e.key === 'F') fit();
  else if (e.key === 'a' || e.key === 'A') zoomTo(1);
  else if (e.key === '+' || e.key === '=') zoomBy(2);
  else if (e.key === '-' || e.key === '_') zoomBy(0.5);
  else if (e.key === 'ArrowLeft' && inViewport) pan(40, 0);
  else if (e.key === 'ArrowRight' && inViewport) pan(-40, 0);
  else if (e.key === 'ArrowUp' && inViewport) pan(0, 40);
  else if (e.key === 'ArrowDown' && inViewport) pan(0, -40);
  else if (e.key === '[' && idx > 0) selectPair(state.pairs[idx - 1].id);
  else if (e.key === ']' && idx >= 0 && idx < state.pairs.length - 1) selectPair(state.pairs[idx + 1].id);
  else return;
  e.preventDefault();
});

applyMode();
renderRuleFields();
post({ kind: 'ready', payload: {} });
