// Rules over the shared files a finished model touches: pyproject scripts, ModelConfig, CLI
// defaults, mflux-save routing, READMEs, golden test and reference image, CLI callbacks.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Evidence } from '../checks';
import { companionOf } from '../mflux/conventions';
import { isNotImageGenerator, usesModelConfig, usesStepCallbacks } from '../mflux/discover';
import { listGoldenTests } from '../mflux/goldenTestList';
import { modelEntries, packagePythonFiles } from '../mflux/modelConfig';
import { modelNameForms } from './port';
import {
  escapeRe,
  fail,
  findLines,
  isFile,
  nameRe,
  notApplicable,
  ownsName,
  packageDir,
  pass,
  readText,
  rel,
  type AutoCheckRule,
  type RuleContext,
} from './ruleKit';

/** `name = "target"` lines of the `[project.scripts]` table. */
export function pyprojectScripts(text: string): { name: string; target: string; line: number }[] {
  const lines = text.split(/\r?\n/);
  const out: { name: string; target: string; line: number }[] = [];
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (/^\[/.test(l)) {
      inTable = /^\[\s*project\s*\.\s*scripts\s*\]\s*(#.*)?$/.test(l);
      continue;
    }
    if (!inTable) continue;
    const m = /^(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(l);
    if (m) out.push({ name: m[1] ?? m[2] ?? m[3], target: m[4] ?? m[5], line: i + 1 });
  }
  return out;
}

const pyprojectScript: AutoCheckRule = {
  id: 'pyprojectScript',
  title: 'pyproject.toml registers mflux-generate-<model>',
  async check(ctx) {
    const file = join(ctx.mfluxRepo, 'pyproject.toml');
    const text = await readText(file);
    if (text === undefined) return fail(`No pyproject.toml in ${ctx.mfluxRepo}.`);
    if (!/^\s*\[\s*project\s*\.\s*scripts\s*\]/m.test(text))
      return fail('pyproject.toml has no [project.scripts] table.', [{ file, line: 1 }]);
    const forms = modelNameForms(ctx.model);
    const names = forms.map((f) => `mflux-generate-${f}`);
    const modulePrefix = `mflux.models.${ctx.model}.cli.`;
    const scripts = pyprojectScripts(text);
    const owns = await ownsName(ctx);
    const mine = scripts.filter(
      (s) => (s.name.startsWith('mflux-generate-') && owns(s.name.slice('mflux-generate-'.length))) || s.target.startsWith(modulePrefix),
    );
    if (mine.length === 0)
      return fail(`[project.scripts] in pyproject.toml has no mflux-generate-${forms[forms.length - 1]} entry.`, [
        { file, line: findLines(text, /^\s*\[\s*project\s*\.\s*scripts/)[0].line },
      ]);
    // The entry must point at a module that exists, or the installed command fails on start.
    for (const s of mine) {
      const mod = s.target.split(':')[0].trim();
      const modFile = join(ctx.mfluxRepo, 'src', ...mod.split('.')) + '.py';
      if (!(await isFile(modFile))) {
        return fail(`pyproject.toml:${s.line}: ${s.name} points at ${mod}, but ${rel(ctx, modFile)} does not exist.`, [
          { file, line: s.line, text: `${s.name} = "${s.target}"` },
        ]);
      }
    }
    const main = mine.find((s) => names.includes(s.name)) ?? mine[0];
    return pass(
      `pyproject.toml:${main.line}: ${main.name} = "${main.target}"`,
      mine.map((s) => ({ file, line: s.line, text: `${s.name} = "${s.target}"` })),
    );
  },
};

const MODEL_CONFIG = ['src', 'mflux', 'models', 'common', 'config', 'model_config.py'];

const modelConfig: AutoCheckRule = {
  id: 'modelConfig',
  title: 'ModelConfig has an entry with aliases',
  async check(ctx) {
    const file = join(ctx.mfluxRepo, ...MODEL_CONFIG);
    const text = await readText(file);
    if (text === undefined) return fail(`${MODEL_CONFIG.join('/')} does not exist.`);
    // The shared reader: entries over several lines, matched by key, alias or accessor call.
    const mc = modelEntries(ctx.mfluxRepo, ctx.model);
    const entry = mc.entries[0];
    if (!entry || !mc.file)
      return fail(`${MODEL_CONFIG.join('/')} has no AVAILABLE_MODELS entry for ${ctx.model}.`, [
        { file, line: findLines(text, /AVAILABLE_MODELS\s*=/)[0]?.line ?? 1 },
      ]);
    const at = (i: number) => ({ file, line: i + 1, text: mc.file!.lines[i]?.trim() });
    if (entry.aliasLine === undefined || !entry.aliases.length)
      return fail(`${MODEL_CONFIG.join('/')}:${entry.keyLine + 1}: the entry has no aliases=[...].`, [at(entry.keyLine)]);
    return pass(
      `${MODEL_CONFIG.join('/')}:${entry.keyLine + 1}: ${mc.file.lines[entry.keyLine].trim()} with aliases at line ${entry.aliasLine + 1}.`,
      [at(entry.keyLine), at(entry.aliasLine)],
    );
  },
};

/**
 * The model's golden test files: `tests/image_generation/test_generate_image_<model>*.py`, and
 * image-comparing tests elsewhere that import the package (Depth Pro's tests/depth/).
 */
async function goldenTestFiles(ctx: RuleContext): Promise<string[]> {
  const dir = join(ctx.mfluxRepo, 'tests', 'image_generation');
  const names = await readdir(dir).catch(() => [] as string[]);
  const base = `test_generate_image_${ctx.model}`;
  const named = names
    .filter((n) => n === `${base}.py` || (n.startsWith(`${base}_`) && n.endsWith('.py')))
    .sort()
    .map((n) => join(dir, n));
  const byContent = listGoldenTests(ctx.mfluxRepo, ctx.model).map((t) => t.file);
  return [...new Set([...named, ...byContent])];
}

const goldenTest: AutoCheckRule = {
  id: 'goldenTest',
  title: 'Golden image test exists',
  async check(ctx) {
    const files = await goldenTestFiles(ctx);
    if (files.length === 0) return fail(`tests/image_generation/test_generate_image_${ctx.model}.py does not exist.`);
    const evidence: Evidence[] = [];
    for (const f of files) {
      const hit = findLines((await readText(f)) ?? '', /^\s*def\s+test_\w+/)[0];
      if (hit) evidence.push({ file: f, line: hit.line, text: hit.text });
    }
    if (evidence.length === 0) return fail(`${rel(ctx, files[0])} exists but defines no test_ function.`, [{ file: files[0], line: 1 }]);
    return pass(`${rel(ctx, evidence[0].file)}:${evidence[0].line}: ${evidence[0].text}`, evidence);
  },
};

const referenceImage: AutoCheckRule = {
  id: 'referenceImage',
  title: 'Reference images named by the golden test exist',
  async check(ctx) {
    const files = await goldenTestFiles(ctx);
    if (files.length === 0) return fail('No golden test yet, so no reference image to look for.');
    const resources = join(ctx.mfluxRepo, 'tests', 'resources');
    const found: Evidence[] = [];
    for (const f of files) {
      const lines = ((await readText(f)) ?? '').split(/\r?\n/);
      lines.forEach((l, i) => {
        for (const m of l.matchAll(/["']([\w.-]*reference[\w.-]*\.png)["']/g)) found.push({ file: f, line: i + 1, text: m[1] });
      });
    }
    if (found.length === 0) return fail(`${rel(ctx, files[0])} names no reference_*.png image.`, [{ file: files[0], line: 1 }]);
    const ok: Evidence[] = [];
    const missing: Evidence[] = [];
    for (const e of found) {
      const png = join(resources, e.text!);
      if (await isFile(png)) ok.push(e, { file: png });
      else missing.push(e);
    }
    if (missing.length)
      return fail(`${rel(ctx, missing[0].file)}:${missing[0].line} names ${missing[0].text}, which is not in tests/resources/.`, missing);
    return pass(`${found.map((e) => e.text).join(', ')} in tests/resources/, named at ${rel(ctx, found[0].file)}:${found[0].line}.`, ok);
  },
};

const cliCallbacks: AutoCheckRule = {
  id: 'cliCallbacks',
  title: 'CLI registers callbacks through CallbackManager',
  async check(ctx) {
    const dir = join(packageDir(ctx), 'cli');
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.py') && n !== '__init__.py').sort();
    if (names.length === 0) return fail(`${rel(ctx, dir)}/ has no CLI module yet.`);
    const hits: Evidence[] = [];
    const without: Evidence[] = [];
    for (const n of names) {
      const f = join(dir, n);
      const hit = findLines((await readText(f)) ?? '', /\bregister_callbacks\s*\(/)[0];
      if (hit) hits.push({ file: f, line: hit.line, text: hit.text });
      else without.push({ file: f, line: 1 });
    }
    if (hits.length === 0) return fail(`No CLI module in ${rel(ctx, dir)}/ calls CallbackManager.register_callbacks(...).`, without);
    if (without.length)
      return fail(`${without.map((e) => rel(ctx, e.file)).join(', ')} do not call register_callbacks(...).`, [...without, ...hits]);
    return pass(`${rel(ctx, hits[0].file)}:${hits[0].line}: ${hits[0].text}`, hits);
  },
};

/** A rule that passes when a shared file mentions the model under any of its spellings. */
function mentionRule(
  id: string,
  title: string,
  parts: string[],
  what: string,
  caseInsensitive = false,
  configNames = false,
): AutoCheckRule {
  return {
    id,
    title,
    async check(ctx) {
      const file = join(ctx.mfluxRepo, ...parts);
      const text = await readText(file);
      if (text === undefined) return fail(`${parts.join('/')} does not exist.`);
      // Names of the model's ModelConfig entries count as quoted strings (flux's "dev", "schnell").
      const quoted = configNames ? [...modelEntries(ctx.mfluxRepo, ctx.model).names].map(escapeRe) : [];
      const quotedRe = quoted.length ? new RegExp(`["'](?:${quoted.join('|')})["']`, caseInsensitive ? 'i' : '') : undefined;
      const re = nameRe(ctx.model, caseInsensitive ? 'i' : '');
      const hits = findLines(text, { test: (l) => re.test(l) || !!quotedRe?.test(l) });
      if (hits.length === 0)
        return fail(`${parts.join('/')} does not mention ${modelNameForms(ctx.model).join(' or ')}: ${what}.`, [{ file, line: 1 }]);
      return pass(
        `${parts.join('/')}:${hits[0].line}: ${hits[0].text}`,
        hits.slice(0, 5).map((h) => ({ file, line: h.line, text: h.text })),
      );
    },
  };
}

const cliDefaults = mentionRule(
  'cliDefaults',
  'CLI defaults know the model',
  ['src', 'mflux', 'cli', 'defaults', 'defaults.py'],
  'add it to MODEL_CHOICES and MODEL_INFERENCE_STEPS',
  false,
  true,
);
const saveRouting = mentionRule(
  'saveRouting',
  'mflux-save routes the model',
  ['src', 'mflux', 'models', 'common', 'cli', 'save.py'],
  'route it to its variant class',
);
const mainReadme = mentionRule('mainReadme', 'Main README lists the model', ['README.md'], 'add a row to the model table', true);

const modelReadme: AutoCheckRule = {
  id: 'modelReadme',
  title: 'Model README exists',
  async check(ctx) {
    const file = join(packageDir(ctx), 'README.md');
    const text = await readText(file);
    if (text === undefined) return fail(`${rel(ctx, file)} does not exist.`);
    const first = findLines(text, /\S/)[0];
    if (!first) return fail(`${rel(ctx, file)} is empty.`, [{ file, line: 1 }]);
    return pass(`${rel(ctx, file)}:${first.line}: ${first.text}`, [{ file, line: first.line, text: first.text }]);
  },
};

/**
 * A rule that does not apply to every kind of package: a depth estimator or upscaler (its CLI
 * never adds the image-generator arguments) has no MODEL_CHOICES entry or save routing, the
 * same judgment the finalize audit makes.
 */
function onlyIf(rule: AutoCheckRule, applies: (ctx: RuleContext) => boolean, why: string): AutoCheckRule {
  return {
    ...rule,
    check: async (ctx) => (applies(ctx) ? rule.check(ctx) : notApplicable(why, [{ file: join(packageDir(ctx), 'cli') }])),
  };
}
const generator = (ctx: RuleContext) => !isNotImageGenerator(ctx.mfluxRepo, ctx.model);
const NOT_GENERATOR = 'no CLI of the package adds the image-generator arguments, so it is not an image generator';

/**
 * A rule a companion package (FIBO's VLM, see mflux/conventions.ts) is not held to: its parent
 * model has the README, the README row and the golden images. It still passes when it has them.
 */
function unlessCompanion(rule: AutoCheckRule, what: string): AutoCheckRule {
  return {
    ...rule,
    async check(ctx) {
      const own = await rule.check(ctx);
      const c = own.status === 'fail' ? companionOf(ctx.mfluxRepo, ctx.model) : undefined;
      if (!c) return own;
      return notApplicable(
        `${ctx.model} is a companion of ${c.parent} (imported at ${rel(ctx, c.importFile)}:${c.importLine}, documented at ${rel(ctx, c.docFile)}:${c.docLine}), so ${what} is ${c.parent}'s`,
        [
          { file: c.importFile, line: c.importLine },
          { file: c.docFile, line: c.docLine },
        ],
      );
    },
  };
}

export const SURFACE_RULES = {
  pyprojectScript,
  modelConfig: onlyIf(
    modelConfig,
    (ctx) => generator(ctx) || usesModelConfig(packagePythonFiles(ctx.mfluxRepo, ctx.model)),
    `${NOT_GENERATOR} and it never uses ModelConfig`,
  ),
  goldenTest: unlessCompanion(goldenTest, 'the golden image test'),
  referenceImage: unlessCompanion(referenceImage, 'the reference image'),
  cliCallbacks: onlyIf(cliCallbacks, (ctx) => usesStepCallbacks(ctx.mfluxRepo, ctx.model), `${NOT_GENERATOR} and it has no diffusion loop`),
  cliDefaults: onlyIf(cliDefaults, generator, NOT_GENERATOR),
  saveRouting: onlyIf(saveRouting, generator, NOT_GENERATOR),
  modelReadme: unlessCompanion(modelReadme, 'the model README'),
  mainReadme: unlessCompanion(mainReadme, 'the main README row'),
};
