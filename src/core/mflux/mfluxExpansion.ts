// How mflux's loader turns a mapping pattern into concrete checkpoint keys (its
// WeightMapper, as of mflux 97ac5e6), written down here so coverage checks what mflux really
// loads, not any number a placeholder could stand for:
// - `{block}` in both patterns: 0..max_blocks-1, else 32 for `visual.blocks`, else num_blocks
//   (4 when that is 0); with `{res}` as well: blocks by num_blocks (or 4) × `{res}` 0..2;
//   `{block}` only on the MLX side: the checkpoint key is used as written (one key → many);
// - `{layer}`: 0..num_layers-1 (28 when 0);
// - `{i}`: 0 and 1; `{res}` alone: 0..2, and only in `up_block` patterns (else nothing);
// - any other `{name}` stays as written (so it matches no key).
// num_blocks is the component's, else detected from `transformer_blocks.N.` keys (highest + 1,
// 0 when none); num_layers the component's, else detected from `model.layers.N.` (28 when none).

export interface ExpandedKey {
  readonly key: string;
  /** The placeholder values that produced it (`3`, `1.2` for block 1 res 2); '' when none. */
  readonly index: string;
}

export interface Expansion {
  readonly keys: readonly ExpandedKey[];
  /** The text before the first placeholder expanded, with the placeholder names: blocks of one group share it. */
  readonly group?: string;
}

export interface Counts {
  readonly numBlocks: number;
  readonly numLayers: number;
  readonly blocksFrom: 'definition' | 'checkpoint' | 'none';
  readonly layersFrom: 'definition' | 'checkpoint' | 'default';
}

/** num_blocks / num_layers as mflux's mapper settles them for a component and its checkpoint keys. */
export function mfluxCounts(keys: readonly string[], numBlocks?: number, numLayers?: number): Counts {
  let blocks = -1;
  let layers = -1;
  if (numBlocks === undefined || numLayers === undefined)
    for (const k of keys) {
      const b = /transformer_blocks\.(\d+)\./.exec(k);
      if (b) blocks = Math.max(blocks, Number(b[1]));
      const l = /model\.layers\.(\d+)\./.exec(k);
      if (l) layers = Math.max(layers, Number(l[1]));
    }
  return {
    numBlocks: numBlocks ?? blocks + 1,
    numLayers: numLayers ?? (layers >= 0 ? layers + 1 : 28),
    blocksFrom: numBlocks !== undefined ? 'definition' : blocks >= 0 ? 'checkpoint' : 'none',
    layersFrom: numLayers !== undefined ? 'definition' : layers >= 0 ? 'checkpoint' : 'default',
  };
}

const MAX_KEYS = 100_000;

function over(pattern: string, names: readonly string[], sizes: readonly number[]): Expansion {
  const keys: ExpandedKey[] = [];
  const total = sizes.reduce((a, b) => a * b, 1);
  for (let n = 0; n < Math.min(total, MAX_KEYS); n++) {
    let rest = n;
    const vals: number[] = [];
    for (let d = sizes.length - 1; d >= 0; d--) {
      vals[d] = rest % sizes[d];
      rest = Math.floor(rest / sizes[d]);
    }
    let key = pattern;
    names.forEach((name, d) => (key = key.split(`{${name}}`).join(String(vals[d]))));
    keys.push({ key, index: vals.join('.') });
  }
  const first = Math.min(...names.map((n) => pattern.indexOf(`{${n}}`)).filter((i) => i >= 0));
  const group = Number.isFinite(first) ? `${pattern.slice(0, first)}|${names.join(',')}` : undefined;
  return { keys, group };
}

/** The concrete checkpoint keys mflux's mapper makes of one from-pattern of a target. */
export function expandPattern(pattern: string, to: string, maxBlocks: number | undefined, counts: Counts): Expansion {
  const has = (name: string) => pattern.includes(`{${name}}`) || to.includes(`{${name}}`);
  const hfBlock = pattern.includes('{block}');
  const toBlock = to.includes('{block}');
  const blocks = counts.numBlocks > 0 ? counts.numBlocks : 4;
  if ((hfBlock || toBlock) && has('res')) return over(pattern, ['block', 'res'], [blocks, 3]);
  if (hfBlock && toBlock) {
    const n = maxBlocks ?? (pattern.includes('visual.blocks') || to.includes('visual.blocks') ? 32 : blocks);
    return over(pattern, ['block'], [n]);
  }
  if (toBlock) return { keys: [{ key: pattern, index: '' }] };
  if (has('layer')) return over(pattern, ['layer'], [counts.numLayers > 0 ? counts.numLayers : 28]);
  if (has('i')) return over(pattern, ['i'], [2]);
  if (has('res')) return pattern.includes('up_block') ? over(pattern, ['res'], [3]) : { keys: [] };
  return { keys: [{ key: pattern, index: '' }] };
}
