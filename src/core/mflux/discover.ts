// Finds a model package's files by what they contain, not by assumed names: the weight
// definition is the class in the package's weights/ with a get_components(), the mapping is
// the module its components' mapping getters are imported from, whatever the file prefix
// (`ernie_weight_definition.py` in ernie_image). Also what kind of model the package is, so
// checks that only apply to image generators (defaults, save routing) are not demanded of an
// upscaler or a depth estimator.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskPython } from './pyLines';

export interface DefinitionFile {
  readonly file: string;
  readonly cls: string;
  /** 1-based lines of the class and of its get_components. */
  readonly classLine: number;
  readonly componentsLine: number;
}

export function packageRoot(root: string, model: string): string {
  return join(root, 'src', 'mflux', 'models', model);
}

/** The `.py` files of a folder but `__init__.py`, sorted; none when it is missing. */
export function pyFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.py') && n !== '__init__.py')
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function readMasked(file: string): { raw: string[]; masked: string[] } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return { raw: text.split(/\r?\n/), masked: maskPython(text) };
  } catch {
    return undefined;
  }
}

/** Classes in `weights/*.py` that define get_components, the conventional file name first. */
export function findWeightDefinitions(root: string, model: string): DefinitionFile[] {
  const dir = join(packageRoot(root, model), 'weights');
  const files = pyFiles(dir);
  const conventional = join(dir, `${model}_weight_definition.py`);
  files.sort((a, b) => Number(b === conventional) - Number(a === conventional));
  const out: DefinitionFile[] = [];
  for (const file of files) {
    const f = readMasked(file);
    if (!f) continue;
    let cls: { name: string; line: number; indent: number } | undefined;
    for (let i = 0; i < f.masked.length; i++) {
      const l = f.masked[i];
      const c = /^(\s*)class\s+(\w+)/.exec(l);
      if (c) {
        cls = { name: c[2], line: i + 1, indent: c[1].length };
        continue;
      }
      if (cls && l.trim() && l.length - l.trimStart().length <= cls.indent) cls = undefined;
      if (cls && /^\s+def\s+get_components\s*\(/.test(l)) {
        out.push({ file, cls: cls.name, classLine: cls.line, componentsLine: i + 1 });
        cls = undefined;
      }
    }
  }
  return out;
}

export function findWeightDefinition(root: string, model: string): DefinitionFile | undefined {
  return findWeightDefinitions(root, model)[0];
}

/**
 * Mapping modules of a definition file: the modules its `mapping_getter=X.get_...` names are
 * imported from (files that exist in the repo).
 */
export function findMappingFiles(root: string, definitionFile: string): string[] {
  const f = readMasked(definitionFile);
  if (!f) return [];
  const imports = new Map<string, string>();
  f.raw.forEach((l, i) => {
    const m = /^\s*from\s+(mflux(?:\.\w+)+)\s+import\s+(.+)$/.exec(f.masked[i]);
    if (m)
      for (const part of l
        .slice(l.indexOf(' import ') + 8)
        .replace(/[()]/g, '')
        .split(',')) {
        const bits = part.trim().split(/\s+as\s+/);
        const local = (bits[1] ?? bits[0]).trim();
        if (/^\w+$/.test(local)) imports.set(local, m[1]);
      }
  });
  const out: string[] = [];
  for (const l of f.masked) {
    for (const m of l.matchAll(/\bmapping_getter\s*=\s*(?:lambda[^:]*:\s*)?(\w+)/g)) {
      const mod = imports.get(m[1]);
      if (!mod) continue;
      const file = join(root, 'src', ...mod.split('.')) + '.py';
      if (existsSync(file) && !out.includes(file)) out.push(file);
    }
  }
  return out;
}

/** CLI modules of the package (`cli/*.py`). */
function cliFiles(root: string, model: string): string[] {
  return pyFiles(join(packageRoot(root, model), 'cli'));
}

/**
 * Whether the package is known not to be an image generator: it has CLI modules and none adds
 * the shared image-generator arguments (prompt, steps, size). Upscalers and depth estimators are
 * like that, so MODEL_CHOICES, MODEL_INFERENCE_STEPS and mflux-save routing are not theirs to
 * have. A package without a CLI yet is not known to be anything and is held to every surface.
 */
export function isNotImageGenerator(root: string, model: string): boolean {
  const clis = cliFiles(root, model);
  // A CLI named like a generator (`<model>_generate.py`) counts as one even while it is a stub.
  return (
    clis.length > 0 &&
    !clis.some(
      (c) => /generate/.test(c.split(/[\\/]/).pop()!) || readMasked(c)?.masked.some((l) => /\.add_image_generator_arguments\s*\(/.test(l)),
    )
  );
}

/** Whether step callbacks apply: the package runs a diffusion loop (it has a latent creator) or is not known to be a non-generator. */
export function usesStepCallbacks(root: string, model: string): boolean {
  return existsSync(join(packageRoot(root, model), 'latent_creator')) || !isNotImageGenerator(root, model);
}

/** Whether the package's code uses ModelConfig at all (a depth estimator with a fixed checkpoint does not). */
export function usesModelConfig(files: readonly string[]): boolean {
  return files.some((f) => readMasked(f)?.masked.some((l) => /\bModelConfig\b/.test(l)));
}
