// Pairing reference tensors with candidate tensors, and the order they are reported in.
// Exact names first, then the user's ordered rename rules; the capture order comes from the
// probe's manifest.jsonl when there is one, else natural order (blocks.2 before blocks.10).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CompareMap } from './types';

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

export interface RenameRule {
  readonly re: RegExp;
  readonly to: string;
}

/** Validates a parsed `--map` file. Throws an Error whose message names the problem. */
export function parseCompareMap(value: unknown): CompareMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('expected a JSON object with "rename", "tolerances" and/or "tensors"');
  }
  const v = value as Record<string, unknown>;
  const known = new Set(['rename', 'tolerances', 'tensors']);
  const unknown = Object.keys(v).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`unknown key "${unknown[0]}" (expected rename, tolerances, tensors)`);
  const out: { rename?: { from: string; to: string }[]; tolerances?: CompareMap['tolerances']; tensors?: CompareMap['tensors'] } = {};
  if (v.rename !== undefined) {
    if (!Array.isArray(v.rename)) throw new Error('"rename" must be a list of {"from": regex, "to": replacement}');
    out.rename = v.rename.map((r, i) => {
      // Also accept the compact ["regex", "replacement"] form.
      const from = Array.isArray(r) ? r[0] : (r as Record<string, unknown>)?.from;
      const to = Array.isArray(r) ? r[1] : (r as Record<string, unknown>)?.to;
      if (typeof from !== 'string' || typeof to !== 'string') throw new Error(`rename[${i}] needs string "from" and "to"`);
      try {
        new RegExp(from);
      } catch (e) {
        throw new Error(`rename[${i}].from is not a valid regular expression: ${(e as Error).message}`);
      }
      return { from, to };
    });
  }
  if (v.tolerances !== undefined) {
    if (!Array.isArray(v.tolerances)) throw new Error('"tolerances" must be a list of {"pattern", "atol"?, "rtol"?}');
    out.tolerances = v.tolerances.map((t, i) => {
      const o = t as Record<string, unknown>;
      if (typeof o?.pattern !== 'string') throw new Error(`tolerances[${i}] needs a string "pattern"`);
      return { pattern: o.pattern, atol: o.atol as number | undefined, rtol: o.rtol as number | undefined };
    });
  }
  if (v.tensors !== undefined) {
    if (typeof v.tensors !== 'object' || v.tensors === null || Array.isArray(v.tensors)) {
      throw new Error('"tensors" must map tensor names to {"atol"?, "rtol"?}');
    }
    out.tensors = v.tensors as CompareMap['tensors'];
  }
  return out;
}

/** Reads and validates a map file; errors name the file. */
export function readCompareMap(file: string): CompareMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read map file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return parseCompareMap(parsed);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

export function compileRules(map: CompareMap | undefined): RenameRule[] {
  return (map?.rename ?? []).map((r) => ({ re: new RegExp(r.from, 'g'), to: r.to }));
}

/** Applies the rules in order, each to every match, like a sed script. */
export function applyRules(name: string, rules: readonly RenameRule[]): string {
  let out = name;
  for (const r of rules) {
    r.re.lastIndex = 0;
    out = out.replace(r.re, r.to);
  }
  return out;
}

export interface Pairing {
  /** [refName, candName] in report order. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly unmatchedRef: readonly string[];
  readonly unmatchedCand: readonly string[];
  readonly order: 'manifest' | 'natural';
}

/** Names from a manifest.jsonl in capture order (first occurrence wins). */
export function readManifest(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const names: string[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      // A run killed mid-write leaves a torn last line; anything earlier is a real error.
      if (lines.slice(i + 1).every((l) => !l.trim())) return;
      throw new Error(`${file}:${i + 1}: not a JSON object`);
    }
    const kind = (obj as Record<string, unknown> | null)?.kind;
    if (typeof kind === 'string' && kind !== 'tensor') return; // the probe's cut / skipped records: no tensor
    const name = (obj as Record<string, unknown> | null)?.name;
    if (typeof name !== 'string') throw new Error(`${file}:${i + 1}: entry has no string "name"`);
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  });
  return names;
}

/** The manifest.jsonl next to a dump (inside a folder, or beside a file), if any. */
export function findManifest(path: string): string | undefined {
  try {
    const dir = statSync(path).isDirectory() ? path : dirname(path);
    const m = join(dir, 'manifest.jsonl');
    return existsSync(m) ? m : undefined;
  } catch {
    return undefined;
  }
}

export function pairNames(
  refNames: readonly string[],
  candNames: readonly string[],
  rules: readonly RenameRule[],
  manifests: { ref?: readonly string[]; cand?: readonly string[] } = {},
): Pairing {
  const candSet = new Set(candNames);
  const taken = new Set<string>();
  const byRef = new Map<string, string>();
  for (const r of refNames) {
    if (candSet.has(r)) {
      byRef.set(r, r);
      taken.add(r);
    }
  }
  if (rules.length) {
    for (const r of refNames) {
      if (byRef.has(r)) continue;
      const mapped = applyRules(r, rules);
      if (candSet.has(mapped) && !taken.has(mapped)) {
        byRef.set(r, mapped);
        taken.add(mapped);
      }
    }
  }
  const rank = new Map<string, number>();
  let order: Pairing['order'] = 'natural';
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
    unmatchedRef: refNames.filter((n) => !byRef.has(n)).sort(naturalCompare),
    unmatchedCand: candNames.filter((n) => !taken.has(n)).sort(naturalCompare),
    order,
  };
}
