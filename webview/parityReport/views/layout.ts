// The panel's frame: the toolbar slot, the left column (chart and table), the detail pane and
// the empty/error state shown instead of them.
import { h } from '../../shared/dom';

export const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'parity-report';
export const left = h('div', { class: 'left' });
export const detailPane = h('section', { class: 'detail', id: 'detail', 'aria-label': 'Selected layer', 'aria-live': 'polite' });
export const body = h('main', { class: 'body' }, left, detailPane);
export const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for the comparison…');
body.hidden = true;

/** Shows a message instead of the report (no pairs, or an error with nothing selected). */
export function showEmpty(text: string, error = false): void {
  body.hidden = true;
  emptyState.hidden = false;
  if (error) emptyState.classList.add('error');
  emptyState.textContent = text;
}

export function showBody(): void {
  emptyState.hidden = true;
  body.hidden = false;
}
