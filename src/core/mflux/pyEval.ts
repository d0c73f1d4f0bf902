// Evaluates the Python values a weight mapping is built from, without running Python: module
// constants, strings and f-strings, integers, lists, `+`, `range()` with known bounds, simple
// comparisons; follows `from mflux.x import Y` to other modules of the repository. What it
// cannot evaluate it notes with file:line (as unresolved) when asked to.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModule, type FnDef, type PyModule, type Val } from './pyModule';
import { ExprReader, type Expr, type Tok } from './pyTokens';

const MAX_RANGE = 10_000;

export interface Unresolved {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

export class PyEvaluator {
  protected readonly modules = new Map<string, PyModule | null>();
  readonly unresolved: Unresolved[] = [];
  private readonly seenUnresolved = new Set<string>();

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

  protected note(file: string, line: number, what: string): void {
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

  protected opaque(mod: PyModule, e: Expr, report: boolean): undefined {
    const line = e.tok.line;
    if (report)
      this.note(
        mod.file,
        line,
        `cannot evaluate ${e.kind === 'call' ? `${e.callee}(...)` : e.kind === 'unknown' ? `\`${e.text.length > 80 ? e.text.slice(0, 79) + '…' : e.text}\`` : e.kind}`,
      );
    return undefined;
  }

  /** `a OP b` with known integers or strings (OP one of < <= > >= == !=); undefined otherwise. */
  protected condition(mod: PyModule, toks: readonly Tok[], env: ReadonlyMap<string, Val>): boolean | undefined {
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
  protected rangeOf(mod: PyModule, e: Extract<Expr, { kind: 'call' }>, env: ReadonlyMap<string, Val>): number[] | undefined {
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
}
