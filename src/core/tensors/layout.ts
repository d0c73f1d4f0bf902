// Where a tensor's bytes are and how to stream them in row-major logical order.
//
// Strategy for non-contiguous layouts (Fortran-order .npy, torch views with strides):
// - if the bytes the view spans fit in `windowBytes` (default 1 GiB), that span is read
//   once and elements are gathered from memory chunk by chunk; chunks then hold whole rows
//   (may be smaller than asked) so the gather can go in cache-friendly tiles;
// - otherwise each output chunk (at most 1M elements) computes the offsets it needs,
//   sorts them and reads them as coalesced runs of at most `windowBytes`. Memory stays
//   bounded by the window plus two chunks; speed drops with the scatter of the layout.
import type { DType, FloatChunk } from './types';
import { dtypeBytes, isComplex } from './dtypes';
import { complexMagnitude, decode, realAsComplex } from './decode';
import { gatherFrom, gatherRowsTiled, walk } from './gather';
import { chunkReader, type ByteSource } from './readAhead';

export type { ByteSource } from './readAhead';

export interface Placement {
  readonly source: ByteSource;
  /** Byte offset (in `source`) of logical element [0, …, 0]. */
  readonly offset: number;
  readonly dtype: DType;
  readonly littleEndian: boolean;
  readonly shape: readonly number[];
  /** Strides in elements; absent means C-contiguous. All non-negative. */
  readonly strides?: readonly number[];
}

export interface StreamOptions {
  readonly chunkElements?: number;
  readonly signal?: AbortSignal;
  readonly float64?: boolean;
  /** Interleaved (re, im) pairs for every dtype (see ChunkOptions.complex). */
  readonly complex?: boolean;
  readonly windowBytes?: number;
  /** Only row-major elements [start, end) (see ChunkOptions.start). */
  readonly start?: number;
  readonly end?: number;
  /** A little-endian BF16 tensor comes as its bit patterns (Uint16Array), undecoded (see valueChunks). */
  readonly keepBf16?: boolean;
  /** Two buffers read into in turn (see ChunkOptions.reuse). */
  readonly reuse?: boolean;
}

const DEFAULT_CHUNK_ELEMENTS = 1 << 22;
const DEFAULT_WINDOW_BYTES = 1 << 30;
const SCATTER_CHUNK = 1 << 20;

function bf16Bits(bytes: Uint8Array, cnt: number): Uint16Array {
  const b = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice(0, cnt * 2);
  return new Uint16Array(b.buffer, b.byteOffset, cnt);
}

function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

export function isCContiguous(shape: readonly number[], strides: readonly number[] | undefined): boolean {
  if (!strides) return true;
  const c = cStrides(shape);
  return shape.every((n, d) => n <= 1 || strides[d] === c[d]);
}

/** Largest element offset (relative to element 0) a view touches, plus one. */
export function spanElements(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) return 0;
    last += (shape[d] - 1) * strides[d];
  }
  return last + 1;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export async function* streamPlacement(p: Placement, opts: StreamOptions = {}): AsyncGenerator<FloatChunk | Uint16Array> {
  const es = dtypeBytes(p.dtype);
  const n = numel(p.shape);
  const chunk = Math.max(1, Math.floor(opts.chunkElements ?? DEFAULT_CHUNK_ELEMENTS));
  const window = Math.max(es, opts.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const signal = opts.signal;
  const wide = !!opts.float64;
  // complex tensors come as |z| unless pairs were asked for; real ones as pairs only when asked
  const complexIn = isComplex(p.dtype);
  const convert = (values: FloatChunk): FloatChunk =>
    complexIn ? (opts.complex ? values : complexMagnitude(values)) : opts.complex ? realAsComplex(values) : values;
  const bits = !!opts.keepBf16 && p.dtype === 'BF16' && p.littleEndian && !opts.complex;
  const decodeAs = (bytes: Uint8Array, cnt: number): FloatChunk | Uint16Array =>
    bits ? bf16Bits(bytes, cnt) : convert(decode(p.dtype, bytes, cnt, p.littleEndian, wide));
  // an element range (the compare worker pool reads one slice per worker)
  const from = Math.max(0, Math.min(n, Math.floor(opts.start ?? 0)));
  const to = Math.max(from, Math.min(n, Math.floor(opts.end ?? n)));
  const ranged = from > 0 || to < n;
  if (from === to) return;
  if (isCContiguous(p.shape, p.strides)) {
    // one read ahead: the next chunk comes off the disk while the caller works on this one
    const read = chunkReader(p.source, !!opts.reuse, Math.min(chunk, to - from) * es);
    const fetch = (start: number) => read(p.offset + start * es, Math.min(chunk, to - start) * es);
    let next = fetch(from);
    for (let start = from; start < to; start += chunk) {
      signal?.throwIfAborted();
      const cnt = Math.min(chunk, to - start);
      const bytes = await next;
      if (start + chunk < to) next = fetch(start + chunk);
      yield decodeAs(bytes, cnt);
    }
    return;
  }
  const strides = p.strides!;
  const span = spanElements(p.shape, strides);
  // a range reads only its own elements (scattered reads), never the whole span
  if (span * es <= window && !ranged) {
    signal?.throwIfAborted();
    const all = await p.source.read(p.offset, span * es);
    const inner = p.shape[p.shape.length - 1];
    const tiled = p.shape.length >= 2 && es !== 0 && es <= 8 && (es & (es - 1)) === 0 && inner <= chunk;
    // whole rows per chunk let the gather walk in cache-sized tiles (see gatherRowsTiled)
    const step = tiled ? Math.floor(chunk / inner) * inner : chunk;
    for (let start = 0; start < n; start += step) {
      signal?.throwIfAborted();
      const cnt = Math.min(step, n - start);
      const bytes = new Uint8Array(cnt * es);
      if (tiled) gatherRowsTiled(all, p.shape, strides, start / inner, cnt / inner, es, bytes);
      else gatherFrom(all, 0, p.shape, strides, start, cnt, es, bytes);
      yield decodeAs(bytes, cnt);
    }
    return;
  }
  const step = Math.min(chunk, SCATTER_CHUNK);
  for (let start = from; start < to; start += step) {
    signal?.throwIfAborted();
    const cnt = Math.min(step, to - start);
    const bytes = await scatterRead(p, start, cnt, es, window, signal);
    yield decodeAs(bytes, cnt);
  }
}

/** Reads the elements of one output chunk of a huge strided view as sorted, coalesced runs. */
async function scatterRead(
  p: Placement,
  start: number,
  cnt: number,
  es: number,
  window: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const strides = p.strides!;
  const offs = new Float64Array(cnt);
  walk(p.shape, strides, start, cnt, (k, off) => {
    offs[k] = off;
  });
  const order = Uint32Array.from({ length: cnt }, (_, i) => i).sort((a, b) => offs[a] - offs[b]);
  const out = new Uint8Array(cnt * es);
  const maxRun = Math.max(1, Math.floor(window / es));
  const maxGap = Math.max(1, Math.floor(65536 / es));
  let i = 0;
  while (i < cnt) {
    signal?.throwIfAborted();
    const runStart = offs[order[i]];
    let j = i + 1;
    while (j < cnt) {
      const o = offs[order[j]];
      if (o - offs[order[j - 1]] > maxGap || o - runStart + 1 > maxRun) break;
      j++;
    }
    const runLen = offs[order[j - 1]] - runStart + 1;
    const buf = await p.source.read(p.offset + runStart * es, runLen * es);
    for (let t = i; t < j; t++) {
      const k = order[t];
      const from = (offs[k] - runStart) * es;
      out.set(buf.subarray(from, from + es), k * es);
    }
    i = j;
  }
  return out;
}
