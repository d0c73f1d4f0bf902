// Mapping coverage of a whole port: reads the weight definition (statically or through the
// dump script's output), the checkpoint keys of each component from the HF cache, and turns
// the result into a Markdown report and diagnostics on the mapping file.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collapseKeys, computeCoverage, type ComponentCoverage, type CoverageTarget } from './coverage';
import { readComponentTensors } from './hfCache';
import { dumpTargets, type DumpedComponent } from './mappingDump';
import { readWeightDefinition } from './definitionStatic';
import type { Unresolved } from './mappingStatic';
import { findWeightDefinition } from './discover';
import { modelEntries } from './modelConfig';

export interface ComponentReport extends ComponentCoverage {
  readonly dir: string;
  readonly missingShards: readonly string[];
  readonly errors: readonly string[];
  /** No mapping getter: weights load under their own names. */
  readonly direct: boolean;
  readonly getterFile?: string;
  readonly getterLine?: number;
}

export interface CoverageReport {
  readonly mode: 'static' | 'dump';
  readonly model: string;
  readonly definitionFile: string;
  readonly snapshotDir: string;
  readonly components: readonly ComponentReport[];
  readonly unresolved: readonly Unresolved[];
  readonly notes: readonly string[];
}

/** The weight definition file: the class in weights/ with get_components (conventional name when none is found yet). */
export function definitionFileOf(root: string, model: string): string {
  return findWeightDefinition(root, model)?.file ?? join(root, 'src', 'mflux', 'models', model, 'weights', `${model}_weight_definition.py`);
}

/** The HF repo id the port loads: the model_name of its first ModelConfig entry (found through aliases too). */
export function modelRepoId(root: string, model: string): string | undefined {
  return modelEntries(root, model).entries.find((e) => e.modelName)?.modelName;
}

interface Spec {
  name: string;
  hfSubdir: string;
  numBlocks?: number;
  numLayers?: number;
  weightFiles?: readonly string[];
  targets?: readonly CoverageTarget[];
  getterFile?: string;
  getterLine?: number;
}

async function build(
  mode: CoverageReport['mode'],
  model: string,
  definitionFile: string,
  snapshotDir: string,
  specs: Spec[],
  unresolved: Unresolved[],
  notes: string[],
): Promise<CoverageReport> {
  const components: ComponentReport[] = [];
  for (const s of specs) {
    const dir = s.hfSubdir ? join(snapshotDir, s.hfSubdir) : snapshotDir;
    const t = await readComponentTensors(dir, s.weightFiles);
    const errors = existsSync(dir) ? t.errors : [`${dir} is not in the cache snapshot`];
    const cov = computeCoverage({
      name: s.name,
      hfSubdir: s.hfSubdir,
      keys: t.keys,
      targets: s.targets ?? [],
      numBlocks: s.numBlocks,
      numLayers: s.numLayers,
    });
    components.push({
      ...cov,
      dir,
      missingShards: t.missingShards,
      errors,
      direct: !s.targets,
      getterFile: s.getterFile,
      getterLine: s.getterLine,
    });
  }
  return { mode, model, definitionFile, snapshotDir, components, unresolved, notes };
}

/** Coverage from the static reading of the port's weight definition and mappings. */
export async function staticCoverage(root: string, model: string, snapshotDir: string): Promise<CoverageReport> {
  const definitionFile = definitionFileOf(root, model);
  if (!existsSync(definitionFile))
    throw new Error(
      `${relative(root, definitionFile)} does not exist and no class in the package's weights/ defines get_components(): create the weight definition first`,
    );
  const def = readWeightDefinition(definitionFile, root);
  const notes = def.components.length ? [] : ['the weight definition lists no ComponentDefinition'];
  const specs: Spec[] = def.components.map((c) => ({
    name: c.name,
    hfSubdir: c.hfSubdir,
    numBlocks: c.numBlocks,
    numLayers: c.numLayers,
    weightFiles: c.weightFiles,
    targets: c.mapping?.targets ?? (c.getter ? [] : undefined),
    getterFile: c.mapping?.file,
    getterLine: c.mapping?.line,
  }));
  return build('static', model, definitionFile, snapshotDir, specs, [...def.unresolved], notes);
}

/** Coverage from the dump script's output (exact: mflux's own expansion). */
export async function dumpCoverage(
  root: string,
  model: string,
  snapshotDir: string,
  dumped: readonly DumpedComponent[],
): Promise<CoverageReport> {
  const notes = [...new Set(dumped.map((d) => d.flatNote).filter((x): x is string => !!x && !x.startsWith('no mapping')))];
  const specs: Spec[] = dumped.map((d) => ({
    name: d.name,
    hfSubdir: d.hfSubdir,
    numBlocks: d.numBlocks,
    numLayers: d.numLayers,
    weightFiles: d.weightFiles,
    targets: d.getter ? dumpTargets(d) : undefined,
  }));
  for (const d of dumped)
    if (d.hasKeyTransform)
      notes.push(`component "${d.name}" renames keys with key_transform before mapping; raw checkpoint names are shown`);
  return build('dump', model, definitionFileOf(root, model), snapshotDir, specs, [], notes);
}

export function coverageMarkdown(r: CoverageReport, root: string, maxList = 200): string {
  const rel = (p: string) => relative(root, p) || '.';
  const out: string[] = [
    `# Weight mapping coverage: ${r.model}`,
    '',
    `- Mapping read ${r.mode === 'static' ? 'statically from the Python source' : "by running dump_mapping.py in the port's environment"}`,
    `- Weight definition: \`${rel(r.definitionFile)}\``,
    `- Checkpoint: \`${r.snapshotDir}\``,
    ...r.notes.map((n) => `- Note: ${n}`),
    '',
    '| component | checkpoint keys | consumed | unmapped keys | patterns | patterns matching nothing | optional, unmatched |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.components.map(
      (c) =>
        `| ${c.name}${c.direct ? ' (direct load)' : ''} | ${c.totalKeys} | ${c.consumedKeys} | ${c.direct ? '—' : c.unmappedKeys.length} | ${c.patternCount} | ${c.unmatchedPatterns.length} | ${c.unmatchedOptional.length} |`,
    ),
    '',
  ];
  for (const c of r.components) {
    out.push(`## ${c.name} (\`${c.hfSubdir || '(snapshot root)'}\`)`, '');
    for (const e of c.errors) out.push(`- ⚠ ${e}`);
    if (c.missingShards.length) out.push(`- ⚠ shards not in the cache: ${c.missingShards.join(', ')}`);
    if (c.direct) {
      out.push('Loaded without a mapping: keys must equal the MLX module paths.', '');
      continue;
    }
    if (!c.unmappedKeys.length && !c.unmatchedPatterns.length)
      out.push('Every checkpoint key is consumed and every required pattern matches.');
    if (c.unmappedKeys.length) {
      const collapsed = collapseKeys(c.unmappedKeys);
      out.push(`### Checkpoint keys no pattern consumes (${c.unmappedKeys.length})`, '', '```');
      out.push(...collapsed.slice(0, maxList));
      if (collapsed.length > maxList) out.push(`… ${collapsed.length - maxList} more`);
      out.push('```', '');
    }
    if (c.unmatchedPatterns.length) {
      out.push(`### Required patterns that match no key (${c.unmatchedPatterns.length})`, '');
      for (const p of c.unmatchedPatterns.slice(0, maxList))
        out.push(`- \`${p.pattern}\` → \`${p.to}\`${p.file ? ` (${rel(p.file)}:${p.line})` : ''}`);
      out.push('');
    }
    if (c.unmatchedOptional.length) {
      out.push(`<details><summary>Optional patterns (required=False) that match no key: ${c.unmatchedOptional.length}</summary>`, '');
      for (const p of c.unmatchedOptional.slice(0, maxList)) out.push(`- \`${p.pattern}\`${p.file ? ` (${rel(p.file)}:${p.line})` : ''}`);
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

/** Diagnostics for the mapping files: misses at their WeightTarget lines, totals at the getter. */
export function coverageDiagnostics(r: CoverageReport): CoverageDiagnostic[] {
  const out: CoverageDiagnostic[] = [];
  for (const c of r.components) {
    for (const p of c.unmatchedPatterns)
      if (p.file && p.line)
        out.push({ file: p.file, line: p.line, severity: 'warning', message: `${c.name}: "${p.pattern}" matches no checkpoint key` });
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
