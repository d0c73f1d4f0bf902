// Reads an mflux weight mapping (and weight definition) without running Python: the
// WeightTarget(to_pattern=..., from_pattern=[...]) calls of each getter, through literal
// strings, f-strings, local string variables, loops over literal lists or range(), and
// helper functions called with literal arguments. Whatever it cannot resolve it reports
// with file:line, so the user knows when to run the dump script instead.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModule, type FnDef, type PyModule, type Val } from './pyModule';
import { ExprReader, type Expr, type LogicalLine, type Tok } from './pyTokens';

const MAX_DEPTH = 6;
const MAX_RANGE = 10_000;

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

export interface Unresolved {
  readonly file: string;
  readonly line: number;
  readonly what: string;
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

export class MappingReader {
  private readonly modules = new Map<string, PyModule | null>();
  readonly unresolved: Unresolved[] = [];
  private readonly seenUnresolved = new Set<string>();
  /** Loop variables whose range is not known, kept as `{name}` placeholders. */
  private readonly openIndexes = new Set<string>();

  /** `root` is the mflux repository root, used to follow imports of other mflux modules. */
  constructor(readonly root?: string) {}

  load(file: string): PyModule | undefined {
    if (!this.modules.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = undefined;
      }
      const mod = text === undefined ? null : parseModule(file, text);
      this.modules.set(file, mod);
      if (mod) {
        for (const l of mod.lines) {
          if (l.indent !== 0 || l.toks[0]?.kind !== 'name' || l.toks[1]?.value !== '=') continue;
          const v = this.evalVal(mod, new ExprReader(l.toks.slice(2)).expr(), new Map(), false);
          if (v) mod.consts.set(l.toks[0].value, v);
        }
      }
    }
    return this.modules.get(file) ?? undefined;
  }

  private note(file: string, line: number, what: string): void {
    const key = `${file}:${line}:${what}`;
    if (this.seenUnresolved.has(key)) return;
    this.seenUnresolved.add(key);
    this.unresolved.push({ file, line, what });
  }

  /** File of an mflux module (`mflux.models.x.y`), when the repo root is known. */
  moduleFile(module: string): string | undefined {
    if (!this.root || !module.startsWith('mflux.')) return undefined;
    const base = join(this.root, 'src', ...module.split('.'));
    if (existsSync(base + '.py')) return base + '.py';
    if (existsSync(join(base, '__init__.py'))) return join(base, '__init__.py');
    return undefined;
  }

  /** Finds the function a dotted callee names: same module (`Cls.f`, `self.f`, `f`) or an imported class. */
  resolveFn(mod: PyModule, callee: string, fromCls?: string): { mod: PyModule; fn: FnDef } | undefined {
    const parts = callee.split('.');
    const fname = parts[parts.length - 1];
    if (parts.length === 1) {
      const fn = mod.fns.find((f) => f.name === fname && !f.cls) ?? mod.fns.find((f) => f.name === fname && f.cls === fromCls);
      return fn ? { mod, fn } : undefined;
    }
    const owner = parts[parts.length - 2];
    if (owner === 'self' || owner === 'cls') {
      const fn = mod.fns.find((f) => f.name === fname && f.cls === fromCls);
      return fn ? { mod, fn } : undefined;
    }
    const local = mod.fns.find((f) => f.name === fname && f.cls === owner);
    if (local) return { mod, fn: local };
    const imp = mod.imports.get(parts[0]);
    if (imp) {
      const file = this.moduleFile(imp.module);
      const other = file ? this.load(file) : undefined;
      if (!other) return undefined;
      const fn = other.fns.find((f) => f.name === fname && (f.cls === imp.name || (parts.length === 2 && !f.cls && imp.name === owner)));
      return fn ? { mod: other, fn } : undefined;
    }
    return undefined;
  }

  evalVal(mod: PyModule, e: Expr, env: ReadonlyMap<string, Val>, report = true): Val | undefined {
    const line = e.tok.line;
    switch (e.kind) {
      case 'str': {
        let s = '';
        for (const p of e.parts) {
          if (typeof p === 'string') {
            s += p;
            continue;
          }
          const v = /^[A-Za-z_]\w*$/.test(p.expr) ? (env.get(p.expr) ?? mod.consts.get(p.expr)) : undefined;
          if (v?.kind === 'str') s += v.value;
          else if (v?.kind === 'int') s += String(v.value);
          else if (v?.kind === 'index') s += `{${v.name}}`;
          else {
            if (report) this.note(mod.file, line, `f-string field {${p.expr}} is not a known string (a parameter or computed value)`);
            return undefined;
          }
        }
        return { kind: 'str', value: s };
      }
      case 'num':
        return Number.isInteger(e.value) ? { kind: 'int', value: e.value } : undefined;
      case 'name': {
        const v = env.get(e.name) ?? mod.consts.get(e.name);
        if (!v && report) this.note(mod.file, line, `${e.name} is not a known value`);
        return v;
      }
      case 'add': {
        const a = this.evalVal(mod, e.left, env, report);
        const b = a ? this.evalVal(mod, e.right, env, report) : undefined;
        if (a?.kind === 'str' && b?.kind === 'str') return { kind: 'str', value: a.value + b.value };
        if (a?.kind === 'int' && b?.kind === 'int') return { kind: 'int', value: a.value + b.value };
        if (a?.kind === 'strs' && b?.kind === 'strs') return { kind: 'strs', items: [...a.items, ...b.items] };
        if (a?.kind === 'ints' && b?.kind === 'ints') return { kind: 'ints', items: [...a.items, ...b.items] };
        return undefined;
      }
      case 'list': {
        if (e.comp) {
          if (report) this.note(mod.file, line, 'list comprehension of strings is not expanded');
          return undefined;
        }
        const vals = e.items.map((it) => this.evalVal(mod, it, env, report));
        if (vals.every((v) => v?.kind === 'str')) return { kind: 'strs', items: vals.map((v) => (v as { value: string }).value) };
        if (vals.length && vals.every((v) => v?.kind === 'int'))
          return { kind: 'ints', items: vals.map((v) => (v as { value: number }).value) };
        return undefined;
      }
      case 'call': {
        const r = e.callee === 'range' ? this.rangeOf(mod, e, env) : undefined;
        if (r) return { kind: 'ints', items: r };
        return this.opaque(mod, e, report);
      }
      default:
        return this.opaque(mod, e, report);
    }
  }

  private opaque(mod: PyModule, e: Expr, report: boolean): undefined {
    const line = e.tok.line;
    if (report)
      this.note(
        mod.file,
        line,
        `cannot evaluate ${e.kind === 'call' ? `${e.callee}(...)` : e.kind === 'unknown' ? `\`${e.text.length > 80 ? e.text.slice(0, 79) + '…' : e.text}\`` : e.kind}`,
      );
    return undefined;
  }

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

  /** `a OP b` with known integers or strings (OP one of < <= > >= == !=); undefined otherwise. */
  private condition(mod: PyModule, toks: readonly Tok[], env: ReadonlyMap<string, Val>): boolean | undefined {
    const at = toks.findIndex((x) => x.kind === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(x.value));
    if (at <= 0) return undefined;
    const a = this.evalVal(mod, new ExprReader(toks.slice(0, at)).expr(), env, false);
    const b = this.evalVal(mod, new ExprReader(toks.slice(at + 1)).expr(), env, false);
    const x = a?.kind === 'int' || a?.kind === 'str' ? a.value : undefined;
    const y = b?.kind === 'int' || b?.kind === 'str' ? b.value : undefined;
    if (x === undefined || y === undefined || typeof x !== typeof y) return undefined;
    switch (toks[at].value) {
      case '<':
        return x < y;
      case '<=':
        return x <= y;
      case '>':
        return x > y;
      case '>=':
        return x >= y;
      case '==':
        return x === y;
      default:
        return x !== y;
    }
  }

  /** The values of `range(stop)`, `range(start, stop)`, `range(start, stop, step)` with known integers. */
  private rangeOf(mod: PyModule, e: Extract<Expr, { kind: 'call' }>, env: ReadonlyMap<string, Val>): number[] | undefined {
    if (e.kwargs.size || e.args.length < 1 || e.args.length > 3) return undefined;
    const n = e.args.map((a) => this.evalVal(mod, a, env, false));
    if (!n.every((v) => v?.kind === 'int')) return undefined;
    const [start, stop, step] = n.length === 1 ? [0, (n[0] as { value: number }).value, 1] : n.map((v) => (v as { value: number }).value);
    const by = step ?? 1;
    if (by === 0 || Math.abs((stop - start) / by) > MAX_RANGE) return undefined;
    const out: number[] = [];
    for (let i = start; by > 0 ? i < stop : i > stop; i += by) out.push(i);
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
