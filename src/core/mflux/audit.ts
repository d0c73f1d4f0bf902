// Finalize audit: is the port wired into every surface a finished mflux model touches?
// Each surface is one check with pass/fail and file:line evidence, so the checklist and the
// report can say exactly what is missing and where it should go.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckResult, Evidence } from '../checks';
import { findWeightDefinitions, isNotImageGenerator, pyFiles, usesModelConfig, usesStepCallbacks } from './discover';
import { companionOf } from './conventions';
import { goldenSurfaces } from './auditGolden';
import { MODEL_CONFIG_PATH, modelEntries, packagePythonFiles } from './modelConfig';
import { modelNames } from './naming';
import { maskPython } from './pyLines';

export interface AuditInput {
  /** Root of the mflux repository. */
  readonly root: string;
  /** Model package name, e.g. `z_image`. */
  readonly model: string;
  /** Extra aliases the port uses (from the port settings); the conventional ones are always tried. */
  readonly aliases?: readonly string[];
}

export interface AuditItem {
  readonly id: AuditSurface;
  readonly title: string;
  readonly result: CheckResult;
}

export type AuditSurface =
  | 'pyproject-script'
  | 'model-config'
  | 'defaults-choices'
  | 'defaults-steps'
  | 'save-routing'
  | 'readme-row'
  | 'model-readme'
  | 'golden-test'
  | 'reference-image'
  | 'weight-definition'
  | 'cli-entry';

const AUDIT_TITLES: Record<AuditSurface, string> = {
  'pyproject-script': 'pyproject.toml [project.scripts] entry',
  'model-config': 'ModelConfig entry with aliases',
  'defaults-choices': 'defaults.py MODEL_CHOICES',
  'defaults-steps': 'defaults.py MODEL_INFERENCE_STEPS',
  'save-routing': 'mflux-save routing (save.py)',
  'readme-row': 'Main README model table row',
  'model-readme': 'Model README',
  'golden-test': 'Golden image test',
  'reference-image': 'Golden test reference image',
  'weight-definition': 'Weight definition',
  'cli-entry': 'Thin CLI with shared parser and callbacks',
};

const PATHS = {
  pyproject: 'pyproject.toml',
  defaults: 'src/mflux/cli/defaults/defaults.py',
  save: 'src/mflux/models/common/cli/save.py',
  readme: 'README.md',
};

interface TextFile {
  readonly path: string;
  readonly lines: readonly string[];
}

function readLines(path: string): TextFile | undefined {
  try {
    return { path, lines: readFileSync(path, 'utf8').split(/\r?\n/) };
  } catch {
    return undefined;
  }
}

const pass = (reason: string, evidence: Evidence[]): CheckResult => ({ status: 'pass', reason, evidence });
/** A surface this kind of model does not have: neither pass nor fail, saying why. */
const notApplicable = (reason: string, evidence: Evidence[]): CheckResult => ({
  status: 'not_applicable',
  reason: `not applicable: ${reason}`,
  evidence,
});
const fail = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'fail', reason, evidence });
const ev = (f: TextFile, index: number): Evidence => ({ file: f.path, line: index + 1, text: f.lines[index]?.trim() });
const missingFile = (path: string, what: string): CheckResult => ({
  status: 'fail',
  reason: `${what}: ${path} does not exist`,
  evidence: [{ file: path }],
});
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** String items of a top-level list or dict literal assigned to `name` (dict: its keys), with line indexes. */
function literalItems(f: TextFile, name: string): { items: { value: string; line: number }[]; defLine: number } | undefined {
  const defLine = f.lines.findIndex((l) => new RegExp(`^${name}\\s*(?::[^=]+)?=\\s*[\\[{]`).test(l));
  if (defLine < 0) return undefined;
  const masked = maskPython(f.lines.join('\n'));
  const items: { value: string; line: number }[] = [];
  let depth = 0;
  for (let i = defLine; i < f.lines.length; i++) {
    const line = i === defLine ? f.lines[i].slice(f.lines[i].indexOf('=') + 1) : f.lines[i];
    if (depth <= 1) for (const m of line.matchAll(/["']([^"']+)["']\s*([:,\]}]|$)/g)) items.push({ value: m[1], line: i });
    for (const ch of masked[i]) {
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
    }
    if (depth <= 0) break;
  }
  return { items, defLine };
}

export function runFinalizeAudit(input: AuditInput): AuditItem[] {
  const { root, model } = input;
  const n = modelNames(model);
  const pkgDir = join(root, 'src', 'mflux', 'models', model);
  const names = new Set([...n.aliases, ...(input.aliases ?? [])].map((a) => a.toLowerCase()));
  const results: Partial<Record<AuditSurface, CheckResult>> = {};

  // ModelConfig first: its keys and aliases are the names the other surfaces must use.
  const cfgPath = join(root, MODEL_CONFIG_PATH);
  const mc = modelEntries(root, model, input.aliases);
  const cfg = mc.file;
  const related = mc.entries;
  const entry = related[0];
  if (!cfg) results['model-config'] = missingFile(cfgPath, 'ModelConfig not found');
  else if (!entry) {
    results['model-config'] =
      isNotImageGenerator(root, model) && !usesModelConfig(packagePythonFiles(root, model))
        ? notApplicable(
            `the package is not an image generator and never uses ModelConfig (it loads a fixed checkpoint), so it needs no AVAILABLE_MODELS entry`,
            [{ file: pkgDir }],
          )
        : fail(
            `AVAILABLE_MODELS has no entry for ${[...names].map((x) => `"${x}"`).join(' or ')}`,
            cfg.availableLine >= 0 ? [ev(cfg, cfg.availableLine)] : [{ file: cfgPath }],
          );
  } else if (!entry.aliases.length) {
    results['model-config'] = fail(`AVAILABLE_MODELS["${entry.key}"] has no aliases`, [ev(cfg, entry.keyLine)]);
  } else if (entry.accessorLine === undefined) {
    results['model-config'] = fail(`AVAILABLE_MODELS["${entry.key}"] exists but no static accessor returns it`, [ev(cfg, entry.keyLine)]);
  } else {
    results['model-config'] = pass(
      `AVAILABLE_MODELS["${entry.key}"] with aliases ${entry.aliases.join(', ')}, returned by ModelConfig.${entry.accessor}()`,
      [ev(cfg, entry.keyLine), ev(cfg, entry.aliasLine!), ev(cfg, entry.accessorLine)],
    );
  }
  const known = mc.names;
  const knownText = [...known].map((x) => `"${x}"`).join(', ');
  const generator = !isNotImageGenerator(root, model);
  const notGenerator = (what: string) =>
    notApplicable(
      `not an image generator (no CLI in src/mflux/models/${model}/cli/ adds the image generator arguments), so ${what} does not apply`,
      [{ file: join(pkgDir, 'cli') }],
    );

  // pyproject.toml scripts
  const pyPath = join(root, PATHS.pyproject);
  const py = readLines(pyPath);
  if (!py) results['pyproject-script'] = missingFile(pyPath, 'pyproject.toml not found');
  else {
    let section = '';
    let header = -1;
    const hits: number[] = [];
    const broken: string[] = [];
    py.lines.forEach((l, i) => {
      const s = /^\s*\[([^\]]+)\]\s*$/.exec(l);
      if (s) {
        section = s[1].trim();
        if (section === 'project.scripts') header = i;
        return;
      }
      if (section !== 'project.scripts') return;
      const m = new RegExp(`^\\s*([\\w.-]+)\\s*=\\s*["']mflux\\.models\\.${esc(model)}\\.([\\w.]+):(\\w+)["']`).exec(l);
      if (!m) return;
      hits.push(i);
      const file = join(pkgDir, ...m[2].split('.')) + '.py';
      if (!existsSync(file)) broken.push(`${m[1]} points at ${m[2]} but ${file} does not exist`);
    });
    if (!hits.length)
      results['pyproject-script'] = fail(
        `[project.scripts] has no entry for mflux.models.${model}.cli (expected ${n.script} = "mflux.models.${model}.cli.${model}_generate:main")`,
        header >= 0 ? [ev(py, header)] : [{ file: pyPath }],
      );
    else if (broken.length)
      results['pyproject-script'] = fail(
        broken[0],
        hits.map((i) => ev(py, i)),
      );
    else
      results['pyproject-script'] = pass(
        `${hits.length} console script(s) point into mflux.models.${model}.cli`,
        hits.map((i) => ev(py, i)),
      );
  }

  // defaults.py
  const defPath = join(root, PATHS.defaults);
  const defs = readLines(defPath);
  for (const [id, name] of [
    ['defaults-choices', 'MODEL_CHOICES'],
    ['defaults-steps', 'MODEL_INFERENCE_STEPS'],
  ] as const) {
    if (!generator) {
      results[id] = notGenerator(name);
      continue;
    }
    if (!defs) {
      results[id] = missingFile(defPath, 'defaults.py not found');
      continue;
    }
    const lit = literalItems(defs, name);
    if (!lit) {
      results[id] = fail(`${name} is not defined in defaults.py`, [{ file: defPath }]);
      continue;
    }
    const hits = lit.items.filter((it) => known.has(it.value.toLowerCase()));
    results[id] = hits.length
      ? pass(
          `${name} has ${hits.map((h) => `"${h.value}"`).join(', ')}`,
          hits.map((h) => ev(defs, h.line)),
        )
      : fail(`${name} has none of ${knownText}`, [ev(defs, lit.defLine)]);
  }

  // save.py routing: a class imported from this package and assigned to model_class
  const savePath = join(root, PATHS.save);
  const save = readLines(savePath);
  if (!generator) results['save-routing'] = notGenerator('mflux-save routing');
  else if (!save) results['save-routing'] = missingFile(savePath, 'save.py not found');
  else {
    const imported = new Map<string, number>();
    save.lines.forEach((l, i) => {
      const m = new RegExp(`^\\s*from\\s+mflux\\.models\\.${esc(model)}(?:\\.[\\w.]+)?\\s+import\\s+(.+)$`).exec(l);
      if (m)
        for (const part of m[1].replace(/[()]/g, '').split(',')) {
          const nm = part
            .trim()
            .split(/\s+as\s+/)
            .pop()!;
          if (nm) imported.set(nm, i);
        }
    });
    const routes = save.lines.map((l, i) => ({ i, m: /^\s*model_class\s*=\s*(\w+)/.exec(l) })).filter((x) => x.m && imported.has(x.m[1]));
    if (!imported.size) results['save-routing'] = fail(`save.py imports nothing from mflux.models.${model}`, [{ file: savePath }]);
    else if (!routes.length)
      results['save-routing'] = fail(
        `save.py imports ${[...imported.keys()].join(', ')} but never routes model_class to it`,
        [...imported.values()].map((i) => ev(save, i)),
      );
    else {
      const evidence: Evidence[] = [];
      for (const r of routes) {
        if (r.i > 0 && /\bif\b/.test(save.lines[r.i - 1])) evidence.push(ev(save, r.i - 1));
        evidence.push(ev(save, r.i));
      }
      results['save-routing'] = pass(`mflux-save routes to ${routes.map((r) => r.m![1]).join(', ')}`, evidence);
    }
  }

  // main README row
  const readmePath = join(root, PATHS.readme);
  const readme = readLines(readmePath);
  if (!readme) results['readme-row'] = missingFile(readmePath, 'README.md not found');
  else {
    // Rows link the model README; some tables name the CLI script or the model instead.
    const names = [`models/${esc(model)}/`, esc(n.script), ...[...known].map((k) => `(?<![\\w-])${esc(k)}(?![\\w-])`)];
    const rowRe = new RegExp(names.join('|'), 'i');
    const row = readme.lines.findIndex((l) => /^\s*\|/.test(l) && !/^\s*\|\s*-/.test(l) && rowRe.test(l));
    const table = readme.lines.findIndex((l) => /^\s*\|\s*Model\s*\|/i.test(l));
    results['readme-row'] =
      row >= 0
        ? pass(
            new RegExp(`models/${esc(model)}/`).test(readme.lines[row])
              ? 'the model table links the model README'
              : 'the model table has a row naming the model',
            [ev(readme, row)],
          )
        : fail(
            `README.md has no table row linking src/mflux/models/${model}/README.md`,
            table >= 0 ? [ev(readme, table)] : [{ file: readmePath }],
          );
  }

  // model README
  const modelReadme = join(pkgDir, 'README.md');
  const mr = readLines(modelReadme);
  if (!mr) results['model-readme'] = missingFile(modelReadme, 'no model README');
  else if (!mr.lines.some((l) => l.trim())) results['model-readme'] = fail('the model README is empty', [{ file: modelReadme, line: 1 }]);
  else
    results['model-readme'] = pass(`model README (${mr.lines.length} lines)`, [
      ev(
        mr,
        Math.max(
          0,
          mr.lines.findIndex((l) => l.trim()),
        ),
      ),
    ]);

  Object.assign(results, goldenSurfaces(root, model));

  // weight definition: the class in weights/ with get_components, whatever its file is called
  const defs2 = findWeightDefinitions(root, model);
  if (!defs2.length) {
    const conventional = join(pkgDir, 'weights', `${model}_weight_definition.py`);
    results['weight-definition'] = fail(
      `no weight definition: no class in src/mflux/models/${model}/weights/ defines get_components() (expected ${relative(root, conventional)})`,
      [{ file: conventional }],
    );
  } else if (!defs2.some((d) => /\bComponentDefinition\s*\(/.test(maskedText(d.file)))) {
    // an empty get_components() (a stub returning []) maps nothing: the same rule as the checklist's
    const d = defs2[0];
    results['weight-definition'] = fail(
      `${relative(root, d.file)}:${d.componentsLine}: get_components() of ${d.cls} lists no ComponentDefinition(...) yet`,
      [{ file: d.file, line: d.componentsLine }],
    );
  } else {
    results['weight-definition'] = pass(
      `${defs2.map((d) => d.cls).join(', ')} (${relative(root, defs2[0].file)})`,
      defs2.flatMap((d) => [
        { file: d.file, line: d.classLine },
        { file: d.file, line: d.componentsLine },
      ]),
    );
  }

  // thin CLI
  const cliFiles = pyFiles(join(pkgDir, 'cli'));
  const diffusion = usesStepCallbacks(root, model);
  if (!cliFiles.length) results['cli-entry'] = fail(`no CLI module in src/mflux/models/${model}/cli/`, [{ file: join(pkgDir, 'cli') }]);
  else {
    const problems: string[] = [];
    const evidence: Evidence[] = [];
    for (const c of cliFiles) {
      const f = readLines(c)!;
      const parser = f.lines.findIndex((l) => /CommandLineParser\s*\(/.test(l));
      const cb = f.lines.findIndex((l) => /CallbackManager\.register_callbacks\s*\(/.test(l));
      if (parser < 0) problems.push(`${c} does not use the shared CommandLineParser`);
      else evidence.push(ev(f, parser));
      if (cb >= 0) evidence.push(ev(f, cb));
      else if (diffusion) problems.push(`${c} does not call CallbackManager.register_callbacks(...)`);
    }
    results['cli-entry'] = problems.length
      ? fail(problems[0], evidence.length ? evidence : cliFiles.map((c) => ({ file: c })))
      : pass(
          `${cliFiles.length} CLI module(s) use the shared parser${diffusion ? ' and callbacks' : ' (not an image generator and no diffusion loop, so no step callbacks)'}`,
          evidence,
        );
  }

  // A companion package (FIBO's VLM) has its parent's README, README row and golden images.
  const companionSurfaces: AuditSurface[] = ['readme-row', 'model-readme', 'golden-test', 'reference-image'];
  const c = companionSurfaces.some((id) => results[id]!.status === 'fail') ? companionOf(root, model) : undefined;
  if (c)
    for (const id of companionSurfaces)
      if (results[id]!.status === 'fail')
        results[id] = notApplicable(
          `${model} is a companion of ${c.parent} (imported at ${relative(root, c.importFile)}:${c.importLine}, documented at ${relative(root, c.docFile)}:${c.docLine}), so the ${AUDIT_TITLES[id].toLowerCase()} is ${c.parent}'s`,
          [
            { file: c.importFile, line: c.importLine },
            { file: c.docFile, line: c.docLine },
          ],
        );

  return (Object.keys(AUDIT_TITLES) as AuditSurface[]).map((id) => ({ id, title: AUDIT_TITLES[id], result: results[id]! }));
}

/** Whether an audit or rule result leaves nothing to do: a pass, or a surface that does not apply. */
export function settled(r: CheckResult): boolean {
  return r.status === 'pass' || r.status === 'not_applicable';
}

/** Plain-text rendering for the CLI and reports: one line per surface plus evidence. */
export function formatAudit(items: readonly AuditItem[], root?: string): string {
  const rel = (p: string) => (root && p.startsWith(root + '/') ? p.slice(root.length + 1) : p);
  const out: string[] = [];
  for (const it of items) {
    const tag = { pass: 'PASS', fail: 'FAIL', not_applicable: 'N/A ', unknown: '????' }[it.result.status];
    out.push(`${tag}  ${it.title}: ${it.result.reason}`);
    for (const e of it.result.evidence) out.push(`      ${rel(e.file)}${e.line ? `:${e.line}` : ''}${e.text ? `  ${e.text}` : ''}`);
  }
  const failing = items.filter((i) => !settled(i.result)).length;
  const na = items.filter((i) => i.result.status === 'not_applicable').length;
  const applicable = items.length - na;
  out.push(
    (failing ? `${failing} of ${applicable} surfaces missing` : `all ${applicable} surfaces wired`) + (na ? ` (${na} not applicable)` : ''),
  );
  return out.join('\n');
}

/** A Python file's code with comments and strings masked ('' when it cannot be read). */
function maskedText(file: string): string {
  try {
    return maskPython(readFileSync(file, 'utf8')).join('\n');
  } catch {
    return '';
  }
}
