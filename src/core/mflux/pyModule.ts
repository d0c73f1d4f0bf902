// A Python module as the static mapping reader sees it: logical lines, the functions it
// defines (with their class, parameters and body), its `from X import Y` names, and the values
// of its module-level constants once evaluated.
import { ExprReader, tokenize, type Expr, type LogicalLine } from './pyTokens';

export type Val =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'index'; readonly name: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'strs'; readonly items: readonly string[] }
  | { readonly kind: 'ints'; readonly items: readonly number[] };

export interface FnDef {
  readonly name: string;
  readonly cls?: string;
  readonly params: readonly { name: string; default?: Expr; star?: boolean }[];
  readonly line: number;
  readonly body: readonly LogicalLine[];
}

export interface PyModule {
  readonly file: string;
  readonly lines: readonly LogicalLine[];
  readonly fns: readonly FnDef[];
  readonly imports: ReadonlyMap<string, { module: string; name: string }>;
  readonly consts: Map<string, Val>;
}

export function parseModule(file: string, text: string): PyModule {
  const lines = tokenize(text);
  const fns: FnDef[] = [];
  const imports = new Map<string, { module: string; name: string }>();
  const classes: { name: string; indent: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const t = l.toks;
    while (classes.length && l.indent <= classes[classes.length - 1].indent) classes.pop();
    if (t[0]?.value === 'from' && l.indent === 0) {
      const imp = t.findIndex((x) => x.value === 'import');
      const module = t
        .slice(1, imp)
        .map((x) => x.value)
        .join('');
      const names = t.slice(imp + 1).filter((x) => x.value !== '(' && x.value !== ')');
      for (let k = 0; k < names.length; k++) {
        if (names[k].kind !== 'name') continue;
        const name = names[k].value;
        if (names[k + 1]?.value === 'as' && names[k + 2]) {
          imports.set(names[k + 2].value, { module, name });
          k += 2;
        } else imports.set(name, { module, name });
      }
    } else if (t[0]?.value === 'class' && t[1]?.kind === 'name') {
      classes.push({ name: t[1].value, indent: l.indent });
    } else if (t[0]?.value === 'def' || (t[0]?.value === 'async' && t[1]?.value === 'def')) {
      const at = t[0].value === 'def' ? 0 : 1;
      const name = t[at + 1]?.value;
      const body: LogicalLine[] = [];
      for (let k = i + 1; k < lines.length && lines[k].indent > l.indent; k++) body.push(lines[k]);
      const params: { name: string; default?: Expr; star?: boolean }[] = [];
      const r = new ExprReader(t);
      r.pos = at + 3; // after "def name ("
      while (r.pos < t.length && !r.isOp(')')) {
        const p = r.peek()!;
        const star = p.kind === 'op' && p.value === '*' && r.peek(1)?.kind === 'name';
        if (star) {
          r.pos++;
          params.push({ name: r.peek()!.value, star: true });
          r.pos++;
          if (r.isOp(':')) {
            r.pos++;
            while (r.pos < t.length && !r.isOp(',') && !r.isOp(')')) r.pos++;
          }
        } else if (p.kind === 'name') {
          r.pos++;
          if (r.isOp(':')) {
            // Skip the annotation, stopping at the default (`= ...`) or the next parameter.
            r.pos++;
            let depth = 0;
            while (r.pos < t.length) {
              const a = t[r.pos];
              if (a.kind === 'op' && '([{'.includes(a.value)) depth++;
              else if (a.kind === 'op' && ')]}'.includes(a.value)) {
                if (depth === 0) break;
                depth--;
              } else if (depth === 0 && a.kind === 'op' && (a.value === ',' || a.value === '=')) break;
              r.pos++;
            }
          }
          let def: Expr | undefined;
          if (r.isOp('=')) {
            r.pos++;
            def = r.expr();
          }
          params.push({ name: p.value, default: def });
        } else r.pos++;
        if (r.isOp(',')) r.pos++;
      }
      fns.push({ name, cls: classes[classes.length - 1]?.name, params, line: l.line, body });
    }
  }
  return { file, lines, fns, imports, consts: new Map() };
}
