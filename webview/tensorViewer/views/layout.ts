// The viewer's page: toolbar (title, totals, filter, expand/collapse), the tree and the detail
// pane, and the empty state shown while headers are read or when there is nothing to show.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { button, h, textFilter } from '../../shared/dom';

export const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
app.className = 'tensor-viewer';
export const titleEl = h('h1', { class: 'title', id: 'title', text: 'Tensor file' });
export const totalsEl = h('div', { class: 'summary', id: 'totals' });
export const filterField = textFilter('Filter tensors by name');
export const expandAll = button('Expand all', { id: 'expand-all', secondary: true, title: 'Expand every folder' });
export const collapseAll = button('Collapse all', { id: 'collapse-all', secondary: true, title: 'Collapse every folder' });
export const toolbar = h(
  'header',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Tensor file tools' },
  h('div', { class: 'title-block' }, titleEl, totalsEl),
  h('div', { class: 'group' }, filterField, expandAll, collapseAll),
);
export const head = h(
  'div',
  { class: 'tree-head', 'aria-hidden': 'true' },
  h('span', { text: 'name' }),
  h('span', { text: 'dtype' }),
  h('span', { text: 'shape' }),
  h('span', { class: 'num', text: 'params' }),
  h('span', { class: 'num', text: 'size' }),
);
export const tree = h('div', { class: 'tree', id: 'tree', role: 'tree', 'aria-label': 'Tensors by name', tabindex: 0 });
export const treeWrap = h('section', { class: 'tree-wrap' }, head, tree);
export const detail = h('section', { class: 'detail side-pane', id: 'detail', 'aria-label': 'Selected tensor', 'aria-live': 'polite' });
export const body = h('main', { class: 'body' }, treeWrap, detail);
export const emptyState = h('div', { class: 'empty', id: 'empty', role: 'status' }, 'Reading headers…');
app.append(toolbar, body, emptyState);
body.hidden = true;
