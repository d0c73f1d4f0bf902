// What every auto-check rule shares: the rule and context types, file helpers, result
// constructors and runRule. The rules themselves live in packageRules.ts (the package's own
// files), surfaceRules.ts (the shared files a finished model touches) and artifactRules.ts
// (debug artifacts, the finalize roll-up); rules.ts assembles the registry.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CheckResult, Evidence } from '../checks';
import { modelNameForms } from './port';

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

/** Files larger than this are not scanned by rules (they are not source files). */
const MAX_SCAN_BYTES = 4 * 1024 * 1024;

export async function readText(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > MAX_SCAN_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Every line matching `re`, 1-based, with its text. */
export function findLines(text: string, re: { test(line: string): boolean }): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) out.push({ line: i + 1, text: lines[i].trim() });
  return out;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Repo-relative path with forward slashes, for reasons a user reads. */
export function rel(ctx: RuleContext, p: string): string {
  return relative(ctx.mfluxRepo, p).split(sep).join('/');
}

export const pass = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'pass', reason, evidence });
export const fail = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'fail', reason, evidence });
export const unknown = (reason: string, evidence: Evidence[] = []): CheckResult => ({ status: 'unknown', reason, evidence });
/** The rule does not apply to this kind of package (neither pass nor fail); the reason says why. */
export const notApplicable = (why: string, evidence: Evidence[] = []): CheckResult => ({
  status: 'not_applicable',
  reason: `Not applicable: ${why}.`,
  evidence,
});

export function packageDir(ctx: RuleContext): string {
  return join(ctx.mfluxRepo, 'src', 'mflux', 'models', ctx.model);
}

/** Regex source matching any spelling of the model (`z_image`, `z-image`), not inside a longer word. */
export function nameRe(model: string, flags = ''): RegExp {
  const alt = modelNameForms(model).map(escapeRe).join('|');
  return new RegExp(`(?<![A-Za-z0-9_-])(?:${alt})(?![A-Za-z0-9_])`, flags);
}

/**
 * Whether a hyphenated name ("z-image-turbo", a ModelConfig key or CLI suffix) belongs to the
 * port's model. Names may extend the package name, so a name belongs to the package with the
 * longest name it starts with: a model "z" does not claim what belongs to z_image.
 */
export async function ownsName(ctx: RuleContext): Promise<(name: string) => boolean> {
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
export async function fileWithLine(ctx: RuleContext, file: string, re: RegExp, missingLine: string): Promise<CheckResult> {
  const text = await readText(file);
  if (text === undefined) return fail(`${rel(ctx, file)} does not exist.`);
  const hit = findLines(text, re)[0];
  if (!hit) return fail(`${rel(ctx, file)} exists but ${missingLine}.`, [{ file, line: 1 }]);
  return pass(`${rel(ctx, file)}:${hit.line}: ${hit.text}`, [{ file, line: hit.line, text: hit.text }]);
}

/** Runs one rule; a rule that throws gives `unknown` with the error, never an exception. */
export async function runRule(rule: AutoCheckRule, ctx: RuleContext): Promise<CheckResult> {
  try {
    return await rule.check(ctx);
  } catch (e) {
    return unknown(`The ${rule.id} check could not run: ${e instanceof Error ? e.message : String(e)}`);
  }
}
