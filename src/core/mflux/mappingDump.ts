// Runs python/mflux_port_tools/dump_mapping.py with the port's own Python (it imports the
// mapping modules, which need MLX) and validates what it prints.
import { relative, sep } from 'node:path';
import { run } from './exec';
import type { CoverageTarget } from './coverage';

export interface DumpedComponent {
  readonly name: string;
  readonly hfSubdir: string;
  readonly numBlocks?: number;
  readonly numLayers?: number;
  readonly getter?: string;
  readonly hasKeyTransform: boolean;
  readonly weightFiles?: readonly string[];
  readonly prefixFilters?: readonly string[];
  readonly downloadUrl?: string;
  readonly targets: readonly DumpedTarget[];
  /** Why placeholders were not expanded, or how num_blocks/num_layers were chosen. */
  readonly flatNote?: string;
}

export interface DumpedTarget extends CoverageTarget {
  /** Concrete checkpoint keys as mflux's own mapper expands this target (when available). */
  readonly expanded?: readonly string[];
}

/** `src/mflux/models/x/weights/x_weight_definition.py` → `mflux.models.x.weights.x_weight_definition`. */
export function moduleNameOf(root: string, file: string): string {
  const rel = relative(root, file).split(sep).join('/');
  if (!rel.startsWith('src/') || !rel.endsWith('.py')) throw new Error(`${file} is not a module under ${root}/src`);
  return rel.slice(4, -3).split('/').join('.');
}

/** Splits a command setting such as `uv run python` into program and arguments. */
export function splitCommand(cmd: string): string[] {
  return cmd.trim().split(/\s+/).filter(Boolean);
}

function isStrList(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

export function parseDump(stdout: string, origin = 'dump_mapping.py'): DumpedComponent[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new Error(`${origin}: output is not JSON`);
  }
  const comps = (json as { components?: unknown }).components;
  if (!Array.isArray(comps)) throw new Error(`${origin}: output has no "components" list`);
  return comps.map((c: Record<string, unknown>, i) => {
    if (typeof c.name !== 'string' || typeof c.hf_subdir !== 'string' || !Array.isArray(c.targets))
      throw new Error(`${origin}: component ${i} is malformed`);
    const targets: DumpedTarget[] = (c.targets as Record<string, unknown>[]).map((t, k) => {
      if (typeof t.to !== 'string' || !isStrList(t.from)) throw new Error(`${origin}: target ${k} of ${c.name} is malformed`);
      return {
        to: t.to,
        from: t.from,
        required: t.required !== false,
        maxBlocks: typeof t.max_blocks === 'number' ? t.max_blocks : undefined,
        expanded: isStrList(t.expanded) ? t.expanded : undefined,
      };
    });
    return {
      name: c.name,
      hfSubdir: c.hf_subdir,
      numBlocks: typeof c.num_blocks === 'number' ? c.num_blocks : undefined,
      numLayers: typeof c.num_layers === 'number' ? c.num_layers : undefined,
      getter: typeof c.getter === 'string' ? c.getter : undefined,
      hasKeyTransform: c.has_key_transform === true,
      weightFiles: isStrList(c.weight_files) ? c.weight_files : undefined,
      prefixFilters: isStrList(c.weight_prefix_filters) ? c.weight_prefix_filters : undefined,
      downloadUrl: typeof c.download_url === 'string' ? c.download_url : undefined,
      targets,
      flatNote: typeof c.flat_note === 'string' ? c.flat_note : undefined,
    };
  });
}

export interface DumpOptions {
  /** e.g. `uv run python` or `/path/to/.venv/bin/python`. */
  readonly python: string;
  /** Absolute path of dump_mapping.py (shipped with the extension). */
  readonly script: string;
  readonly env?: Record<string, string | undefined>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Runs the dump for a weight definition file of the repo at `root`. */
export async function dumpMapping(root: string, definitionFile: string, options: DumpOptions): Promise<DumpedComponent[]> {
  const [cmd, ...pre] = splitCommand(options.python);
  if (!cmd) throw new Error('no Python command configured (mfluxPort.pythonCommand)');
  const r = await run(cmd, [...pre, options.script, '--definition', moduleNameOf(root, definitionFile)], {
    cwd: root,
    env: { ...process.env, ...options.env },
    signal: options.signal,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (r.exitCode !== 0) {
    const line =
      r.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop() ?? `exit code ${r.exitCode}`;
    throw new Error(`${options.python} dump_mapping.py failed: ${line}`);
  }
  return parseDump(r.stdout);
}

/**
 * Dump targets as coverage targets: the patterns as Python built them. Coverage expands them
 * with num_blocks/num_layers detected from the checkpoint, as mflux does at load time (the
 * dump, run without the checkpoint, can only use mflux's defaults).
 */
export function dumpTargets(c: DumpedComponent): CoverageTarget[] {
  return c.targets.map(({ to, from, required, maxBlocks }) => ({ to, from, required, maxBlocks }));
}
