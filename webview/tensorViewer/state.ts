// What the tensor viewer shows: the file's tensors, their name tree, which folders are open,
// the selection, the filter, and the stats and previews fetched so far (or their errors).
import type { TensorEntry, TensorPreview, TensorStats } from '../../src/protocol/tensorViewer';
import type { TreeNode } from './tree';

export const state = {
  tensors: [] as readonly TensorEntry[],
  root: null as TreeNode | null,
  expanded: new Set<string>(),
  selected: null as string | null,
  filter: '',
  stats: new Map<string, TensorStats | string>(),
  previews: new Map<string, TensorPreview | string>(),
  pending: new Set<string>(),
};

export function findNode(path: string): TreeNode | null {
  const walk = (n: TreeNode): TreeNode | null => {
    if (n.path === path) return n;
    for (const c of n.children) {
      const f = walk(c);
      if (f) return f;
    }
    return null;
  };
  return state.root ? walk(state.root) : null;
}
