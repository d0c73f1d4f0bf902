// Rules over the port's own package: its layout, initializer and variant class, weight
// definition and mapping. Names and places are discovered from the code (see
// mflux/conventions.ts), so Depth Pro's variant class in model/, SeedVR2's in
// variants/upscale/ and a package without a diffusion loop (no latent_creator/) all pass.
import { join, sep } from 'node:path';
import type { Evidence } from '../checks';
import { findMappingFiles, findWeightDefinition, isNotImageGenerator } from '../mflux/discover';
import { findInitializers, findVariantClasses, packageFolderOf } from '../mflux/conventions';
import { fail, fileWithLine, findLines, isDir, isFile, packageDir, pass, readText, rel, type AutoCheckRule } from './ruleKit';

/** Sub-folders of the canonical layout (see the mflux facts); not every package needs all of them. */
const CANONICAL_FOLDERS = ['cli', 'latent_creator', 'model', 'variants', 'weights'] as const;

/**
 * What the package needs, with the reason a canonical folder is not needed: `variants/` when the
 * variant class lives elsewhere (Depth Pro: model/depth_pro.py), `latent_creator/` when the
 * package is not an image generator (no diffusion loop to start).
 */
function notNeeded(root: string, model: string): Map<string, string> {
  const out = new Map<string, string>();
  const variants = findVariantClasses(root, model);
  const outside = variants.find((v) => !packageFolderOf(root, model, v.file).startsWith('variants'));
  if (variants.length && variants.every((v) => !packageFolderOf(root, model, v.file).startsWith('variants')))
    out.set('variants', `its variant class ${outside!.cls} is in ${packageFolderOf(root, model, outside!.file)}/`);
  if (isNotImageGenerator(root, model)) out.set('latent_creator', 'it is not an image generator');
  return out;
}

const packageLayout: AutoCheckRule = {
  id: 'packageLayout',
  title: 'Model package folder and canonical sub-folders exist',
  async check(ctx) {
    const dir = packageDir(ctx);
    if (!(await isDir(dir))) return fail(`${rel(ctx, dir)}/ does not exist yet.`);
    const skip = notNeeded(ctx.mfluxRepo, ctx.model);
    const missing: string[] = [];
    const have: string[] = [];
    const found: Evidence[] = [{ file: dir }];
    for (const f of CANONICAL_FOLDERS) {
      if (await isDir(join(dir, f))) {
        found.push({ file: join(dir, f) });
        have.push(`${f}/`);
      } else if (!skip.has(f)) missing.push(`${f}/`);
    }
    if (!(await isFile(join(dir, '__init__.py')))) missing.push('__init__.py');
    else found.push({ file: join(dir, '__init__.py') });
    if (missing.length) return fail(`${rel(ctx, dir)}/ lacks ${missing.join(', ')}.`, found);
    const without = CANONICAL_FOLDERS.filter((f) => skip.has(f) && !have.includes(`${f}/`)).map((f) => `no ${f}/ (${skip.get(f)})`);
    return pass(`${rel(ctx, dir)}/ has ${have.join(', ')} and __init__.py${without.length ? `; ${without.join('; ')}` : ''}.`, found);
  },
};

const variantInitializer: AutoCheckRule = {
  id: 'variantInitializer',
  title: 'Variant class and initializer exist',
  async check(ctx) {
    const dir = packageDir(ctx);
    const conventional = join(dir, `${ctx.model}_initializer.py`);
    const inits = findInitializers(ctx.mfluxRepo, ctx.model);
    const init = inits[0];
    // A skeleton's initializer may have no init() yet: the conventional file with any class counts.
    const initText = init ? undefined : await readText(conventional);
    const initClass = initText !== undefined ? findLines(initText, /^\s*(class|def)\s+\w+/)[0] : undefined;
    const variants = findVariantClasses(ctx.mfluxRepo, ctx.model, inits);
    const variant = variants[0];
    const missing: string[] = [];
    if (!init && initText === undefined) missing.push(rel(ctx, conventional));
    if (!variant) missing.push(`a variant class under ${rel(ctx, join(dir, 'variants'))}/txt2img/ (or a class calling the initializer)`);
    const evidence: Evidence[] = [];
    if (init) evidence.push({ file: init.file, line: init.line, text: `class ${init.cls}` });
    else if (initText !== undefined) evidence.push({ file: conventional, line: initClass?.line ?? 1, text: initClass?.text });
    if (variant) evidence.push({ file: variant.file, line: variant.line, text: `class ${variant.cls}` });
    if (missing.length) return fail(`Missing ${missing.join(' and ')}.`, evidence);
    const initFile = init?.file ?? conventional;
    const calls = variant.at !== variant.line && init ? ` (calls ${init.cls} at line ${variant.at})` : '';
    return pass(`Initializer ${rel(ctx, initFile)} and variant class in ${rel(ctx, variant.file)}:${variant.line}${calls}.`, evidence);
  },
};

const weightDefinition: AutoCheckRule = {
  id: 'weightDefinition',
  title: 'Weight definition file declares a *WeightDefinition',
  async check(ctx) {
    const found = findWeightDefinition(ctx.mfluxRepo, ctx.model);
    const file = found?.file ?? join(packageDir(ctx), 'weights', `${ctx.model}_weight_definition.py`);
    const text = await readText(file);
    if (text === undefined) return fail(`${rel(ctx, file)} does not exist.`);
    const cls0 = findLines(text, /^\s*class\s+\w*WeightDefinition\b/)[0];
    // A definition listing its components as data (mapping getters named) has content too.
    if (!found && cls0 && findLines(text, /\bmapping_getter\b/)[0])
      return pass(`${rel(ctx, file)}:${cls0.line}: ${cls0.text}`, [{ file, line: cls0.line, text: cls0.text }]);
    if (!found) {
      const cls = cls0;
      return fail(
        cls
          ? `${rel(ctx, file)}:${cls.line}: ${cls.text} has no get_components().`
          : `${rel(ctx, file)} exists but declares no *WeightDefinition class.`,
        [{ file, line: cls?.line ?? 1 }],
      );
    }
    const comp = findLines(text, /\bComponentDefinition\s*\(/)[0];
    if (!comp)
      return fail(`${rel(ctx, file)}:${found.componentsLine}: get_components() lists no ComponentDefinition(...) yet.`, [
        { file, line: found.componentsLine },
      ]);
    const cls = findLines(text, /^\s*class\s+\w+/).find((h) => h.line === found.classLine);
    return pass(`${rel(ctx, file)}:${found.classLine}: ${cls?.text ?? found.cls}`, [
      { file, line: found.classLine, text: cls?.text },
      { file, line: comp.line, text: comp.text },
    ]);
  },
};

const weightMapping: AutoCheckRule = {
  id: 'weightMapping',
  title: 'Weight mapping file lists WeightTarget entries',
  async check(ctx) {
    const def = findWeightDefinition(ctx.mfluxRepo, ctx.model);
    const own = (f: string) => f.startsWith(packageDir(ctx) + sep);
    const files = def ? findMappingFiles(ctx.mfluxRepo, def.file).filter(own) : [];
    if (!files.length)
      return fileWithLine(
        ctx,
        join(packageDir(ctx), 'weights', `${ctx.model}_weight_mapping.py`),
        /\bWeightTarget\s*\(/,
        'has no WeightTarget(...) entries',
      );
    for (const f of files) {
      const hit = findLines((await readText(f)) ?? '', /\bWeightTarget\s*\(/)[0];
      if (hit) return pass(`${rel(ctx, f)}:${hit.line}: ${hit.text}`, [{ file: f, line: hit.line, text: hit.text }]);
    }
    return fail(`${rel(ctx, files[0])} exists but has no WeightTarget(...) entries.`, [{ file: files[0], line: 1 }]);
  },
};

export const PACKAGE_RULES = { packageLayout, variantInitializer, weightDefinition, weightMapping };
