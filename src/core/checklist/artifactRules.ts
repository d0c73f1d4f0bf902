// Rules that prove absence (no debug artifacts tracked or left next to the code) and the
// finalize roll-up of every surface a finished port touches.
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Evidence } from '../checks';
import { namesInCode } from '../mflux/hygiene';
import { packagePythonFiles } from '../mflux/modelConfig';
import { ignoresTopFolder, trackedPaths } from './gitIndex';
import { PACKAGE_RULES } from './packageRules';
import { fail, isDir, packageDir, pass, rel, runRule, unknown, type AutoCheckRule } from './ruleKit';
import { SURFACE_RULES } from './surfaceRules';

export const TENSOR_EXT = /\.(npy|npz|safetensors|pt|pth|ckpt)$/i;
export const DEBUG_DIR = 'debug_artifacts';

async function tensorFilesUnder(dir: string, out: string[], depth = 0): Promise<void> {
  if (depth > 8 || out.length >= 50) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== '__pycache__') await tensorFilesUnder(p, out, depth + 1);
    else if (e.isFile() && TENSOR_EXT.test(e.name)) out.push(p);
  }
}

const debugArtifacts: AutoCheckRule = {
  id: 'debugArtifacts',
  title: 'No debug artifacts tracked or left behind',
  absence: true,
  async check(ctx) {
    const problems: string[] = [];
    const evidence: Evidence[] = [];
    const tracked = await trackedPaths(ctx.mfluxRepo, `${DEBUG_DIR}/`);
    if (tracked && tracked.length) {
      problems.push(`git tracks ${tracked.length} file(s) under ${DEBUG_DIR}/ (e.g. ${tracked[0]})`);
      evidence.push(...tracked.slice(0, 10).map((p) => ({ file: join(ctx.mfluxRepo, ...p.split('/')) })));
    }
    // Tensor files dumped next to the code instead of into debug_artifacts/.
    const leftovers: string[] = [];
    const rootEntries = await readdir(ctx.mfluxRepo, { withFileTypes: true }).catch(() => []);
    for (const e of rootEntries) if (e.isFile() && TENSOR_EXT.test(e.name)) leftovers.push(join(ctx.mfluxRepo, e.name));
    const inPackage: string[] = [];
    await tensorFilesUnder(packageDir(ctx), inPackage);
    // A tracked file the package's code loads by name (a positional-embedding table) is an asset.
    const trackedHere = new Set((await trackedPaths(ctx.mfluxRepo, `${rel(ctx, packageDir(ctx)).split(sep).join('/')}/`)) ?? []);
    const loaded = inPackage.length ? namesInCode(packagePythonFiles(ctx.mfluxRepo, ctx.model)) : new Set<string>();
    for (const f of inPackage) {
      const r = rel(ctx, f).split(sep).join('/');
      if (!(trackedHere.has(r) && loaded.has(r.split('/').pop()!))) leftovers.push(f);
    }
    if (leftovers.length) {
      problems.push(`${leftovers.length} tensor file(s) outside ${DEBUG_DIR}/ (e.g. ${rel(ctx, leftovers[0])})`);
      evidence.push(...leftovers.slice(0, 10).map((file) => ({ file })));
    }
    const hasDebugDir = await isDir(join(ctx.mfluxRepo, DEBUG_DIR));
    const ignored = await ignoresTopFolder(ctx.mfluxRepo, DEBUG_DIR);
    if (hasDebugDir && !ignored) {
      problems.push(`${DEBUG_DIR}/ exists but neither .gitignore nor .git/info/exclude ignores it`);
      evidence.push({ file: join(ctx.mfluxRepo, DEBUG_DIR) });
    }
    if (problems.length) return fail(problems.join('; ') + '.', evidence);
    if (tracked === undefined)
      return unknown(`No leftover tensor files, but ${ctx.mfluxRepo} has no readable git index, so tracking could not be checked.`);
    if (ignored) evidence.push({ file: ignored.file, line: ignored.line, text: DEBUG_DIR });
    return pass(
      `Nothing under ${DEBUG_DIR}/ is tracked and no tensor files are left in the package${ignored ? `; ${DEBUG_DIR}/ is ignored` : ''}.`,
      evidence,
    );
  },
};

/** The surfaces a finished port touches (mflux facts), as one result for the finalize item. */
const FINALIZE_SURFACES: readonly AutoCheckRule[] = [
  PACKAGE_RULES.weightDefinition,
  SURFACE_RULES.pyprojectScript,
  SURFACE_RULES.modelConfig,
  SURFACE_RULES.cliDefaults,
  SURFACE_RULES.saveRouting,
  SURFACE_RULES.mainReadme,
  SURFACE_RULES.modelReadme,
  SURFACE_RULES.goldenTest,
  SURFACE_RULES.referenceImage,
  debugArtifacts,
];

const finalizeAudit: AutoCheckRule = {
  id: 'finalizeAudit',
  title: 'Every integration surface wired and no debug artifacts left',
  async check(ctx) {
    const results = await Promise.all(FINALIZE_SURFACES.map(async (r) => ({ rule: r, result: await runRule(r, ctx) })));
    const failing = results.filter((r) => r.result.status === 'fail');
    if (failing.length)
      return fail(
        `Missing or wrong: ${failing.map((f) => f.rule.title).join('; ')}.`,
        failing.flatMap((f) => f.result.evidence.slice(0, 2)),
      );
    const unsure = results.filter((r) => r.result.status === 'unknown');
    if (unsure.length)
      return unknown(
        unsure.map((u) => u.result.reason).join(' '),
        unsure.flatMap((u) => u.result.evidence.slice(0, 2)),
      );
    return pass(
      `All ${results.length} surfaces are in place.`,
      results.flatMap((r) => r.result.evidence.slice(0, 1)),
    );
  },
};

export const ARTIFACT_RULES = { debugArtifacts, finalizeAudit };
