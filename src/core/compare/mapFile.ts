// The `--map FILE` of `mflux-port compare`: rename rules and tolerance overrides. User regexes
// run in V8's backtracking engine, so a pattern is checked before it is compiled: nested or
// alternated repetition (`(a+)+`, `(a|aa)*`), back-references and long chains of unbounded
// repetition are refused, since they can take exponential (or high polynomial) time on a
// long name. Replacements are bounded too: a name may not grow past MAX_NAME_LENGTH.
import { readFileSync, statSync } from 'node:fs';
import type { CompareMap, ToleranceOverride } from './types';

/** A renamed name longer than this is an error (real tensor names are under 300 characters). */
const MAX_NAME_LENGTH = 4096;
const MAX_PATTERN_LENGTH = 1000;
const MAX_REPLACEMENT_LENGTH = 1000;
/** More unbounded repetitions than this in one pattern are refused (each multiplies the backtracking). */
const MAX_UNBOUNDED = 4;
const MAX_MAP_BYTES = 16 * 1024 * 1024;

/**
 * Why a pattern could run for a very long time, or undefined when it is safe to run: the
 * checks are syntactic (star height, quantified alternation, back-references, unbounded count).
 */
export function unsafePattern(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  interface Frame {
    repeats: boolean;
    alternation: boolean;
    start: number;
  }
  const stack: Frame[] = [{ repeats: false, alternation: false, start: 0 }];
  // what the next quantifier applies to: a group (with what it holds), or a single atom
  let last: { group: boolean; repeats: boolean; alternation: boolean; start: number } | null = null;
  let unbounded = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const d = source[i + 1] ?? '';
      if (/[1-9]/.test(d) || (d === 'k' && source[i + 2] === '<')) return `back-reference \\${d} at ${i + 1} (can take exponential time)`;
      last = { group: false, repeats: false, alternation: false, start: i };
      i += 2;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      last = { group: false, repeats: false, alternation: false, start: i };
      i = j + 1;
      continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternation: false, start: i });
      last = null;
      i += source[i + 1] === '?' ? (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!' ? 3 : 2) : 1;
      continue;
    }
    if (c === ')') {
      const f = stack.length > 1 ? (stack.pop() as Frame) : stack[0];
      last = { group: true, repeats: f.repeats, alternation: f.alternation, start: f.start };
      stack[stack.length - 1].repeats ||= f.repeats;
      i++;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternation = true;
      last = null;
      i++;
      continue;
    }
    const q = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/.exec(source.slice(i, i + 24));
    if (q && last) {
      const max =
        q[0] === '?'
          ? 1
          : q[0] === '*' || q[0] === '+'
            ? Infinity
            : q[2] === undefined
              ? Number(q[1])
              : q[3] === ''
                ? Infinity
                : Number(q[3]);
      const repeats = max > 1;
      if (repeats && last.group && (last.repeats || last.alternation)) {
        const what = last.repeats ? 'nested repetition' : 'repeated alternation';
        return `${what} ${JSON.stringify(source.slice(last.start, i + q[0].length))} (can take exponential time; use a character class or one level of repetition)`;
      }
      if (max === Infinity) unbounded++;
      if (repeats) stack[stack.length - 1].repeats = true;
      last = null;
      i += q[0].length + (source[i + q[0].length] === '?' ? 1 : 0);
      continue;
    }
    last = { group: false, repeats: false, alternation: false, start: i };
    i++;
  }
  if (unbounded > MAX_UNBOUNDED)
    return `${unbounded} unbounded repetitions (at most ${MAX_UNBOUNDED}: each one multiplies the time on a long name)`;
  return undefined;
}

/** The 1-based line of the first occurrence of `needle` (a JSON string) in the map text. */
function lineOf(text: string | undefined, needle: string, from = 0): number | undefined {
  if (text === undefined) return undefined;
  const at = text.indexOf(JSON.stringify(needle), from);
  if (at < 0) return undefined;
  return text.slice(0, at).split('\n').length;
}

function compilePattern(source: string, where: string, flags = ''): RegExp {
  const unsafe = unsafePattern(source);
  if (unsafe) throw new Error(`${where} is refused: ${unsafe}`);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new Error(`${where} is not a valid regular expression: ${(e as Error).message}`);
  }
}

function override(v: unknown, where: string): ToleranceOverride {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${where} must be an object like {"atol": 1e-3, "rtol": 1e-3}`);
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'atol' && k !== 'rtol' && k !== 'pattern');
  if (extra.length) throw new Error(`${where} has an unknown key "${extra[0]}" (expected atol, rtol)`);
  for (const k of ['atol', 'rtol'] as const) {
    const x = o[k];
    if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x) || x < 0))
      throw new Error(`${where}.${k} must be a non-negative number`);
  }
  return { atol: o.atol as number | undefined, rtol: o.rtol as number | undefined };
}

/**
 * Validates a parsed `--map` file. Throws an Error whose message names the problem (and the
 * line of the offending rule when `text`, the file's JSON text, is given).
 */
function parseCompareMap(value: unknown, text?: string): CompareMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('expected a JSON object with "rename", "tolerances" and/or "tensors"');
  }
  const v = value as Record<string, unknown>;
  const known = new Set(['rename', 'tolerances', 'tensors']);
  const unknown = Object.keys(v).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`unknown key "${unknown[0]}" (expected rename, tolerances, tensors)`);
  const out: {
    rename?: { from: string; to: string; line?: number }[];
    tolerances?: CompareMap['tolerances'];
    tensors?: CompareMap['tensors'];
  } = {};
  const at = (line: number | undefined, msg: string) => new Error(line ? `line ${line}: ${msg}` : msg);
  let cursor = 0;
  if (v.rename !== undefined) {
    if (!Array.isArray(v.rename)) throw new Error('"rename" must be a list of {"from": regex, "to": replacement}');
    out.rename = v.rename.map((r, i) => {
      // Also accept the compact ["regex", "replacement"] form.
      const from = Array.isArray(r) ? r[0] : (r as Record<string, unknown>)?.from;
      const to = Array.isArray(r) ? r[1] : (r as Record<string, unknown>)?.to;
      if (typeof from !== 'string' || typeof to !== 'string') throw new Error(`rename[${i}] needs string "from" and "to"`);
      const line = lineOf(text, from, cursor);
      if (line !== undefined) cursor = text!.indexOf(JSON.stringify(from), cursor) + 1;
      try {
        compilePattern(from, `rename[${i}].from`);
      } catch (e) {
        throw at(line, (e as Error).message);
      }
      if (to.length > MAX_REPLACEMENT_LENGTH) throw at(line, `rename[${i}].to is longer than ${MAX_REPLACEMENT_LENGTH} characters`);
      return line === undefined ? { from, to } : { from, to, line };
    });
  }
  if (v.tolerances !== undefined) {
    if (!Array.isArray(v.tolerances)) throw new Error('"tolerances" must be a list of {"pattern", "atol"?, "rtol"?}');
    out.tolerances = v.tolerances.map((t, i) => {
      const o = t as Record<string, unknown>;
      if (typeof o?.pattern !== 'string') throw new Error(`tolerances[${i}] needs a string "pattern"`);
      const line = lineOf(text, o.pattern);
      try {
        compilePattern(o.pattern, `tolerances[${i}].pattern`);
        return { pattern: o.pattern, ...override(o, `tolerances[${i}]`) };
      } catch (e) {
        throw at(line, (e as Error).message);
      }
    });
  }
  if (v.tensors !== undefined) {
    if (typeof v.tensors !== 'object' || v.tensors === null || Array.isArray(v.tensors)) {
      throw new Error('"tensors" must map tensor names to {"atol"?, "rtol"?}');
    }
    const tensors: Record<string, ToleranceOverride> = {};
    for (const [name, t] of Object.entries(v.tensors)) tensors[name] = override(t, `tensors[${JSON.stringify(name)}]`);
    out.tensors = tensors;
  }
  return out;
}

/** Reads and validates a map file; errors are one line naming the file (and the rule's line). */
export function readCompareMap(file: string): CompareMap {
  let text: string;
  try {
    if (statSync(file).size > MAX_MAP_BYTES) throw new Error(`larger than ${MAX_MAP_BYTES / 1024 / 1024} MB`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read map file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return { ...parseCompareMap(parsed, text), file };
  } catch (e) {
    const m = (e as Error).message;
    const line = /^line (\d+): /.exec(m);
    throw new Error(line ? `${file}:${line[1]}: ${m.slice(line[0].length)}` : `${file}: ${m}`);
  }
}

export interface RenameRule {
  readonly re: RegExp;
  readonly to: string;
  /** "map.json:4: rename[2]" (or "rename[2]"), for messages. */
  readonly where: string;
}

/** A rule made a name too long: bad input, reported as one line. */
class RuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

export function compileRules(map: CompareMap | undefined): RenameRule[] {
  return (map?.rename ?? []).map((r, i) => {
    const where = `${map?.file ? `${map.file}:${r.line ?? '?'}: ` : ''}rename[${i}]`;
    return { re: compilePattern(r.from, `${where}.from`, 'g'), to: r.to, where };
  });
}

/** Tolerance patterns, checked like rename patterns. */
export function compileTolerancePattern(pattern: string, i: number): RegExp {
  return compilePattern(pattern, `tolerances[${i}].pattern`);
}

/** Applies the rules in order, each to every match, like a sed script. Throws RuleError on a runaway name. */
export function applyRules(name: string, rules: readonly RenameRule[]): string {
  let out = name;
  for (const r of rules) {
    r.re.lastIndex = 0;
    out = out.replace(r.re, r.to);
    if (out.length > MAX_NAME_LENGTH && out.length > name.length) {
      throw new RuleError(
        `${r.where} turns ${JSON.stringify(name.slice(0, 60))} into a name longer than ${MAX_NAME_LENGTH} characters (check "$&" and "$1" in "to")`,
      );
    }
  }
  return out;
}
