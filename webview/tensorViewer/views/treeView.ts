// The name tree: rows for the open folders (all matches while filtering), keyboard navigation
// as in a native tree, expand/collapse all, and "/" to filter.
import { clear, h, isTyping } from '../../shared/dom';
import { bytes, count, shape } from '../../shared/format';
import { intents } from '../intents';
import { findNode, state } from '../state';
import type { TreeNode } from '../tree';
import { renderDetail } from './detail';
import { collapseAll, expandAll, filterField, tree } from './layout';

interface Row {
  node: TreeNode;
  level: number;
  parent: string | null;
}

function matches(n: TreeNode, q: string): boolean {
  if (n.tensor && n.tensor.name.toLowerCase().includes(q)) return true;
  return n.children.some((c) => matches(c, q));
}

function visibleRows(): Row[] {
  const rows: Row[] = [];
  const q = state.filter.trim().toLowerCase();
  const walk = (n: TreeNode, level: number, parent: string | null) => {
    for (const c of n.children) {
      if (q && !matches(c, q)) continue;
      rows.push({ node: c, level, parent });
      if (c.children.length && (q || state.expanded.has(c.path))) walk(c, level + 1, c.path);
    }
  };
  if (state.root) walk(state.root, 1, null);
  return rows;
}

let rows: Row[] = [];
export function render(): void {
  rows = visibleRows();
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    const n = r.node;
    const isFolder = n.children.length > 0;
    const open = isFolder && (state.filter.trim() !== '' || state.expanded.has(n.path));
    const el = h('div', {
      class: `row ${isFolder ? 'folder' : 'leaf'}${n.path === state.selected ? ' selected' : ''}`,
      role: 'treeitem',
      id: `node-${cssId(n.path)}`,
      'data-path': n.path,
      'aria-level': r.level,
      'aria-selected': String(n.path === state.selected),
      'aria-expanded': isFolder ? String(open) : undefined,
    });
    const name = h('span', { class: 'name' });
    name.append(
      h('span', { class: 'indent', 'data-level': r.level }),
      h('span', { class: 'twisty', text: isFolder ? (open ? '▾' : '▸') : '' }),
      h('span', { class: 'label mono', text: n.label }),
    );
    if (n.repeat)
      name.append(
        h('span', {
          class: 'tag',
          text: `×${n.repeat.count}${n.repeat.uniform ? '' : ' (varying)'}`,
          title: n.repeat.uniform ? 'Numbered blocks with the same tensors, dtypes and shapes' : 'Numbered blocks whose contents differ',
        }),
      );
    const dtype = n.tensor ? n.tensor.dtype : [...n.dtypes].join(', ');
    const shp = n.tensor ? shape(n.tensor.shape) : `${n.count.toLocaleString()} tensors`;
    el.append(
      name,
      h('span', { class: 'mono dtype', text: dtype }),
      h('span', { class: `mono shape${n.tensor ? '' : ' muted'}`, text: shp }),
      h('span', { class: 'num mono', text: count(n.numel) }),
      h('span', { class: 'num mono muted', text: bytes(n.bytes) }),
    );
    el.style.setProperty('--level', String(r.level - 1));
    frag.append(el);
  }
  clear(tree);
  tree.append(frag);
  if (state.selected) tree.setAttribute('aria-activedescendant', `node-${cssId(state.selected)}`);
}

function cssId(path: string): string {
  return path.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}

function toggle(path: string, open?: boolean): void {
  const want = open ?? !state.expanded.has(path);
  if (want) state.expanded.add(path);
  else state.expanded.delete(path);
  render();
}

/** Moves the selection without rebuilding the rows (keyboard navigation stays instant). */
function markSelected(path: string): void {
  for (const el of tree.querySelectorAll<HTMLElement>('.row.selected')) {
    el.classList.remove('selected');
    el.setAttribute('aria-selected', 'false');
  }
  const el = document.getElementById(`node-${cssId(path)}`);
  el?.classList.add('selected');
  el?.setAttribute('aria-selected', 'true');
  tree.setAttribute('aria-activedescendant', `node-${cssId(path)}`);
  el?.scrollIntoView({ block: 'nearest' });
}

function select(path: string): void {
  state.selected = path;
  markSelected(path);
  renderDetail();
}

/** Wires the tree, the filter and the toolbar buttons to the state. */
export function bindTree(): void {
  tree.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
    if (!row?.dataset.path) return;
    const n = findNode(row.dataset.path);
    const path = row.dataset.path;
    if (n && n.children.length && ((e.target as HTMLElement).classList.contains('twisty') || state.selected === n.path)) toggle(n.path);
    select(path);
  });

  tree.addEventListener('keydown', (e) => {
    if (isTyping(e)) return;
    const i = rows.findIndex((r) => r.node.path === state.selected);
    const cur = rows[i];
    let handled = true;
    if (e.key === 'ArrowDown') {
      const r = rows[Math.min(rows.length - 1, i + 1)];
      if (r) select(r.node.path);
    } else if (e.key === 'ArrowUp') {
      const r = rows[Math.max(0, i - 1)];
      if (r) select(r.node.path);
    } else if (e.key === 'Home' && rows[0]) select(rows[0].node.path);
    else if (e.key === 'End' && rows.length) select(rows[rows.length - 1].node.path);
    else if (e.key === 'ArrowRight' && cur) {
      if (cur.node.children.length && !state.expanded.has(cur.node.path)) toggle(cur.node.path, true);
      else if (cur.node.children.length) select(cur.node.children[0].path);
    } else if (e.key === 'ArrowLeft' && cur) {
      if (cur.node.children.length && state.expanded.has(cur.node.path)) toggle(cur.node.path, false);
      else if (cur.parent) select(cur.parent);
    } else if ((e.key === 'Enter' || e.key === ' ') && cur) {
      if (cur.node.children.length) toggle(cur.node.path);
      else if (cur.node.tensor) intents.requestStats(cur.node.tensor.name);
    } else handled = false;
    if (handled) e.preventDefault();
  });
  tree.addEventListener('focus', () => {
    // Only give keyboard users a starting point; a click selects what was clicked.
    if (!state.selected && rows[0] && tree.matches(':focus-visible')) select(rows[0].node.path);
  });

  filterField.addEventListener('input', () => {
    state.filter = filterField.value;
    render();
  });
  expandAll.addEventListener('click', () => {
    const walk = (n: TreeNode) => {
      for (const c of n.children)
        if (c.children.length) {
          state.expanded.add(c.path);
          walk(c);
        }
    };
    if (state.root) walk(state.root);
    render();
  });
  collapseAll.addEventListener('click', () => {
    state.expanded.clear();
    render();
  });
  window.addEventListener('keydown', (e) => {
    if (!isTyping(e) && e.key === '/') {
      e.preventDefault();
      filterField.focus();
    }
  });
}
