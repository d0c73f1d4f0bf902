// Pairing reference tensors with candidate tensors, and the order they are reported in.
// Exact names first, then the user's ordered rename rules, then (one tensor a side with
// different names) the single pair; what is left can be aligned by align.ts. The capture
// order comes from the probe's manifest.jsonl when there is one, else natural order
// (blocks.2 before blocks.10).
import { applyRules, type RenameRule } from './mapFile';
import type { PairingInfo } from './types';

/** Natural order: digit runs compare as numbers, everything else as text. */
export function naturalCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === y) continue;
    const dx = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const dy = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      if (x.length !== y.length) return x.length - y.length; // "02" after "2"
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

export interface NamePairing {
  /** [refName, candName] in report order. */
  readonly pairs: readonly (readonly [string, string])[];
  /** How each pair was found, keyed by reference name. */
  readonly pairedBy: ReadonlyMap<string, PairingInfo>;
  readonly unmatchedRef: readonly string[];
  readonly unmatchedCand: readonly string[];
  readonly order: 'manifest' | 'natural';
}

export function pairNames(
  refNames: readonly string[],
  candNames: readonly string[],
  rules: readonly RenameRule[],
  manifests: { ref?: readonly string[]; cand?: readonly string[] } = {},
  extra: readonly (readonly [string, string, PairingInfo])[] = [],
): NamePairing {
  const candSet = new Set(candNames);
  const taken = new Set<string>();
  const byRef = new Map<string, string>();
  const pairedBy = new Map<string, PairingInfo>();
  const add = (r: string, c: string, how: PairingInfo) => {
    byRef.set(r, c);
    taken.add(c);
    pairedBy.set(r, how);
  };
  for (const r of refNames) if (candSet.has(r)) add(r, r, { by: 'name' });
  if (rules.length) {
    for (const r of refNames) {
      if (byRef.has(r)) continue;
      const mapped = applyRules(r, rules);
      if (candSet.has(mapped) && !taken.has(mapped)) add(r, mapped, { by: 'rule' });
    }
  }
  // one tensor a side, named differently (a.npy vs b.npy): they are the pair
  if (byRef.size === 0 && refNames.length === 1 && candNames.length === 1) add(refNames[0], candNames[0], { by: 'single' });
  for (const [r, c, how] of extra) if (!byRef.has(r) && candSet.has(c) && !taken.has(c)) add(r, c, how);
  const rank = new Map<string, number>();
  let order: NamePairing['order'] = 'natural';
  if (manifests.ref?.length) {
    manifests.ref.forEach((n, i) => rank.set(`r:${n}`, i));
    order = 'manifest';
  } else if (manifests.cand?.length) {
    manifests.cand.forEach((n, i) => rank.set(`c:${n}`, i));
    order = 'manifest';
  }
  const rankOf = (ref: string, cand: string): number => rank.get(`r:${ref}`) ?? rank.get(`c:${cand}`) ?? Infinity;
  const pairs = [...byRef.entries()].sort((a, b) => {
    const ra = rankOf(a[0], a[1]);
    const rb = rankOf(b[0], b[1]);
    if (ra !== rb) return ra < rb ? -1 : 1;
    return naturalCompare(a[0], b[0]);
  });
  return {
    pairs,
    pairedBy,
    unmatchedRef: refNames.filter((n) => !byRef.has(n)).sort(naturalCompare),
    unmatchedCand: candNames.filter((n) => !taken.has(n)).sort(naturalCompare),
    order,
  };
}
