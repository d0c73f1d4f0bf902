// The reference runner needs a Hugging Face repo id. A port may name a diffusers pipeline class
// instead (`FluxPipeline`): the HF cache (a snapshot whose model_index.json names that class)
// or the class's own docs string in the reference clone (`FluxPipeline.from_pretrained("org/name")`)
// says which repo; otherwise the caller asks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listRepos, listSnapshots } from '../mflux/hfCache';

export const isRepoId = (s: string): boolean => /^[\w.-]+\/[\w.-]+$/.test(s);

export interface ModelId {
  readonly id: string;
  /** Where it came from, for the message: the port itself, the HF cache or the diffusers source. */
  readonly from: 'port' | 'hf-cache' | 'diffusers-docs';
  readonly file?: string;
}

export function resolveModelId(reference: string, where: { hfCache?: string; referenceRepo?: string }): ModelId | undefined {
  const ref = reference.trim();
  if (isRepoId(ref)) return { id: ref, from: 'port' };
  if (!/^[A-Za-z_]\w*$/.test(ref)) return undefined;
  return (where.hfCache && fromCache(ref, where.hfCache)) || (where.referenceRepo && fromDocs(ref, where.referenceRepo)) || undefined;
}

function fromCache(cls: string, cache: string): ModelId | undefined {
  for (const repo of listRepos(cache)) {
    if (repo.kind !== 'model') continue;
    const snap = listSnapshots(repo)[0];
    if (!snap) continue;
    const file = join(snap.dir, 'model_index.json');
    try {
      const index = JSON.parse(readFileSync(file, 'utf8')) as { _class_name?: unknown };
      if (index._class_name === cls) return { id: repo.id, from: 'hf-cache', file };
    } catch {
      // not a diffusers pipeline (or unreadable): next repo
    }
  }
  return undefined;
}

const MAX_FILES = 5000;
const MAX_BYTES = 2_000_000;

function fromDocs(cls: string, repo: string): ModelId | undefined {
  const roots = [join(repo, 'src', 'diffusers', 'pipelines'), join(repo, 'diffusers', 'pipelines'), repo];
  const root = roots.find((r) => isDir(r));
  if (!root) return undefined;
  const defines = new RegExp(`^class ${cls}\\b`, 'm');
  const own = new RegExp(`${cls}\\.from_pretrained\\(\\s*["']([\\w.-]+/[\\w.-]+)["']`);
  const any = /\.from_pretrained\(\s*["']([\w.-]+\/[\w.-]+)["']/;
  let seen = 0;
  const walk = (dir: string, depth: number): ModelId | undefined => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return undefined;
    }
    for (const name of names) {
      if (++seen > MAX_FILES) return undefined;
      const p = join(dir, name);
      if (name.endsWith('.py')) {
        let text: string;
        try {
          if (statSync(p).size > MAX_BYTES) continue;
          text = readFileSync(p, 'utf8');
        } catch {
          continue;
        }
        if (!defines.test(text)) continue;
        const m = own.exec(text) ?? any.exec(text);
        if (m) return { id: m[1], from: 'diffusers-docs', file: p };
      } else if (depth < 4 && !name.startsWith('.') && name !== 'node_modules' && isDir(p)) {
        const found = walk(p, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(root, 0);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
