// Mapping coverage: which checkpoint keys no WeightTarget consumes, which targets match no
// key, and which match in most blocks of their group but not in some (a tensor in blocks 0-28
// and not in block 29). Patterns expand to the keys mflux's own loader makes of them
// (mfluxExpansion.ts), so a key mflux never loads is never counted as consumed.
import { expandPattern, mfluxCounts, type Counts } from './mfluxExpansion';

export interface CoverageTarget {
  readonly to: string;
  readonly from: readonly string[];
  readonly required: boolean;
  readonly maxBlocks?: number;
  readonly file?: string;
  readonly line?: number;
  /** Placeholders of loops the static reader could not bound: matched as any number. */
  readonly open?: readonly string[];
}

export interface CoverageInput {
  readonly name: string;
  readonly hfSubdir?: string;
  /** Checkpoint keys of the component (all shards). */
  readonly keys: readonly string[];
  readonly targets: readonly CoverageTarget[];
  readonly numBlocks?: number;
  readonly numLayers?: number;
}

export interface PatternResult {
  /** The target's from-patterns, `a | b` when it has alternatives. */
  readonly pattern: string;
  readonly to: string;
  readonly required: boolean;
  /** Expanded keys (blocks) the target found in the checkpoint. */
  readonly matched: number;
  readonly file?: string;
  readonly line?: number;
  /** For a required target that matches nothing: an unconsumed checkpoint key a typo away (edit distance ≤ 2). */
  readonly nearKey?: string;
}

export interface BlockMiss extends PatternResult {
  /** Placeholder values (block numbers; `1.2` for block 1, resnet 2) where other tensors of the group exist but this one does not. */
  readonly blocks: readonly string[];
  /** The checkpoint key mflux looks for at each of those blocks. */
  readonly keys: readonly string[];
}

export interface ComponentCoverage {
  readonly name: string;
  readonly hfSubdir?: string;
  readonly totalKeys: number;
  readonly consumedKeys: number;
  /** Keys no pattern consumes, in checkpoint order. */
  readonly unmappedKeys: readonly string[];
  /** Keys that are training state, not weights (BatchNorm's num_batches_tracked): never loaded, never a finding. */
  readonly ignoredKeys: readonly string[];
  /** Required targets that match no key: the mapping expects weights the checkpoint lacks. */
  readonly unmatchedPatterns: readonly PatternResult[];
  /** Required targets present in most blocks of their group but missing in some. */
  readonly blockMisses: readonly BlockMiss[];
  /** Optional (required=False) targets that match no key: usually fine. */
  readonly unmatchedOptional: readonly PatternResult[];
  readonly patternCount: number;
  readonly targetCount: number;
  /** num_blocks / num_layers the expansion used, and where they came from. */
  readonly counts: Counts;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A key with open placeholders as a regex (`{b}` → any number, the same number each time). */
function openRegex(key: string, open: readonly string[]): RegExp | undefined {
  const names = open.filter((o) => key.includes(`{${o}}`));
  if (!names.length) return undefined;
  const seen = new Map<string, number>();
  let src = '';
  let last = 0;
  for (const m of key.matchAll(/\{(\w+)\}/g)) {
    if (!names.includes(m[1])) continue;
    src += esc(key.slice(last, m.index));
    const g = seen.get(m[1]);
    if (g) src += `\\${g}`;
    else {
      seen.set(m[1], seen.size + 1);
      src += '(\\d+)';
    }
    last = (m.index ?? 0) + m[0].length;
  }
  return new RegExp(`^${src}${esc(key.slice(last))}$`);
}

interface Partial {
  readonly result: PatternResult;
  readonly group: string;
  readonly hit: ReadonlySet<string>;
  /** Index → the first from-pattern's key, for the blocks this target did not find. */
  readonly missing: ReadonlyMap<string, string>;
  readonly all: ReadonlySet<string>;
}

/** Levenshtein distance, or `max + 1` as soon as it must exceed `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_x, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** A typo leaves two traces: a pattern that matches nothing and a key nothing consumes, a character or two apart. */
function withNearKey(p: PatternResult, unmapped: readonly string[]): PatternResult {
  const wanted = p.pattern.split(' | ').map((f) => f.replace(/\{\w+\}/g, '0'));
  for (const w of wanted) {
    const skeleton = (k: string) => k.replace(/\.\d+\./g, '.0.');
    const near = unmapped.find((k) => distance(skeleton(k), w, 2) <= 2);
    if (near) return { ...p, nearKey: near };
  }
  return p;
}

export function computeCoverage(input: CoverageInput): ComponentCoverage {
  const counts = mfluxCounts(input.keys, input.numBlocks, input.numLayers);
  const keyIndex = new Map<string, number>();
  input.keys.forEach((k, i) => keyIndex.set(k, i));
  const consumed = new Uint8Array(input.keys.length);
  const unmatched: PatternResult[] = [];
  const partials: Partial[] = [];
  const groupHits = new Map<string, Set<string>>();
  let patternCount = 0;
  for (const t of input.targets) {
    patternCount += t.from.length;
    // Per placeholder value: whether any of the target's alternatives is in the checkpoint.
    const hitAt = new Map<string, boolean>();
    const firstKey = new Map<string, string>();
    let group: string | undefined;
    t.from.forEach((f, n) => {
      const exp = expandPattern(f, t.to, t.maxBlocks, counts);
      if (n === 0) group = exp.group;
      for (const { key, index } of exp.keys) {
        if (n === 0 && !firstKey.has(index)) firstKey.set(index, key);
        const re = t.open ? openRegex(key, t.open) : undefined;
        let hit = false;
        if (re)
          input.keys.forEach((k, i) => {
            if (re.test(k)) {
              consumed[i] = 1;
              hit = true;
            }
          });
        else {
          const i = keyIndex.get(key);
          if (i !== undefined) {
            consumed[i] = 1;
            hit = true;
          }
        }
        hitAt.set(index, (hitAt.get(index) ?? false) || hit);
      }
    });
    const hit = new Set([...hitAt].filter(([, h]) => h).map(([i]) => i));
    const result: PatternResult = {
      pattern: t.from.join(' | '),
      to: t.to,
      required: t.required,
      matched: hit.size,
      file: t.file,
      line: t.line,
    };
    if (!hit.size) {
      unmatched.push(result);
      continue;
    }
    if (!group || t.open) continue;
    const seen = groupHits.get(group) ?? new Set<string>();
    for (const i of hit) seen.add(i);
    groupHits.set(group, seen);
    if (hit.size < hitAt.size && t.required) {
      const missing = new Map([...firstKey].filter(([i]) => !hit.has(i)));
      partials.push({ result, group, hit, missing, all: new Set(hitAt.keys()) });
    }
  }
  // A target misses a block when other tensors of its group are there; reported only when it
  // is in at least 4 blocks and misses at most a quarter of the group's blocks (a tensor that
  // only some blocks have, such as a shortcut convolution or a last block's missing upsampler,
  // is how the model is built, not a gap).
  const blockMisses: BlockMiss[] = [];
  for (const p of partials) {
    const seen = [...(groupHits.get(p.group) ?? [])].filter((i) => p.all.has(i));
    const blocks = seen.filter((i) => !p.hit.has(i)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (blocks.length && p.hit.size >= 4 && blocks.length * 4 <= seen.length)
      blockMisses.push({ ...p.result, blocks, keys: blocks.map((b) => p.missing.get(b)!) });
  }
  const notWeight = (k: string) => /(?:^|\.)num_batches_tracked$/.test(k);
  const unmappedKeys = input.keys.filter((k, i) => !consumed[i] && !notWeight(k));
  const ignoredKeys = input.keys.filter((k, i) => !consumed[i] && notWeight(k));
  return {
    name: input.name,
    hfSubdir: input.hfSubdir,
    totalKeys: input.keys.length,
    consumedKeys: input.keys.length - unmappedKeys.length - ignoredKeys.length,
    unmappedKeys,
    ignoredKeys,
    unmatchedPatterns: unmatched.filter((p) => p.required).map((p) => withNearKey(p, unmappedKeys)),
    blockMisses,
    unmatchedOptional: unmatched.filter((p) => !p.required),
    patternCount,
    targetCount: input.targets.length,
    counts,
  };
}

/** Collapses keys that differ only in block numbers, for short reports: `blocks.{0..27}.attn.wq.weight`. */
export function collapseKeys(keys: readonly string[]): string[] {
  const groups = new Map<string, { parts: string[]; nums: Set<number>[] }>();
  const order: string[] = [];
  for (const k of keys) {
    const parts = k.split('.');
    const skel = parts.map((s) => (/^\d+$/.test(s) ? '#' : s)).join('.');
    let g = groups.get(skel);
    if (!g) {
      g = { parts, nums: parts.map(() => new Set<number>()) };
      groups.set(skel, g);
      order.push(skel);
    }
    parts.forEach((s, i) => {
      if (/^\d+$/.test(s)) g!.nums[i].add(Number(s));
    });
  }
  return order.map((skel) => {
    const g = groups.get(skel)!;
    return g.parts.map((s, i) => (/^\d+$/.test(s) ? rangeText([...g.nums[i]].sort((a, b) => a - b)) : s)).join('.');
  });
}

/** `[0,1,2,3,7]` → `{0..3,7}`; a single number stays plain. */
export function rangeText(nums: readonly number[]): string {
  if (nums.length === 1) return String(nums[0]);
  const runs: string[] = [];
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    runs.push(j > i ? `${nums[i]}..${nums[j]}` : String(nums[i]));
    i = j + 1;
  }
  return `{${runs.join(',')}}`;
}
