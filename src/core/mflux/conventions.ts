// How a model package is laid out, read from its code instead of assumed. mflux packages
// share one convention but not every package follows all of it:
//   - the initializer is a class `*Initializer` with an `init*` static method, normally in
//     `<model>_initializer.py` at the package root;
//   - the variant class is the class that calls `<Initializer>.init*(...)`: in
//     `variants/txt2img/` or `variants/edit/` for image generators, in `variants/upscale/` for
//     SeedVR2, and in `model/<model>.py` for packages without variants (Depth Pro, FIBO's VLM);
//   - `latent_creator/` exists only where a diffusion loop starts from latents;
//   - a companion package (FIBO's VLM) is used by another model package, documented in that
//     model's README and named after it in its console scripts; it has no README, README row
//     or golden image test of its own.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isNotImageGenerator, packageRoot, pyFiles } from './discover';
import { packagePythonFiles } from './modelConfig';
import { maskPython } from './pyLines';

export interface ClassAt {
  readonly file: string;
  readonly cls: string;
  /** 1-based line of the `class`. */
  readonly line: number;
  /** 1-based line of the evidence inside the class (the `def init`, the initializer call). */
  readonly at: number;
}

function read(file: string): { raw: string[]; masked: string[] } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return { raw: text.split(/\r?\n/), masked: maskPython(text) };
  } catch {
    return undefined;
  }
}

/** Classes of a file whose body has a line matching `re`: the first such line of each. */
function classesWith(file: string, re: (cls: string) => RegExp | undefined): ClassAt[] {
  const f = read(file);
  if (!f) return [];
  const out: ClassAt[] = [];
  let cls: { name: string; line: number; indent: number; re?: RegExp; hit: boolean } | undefined;
  for (let i = 0; i < f.masked.length; i++) {
    const l = f.masked[i];
    const c = /^(\s*)class\s+(\w+)/.exec(l);
    if (c && (!cls || c[1].length <= cls.indent)) {
      cls = { name: c[2], line: i + 1, indent: c[1].length, re: re(c[2]), hit: false };
      continue;
    }
    if (cls && l.trim() && l.length - l.trimStart().length <= cls.indent) cls = undefined;
    if (cls && !cls.hit && cls.re?.test(l)) {
      cls.hit = true;
      out.push({ file, cls: cls.name, line: cls.line, at: i + 1 });
    }
  }
  return out;
}

/** `*Initializer` classes with an `init*` method: the package's top-level modules (`<model>_initializer.py` first), else anywhere in it. */
export function findInitializers(root: string, model: string): ClassAt[] {
  const dir = packageRoot(root, model);
  const conventional = join(dir, `${model}_initializer.py`);
  const top = pyFiles(dir).sort((a, b) => Number(b === conventional) - Number(a === conventional));
  const isInit = (cls: string) => (/Initializer$/.test(cls) ? /^\s+def\s+init\w*\s*\(/ : undefined);
  const found = top.flatMap((f) => classesWith(f, isInit));
  if (found.length) return found;
  return packagePythonFiles(root, model)
    .filter((f) => !top.includes(f))
    .flatMap((f) => classesWith(f, isInit));
}

/**
 * Variant classes: the package's classes that call one of its initializers (`X.init(self, …)`,
 * `X.init_edit(…)`), wherever they live. Without such a call (an early skeleton), any class
 * under `variants/`.
 */
export function findVariantClasses(root: string, model: string, initializers = findInitializers(root, model)): ClassAt[] {
  const dir = packageRoot(root, model);
  const files = packagePythonFiles(root, model).filter((f) => !f.endsWith(`${sep}__init__.py`));
  const names = [...new Set(initializers.map((i) => i.cls))];
  const own = new Set(initializers.map((i) => i.file));
  if (names.length) {
    const call = new RegExp(`\\b(?:${names.join('|')})\\s*\\.\\s*init\\w*\\s*\\(`);
    const hits = files.filter((f) => !own.has(f)).flatMap((f) => classesWith(f, () => call));
    if (hits.length) return hits;
  }
  const variants = join(dir, 'variants') + sep;
  return files
    .filter((f) => f.startsWith(variants))
    .flatMap((f) => classesWith(f, () => /\S/))
    .map((c) => ({ ...c, at: c.line }));
}

/** Repo-relative folder of a file inside the package (`variants/upscale`, `model`), forward slashes. */
export function packageFolderOf(root: string, model: string, file: string): string {
  const parts = relative(packageRoot(root, model), file).split(sep);
  return parts.slice(0, -1).join('/') || '.';
}

export interface Companion {
  /** The model package that uses this one, e.g. `fibo`. */
  readonly parent: string;
  /** Where the parent's code imports it (1-based line). */
  readonly importFile: string;
  readonly importLine: number;
  /** Where the parent's README documents it (its module path or one of its console scripts). */
  readonly docFile: string;
  readonly docLine: number;
}

const SKIP_PACKAGES = /^(?:common|common_models|__pycache__)$|^\./;

/** Console script names of `[project.scripts]` pointing into `mflux.models.<model>.`. */
function scriptsOf(root: string, model: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(root, 'pyproject.toml'), 'utf8');
  } catch {
    return [];
  }
  const re = new RegExp(`^\\s*["']?([\\w.-]+)["']?\\s*=\\s*["']mflux\\.models\\.${model}\\.`, 'gm');
  return [...text.matchAll(re)].map((m) => m[1]);
}

/**
 * The package this one is a companion of, if it is one: it is not an image generator, has no
 * README of its own, another model package's code imports it, and that package's README
 * documents it (by module path or console script). FIBO's prompt VLM (`fibo_vlm`) is one.
 */
export function companionOf(root: string, model: string): Companion | undefined {
  const dir = packageRoot(root, model);
  if (existsSync(join(dir, 'README.md')) || !isNotImageGenerator(root, model)) return undefined;
  let packages: string[];
  try {
    packages = readdirSync(join(root, 'src', 'mflux', 'models')).filter((p) => p !== model && !SKIP_PACKAGES.test(p));
  } catch {
    return undefined;
  }
  const importRe = new RegExp(
    `^\\s*(?:from\\s+mflux\\.models\\.${model}(?:\\.[\\w.]+)?\\s+import\\b|import\\s+mflux\\.models\\.${model}\\b)`,
  );
  const mentions = [`mflux.models.${model}`, ...scriptsOf(root, model)];
  for (const parent of packages.sort()) {
    const readme = read(join(root, 'src', 'mflux', 'models', parent, 'README.md'));
    const docIndex = readme ? readme.raw.findIndex((l) => mentions.some((m) => l.includes(m))) : -1;
    if (!readme || docIndex < 0) continue;
    for (const f of packagePythonFiles(root, parent)) {
      const code = read(f);
      const k = code ? code.masked.findIndex((l) => importRe.test(l)) : -1;
      if (k >= 0)
        return {
          parent,
          importFile: f,
          importLine: k + 1,
          docFile: join(root, 'src', 'mflux', 'models', parent, 'README.md'),
          docLine: docIndex + 1,
        };
    }
  }
  return undefined;
}

/** The model packages of a checkout: folders under src/mflux/models/ with an `__init__.py`, shared ones (`common*`) left out. */
export function modelPackages(root: string): string[] {
  const dir = join(root, 'src', 'mflux', 'models');
  try {
    return readdirSync(dir)
      .filter((p) => !SKIP_PACKAGES.test(p) && !p.startsWith('common') && existsSync(join(dir, p, '__init__.py')))
      .sort();
  } catch {
    return [];
  }
}
