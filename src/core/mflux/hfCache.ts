// The Hugging Face hub cache as mflux sees it: repos → snapshots → components → files.
// Layout: <cache>/models--<org>--<name>/{blobs/<sha>, refs/<ref>, snapshots/<rev>/<subdir>/<file>}
// where snapshot files are symlinks into blobs/. Headers only; tensor values are read on demand.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openTensors, type TensorInfo } from '../tensors/index';

export interface CacheLocation {
  readonly dir: string;
  /** Which rule chose it: HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME or default. */
  readonly source: 'HF_HUB_CACHE' | 'HF_HOME' | 'XDG_CACHE_HOME' | 'default' | 'setting';
  readonly exists: boolean;
}

/** Where huggingface_hub keeps its cache, by the same precedence it uses. */
export function locateHfCache(env: Record<string, string | undefined> = process.env, home = homedir(), setting?: string): CacheLocation {
  const pick = (dir: string, source: CacheLocation['source']): CacheLocation => ({ dir, source, exists: existsSync(dir) });
  const expand = (p: string) => (p.startsWith('~/') ? join(home, p.slice(2)) : p);
  if (setting?.trim()) return pick(expand(setting.trim()), 'setting');
  if (env.HF_HUB_CACHE) return pick(expand(env.HF_HUB_CACHE), 'HF_HUB_CACHE');
  if (env.HF_HOME) return pick(join(expand(env.HF_HOME), 'hub'), 'HF_HOME');
  if (env.XDG_CACHE_HOME) return pick(join(expand(env.XDG_CACHE_HOME), 'huggingface', 'hub'), 'XDG_CACHE_HOME');
  return pick(join(home, '.cache', 'huggingface', 'hub'), 'default');
}

export interface CachedRepo {
  /** `org/name`. */
  readonly id: string;
  readonly kind: 'model' | 'dataset' | 'space';
  readonly dir: string;
  /** ref name → revision. */
  readonly refs: Readonly<Record<string, string>>;
}

export function listRepos(cacheDir: string): CachedRepo[] {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return [];
  }
  const out: CachedRepo[] = [];
  for (const name of names.sort()) {
    const m = /^(models|datasets|spaces)--(.+)$/.exec(name);
    if (!m) continue;
    const dir = join(cacheDir, name);
    const refs: Record<string, string> = {};
    try {
      for (const r of readdirSync(join(dir, 'refs'))) {
        try {
          refs[r] = readFileSync(join(dir, 'refs', r), 'utf8').trim();
        } catch {
          /* a ref folder (refs/pr) */
        }
      }
    } catch {
      /* no refs */
    }
    out.push({ id: m[2].split('--').join('/'), kind: m[1] === 'models' ? 'model' : m[1] === 'datasets' ? 'dataset' : 'space', dir, refs });
  }
  return out;
}

export interface Snapshot {
  readonly revision: string;
  readonly dir: string;
  /** Refs pointing at it (e.g. `main`). */
  readonly refs: readonly string[];
  readonly mtimeMs: number;
}

export function listSnapshots(repo: CachedRepo): Snapshot[] {
  const sdir = join(repo.dir, 'snapshots');
  let names: string[];
  try {
    names = readdirSync(sdir);
  } catch {
    return [];
  }
  return names
    .map((rev) => {
      let mtimeMs = 0;
      try {
        mtimeMs = statSync(join(sdir, rev)).mtimeMs;
      } catch {
        /* vanished */
      }
      return { revision: rev, dir: join(sdir, rev), refs: Object.keys(repo.refs).filter((r) => repo.refs[r] === rev), mtimeMs };
    })
    .sort((a, b) => Number(b.refs.includes('main')) - Number(a.refs.includes('main')) || b.mtimeMs - a.mtimeMs);
}

/** The snapshot mflux would load: `main` if cached, else the newest. */
export function findSnapshot(cacheDir: string, repoId: string, revision?: string): Snapshot | undefined {
  const repo = listRepos(cacheDir).find((r) => r.id === repoId && r.kind === 'model');
  if (!repo) return undefined;
  const snaps = listSnapshots(repo);
  if (revision) return snaps.find((s) => s.revision === revision || s.refs.includes(revision));
  return snaps[0];
}

export interface CacheFile {
  readonly name: string;
  readonly path: string;
  /** Size of the blob behind the link; undefined when the link is dangling (incomplete download). */
  readonly size?: number;
  readonly broken: boolean;
  readonly kind: 'safetensors' | 'index' | 'config' | 'other';
}

export interface Component {
  /** Subfolder name (`transformer`, `vae`, ...); empty for files at the snapshot root. */
  readonly name: string;
  readonly dir: string;
  readonly files: readonly CacheFile[];
}

function fileKind(name: string): CacheFile['kind'] {
  if (name.endsWith('.safetensors')) return 'safetensors';
  if (name.endsWith('.safetensors.index.json')) return 'index';
  if (name.endsWith('.json')) return 'config';
  return 'other';
}

function listFiles(dir: string): CacheFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: CacheFile[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) continue;
    let size: number | undefined;
    let broken = false;
    try {
      const real = statSync(path);
      if (real.isDirectory()) continue;
      size = real.size;
    } catch {
      broken = true;
    }
    out.push({ name, path, size, broken, kind: fileKind(name) });
  }
  return out;
}

/** Components of a snapshot: each subfolder, plus the root when it holds weight files. */
export function listComponents(snapshotDir: string): Component[] {
  const out: Component[] = [];
  let names: string[];
  try {
    names = readdirSync(snapshotDir);
  } catch {
    return [];
  }
  const rootFiles = listFiles(snapshotDir);
  if (rootFiles.some((f) => f.kind === 'safetensors' || f.kind === 'index')) out.push({ name: '', dir: snapshotDir, files: rootFiles });
  for (const name of names.sort()) {
    const dir = join(snapshotDir, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    out.push({ name, dir, files: listFiles(dir) });
  }
  return out;
}

export interface ComponentTensors {
  readonly tensors: readonly TensorInfo[];
  /** Every key the checkpoint declares (index weight_map ∪ headers), in a stable order. */
  readonly keys: readonly string[];
  /** Shards named by the index but absent or dangling in the cache. */
  readonly missingShards: readonly string[];
  /** One line per unreadable file. */
  readonly errors: readonly string[];
  readonly params: number;
  readonly bytes: number;
}

const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * Headers of a component's safetensors files. `weightFiles` restricts to named files (a
 * ComponentDefinition's weight_files); otherwise all safetensors files of the folder.
 */
export async function readComponentTensors(dir: string, weightFiles?: readonly string[]): Promise<ComponentTensors> {
  const files = listFiles(dir);
  const errors: string[] = [];
  const missing = new Set<string>();
  const indexKeys: string[] = [];
  for (const idx of files.filter((f) => f.kind === 'index')) {
    if (weightFiles && !weightFiles.some((w) => idx.name.startsWith(w))) continue;
    if (idx.broken || (idx.size ?? 0) > MAX_INDEX_BYTES) {
      errors.push(`${idx.path}: ${idx.broken ? 'not downloaded (dangling link)' : 'index file too large'}`);
      continue;
    }
    try {
      const json = JSON.parse(readFileSync(idx.path, 'utf8')) as { weight_map?: Record<string, string> };
      if (!json.weight_map || typeof json.weight_map !== 'object') {
        errors.push(`${idx.path}: no weight_map`);
        continue;
      }
      for (const [key, shard] of Object.entries(json.weight_map)) {
        indexKeys.push(key);
        const f = files.find((x) => x.name === shard);
        if (!f || f.broken) missing.add(shard);
      }
    } catch (e) {
      errors.push(`${idx.path}: invalid JSON (${(e as Error).message})`);
    }
  }
  const tensors: TensorInfo[] = [];
  for (const f of files.filter((x) => x.kind === 'safetensors' && (!weightFiles || weightFiles.includes(x.name)))) {
    if (f.broken) {
      missing.add(f.name);
      continue;
    }
    try {
      const src = await openTensors(f.path);
      try {
        tensors.push(...src.list());
      } finally {
        await src.close();
      }
    } catch (e) {
      errors.push(`${f.path}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const seen = new Set(tensors.map((t) => t.name));
  const keys = [...tensors.map((t) => t.name), ...indexKeys.filter((k) => !seen.has(k) && (seen.add(k), true))];
  return {
    tensors,
    keys,
    missingShards: [...missing].sort(),
    errors,
    params: tensors.reduce((s, t) => s + t.numel, 0),
    bytes: tensors.reduce((s, t) => s + t.byteLength, 0),
  };
}
