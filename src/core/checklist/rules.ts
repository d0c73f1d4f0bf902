// Auto-checks: rules that prove checklist items from the files of the mflux repo. Each rule
// reads a few files (no processes, so they run in restricted mode too) and returns a
// CheckResult with file:line evidence. The registry is a plain list so other features (the
// finalize audit) can add or replace rules by id.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CheckResult, Evidence } from '../checks';
import { findMappingFiles, findWeightDefinition, isNotImageGenerator, usesModelConfig, usesStepCallbacks } from '../mflux/discover';
import { namesInCode } from '../mflux/hygiene';
import { modelEntries, packagePythonFiles } from '../mflux/modelConfig';
import { ignoresTopFolder, trackedPaths } from './gitIndex';
import { modelNameForms } from './port';
import { WORKFLOW, WorkflowPhase } from './workflow';

export interface RuleContext {
  /** Absolute path of the mflux repo. */
  readonly mfluxRepo: string;
  /** Package name of the port, e.g. `z_image`. */
  readonly model: string;
}

export interface AutoCheckRule {
  readonly id: string;
  readonly title: string;
  /**
   * The rule proves that something is absent (no tracked dumps). A pass then means "nothing
   * wrong right now", not "the work is done": it holds on a fresh repo too, so it never checks
   * an item off by itself.
   */
  readonly absence?: boolean;
  check(ctx: RuleContext): Promise<CheckResult>;
}

// ---------------------------------------------------------------- helpers

/** Files larger than this are not scanned by rules (they are not source files). */
const MAX_SCAN_BYTES = 4 * 1024 * 1024;

async function readText(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > MAX_SCAN_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Every line matching `re`, 1-based, with its text. */
export function findLines(text: string, re: RegExp): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) out.push({ line: i + 1, text: lines[i].trim() });
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Repo-relative path with forward slashes, for reasons a user reads. */
function rel(ctx: RuleContext, p: string): string {
  return relative(ctx.mfluxRepo, p).split(sep).join('/');
}

const pass = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'pass', reason, evidence });
const fail = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'fail', reason, evidence });
const unknown = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'unknown', reason, evidence });

export function packageDir(ctx: RuleContext): string {
  return join(ctx.mfluxRepo, 'src', 'mflux', 'models', ctx.model);
}

/** Regex source matching any spelling of the model (`z_image`, `z-image`), not inside a longer word. */
function nameRe(model: string, flags = ''): RegExp {
  const alt = modelNameForms(model).map(escapeRe).join('|');
  return new RegExp(`(?<![A-Za-z0-9_-])(?:${alt})(?![A-Za-z0-9_])`, flags);
}

/**
 * Whether a hyphenated name ("z-image-turbo", a ModelConfig key or CLI suffix) belongs to the
 * port's model. Names may extend the package name, so a name belongs to the package with the
 * longest name it starts with: a model "z" does not claim what belongs to z_image.
 */
async function ownsName(ctx: RuleContext): Promise<(name: string) => boolean> {
  const packages = (await readdir(join(ctx.mfluxRepo, 'src', 'mflux', 'models')).catch(() => [] as string[])).map((n) =>
    n.replace(/_/g, '-'),
  );
  const mine = ctx.model.replace(/_/g, '-');
  return (name) => {
    const key = name.replace(/_/g, '-');
    const owner = [...packages, mine].filter((p) => key === p || key.startsWith(p + '-')).sort((a, b) => b.length - a.length)[0];
    return owner === mine;
  };
}

/** A file rule: pass with the first line matching `re`, fail when the file or the line is missing. */
async function fileWithLine(ctx: RuleContext, file: string, re: RegExp, missingLine: string): Promise<CheckResult> {
  const text = await readText(file);
  if (text === undefined) return fail(`${rel(ctx, file)} does not exist.`);
  const hit = findLines(text, re)[0];
  if (!hit) return fail(`${rel(ctx, file)} exists but ${missingLine}.`, [{ file, line: 1 }]);
  return pass(`${rel(ctx, file)}:${hit.line}: ${hit.text}`, [{ file, line: hit.line, text: hit.text }]);
}

// ---------------------------------------------------------------- rules

/** Sub-folders every model package has (see the canonical layout in the mflux facts). */
export const CANONICAL_FOLDERS = ['cli', 'latent_creator', 'model', 'variants', 'weights'] as const;

const packageLayout: AutoCheckRule = {
  id: 'packageLayout',
  title: 'Model package folder and canonical sub-folders exist',
  async check(ctx) {
    const dir = packageDir(ctx);
    if (!(await isDir(dir))) return fail(`${rel(ctx, dir)}/ does not exist yet.`);
    const missing: string[] = [];
    const found: Evidence[] = [{ file: dir }];
    for (const f of CANONICAL_FOLDERS) {
      if (await isDir(join(dir, f))) found.push({ file: join(dir, f) });
      else missing.push(`${f}/`);
    }
    if (!(await isFile(join(dir, '__init__.py')))) missing.push('__init__.py');
    else found.push({ file: join(dir, '__init__.py') });
    if (missing.length) return fail(`${rel(ctx, dir)}/ lacks ${missing.join(', ')}.`, found);
    return pass(`${rel(ctx, dir)}/ has ${CANONICAL_FOLDERS.map((f) => f + '/').join(', ')} and __init__.py.`, found);
  },
};

const variantInitializer: AutoCheckRule = {
  id: 'variantInitializer',
  title: 'Variant class and initializer exist',
  async check(ctx) {
    const dir = packageDir(ctx);
    const init = join(dir, `${ctx.model}_initializer.py`);
    const variantsDir = join(dir, 'variants');
    const initText = await readText(init);
    const variantFiles: string[] = [];
    for (const sub of ['txt2img', 'edit', '.']) {
      const d = join(variantsDir, sub);
      const names = await readdir(d).catch(() => [] as string[]);
      for (const n of names) if (n.endsWith('.py') && n !== '__init__.py') variantFiles.push(join(d, n));
    }
    let variantHit: Evidence | undefined;
    for (const f of variantFiles.sort()) {
      const text = (await readText(f)) ?? '';
      const hit = findLines(text, /^\s*class\s+\w+/)[0];
      if (hit) {
        variantHit = { file: f, line: hit.line, text: hit.text };
        break;
      }
    }
    const missing: string[] = [];
    if (initText === undefined) missing.push(`${rel(ctx, init)}`);
    if (!variantHit) missing.push(`a variant class under ${rel(ctx, variantsDir)}/txt2img/`);
    const evidence: Evidence[] = [];
    if (initText !== undefined) {
      const h = findLines(initText, /^\s*(class|def)\s+\w+/)[0];
      evidence.push({ file: init, line: h?.line ?? 1, text: h?.text });
    }
    if (variantHit) evidence.push(variantHit);
    if (missing.length) return fail(`Missing ${missing.join(' and ')}.`, evidence);
    return pass(`Initializer ${rel(ctx, init)} and variant class in ${rel(ctx, variantHit!.file)}:${variantHit!.line}.`, evidence);
  },
};

// The weight definition and mapping are found by content (the class in weights/ with
// get_components, the modules its mapping getters come from), whatever the file prefix; the
// conventional names are only what a missing file is reported as. "Verified" needs content
// that does the job: a ComponentDefinition, a WeightTarget; an empty stub is not enough.
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

async function goldenTestFiles(ctx: RuleContext): Promise<string[]> {
  const dir = join(ctx.mfluxRepo, 'tests', 'image_generation');
  const names = await readdir(dir).catch(() => [] as string[]);
  const base = `test_generate_image_${ctx.model}`;
  return names
    .filter((n) => n === `${base}.py` || (n.startsWith(`${base}_`) && n.endsWith('.py')))
    .sort()
    .map((n) => join(dir, n));
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
function mentionRule(id: string, title: string, parts: string[], what: string, caseInsensitive = false): AutoCheckRule {
  return {
    id,
    title,
    async check(ctx) {
      const file = join(ctx.mfluxRepo, ...parts);
      const text = await readText(file);
      if (text === undefined) return fail(`${parts.join('/')} does not exist.`);
      const hits = findLines(text, nameRe(ctx.model, caseInsensitive ? 'i' : ''));
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

const TENSOR_EXT = /\.(npy|npz|safetensors|pt|pth|ckpt)$/i;
const DEBUG_DIR = 'debug_artifacts';

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
  weightDefinition,
  pyprojectScript,
  modelConfig,
  cliDefaults,
  saveRouting,
  mainReadme,
  modelReadme,
  goldenTest,
  referenceImage,
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

/**
 * A rule that does not apply to every kind of package: a depth estimator or upscaler (its CLI
 * never adds the image-generator arguments) has no MODEL_CHOICES entry or save routing, the
 * same judgment the finalize audit makes.
 */
function onlyIf(rule: AutoCheckRule, applies: (ctx: RuleContext) => boolean, why: string): AutoCheckRule {
  return {
    ...rule,
    check: async (ctx) => (applies(ctx) ? rule.check(ctx) : pass(`Not applicable: ${why}.`, [{ file: join(packageDir(ctx), 'cli') }])),
  };
}
const generator = (ctx: RuleContext) => !isNotImageGenerator(ctx.mfluxRepo, ctx.model);
const NOT_GENERATOR = 'no CLI of the package adds the image-generator arguments, so it is not an image generator';

export const BUILTIN_RULES: readonly AutoCheckRule[] = [
  packageLayout,
  variantInitializer,
  weightDefinition,
  weightMapping,
  pyprojectScript,
  onlyIf(
    modelConfig,
    (ctx) => generator(ctx) || usesModelConfig(packagePythonFiles(ctx.mfluxRepo, ctx.model)),
    `${NOT_GENERATOR} and it never uses ModelConfig`,
  ),
  goldenTest,
  referenceImage,
  onlyIf(cliCallbacks, (ctx) => usesStepCallbacks(ctx.mfluxRepo, ctx.model), `${NOT_GENERATOR} and it has no diffusion loop`),
  onlyIf(cliDefaults, generator, NOT_GENERATOR),
  onlyIf(saveRouting, generator, NOT_GENERATOR),
  modelReadme,
  mainReadme,
  debugArtifacts,
  finalizeAudit,
];

/** Rules by id. `add` replaces a rule with the same id, so a fuller audit can take over one. */
export class RuleRegistry {
  private readonly rules = new Map<string, AutoCheckRule>();
  constructor(rules: readonly AutoCheckRule[] = BUILTIN_RULES) {
    for (const r of rules) this.rules.set(r.id, r);
  }
  add(rule: AutoCheckRule): void {
    this.rules.set(rule.id, rule);
  }
  get(id: string): AutoCheckRule | undefined {
    return this.rules.get(id);
  }
  list(): AutoCheckRule[] {
    return [...this.rules.values()];
  }
}

/** Runs one rule; a rule that throws gives `unknown` with the error, never an exception. */
export async function runRule(rule: AutoCheckRule, ctx: RuleContext): Promise<CheckResult> {
  try {
    return await rule.check(ctx);
  } catch (e) {
    return unknown(`The ${rule.id} check could not run: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Item ids whose passing check proves the work was done (see AutoCheckRule.absence). */
export function provingItems(registry: RuleRegistry, workflow: readonly WorkflowPhase[] = WORKFLOW): Set<string> {
  const out = new Set<string>();
  for (const phase of workflow) {
    for (const item of phase.items) {
      const rule = item.autoCheck ? registry.get(item.autoCheck) : undefined;
      if (rule && !rule.absence && !item.autoCheckIsAbsence) out.add(item.id);
    }
  }
  return out;
}

/** Runs the rules the workflow's items name (each rule once) and returns results by item id. */
export async function runAutoChecks(
  ctx: RuleContext,
  registry = new RuleRegistry(),
  workflow: readonly WorkflowPhase[] = WORKFLOW,
): Promise<Map<string, CheckResult>> {
  const byRule = new Map<string, Promise<CheckResult>>();
  const out = new Map<string, CheckResult>();
  for (const phase of workflow) {
    for (const item of phase.items) {
      if (!item.autoCheck) continue;
      const rule = registry.get(item.autoCheck);
      if (!rule) {
        out.set(item.id, unknown(`No auto-check rule named "${item.autoCheck}" is registered.`));
        continue;
      }
      if (!byRule.has(rule.id)) byRule.set(rule.id, runRule(rule, ctx));
      out.set(item.id, await byRule.get(rule.id)!);
    }
  }
  return out;
}

/**
 * Whether a changed file (repo-relative, forward slashes) can change a rule's result, so the
 * watcher reruns checks only when it matters.
 */
export function affectsAutoChecks(relPath: string): boolean {
  return (
    relPath === 'pyproject.toml' ||
    relPath === 'README.md' ||
    relPath === '.gitignore' ||
    relPath.startsWith('src/mflux/') ||
    relPath.startsWith('tests/') ||
    relPath.startsWith(`${DEBUG_DIR}/`) ||
    relPath === DEBUG_DIR ||
    relPath === '.git/index' ||
    relPath === '.git/info/exclude' ||
    TENSOR_EXT.test(relPath)
  );
}
