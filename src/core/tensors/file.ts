// Positioned reads from files of any size (Number offsets are exact below 2^53), with a
// small pool so a folder of thousands of files never holds thousands of open handles.
//
// Small reads (headers, zip directories: at most 256 KB) are synchronous: on a busy machine
// a round trip through the libuv thread pool costs far more than the read itself, and
// listing a checkpoint is hundreds of such reads. Tensor data is always read asynchronously.
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { FileNotReadable, TruncatedFile, humanBytes } from './errors';

const MAX_OPEN = 32;
const SYNC_READ_MAX = 256 * 1024;
/** The buffer every peek() reads into. */
let scratch = new Uint8Array(1 << 16);

interface OpenFile {
  readonly ref: FileRef;
  readonly fd: number;
  busy: number;
}

export class FilePool {
  private readonly open = new Map<string, OpenFile>();
  private closed = false;

  /** Opens (or reuses) a file; its size is read once at first open. */
  async get(path: string): Promise<FileRef> {
    return this.entry(path).ref;
  }

  private entry(path: string, known?: FileRef): OpenFile {
    if (this.closed) throw new FileNotReadable(path, 'the tensor source was closed');
    const existing = this.open.get(path);
    if (existing) {
      this.open.delete(path);
      this.open.set(path, existing); // most recently used goes last
      return existing;
    }
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new FileNotReadable(path, describeFsError(e));
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new FileNotReadable(path, 'not a regular file');
    }
    if (known && known.size !== st.size) {
      closeSync(fd);
      throw new TruncatedFile(path, `the file changed size while open (${humanBytes(known.size)} → ${humanBytes(st.size)})`);
    }
    const entry: OpenFile = { ref: known ?? new FileRef(path, st.size, this), fd, busy: 0 };
    this.open.set(path, entry);
    this.evict();
    return entry;
  }

  /** @internal the descriptor for a read; reopens when it was evicted. */
  acquire(ref: FileRef): OpenFile {
    const entry = this.entry(ref.path, ref);
    entry.busy++;
    return entry;
  }

  private evict(): void {
    if (this.open.size <= MAX_OPEN) return;
    for (const [path, e] of this.open) {
      if (this.open.size <= MAX_OPEN) break;
      if (e.busy > 0) continue;
      this.open.delete(path);
      closeSync(e.fd);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.open.values()) {
      try {
        closeSync(e.fd);
      } catch {
        // already closed
      }
    }
    this.open.clear();
  }
}

function readAsync(fd: number, out: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, out, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
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
    this.check(position, length, what);
    // uninitialised memory is fine: every byte is overwritten or the read throws
    const raw = Buffer.allocUnsafeSlow(length);
    const out = new Uint8Array(raw.buffer, raw.byteOffset, length);
    await this.readInto(position, out, what);
    return out;
  }

  /** Fills `out` with the bytes at `position` (a buffer reused chunk after chunk allocates nothing). */
  async readInto(position: number, out: Uint8Array, what = 'data'): Promise<void> {
    const length = out.length;
    this.check(position, length, what);
    const entry = this.pool.acquire(this);
    try {
      for (let done = 0; done < length;) {
        const n = Math.min(length - done, 0x40000000);
        done += this.counted(
          length <= SYNC_READ_MAX
            ? this.attempt(() => readSync(entry.fd, out, done, n, position + done))
            : await readAsync(entry.fd, out, done, n, position + done).catch((e: unknown) => {
                throw this.failed(e);
              }),
          what,
        );
      }
    } finally {
      entry.busy--;
    }
  }

  /**
   * The file's first `length` bytes (fewer in a smaller file, at most 256 KB), read at once into
   * one buffer shared by every file: valid only until the next peek, so use it before any await.
   * Listing reads hundreds of headers; this allocates nothing per file.
   */
  peek(length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.size, SYNC_READ_MAX));
    if (scratch.length < n) scratch = new Uint8Array(SYNC_READ_MAX);
    const out = scratch.subarray(0, n);
    const entry = this.pool.acquire(this);
    try {
      for (let done = 0; done < n;)
        done += this.counted(
          this.attempt(() => readSync(entry.fd, out, done, n - done, done)),
          'the first bytes',
        );
    } finally {
      entry.busy--;
    }
    return out;
  }

  /** A synchronous read's result, or its typed error. */
  private attempt(read: () => number): number {
    try {
      return read();
    } catch (e) {
      throw this.failed(e);
    }
  }

  private failed(e: unknown): FileNotReadable {
    return new FileNotReadable(this.path, `read failed (${describeFsError(e)})`);
  }

  private counted(got: number, what: string): number {
    if (got === 0) throw new TruncatedFile(this.path, `file ended while reading ${what} (it shrank while open?)`);
    return got;
  }

  private check(position: number, length: number, what: string): void {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
      throw new TruncatedFile(this.path, `invalid range for ${what}`);
    }
    if (position + length > this.size) {
      throw new TruncatedFile(
        this.path,
        `${what} needs bytes up to ${humanBytes(position + length)} but the file has ${humanBytes(this.size)}`,
      );
    }
  }
}

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, expected a file';
    case 'ELOOP':
      return 'symlink loop';
    case 'ENOTDIR':
      return 'a parent of this path is not a folder';
    case 'EBADF':
      return 'the file was closed';
    default:
      return `cannot open (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
}
