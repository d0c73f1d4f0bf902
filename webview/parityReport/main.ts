// Parity report panel: the per-layer table in capture order, the error-growth chart, and the
// selected layer's heatmaps, values, |diff| histogram and tolerance (re-judged here, instantly).
// This file wires the modules: state.ts (what is shown), messages.ts (the host channel),
// actions.ts (what a report or a selection changes) and views/ (the DOM).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { afterPaint, isTyping } from '../shared/dom';
import { applyReport, select, showReport } from './actions';
import { intents } from './intents';
import { onHostMessage, post, savedState } from './messages';
import { restore, state } from './state';
import { drawGrowth, growth } from './views/chart';
import { renderDetail, showDetailError } from './views/detail';
import { repaintHeatmaps } from './views/heatmap';
import { app, body, emptyState, left, showEmpty } from './views/layout';
import { tableEmpty, tableWrap } from './views/table';
import { filterField, toolbar } from './views/toolbar';
import { notesBanner } from './views/notes';

restore(savedState());
intents.select = select;
left.append(growth, tableWrap, tableEmpty);
app.append(toolbar, notesBanner, body, emptyState);

onHostMessage((m) => {
  switch (m.kind) {
    case 'init':
      performance.mark('parity:init');
      showReport(m.payload);
      performance.mark('parity:built');
      afterPaint(() => performance.mark('parity:painted'));
      break;
    case 'report':
      applyReport(m.payload.report);
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
      if (state.report && state.selected) showDetailError(m.payload.message);
      else showEmpty(m.payload.message, true);
      break;
  }
});

window.addEventListener('resize', () => {
  drawGrowth();
  repaintHeatmaps();
});
window.addEventListener('keydown', (e) => {
  if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') {
    e.preventDefault();
    (filterField as HTMLElement).focus();
  } else if (e.key === 'f' && state.report?.first_divergence) select(state.report.first_divergence, { scroll: true, focus: true });
});

post({ kind: 'ready', payload: {} });
