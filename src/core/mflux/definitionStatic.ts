// Reads an mflux weight definition without running Python: its ComponentDefinition(...) calls
// (name, hf_subdir, num_blocks/num_layers, weight files, prefix filters) and the mapping each
// component's mapping_getter builds, whether a plain reference (`M.get_vae_mapping`) or a
// lambda calling a getter with literal arguments (`lambda: M.get_transformer_mapping(36)`).
import { MappingReader, type MappingGetter, type Unresolved } from './mappingStatic';
import type { PyModule } from './pyModule';
import { ExprReader, type Expr, type LogicalLine, type Tok } from './pyTokens';

export interface ComponentSpec {
  readonly name: string;
  readonly hfSubdir: string;
  readonly numBlocks?: number;
  readonly numLayers?: number;
  readonly weightFiles?: readonly string[];
  /** `weight_prefix_filters`: only keys starting with one of these are loaded. */
  readonly prefixFilters?: readonly string[];
  readonly hasKeyTransform: boolean;
  /** The weights come from a URL, not from the Hugging Face snapshot. */
  readonly downloadUrl?: string;
  readonly file: string;
  readonly line: number;
  /** Dotted getter expression, e.g. `ZImageWeightMapping.get_vae_mapping`. */
  readonly getter?: string;
  readonly mapping?: MappingGetter;
}

export interface StaticDefinition {
  readonly file: string;
  readonly components: readonly ComponentSpec[];
  readonly unresolved: readonly Unresolved[];
}

/** Tokens of a lambda's body: after `lambda ...:` up to the `,` or `)` that ends the argument. */
function lambdaBody(toks: readonly Tok[], at: number): Tok[] {
  let k = at + 1;
  while (k < toks.length && !(toks[k].kind === 'op' && toks[k].value === ':')) k++;
  const out: Tok[] = [];
  let depth = 0;
  for (k++; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'op' && '([{'.includes(t.value)) depth++;
    else if (t.kind === 'op' && ')]}'.includes(t.value)) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && t.kind === 'op' && t.value === ',') break;
    out.push(t);
  }
  return out;
}

/** The lines of class `cls` (the first class with get_components when not given; every line when there is none). */
function classLines(mod: PyModule, cls?: string): readonly LogicalLine[] {
  const name = cls ?? mod.fns.find((f) => f.cls && f.name === 'get_components')?.cls;
  if (!name) return mod.lines;
  const at = mod.lines.findIndex((l) => l.toks[0]?.value === 'class' && l.toks[1]?.value === name);
  if (at < 0) return mod.lines;
  const out: LogicalLine[] = [];
  for (let i = at + 1; i < mod.lines.length && mod.lines[i].indent > mod.lines[at].indent; i++) out.push(mod.lines[i]);
  return out;
}

/**
 * Reads the ComponentDefinition(...) calls of a weight definition class (`cls`, or the first
 * class in the file with get_components, as a file may hold several variants) and resolves
 * their mapping getters.
 */
export function readWeightDefinition(file: string, root?: string, cls?: string): StaticDefinition {
  const reader = new MappingReader(root);
  const mod = reader.load(file);
  if (!mod) throw new Error(`${file}: cannot read the weight definition file`);
  const components: ComponentSpec[] = [];
  const val = (e: Expr | undefined) => (e ? reader.evalVal(mod, e, new Map(), false) : undefined);
  for (const l of classLines(mod, cls)) {
    for (let k = 0; k < l.toks.length; k++) {
      if (l.toks[k].value !== 'ComponentDefinition' || l.toks[k + 1]?.value !== '(' || l.toks[k - 1]?.value === '.') continue;
      const r = new ExprReader(l.toks);
      r.pos = k;
      const call = r.expr();
      if (call.kind !== 'call') continue;
      const str = (key: string) => {
        const v = val(call.kwargs.get(key));
        return v?.kind === 'str' ? v.value : undefined;
      };
      const int = (key: string) => {
        const v = val(call.kwargs.get(key));
        return v?.kind === 'int' ? v.value : undefined;
      };
      const strs = (key: string) => {
        const v = val(call.kwargs.get(key));
        return v?.kind === 'strs' ? v.items : undefined;
      };
      const first = val(call.args[0]);
      const name = str('name') ?? (first?.kind === 'str' ? first.value : undefined);
      // hf_subdir="" means the repo root (single-file checkpoints).
      const hfSubdir = call.kwargs.has('hf_subdir') ? str('hf_subdir') : name;
      const line = call.tok.line;
      if (!name || hfSubdir === undefined) {
        reader.unresolved.push({ file, line, what: 'ComponentDefinition without a literal name/hf_subdir' });
        continue;
      }
      const getterE = call.kwargs.get('mapping_getter');
      let getter: string | undefined;
      let mapping: MappingGetter | undefined;
      if (getterE?.kind === 'name') {
        getter = getterE.name;
        const found = reader.resolveFn(mod, getter);
        if (found)
          mapping = {
            name: found.fn.name,
            cls: found.fn.cls,
            file: found.mod.file,
            line: found.fn.line,
            targets: reader.evalFn(found.mod, found.fn, new Map()),
          };
        else reader.unresolved.push({ file, line, what: `mapping getter ${getter} of component "${name}" was not found` });
      } else if (getterE?.kind === 'unknown' && getterE.tok.value === 'lambda') {
        // lambda: M.get_x(36): the getter the lambda calls, with its literal arguments.
        const body = lambdaBody(l.toks, l.toks.indexOf(getterE.tok));
        const br = new ExprReader(body);
        const inner = br.expr();
        const found = inner.kind === 'call' ? reader.resolveFn(mod, inner.callee) : undefined;
        if (inner.kind === 'call' && found) {
          getter = inner.callee;
          mapping = {
            name: found.fn.name,
            cls: found.fn.cls,
            file: found.mod.file,
            line: found.fn.line,
            targets: reader.targetsOf(mod, body, line),
          };
        } else reader.unresolved.push({ file, line, what: `mapping_getter of component "${name}" is a lambda that calls no known getter` });
      } else if (getterE && !(getterE.kind === 'const' && getterE.value === null)) {
        reader.unresolved.push({ file, line, what: `mapping_getter of component "${name}" is not a plain function reference` });
      }
      const keyTransform = call.kwargs.get('key_transform');
      const hasKeyTransform = !!keyTransform && !(keyTransform.kind === 'const' && keyTransform.value === null);
      if (hasKeyTransform)
        reader.unresolved.push({
          file,
          line,
          what: `component "${name}" renames keys with key_transform before ${mapping ? 'mapping' : 'loading'}; static coverage sees the raw checkpoint names`,
        });
      components.push({
        name,
        hfSubdir,
        numBlocks: int('num_blocks'),
        numLayers: int('num_layers'),
        weightFiles: strs('weight_files'),
        prefixFilters: strs('weight_prefix_filters'),
        hasKeyTransform,
        downloadUrl: str('download_url'),
        file,
        line,
        getter,
        mapping,
      });
      k = call.end - 1;
    }
  }
  return { file, components, unresolved: reader.unresolved };
}
