// What a host message or a request changes: the state first, then the views.
import type { TensorViewerHostMessage } from '../../src/protocol/tensorViewer';
import { afterPaint, clear, h } from '../shared/dom';
import { bytes, count } from '../shared/format';
import { channel } from './messages';
import { findNode, state } from './state';
import { buildTree, totals } from './tree';
import { renderDetail } from './views/detail';
import { body, emptyState, titleEl, totalsEl } from './views/layout';
import { render } from './views/treeView';

/** The init message: the file's name, format, size and tensors (or why it cannot be read). */
export function showFile(m: Extract<TensorViewerHostMessage, { kind: 'init' }>): void {
  performance.mark('tensor:init');
  afterPaint(() => performance.mark('tensor:painted'));
  const p = m.payload;
  titleEl.textContent = p.fileName;
  state.tensors = p.tensors;
  clear(totalsEl);
  if (p.error) {
    body.hidden = true;
    emptyState.hidden = false;
    emptyState.classList.add('error');
    emptyState.textContent = p.error;
    totalsEl.append(h('span', { class: 'muted', text: `${p.format} · ${bytes(p.fileSize)}` }));
    return;
  }
  const t = totals(p.tensors);
  totalsEl.append(
    h('span', { class: 'muted', text: `${p.format} · ${bytes(p.fileSize)} · ` }),
    h('span', { id: 'total-tensors', text: `${t.tensors.toLocaleString()} tensors` }),
    h('span', { class: 'muted', text: ' · ' }),
    h('span', { id: 'total-params', 'data-numel': String(t.numel), text: `${count(t.numel)} parameters` }),
    h('span', { class: 'muted', text: ` · ${bytes(t.bytes)} of data · ` }),
    h('span', { class: 'muted', text: t.byDtype.map((d) => `${d.dtype} ${d.tensors}`).join(', ') }),
  );
  if (p.tensors.length === 0) {
    body.hidden = true;
    emptyState.hidden = false;
    emptyState.textContent = 'This file holds no tensors.';
    return;
  }
  emptyState.hidden = true;
  body.hidden = false;
  state.root = buildTree(p.tensors);
  // Open the first levels when they are small, so the structure is visible at once.
  for (const c of state.root.children) if (state.root.children.length <= 8 && !c.repeat) state.expanded.add(c.path);
  render();
  renderDetail();
}

export async function requestStats(name: string): Promise<void> {
  const key = `s:${name}`;
  if (state.pending.has(key) || state.stats.has(name)) return;
  state.pending.add(key);
  renderDetail();
  try {
    state.stats.set(name, await channel.request('requestStats', { name }));
  } catch (e) {
    state.stats.set(name, (e as Error).message);
  }
  state.pending.delete(key);
  if (state.selected && findNode(state.selected)?.tensor?.name === name) renderDetail();
}

export async function requestPreview(name: string): Promise<void> {
  const key = `p:${name}`;
  if (state.pending.has(key) || state.previews.has(name)) return;
  state.pending.add(key);
  renderDetail();
  try {
    state.previews.set(name, await channel.request('requestPreview', { name }));
  } catch (e) {
    state.previews.set(name, (e as Error).message);
  }
  state.pending.delete(key);
  if (state.selected && findNode(state.selected)?.tensor?.name === name) renderDetail();
}
