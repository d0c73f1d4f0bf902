// The state files on disk: loading, and every change made under a lock file after re-reading
// the file, written atomically; temp files of interrupted writes cleaned up. See state.ts.
import { lstat, mkdir, readFile, readdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { TEMP_SUFFIX, writeFileAtomic } from './atomicWrite';
import { isDead, withFileLock } from './fileLock';
import { decodeUtf8 } from './jsonText';
import { type Port } from './port';
import { STATE_DIR, type PortState, StateFileError, stateDir, stateFile, newPortState } from './stateTypes';
import { parseState, serializeState } from './stateJson';

// ---------------------------------------------------------------- files

export type LoadResult =
  | { readonly ok: true; readonly file: string; readonly state: PortState }
  | { readonly ok: false; readonly file: string; readonly error: StateFileError };

/** Reads and parses one state file; never throws for a bad file, returns the error instead. */
export async function loadStateFile(file: string): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code ?? String(e)})`;
    return { ok: false, file, error: new StateFileError(file, 'unreadable', reason) };
  }
  const decoded = decodeUtf8(bytes);
  if ('error' in decoded) return { ok: false, file, error: new StateFileError(file, 'invalid', decoded.error) };
  try {
    return { ok: true, file, state: parseState(decoded.text, file) };
  } catch (e) {
    if (e instanceof StateFileError) return { ok: false, file, error: e };
    throw e;
  }
}

/** Every `*.json` under `<mfluxRepo>/.mflux-port/`, sorted by file name. No folder → no ports. */
export async function loadPorts(mfluxRepo: string): Promise<LoadResult[]> {
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) return [{ ok: false, file: stateDir(mfluxRepo), error: outside }];
  let names: string[];
  try {
    names = await readdir(stateDir(mfluxRepo));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  return Promise.all(files.map((n) => loadStateFile(join(stateDir(mfluxRepo), n))));
}

/**
 * Fails (with the StateFileError) if a file exists at `file` that this version must not
 * overwrite: unparsable, invalid, or from a newer schema.
 */
async function assertOverwritable(file: string): Promise<void> {
  const existing = await loadStateFile(file);
  if (existing.ok) return;
  if (existing.error.kind === 'unreadable' && existing.error.reason === 'the file does not exist') return;
  throw new StateFileError(file, existing.error.kind, `${existing.error.reason} — left untouched`);
}

const IGNORE_TEXT = '# Temp files of interrupted writes; the *.json files are the checklist state.\n*' + TEMP_SUFFIX + '\n';

/** An error when `.mflux-port` is a symlink that leads out of the repo (it is then not followed). */
async function stateDirOutsideRepo(mfluxRepo: string): Promise<StateFileError | undefined> {
  const dir = stateDir(mfluxRepo);
  try {
    if (!(await lstat(dir)).isSymbolicLink()) return undefined;
  } catch {
    return undefined; // does not exist yet
  }
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return new StateFileError(dir, 'unreadable', `${STATE_DIR} is a symlink that leads nowhere; not followed`);
  }
  const rel = relative(await realpath(mfluxRepo), real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    return new StateFileError(dir, 'unreadable', `${STATE_DIR} is a symlink to ${real}, outside the repo; not followed`);
  return undefined;
}

/** Creates `.mflux-port/` with a .gitignore for temp files, the first time. */
async function ensureStateDir(mfluxRepo: string): Promise<void> {
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  const dir = stateDir(mfluxRepo);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '.gitignore'), IGNORE_TEXT, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

/** Removes temp files older than `maxAgeMs` that a killed writer left behind. */
export async function removeStaleTemps(mfluxRepo: string, maxAgeMs = 10 * 60_000, now = Date.now()): Promise<string[]> {
  const dir = stateDir(mfluxRepo);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith('.') || !n.endsWith(TEMP_SUFFIX)) continue;
    const p = join(dir, n);
    try {
      if (now - (await stat(p)).mtimeMs > maxAgeMs) {
        await unlink(p);
        removed.push(p);
      }
    } catch {
      // raced with another cleaner
    }
  }
  return removed;
}

/** Removes the temp files of `file` whose writer (pid in the name, this host) is gone. */
async function removeDeadTemps(file: string): Promise<void> {
  const dir = resolve(file, '..');
  const prefix = `.${basename(file)}.`;
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+$/.exec(n.slice(prefix.length, -TEMP_SUFFIX.length)) : null;
    if (m && n.endsWith(TEMP_SUFFIX) && isDead(Number(m[1]), hostname())) await unlink(join(dir, n)).catch(() => undefined);
  }
}

/**
 * Serialises writes per file: within this process by a queue (two quick clicks never
 * interleave), across processes by a lock file (two windows ticking the same checklist).
 */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(file: string, work: () => Promise<T>): Promise<T> {
  const job = () =>
    withFileLock(file, async () => {
      await removeDeadTemps(file);
      return work();
    });
  const prev = queues.get(file) ?? Promise.resolve();
  const next = prev.then(job, job);
  const tail = next.catch(() => undefined);
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return next;
}

/** Creates the state file of a new port. Refuses when the port already has one. */
export async function createPort(port: Port, now = new Date(), baseCommit?: string): Promise<PortState> {
  const file = stateFile(port.mfluxRepo, port.model);
  await ensureStateDir(port.mfluxRepo); // the lock file lives in it
  return serialised(file, async () => {
    const existing = await loadStateFile(file);
    if (existing.ok) throw new StateFileError(file, 'invalid', `a port named "${port.model}" already exists`);
    await assertOverwritable(file);
    const state = newPortState(port, now, baseCommit);
    await writeFileAtomic(file, serializeState(state));
    return state;
  });
}

/**
 * Reads the current file, applies `change`, writes the result atomically. Re-reading first
 * keeps outside edits; a broken or newer file makes this throw without writing.
 */
export async function updatePort(mfluxRepo: string, model: string, change: (s: PortState) => PortState): Promise<PortState> {
  const file = stateFile(mfluxRepo, model);
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  return serialised(file, async () => {
    const loaded = await loadStateFile(file);
    if (!loaded.ok) throw new StateFileError(file, loaded.error.kind, `${loaded.error.reason} — left untouched`);
    const next = change(loaded.state);
    await writeFileAtomic(file, serializeState(next));
    return next;
  });
}

/** Writes a whole state (e.g. a restored backup); same refusal rules as updatePort. */
export async function savePort(state: PortState): Promise<void> {
  const file = stateFile(state.port.mfluxRepo, state.port.model);
  await ensureStateDir(state.port.mfluxRepo);
  await serialised(file, async () => {
    await assertOverwritable(file);
    await writeFileAtomic(file, serializeState(state));
  });
}

/** Deletes a port's state file. A missing file is not an error. */
export async function removePort(mfluxRepo: string, model: string): Promise<void> {
  const file = stateFile(mfluxRepo, model);
  const outside = await stateDirOutsideRepo(mfluxRepo);
  if (outside) throw outside;
  try {
    await stat(stateDir(mfluxRepo));
  } catch {
    return; // no folder, no file
  }
  await serialised(file, () =>
    unlink(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    }),
  );
}
