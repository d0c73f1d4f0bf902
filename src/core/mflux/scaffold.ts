// Plans a new model package in the canonical mflux layout. Returns the files to create;
// files that already exist are reported and left alone, never overwritten.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
}

/** Finds the VAE class of another package: `class …VAE…(nn.Module)` under model/<pkg>_vae/ (or model/). */
function findVae(mfluxRoot: string, pkg: string): t.VaeSource {
  const modelsDir = join(mfluxRoot, 'src', 'mflux', 'models');
  const base = join(modelsDir, pkg);
  if (!existsSync(base)) throw new Error(`cannot reuse the VAE of "${pkg}": ${relative(mfluxRoot, base)} does not exist`);
  const searchRoots = [join(base, 'model', `${pkg}_vae`), join(base, 'model')].filter((d) => existsSync(d));
  for (const root of searchRoots) {
    for (const file of pyFiles(root, root === join(base, 'model') ? 2 : 1)) {
      const text = readFileSync(file, 'utf8');
      const m = /^class\s+(\w*VAE\w*)\s*\(/m.exec(text);
      if (!m) continue;
      const module = relative(join(mfluxRoot, 'src'), file).replace(/\.py$/, '').split(/[\\/]/).join('.');
      return { module, cls: m[1], fromPkg: pkg, mappingGetter: findVaeMapping(base, pkg) };
    }
  }
  throw new Error(`cannot reuse the VAE of "${pkg}": no class named like *VAE found under ${relative(mfluxRoot, join(base, 'model'))}`);
}

function findVaeMapping(base: string, pkg: string): t.VaeSource['mappingGetter'] {
  const file = join(base, 'weights', `${pkg}_weight_mapping.py`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const cls = /^class\s+(\w+)\s*[(:]/m.exec(text);
  if (!cls || !/def\s+get_vae_mapping\s*\(/.test(text)) return undefined;
  return { module: `mflux.models.${pkg}.weights.${pkg}_weight_mapping`, cls: cls[1] };
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
  const vae: t.VaeSource =
    options.reuseVaeFrom && options.reuseVaeFrom !== pkg
      ? findVae(mfluxRoot, options.reuseVaeFrom)
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
  return { files, skipped, packageDir };
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
