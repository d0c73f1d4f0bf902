// The name tree of the tensor viewer: dotted prefixes become folders, runs of numbered siblings
// (`blocks.0` … `blocks.27`) are folded into one `{0..27}` node, and chains of single folders
// are joined (`model.diffusion_model`). Pure, so it is tested in Node.
import type { TensorEntry } from '../../src/protocol/tensorViewer';

export interface TreeNode {
  /** Label shown for this node (a segment, a joined chain, or `{0..27}`). */
  label: string;
  /** Full dotted path of this node (unique key). */
  path: string;
  children: TreeNode[];
  tensor: TensorEntry | null;
  /** Tensors under this node, their elements and bytes. */
  count: number;
  numel: number;
  bytes: number;
  dtypes: Set<string>;
  /** For a folded run: how many numbered siblings, and whether they share one structure. */
  repeat?: { count: number; uniform: boolean };
}

function node(label: string, path: string): TreeNode {
  return { label, path, children: [], tensor: null, count: 0, numel: 0, bytes: 0, dtypes: new Set() };
}

const INT = /^\d+$/;

/** Structure of a subtree relative to its root: names, dtypes, shapes. */
function signature(n: TreeNode): string {
  const parts: string[] = [];
  const walk = (m: TreeNode, prefix: string) => {
    if (m.tensor) parts.push(`${prefix}:${m.tensor.dtype}:${m.tensor.shape.join('x')}`);
    for (const c of m.children) walk(c, `${prefix}/${c.label}`);
  };
  walk(n, '');
  return parts.join('|');
}

function compareLabels(a: TreeNode, b: TreeNode): number {
  return a.label.localeCompare(b.label, undefined, { numeric: true });
}

function finish(n: TreeNode): void {
  for (const c of n.children) finish(c);
  n.count = 0;
  n.numel = 0;
  n.bytes = 0;
  n.dtypes = new Set();
  if (n.tensor) {
    n.count = 1;
    n.numel = n.tensor.numel;
    n.bytes = n.tensor.byteLength;
    n.dtypes.add(n.tensor.dtype);
  }
  for (const c of n.children) {
    n.count += c.count;
    n.numel += c.numel;
    n.bytes += c.bytes;
    for (const d of c.dtypes) n.dtypes.add(d);
  }
}

/** Folds numbered children (at least 2, consecutive from their minimum) into one node. */
function foldRuns(n: TreeNode): void {
  for (const c of n.children) foldRuns(c);
  const numbered = n.children.filter((c) => INT.test(c.label) && !c.tensor);
  if (numbered.length >= 2) {
    numbered.sort(compareLabels);
    const lo = Number(numbered[0].label);
    const hi = Number(numbered[numbered.length - 1].label);
    if (hi - lo + 1 === numbered.length) {
      const sig = signature(numbered[0]);
      const group = node(`{${lo}..${hi}}`, `${n.path ? `${n.path}.` : ''}{${lo}..${hi}}`);
      group.children = numbered;
      group.repeat = { count: numbered.length, uniform: numbered.every((c) => signature(c) === sig) };
      finish(group);
      const rest = n.children.filter((c) => !numbered.includes(c));
      n.children = [...rest, group].sort((a, b) => order(a) - order(b) || compareLabels(a, b));
    }
  }
}

/** Keep the file's order where we can: by the first tensor's position. */
const firstIndex = new WeakMap<TreeNode, number>();
function order(n: TreeNode): number {
  return firstIndex.get(n) ?? Number.MAX_SAFE_INTEGER;
}

function indexFirst(n: TreeNode): number {
  let best = n.tensor ? (firstIndex.get(n) ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
  for (const c of n.children) best = Math.min(best, indexFirst(c));
  firstIndex.set(n, best);
  return best;
}

/**
 * Joins a folder with its only child folder: `model` › `diffusion_model` → `model.diffusion_model`,
 * `blocks` › `{0..27}` → `blocks.{0..27}`.
 */
function joinChains(n: TreeNode): void {
  for (const c of n.children) joinChains(c);
  n.children = n.children.map((c) => {
    let m = c;
    while (!m.tensor && !m.repeat && m.children.length === 1 && !m.children[0].tensor) {
      const only = m.children[0];
      only.label = `${m.label}.${only.label}`;
      m = only;
    }
    // A folder holding a single tensor reads better as that tensor's full name.
    if (!m.tensor && !m.repeat && m.children.length === 1 && m.children[0].tensor && !m.children[0].children.length) {
      const leaf = m.children[0];
      leaf.label = `${m.label}.${leaf.label}`;
      m = leaf;
    }
    return m;
  });
}

export function buildTree(tensors: readonly TensorEntry[]): TreeNode {
  const root = node('', '');
  const byPath = new Map<string, TreeNode>([['', root]]);
  tensors.forEach((t, i) => {
    const parts = t.name.split('.');
    let cur = root;
    let path = '';
    for (let k = 0; k < parts.length; k++) {
      path = path ? `${path}.${parts[k]}` : parts[k];
      let next = byPath.get(path);
      // A tensor whose name is also a prefix of others (rare) gets its own leaf.
      const isLeaf = k === parts.length - 1;
      if (isLeaf && next && (next.tensor || next.children.length)) {
        const leaf = node(parts[k], `${path}#tensor`);
        leaf.tensor = t;
        firstIndex.set(leaf, i);
        cur.children.push(leaf);
        return;
      }
      if (!next) {
        next = node(parts[k], path);
        byPath.set(path, next);
        cur.children.push(next);
      }
      if (isLeaf) {
        next.tensor = t;
        firstIndex.set(next, i);
      }
      cur = next;
    }
  });
  indexFirst(root);
  finish(root);
  foldRuns(root);
  joinChains(root);
  return root;
}

export interface Totals {
  readonly tensors: number;
  readonly numel: number;
  readonly bytes: number;
  readonly byDtype: readonly { dtype: string; tensors: number; numel: number; bytes: number }[];
}

export function totals(tensors: readonly TensorEntry[]): Totals {
  const by = new Map<string, { dtype: string; tensors: number; numel: number; bytes: number }>();
  let numel = 0;
  let bytes = 0;
  for (const t of tensors) {
    numel += t.numel;
    bytes += t.byteLength;
    const e = by.get(t.dtype) ?? { dtype: t.dtype, tensors: 0, numel: 0, bytes: 0 };
    e.tensors++;
    e.numel += t.numel;
    e.bytes += t.byteLength;
    by.set(t.dtype, e);
  }
  return { tensors: tensors.length, numel, bytes, byDtype: [...by.values()].sort((a, b) => b.bytes - a.bytes) };
}
