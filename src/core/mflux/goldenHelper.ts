// The test helper a model's golden tests call, and a call that fits its signature. mflux's
// helpers differ per model: ideogram4's takes keyword-only `num_inference_steps`, z_image's
// has no `guidance`, the shared ImageGeneratorTestHelper requires `model_class` and
// `model_config`. The generator reads the helper it will call and passes only what it accepts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listGoldenTests } from './goldenTestList';
import { maskPython } from './pyLines';
import { callableParams, parseClasses, type PyParam } from './pySignature';

export const HELPER_METHOD = 'assert_matches_reference_image';
const HELPERS_DIR = 'tests/image_generation/helpers';

export interface TestHelper {
  /** Repo-relative path of the helper module. */
  readonly rel: string;
  /** Dotted module the tests import it from (`tests.image_generation.helpers.x`). */
  readonly module: string;
  readonly cls: string;
  readonly params: readonly PyParam[];
  /** The helper exists in the checkout (false: the generator writes it). */
  readonly existing: boolean;
}

/** The helper class of a module: the top-level class with `assert_matches_reference_image`. */
function readHelper(root: string, rel: string): TestHelper | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, ...rel.split('/')), 'utf8');
  } catch {
    return undefined;
  }
  for (const c of parseClasses(text)) {
    const m = c.methods.find((d) => d.name === HELPER_METHOD);
    if (m) return { rel, module: rel.replace(/\.py$/, '').split('/').join('.'), cls: c.name, params: callableParams(m), existing: true };
  }
  return undefined;
}

/** Helper modules the model's existing golden tests import, most used first (txt2img tests before edit tests). */
function importedHelpers(root: string, model: string): string[] {
  const count = new Map<string, number>();
  const seen = new Set<string>();
  for (const t of listGoldenTests(root, model)) {
    if (seen.has(t.file)) continue;
    seen.add(t.file);
    let text: string;
    try {
      text = readFileSync(t.file, 'utf8');
    } catch {
      continue;
    }
    const weight = /_edit\b|edit_/.test(t.file) ? 1 : 100;
    for (const l of maskPython(text)) {
      const m = /^\s*from\s+(tests\.image_generation\.helpers\.\w+)\s+import\b/.exec(l);
      if (m) count.set(m[1], (count.get(m[1]) ?? 0) + weight);
    }
  }
  return [...count.entries()].sort((a, b) => b[1] - a[1]).map(([mod]) => mod.split('.').join('/') + '.py');
}

/**
 * The helper a new golden test of the model calls: the model's own helper module if it
 * exists, else the one its existing golden tests import; undefined when there is none.
 */
export function findExistingHelper(root: string, model: string): TestHelper | undefined {
  const own = `${HELPERS_DIR}/image_generation_${model}_test_helper.py`;
  for (const rel of [own, ...importedHelpers(root, model)]) {
    if (!existsSync(join(root, ...rel.split('/')))) continue;
    const h = readHelper(root, rel);
    if (h) return h;
  }
  return undefined;
}

/** A value the golden test wants to pass. */
export interface WantedArg {
  /** Parameter names that mean it, preferred first (`steps`, `num_inference_steps`). */
  readonly names: readonly string[];
  /** Python expression. */
  readonly expr: string;
  /** Chosen by the user (or essential): a helper that cannot take it is an error, not a note. */
  readonly explicit: boolean;
  /** Passed only to a parameter with one of the names, never through `**kwargs`. */
  readonly namedOnly?: boolean;
  /** Passed only where the parameter has no default (mflux tests leave a helper's default config alone). */
  readonly onlyIfRequired?: boolean;
}

export interface FittedCall {
  /** Argument source, one per line, without indentation or trailing comma. */
  readonly args: readonly string[];
  /** Parameter names that received a value. */
  readonly passed: readonly string[];
  /** Values left out because the helper does not take them (its own default applies). */
  readonly notes: readonly string[];
}

/** Builds a call of `helper.assert_matches_reference_image` that binds, or throws naming the helper file and the reason. */
export function fitHelperCall(helper: TestHelper, wanted: readonly WantedArg[]): FittedCall {
  const where = `${helper.rel}: ${helper.cls}.${HELPER_METHOD}`;
  const named = helper.params.filter((p) => p.kind !== 'var-positional' && p.kind !== 'var-keyword');
  const kwargs = helper.params.some((p) => p.kind === 'var-keyword');
  const values = new Map<string, string>();
  const notes: string[] = [];
  for (const w of wanted) {
    const p = w.names.map((n) => named.find((q) => q.name === n)).find(Boolean);
    if (p && w.onlyIfRequired && p.hasDefault) continue;
    if (p) values.set(p.name, w.expr);
    else if (kwargs && !w.namedOnly && w.explicit) values.set(w.names[0], w.expr);
    else if (w.explicit)
      throw new Error(`${where} has no parameter ${w.names.map((n) => `"${n}"`).join(' or ')}; leave that option out or extend the helper`);
    else if (!w.namedOnly) notes.push(`${w.names[0]} not passed: ${helper.cls} has no ${w.names.map((n) => `"${n}"`).join('/')} parameter`);
  }
  const missing = named.filter((p) => !p.hasDefault && !values.has(p.name));
  if (missing.length)
    throw new Error(
      `${where} requires ${missing.map((p) => `"${p.name}"`).join(', ')}, which the generator cannot fill; write this test by hand`,
    );
  const args: string[] = [];
  const positionalOnly = named.filter((p) => p.kind === 'positional-only');
  for (const p of positionalOnly) {
    const v = values.get(p.name);
    if (v === undefined) break;
    args.push(v);
    values.delete(p.name);
  }
  for (const p of positionalOnly)
    if (values.has(p.name)) throw new Error(`${where}: "${p.name}" is positional-only and cannot be passed here`);
  for (const [name, expr] of values) args.push(`${name}=${expr}`);
  return { args, passed: [...positionalOnly.map((p) => p.name), ...values.keys()], notes };
}
