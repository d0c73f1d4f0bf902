// Loader of the WebAssembly SIMD kernels (native/kernels.c, built by `npm run build` into
// dist/kernels.wasm). The TypeScript loops are the reference implementation and the fallback:
// when the .wasm is absent, fails to load, or MFLUX_PORT_KERNELS=js is set, kernels() is null
// and callers take their TypeScript path.
//
// Agreement with the TypeScript path (checked by test/unit/kernels and test/unit/tensors/stats):
// - decode (bf16, f16), min/max, counts (NaN, Inf, mismatch), max_abs and its index, max_rel,
//   the |d| values and their histogram: bit-exact.
// - tensor stats: bit-exact (src/core/tensors/statsLanes.ts runs the same float64 operations
//   in the same order: 8 lanes, folded per 4,096-element block into a double-double sum).
// - Gaussian SSIM: bit-exact (the same float64 operations in the same order, two pixels per
//   vector, row sums added lane by lane in pixel order).
// - float64 sums of the compare metrics are added in another order: in SIMD lanes within
//   blocks of 4,096 elements, the block sums then exactly (exactSum.ts), so they do
//   not depend on the chunk or slice size (cuts on multiples of 4,096); each differs from the
//   exact sum by at most 1,024·2⁻⁵² of the sum of magnitudes of its terms (the sequential
//   TypeScript sum: n·2⁻⁵²), in practice ≤ 1e-12 relative.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXACT_CELLS } from './exactSum';

/** Slots of the metrics kernel's state (see native/metrics.c). */
export const K = {
  ATOL: 0,
  RTOL: 1,
  SHIFT_R: 2,
  SHIFT_C: 3,
  MAX_ABS: 4,
  MAX_IDX: 5,
  MAX_REL: 6,
  BASE: 7,
  BOTH: 8,
  MISMATCH: 9,
  NAN_R: 10,
  NAN_C: 11,
  INF_R: 12,
  INF_C: 13,
  CNT_R: 14,
  MIN_R: 15,
  MAX_R: 16,
  CNT_C: 17,
  MIN_C: 18,
  MAX_C: 19,
  SLOTS: 20,
} as const;

/** Element types the stats kernels read directly. */
export type StatsKind = 'F32' | 'BF16' | 'F16';

/** The few WebAssembly APIs used here (tsconfig's lib has no WebAssembly declarations). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heap_base(): number;
  metrics(r: number, c: number, kinds: number, out: number, hist: number, n: number, st: number, acc: number): void;
  stats_f32(x: number, n: number, st: number): void;
  stats_bf16(x: number, n: number, st: number): void;
  stats_f16(x: number, n: number, st: number): void;
  bf16_to_f32(src: number, dst: number, n: number): void;
  f16_to_f32(src: number, dst: number, n: number): void;
  ssim_gauss_channel(a: number, b: number, stride: number, offset: number, w: number, h: number, ...rest: number[]): number;
  png_unfilter(src: number, out: number, h: number, rowBytes: number, bpp: number): number;
  expand_rgba(src: number, dst: number, n: number, channels: number): void;
  rgba_diff(a: number, b: number, n: number, lanes: number, maxmap: number, counts: number, out: number): void;
}

const ST_BYTES = 64 * 8;
const HIST_BYTES = 4 * 257 * 4;
const ACC_BYTES = EXACT_CELLS * 8;

export class Kernels {
  private readonly base: number;
  private readonly st: number;
  private readonly hist: number;
  private readonly acc: number;
  private readonly data: number;

  constructor(private readonly x: Exports) {
    this.base = (x.heap_base() + 15) & ~15;
    this.st = this.base;
    this.hist = this.st + ST_BYTES;
    this.acc = this.hist + HIST_BYTES;
    this.data = this.acc + ACC_BYTES;
  }

  /** Set by reservePair: the memory must not grow (views into it were handed out). */
  private frozen = false;

  /** Grows the linear memory so [data, data + bytes) exists. */
  private ensure(bytes: number): void {
    const need = this.data + bytes;
    const mem = this.x.memory;
    if (need <= mem.buffer.byteLength) return;
    if (this.frozen) throw new Error('internal: a reserved kernel memory cannot grow');
    mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  }

  private f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.x.memory.buffer, ptr, n);
  }

  /**
   * The metric kernel over one aligned chunk pair, each side float32 values or bfloat16 bit
   * patterns (a Uint16Array), decoded inside the pass. `st` holds the kernel's state (slots
   * K.*): inputs ATOL..MAX_C, and on return the running extremes and this chunk's counts;
   * `slots` (257 exponent counters) is incremented and `acc` (the exact sums, exactSum.ts)
   * added to. Returns |cand − ref| as float32, a view into the kernel's memory valid until
   * the next call.
   */
  metrics(
    ref: Float32Array | Uint16Array,
    cand: Float32Array | Uint16Array,
    st: Float64Array,
    slots: Float64Array,
    acc: Float64Array,
  ): Float32Array {
    const n = ref.length;
    const bytesR = (ref.byteLength + 15) & ~15;
    const bytesC = (cand.byteLength + 15) & ~15;
    this.ensure(bytesR + bytesC + 4 * n);
    const r = this.data;
    const c = r + bytesR;
    const out = c + bytesC;
    const buf = this.x.memory.buffer;
    new Uint8Array(buf, r, ref.byteLength).set(new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength));
    new Uint8Array(buf, c, cand.byteLength).set(new Uint8Array(cand.buffer, cand.byteOffset, cand.byteLength));
    // The kernel counts into one 257-slot table per SIMD lane (see native/metrics.c).
    const h = new Uint32Array(buf, this.hist, 4 * 257);
    h.fill(0);
    const s = this.f64(this.st, K.SLOTS);
    s.set(st.subarray(0, K.SLOTS));
    const a = this.f64(this.acc, EXACT_CELLS);
    a.set(acc);
    const kinds = (ref instanceof Uint16Array ? 1 : 0) | (cand instanceof Uint16Array ? 2 : 0);
    this.x.metrics(r, c, kinds, out, this.hist, n, this.st, this.acc);
    st.set(s);
    acc.set(a);
    for (let i = 0; i < 257; i++) slots[i] += h[i] + h[257 + i] + h[514 + i] + h[771 + i];
    return new Float32Array(buf, out, n);
  }

  /** Continues the stats state `st` (statsLanes.ts S.*) over a float32 chunk. */
  statsF32(x: Float32Array, st: Float64Array): void {
    this.ensure(x.length * 4);
    new Float32Array(this.x.memory.buffer, this.data, x.length).set(x);
    this.statsAt('F32', 0, x.length, st);
  }

  /**
   * Scratch space in the kernel's memory for `statsAt` (two buffers of `bytes`, 16-aligned), so
   * a file can be read straight into it. Only for a private instance (see privateKernels):
   * another caller would overwrite it, and growing the memory detaches the views.
   */
  statsBuffers(bytes: number): [Uint8Array, Uint8Array] {
    const b = (bytes + 15) & ~15;
    this.ensure(2 * b);
    const buf = this.x.memory.buffer;
    return [new Uint8Array(buf, this.data, bytes), new Uint8Array(buf, this.data + b, bytes)];
  }

  /** Continues `st` over `n` elements of `kind` at byte `offset` of the scratch space. */
  statsAt(kind: StatsKind, offset: number, n: number, st: Float64Array): void {
    const s = this.f64(this.st, st.length);
    s.set(st);
    const f = kind === 'F32' ? this.x.stats_f32 : kind === 'BF16' ? this.x.stats_bf16 : this.x.stats_f16;
    f(this.data + offset, n, this.st);
    st.set(s);
  }

  /**
   * Gaussian SSIM (11 symmetric taps k0..k5) of RGBA images, mean over R, G, B as ssim.ts
   * computes it, bit-exact. `c1`, `c2` are SSIM's constants for the data range.
   */
  ssimGaussianRgb(a: Uint8Array, b: Uint8Array, w: number, h: number, c1: number, c2: number, taps: readonly number[]): number {
    return this.imagePair(a, b, w, h, 0, { c1, c2, taps }, false).ssim as number;
  }

  /**
   * Where imagePair keeps a w × h pair, in bytes from `data`: the two RGBA images, each with
   * room for its PNG rows unfiltered in place (unfilterAt: 1 byte before, h after), the
   * per-pixel map, the joint histogram, SSIM's rings and rows; `end` is the total.
   */
  private pairLayout(w: number, h: number) {
    const n = w * h;
    const img = (n * 4 + h + 15) & ~15;
    const ringBytes = Math.max(0, (w - 10) * 11 * 8); // rings of 11 rows (native/kernels.c)
    const rowBytes = w * 8;
    const pa = 16;
    const pb = pa + img;
    const pm = pb + img;
    const pc = pm + ((n + 15) & ~15);
    const rings = pc + 65536 * 4;
    const rows = rings + 4 * ringBytes;
    return { n, pa, pb, pm, pc, rings, ringBytes, rows, rowBytes, end: rows + 4 * rowBytes };
  }

  /**
   * Reserves this instance's memory for one w × h pair and stops it from growing, so views
   * into it stay valid: the RGBA images, which imagePair then reads in place (no copy), and
   * for an image of fewer than 4 channels (`channels`) its pixels as stored. For a private
   * instance only (privateKernels): nothing else may use its memory afterwards.
   */
  reservePair(w: number, h: number, channels: readonly number[]): { rgba: Uint8Array[]; data: Uint8Array[] } {
    const L = this.pairLayout(w, h);
    const slot = (ch: number) => (ch === 4 ? 0 : 16 + ((L.n * ch + h + 15) & ~15));
    this.ensure(L.end + slot(channels[0]) + slot(channels[1]));
    this.frozen = true;
    const buf = this.x.memory.buffer;
    const rgba = [L.pa, L.pb].map((p) => new Uint8Array(buf, this.data + p, L.n * 4));
    let p = this.data + L.end;
    const data = channels.map((ch, i) => {
      if (ch === 4) return rgba[i];
      const view = new Uint8Array(buf, p + 16, L.n * ch);
      p += slot(ch);
      return view;
    });
    return { rgba, data };
  }

  /**
   * Both RGBA images in kernel memory (copied, unless they are reservePair's views), then
   * rgbaDiff's pixel metrics (when `diff`) and the Gaussian SSIM (when `ssim` is given).
   */
  imagePair(
    a: Uint8Array,
    b: Uint8Array,
    w: number,
    h: number,
    lanes: 0 | 3 | 4,
    ssim: { c1: number; c2: number; taps: readonly number[] } | null,
    diff = true,
  ): { sq: number; abs: number; max: number; map: Uint8Array; counts: Uint32Array | null; ssim: number | null } {
    const L = this.pairLayout(w, h);
    const n = L.n;
    this.ensure(L.end);
    const [pa, pb, pm, pc, rings, rows] = [L.pa, L.pb, L.pm, L.pc, L.rings, L.rows].map((p) => this.data + p);
    const { ringBytes, rowBytes } = L;
    const buf = this.x.memory.buffer;
    for (const [img, p] of [
      [a, pa],
      [b, pb],
    ] as const) {
      if (img.buffer !== buf || img.byteOffset !== p) new Uint8Array(buf, p, n * 4).set(img.subarray(0, n * 4));
    }
    let o = [0, 0, 0];
    if (diff) {
      if (lanes) new Uint32Array(buf, pc, 65536).fill(0);
      this.x.rgba_diff(pa, pb, n, lanes, pm, lanes ? pc : 0, this.st);
      o = Array.from(this.f64(this.st, 3));
    }
    let s: number | null = null;
    if (ssim) {
      s = 0;
      for (let c = 0; c < 3; c++) {
        s += this.x.ssim_gauss_channel(
          pa,
          pb,
          4,
          c,
          w,
          h,
          ssim.c1,
          ssim.c2,
          ...ssim.taps,
          rings,
          rings + ringBytes,
          rings + 2 * ringBytes,
          rings + 3 * ringBytes,
          rows,
          rows + rowBytes,
          rows + 2 * rowBytes,
          rows + 3 * rowBytes,
        );
      }
      s /= 3;
    }
    return {
      sq: o[0],
      abs: o[1],
      max: o[2],
      map: diff ? new Uint8Array(buf, pm, n).slice() : new Uint8Array(0),
      counts: diff && lanes ? new Uint32Array(buf, pc, 65536).slice() : null,
      ssim: s,
    };
  }

  /**
   * PNG rows (`src`: h × (1 filter byte + rowBytes)) unfiltered in place at byte `at` of the
   * memory: copied to `at` − 1, so each output row lands at or before its own source bytes
   * (png_unfilter reads every source byte before it is overwritten). Needs h − 1 bytes of
   * room after the n output bytes.
   */
  private unfilterAt(src: Uint8Array, at: number, h: number, rowBytes: number, bpp: number): void {
    const raw = h * (rowBytes + 1);
    new Uint8Array(this.x.memory.buffer, at - 1, raw).set(src.subarray(0, raw));
    const bad = this.x.png_unfilter(at - 1, at, h, rowBytes, bpp);
    if (bad < h) throw new Error(`row ${bad} has unknown filter type ${src[bad * (rowBytes + 1)]}`);
  }

  /**
   * PNG rows unfiltered (native/images.c), the same bytes as unfilterTs in images/pngDecode.ts;
   * with `rgba`, also the pixels expanded to RGBA (bpp 1, 2 or 3: grey, grey+alpha, RGB).
   */
  unfilterPng(src: Uint8Array, out: Uint8Array, h: number, rowBytes: number, bpp: number, rgba?: Uint8Array): void {
    const n = h * rowBytes;
    const rowsBytes = 16 + ((n + h + 15) & ~15);
    this.ensure(rowsBytes + (rgba ? rgba.length : 0));
    const po = this.data + 16;
    this.unfilterAt(src, po, h, rowBytes, bpp);
    const buf = this.x.memory.buffer;
    out.set(new Uint8Array(buf, po, n));
    if (!rgba) return;
    this.x.expand_rgba(po, this.data + rowsBytes, n / bpp, bpp);
    rgba.set(new Uint8Array(buf, this.data + rowsBytes, rgba.length));
  }

  /**
   * unfilterPng into reservePair's views: the rows into `data`, and expanded into `rgba`
   * unless they are the same (RGBA).
   */
  unfilterInto(src: Uint8Array, h: number, rowBytes: number, bpp: number, data: Uint8Array, rgba: Uint8Array): void {
    if (!this.frozen || data.buffer !== this.x.memory.buffer) throw new Error('internal: unfilterInto needs reservePair views');
    this.unfilterAt(src, data.byteOffset, h, rowBytes, bpp);
    if (data !== rgba) this.x.expand_rgba(data.byteOffset, rgba.byteOffset, (h * rowBytes) / bpp, bpp);
  }

  /**
   * Two RGBA images of `n` pixels (native/images.c rgba_diff): Σ (a − b)², Σ |a − b| and the
   * largest |a − b| over R, G, B (exact integers), per pixel max |a − b| over R, G, B, and when
   * `lanes` is 3 or 4 the joint histogram of the first `lanes` channels (65536 counts).
   */
  rgbaDiff(
    a: Uint8Array,
    b: Uint8Array,
    n: number,
    lanes: 0 | 3 | 4,
  ): { sq: number; abs: number; max: number; map: Uint8Array; counts: Uint32Array | null } {
    return this.imagePair(a, b, n, 1, lanes, null);
  }

  /** Decodes bf16 or f16 bit patterns into `out` (same length). */
  halfToF32(kind: 'BF16' | 'F16', src: Uint16Array, out: Float32Array): void {
    const n = src.length;
    this.ensure(n * 6 + 16);
    const s = this.data;
    const d = (s + n * 2 + 15) & ~15;
    const buf = this.x.memory.buffer;
    new Uint16Array(buf, s, n).set(src);
    (kind === 'BF16' ? this.x.bf16_to_f32 : this.x.f16_to_f32)(s, d, n);
    out.set(new Float32Array(buf, d, n));
  }
}

let loaded: Kernels | null | undefined;
let compiled: object | null | undefined;
let enabled = process.env.MFLUX_PORT_KERNELS !== 'js';

/** Where dist/kernels.wasm is: next to the bundle (dist/*.js), or in dist/ when run from src/. */
function kernelsPath(): string | null {
  for (const p of [join(__dirname, 'kernels.wasm'), join(__dirname, '..', '..', '..', 'dist', 'kernels.wasm')]) {
    if (existsSync(p)) return p;
  }
  return null;
}

function instantiate(): Kernels | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (compiled === undefined) {
      compiled = null;
      const path = kernelsPath();
      if (path && wasm) compiled = new wasm.Module(readFileSync(path));
    }
    return compiled && wasm ? new Kernels(new wasm.Instance(compiled, {}).exports as unknown as Exports) : null;
  } catch {
    return null; // no SIMD support or a damaged file: the TypeScript path still works
  }
}

/** The SIMD kernels, or null: take the TypeScript path. */
export function kernels(): Kernels | null {
  if (!enabled) return null;
  if (loaded === undefined) loaded = instantiate();
  return loaded;
}

/** A new instance of the kernels with its own memory (for reads straight into it), or null. */
export function privateKernels(): Kernels | null {
  return enabled ? instantiate() : null;
}

/** Switches the kernels off (true → back on); for tests comparing both paths. */
export function useKernels(on: boolean): void {
  enabled = on;
}
