// Writes a file so that a crash, a SIGKILL or a power cut at any moment leaves either the
// old content or the new content, never a mix: write a temp file in the same folder (same
// file system, so rename is atomic), flush it to disk, then rename it over the target. The new
// file keeps the old one's permission bits (a user who made it read-only for others keeps that).
import { open, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Suffix of temp files; anything watching `*.json` never sees them. */
export const TEMP_SUFFIX = '.tmp';

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  let renamed = false;
  const mode = await stat(target).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
  try {
    const fh = await open(temp, 'wx', mode ?? 0o644);
    try {
      if (mode !== undefined) await fh.chmod(mode); // the umask does not apply to a kept mode
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
    renamed = true;
    await syncFolder(dirname(target));
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** Makes the rename itself durable. Not every platform lets a folder be opened (Windows); that is fine. */
async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
