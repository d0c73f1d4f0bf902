// The reads behind a contiguous chunk stream (layout.ts): each chunk is requested one chunk
// ahead, so the next comes off the disk while the caller works on this one.

export interface ByteSource {
  /** The file named in errors. */
  readonly file: string;
  /** Reads exactly `length` bytes at `position` into a fresh, aligned buffer. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Fills `out` with the bytes at `position`, when the source can (plain files). */
  readInto?(position: number, out: Uint8Array): Promise<void>;
}

/**
 * Returns read(position, length) for the chunks of one stream. With `reuse` (the caller is
 * done with a chunk when it asks for the next) and a source that reads in place, chunks are
 * read into two buffers of `size` bytes in turn: a long stream allocates nothing per chunk.
 */
export function chunkReader(source: ByteSource, reuse: boolean, size: number): (position: number, length: number) => Promise<Uint8Array> {
  const into = reuse ? source.readInto?.bind(source) : undefined;
  const ring: Uint8Array[] = [];
  let turn = 0;
  return (position, length) => {
    let pending: Promise<Uint8Array>;
    if (into) {
      turn ^= 1;
      const buf = (ring[turn] ??= new Uint8Array(size)).subarray(0, length);
      pending = into(position, buf).then(() => buf);
    } else pending = source.read(position, length);
    pending.catch(() => undefined); // handled when awaited; avoids an unhandled rejection if the caller stops early
    return pending;
  };
}
