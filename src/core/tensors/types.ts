// The contract between the tensor readers and everything that consumes tensors
// (compare engine, CLI, viewers). Pure: no vscode import.

/** dtype names in the safetensors vocabulary. */
export type DType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'U16'
  | 'I16'
  | 'U32'
  | 'I32'
  | 'U64'
  | 'I64'
  | 'F16'
  | 'BF16'
  | 'F32'
  | 'F64'
  | 'F8_E4M3'
  | 'F8_E5M2'
  | 'C64'
  | 'C128'
  | 'F4'
  | 'F6_E2M3'
  | 'F6_E3M2'
  | 'F8_E8M0'
  | 'F8_E4M3FNUZ'
  | 'F8_E5M2FNUZ'
  | 'UNKNOWN';

/** One tensor as listed from headers only (no data read). */
export interface TensorInfo {
  /** Unique name within its source (dotted for nested containers). */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Number of elements (product of shape; 1 for scalars). */
  readonly numel: number;
  /** Bytes of raw data this tensor occupies on disk. */
  readonly byteLength: number;
  /** The file holding the bytes (absolute path). */
  readonly file: string;
  /** Whether values can be decoded to float by this project's readers. */
  readonly decodable: boolean;
}

/**
 * Values in row-major (C) order of the logical shape, whatever the on-disk order.
 * F64 and C128 tensors come as Float64Array, everything else as Float32Array.
 */
export type FloatChunk = Float32Array | Float64Array;

export interface ChunkOptions {
  /** Upper bound on elements per chunk (the reader may yield fewer). */
  readonly chunkElements?: number;
  /** Aborts a long read; the iterator then throws an AbortError. */
  readonly signal?: AbortSignal;
  /**
   * Return 32- and 64-bit integer dtypes (I32, U32, I64, U64) as Float64Array, exact up to
   * 2^53, instead of rounding them to float32. Other dtypes are unaffected.
   */
  readonly float64?: boolean;
  /**
   * Return every tensor as interleaved (re, im) pairs, 2 numbers per element: complex dtypes
   * as stored, real dtypes with im = 0. Without it a complex tensor (C64, C128) comes as its
   * magnitudes |z|, one number per element, like every other dtype.
   */
  readonly complex?: boolean;
  /**
   * Stream only the row-major elements [start, end) (default: all). Chunks then start at
   * `start` and step by `chunkElements` (contiguous and scattered layouts alike), so slices
   * cut on a multiple of the chunk size give the same chunks as a whole-tensor read.
   */
  readonly start?: number;
  readonly end?: number;
  /**
   * The caller is done with a chunk when it asks for the next one: the reader may then read
   * into the same two buffers over and over (no allocation, no page faults per chunk).
   */
  readonly reuse?: boolean;
}

/** A lazy view of one or more tensor files. */
export interface TensorSource {
  /** The path that was opened (file or folder). */
  readonly path: string;
  /** Tensors in file/capture order as far as the format knows it. */
  list(): readonly TensorInfo[];
  get(name: string): TensorInfo | undefined;
  /** Streams a tensor's values in row-major order, converted to float. */
  chunks(name: string, options?: ChunkOptions): AsyncIterable<FloatChunk>;
  /** Reads a whole (small) tensor; refuses above `maxElements` (default 64M). */
  read(name: string, options?: { maxElements?: number; float64?: boolean; complex?: boolean }): Promise<FloatChunk>;
  /** Releases file handles. */
  close(): Promise<void>;
}

/** Summary statistics of one tensor (stats.ts computes them). */
export interface TensorStats {
  /** Over non-NaN values, so ±inf show up; null when every value is NaN (or none). */
  readonly min: number | null;
  readonly max: number | null;
  /** Population mean/std (ddof=0) over the finite values; null when there are none. */
  readonly mean: number | null;
  readonly std: number | null;
  readonly nan: number;
  readonly inf: number;
  /** Finite values counted in mean/std. */
  readonly finite: number;
  /** The first values in row-major order. */
  readonly first: number[];
}
