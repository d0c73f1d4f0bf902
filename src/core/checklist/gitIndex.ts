// Lists the paths git tracks by reading `.git/index` directly. Checklist rules must work in
// restricted mode, where starting `git` is off limits (a repo's config can make git run
// commands, e.g. core.fsmonitor), and reading one file is also cheaper than a process.
// Format: https://git-scm.com/docs/index-format (versions 2, 3 and 4).
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/** An index bigger than this is not read (a repo with millions of files). */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

/** The repository's git folder: `.git/`, or the folder a `.git` file points to (worktrees, submodules). */
export async function gitDir(repo: string): Promise<string | undefined> {
  const dotGit = join(repo, '.git');
  try {
    const st = await stat(dotGit);
    if (st.isDirectory()) return dotGit;
    const text = await readFile(dotGit, 'utf8');
    const m = /^gitdir:\s*(.+)$/m.exec(text);
    if (!m) return undefined;
    const p = m[1].trim();
    return isAbsolute(p) ? p : resolve(repo, p);
  } catch {
    return undefined;
  }
}

class GitIndexError extends Error {}

function startsWith(name: Uint8Array, prefix: Uint8Array): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (name[i] !== prefix[i]) return false;
  return true;
}

/**
 * Parses index bytes into tracked paths (forward slashes, repo-relative), keeping only those
 * under `prefix` (compared as bytes, so the other paths are never decoded).
 */
export function parseGitIndex(buf: Uint8Array, prefix = ''): string[] {
  const want = new TextEncoder().encode(prefix);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fail = (why: string): never => {
    throw new GitIndexError(`git index: ${why}`);
  };
  if (buf.length < 12) fail('shorter than its header');
  if (String.fromCharCode(buf[0], buf[1], buf[2], buf[3]) !== 'DIRC') fail('bad signature');
  const version = view.getUint32(4);
  if (version < 2 || version > 4) fail(`unsupported version ${version}`);
  const count = view.getUint32(8);
  // Every entry takes at least 62 bytes, so a count the file cannot hold is a lie.
  if (count > (buf.length - 12) / 62) fail(`claims ${count} entries, more than the file can hold`);
  const decoder = new TextDecoder();
  const paths: string[] = [];
  let off = 12;
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const start = off;
    if (off + 62 > buf.length) fail('truncated entry');
    const flags = view.getUint16(off + 60);
    off += 62;
    if (version >= 3 && flags & 0x4000) off += 2;
    let name: Uint8Array;
    if (version === 4) {
      // Offset-encoded varint: bytes of the previous path to drop, then the NUL-terminated suffix.
      let strip = 0;
      let b: number;
      let first = true;
      do {
        if (off >= buf.length) fail('truncated path');
        b = buf[off++];
        strip = first ? b & 0x7f : ((strip + 1) << 7) | (b & 0x7f);
        first = false;
      } while (b & 0x80);
      if (strip > prev.length) fail('path prefix longer than the previous path');
      const end = buf.indexOf(0, off);
      if (end < 0) fail('unterminated path');
      name = new Uint8Array(prev.length - strip + (end - off));
      name.set(prev.subarray(0, prev.length - strip));
      name.set(buf.subarray(off, end), prev.length - strip);
      off = end + 1;
    } else {
      const end = buf.indexOf(0, off);
      if (end < 0) fail('unterminated path');
      name = buf.subarray(off, end);
      // Entries are NUL-padded to a multiple of 8 bytes.
      off = start + ((end - start + 8) & ~7);
    }
    prev = name;
    // Stage > 0 entries (merge conflicts) repeat a path; keep one.
    const stage = (flags >> 12) & 3;
    if (stage <= 1 && startsWith(name, want)) paths.push(decoder.decode(name));
  }
  return paths;
}

/**
 * Paths tracked under `prefix` (e.g. `debug_artifacts/`), or undefined when the folder is not
 * a git repository or its index cannot be read.
 */
export async function trackedPaths(repo: string, prefix = ''): Promise<string[] | undefined> {
  const dir = await gitDir(repo);
  if (!dir) return undefined;
  const indexFile = join(dir, 'index');
  try {
    const st = await stat(indexFile);
    if (st.size > MAX_INDEX_BYTES) return undefined;
    return parseGitIndex(await readFile(indexFile), prefix);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []; // fresh repo, nothing staged yet
    if (e instanceof GitIndexError) return undefined;
    return undefined;
  }
}

/**
 * Whether a top-level folder is ignored by the repo's root .gitignore or .git/info/exclude.
 * Covers the patterns people write for it (`debug_artifacts`, `/debug_artifacts/`,
 * `debug_artifacts/**`); nested .gitignore files and negations are not evaluated.
 */
export async function ignoresTopFolder(repo: string, folder: string): Promise<{ file: string; line: number } | undefined> {
  const dir = await gitDir(repo);
  const candidates = [join(repo, '.gitignore'), ...(dir ? [join(dir, 'info', 'exclude')] : [])];
  const accepted = new Set([
    folder,
    `${folder}/`,
    `/${folder}`,
    `/${folder}/`,
    `${folder}/**`,
    `/${folder}/**`,
    `${folder}/*`,
    `/${folder}/*`,
  ]);
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) if (accepted.has(lines[i].trim())) return { file, line: i + 1 };
  }
  return undefined;
}
