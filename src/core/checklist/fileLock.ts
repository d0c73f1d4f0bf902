// A lock file beside a state file, so that two processes (two VS Code windows, the CLI, a
// script) changing the same checklist take turns: each one re-reads, changes and writes under
// the lock, and no change is lost. The lock is a file created with O_EXCL holding the owner's
// pid and host; a lock whose owner died (same host, pid gone) or that is older than STALE_MS is
// broken, so a killed writer never blocks the checklist.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TEMP_SUFFIX } from './atomicWrite';

/** A write takes milliseconds; a lock this old belongs to a writer that hung or died. */
const STALE_MS = 30_000;
const WAIT_MS = 20_000;

export function lockPathFor(target: string): string {
  // Ends in the temp suffix, so the .gitignore of .mflux-port/ already keeps it out of git.
  return join(dirname(target), `.${basename(target)}.lock${TEMP_SUFFIX}`);
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly nonce: string;
}

/** True when the process is known to be gone (same host, no such pid). */
export function isDead(pid: number, host: string): boolean {
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function readOwner(lock: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(lock, 'utf8')) as Owner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** The nonce (or '' when unwritten) of a lock that may be broken; undefined when it must be waited for. */
async function staleNonce(lock: string): Promise<string | undefined> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lock)).mtimeMs;
  } catch {
    return undefined; // gone already: just try again
  }
  const owner = await readOwner(lock);
  if (owner) return isDead(owner.pid, owner.host) || Date.now() - mtimeMs > STALE_MS ? owner.nonce : undefined;
  // Created but not yet written by its owner, or torn by a kill right after creation.
  return Date.now() - mtimeMs > 2_000 ? '' : undefined;
}

/**
 * Removes a stale lock. Two waiters may both find it stale; if both simply deleted it, the
 * second could delete the fresh lock the first just took. So breaking takes a second lock, and
 * under it the lock is removed only if it is still the one found stale.
 */
export async function breakStale(lock: string, nonce: string): Promise<void> {
  const breaker = `${lock.slice(0, -TEMP_SUFFIX.length)}.break${TEMP_SUFFIX}`;
  try {
    await (await open(breaker, 'wx', 0o644)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Breaking takes milliseconds; a breaker this old was killed mid-way.
    const age = await stat(breaker).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 2_000) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    if ((await staleNonce(lock)) === nonce) await unlink(lock).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `job` while holding the lock of `target`; waits (up to WAIT_MS) for another holder. */
export async function withFileLock<T>(target: string, job: () => Promise<T>): Promise<T> {
  const lock = lockPathFor(target);
  const me: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(6).toString('hex') };
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      // No folder: there is no file to protect yet, and the job reports that itself.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return job();
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const stale = await staleNonce(lock);
    if (stale !== undefined) {
      await breakStale(lock, stale);
      continue;
    }
    if (Date.now() - started > WAIT_MS) {
      const owner = await readOwner(lock);
      throw new Error(
        `${target}: another process${owner ? ` (pid ${owner.pid} on ${owner.host})` : ''} holds ${basename(lock)}; try again, or delete that file if no other mflux Port Studio is running`,
      );
    }
    await sleep(Math.min(50, 2 + attempt) + Math.random() * 5);
  }
  try {
    return await job();
  } finally {
    // Only remove our own lock (it may have been broken as stale and taken by someone else).
    const owner = await readOwner(lock);
    if (owner?.nonce === me.nonce) await unlink(lock).catch(() => undefined);
  }
}
