// Where a port's mflux model class and latent creator live. New ports follow Create Model
// Package's layout (variants/txt2img/<pkg>.py, latent_creator/<pkg>_latent_creator.py); mflux's own
// models vary (z_image/variants/z_image.py, qwen/variants/txt2img/qwen_image.py), so the MLX runner
// imports what the mflux checkout really has when it can find it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { modelNames } from '../mflux/naming';

export interface PyClass {
  /** Dotted module path (`mflux.models.z_image.variants.z_image`). */
  readonly module: string;
  readonly cls: string;
}

export interface MlxEntry {
  readonly model: PyClass;
  readonly latentCreator: PyClass;
}

/** The scaffold's layout: what a new port has. */
export function conventionalEntry(pkg: string): MlxEntry {
  const n = modelNames(pkg);
  return {
    model: { module: `mflux.models.${pkg}.variants.txt2img.${pkg}`, cls: n.cls },
    latentCreator: { module: `mflux.models.${pkg}.latent_creator.${pkg}_latent_creator`, cls: `${n.cls}LatentCreator` },
  };
}

/** The classes the mflux checkout really has for `pkg` (one with generate_image, one with create_noise), else the convention. */
export function findMlxEntry(mfluxRepo: string, pkg: string): MlxEntry {
  const fallback = conventionalEntry(pkg);
  const src = join(mfluxRepo, 'src');
  const dir = join(src, 'mflux', 'models', pkg);
  const model = pick(
    src,
    [join(dir, 'variants', 'txt2img'), join(dir, 'variants')],
    /^class (\w+)\(/gm,
    'def generate_image(',
    fallback.model.cls,
  );
  const latentCreator = pick(
    src,
    [join(dir, 'latent_creator')],
    /^class (\w+LatentCreator)\b/gm,
    'def create_noise(',
    fallback.latentCreator.cls,
  );
  return { model: model ?? fallback.model, latentCreator: latentCreator ?? fallback.latentCreator };
}

function pick(src: string, dirs: string[], classes: RegExp, needs: string, preferred: string): PyClass | undefined {
  const found: PyClass[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((f) => f.endsWith('.py') && f !== '__init__.py')
        .sort();
    } catch {
      continue;
    }
    for (const f of names) {
      let text: string;
      try {
        text = readFileSync(join(dir, f), 'utf8');
      } catch {
        continue;
      }
      if (!text.includes(needs)) continue;
      const module = relative(src, join(dir, f)).replace(/\.py$/, '').split(sep).join('.');
      for (const m of text.matchAll(classes)) found.push({ module, cls: m[1] });
    }
    if (found.length) break;
  }
  return found.find((c) => c.cls === preferred) ?? found[0];
}
