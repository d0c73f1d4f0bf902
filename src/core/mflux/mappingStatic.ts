// Reads an mflux weight mapping without running Python: the WeightTarget(to_pattern=...,
// from_pattern=[...]) calls of each getter, through literal strings, f-strings, local string
// variables, loops over literal lists or range() (written out as Python runs them), if/elif/else
// on known values, and helper functions called with literal arguments (values: pyEval.ts). Whatever it cannot resolve it reports
// with file:line, so the user knows when to run the dump script instead.
import { PyEvaluator, type Unresolved } from './pyEval';
import type { FnDef, PyModule, Val } from './pyModule';
import { ExprReader, type Expr, type LogicalLine, type Tok } from './pyTokens';

const MAX_DEPTH = 6;

export type { Unresolved };

export interface MappingTarget {
  /** MLX parameter path pattern. */
  readonly to: string;
  /** Checkpoint key patterns (placeholders such as `{block}` match a block number). */
  readonly from: readonly string[];
  readonly required: boolean;
  readonly maxBlocks?: number;
  readonly hasTransform: boolean;
  readonly file: string;
  /** 1-based line of the WeightTarget call. */
  readonly line: number;
  /** Placeholders left by loops whose bound is not known (`{n}` of `for n in range(count)`): any number. */
  readonly open?: readonly string[];
}

export interface MappingGetter {
  /** e.g. `get_transformer_mapping`. */
  readonly name: string;
  readonly cls?: string;
  readonly file: string;
  readonly line: number;
  readonly targets: readonly MappingTarget[];
}

export interface StaticMapping {
  readonly file: string;
  readonly getters: readonly MappingGetter[];
  readonly unresolved: readonly Unresolved[];
}

export class MappingReader extends PyEvaluator {
  /** Loop variables whose range is not known, kept as `{name}` placeholders. */
  private readonly openIndexes = new Set<string>();

  /** Runs a function body: the WeightTargets it builds, directly or through helpers. */
  evalFn(mod: PyModule, fn: FnDef, env: Map<string, Val>, depth = 0): MappingTarget[] {
    if (depth > MAX_DEPTH) {
      this.note(mod.file, fn.line, `${fn.name}: helper calls nested deeper than ${MAX_DEPTH}`);
      return [];
    }
    return this.evalLines(mod, fn, fn.body, env, depth);
  }

  private evalLines(mod: PyModule, fn: FnDef, lines: readonly LogicalLine[], env: Map<string, Val>, depth: number): MappingTarget[] {
    const out: MappingTarget[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      const t = l.toks;
      if (t[0]?.value === 'def' || t[0]?.value === 'class') {
        while (i + 1 < lines.length && lines[i + 1].indent > l.indent) i++;
        continue;
      }
      if (t[0]?.value === 'for' && t[1]?.kind === 'name') {
        const body: LogicalLine[] = [];
        while (i + 1 < lines.length && lines[i + 1].indent > l.indent) body.push(lines[++i]);
        const r = new ExprReader(t);
        r.pos = 3;
        const iter = r.expr();
        out.push(...this.loop(mod, fn, t[1].value, iter, env, (e) => this.evalLines(mod, fn, body, e, depth)));
        continue;
      }
      if (t[0]?.value === 'if' && t[t.length - 1]?.value === ':') {
        // The chain if / elif / else at this indent: the branch Python takes when its
        // condition is a known comparison, else every branch (reported).
        const branches: { cond?: readonly Tok[]; body: LogicalLine[] }[] = [];
        let j = i;
        for (;;) {
          const h = lines[j];
          const body: LogicalLine[] = [];
          let k = j + 1;
          while (k < lines.length && lines[k].indent > h.indent) body.push(lines[k++]);
          branches.push({ cond: h.toks[0].value === 'else' ? undefined : h.toks.slice(1, -1), body });
          const next = lines[k]?.toks;
          i = k - 1;
          if (k < lines.length && lines[k].indent === h.indent && (next[0]?.value === 'elif' || next[0]?.value === 'else')) j = k;
          else break;
        }
        for (let b = 0; b < branches.length; b++) {
          const c = branches[b].cond ? this.condition(mod, branches[b].cond!, env) : true;
          if (c === false) continue;
          if (c === undefined) this.note(mod.file, l.line, 'condition is not a known comparison; every branch is included');
          for (const br of c ? [branches[b]] : branches.slice(b)) out.push(...this.evalLines(mod, fn, br.body, env, depth));
          break;
        }
        continue;
      }
      if (t[0]?.kind === 'name' && t[1]?.value === '=') {
        const v = this.evalVal(mod, new ExprReader(t.slice(2)).expr(), env, false);
        if (v) env.set(t[0].value, v);
        else env.delete(t[0].value);
      }
      out.push(...this.scanCalls(mod, fn, t, env, depth));
    }
    return out;
  }

  /**
   * Binds a loop variable: `range()` with known integers and literal lists (of strings or
   * integers) expand to their values, as Python runs them; a range whose bound is not known
   * leaves the variable open (matched as any number, and reported); anything else is reported.
   */
  private loop(
    mod: PyModule,
    _fn: FnDef,
    name: string,
    iter: Expr,
    env: Map<string, Val>,
    body: (env: Map<string, Val>) => MappingTarget[],
  ): MappingTarget[] {
    const v = this.evalVal(mod, iter, env, false);
    const values: Val[] | undefined =
      v?.kind === 'strs'
        ? v.items.map((value) => ({ kind: 'str', value }))
        : v?.kind === 'ints'
          ? v.items.map((value) => ({ kind: 'int', value }))
          : undefined;
    if (values)
      return values.flatMap((value) => {
        const e = new Map(env);
        e.set(name, value);
        return body(e);
      });
    if (iter.kind === 'call' && (iter.callee === 'range' || iter.callee === 'enumerate')) {
      this.note(mod.file, iter.tok.line, `${iter.callee}(...) bound is not a known integer; {${name}} is matched as any number`);
      const e = new Map(env);
      e.set(name, { kind: 'index', name });
      this.openIndexes.add(name);
      return body(e);
    }
    this.note(
      mod.file,
      iter.tok.line,
      `loop over ${iter.kind === 'name' ? iter.name : iter.kind === 'call' ? `${iter.callee}(...)` : 'a computed value'} is not expanded`,
    );
    const e = new Map(env);
    e.delete(name);
    return body(e);
  }

  /** The targets an expression's calls build, e.g. the body of `lambda: M.get_mapping(36)`. */
  targetsOf(mod: PyModule, toks: readonly Tok[], line: number): MappingTarget[] {
    return this.scanCalls(mod, { name: '<lambda>', params: [], line, body: [] }, toks, new Map(), 0);
  }

  private scanCalls(mod: PyModule, fn: FnDef, t: readonly Tok[], env: Map<string, Val>, depth: number): MappingTarget[] {
    const out: MappingTarget[] = [];
    for (let k = 0; k < t.length; k++) {
      if (t[k].kind !== 'name' || (k > 0 && t[k - 1].value === '.') || t[k - 1]?.value === 'def') continue;
      let j = k;
      while (t[j + 1]?.value === '.' && t[j + 2]?.kind === 'name') j += 2;
      if (t[j + 1]?.value !== '(') continue;
      // Parse just this call (not a larger expression it starts, such as `a(x) + b(x)`).
      const r = new ExprReader(t);
      r.pos = j + 1;
      const callee = t
        .slice(k, j + 1)
        .map((x) => x.value)
        .join('');
      const call = r.call(callee, t[k]);
      if (call.kind !== 'call') continue;
      const last = callee.split('.').pop()!;
      if (last === 'WeightTarget') {
        // A comprehension right after the call: [WeightTarget(...) for x in [...]]
        if (r.peek()?.value === 'for' && r.peek(1)?.kind === 'name') {
          const name = r.peek(1)!.value;
          r.pos += 3;
          const iter = r.expr();
          out.push(...this.loop(mod, fn, name, iter, env, (e) => this.target(mod, call, e)));
        } else out.push(...this.target(mod, call, env));
        k = call.end - 1;
        continue;
      }
      const found = this.resolveFn(mod, call.callee, fn.cls);
      if (found && found.fn !== fn) {
        const callEnv = new Map<string, Val>();
        const params = found.fn.params.filter((p, idx) => !(idx === 0 && (p.name === 'self' || p.name === 'cls')));
        // Positional arguments with `*list` spread, when the list is known.
        const positional: Expr[] = [];
        let spreadUnknown = false;
        for (const arg of call.args) {
          if (arg.kind !== 'star') {
            positional.push(arg);
            continue;
          }
          const v = this.evalVal(mod, arg.value, env, false);
          if (v?.kind === 'strs') positional.push(...v.items.map((value): Expr => ({ kind: 'str', parts: [value], tok: arg.tok })));
          else spreadUnknown = true;
        }
        if (spreadUnknown) this.note(mod.file, call.tok.line, `${call.callee}(*...) spreads a value that is not a known list of strings`);
        params.forEach((p, idx) => {
          if (p.star) {
            const rest = positional.slice(idx).map((a) => this.evalVal(mod, a, env, false));
            if (rest.every((v) => v?.kind === 'str'))
              callEnv.set(p.name, { kind: 'strs', items: rest.map((v) => (v as { value: string }).value) });
            return;
          }
          // Arguments are evaluated where the call is; defaults where the function is defined.
          const given = call.kwargs.get(p.name) ?? positional[idx];
          const v = given
            ? this.evalVal(mod, given, env, false)
            : p.default
              ? this.evalVal(found.mod, p.default, new Map(), false)
              : undefined;
          if (v) callEnv.set(p.name, v);
        });
        out.push(...this.evalFn(found.mod, found.fn, callEnv, depth + 1));
      } else if (!found && /(?:^|_)(?:mapping|targets?)$/i.test(last)) {
        this.note(mod.file, call.tok.line, `${call.callee}() could not be found, its targets are not included`);
      }
    }
    return out;
  }

  private target(mod: PyModule, call: Extract<Expr, { kind: 'call' }>, env: Map<string, Val>): MappingTarget[] {
    const line = call.tok.line;
    const toE = call.kwargs.get('to_pattern') ?? call.args[0];
    const fromE = call.kwargs.get('from_pattern') ?? call.args[1];
    if (!toE || !fromE) {
      this.note(mod.file, line, 'WeightTarget without to_pattern/from_pattern');
      return [];
    }
    const to = this.evalVal(mod, toE, env);
    const from = this.evalVal(mod, fromE, env);
    if (to?.kind !== 'str') {
      if (to) this.note(mod.file, line, 'to_pattern is not a string');
      return [];
    }
    if (from?.kind !== 'strs') {
      if (from) this.note(mod.file, line, 'from_pattern is not a list of strings');
      return [];
    }
    const reqE = call.kwargs.get('required') ?? call.args[3];
    let required = true;
    if (reqE) {
      if (reqE.kind === 'const' && typeof reqE.value === 'boolean') required = reqE.value;
      else this.note(mod.file, line, 'required= is not a literal True/False; treated as True');
    }
    const mbE = call.kwargs.get('max_blocks') ?? call.args[4];
    let maxBlocks: number | undefined;
    if (mbE && !(mbE.kind === 'const' && mbE.value === null)) {
      const v = this.evalVal(mod, mbE, env);
      if (v?.kind === 'int') maxBlocks = v.value;
      else this.note(mod.file, line, 'max_blocks is not a literal integer; ignored');
    }
    const tr = call.kwargs.get('transform') ?? call.args[2];
    const open = [...this.openIndexes].filter((n) => [to.value, ...from.items].some((p) => p.includes(`{${n}}`)));
    return [
      {
        to: to.value,
        from: from.items,
        required,
        maxBlocks,
        hasTransform: !!tr && !(tr.kind === 'const' && tr.value === null),
        file: mod.file,
        line,
        ...(open.length ? { open } : {}),
      },
    ];
  }

  /** Evaluates one getter by name (`get_vae_mapping`, or `Cls.get_vae_mapping`). */
  getter(file: string, name: string): MappingGetter | undefined {
    const mod = this.load(file);
    if (!mod) return undefined;
    const found = this.resolveFn(mod, name);
    const fn = found?.fn ?? mod.fns.find((f) => f.name === name.split('.').pop());
    if (!fn) return undefined;
    const m = found?.mod ?? mod;
    return { name: fn.name, cls: fn.cls, file: m.file, line: fn.line, targets: this.evalFn(m, fn, new Map()) };
  }
}

/** Reads every public `get_*` getter of the mapping classes in a `*_weight_mapping.py`. */
export function readMappingFile(file: string, root?: string): StaticMapping {
  const reader = new MappingReader(root);
  const mod = reader.load(file);
  if (!mod) throw new Error(`${file}: cannot read the weight mapping file`);
  const getters: MappingGetter[] = [];
  for (const fn of mod.fns) {
    if (!fn.cls || !fn.name.startsWith('get_')) continue;
    const params = fn.params.filter((p, i) => !(i === 0 && (p.name === 'self' || p.name === 'cls')));
    if (params.some((p) => !p.default)) continue;
    getters.push({ name: fn.name, cls: fn.cls, file, line: fn.line, targets: reader.evalFn(mod, fn, new Map()) });
  }
  return { file, getters, unresolved: reader.unresolved };
}
