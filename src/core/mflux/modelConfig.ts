// One reader of mflux's ModelConfig (src/mflux/models/common/config/model_config.py), shared
// by the finalize audit, the checklist rules, coverage and the golden test generator, so they
// give the same answer: the `AVAILABLE_MODELS` entries (key, aliases written on one line or
// several, model_name), the static accessors that return them, and which entries belong to a
// model package (by name, by alias, or because the package's code calls their accessor).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelNames } from './naming';
import { maskPython } from './pyLines';
import { readableTexts, walkFiles } from './walk';

export const MODEL_CONFIG_PATH = 'src/mflux/models/common/config/model_config.py';

export interface ConfigEntry {
  readonly key: string;
  /** 0-based line indexes. */
  readonly keyLine: number;
  readonly aliases: readonly string[];
  readonly aliasLine?: number;
  readonly modelName?: string;
  readonly endLine: number;
  /** The static method returning `AVAILABLE_MODELS[key]` (`ModelConfig.<accessor>()`), if any. */
  readonly accessor?: string;
  readonly accessorLine?: number;
}

export interface ModelConfigFile {
  readonly path: string;
  readonly lines: readonly string[];
  readonly entries: readonly ConfigEntry[];
  /** 0-based line of `AVAILABLE_MODELS = {`, or -1. */
  readonly availableLine: number;
}

/** Raw text of the first [...] starting at line k, column col, across lines. */
function bracketText(raw: readonly string[], masked: readonly string[], k: number, col: number): string {
  let depth = 0;
  let text = '';
  for (let j = k; j < raw.length; j++) {
    const from = j === k ? col : 0;
    for (let c = from; c < masked[j].length; c++) {
      const ch = masked[j][c];
      if (ch === '[') {
        depth++;
        if (depth === 1) continue;
      } else if (ch === ']') {
        depth--;
        if (depth === 0) return text;
      }
      if (depth >= 1) text += raw[j][c];
    }
    if (depth >= 1) text += '\n';
  }
  return text;
}

const strings = (s: string) => [...s.matchAll(/["']([^"'\n]+)["']/g)].map((x) => x[1]);

export function parseModelConfig(path: string, text: string): ModelConfigFile {
  const lines = text.split(/\r?\n/);
  const masked = maskPython(text);
  // Accessors: `def name(...)` followed (within its body) by `return AVAILABLE_MODELS["key"]`.
  const accessors = new Map<string, { name: string; line: number }>();
  let lastDef: { name: string; line: number } | undefined;
  lines.forEach((l, i) => {
    const d = /^\s*def\s+(\w+)\s*\(/.exec(masked[i]);
    if (d) lastDef = { name: d[1], line: i };
    const r = /^\s*return\s+AVAILABLE_MODELS\s*\[\s*["']([^"']+)["']\s*\]\s*$/.exec(l.replace(/#.*$/, ''));
    if (r && lastDef && !accessors.has(r[1])) accessors.set(r[1], { name: lastDef.name, line: i });
  });
  const start = masked.findIndex((l) => /^AVAILABLE_MODELS\s*(?::[^=]+)?=\s*\{/.test(l));
  const entries: ConfigEntry[] = [];
  if (start >= 0) {
    let depth = 0;
    let cur: { key: string; keyLine: number; from: number } | undefined;
    const close = (end: number) => {
      if (!cur) return;
      const body = lines.slice(cur.keyLine, end + 1);
      const bodyMasked = masked.slice(cur.keyLine, end + 1);
      let aliases: string[] = [];
      let aliasLine: number | undefined;
      let modelName: string | undefined;
      let entryDepth = 0;
      for (let k = 0; k < body.length; k++) {
        // Only the entry's own keywords (depth 1 inside ModelConfig(...)), not nested dicts.
        const at = bodyMasked[k].search(/\baliases\s*=/);
        if (entryDepth <= 1 && aliasLine === undefined && at >= 0) {
          aliasLine = cur.keyLine + k;
          aliases = strings(bracketText(body, bodyMasked, k, at));
        }
        if (entryDepth <= 1 && modelName === undefined) {
          const n = /\bmodel_name\s*=\s*["']([^"']+)["']/.exec(body[k]);
          if (n) modelName = n[1];
        }
        for (const ch of bodyMasked[k]) {
          if ('([{'.includes(ch)) entryDepth++;
          else if (')]}'.includes(ch)) entryDepth--;
        }
      }
      const acc = accessors.get(cur.key);
      entries.push({
        key: cur.key,
        keyLine: cur.keyLine,
        aliases,
        aliasLine,
        modelName,
        endLine: end,
        accessor: acc?.name,
        accessorLine: acc?.line,
      });
      cur = undefined;
    };
    for (let i = start; i < lines.length; i++) {
      if (depth === 1 && !cur) {
        const m = /^\s*["']([^"']+)["']\s*:\s*ModelConfig\s*\(/.exec(lines[i]);
        if (m) cur = { key: m[1], keyLine: i, from: i };
      }
      for (const ch of masked[i]) {
        if ('([{'.includes(ch)) depth++;
        else if (')]}'.includes(ch)) depth--;
      }
      if (cur && depth === 1) close(i);
      if (depth <= 0 && i >= start && masked[i].includes('}')) break;
    }
    if (cur) close(lines.length - 1);
  }
  return { path, lines, entries, availableLine: start };
}

export function readModelConfig(root: string): ModelConfigFile | undefined {
  const path = join(root, ...MODEL_CONFIG_PATH.split('/'));
  try {
    return parseModelConfig(path, readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const MAX_FILES = 2000;

/** Python files of a model package (bounded), for the accessor calls the package makes. */
export function packagePythonFiles(root: string, model: string): string[] {
  return walkFiles(join(root, 'src', 'mflux', 'models', model), { match: (n) => n.endsWith('.py'), maxFiles: MAX_FILES });
}

/** `ModelConfig.<name>()` calls in the package's code (comments and strings ignored). */
function accessorCalls(files: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const [, text] of readableTexts(files)) {
    for (const l of maskPython(text)) for (const m of l.matchAll(/\bModelConfig\s*\.\s*(\w+)\s*\(/g)) out.add(m[1]);
  }
  return out;
}

/**
 * Whether a hyphenated name belongs to the package: the package with the longest name the
 * name starts with owns it, so a model "z" does not claim what belongs to z_image.
 */
export function ownsNameRule(root: string, model: string): (name: string) => boolean {
  let packages: string[] = [];
  try {
    packages = readdirSync(join(root, 'src', 'mflux', 'models')).map((n) => n.replace(/_/g, '-').toLowerCase());
  } catch {
    /* no models folder */
  }
  const mine = model.replace(/_/g, '-').toLowerCase();
  return (name) => {
    const key = name.replace(/_/g, '-').toLowerCase();
    const owner = [...packages, mine].filter((p) => key === p || key.startsWith(p + '-')).sort((a, b) => b.length - a.length)[0];
    return owner === mine;
  };
}

export interface ModelEntries {
  readonly file?: ModelConfigFile;
  /** The package's entries, best first (an exact name or alias match, then the rest in file order). */
  readonly entries: readonly ConfigEntry[];
  /** Every lower-cased name a user can type for the model: package spellings, keys and aliases. */
  readonly names: ReadonlySet<string>;
}

/** The ModelConfig entries of a model package. */
export function modelEntries(root: string, model: string, extraAliases: readonly string[] = []): ModelEntries {
  const own = new Set([model, ...modelNames(model).aliases, ...extraAliases].map((a) => a.toLowerCase()));
  const file = readModelConfig(root);
  if (!file) return { entries: [], names: own };
  const owns = ownsNameRule(root, model);
  const called = accessorCalls(packagePythonFiles(root, model));
  const exact = (e: ConfigEntry) => own.has(e.key.toLowerCase()) || e.aliases.some((a) => own.has(a.toLowerCase()));
  const mine = file.entries.filter((e) => exact(e) || owns(e.key) || (e.accessor !== undefined && called.has(e.accessor)));
  const entries = [...mine.filter(exact), ...mine.filter((e) => !exact(e))];
  const names = new Set([...own, ...entries.flatMap((e) => [e.key, ...e.aliases]).map((x) => x.toLowerCase())]);
  return { file, entries, names };
}
