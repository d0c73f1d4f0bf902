// Mapping coverage: which checkpoint keys no WeightTarget consumes, which patterns match no
// key, and counts per component. Placeholders (`{block}`, `{layer}`, ...) match a block
// number; `{block}` stops at max_blocks (or the component's num_blocks) and `{layer}` at
// num_layers when those are known, as mflux's loader expands them.

export interface CoverageTarget {
  readonly to: string;
  readonly from: readonly string[];
  readonly required: boolean;
  readonly maxBlocks?: number;
  readonly file?: string;
  readonly line?: number;
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
  readonly pattern: string;
  readonly to: string;
  readonly required: boolean;
  readonly matched: number;
  readonly file?: string;
  readonly line?: number;
}

export interface ComponentCoverage {
  readonly name: string;
  readonly hfSubdir?: string;
  readonly totalKeys: number;
  readonly consumedKeys: number;
  /** Keys no pattern consumes, in checkpoint order. */
  readonly unmappedKeys: readonly string[];
  /** Required patterns that match no key: the mapping expects weights the checkpoint lacks. */
  readonly unmatchedPatterns: readonly PatternResult[];
  /** Optional (required=False) patterns that match no key: usually fine. */
  readonly unmatchedOptional: readonly PatternResult[];
  readonly patternCount: number;
  readonly targetCount: number;
}

const PLACEHOLDER = /\{(\w+)\}/g;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Skeleton shared by a key and every pattern that could match it: numeric/placeholder segments become `#`. */
function keySkeleton(key: string): string {
  return key
    .split('.')
    .map((s) => (/^\d+$/.test(s) ? '#' : s))
    .join('.');
}

interface CompiledPattern {
  readonly result: { pattern: string; to: string; required: boolean; file?: string; line?: number; matched: number };
  readonly literal?: string;
  /** Every concrete key, when all placeholders are bounded (looked up like literals). */
  readonly expanded?: readonly string[];
  readonly skeleton?: string;
  readonly re?: RegExp;
  readonly bounds: readonly { group: number; max: number }[];
}

function compile(pattern: string, target: CoverageTarget, input: CoverageInput): CompiledPattern {
  const result = { pattern, to: target.to, required: target.required, file: target.file, line: target.line, matched: 0 };
  if (!pattern.includes('{')) return { result, literal: pattern, bounds: [] };
  const groups = new Map<string, number>();
  const bounds: { group: number; max: number }[] = [];
  let src = '';
  let last = 0;
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    src += esc(pattern.slice(last, m.index));
    const name = m[1];
    if (groups.has(name)) src += `\\${groups.get(name)}`;
    else {
      const g = groups.size + 1;
      groups.set(name, g);
      src += '(\\d+)';
      const max = name === 'block' ? (target.maxBlocks ?? input.numBlocks) : name === 'layer' ? input.numLayers : undefined;
      if (max !== undefined) bounds.push({ group: g, max });
    }
    last = (m.index ?? 0) + m[0].length;
  }
  src += esc(pattern.slice(last));
  const expanded = expandBounded(pattern, groups, bounds);
  if (expanded) return { result, expanded, bounds };
  const wholeSegments = pattern.split('.').every((s) => !s.includes('{') || /^\{\w+\}$/.test(s));
  const skeleton = wholeSegments
    ? pattern
        .split('.')
        .map((s) => (/^\{\w+\}$/.test(s) || /^\d+$/.test(s) ? '#' : s))
        .join('.')
    : undefined;
  return { result, re: new RegExp(`^${src}$`), skeleton, bounds };
}

const MAX_EXPANSION = 10_000;

/** All concrete keys of a pattern whose every placeholder has an upper bound; else undefined. */
function expandBounded(
  pattern: string,
  groups: ReadonlyMap<string, number>,
  bounds: readonly { group: number; max: number }[],
): string[] | undefined {
  const byGroup = new Map(bounds.map((b) => [b.group, b.max]));
  const names = [...groups.entries()];
  if (names.some(([, g]) => !byGroup.has(g))) return undefined;
  if (names.reduce((n, [, g]) => n * Math.max(0, byGroup.get(g)!), 1) > MAX_EXPANSION) return undefined;
  let out = [pattern];
  for (const [name, g] of names) {
    const next: string[] = [];
    for (const p of out) for (let i = 0; i < byGroup.get(g)!; i++) next.push(p.split(`{${name}}`).join(String(i)));
    out = next;
  }
  return out;
}

function matches(p: CompiledPattern, key: string): boolean {
  const m = p.re!.exec(key);
  if (!m) return false;
  return p.bounds.every((b) => Number(m[b.group]) < b.max);
}

export function computeCoverage(input: CoverageInput): ComponentCoverage {
  const compiled: CompiledPattern[] = [];
  for (const t of input.targets) for (const f of t.from) compiled.push(compile(f, t, input));
  const keyIndex = new Map<string, number>();
  input.keys.forEach((k, i) => keyIndex.set(k, i));
  // Built only when some pattern needs regex matching (unbounded placeholders).
  let skeletons: Map<string, number[]> | undefined;
  const bySkeleton = () => {
    if (skeletons) return skeletons;
    skeletons = new Map();
    input.keys.forEach((k, i) => {
      const s = keySkeleton(k);
      const list = skeletons!.get(s);
      if (list) list.push(i);
      else skeletons!.set(s, [i]);
    });
    return skeletons;
  };
  const consumed = new Uint8Array(input.keys.length);
  for (const p of compiled) {
    if (p.literal !== undefined || p.expanded) {
      for (const k of p.expanded ?? [p.literal!]) {
        const i = keyIndex.get(k);
        if (i !== undefined) {
          consumed[i] = 1;
          p.result.matched++;
        }
      }
      continue;
    }
    const candidates = p.skeleton !== undefined ? (bySkeleton().get(p.skeleton) ?? []) : input.keys.map((_k, i) => i);
    for (const i of candidates) {
      if (matches(p, input.keys[i])) {
        consumed[i] = 1;
        p.result.matched++;
      }
    }
  }
  const unmappedKeys = input.keys.filter((_k, i) => !consumed[i]);
  const unmatched = compiled.filter((p) => p.result.matched === 0).map((p) => ({ ...p.result }));
  return {
    name: input.name,
    hfSubdir: input.hfSubdir,
    totalKeys: input.keys.length,
    consumedKeys: input.keys.length - unmappedKeys.length,
    unmappedKeys,
    unmatchedPatterns: unmatched.filter((p) => p.required),
    unmatchedOptional: unmatched.filter((p) => !p.required),
    patternCount: compiled.length,
    targetCount: input.targets.length,
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
