// The coverage report in words: one verdict per component, computed once from the same lists
// the report prints, so the summary, the section text, the CLI lines, the exit code and the
// diagnostics can never disagree ("every key consumed" under a list of unconsumed keys).
import { relative } from 'node:path';
import { collapseKeys } from './coverage';
import type { ComponentReport, CoverageReport } from './coverageReport';

export type Verdict =
  /** Every checkpoint key is consumed and every required target found. */
  | 'complete'
  /**
   * Warnings only: checkpoint keys no target consumes (mflux skips them), or required targets
   * whose tensor the checkpoint does not have at all (dead entries, or a weight the MLX module
   * lacks too, like a LayerNorm without affine parameters).
   */
  | 'incomplete'
  /** Errors: a required target that looks like a typo of an unconsumed key, or one missing in some blocks of its group, or nothing consumed at all. */
  | 'broken'
  /** The component's files could not be read. */
  | 'unreadable'
  /** No mapping: keys load under their own names. */
  | 'direct'
  /** Weights come from a URL, not from the snapshot. */
  | 'external';

export function verdictOf(c: ComponentReport): Verdict {
  if (c.downloadUrl !== undefined) return 'external';
  if (c.errors.length || c.missingShards.length) return 'unreadable';
  if (c.direct) return 'direct';
  if (c.unmatchedPatterns.some((p) => p.nearKey) || c.blockMisses.length || (c.totalKeys > 0 && c.consumedKeys === 0)) return 'broken';
  if (c.unmappedKeys.length || c.unmatchedPatterns.length) return 'incomplete';
  return 'complete';
}

/** Whether the component passes (the CLI's exit code): complete, or loaded in a way coverage does not judge. */
export const passes = (c: ComponentReport) => ['complete', 'direct', 'external'].includes(verdictOf(c));

/** One line per component, from the same numbers as the lists. */
export function componentLine(c: ComponentReport): string {
  const filtered = c.filteredOut ? ` (${c.filteredOut} more outside weight_prefix_filters, not loaded)` : '';
  switch (verdictOf(c)) {
    case 'external':
      return `${c.name}: weights downloaded from ${c.downloadUrl}, not from the snapshot; not checked`;
    case 'unreadable':
      return `${c.name}: checkpoint not readable (${[...c.errors, ...c.missingShards.map((s) => `shard ${s} not in the cache`)][0]})`;
    case 'direct':
      return `${c.name}: direct load (no mapping), ${c.totalKeys} key(s) loaded under their own names${c.keyTransform ? ' after key_transform renames them' : ''}${filtered}`;
    default: {
      const ignored = c.ignoredKeys.length ? `, ${c.ignoredKeys.length} BatchNorm counter(s) ignored` : '';
      const parts = [`${c.consumedKeys}/${c.totalKeys} keys consumed${filtered}${ignored}`];
      if (c.unmappedKeys.length) parts.push(`${c.unmappedKeys.length} not consumed`);
      if (c.unmatchedPatterns.length) parts.push(`${c.unmatchedPatterns.length} required target(s) match no key`);
      if (c.blockMisses.length) parts.push(`${c.blockMisses.length} required target(s) missing in some blocks`);
      if (!c.unmappedKeys.length && !c.unmatchedPatterns.length && !c.blockMisses.length)
        parts.push(c.totalKeys ? 'every required target found' : 'no checkpoint keys');
      return `${c.name}: ${parts.join(', ')}`;
    }
  }
}

/** The report's summary line. */
export function summaryLine(r: CoverageReport): string {
  const mapped = r.components.filter((c) => !['direct', 'external'].includes(verdictOf(c)));
  const complete = mapped.filter((c) => verdictOf(c) === 'complete').length;
  const sum = (f: (c: ComponentReport) => number) => mapped.reduce((n, c) => n + f(c), 0);
  const others = r.components.length - mapped.length;
  return [
    `${complete} of ${mapped.length} mapped component(s) complete`,
    `${sum((c) => c.unmappedKeys.length)} checkpoint key(s) not consumed`,
    `${sum((c) => c.unmatchedPatterns.length)} required target(s) matching no key (${sum((c) => c.unmatchedPatterns.filter((p) => p.nearKey).length)} look like typos)`,
    `${sum((c) => c.blockMisses.length)} missing in some blocks`,
    ...(others ? [`${others} component(s) loaded without a mapping or from a URL`] : []),
  ].join('; ');
}

const countsNote = (c: ComponentReport) => {
  const from = {
    definition: 'from the definition',
    checkpoint: 'detected from the checkpoint',
    none: "mflux's default",
    default: "mflux's default",
  };
  return `placeholders expanded as mflux does: num_blocks ${c.counts.numBlocks > 0 ? c.counts.numBlocks : 4} (${from[c.counts.blocksFrom]}), num_layers ${c.counts.numLayers} (${from[c.counts.layersFrom]})`;
};

export function coverageMarkdown(r: CoverageReport, root: string, maxList = 200): string {
  const rel = (p: string) => relative(root, p) || '.';
  const at = (p: { file?: string; line?: number }) => (p.file ? ` (${rel(p.file)}:${p.line})` : '');
  const out: string[] = [
    `# Weight mapping coverage: ${r.model}`,
    '',
    `- Mapping read ${r.mode === 'static' ? 'statically from the Python source' : "by running dump_mapping.py in the port's environment"}`,
    `- Weight definition: \`${rel(r.definitionFile)}\``,
    `- Checkpoint: \`${r.snapshotDir}\``,
    ...r.notes.map((n) => `- Note: ${n}`),
    `- **Summary: ${summaryLine(r)}.**`,
    '',
    '| component | loaded | checkpoint keys | consumed | not consumed | required targets matching no key | missing in some blocks | optional, unmatched |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.components.map((c) => {
      const v = verdictOf(c);
      const judged = v !== 'direct' && v !== 'external';
      const n = (x: number) => (judged ? String(x) : '—');
      return `| ${c.name} | ${v === 'direct' ? 'direct (no mapping)' : v === 'external' ? 'from URL' : 'mapping'} | ${c.totalKeys} | ${n(c.consumedKeys)} | ${n(c.unmappedKeys.length)} | ${n(c.unmatchedPatterns.length)} | ${n(c.blockMisses.length)} | ${n(c.unmatchedOptional.length)} |`;
    }),
    '',
  ];
  for (const c of r.components) {
    const v = verdictOf(c);
    out.push(`## ${c.name} (\`${c.hfSubdir || '(snapshot root)'}\`)`, '', componentLine(c) + '.', '');
    for (const e of c.errors) out.push(`- ⚠ ${e}`);
    if (c.missingShards.length) out.push(`- ⚠ shards not in the cache: ${c.missingShards.join(', ')}`);
    if (v === 'external' || v === 'direct' || v === 'unreadable') {
      if (v === 'direct') out.push('Keys must equal the MLX module paths; coverage does not check them against the model.', '');
      continue;
    }
    out.push(`- ${countsNote(c)}`, '');
    if (v === 'complete') out.push('Every checkpoint key is consumed and every required target is found.', '');
    if (c.unmatchedPatterns.length) {
      out.push(
        `### Required targets that match no key (${c.unmatchedPatterns.length}): mflux loads nothing into them`,
        '',
        'A target next to an unconsumed key a character or two away is most likely a typo (an error). Otherwise the checkpoint has no such tensor: the entry is dead, or the MLX module lacks the weight too; if the module has it, it keeps its initial value.',
        '',
      );
      for (const p of c.unmatchedPatterns.slice(0, maxList))
        out.push(
          `- \`${p.pattern}\` → \`${p.to}\`${at(p)}${p.nearKey ? `: **typo?** the checkpoint has \`${p.nearKey}\`, which nothing consumes` : ''}`,
        );
      out.push('');
    }
    if (c.blockMisses.length) {
      out.push(`### Required targets missing in some blocks (${c.blockMisses.length})`, '');
      for (const p of c.blockMisses.slice(0, maxList))
        out.push(
          `- \`${p.pattern}\`${at(p)}: in ${p.matched} block(s), missing in block ${p.blocks.join(', ')}: \`${collapseKeys(p.keys).join('`, `')}\``,
        );
      out.push('');
    }
    if (c.unmappedKeys.length) {
      const collapsed = collapseKeys(c.unmappedKeys);
      out.push(`### Checkpoint keys no target consumes (${c.unmappedKeys.length}): mflux does not load them`, '', '```');
      out.push(...collapsed.slice(0, maxList));
      if (collapsed.length > maxList) out.push(`… ${collapsed.length - maxList} more`);
      out.push('```', '');
    }
    if (c.unmatchedOptional.length) {
      out.push(`<details><summary>Optional targets (required=False) that match no key: ${c.unmatchedOptional.length}</summary>`, '');
      for (const p of c.unmatchedOptional.slice(0, maxList)) out.push(`- \`${p.pattern}\`${at(p)}`);
      out.push('', '</details>', '');
    }
  }
  if (r.unresolved.length) {
    out.push(
      '## Not resolved by the static reader',
      '',
      'Run **mflux Port: Show Mapping Coverage (Run Dump Script)** for exact results.',
      '',
    );
    for (const u of r.unresolved) out.push(`- ${rel(u.file)}:${u.line}: ${u.what}`);
    out.push('');
  }
  return out.join('\n');
}

export interface CoverageDiagnostic {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
}

/**
 * Diagnostics for the mapping files. A typo (a required target matching no key next to an
 * unconsumed key a character or two away) and a tensor missing in some blocks are errors: mflux
 * loads with strict=False, so those MLX weights silently keep their random initial values. A
 * required target whose tensor the checkpoint lacks entirely, and unconsumed keys, are warnings
 * (dead entries, weights the MLX module does not have either, keys skipped on purpose).
 */
export function coverageDiagnostics(r: CoverageReport): CoverageDiagnostic[] {
  const out: CoverageDiagnostic[] = [];
  for (const c of r.components) {
    for (const p of c.unmatchedPatterns)
      if (p.file && p.line)
        out.push(
          p.nearKey
            ? {
                file: p.file,
                line: p.line,
                severity: 'error',
                message: `${c.name}: "${p.pattern}" matches no checkpoint key, so ${p.to} is never loaded; typo? the checkpoint has "${p.nearKey}", which nothing consumes`,
              }
            : {
                file: p.file,
                line: p.line,
                severity: 'warning',
                message: `${c.name}: "${p.pattern}" matches no checkpoint key; if the MLX module has ${p.to}, it keeps its initial value`,
              },
        );
    for (const p of c.blockMisses)
      if (p.file && p.line)
        out.push({
          file: p.file,
          line: p.line,
          severity: 'error',
          message: `${c.name}: "${p.pattern}" is missing in block ${p.blocks.join(', ')} (${p.keys.slice(0, 3).join(', ')}${p.keys.length > 3 ? ', …' : ''} not in the checkpoint)`,
        });
    if (c.getterFile && c.getterLine && c.unmappedKeys.length) {
      const sample = collapseKeys(c.unmappedKeys).slice(0, 5).join(', ');
      out.push({
        file: c.getterFile,
        line: c.getterLine,
        severity: 'warning',
        message: `${c.name}: ${c.unmappedKeys.length} of ${c.totalKeys} checkpoint keys are not consumed (${sample}${c.unmappedKeys.length > 5 ? ', …' : ''})`,
      });
    }
    if (c.getterFile && c.getterLine && c.totalKeys && c.consumedKeys === 0)
      out.push({
        file: c.getterFile,
        line: c.getterLine,
        severity: 'error',
        message: `${c.name}: the mapping consumes none of the ${c.totalKeys} checkpoint keys`,
      });
  }
  for (const u of r.unresolved) out.push({ file: u.file, line: u.line, severity: 'info', message: `not resolved statically: ${u.what}` });
  return out;
}
