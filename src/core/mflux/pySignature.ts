// Reads classes, their methods and the methods' parameters from Python source without running
// Python: what a call to an existing test helper may pass (positional-only, keyword-only,
// defaults, *args/**kwargs), and the exact signatures of a Protocol a generated class must
// implement. Parameter and annotation text is kept as written in the source.
import { tokenize, type LogicalLine, type Tok } from './pyTokens';

export type ParamKind = 'positional-only' | 'positional' | 'keyword-only' | 'var-positional' | 'var-keyword';

export interface PyParam {
  readonly name: string;
  readonly kind: ParamKind;
  readonly hasDefault: boolean;
  readonly annotation?: string;
  readonly default?: string;
  /** The parameter as written (`*, ` markers are not parameters and are not listed). */
  readonly text: string;
}

export interface PyDef {
  readonly name: string;
  /** 1-based line of the `def`. */
  readonly line: number;
  /** Decorator names as written after `@` (`staticmethod`, `pytest.mark.slow`). */
  readonly decorators: readonly string[];
  readonly params: readonly PyParam[];
  /** Return annotation text, if any. */
  readonly returns?: string;
}

export interface PyClass {
  readonly name: string;
  readonly line: number;
  /** Base list as written, without parentheses. */
  readonly bases: string;
  readonly methods: readonly PyDef[];
}

/** Offsets of each 1-based line in the text, to slice the source of a token range. */
function lineOffsets(text: string): number[] {
  const out = [0, 0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') out.push(i + 1);
  return out;
}

function sourceOf(text: string, offs: readonly number[], toks: readonly Tok[]): string {
  if (!toks.length) return '';
  const first = toks[0];
  const last = toks[toks.length - 1];
  const from = offs[first.line] + first.col - 1;
  const to = offs[last.line] + last.col - 1 + last.value.length;
  return text
    .slice(from, to)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

const isOp = (t: Tok | undefined, v: string) => !!t && t.kind === 'op' && t.value === v;

/** Splits tokens at commas of depth 0. */
function splitTop(toks: readonly Tok[]): Tok[][] {
  const out: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.kind === 'op' && '([{'.includes(t.value)) depth++;
    else if (t.kind === 'op' && ')]}'.includes(t.value)) depth--;
    if (depth === 0 && isOp(t, ',')) out.push([]);
    else out[out.length - 1].push(t);
  }
  return out.filter((p) => p.length);
}

/** Index of the top-level token `v` in toks (depth 0), or -1. */
function topIndex(toks: readonly Tok[], v: string): number {
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'op' && '([{'.includes(t.value)) depth++;
    else if (t.kind === 'op' && ')]}'.includes(t.value)) depth--;
    else if (depth === 0 && isOp(t, v)) return i;
  }
  return -1;
}

function parseDef(text: string, offs: readonly number[], l: LogicalLine, decorators: string[]): PyDef | undefined {
  let k = 0;
  if (l.toks[k]?.value === 'async') k++;
  if (l.toks[k]?.value !== 'def' || l.toks[k + 1]?.kind !== 'name' || !isOp(l.toks[k + 2], '(')) return undefined;
  const name = l.toks[k + 1].value;
  const open = k + 2;
  let depth = 0;
  let close = -1;
  for (let i = open; i < l.toks.length; i++) {
    const t = l.toks[i];
    if (t.kind === 'op' && '([{'.includes(t.value)) depth++;
    else if (t.kind === 'op' && ')]}'.includes(t.value) && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return undefined;
  const params: PyParam[] = [];
  const pieces = splitTop(l.toks.slice(open + 1, close));
  let kind: ParamKind = pieces.some((p) => p.length === 1 && isOp(p[0], '/')) ? 'positional-only' : 'positional';
  for (const p of pieces) {
    if (p.length === 1 && isOp(p[0], '/')) {
      kind = 'positional';
      continue;
    }
    if (p.length === 1 && isOp(p[0], '*')) {
      kind = 'keyword-only';
      continue;
    }
    let own: ParamKind = kind;
    let rest = p;
    if (isOp(p[0], '**')) {
      own = 'var-keyword';
      rest = p.slice(1);
    } else if (isOp(p[0], '*')) {
      own = 'var-positional';
      rest = p.slice(1);
      kind = 'keyword-only';
    }
    if (rest[0]?.kind !== 'name') continue;
    const eq = topIndex(rest, '=');
    const colon = topIndex(rest, ':');
    const annEnd = eq >= 0 ? eq : rest.length;
    params.push({
      name: rest[0].value,
      kind: own,
      hasDefault: eq >= 0,
      annotation: colon >= 0 && colon < annEnd ? sourceOf(text, offs, rest.slice(colon + 1, annEnd)) : undefined,
      default: eq >= 0 ? sourceOf(text, offs, rest.slice(eq + 1)) : undefined,
      text: sourceOf(text, offs, p),
    });
  }
  const after = l.toks.slice(close + 1);
  const arrow = after.findIndex((t) => isOp(t, '->'));
  const bodyColon = topIndex(after, ':');
  const returns = arrow >= 0 && bodyColon > arrow ? sourceOf(text, offs, after.slice(arrow + 1, bodyColon)) : undefined;
  return { name, line: l.line, decorators, params, returns };
}

/** Top-level classes of a module with the methods defined directly in their bodies. */
export function parseClasses(text: string): PyClass[] {
  const offs = lineOffsets(text);
  const lines = tokenize(text);
  const out: PyClass[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.indent !== 0 || l.toks[0]?.value !== 'class' || l.toks[1]?.kind !== 'name') continue;
    const name = l.toks[1].value;
    let bases = '';
    if (isOp(l.toks[2], '(')) {
      const colon = topIndex(l.toks.slice(2), ':');
      bases = sourceOf(text, offs, l.toks.slice(3, colon >= 0 ? 2 + colon - 1 : l.toks.length - 1));
    }
    const methods: PyDef[] = [];
    let bodyIndent: number | undefined;
    let decorators: string[] = [];
    for (let j = i + 1; j < lines.length && lines[j].indent > 0; j++) {
      const b = lines[j];
      bodyIndent ??= b.indent;
      if (b.indent !== bodyIndent) continue;
      if (isOp(b.toks[0], '@')) {
        const call = b.toks.findIndex((t) => isOp(t, '('));
        decorators.push(sourceOf(text, offs, b.toks.slice(1, call >= 0 ? call : undefined)).replace(/\s+/g, ''));
        continue;
      }
      const d = parseDef(text, offs, b, decorators);
      if (d) methods.push(d);
      decorators = [];
    }
    out.push({ name, line: l.line, bases, methods });
  }
  return out;
}

/** The parameters a caller passes: without `self`/`cls` unless the method is a staticmethod. */
export function callableParams(d: PyDef): readonly PyParam[] {
  if (d.decorators.includes('staticmethod')) return d.params;
  return d.params.slice(1);
}

/** A `def` line rebuilt from the parsed parameters, `/` and `*` markers restored. */
export function defLine(d: PyDef, indent = ''): string {
  const parts: string[] = [];
  d.params.forEach((p, i) => {
    const prev = d.params[i - 1];
    if (prev?.kind === 'positional-only' && p.kind !== 'positional-only') parts.push('/');
    if (p.kind === 'keyword-only' && prev?.kind !== 'keyword-only' && prev?.kind !== 'var-positional') parts.push('*');
    parts.push(p.text);
  });
  if (d.params.at(-1)?.kind === 'positional-only') parts.push('/');
  return `${indent}def ${d.name}(${parts.join(', ')})${d.returns ? ` -> ${d.returns}` : ''}:`;
}

export interface PyImport {
  /** The name the import binds (`mx` for `import mlx.core as mx`, `annotations` for the future import). */
  readonly name: string;
  readonly module: string;
  /** One statement importing just this name. */
  readonly statement: string;
}

/** Module-level imports, one entry per bound name. */
export function parseImports(text: string): PyImport[] {
  const out: PyImport[] = [];
  for (const l of tokenize(text)) {
    if (l.indent !== 0) continue;
    const words = l.toks.filter((t) => !(t.kind === 'op' && '()'.includes(t.value)));
    const dotted = (from: number): [string, number] => {
      let s = '';
      let k = from;
      while (
        k < words.length &&
        (words[k].kind === 'name' || isOp(words[k], '.')) &&
        words[k].value !== 'import' &&
        words[k].value !== 'as'
      ) {
        s += words[k].value;
        k++;
      }
      return [s, k];
    };
    if (words[0]?.value === 'import') {
      for (const piece of splitTop(words.slice(1))) {
        const asAt = piece.findIndex((t) => t.kind === 'name' && t.value === 'as');
        const mod = (asAt >= 0 ? piece.slice(0, asAt) : piece).map((t) => t.value).join('');
        const alias = asAt >= 0 ? piece[asAt + 1]?.value : undefined;
        if (!/^[\w.]+$/.test(mod)) continue;
        out.push({ name: alias ?? mod.split('.')[0], module: mod, statement: `import ${mod}${alias ? ` as ${alias}` : ''}` });
      }
    } else if (words[0]?.value === 'from') {
      const [mod, k] = dotted(1);
      if (words[k]?.value !== 'import') continue;
      for (const piece of splitTop(words.slice(k + 1))) {
        const name = piece[0]?.value;
        if (!name) continue;
        const alias = piece[1]?.value === 'as' ? piece[2]?.value : undefined;
        out.push({ name: alias ?? name, module: mod, statement: `from ${mod} import ${name}${alias ? ` as ${alias}` : ''}` });
      }
    }
  }
  return out;
}
