// The toolbar: title, summary (verdict counts, first divergence, unpaired names), the filter
// and failing-only controls, and the export buttons.
import { button, ce, clear, h, textFilter } from '../../shared/dom';
import { intents } from '../intents';
import { persist, post } from '../messages';
import { state } from '../state';
import { countsClass, countsText, countVerdicts } from '../verdicts';
import { pairingCounts } from '../pairing';
import { renderRows } from './table';

const titleEl = h('h1', { class: 'title', id: 'title', text: 'Parity report' });
const summaryEl = h('div', { class: 'summary', id: 'summary', role: 'status' });
export const filterField = textFilter('Filter layers by name');
const failingBox = ce<HTMLElement & { checked: boolean }>(
  'vscode-checkbox',
  { id: 'failing-only', label: 'Hide passing', 'aria-label': 'Show only drift and diverged layers' },
  'Hide passing',
);
/** Export HTML / Export JSON: the host writes the report in that format. */
const exportButton = (format: 'html' | 'json', title: string) =>
  button(`Export ${format.toUpperCase()}`, { id: `export-${format}`, secondary: true, title }, () =>
    post({ kind: 'exportReport', payload: { format } }),
  );
const exportHtmlBtn = exportButton('html', 'Save a self-contained HTML report');
const exportJsonBtn = exportButton('json', 'Save the report as JSON (the compare --json schema)');
const captureInsideBtn = button(
  'Capture Inside',
  { id: 'capture-inside', title: 'Re-run both sides capturing only inside the selected layer' },
  () => {
    if (state.selected) post({ kind: 'captureInside', payload: { name: state.selected } });
  },
);
captureInsideBtn.hidden = true;
export const toolbar = h(
  'header',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report tools' },
  h('div', { class: 'title-block' }, titleEl, summaryEl),
  h('div', { class: 'group grow' }, filterField, failingBox),
  h('div', { class: 'group' }, captureInsideBtn, exportHtmlBtn, exportJsonBtn),
);

filterField.addEventListener('input', () => {
  state.filter = filterField.value;
  persist();
  renderRows();
});
failingBox.addEventListener('change', () => {
  state.failingOnly = failingBox.checked;
  persist();
  renderRows();
});

/** Capture Inside: offered for run folders, on the selected layer (the first divergence at first). */
export function renderCaptureInside(): void {
  captureInsideBtn.hidden = !state.captureInside || !state.selected;
  if (state.selected)
    captureInsideBtn.title = `Re-run both sides with the capture restricted to the module of ${state.selected} (MFLUX_PORT_CAPTURE_INCLUDE), then open the finer report`;
}

/** Title and controls from a newly received report. */
export function renderToolbar(): void {
  renderCaptureInside();
  titleEl.textContent = state.title;
  titleEl.title = `${state.refLabel} ↔ ${state.candLabel}`;
  filterField.value = state.filter;
  failingBox.checked = state.failingOnly;
}

export function renderSummary(): void {
  const r = state.report!;
  clear(summaryEl);
  const counts = countVerdicts(r.pairs);
  // Nothing compared is never green: no pair is not "all pass".
  const badge =
    r.pairs.length === 0
      ? h('span', { class: 'badge fail', id: 'summary-badge', text: 'nothing compared' })
      : h('span', {
          class: `badge ${countsClass(counts)}`,
          id: 'summary-badge',
          title: 'pass: within tolerance · drift: outside it, carrying the error it received · diverged: this layer introduces error',
          text: countsText(counts),
        });
  const how = pairingCounts(r.pairs);
  summaryEl.append(badge, h('span', { id: 'pair-count', text: `${r.pairs.length} pairs${how ? `, ${how}` : ''}` }));
  if (r.first_divergence) {
    const link = h('button', {
      type: 'button',
      class: 'link',
      id: 'first-divergence',
      text: r.first_divergence,
      title: 'Select the first diverged layer (capture order)',
    });
    link.addEventListener('click', () => intents.select(r.first_divergence!, { scroll: true }));
    summaryEl.append(h('span', { class: 'muted', text: ' · first divergence ' }), link);
  }
  if (r.error_growth && r.error_growth.pattern !== 'none') {
    summaryEl.append(
      h('span', {
        class: 'muted',
        text:
          r.error_growth.pattern === 'local'
            ? ' · one layer introduces the error (jump)'
            : r.first_divergence
              ? ' · a slow rise above the noise floor'
              : ' · error accumulates (drift)',
      }),
    );
  }
  const unmatched = r.unmatched_ref.length + r.unmatched_cand.length;
  if (unmatched) {
    summaryEl.append(
      h('span', {
        class: 'muted',
        id: 'unmatched',
        title: [`Reference only: ${r.unmatched_ref.join(', ') || '—'}`, `Candidate only: ${r.unmatched_cand.join(', ') || '—'}`].join('\n'),
        text: ` · unpaired: ${r.unmatched_ref.length} ref, ${r.unmatched_cand.length} cand`,
      }),
    );
  }
}
