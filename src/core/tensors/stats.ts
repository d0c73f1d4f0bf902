// Streaming summary statistics of a tensor, accumulated in float64: min/max over non-NaN
// values (so ±inf show up), mean/std (population, ddof=0) over finite values, NaN and ±inf
// counts, and the first values in row-major order.
//
// The values run through statsLanes.ts's algorithm (the SIMD kernel in native/kernels.c, or
// its TypeScript twin): shifted sums in 8 lanes folded per 4,096-element block into a
// double-double sum. Every STATS_SLICE elements (a grid from element 0) the slice's sums, shifted
// by its first finite value, become a mean and M2, merged in order with Chan's formula. The
// grid is fixed, so the result has the same bits however the values are chunked.
//
// Float32, bfloat16 and float16 tensors in a file (contiguous, or any permutation of a
// contiguous block, e.g. Fortran order) skip the chunk pipeline: slices are read straight into
// the kernel's memory, two buffers so the next read (a libuv thread) overlaps this slice's
// kernel, in storage order, which min/max/counts do not see and the sums only in the last bits.
import type { FloatChunk, TensorSource, TensorStats } from './types';

export type { TensorStats } from './types';
import { kernels, privateKernels, type Kernels, type StatsKind } from '../kernels';
import { EntrySource } from './source';
import { dtypeBytes } from './dtypes';
import { decodeLE } from './decode';
import { isCContiguous, type Placement } from './layout';
import { S, STATS_BLOCK, newStatsState, statsFold, statsRun } from './statsLanes';

/** Elements per slice of the fixed grid (a multiple of STATS_BLOCK). */
export const STATS_SLICE = 1 << 20;

export class StatsAccumulator {
  private readonly st = newStatsState();
  private at = 0;
  private sliceStart = 0;
  private sliceBad = 0;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  readonly first: number[] = [];

  constructor(private readonly keepFirst = 10) {}

  add(c: FloatChunk): void {
    for (let i = 0; this.first.length < this.keepFirst && i < c.length; i++) this.first.push(c[i]);
    const k = c instanceof Float32Array ? kernels() : null;
    for (let i = 0; i < c.length;) {
      const take = Math.min(c.length - i, STATS_SLICE - (this.at - this.sliceStart));
      const piece = take === c.length ? c : c.subarray(i, i + take);
      if (k) k.statsF32(piece as Float32Array, this.st);
      else statsRun(piece, this.st);
      this.advance(take);
      i += take;
    }
  }

  /** `n` elements at byte `offset` of `k`'s scratch space (the caller keeps them in the grid). */
  addInKernel(k: Kernels, kind: StatsKind, offset: number, n: number): void {
    k.statsAt(kind, offset, n, this.st);
    this.advance(n);
  }

  private advance(n: number): void {
    this.at += n;
    if (this.at - this.sliceStart === STATS_SLICE) this.endSlice();
  }

  /** Merges the slice's sums (lanes already folded) with Chan's formula; starts the next slice. */
  private endSlice(): void {
    const st = this.st;
    const cnt = this.at - this.sliceStart - (st[S.BAD] - this.sliceBad);
    if (cnt > 0) {
      const s1 = st[S.D1] + st[S.D1 + 1];
      const s2 = st[S.D2] + st[S.D2 + 1];
      const mu = st[S.SHIFT] + s1 / cnt;
      const m2 = Math.max(0, s2 - (s1 * s1) / cnt);
      const total = this.n + cnt;
      const delta = mu - this.mean;
      this.mean += (delta * cnt) / total;
      this.m2 += m2 + (delta * delta * this.n * cnt) / total;
      this.n = total;
    }
    st.fill(0, S.D1, S.D2 + 2);
    st[S.SHIFT] = NaN;
    this.sliceStart = this.at;
    this.sliceBad = st[S.BAD];
  }

  result(): TensorStats {
    const st = this.st;
    if (st[S.POS] !== 0) {
      statsFold(st);
      st[S.POS] = 0;
    }
    if (this.at > this.sliceStart) this.endSlice();
    const nan = st[S.NAN];
    const ordered = this.at - nan > 0;
    return {
      min: ordered ? st[S.MIN] : null,
      max: ordered ? st[S.MAX] : null,
      mean: this.n ? this.mean : null,
      std: this.n ? Math.sqrt(this.m2 / this.n) : null,
      nan,
      inf: st[S.BAD] - nan,
      finite: this.n,
      first: this.first,
    };
  }
}

/** Streams one tensor; wide integers (I32/U32/I64/U64) are read exactly, as float64. */
export async function tensorStats(src: TensorSource, name: string, options: { signal?: AbortSignal } = {}): Promise<TensorStats> {
  const direct = src instanceof EntrySource ? await statsInKernel(src, name, options.signal) : null;
  if (direct) return direct;
  const acc = new StatsAccumulator();
  for await (const c of src.chunks(name, { ...options, float64: true })) acc.add(c);
  return acc.result();
}

/** Whether the view visits each element of [0, numel) once: C order or a permutation of it. */
export function isPermutedContiguous(shape: readonly number[], strides: readonly number[] | undefined): boolean {
  if (!strides) return true;
  const dims = shape.map((n, d) => [n, strides[d]] as const).filter(([n]) => n !== 1);
  if (dims.some(([n]) => n === 0)) return true;
  dims.sort((a, b) => a[1] - b[1]);
  let expect = 1;
  for (const [n, s] of dims) {
    if (s !== expect) return false;
    expect *= n;
  }
  return true;
}

const KINDS: Record<string, StatsKind> = { F32: 'F32', BF16: 'BF16', F16: 'F16' };

/** The direct path (see the top of this file), or null when it does not apply. */
async function statsInKernel(src: EntrySource, name: string, signal?: AbortSignal): Promise<TensorStats | null> {
  const info = src.get(name);
  const kind = info ? KINDS[info.dtype] : undefined;
  if (!kind || !info || info.numel < STATS_BLOCK) return null;
  const p: Placement = await src.placement(name);
  const readInto = p.source.readInto;
  if (!p.littleEndian || !readInto || !isPermutedContiguous(p.shape, p.strides)) return null;
  const k = privateKernels();
  if (!k) return null;
  const es = dtypeBytes(p.dtype);
  const n = info.numel;
  const bufs = k.statsBuffers(STATS_SLICE * es);
  const offsets = [0, bufs[1].byteOffset - bufs[0].byteOffset];
  const read = (slice: number): Promise<void> => {
    const cnt = Math.min(STATS_SLICE, n - slice * STATS_SLICE);
    const pending = readInto(p.offset + slice * STATS_SLICE * es, bufs[slice & 1].subarray(0, cnt * es));
    pending.catch(() => undefined); // awaited below; avoids an unhandled rejection when an earlier slice fails
    return pending;
  };
  const rowMajor = isCContiguous(p.shape, p.strides);
  const acc = new StatsAccumulator();
  const slices = Math.ceil(n / STATS_SLICE);
  let next = read(0);
  for (let s = 0; s < slices; s++) {
    signal?.throwIfAborted();
    await next;
    if (s + 1 < slices) next = read(s + 1);
    const cnt = Math.min(STATS_SLICE, n - s * STATS_SLICE);
    if (s === 0 && rowMajor) acc.first.push(...decodeLE(p.dtype, bufs[0].slice(0, 10 * es), 10));
    acc.addInKernel(k, kind, offsets[s & 1], cnt);
  }
  if (!rowMajor) for await (const c of src.chunks(name, { end: 10, signal })) acc.first.push(...c);
  return acc.result();
}
