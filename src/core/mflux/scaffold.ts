// Plans a new model package in the canonical mflux layout. Returns the files to create;
// files that already exist are reported and left alone, never overwritten.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readWeightDefinition } from './definitionStatic';
import { findWeightDefinition } from './discover';
import { modelNames } from './naming';
import * as t from './scaffoldTemplates';

export interface ScaffoldOptions {
  /** Package name, e.g. `z_image`. */
  readonly model: string;
  /** Hugging Face repo id of the reference weights, e.g. `Tongyi-MAI/Z-Image`. */
  readonly hfRepo?: string;
  readonly edit?: boolean;
  readonly lora?: boolean;
  readonly training?: boolean;
  /** Package whose VAE is reused instead of porting one, e.g. `qwen`. */
  readonly reuseVaeFrom?: string;
}

export interface PlannedFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the mflux repo root, for display. */
  readonly rel: string;
  readonly contents: string;
}

export interface ScaffoldPlan {
  readonly files: readonly PlannedFile[];
  /** Files of the layout that exist already (relative paths); they are not touched. */
  readonly skipped: readonly string[];
  readonly packageDir: string;
  /** What the plan could not settle, for the user (e.g. no VAE mapping to reuse was found). */
  readonly notes: readonly string[];
}

/**
 * Finds the VAE class of another package: `class …VAE…(nn.Module)` under model/<pkg>_vae/ (or
 * model/); a package that reuses a VAE itself (ernie_image, krea2) names it in an import of
 * its initializer, followed to the package that defines it.
 */
function findVae(mfluxRoot: string, pkg: string, notes: string[]): t.VaeSource {
  const modelsDir = join(mfluxRoot, 'src', 'mflux', 'models');
  const base = join(modelsDir, pkg);
  if (!existsSync(base)) throw new Error(`cannot reuse the VAE of "${pkg}": ${relative(mfluxRoot, base)} does not exist`);
  const cls = vaeClassIn(mfluxRoot, base, pkg) ?? importedVae(base, pkg);
  if (!cls)
    throw new Error(
      `cannot reuse the VAE of "${pkg}": no class named like *VAE found under ${relative(mfluxRoot, join(base, 'model'))}, and ${pkg}_initializer.py imports none`,
    );
  const mapping = findVaeMapping(mfluxRoot, base, pkg);
  if (typeof mapping === 'string') notes.push(mapping);
  return { ...cls, fromPkg: pkg, mappingGetter: typeof mapping === 'string' ? undefined : mapping };
}

function vaeClassIn(mfluxRoot: string, base: string, pkg: string): { module: string; cls: string } | undefined {
  const searchRoots = [join(base, 'model', `${pkg}_vae`), join(base, 'model')].filter((d) => existsSync(d));
  for (const root of searchRoots) {
    for (const file of pyFiles(root, root === join(base, 'model') ? 2 : 1)) {
      const m = /^class\s+(\w*VAE\w*)\s*\(/m.exec(readFileSync(file, 'utf8'));
      if (m) return { module: moduleOf(mfluxRoot, file), cls: m[1] };
    }
  }
  return undefined;
}

const moduleOf = (mfluxRoot: string, file: string) => relative(join(mfluxRoot, 'src'), file).replace(/\.py$/, '').split(/[\\/]/).join('.');

/** `from mflux.models.x.model.x_vae.vae import XVAE` in the package's initializer. */
function importedVae(base: string, pkg: string): { module: string; cls: string } | undefined {
  const init = join(base, `${pkg}_initializer.py`);
  if (!existsSync(init)) return undefined;
  const m = /^from\s+(mflux\.models\.[\w.]+)\s+import\s+(\w*VAE\w*)\s*$/m.exec(readFileSync(init, 'utf8'));
  return m ? { module: m[1], cls: m[2] } : undefined;
}

/**
 * The VAE mapping getter a package's weight definition uses: the mapping_getter of its "vae"
 * component, wherever that class lives (its own `<pkg>_weight_mapping.py`, a file named
 * otherwise such as ernie_image's `ernie_weight_mapping.py`, or another package's mapping as
 * ideogram4 uses flux2's); else a class in weights/ with a get_vae_mapping. A string says why
 * none was found.
 */
function findVaeMapping(mfluxRoot: string, base: string, pkg: string): t.VaeSource['mappingGetter'] | string {
  const weights = join(base, 'weights');
  const where = relative(mfluxRoot, weights).split(/[\\/]/).join('/');
  const files = existsSync(weights) ? pyFiles(weights, 1) : [];
  const found = findWeightDefinition(mfluxRoot, pkg);
  if (found) {
    try {
      const vae = readWeightDefinition(found.file, mfluxRoot, found.cls).components.find((c) => c.name === 'vae' || c.hfSubdir === 'vae');
      if (vae?.mapping?.cls) return { module: moduleOf(mfluxRoot, vae.mapping.file), cls: vae.mapping.cls, fn: vae.mapping.name };
    } catch {
      // an unreadable definition: fall back to the mapping files
    }
  }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const fn = /^[ \t]+def\s+(get_vae_mapping)\s*\(/m.exec(text);
    if (!fn) continue;
    const classes = [...text.matchAll(/^class\s+(\w+)\s*[(:]/gm)].filter((c) => (c.index ?? 0) < fn.index);
    if (classes.length) return { module: moduleOf(mfluxRoot, file), cls: classes[classes.length - 1][1], fn: fn[1] };
  }
  return `found no VAE weight mapping of "${pkg}" to reuse: no "vae" component with a mapping_getter in the weight definition and no get_vae_mapping in ${where}/*.py; the new package gets its own get_vae_mapping to fill in`;
}

function pyFiles(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory() && depth > 1) out.push(...pyFiles(p, depth - 1));
    else if (st.isFile() && name.endsWith('.py') && name !== '__init__.py') out.push(p);
  }
  return out;
}

export function planModelPackage(mfluxRoot: string, options: ScaffoldOptions): ScaffoldPlan {
  const n = modelNames(options.model);
  const pkg = n.pkg;
  const notes: string[] = [];
  const vae: t.VaeSource =
    options.reuseVaeFrom && options.reuseVaeFrom !== pkg
      ? findVae(mfluxRoot, options.reuseVaeFrom, notes)
      : { module: `mflux.models.${pkg}.model.${pkg}_vae.vae`, cls: `${n.cls}VAE`, fromPkg: pkg };
  const ctx: t.TemplateContext = {
    n,
    hfRepo: options.hfRepo?.trim() || `TODO-org/${n.cls}`,
    edit: !!options.edit,
    // mflux trains LoRAs: a training adapter loads and saves through the LoRA mapping.
    lora: !!options.lora || !!options.training,
    training: !!options.training,
    vae,
  };
  const packageDir = join(mfluxRoot, 'src', 'mflux', 'models', pkg);
  const entries: [string, string][] = [
    ['__init__.py', t.packageInit(ctx)],
    [`${pkg}_initializer.py`, t.initializer(ctx)],
    ['README.md', t.modelReadme(ctx)],
    ['cli/__init__.py', ''],
    [`cli/${pkg}_generate.py`, t.generateCli(ctx)],
    ['latent_creator/__init__.py', t.latentCreatorInit(ctx)],
    [`latent_creator/${pkg}_latent_creator.py`, t.latentCreator(ctx)],
    ['model/__init__.py', ''],
    [`model/${pkg}_text_encoder/__init__.py`, ''],
    [`model/${pkg}_text_encoder/text_encoder.py`, t.moduleStub(`${n.cls}TextEncoder`, 'Text encoder')],
    [`model/${pkg}_text_encoder/prompt_encoder.py`, t.promptEncoder(ctx)],
    [`model/${pkg}_transformer/__init__.py`, ''],
    [`model/${pkg}_transformer/transformer.py`, t.moduleStub(`${n.cls}Transformer`, 'Denoising transformer')],
    ['variants/__init__.py', t.variantsInit(ctx)],
    ['variants/txt2img/__init__.py', t.txt2imgInit(ctx)],
    [`variants/txt2img/${pkg}.py`, t.txt2imgVariant(ctx)],
    ['weights/__init__.py', ''],
    [`weights/${pkg}_weight_definition.py`, t.weightDefinition(ctx)],
    [`weights/${pkg}_weight_mapping.py`, t.weightMapping(ctx)],
  ];
  if (vae.fromPkg === pkg) {
    entries.push(
      [`model/${pkg}_vae/__init__.py`, ''],
      [`model/${pkg}_vae/vae.py`, t.moduleStub(`${n.cls}VAE`, 'VAE (decoder first: it validates pixel space early)')],
    );
  }
  if (ctx.edit) {
    entries.push(
      ['variants/edit/__init__.py', t.editInit(ctx)],
      [`variants/edit/${pkg}_edit.py`, t.editVariant(ctx)],
      [`cli/${pkg}_edit_generate.py`, t.editCli(ctx)],
    );
  }
  if (ctx.lora) entries.push([`weights/${pkg}_lora_mapping.py`, t.loraMapping(ctx)]);
  if (ctx.training) {
    const protocol = t.readTrainingProtocol(mfluxRoot);
    entries.push(['training_adapter/__init__.py', ''], [`training_adapter/${pkg}_training_adapter.py`, t.trainingAdapter(ctx, protocol)]);
  }
  const files: PlannedFile[] = [];
  const skipped: string[] = [];
  for (const [sub, contents] of entries) {
    const path = join(packageDir, sub);
    const rel = relative(mfluxRoot, path).split(/[\\/]/).join('/');
    if (existsSync(path)) skipped.push(rel);
    else files.push({ path, rel, contents });
  }
  return { files, skipped, packageDir, notes };
}

export interface LineInsertion {
  readonly file: string;
  /** 0-based line the text is inserted before. */
  readonly line: number;
  readonly text: string;
}

/**
 * The `[project.scripts]` lines a new package's CLIs need, inserted after the section's last
 * entry; undefined when pyproject.toml has no such section or already names the modules.
 */
export function scriptEntryInsertion(mfluxRoot: string, model: string, edit = false): LineInsertion | undefined {
  const file = join(mfluxRoot, 'pyproject.toml');
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
  const n = modelNames(model);
  const wanted = [`${n.script} = "mflux.models.${model}.cli.${model}_generate:main"`];
  if (edit) wanted.push(`${n.script}-edit = "mflux.models.${model}.cli.${model}_edit_generate:main"`);
  const header = lines.findIndex((l) => /^\s*\[project\.scripts\]\s*$/.test(l));
  if (header < 0) return undefined;
  let last = header;
  for (let i = header + 1; i < lines.length && !/^\s*\[/.test(lines[i]); i++) if (/^\s*[\w.-]+\s*=/.test(lines[i])) last = i;
  const section = lines.slice(header + 1, last + 1).join('\n');
  const missing = wanted.filter((w) => !section.includes(w.split(' = ')[1]));
  if (!missing.length) return undefined;
  return { file, line: last + 1, text: missing.map((m) => m + '\n').join('') };
}
