// A small Python tokenizer and expression reader: enough to read weight-mapping modules
// statically (string and f-string literals, lists, calls, names) without running Python.
// It groups tokens into logical lines with their indentation, the way Python does.

export type TokKind = 'name' | 'number' | 'string' | 'op';

export interface Tok {
  readonly kind: TokKind;
  readonly value: string;
  /** 1-based physical line and column. */
  readonly line: number;
  readonly col: number;
  /** String prefix letters, lower-cased (`f`, `r`, `rb`, ...). */
  readonly prefix?: string;
  /** String body without quotes (escapes not yet processed). */
  readonly body?: string;
}

export interface LogicalLine {
  readonly indent: number;
  readonly line: number;
  readonly toks: readonly Tok[];
}

const OPS3 = ['**=', '//=', '>>=', '<<=', '...', '!='];
const OPS2 = ['==', '<=', '>=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '//', '<<', '>>', ':='];

export function tokenize(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let toks: Tok[] = [];
  let depth = 0;
  let indent = 0;
  let startLine = 1;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  const flush = () => {
    if (toks.length) out.push({ indent, line: startLine, toks });
    toks = [];
    atLineStart = true;
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      i++;
      lineStart = i;
      if (depth === 0) flush();
      continue;
    }
    if (ch === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (atLineStart && depth === 0) {
      indent = i - lineStart;
      startLine = line;
      atLineStart = false;
    }
    const col = i - lineStart + 1;
    const pm = /^([rRbBuUfF]{1,2})?("""|'''|"|')/.exec(text.slice(i, i + 5));
    if (pm && (pm[1] === undefined || /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/.test(pm[1]))) {
      const prefix = (pm[1] ?? '').toLowerCase();
      const q = pm[2];
      let j = i + pm[0].length;
      const bodyStart = j;
      const startL = line;
      while (j < text.length) {
        if (text[j] === '\\') {
          if (text[j + 1] === '\n') {
            line++;
            lineStart = j + 2;
          }
          j += 2;
          continue;
        }
        if (text.startsWith(q, j)) break;
        if (text[j] === '\n') {
          if (q.length === 1) break; // unterminated single-quoted string: stop at the line end
          line++;
          lineStart = j + 1;
        }
        j++;
      }
      toks.push({
        kind: 'string',
        value: text.slice(i, Math.min(j + q.length, text.length)),
        line: startL,
        col,
        prefix,
        body: text.slice(bodyStart, j),
      });
      i = Math.min(j + q.length, text.length);
      continue;
    }
    const nm = /^[A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*/.exec(text.slice(i, i + 200));
    if (nm) {
      toks.push({ kind: 'name', value: nm[0], line, col });
      i += nm[0].length;
      continue;
    }
    const num = /^(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?j?|\.\d[\d_]*(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 100),
    );
    if (num) {
      toks.push({ kind: 'number', value: num[0], line, col });
      i += num[0].length;
      continue;
    }
    const op = OPS3.find((o) => text.startsWith(o, i)) ?? OPS2.find((o) => text.startsWith(o, i)) ?? ch;
    if ('([{'.includes(op)) depth++;
    else if (')]}'.includes(op)) depth = Math.max(0, depth - 1);
    toks.push({ kind: 'op', value: op, line, col });
    i += op.length;
  }
  flush();
  return out;
}

// ---- expressions --------------------------------------------------------------------------

/** A piece of an f-string: literal text, or a `{field}` expression (its source text). */
export type StrPart = string | { readonly expr: string };

export type Expr =
  | { readonly kind: 'str'; readonly parts: readonly StrPart[]; readonly tok: Tok }
  | { readonly kind: 'num'; readonly value: number; readonly tok: Tok }
  | { readonly kind: 'const'; readonly value: boolean | null; readonly tok: Tok }
  | { readonly kind: 'name'; readonly name: string; readonly tok: Tok }
  | {
      readonly kind: 'call';
      readonly callee: string;
      readonly args: readonly Expr[];
      readonly kwargs: ReadonlyMap<string, Expr>;
      readonly tok: Tok;
      readonly end: number;
    }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly tok: Tok; readonly comp?: Comprehension }
  | { readonly kind: 'add'; readonly left: Expr; readonly right: Expr; readonly tok: Tok }
  | { readonly kind: 'star'; readonly value: Expr; readonly tok: Tok }
  | { readonly kind: 'unknown'; readonly text: string; readonly tok: Tok };

export interface Comprehension {
  readonly target: string;
  readonly iter: Expr;
}

function unescape(body: string, raw: boolean): string {
  if (raw) return body;
  return body.replace(/\\(\n|\\|'|"|n|t)/g, (_m, c: string) => (c === '\n' ? '' : c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** Splits an f-string body into literal text and fields; `{{`/`}}` are literal braces. */
function fstringParts(body: string, raw: boolean): StrPart[] {
  const parts: StrPart[] = [];
  let lit = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{' && body[i + 1] === '{') {
      lit += '{';
      i++;
      continue;
    }
    if (c === '}' && body[i + 1] === '}') {
      lit += '}';
      i++;
      continue;
    }
    if (c === '{') {
      let depth = 1;
      let j = i + 1;
      while (j < body.length && depth) {
        if (body[j] === '{') depth++;
        else if (body[j] === '}') depth--;
        if (depth) j++;
      }
      let expr = body.slice(i + 1, j);
      // Drop conversions and format specs: {x!r}, {x:02d}.
      expr = expr
        .replace(/![rsa]$/, '')
        .split(/(?<![=!<>]):(?!=)/)[0]
        .trim();
      if (lit) parts.push(unescape(lit, raw));
      lit = '';
      parts.push({ expr });
      i = j;
      continue;
    }
    lit += c;
  }
  if (lit) parts.push(unescape(lit, raw));
  return parts;
}

export class ExprReader {
  pos = 0;
  constructor(readonly toks: readonly Tok[]) {}

  peek(o = 0): Tok | undefined {
    return this.toks[this.pos + o];
  }
  isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return !!t && t.kind === 'op' && t.value === v;
  }

  /** Skips to the next `,` or closing bracket at the current depth; returns the skipped text. */
  skipItem(): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.toks.length) {
      const t = this.toks[this.pos];
      if (t.kind === 'op') {
        if ('([{'.includes(t.value)) depth++;
        else if (')]}'.includes(t.value)) {
          if (depth === 0) break;
          depth--;
        } else if (t.value === ',' && depth === 0) break;
        else if (depth === 0 && t.value === 'for') break;
      }
      if (t.kind === 'name' && t.value === 'for' && depth === 0) break;
      this.pos++;
    }
    // Source-like text for messages: no spaces around punctuation.
    return this.toks
      .slice(start, this.pos)
      .map((t) => t.value)
      .join(' ')
      .replace(/\s*([.,()[\]{}+])\s*/g, '$1');
  }

  expr(): Expr {
    const start = this.pos;
    const first = this.peek();
    if (!first) return { kind: 'unknown', text: '', tok: { kind: 'op', value: '', line: 0, col: 0 } };
    let left = this.term();
    while (this.isOp('+')) {
      const tok = this.peek()!;
      this.pos++;
      left = { kind: 'add', left, right: this.term(), tok };
    }
    // Anything else at this level (conditional expressions, lambdas, operators) is opaque.
    const next = this.peek();
    if (
      next &&
      !(next.kind === 'op' && [',', ')', ']', '}', ':'].includes(next.value)) &&
      !(next.kind === 'name' && ['for', 'if'].includes(next.value) && left.kind !== 'unknown')
    ) {
      this.pos = start;
      return { kind: 'unknown', text: this.skipItem(), tok: first };
    }
    return left;
  }

  private term(): Expr {
    const t = this.peek()!;
    if (!t) return { kind: 'unknown', text: '', tok: { kind: 'op', value: '', line: 0, col: 0 } };
    if (t.kind === 'string') {
      const parts: StrPart[] = [];
      while (this.peek()?.kind === 'string') {
        const s = this.peek()!;
        const raw = s.prefix!.includes('r');
        if (s.prefix!.includes('f')) parts.push(...fstringParts(s.body!, raw));
        else parts.push(unescape(s.body!, raw));
        this.pos++;
      }
      return { kind: 'str', parts, tok: t };
    }
    if (t.kind === 'number') {
      this.pos++;
      return { kind: 'num', value: Number(t.value.replace(/_/g, '')), tok: t };
    }
    if (t.kind === 'op' && t.value === '-' && this.peek(1)?.kind === 'number') {
      this.pos += 2;
      return { kind: 'num', value: -Number(this.toks[this.pos - 1].value.replace(/_/g, '')), tok: t };
    }
    if (t.kind === 'op' && (t.value === '[' || t.value === '(')) {
      const close = t.value === '[' ? ']' : ')';
      this.pos++;
      const items: Expr[] = [];
      let comp: Comprehension | undefined;
      while (this.pos < this.toks.length && !this.isOp(close)) {
        if (this.peek()?.kind === 'name' && this.peek()!.value === 'for') {
          this.pos++;
          const target = this.peek()?.kind === 'name' ? this.peek()!.value : '';
          this.pos++;
          if (this.peek()?.value === 'in') this.pos++;
          const iter = this.expr();
          comp = target ? { target, iter } : undefined;
          while (this.pos < this.toks.length && !this.isOp(close)) this.skipNested();
          break;
        }
        items.push(this.expr());
        if (this.isOp(',')) this.pos++;
        else if (!this.isOp(close) && !(this.peek()?.kind === 'name' && this.peek()!.value === 'for')) this.skipNested();
      }
      this.pos++;
      if (close === ')' && items.length === 1 && !comp) return items[0];
      return { kind: 'list', items, tok: t, comp };
    }
    if (t.kind === 'name') {
      if (t.value === 'True' || t.value === 'False') {
        this.pos++;
        return { kind: 'const', value: t.value === 'True', tok: t };
      }
      if (t.value === 'None') {
        this.pos++;
        return { kind: 'const', value: null, tok: t };
      }
      if (t.value === 'lambda') return { kind: 'unknown', text: this.skipItem(), tok: t };
      let name = t.value;
      this.pos++;
      while (this.isOp('.') && this.peek(1)?.kind === 'name') {
        name += '.' + this.peek(1)!.value;
        this.pos += 2;
      }
      if (this.isOp('(')) return this.call(name, t);
      if (this.isOp('[')) {
        this.skipNested();
        return { kind: 'unknown', text: `${name}[...]`, tok: t };
      }
      return { kind: 'name', name, tok: t };
    }
    return { kind: 'unknown', text: this.skipItem(), tok: t };
  }

  /** Skips one token, or a whole bracketed group. */
  skipNested(): void {
    const t = this.peek();
    if (!t) return;
    this.pos++;
    if (t.kind === 'op' && '([{'.includes(t.value)) {
      let depth = 1;
      while (this.pos < this.toks.length && depth) {
        const u = this.toks[this.pos++];
        if (u.kind === 'op' && '([{'.includes(u.value)) depth++;
        else if (u.kind === 'op' && ')]}'.includes(u.value)) depth--;
      }
    }
  }

  call(callee: string, tok: Tok): Expr {
    this.pos++; // (
    const args: Expr[] = [];
    const kwargs = new Map<string, Expr>();
    while (this.pos < this.toks.length && !this.isOp(')')) {
      if (this.isOp('*')) {
        const st = this.peek()!;
        this.pos++;
        args.push({ kind: 'star', value: this.expr(), tok: st });
      } else if (this.isOp('**')) {
        this.pos++;
        args.push({ kind: 'unknown', text: '**' + this.skipItem(), tok: this.peek() ?? tok });
      } else if (this.peek()?.kind === 'name' && this.isOp('=', 1)) {
        const key = this.peek()!.value;
        this.pos += 2;
        kwargs.set(key, this.expr());
      } else args.push(this.expr());
      if (this.isOp(',')) this.pos++;
      else if (!this.isOp(')')) this.skipNested();
    }
    this.pos++;
    return { kind: 'call', callee, args, kwargs, tok, end: this.pos };
  }
}
