// Positioned reads from files of any size (Number offsets are exact below 2^53), with a
// small pool so a folder of thousands of files never holds thousands of open handles.
import { open, type FileHandle } from 'node:fs/promises';
import { FileNotReadable, TruncatedFile, humanBytes } from './errors';

const MAX_OPEN = 32;

export class FilePool {
  private readonly open = new Map<string, OpenFile>();
  private closed = false;

  /** Opens (or reuses) a file; its size is read once at first open. */
  async get(path: string): Promise<FileRef> {
    if (this.closed) throw new FileNotReadable(path, 'the tensor source was closed');
    const existing = this.open.get(path);
    if (existing) {
      this.open.delete(path);
      this.open.set(path, existing); // most recently used goes last
      return existing.ref;
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      throw new FileNotReadable(path, describeFsError(e));
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new FileNotReadable(path, 'not a regular file');
    }
    const entry: OpenFile = { ref: new FileRef(path, st.size, this), handle, busy: 0 };
    this.open.set(path, entry);
    await this.evict();
    return entry.ref;
  }

  /** @internal the handle for a read; reopens when it was evicted. */
  async acquire(ref: FileRef): Promise<OpenFile> {
    let entry = this.open.get(ref.path);
    if (!entry) {
      await this.get(ref.path);
      entry = this.open.get(ref.path)!;
    }
    entry.busy++;
    return entry;
  }

  private async evict(): Promise<void> {
    if (this.open.size <= MAX_OPEN) return;
    for (const [path, e] of this.open) {
      if (this.open.size <= MAX_OPEN) break;
      if (e.busy > 0) continue;
      this.open.delete(path);
      await e.handle.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((e) => e.handle.close().catch(() => undefined)));
  }
}

interface OpenFile {
  readonly ref: FileRef;
  readonly handle: FileHandle;
  busy: number;
}

export class FileRef {
  constructor(
    readonly path: string,
    readonly size: number,
    private readonly pool: FilePool,
  ) {}

  /**
   * Reads exactly `length` bytes at `position` into a fresh, 8-byte aligned buffer.
   * The range is checked against the file size first, so no untrusted length allocates.
   */
  async read(position: number, length: number, what = 'data'): Promise<Uint8Array> {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new TruncatedFile(this.path, `invalid range for ${what}`);
    }
    if (position + length > this.size) {
      throw new TruncatedFile(
        this.path,
        `${what} needs bytes up to ${humanBytes(position + length)} but the file has ${humanBytes(this.size)}`,
      );
    }
    const out = new Uint8Array(new ArrayBuffer(length));
    const entry = await this.pool.acquire(this);
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await entry.handle.read(out, done, Math.min(length - done, 0x40000000), position + done);
        if (bytesRead === 0) throw new TruncatedFile(this.path, `file ended while reading ${what} (it shrank while open?)`);
        done += bytesRead;
      }
    } finally {
      entry.busy--;
    }
    return out;
  }

  /** Reads up to `length` bytes (fewer at the end of the file). */
  async readUpTo(position: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - position));
    return this.read(position, n);
  }
}

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or folder';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a folder, expected a file';
    case 'ELOOP': return 'symlink loop';
    case 'ENOTDIR': return 'a parent of this path is not a folder';
    default: return `cannot open (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
}
