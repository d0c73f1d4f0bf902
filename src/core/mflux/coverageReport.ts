// Mapping coverage of a whole port: reads the weight definition (statically or through the
// dump script's output) and the checkpoint keys of each component from the HF cache, keeps
// the keys mflux loads (weight_files, weight_prefix_filters), and computes each component's
// coverage. coverageText.ts turns the result into the report and diagnostics.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { computeCoverage, type ComponentCoverage, type CoverageTarget } from './coverage';
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
  /** Keys renamed by a key_transform before mapping or loading (not visible statically). */
  readonly keyTransform: boolean;
  /** Weights downloaded from this URL, not from the snapshot (not checked). */
  readonly downloadUrl?: string;
  /** weight_prefix_filters, and how many checkpoint keys they leave out (never loaded, not counted). */
  readonly prefixFilters?: readonly string[];
  readonly filteredOut: number;
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
  prefixFilters?: readonly string[];
  keyTransform?: boolean;
  downloadUrl?: string;
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
    const external = s.downloadUrl !== undefined;
    const t = external ? undefined : await readComponentTensors(dir, s.weightFiles);
    const errors = external ? [] : existsSync(dir) ? t!.errors : [`${dir} is not in the cache snapshot`];
    const all = t?.keys ?? [];
    const keys = s.prefixFilters ? all.filter((k) => s.prefixFilters!.some((p) => k.startsWith(p))) : all;
    const cov = computeCoverage({
      name: s.name,
      hfSubdir: s.hfSubdir,
      keys,
      // A component downloaded from a URL is not in the snapshot: nothing to check here.
      targets: external ? [] : (s.targets ?? []),
      numBlocks: s.numBlocks,
      numLayers: s.numLayers,
    });
    // A direct load takes every key under its own name: nothing is left unconsumed by a mapping.
    const direct = !s.targets;
    components.push({
      ...cov,
      ...(direct ? { unmappedKeys: [], consumedKeys: cov.totalKeys } : {}),
      dir,
      missingShards: t?.missingShards ?? [],
      errors,
      direct,
      keyTransform: !!s.keyTransform,
      downloadUrl: s.downloadUrl,
      prefixFilters: s.prefixFilters,
      filteredOut: all.length - keys.length,
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
  const def = readWeightDefinition(definitionFile, root, findWeightDefinition(root, model)?.cls);
  const notes = def.components.length ? [] : ['the weight definition lists no ComponentDefinition'];
  const specs: Spec[] = def.components.map((c) => ({
    name: c.name,
    hfSubdir: c.hfSubdir,
    numBlocks: c.numBlocks,
    numLayers: c.numLayers,
    weightFiles: c.weightFiles,
    prefixFilters: c.prefixFilters,
    keyTransform: c.hasKeyTransform,
    downloadUrl: c.downloadUrl,
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
    prefixFilters: d.prefixFilters,
    downloadUrl: d.downloadUrl,
    keyTransform: d.hasKeyTransform,
    targets: d.getter ? dumpTargets(d) : undefined,
  }));
  for (const d of dumped)
    if (d.hasKeyTransform)
      notes.push(`component "${d.name}" renames keys with key_transform before mapping; raw checkpoint names are shown`);
  return build('dump', model, definitionFileOf(root, model), snapshotDir, specs, [], notes);
}
