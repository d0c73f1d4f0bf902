// Aligned pieces of two chunk streams whose chunk sizes may differ (engine, worker pool).
import type { FloatChunk } from '../tensors';

/** Hands out aligned pieces of a chunk stream (values, or bfloat16 bit patterns: see valueChunks). */
export class Cursor<T extends FloatChunk | Uint16Array = FloatChunk> {
  private chunk: T | null = null;
  private pos = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<T>) {}

  /** Elements available without another read (reads when the current chunk is used up). */
  async available(): Promise<number> {
    while (!this.done && (this.chunk === null || this.pos >= this.chunk.length)) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        this.chunk = r.value;
        this.pos = 0;
      }
    }
    return this.chunk ? this.chunk.length - this.pos : 0;
  }

  take(n: number): T {
    const c = this.chunk as T;
    const out = this.pos === 0 && n === c.length ? c : (c.subarray(this.pos, this.pos + n) as T);
    this.pos += n;
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}
