// `--write-map FILE`: the pairs found by alignment (and single-tensor pairing) as rename rules
// a user can read, edit and pass back with `--map`. Pairs whose names differ only in their
// numbers' surroundings become one rule per pattern (`^down_blocks\.(\d+)\.resnets\.(\d+)\.conv1$`
// → `encoder.down.$1.res.$2.conv1`); a pattern that would also rename another tensor wrongly
// falls back to one literal rule per pair. The rules are checked by pairing the names with
// them again: every learned pair must come back, or it is left out and reported.
import { applyRules, compileRules } from './mapFile';
import type { CompareMap, ReportJson } from './types';

export interface LearnedMap {
  readonly map: CompareMap;
  /** Rules added to the user's own map. */
  readonly added: number;
  /** Pairs written as rules. */
  readonly covered: number;
  /** Pairs no rule could reproduce (left out of the map). */
  readonly missed: readonly string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Template {
  readonly from: string;
  readonly to: string;
}

/** The numbered template of a pair, when both names hold the same numbers in the same order. */
function template(ref: string, cand: string): Template | undefined {
  const rn = ref.match(/\d+/g) ?? [];
  const cn = cand.match(/\d+/g) ?? [];
  if (rn.length === 0 || rn.length !== cn.length || rn.some((d, i) => d !== cn[i])) return undefined;
  const from = ref.split(/\d+/).map(escape).join('(\\d+)');
  const parts = cand.split(/\d+/).map((p) => p.replace(/\$/g, '$$$$'));
  const to = parts.map((p, i) => (i === 0 ? p : `$${i}${p}`)).join('');
  // `$1` followed by a digit would read as `$12`: only plain templates
  if (parts.slice(1).some((p) => /^\d/.test(p))) return undefined;
  return { from: `^${from}$`, to };
}

const literal = (ref: string, cand: string): Template => ({ from: `^${escape(ref)}$`, to: cand.replace(/\$/g, '$$$$') });

/**
 * Learns rename rules from the report's aligned/single pairs, appended to `base` (the user's
 * `--map`, kept as it was).
 */
export function learnMap(report: ReportJson, base: CompareMap | undefined): LearnedMap {
  const learned = report.pairs.filter((p) => p.pairing.by === 'aligned' || p.pairing.by === 'single');
  const refNames = [...report.pairs.map((p) => p.ref_name), ...report.unmatched_ref];
  const candNames = new Set([...report.pairs.map((p) => p.cand_name), ...report.unmatched_cand]);
  const exact = new Set(report.pairs.filter((p) => p.pairing.by === 'name').map((p) => p.ref_name));
  const want = new Map(learned.map((p) => [p.ref_name, p.cand_name]));
  const baseRules = (base?.rename ?? []).map(({ from, to }) => ({ from, to }));
  // group pairs by template; a group is literal when its template misfires on another name
  const groups = new Map<string, { t: Template; refs: string[] }>();
  const literalRefs = new Set<string>();
  for (const p of learned) {
    const t = template(p.ref_name, p.cand_name);
    if (!t) {
      literalRefs.add(p.ref_name);
      continue;
    }
    const key = `${t.from}\u0000${t.to}`;
    const g = groups.get(key) ?? { t, refs: [] };
    g.refs.push(p.ref_name);
    groups.set(key, g);
  }
  const build = () => {
    const rules: Template[] = [...baseRules];
    for (const g of groups.values()) {
      if (g.refs.every((r) => literalRefs.has(r))) continue;
      if (g.refs.length === 1) literalRefs.add(g.refs[0]);
      else rules.push(g.t);
    }
    for (const p of learned) if (literalRefs.has(p.ref_name)) rules.push(literal(p.ref_name, p.cand_name));
    return rules;
  };
  let rules = build();
  for (let round = 0; round < 4; round++) {
    const compiled = compileRules({ rename: rules });
    let changed = false;
    for (const g of groups.values()) {
      if (g.refs.every((r) => literalRefs.has(r))) continue;
      // every reference name the template matches must land on its own pair (or on no tensor)
      const re = new RegExp(g.t.from);
      const wrong = refNames.some((r) => {
        if (exact.has(r) || !re.test(r)) return false;
        const out = applyRules(r, compiled);
        return want.has(r) ? out !== want.get(r) : candNames.has(out);
      });
      if (wrong) {
        for (const r of g.refs) literalRefs.add(r);
        changed = true;
      }
    }
    if (!changed) break;
    rules = build();
  }
  const compiled = compileRules({ rename: rules });
  const missed = learned.filter((p) => applyRules(p.ref_name, compiled) !== p.cand_name).map((p) => p.ref_name);
  const map: CompareMap = {
    ...(rules.length ? { rename: rules } : {}),
    ...(base?.tolerances ? { tolerances: base.tolerances } : {}),
    ...(base?.tensors ? { tensors: base.tensors } : {}),
  };
  return { map, added: rules.length - baseRules.length, covered: learned.length - missed.length, missed };
}

/** The map as the JSON a user edits: one rule a line. */
export function mapToJson(map: CompareMap): string {
  const lines: string[] = ['{'];
  const sections: string[] = [];
  if (map.rename?.length)
    sections.push(`  "rename": [\n${map.rename.map((r) => `    ${JSON.stringify({ from: r.from, to: r.to })}`).join(',\n')}\n  ]`);
  if (map.tolerances?.length) sections.push(`  "tolerances": [\n${map.tolerances.map((t) => `    ${JSON.stringify(t)}`).join(',\n')}\n  ]`);
  if (map.tensors && Object.keys(map.tensors).length) sections.push(`  "tensors": ${JSON.stringify(map.tensors)}`);
  lines.push(sections.join(',\n'));
  lines.push('}');
  return lines.join('\n') + '\n';
}
