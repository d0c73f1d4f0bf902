// The panel's frame: the toolbar slot, the left column (chart and table), the detail pane and
// the empty/error state shown instead of them.
import { clear, h } from '../../shared/dom';
import type { ParityReport } from '../../../src/protocol/parityReport';

export const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'parity-report';
export const left = h('div', { class: 'left' });
export const detailPane = h('section', { class: 'detail side-pane', id: 'detail', 'aria-label': 'Selected layer', 'aria-live': 'polite' });
export const body = h('main', { class: 'body' }, left, detailPane);
export const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Waiting for the comparison…');
body.hidden = true;

/** Shows a message instead of the report (no pairs, or an error with nothing selected). */
export function showEmpty(text: string, error = false): void {
  body.hidden = true;
  emptyState.hidden = false;
  if (error) emptyState.classList.add('error');
  emptyState.classList.remove('unpaired-state');
  emptyState.textContent = text;
}

const MAX_LISTED = 200;

/**
 * No pair to compare: the names of both sides inline (so a naming difference is visible at a
 * glance) and how to pair them with rename rules.
 */
export function showUnpaired(r: ParityReport): void {
  body.hidden = true;
  emptyState.hidden = false;
  emptyState.classList.add('error', 'unpaired-state');
  clear(emptyState);
  const list = (title: string, names: readonly string[], id: string) =>
    h(
      'div',
      { class: 'unpaired-list', id },
      h('h3', { text: `${title} (${names.length})` }),
      h(
        'ul',
        {},
        ...names.slice(0, MAX_LISTED).map((n) => h('li', { class: 'mono', text: n })),
        ...(names.length > MAX_LISTED ? [h('li', { class: 'muted', text: `… ${names.length - MAX_LISTED} more` })] : []),
      ),
    );
  emptyState.append(
    h('p', { id: 'nothing-compared', text: 'Nothing was compared: the two sides have no tensor names in common.' }),
    h('p', {
      class: 'muted',
      id: 'rename-hint',
      text: 'Pair them with rename rules (regex → replacement, applied to reference names) in .mflux-port/compare-map.json, e.g. {"rename": [{"from": "^attentions\\.(\\d+)", "to": "attn.$1"}]}, the same file as mflux-port compare --map.',
    }),
    h(
      'div',
      { class: 'unpaired' },
      list('Reference only', r.unmatched_ref, 'unpaired-ref'),
      list('Candidate only', r.unmatched_cand, 'unpaired-cand'),
    ),
  );
}

export function showBody(): void {
  emptyState.hidden = true;
  body.hidden = false;
}
