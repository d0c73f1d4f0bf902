// What happens when a report arrives or a layer is selected: state changes first, then the
// views that show it.
import type { ParityHostMessage, ParityReport } from '../../src/protocol/parityReport';
import { afterPaint } from '../shared/dom';
import type { SelectOptions } from './intents';
import { persist, post } from './messages';
import { indexReport, state } from './state';
import { drawGrowth } from './views/chart';
import { clearDetail, renderDetail } from './views/detail';
import { showBody, showUnpaired } from './views/layout';
import { highlightRow, renderHead, renderRows } from './views/table';
import { renderCaptureInside, renderSummary, renderToolbar } from './views/toolbar';
import { renderNotes } from './views/notes';

type Init = Extract<ParityHostMessage, { kind: 'init' }>['payload'];

export function showReport(m: Init): void {
  state.report = m.report;
  state.title = m.title;
  state.refLabel = m.refLabel;
  state.candLabel = m.candLabel;
  state.source = m.source;
  state.captureInside = m.captureInside === true;
  state.overrides.clear();
  const r = m.report;
  indexReport(r);
  renderToolbar();
  renderNotes(r);
  if (r.pairs.length === 0) {
    showUnpaired(r);
    renderSummary();
    return;
  }
  showBody();
  renderSummary();
  renderHead();
  renderRows();
  const initial = state.selected && state.byName.has(state.selected) ? state.selected : (r.first_divergence ?? r.pairs[0].name);
  // The detail pane (form controls, canvases) is built right after the table's first frame:
  // its data has to come from the host anyway, so the table is not held back for it.
  select(initial, { scroll: true, deferDetail: true });
  persist();
}

/** The host judged the report again (a tolerance edit): its verdicts and first divergence replace the local re-judge. */
export function applyReport(report: ParityReport): void {
  state.report = report;
  state.overrides.clear();
  indexReport(report);
  renderNotes(report);
  renderSummary();
  renderRows();
  if (state.selected) highlightRow(null, state.selected, {});
  if (state.detail) renderDetail();
}

export function select(name: string, opts: SelectOptions = {}): void {
  if (!state.byName.has(name)) return;
  const changed = state.selected !== name || !state.detail || state.detail.name !== name;
  const prev = state.selected;
  state.selected = name;
  highlightRow(prev, name, opts);
  renderCaptureInside();
  persist();
  drawGrowth();
  if (changed) {
    state.detail = null;
    post({ kind: 'selectLayer', payload: { name } });
    if (opts.deferDetail) {
      clearDetail();
      afterPaint(() => {
        if (!state.detail && state.selected === name) renderDetail();
      });
    } else {
      renderDetail();
    }
  }
}
