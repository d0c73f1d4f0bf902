// The tensors of a loaded pickle under dotted names (`model.blocks.0.weight`), as Python's
// str() spells dict keys. Shared sub-containers and depth are capped; a cycle is BadPickle.
import { BadPickle, PickleTooComplex, quote } from './errors';
import { Dict, List, TensorRef, Tuple, type Value } from './pickleTypes';

/** Flattens nested dicts/lists/tuples into dotted names; non-tensor leaves are skipped. */
export function flattenTensors(file: string, root: Value, maxDepth = 256): { name: string; tensor: TensorRef }[] {
  const out: { name: string; tensor: TensorRef }[] = [];
  const onPath = new Set<object>();
  let visits = 0;
  const visit = (v: Value, name: string, depth: number): void => {
    // shared sub-containers (memo) could make the walk exponential; cap the work instead
    if (++visits > 10_000_000) throw new PickleTooComplex(file, 'data.pkl refers to more than 10,000,000 values');
    if (depth > maxDepth) throw new PickleTooComplex(file, `data.pkl nests containers more than ${maxDepth} deep`);
    if (v instanceof TensorRef) {
      out.push({ name, tensor: v });
      return;
    }
    const children: [string, Value][] =
      v instanceof Dict
        ? [...v.map].map(([k, x]) => [pyStr(k), x])
        : v instanceof List || v instanceof Tuple
          ? v.items.map((x, i) => [String(i), x])
          : [];
    if (!children.length) return;
    if (onPath.has(v as object)) throw new BadPickle(file, `data.pkl contains a container that includes itself (at ${quote(name)})`);
    onPath.add(v as object);
    for (const [k, x] of children) visit(x, name ? `${name}.${k}` : k, depth + 1);
    onPath.delete(v as object);
  };
  visit(root, '', 0);
  return out;
}

/** A dict key as Python's str() spells it (True, None), so names match what Python shows. */
function pyStr(k: string | number | boolean | null): string {
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  return String(k);
}
