// Sharded checkpoints: `*.safetensors.index.json` / `pytorch_model.bin.index.json` map each
// tensor to a shard file next to the index. Listing reads each shard's header once.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import type { FilePool, FileRef } from './file';
import { BadIndex, FileNotReadable, HeaderTooLarge, humanBytes, quote } from './errors';
import type { Entry, OpenOptions } from './source';
// detect.ts imports this module too; the cycle is fine because both only call at run time
import { readFileEntries } from './detect';

const MAX_INDEX_BYTES = 64 * 1024 * 1024;

export interface ShardIndex {
  /** Shard paths (absolute), in order of first appearance in the weight map. */
  readonly shards: string[];
  /** The weight map's tensor names, in its order, and for each the index of its shard in `shards`. */
  readonly names: string[];
  readonly shardOf: number[];
}

export async function parseShardIndex(ref: FileRef): Promise<ShardIndex> {
  const file = ref.path;
  if (ref.size > MAX_INDEX_BYTES)
    throw new HeaderTooLarge(file, `index is ${humanBytes(ref.size)}, more than the ${humanBytes(MAX_INDEX_BYTES)} limit`);
  const bytes = await ref.read(0, ref.size, 'the index');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new BadIndex(file, `not valid JSON (${(e as Error).message.slice(0, 100)})`);
  }
  const wm = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (!wm || typeof wm !== 'object' || Array.isArray(wm))
    throw new BadIndex(file, 'has no "weight_map" object; not a sharded checkpoint index');
  const dir = dirname(file);
  const shards: string[] = [];
  const map = wm as Record<string, unknown>;
  const names = Object.keys(map);
  const shardOf = new Array<number>(names.length);
  const resolved = new Map<string, number>(); // thousands of entries name a handful of shards
  // neighbours mostly name the same shard: comparing with the last one skips the look-up
  let lastRaw: unknown;
  let lastAt = -1;
  for (let i = 0; i < names.length; i++) {
    const shard = map[names[i]];
    if (shard === lastRaw) {
      shardOf[i] = lastAt;
      continue;
    }
    if (typeof shard !== 'string' || !shard) throw new BadIndex(file, `weight_map entry ${quote(names[i])} is not a file name`);
    let at = resolved.get(shard);
    if (at === undefined) {
      const norm = normalize(shard);
      if (isAbsolute(shard) || norm.startsWith('..'))
        throw new BadIndex(file, `weight_map entry ${quote(names[i])} points outside the index's folder (${quote(shard)})`);
      const path = join(dir, norm);
      at = shards.indexOf(path);
      if (at < 0) at = shards.push(path) - 1;
      resolved.set(shard, at);
    }
    shardOf[i] = lastAt = at;
    lastRaw = shard;
  }
  return { shards, names, shardOf };
}

// one system call, no trip through the libuv thread pool (listing checks every shard)
const real = (p: string): string => {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
};

/** One index on the way to a shard: its real path (to spot a cycle) and the path it was opened by. */
export interface IndexLink {
  readonly real: string;
  readonly path: string;
}

/**
 * `chain`: the indexes that listed this one as a shard. A cycle is refused here, by the index
 * reached twice, so the shards that are plain tensor files need no realpath call.
 */
export async function readShardIndex(
  ref: FileRef,
  pool: FilePool,
  options: OpenOptions,
  chain: readonly IndexLink[] = [],
): Promise<Entry[]> {
  const me = real(ref.path);
  const at = chain.findIndex((link) => link.real === me);
  if (at >= 0) {
    const lister = chain[chain.length - 1].path;
    if (at === chain.length - 1)
      throw new BadIndex(lister, `lists itself as a shard (${quote(basename(ref.path))}); an index must name tensor files`);
    const loop = [...chain.slice(at).map((link) => link.real), me].map((p) => quote(basename(p))).join(' → ');
    throw new BadIndex(lister, `indexes name each other in a cycle (${loop}); an index must name tensor files`);
  }
  const index = await parseShardIndex(ref);
  const here = [...chain, { real: me, path: ref.path }];
  const byShard: Map<string, Entry>[] = [];
  const load = async (i: number): Promise<void> => {
    const shard = index.shards[i];
    let entries: Entry[];
    try {
      entries = await readFileEntries(shard, pool, options, '', here);
    } catch (e) {
      if (e instanceof FileNotReadable) throw new BadIndex(ref.path, `lists shard ${quote(shard)}, which cannot be read (${e.reason})`);
      throw e;
    }
    const byName = new Map<string, Entry>();
    for (const x of entries) byName.set(x.info.name, x);
    byShard[i] = byName;
  };
  // a few shards at a time: headers come in parallel, open handles stay bounded. Shards start in
  // index order, so when one fails every earlier shard has started: the error reported is the
  // first bad shard in the index's order, whichever finished first.
  let next = 0;
  const errors = new Map<number, unknown>();
  const worker = async (): Promise<void> => {
    while (errors.size === 0 && next < index.shards.length) {
      const i = next++;
      try {
        await load(i);
      } catch (e) {
        errors.set(i, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, index.shards.length) }, worker));
  if (errors.size) throw errors.get(Math.min(...errors.keys()));
  const { names, shardOf } = index;
  const out = new Array<Entry>(names.length);
  for (let i = 0; i < names.length; i++) {
    const e = byShard[shardOf[i]].get(names[i]);
    if (!e) throw new BadIndex(ref.path, `maps tensor ${quote(names[i])} to ${quote(index.shards[shardOf[i]])}, which does not contain it`);
    out[i] = e;
  }
  // tensors a shard holds but the map forgot are still listed, after the mapped ones (the
  // mapped names are distinct, so equal counts mean none was forgotten)
  let held = 0;
  for (const m of byShard) held += m.size;
  if (held === out.length) return out;
  const used = new Set<Entry>(out);
  for (const m of byShard) for (const e of m.values()) if (!used.has(e)) out.push(e);
  return out;
}
