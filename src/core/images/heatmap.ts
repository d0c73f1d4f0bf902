// Reducing |diff| of a tensor to a 2-D map while it streams by, then max-pooling it down to
// at most 512 px a side so a single bad element stays visible.
import ndarray from 'ndarray';
import type { Heatmap } from './types';
import type { HeatGeometry } from './heatGeometry';

const MAX_SIDE = 512;
/** Largest full-resolution map kept in memory (cells); beyond it cells are pooled on the fly. */
const FULL_RES_LIMIT = 16 * 1024 * 1024;
/** Budget for all per-channel small maps together (cells). */
const CHANNEL_BUDGET = 8 * 1024 * 1024;

export { heatGeometry, type HeatGeometry, type GeometryHints } from './heatGeometry';

function poolFactors(g: HeatGeometry, maxSide: number): { py: number; px: number } {
  let py = Math.max(1, Math.ceil(g.rows / maxSide));
  let px = Math.max(1, Math.ceil(g.cols / maxSide));
  if (g.spatial) py = px = Math.max(py, px);
  return { py, px };
}

/** Longest axis (or channel count) given a lookup table; beyond it cells are computed. */
const LOOKUP_LIMIT = 1 << 22;

/** Cell of each row/column index, or null for a huge axis (then computed by division). */
function cellIndex(n: number, p: number): Int32Array | null {
  if (n > LOOKUP_LIMIT) return null;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i / p) | 0;
  return out;
}

/** Max-pools a row-major map; NaN in a window makes the cell NaN (it must stay visible). */
export function maxPool(data: Float32Array | Float64Array, rows: number, cols: number, py: number, px: number): Float32Array {
  const src = ndarray(data, [rows, cols]);
  const oh = Math.ceil(rows / py);
  const ow = Math.ceil(cols / px);
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const band = src.lo(y * py, 0).hi(Math.min(py, rows - y * py), cols);
    const [bh] = band.shape;
    const [s0, s1] = band.stride;
    const d = band.data as Float32Array | Float64Array;
    for (let x = 0; x < ow; x++) {
      const x0 = x * px;
      const x1 = Math.min(cols, x0 + px);
      let m = -Infinity;
      for (let i = 0; i < bh && m === m; i++) {
        let p = band.offset + i * s0 + x0 * s1;
        for (let j = x0; j < x1; j++, p += s1) {
          const v = d[p];
          if (v !== v) {
            m = NaN;
            break;
          }
          if (v > m) m = v;
        }
      }
      out[y * ow + x] = m;
    }
  }
  return out;
}

function range(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

export interface ChannelMap extends Heatmap {
  readonly channel: number;
  readonly channelMax: number;
}

export interface AccumulatedHeatmaps {
  readonly main: Heatmap;
  readonly channels: ChannelMap[];
}

/** What the accumulator of a run of elements holds (max reduction): merged by HeatmapAccumulator.absorb. */
export interface HeatPartial {
  readonly main: Float32Array;
  readonly chanMax: Float64Array;
  readonly chanMaps: Float32Array | null;
  readonly seen: number;
}

export interface HeatOptions {
  readonly reduction?: 'max' | 'mean';
  readonly maxSide?: number;
  readonly channelSide?: number;
}

/** NaN-sticky max of b into a, cell by cell: order-free, so merged partials are exact. */
function maxInto(a: Float32Array | Float64Array, b: Float32Array | Float64Array): void {
  for (let i = 0; i < a.length; i++) {
    const m = a[i];
    const v = b[i];
    if (m === m && !(v <= m)) a[i] = v;
  }
}

/**
 * The NaN-sticky max of values[k, k + run) into out[base + ⌊(col + t) / p⌋] (cells along one
 * map row), one stretch of p columns per cell, each cell read and written once; returns the
 * run's max (NaN if it holds one).
 */
function maxAlongRow(values: Float32Array, k: number, run: number, out: Float32Array, base: number, p: number, col: number): number {
  let runMax = -Infinity;
  let c = Math.floor(col / p);
  // t at which cell c + 1 starts
  let next = (c + 1) * p - col;
  for (let t = 0; t < run; c++, next += p) {
    const end = next < run ? next : run;
    let sm = -Infinity;
    for (; t < end; t++) {
      const v = values[k + t];
      if (sm === sm && !(v <= sm)) sm = v;
    }
    const m = out[base + c];
    if (m === m && !(sm <= m)) out[base + c] = sm;
    if (runMax === runMax && !(sm <= runMax)) runMax = sm;
  }
  return runMax;
}

/** Receives |diff| (NaN where a side is not finite) in row-major order of the geometry's view. */
export class HeatmapAccumulator {
  private readonly idx: Int32Array;
  private row = 0;
  private col = 0;
  private chan = 0;
  private readonly fullRes: boolean;
  /** Max pools straight into the final map; mean keeps full-resolution sums until finish(). */
  private readonly direct: boolean;
  private readonly reduction: 'max' | 'mean';
  private readonly main: Float32Array | Float64Array;
  private readonly mainRowCell: Int32Array | null;
  private readonly mainColCell: Int32Array | null;
  private readonly mainW: number;
  private readonly py: number;
  private readonly px: number;
  private readonly chanMax: Float64Array;
  private readonly chanMaps: Float32Array | null;
  private readonly chRowCell: Int32Array | null;
  private readonly chColCell: Int32Array | null;
  private readonly g: HeatGeometry;
  private readonly chW: number;
  private readonly chH: number;
  private readonly chPy: number;
  private readonly chPx: number;
  private seen = 0;

  constructor(
    geometry: HeatGeometry,
    readonly options: HeatOptions = {},
  ) {
    // Millions of "channels" (a dim-1 of a huge tensor) cannot be tracked one by one.
    const g = geometry.channels > LOOKUP_LIMIT ? { ...geometry, chanMul: geometry.chanMul.map(() => 0), channels: 1 } : geometry;
    this.g = g;
    this.idx = new Int32Array(g.view.length);
    const cells = g.rows * g.cols;
    this.fullRes = cells <= FULL_RES_LIMIT;
    this.reduction = this.fullRes ? (options.reduction ?? 'max') : 'max';
    const { py, px } = poolFactors(g, options.maxSide ?? MAX_SIDE);
    this.py = py;
    this.px = px;
    // max of maxes is the max: pooling on the fly gives the bits of pooling a full map later
    this.direct = this.reduction === 'max';
    if (!this.direct) {
      this.main = new Float64Array(cells);
      this.mainRowCell = cellIndex(g.rows, 1);
      this.mainColCell = cellIndex(g.cols, 1);
      this.mainW = g.cols;
    } else {
      this.mainW = Math.ceil(g.cols / px);
      this.main = new Float32Array(Math.ceil(g.rows / py) * this.mainW);
      this.mainRowCell = cellIndex(g.rows, py);
      this.mainColCell = cellIndex(g.cols, px);
    }
    this.chanMax = new Float64Array(g.channels);
    let side = options.channelSide ?? (g.channels <= 64 ? 128 : g.channels <= 512 ? 64 : 32);
    let cp = poolFactors(g, side);
    while (g.channels > 1 && g.channels * Math.ceil(g.rows / cp.py) * Math.ceil(g.cols / cp.px) > CHANNEL_BUDGET && side > 4) {
      side = Math.floor(side / 2);
      cp = poolFactors(g, side);
    }
    this.chPy = cp.py;
    this.chPx = cp.px;
    this.chH = Math.ceil(g.rows / cp.py);
    this.chW = Math.ceil(g.cols / cp.px);
    const chCells = g.channels * this.chH * this.chW;
    this.chanMaps = g.channels > 1 && chCells <= CHANNEL_BUDGET ? new Float32Array(chCells) : null;
    this.chRowCell = cellIndex(g.rows, cp.py);
    this.chColCell = cellIndex(g.cols, cp.px);
  }

  /** The geometry actually mapped (huge channel counts folded into one). */
  get geometry(): HeatGeometry {
    return this.g;
  }

  /** Moves to element `start` of the view (a slice of the tensor starts there). */
  seek(start: number): void {
    const g = this.g;
    this.row = this.col = this.chan = 0;
    let rest = start;
    for (let d = g.view.length - 1; d >= 0; d--) {
      const n = g.view[d];
      const i = n > 0 ? rest % n : 0;
      rest = n > 0 ? Math.floor(rest / n) : 0;
      this.idx[d] = i;
      this.row += i * g.rowMul[d];
      this.col += i * g.colMul[d];
      this.chan += i * g.chanMul[d];
    }
  }

  /** Partials of runs of the tensor can be merged (the max reduction). */
  get mergeable(): boolean {
    return this.direct;
  }

  /** The maps so far (max reduction only), to be absorbed by the accumulator of the whole tensor. */
  partial(): HeatPartial {
    if (!this.direct) throw new Error('internal: heatmap partials need the max reduction');
    return { main: this.main as Float32Array, chanMax: this.chanMax, chanMaps: this.chanMaps, seen: this.seen };
  }

  /** Merges a partial of another run of the same tensor (same geometry and options): exact, in any order. */
  absorb(p: HeatPartial): void {
    if (!this.direct) throw new Error('internal: heatmap partials need the max reduction');
    if (p.main.length !== this.main.length || p.chanMax.length !== this.chanMax.length)
      throw new Error('internal: heatmap partial of another geometry');
    maxInto(this.main, p.main);
    maxInto(this.chanMax, p.chanMax);
    if (this.chanMaps && p.chanMaps) maxInto(this.chanMaps, p.chanMaps);
    this.seen += p.seen;
  }

  add(values: Float32Array): void {
    const g = this.g;
    const view = g.view;
    const last = view.length - 1;
    const idx = this.idx;
    const rm = g.rowMul[last],
      cm = g.colMul[last],
      hm = g.chanMul[last];
    const main = this.main;
    const mrc = this.mainRowCell,
      mcc = this.mainColCell,
      mw = this.mainW;
    const mpy = this.direct ? this.py : 1,
      mpx = this.direct ? this.px : 1;
    const cpy = this.chPy,
      cpx = this.chPx;
    const chanMax = this.chanMax;
    const chMaps = this.chanMaps;
    const crc = this.chRowCell,
      ccc = this.chColCell,
      cw = this.chW,
      chCells = this.chH * this.chW;
    const mean = this.reduction === 'mean';
    const n = values.length;
    let k = 0;
    while (k < n) {
      const run = Math.min(view[last] - idx[last], n - k);
      let row = this.row,
        col = this.col,
        ch = this.chan;
      // the common case: the innermost dim runs along a map row (strips, 2-D, seq × dim, NCHW)
      const alongRow = rm === 0 && hm === 0 && cm === 1 && !mean;
      if (alongRow && run > 0) {
        const r = maxAlongRow(values, k, run, main as Float32Array, (mrc ? mrc[row] : Math.floor(row / mpy)) * mw, mpx, col);
        const cm0 = chanMax[ch];
        if (cm0 === cm0 && !(r <= cm0)) chanMax[ch] = r;
        if (chMaps) maxAlongRow(values, k, run, chMaps, ch * chCells + (crc ? crc[row] : Math.floor(row / cpy)) * cw, cpx, col);
      }
      for (let t = 0; t < (alongRow ? 0 : run); t++) {
        const v = values[k + t];
        const cell = (mrc ? mrc[row] : Math.floor(row / mpy)) * mw + (mcc ? mcc[col] : Math.floor(col / mpx));
        if (mean) main[cell] += v;
        else {
          const m = main[cell];
          if (m === m && !(v <= m)) main[cell] = v;
        }
        const cm0 = chanMax[ch];
        if (cm0 === cm0 && !(v <= cm0)) chanMax[ch] = v;
        if (chMaps) {
          const c2 = ch * chCells + (crc ? crc[row] : Math.floor(row / cpy)) * cw + (ccc ? ccc[col] : Math.floor(col / cpx));
          const m2 = chMaps[c2];
          if (m2 === m2 && !(v <= m2)) chMaps[c2] = v;
        }
        row += rm;
        col += cm;
        ch += hm;
      }
      k += run;
      this.seen += run;
      idx[last] += run;
      this.row += run * rm;
      this.col += run * cm;
      this.chan += run * hm;
      let d = last;
      while (d > 0 && idx[d] === view[d]) {
        this.row -= view[d] * g.rowMul[d];
        this.col -= view[d] * g.colMul[d];
        this.chan -= view[d] * g.chanMul[d];
        idx[d] = 0;
        d--;
        idx[d]++;
        this.row += g.rowMul[d];
        this.col += g.colMul[d];
        this.chan += g.chanMul[d];
      }
    }
  }

  finish(worstChannels = 6): AccumulatedHeatmaps {
    const g = this.g;
    let data: Float32Array;
    let reduction: Heatmap['reduction'] = g.channels > 1 || this.seen > g.rows * g.cols ? this.reduction : 'none';
    if (!this.direct) {
      const per = this.seen / (g.rows * g.cols);
      const m = new Float32Array(this.main.length);
      for (let i = 0; i < m.length; i++) m[i] = this.main[i] / per;
      data = this.py === 1 && this.px === 1 ? m : maxPool(m, g.rows, g.cols, this.py, this.px);
    } else {
      data = this.main as Float32Array;
      if (!this.fullRes) reduction = 'max';
    }
    const main: Heatmap = {
      width: Math.ceil(g.cols / this.px),
      height: Math.ceil(g.rows / this.py),
      data,
      sourceWidth: g.cols,
      sourceHeight: g.rows,
      poolX: this.px,
      poolY: this.py,
      rowAxis: g.rowAxis,
      colAxis: g.colAxis,
      reduction,
      ...range(data),
    };
    const channels: ChannelMap[] = [];
    if (this.chanMaps && worstChannels > 0) {
      const order = Array.from(this.chanMax.keys()).sort((a, b) => {
        const x = this.chanMax[a],
          y = this.chanMax[b];
        if (x !== x) return y !== y ? a - b : -1;
        if (y !== y) return 1;
        return y - x || a - b;
      });
      const cells = this.chH * this.chW;
      for (const c of order.slice(0, worstChannels)) {
        const d = this.chanMaps.slice(c * cells, (c + 1) * cells);
        channels.push({
          width: this.chW,
          height: this.chH,
          data: d,
          sourceWidth: g.cols,
          sourceHeight: g.rows,
          poolX: this.chPx,
          poolY: this.chPy,
          rowAxis: g.rowAxis,
          colAxis: g.colAxis,
          reduction: this.seen > g.rows * g.cols * g.channels ? 'max' : 'none',
          ...range(d),
          channel: c,
          channelMax: this.chanMax[c],
        });
      }
    }
    return { main, channels };
  }
}
