// The TensorSource every reader returns: a list built from headers, values on demand.
import type { ChunkOptions, FloatChunk, TensorInfo, TensorSource } from './types';
import { allocFloat } from './decode';
import { TensorNotFound, TensorTooLarge, TruncatedFile, UnsupportedDtype, quote } from './errors';
import { streamPlacement, type Placement } from './layout';
import { FilePool, type FileRef } from './file';
import type { ByteSource } from './layout';

export const DEFAULT_MAX_ELEMENTS = 64 * 1024 * 1024;

export interface Entry {
  readonly info: TensorInfo;
  /** How to read the values; resolved lazily (torch storages, deflated zip members). */
  readonly placement: () => Promise<Placement>;
}

/** Options shared by every reader. */
export interface OpenOptions {
  /** Cap on a safetensors JSON header / .npy header / pickle (bytes). */
  readonly maxHeaderBytes?: number;
  /** Cap on bytes a deflated zip member may inflate to (it is held in memory). */
  readonly maxInflatedBytes?: number;
  /** Cap on pickle opcodes executed. */
  readonly maxPickleOps?: number;
  /** Bytes a strided view may read at once (see layout.ts). */
  readonly windowBytes?: number;
  /**
   * How to read `.npy` data of descr `<V1` (8-bit floats have no NumPy name, so the
   * flavour must come from the user). Without it such tensors are listed as UNKNOWN.
   */
  readonly npyV1Dtype?: 'F8_E4M3' | 'F8_E5M2';
}

export class EntrySource implements TensorSource {
  private names: Map<string, Entry> | undefined;
  private readonly infos: TensorInfo[];

  constructor(
    readonly path: string,
    private readonly entries: readonly Entry[],
    private readonly pool: FilePool,
    private readonly windowBytes?: number,
  ) {
    this.infos = entries.map((e) => e.info);
  }

  list(): readonly TensorInfo[] {
    return this.infos;
  }

  /** The name index, built at the first look-up (listing alone does not need it). */
  private get byName(): Map<string, Entry> {
    if (!this.names) {
      this.names = new Map();
      for (const e of this.entries) this.names.set(e.info.name, e);
    }
    return this.names;
  }

  get(name: string): TensorInfo | undefined {
    return this.byName.get(name)?.info;
  }

  private entry(name: string): Entry {
    const e = this.byName.get(name);
    if (!e) throw new TensorNotFound(this.path, `no tensor named ${quote(name)}`);
    if (!e.info.decodable) {
      throw new UnsupportedDtype(e.info.file, `tensor ${quote(name)} has dtype ${e.info.dtype}, which cannot be decoded to float`);
    }
    return e;
  }

  /** Where a decodable tensor's bytes are (for readers that go past chunks(), like stats). */
  placement(name: string): Promise<Placement> {
    return this.entry(name).placement();
  }

  async *chunks(name: string, options: ChunkOptions = {}): AsyncGenerator<FloatChunk> {
    // without keepBf16 every chunk is values
    yield* this.valueChunks(name, { ...options, keepBf16: false }) as AsyncGenerator<FloatChunk>;
  }

  /** chunks(), but with `keepBf16` a little-endian BF16 tensor comes as its bit patterns. */
  async *valueChunks(name: string, options: ChunkOptions & { keepBf16?: boolean } = {}): AsyncGenerator<FloatChunk | Uint16Array> {
    const e = this.entry(name);
    options.signal?.throwIfAborted();
    const p = await e.placement();
    yield* streamPlacement(p, { ...options, windowBytes: this.windowBytes });
  }

  async read(name: string, options: { maxElements?: number; float64?: boolean; complex?: boolean } = {}): Promise<FloatChunk> {
    const e = this.entry(name);
    const max = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
    if (e.info.numel > max) {
      throw new TensorTooLarge(
        e.info.file,
        `tensor ${quote(name)} has ${e.info.numel.toLocaleString('en-US')} elements, more than the ${max.toLocaleString('en-US')} read() allows; stream it with chunks()`,
      );
    }
    const out = allocFloat(e.info.dtype, e.info.numel * (options.complex ? 2 : 1), options.float64);
    let at = 0;
    for await (const c of this.chunks(name, { float64: options.float64, complex: options.complex })) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * A tensor's chunks for the compare kernel: as chunks(), except that a little-endian BF16
 * tensor of this project's readers comes as its bit patterns (Uint16Array), which the kernel
 * decodes inside its pass (no decoded copy). Other sources give chunks() as they are.
 */
export function valueChunks(src: TensorSource, name: string, options: ChunkOptions = {}): AsyncIterable<FloatChunk | Uint16Array> {
  return src instanceof EntrySource ? src.valueChunks(name, { ...options, keepBf16: true }) : src.chunks(name, options);
}

/** A byte range of a file, addressed from its start. */
export function fileRegion(ref: FileRef, base: number, length: number): ByteSource {
  const outside = (position: number, n: number) =>
    position < 0 || position + n > length
      ? new TruncatedFile(ref.path, `read of ${n} bytes at ${position} is outside the ${length}-byte data region`)
      : null;
  return {
    file: ref.path,
    read: (position, n) => {
      const e = outside(position, n);
      return e ? Promise.reject(e) : ref.read(base + position, n);
    },
    readInto: (position, out) => {
      const e = outside(position, out.length);
      return e ? Promise.reject(e) : ref.readInto(base + position, out);
    },
  };
}
