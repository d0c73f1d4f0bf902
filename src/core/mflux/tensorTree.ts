// Tensor names as a tree by dotted prefix, with runs of structurally identical numbered
// children collapsed (`blocks.{0..27}`), and parameter/byte totals per node.
import type { DType } from '../tensors/types';
import { rangeText } from './coverage';

export interface TensorLeaf {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly numel: number;
  readonly byteLength: number;
  /** File holding the tensor, when known (for reading values later). */
  readonly file?: string;
}

export interface TreeNode {
  /** Label shown: a name segment, or `{0..27}` for a collapsed run. */
  readonly label: string;
  /** Dotted path of this node (with `{a..b}` for collapsed runs). */
  readonly path: string;
  readonly children: TreeNode[];
  /** Set on leaves: the tensor of the first block when collapsed. */
  readonly tensor?: TensorLeaf;
  /** Block numbers a collapsed node stands for. */
  readonly indices?: readonly number[];
  /** Leaves under this node, counting every collapsed block. */
  tensorCount: number;
  params: number;
  bytes: number;
  /** Collapsed leaves whose shape differs between blocks. */
  shapeVaries?: boolean;
}

interface Raw {
  seg: string;
  children: Map<string, Raw>;
  tensor?: TensorLeaf;
}

function signature(r: Raw, prefix = ''): string {
  const parts: string[] = [];
  if (r.tensor) parts.push(`${prefix}:${r.tensor.dtype}[${r.tensor.shape.join(',')}]`);
  for (const [k, c] of [...r.children].sort((a, b) => (a[0] < b[0] ? -1 : 1))) parts.push(signature(c, `${prefix}/${k}`));
  return parts.join(';');
}

function shapeOnly(r: Raw, prefix = ''): string {
  const parts: string[] = [];
  if (r.tensor) parts.push(prefix);
  for (const [k, c] of [...r.children].sort((a, b) => (a[0] < b[0] ? -1 : 1))) parts.push(shapeOnly(c, `${prefix}/${k}`));
  return parts.join(';');
}

function build(r: Raw, path: string, label: string): TreeNode {
  const node: TreeNode = {
    label,
    path,
    children: [],
    tensor: r.tensor,
    tensorCount: r.tensor ? 1 : 0,
    params: r.tensor?.numel ?? 0,
    bytes: r.tensor?.byteLength ?? 0,
  };
  const entries = [...r.children.entries()];
  const numeric = entries.filter(([k]) => /^\d+$/.test(k)).sort((a, b) => Number(a[0]) - Number(b[0]));
  const named = entries.filter(([k]) => !/^\d+$/.test(k));
  const join = (seg: string) => (path ? `${path}.${seg}` : seg);
  // Runs of consecutive numbers with the same names inside collapse into one node.
  for (let i = 0; i < numeric.length;) {
    const sig = shapeOnly(numeric[i][1]);
    let j = i;
    while (j + 1 < numeric.length && Number(numeric[j + 1][0]) === Number(numeric[j][0]) + 1 && shapeOnly(numeric[j + 1][1]) === sig) j++;
    const run = numeric.slice(i, j + 1);
    if (run.length === 1) node.children.push(build(run[0][1], join(run[0][0]), run[0][0]));
    else {
      const idx = run.map(([k]) => Number(k));
      const seg = rangeText(idx);
      const first = build(run[0][1], join(seg), seg);
      const varies = new Set(run.map(([, c]) => signature(c))).size > 1;
      const totals = run.slice(1).map(([k, c]) => build(c, join(k), k));
      const collapsed: TreeNode = { ...first, indices: idx, label: seg };
      for (const t of totals) {
        collapsed.tensorCount += t.tensorCount;
        collapsed.params += t.params;
        collapsed.bytes += t.bytes;
      }
      if (varies)
        markVaries(
          collapsed,
          run.map(([, c]) => c),
        );
      node.children.push(collapsed);
    }
    i = j + 1;
  }
  for (const [k, c] of named) node.children.push(build(c, join(k), k));
  // Numbered children first, in numeric order, then names alphabetically.
  node.children.sort((a, b) => orderKey(a.label).localeCompare(orderKey(b.label)));
  for (const c of node.children) {
    node.tensorCount += c.tensorCount;
    node.params += c.params;
    node.bytes += c.bytes;
  }
  return node;
}

function orderKey(label: string): string {
  const m = /^\{?(\d+)/.exec(label);
  return m ? `0${m[1].padStart(8, '0')}` : `1${label}`;
}

function markVaries(node: TreeNode, raws: Raw[]): void {
  if (node.tensor) {
    const shapes = new Set(raws.map((r) => (r.tensor ? `${r.tensor.dtype}[${r.tensor.shape.join(',')}]` : '')));
    if (shapes.size > 1) node.shapeVaries = true;
  }
  for (const c of node.children) {
    const seg = c.label;
    markVaries(
      c,
      raws.map((r) => r.children.get(seg)).filter((x): x is Raw => !!x),
    );
  }
}

export function buildTensorTree(tensors: readonly TensorLeaf[], rootLabel = ''): TreeNode {
  const root: Raw = { seg: '', children: new Map() };
  for (const t of tensors) {
    let cur = root;
    for (const seg of t.name.split('.')) {
      let next = cur.children.get(seg);
      if (!next) {
        next = { seg, children: new Map() };
        cur.children.set(seg, next);
      }
      cur = next;
    }
    cur.tensor = t;
  }
  return build(root, '', rootLabel);
}

/** Flattens a tree to lines (`path  dtype[shape]  params`) for search and the CLI. */
export function flattenTree(node: TreeNode, out: TreeNode[] = []): TreeNode[] {
  if (node.tensor) out.push(node);
  for (const c of node.children) flattenTree(c, out);
  return out;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${u[i]}`;
}
