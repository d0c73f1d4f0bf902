// Finds leftover debug code in a port's files: capture-probe imports and calls, tensor
// dumps (np.save, torch.save, mx.save, ...), breakpoints, pdb, and tensor files inside the
// repo outside debug_artifacts/. Rules are data, so users can switch some off or add their own.
import { readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { hygieneTargets, namesInCode, pathAllowed, RUNNER_DIR, SKIP_DIRS } from './hygienePaths';
import { maskPython } from './pyLines';
import { walkFiles } from './walk';

export { hygieneTargets, namesInCode, pathAllowed, RUNNER_DIR } from './hygienePaths';
export { removalEdit, removeFinding } from './hygieneFix';

export interface HygieneRule {
  readonly id: string;
  readonly message: string;
  /** Regular expression over code only (strings and comments are blanked first). */
  readonly pattern: RegExp;
}

export interface HygieneFinding {
  readonly file: string;
  readonly ruleId: string;
  readonly message: string;
  /** 1-based line and column of the match. */
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  /** Last line of the statement the match belongs to (for multi-line calls). */
  readonly endLine: number;
  readonly text: string;
}

export interface HygieneConfig {
  readonly disabledRules?: readonly string[];
  /** Extra rules: `pattern` is a JavaScript regular expression source. */
  readonly extraRules?: readonly { readonly id: string; readonly message: string; readonly pattern: string }[];
  readonly tensorExtensions?: readonly string[];
  /** Folders (relative to the repo root) where tensor files are expected. */
  readonly allowedTensorDirs?: readonly string[];
  /** Repo-relative paths or globs (`*`, `**`) whose findings are never reported. */
  readonly allowPaths?: readonly string[];
}

/** What the port changed since the commit it started from: only that can be its leftovers. */
export interface PortScope {
  /** The commit compared against. */
  readonly base: string;
  /** Added or changed lines (1-based) per tracked file, repo-relative with forward slashes. */
  readonly added: ReadonlyMap<string, ReadonlySet<number>>;
  /** Tracked files that differ from the base (added, modified, also binary), repo-relative. */
  readonly changed: ReadonlySet<string>;
  /** Untracked, not ignored files (repo-relative). */
  readonly untracked: ReadonlySet<string>;
  /** Files git tracks (repo-relative). */
  readonly tracked: ReadonlySet<string>;
}

const PROBE_MODULE = 'mflux_port_probe';

const BUILTIN_RULES: readonly HygieneRule[] = [
  {
    id: 'probe-import',
    message: 'capture probe import left in the code',
    pattern: /^\s*(?:import\s+mflux_port_probe\b|from\s+mflux_port_probe(?:\.\w+)*\s+import\b)/,
  },
  { id: 'probe-call', message: 'capture probe call left in the code', pattern: /\bmflux_port_probe(?:\.\w+)+\s*\(/ },
  {
    id: 'np-save',
    message: 'NumPy tensor dump (np.save/np.savez) left in the code',
    pattern: /\b(?:np|numpy)\.(?:save|savez|savez_compressed|savetxt)\s*\(/,
  },
  { id: 'torch-save', message: 'PyTorch tensor dump (torch.save) left in the code', pattern: /\btorch\.save\s*\(/ },
  {
    id: 'mx-save',
    message: 'MLX tensor dump (mx.save/mx.savez/mx.save_safetensors) left in the code',
    pattern: /\b(?:mx|mlx\.core)\.(?:save|savez|savez_compressed|save_safetensors|save_gguf)\s*\(/,
  },
  {
    id: 'safetensors-save',
    message: 'safetensors dump left in the code',
    pattern: /(?:\bsafetensors\.\w+\.save_file|(?<![\w.])save_safetensors)\s*\(/,
  },
  { id: 'breakpoint', message: 'breakpoint() left in the code', pattern: /(?<![\w.])breakpoint\s*\(\s*\)/ },
  {
    id: 'pdb',
    message: 'debugger (pdb/ipdb) left in the code',
    pattern: /^\s*(?:import\s+i?pdb\b|from\s+i?pdb\s+import\b)|\bi?pdb\.(?:set_trace|post_mortem|run)\s*\(/,
  },
];

export const TENSOR_FILE_RULE = 'tensor-file';
export const DEFAULT_TENSOR_EXTENSIONS = ['.npy', '.npz', '.pt', '.pth', '.safetensors', '.gguf', '.ckpt'];

export interface CompiledRules {
  readonly rules: readonly HygieneRule[];
  /** One line per unusable extra rule. */
  readonly errors: readonly string[];
}

export function compileRules(config: HygieneConfig = {}): CompiledRules {
  const disabled = new Set(config.disabledRules ?? []);
  const rules: HygieneRule[] = BUILTIN_RULES.filter((r) => !disabled.has(r.id));
  const errors: string[] = [];
  for (const extra of config.extraRules ?? []) {
    if (!extra || typeof extra.id !== 'string' || typeof extra.pattern !== 'string') {
      errors.push('hygiene rule ignored: each extra rule needs an "id" and a "pattern"');
      continue;
    }
    if (disabled.has(extra.id)) continue;
    try {
      rules.push({ id: extra.id, message: extra.message || `matches hygiene rule ${extra.id}`, pattern: new RegExp(extra.pattern) });
    } catch (e) {
      errors.push(`hygiene rule "${extra.id}" ignored: invalid pattern (${(e as Error).message})`);
    }
  }
  return { rules, errors };
}

/** Names a file binds to the probe: `import mflux_port_probe as p` gives `p`, `from mflux_port_probe import dump` gives `dump`. */
function probeBindings(masked: readonly string[], raw: readonly string[]): { modules: string[]; functions: string[]; star: boolean } {
  const modules: string[] = [];
  const functions: string[] = [];
  let star = false;
  masked.forEach((m, i) => {
    const imp = /^\s*import\s+mflux_port_probe(?:\.\w+)*(?:\s+as\s+(\w+))?/.exec(m);
    if (imp) modules.push(imp[1] ?? PROBE_MODULE);
    const from = /^\s*from\s+mflux_port_probe(?:\.\w+)*\s+import\s+(.+)$/.exec(m);
    if (from) {
      // Names can continue over parenthesised lines.
      let names = from[1];
      for (let k = i + 1; names.includes('(') && !names.includes(')') && k < raw.length; k++) names += ' ' + masked[k];
      for (const part of names.replace(/[()]/g, ' ').split(',')) {
        const bits = part.trim().split(/\s+as\s+/);
        const local = (bits[1] ?? bits[0]).trim();
        if (local === '*') star = true;
        else if (/^\w+$/.test(local)) functions.push(local);
      }
    }
  });
  return { modules, functions, star };
}

/** The last line (0-based) of the statement starting at `start`, following open brackets and backslashes. */
function statementEnd(masked: readonly string[], start: number): number {
  let depth = 0;
  for (let i = start; i < masked.length; i++) {
    for (const ch of masked[i]) {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    }
    if (depth === 0 && !/\\\s*$/.test(masked[i])) return i;
  }
  return masked.length - 1;
}

export function scanPython(file: string, text: string, compiled: CompiledRules = compileRules()): HygieneFinding[] {
  const raw = text.split(/\r?\n/);
  const masked = maskPython(text);
  const probe = probeBindings(masked, raw);
  const dynamic: HygieneRule[] = [];
  const aliases = probe.modules.filter((m) => m !== PROBE_MODULE);
  if (compiled.rules.some((r) => r.id === 'probe-call')) {
    if (aliases.length)
      dynamic.push({
        id: 'probe-call',
        message: 'capture probe call left in the code',
        pattern: new RegExp(`(?<![\\w.])(?:${aliases.join('|')})(?:\\.\\w+)+\\s*\\(`),
      });
    // `from mflux_port_probe import *` binds its public calls (see python/mflux_port_probe/__init__.py).
    const fns = probe.star ? [...probe.functions, 'dump', 'capture', 'load', 'enabled', 'run_dir', 'side', 'step_name'] : probe.functions;
    if (fns.length)
      dynamic.push({
        id: 'probe-call',
        message: 'capture probe call left in the code',
        pattern: new RegExp(`(?<![\\w.])(?:${fns.join('|')})\\s*\\(`),
      });
  }
  const rules = [...compiled.rules, ...dynamic].map((r) => ({
    ...r,
    re: new RegExp(r.pattern.source, r.pattern.flags.replace('g', '') + 'g'),
  }));
  const findings: HygieneFinding[] = [];
  for (let i = 0; i < masked.length; i++) {
    const seen = new Set<number>();
    if (!masked[i].trim()) continue;
    for (const rule of rules) {
      const re = rule.re;
      re.lastIndex = 0;
      for (const m of masked[i].matchAll(re)) {
        const lead = m[0].length - m[0].trimStart().length;
        const col = (m.index ?? 0) + lead;
        if (seen.has(col)) continue;
        seen.add(col);
        findings.push({
          file,
          ruleId: rule.id,
          message: rule.message,
          line: i + 1,
          column: col + 1,
          endColumn: (m.index ?? 0) + m[0].length + 1,
          endLine: statementEnd(masked, i) + 1,
          text: raw[i].trim(),
        });
      }
    }
  }
  return findings
    .filter((f) => !allowedByComment(raw, f) && !(SAVE_RULES.has(f.ruleId) && isSavingCode(file, masked, f.line - 1)))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

const SAVE_RULES = new Set(['np-save', 'torch-save', 'mx-save', 'safetensors-save']);

/** `# mflux-port: allow <rule>[, <rule>...]` (or `allow all`) on the finding's line or the line above. */
function allowedByComment(raw: readonly string[], f: HygieneFinding): boolean {
  for (const l of [raw[f.line - 1], raw[f.line - 2]]) {
    const m = l && /#\s*mflux-port:\s*allow\b([^#]*)/.exec(l);
    if (!m) continue;
    const ids = m[1].split(/[\s,]+/).filter(Boolean);
    if (!ids.length || ids.includes('all') || ids.includes(f.ruleId)) return true;
  }
  return false;
}

/**
 * Whether a save call is the code's job, not a debug dump: it sits in a function whose name
 * says it saves (`save_lora_adapter`, `save_model`, `_save_weights`), or in a saver module
 * (a `saving/` folder or a file named `*saver*`).
 */
function isSavingCode(file: string, masked: readonly string[], index: number): boolean {
  const path = file.split(/[\\/]/);
  if (path.includes('saving') || /saver/i.test(path[path.length - 1] ?? '')) return true;
  let indent = masked[index].length - masked[index].trimStart().length;
  for (let i = index - 1; i >= 0 && indent > 0; i--) {
    const l = masked[i];
    if (!l.trim()) continue;
    const ind = l.length - l.trimStart().length;
    if (ind >= indent) continue;
    indent = ind;
    const d = /^\s*(?:async\s+)?def\s+(\w+)/.exec(l);
    if (d && /save|export|serializ/i.test(d[1])) return true;
    if (/^\s*class\s+\w*(?:Saver|Exporter)\b/.test(l)) return true;
  }
  return false;
}

/**
 * Leftover tensor files of a port: in its package and runner folder, and (with a scope)
 * untracked ones anywhere; never under the allowed folders. A tracked file the package's code
 * names is an asset it loads, not a leftover; with a scope, a tracked file already on the base
 * commit is not the port's.
 */
export function findTensorFiles(
  root: string,
  config: HygieneConfig = {},
  options: { model?: string; scope?: PortScope; codeFiles?: readonly string[] } = {},
  limit = 200_000,
): HygieneFinding[] {
  const exts = new Set((config.tensorExtensions ?? DEFAULT_TENSOR_EXTENSIONS).map((e) => e.toLowerCase()));
  const allowed = (config.allowedTensorDirs ?? ['debug_artifacts']).map((d) => d.replace(/[\\/]+$/, ''));
  const inAllowed = (rel: string) => allowed.some((a) => rel === a || rel.startsWith(a + '/'));
  const loaded = namesInCode(options.codeFiles ?? []);
  const scope = options.scope;
  const out = new Map<string, HygieneFinding>();
  const consider = (rel: string) => {
    if (out.has(rel) || inAllowed(rel) || !exts.has(extname(rel).toLowerCase()) || pathAllowed(rel, config.allowPaths)) return;
    const tracked = scope ? scope.tracked.has(rel) : undefined;
    if (tracked !== false && loaded.has(rel.split('/').pop()!)) return;
    if (scope && tracked && !scope.changed.has(rel)) return;
    out.set(rel, {
      file: join(root, ...rel.split('/')),
      ruleId: TENSOR_FILE_RULE,
      message: `tensor file ${rel} is ${tracked === false ? 'untracked ' : ''}inside the repository, outside ${allowed.join(', ')}/`,
      line: 1,
      column: 1,
      endColumn: 1,
      endLine: 1,
      text: rel,
    });
  };
  const relPath = (p: string) => relative(root, p).split(/[\\/]/).join('/');
  // Every file of the package and the runner folder (hidden ones too, allowed folders not
  // entered), and the files dumped at the repo root itself.
  const walk = (dir: string, maxDepth = Infinity) => {
    const files = walkFiles(dir, {
      match: () => true,
      maxFiles: limit,
      maxEntries: limit,
      maxDepth,
      hiddenFiles: true,
      skipDir: (name, path) => SKIP_DIRS.has(name) || inAllowed(relPath(path)),
    });
    for (const f of files) consider(relPath(f));
  };
  if (options.model) walk(join(root, 'src', 'mflux', 'models', options.model));
  walk(join(root, RUNNER_DIR));
  walk(root, 0);
  for (const rel of scope?.untracked ?? []) consider(rel);
  return [...out.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

export interface HygieneReport {
  readonly findings: readonly HygieneFinding[];
  readonly scannedFiles: number;
  readonly errors: readonly string[];
}

export interface ScanOptions {
  readonly model?: string;
  readonly extraPaths?: readonly string[];
  readonly config?: HygieneConfig;
  /** Judge only what the port changed (see portScope); without it every line counts. */
  readonly scope?: PortScope;
}

export function scanRepo(root: string, options: ScanOptions = {}): HygieneReport {
  const compiled = compileRules(options.config);
  const errors = [...compiled.errors];
  const findings: HygieneFinding[] = [];
  const files = hygieneTargets(root, options.model, options.extraPaths);
  const relOf = (f: string) => relative(root, f).split(/[\\/]/).join('/');
  const scope = options.scope;
  for (const f of files) {
    const rel = relOf(f);
    if (pathAllowed(rel, options.config?.allowPaths)) continue;
    if (scope && !scope.untracked.has(rel) && !scope.added.has(rel)) continue;
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      errors.push(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
      continue;
    }
    const lines = scope && !scope.untracked.has(rel) ? scope.added.get(rel) : undefined;
    findings.push(...scanPython(f, text, compiled).filter((x) => !lines || lines.has(x.line)));
  }
  if (!(options.config?.disabledRules ?? []).includes(TENSOR_FILE_RULE)) {
    const codeFiles = options.model ? hygieneTargets(root, options.model).filter((f) => relOf(f).startsWith('src/')) : [];
    findings.push(...findTensorFiles(root, options.config, { model: options.model, scope, codeFiles }));
  }
  return { findings, scannedFiles: files.length, errors };
}
