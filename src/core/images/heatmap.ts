// Reducing |diff| of a tensor to a 2-D map while it streams by, then max-pooling it down to
// at most 512 px a side so a single bad element stays visible.
import ndarray from 'ndarray';
import type { Heatmap } from './types';

const MAX_SIDE = 512;
/** Largest full-resolution map kept in memory (cells); beyond it cells are pooled on the fly. */
const FULL_RES_LIMIT = 16 * 1024 * 1024;
/** Budget for all per-channel small maps together (cells). */
const CHANNEL_BUDGET = 8 * 1024 * 1024;

/**
 * How a tensor's row-major elements land on the map: the tensor is viewed with `view`
 * dims; element at view index v sits at row Σ v[k]·rowMul[k], col Σ v[k]·colMul[k], and
 * channel Σ v[k]·chanMul[k]. Dims with all multipliers zero are reduced.
 */
export interface HeatGeometry {
  readonly view: readonly number[];
  readonly rowMul: readonly number[];
  readonly colMul: readonly number[];
  readonly chanMul: readonly number[];
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
  readonly rowAxis: string;
  readonly colAxis: string;
  /** Spatial maps keep their aspect ratio when pooled. */
  readonly spatial: boolean;
}

function geom(
  view: number[],
  row: number[],
  col: number[],
  chan: number[],
  rows: number,
  cols: number,
  channels: number,
  rowAxis: string,
  colAxis: string,
  spatial: boolean,
): HeatGeometry {
  return { view, rowMul: row, colMul: col, chanMul: chan, rows, cols, channels, rowAxis, colAxis, spatial };
}

function isSquare(n: number): number {
  const r = Math.round(Math.sqrt(n));
  return r * r === n ? r : 0;
}

export interface GeometryHints {
  /** The tensor is Flux-packed latents `[B,(H/2)(W/2),4C]` of this grid. */
  readonly packedGrid?: { readonly height: number; readonly width: number; readonly channels: number };
  /** Tensor name, used to recognise latents and conv weights. */
  readonly name?: string;
  /** Names for the two map axes of a 3-D tensor (default 'seq' / 'dim'). */
  readonly axes3d?: readonly [string, string];
}

/** Picks the map for a tensor of this shape (reference layout). */
export function heatGeometry(shape: readonly number[], hints: GeometryHints = {}): HeatGeometry {
  const name = hints.name ?? '';
  const s = shape.length ? [...shape] : [1];
  if (s.length === 1) return geom(s, [0], [1], [0], 1, s[0], 1, '', 'index', false);
  if (s.length === 2) return geom(s, [1, 0], [0, 1], [0, 0], s[0], s[1], 1, 'row', 'col', false);
  if (s.length === 3) {
    const [b, l, d] = s;
    let grid = hints.packedGrid;
    if (!grid && /latent/i.test(name) && d % 4 === 0 && isSquare(l)) {
      const side = isSquare(l) * 2;
      grid = { height: side, width: side, channels: d / 4 };
    }
    if (grid && grid.height * grid.width === 4 * l && grid.channels * 4 === d) {
      const h = grid.height / 2;
      const w = grid.width / 2;
      // view [B, h, w, C, 2, 2]: row = 2·h_i + i, col = 2·w_i + j
      return geom(
        [b, h, w, grid.channels, 2, 2],
        [0, 2, 0, 0, 1, 0],
        [0, 0, 2, 0, 0, 1],
        [0, 0, 0, 1, 0, 0],
        grid.height,
        grid.width,
        grid.channels,
        'H',
        'W',
        true,
      );
    }
    const [ra, ca] = hints.axes3d ?? ['seq', 'dim'];
    return geom(s, [0, 1, 0], [0, 0, 1], [0, 0, 0], l, d, 1, ra, ca, false);
  }
  if (s.length === 4 && s[2] <= 7 && s[3] <= 7 && /(^|[._/])(weight|kernel)s?$/i.test(name)) {
    // A conv kernel [O, I, kH, kW]: out × in channels is what a user can read.
    return geom(s, [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], s[0], s[1], 1, 'out', 'in', false);
  }
  const n = s.length;
  const row = new Array<number>(n).fill(0);
  const col = new Array<number>(n).fill(0);
  const chan = new Array<number>(n).fill(0);
  row[n - 2] = 1;
  col[n - 1] = 1;
  chan[1] = 1;
  return geom(s, row, col, chan, s[n - 2], s[n - 1], s[1], 'H', 'W', true);
}

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

/** Receives |diff| (NaN where a side is not finite) in row-major order of the geometry's view. */
export class HeatmapAccumulator {
  private readonly idx: Int32Array;
  private row = 0;
  private col = 0;
  private chan = 0;
  private readonly fullRes: boolean;
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

  constructor(geometry: HeatGeometry, options: { reduction?: 'max' | 'mean'; maxSide?: number; channelSide?: number } = {}) {
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
    if (this.fullRes) {
      this.main = this.reduction === 'mean' ? new Float64Array(cells) : new Float32Array(cells);
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
    const mpy = this.fullRes ? 1 : this.py,
      mpx = this.fullRes ? 1 : this.px;
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
      for (let t = 0; t < run; t++) {
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
    if (this.fullRes) {
      let full: Float32Array | Float64Array = this.main;
      if (this.reduction === 'mean') {
        const per = this.seen / (g.rows * g.cols);
        const m = new Float32Array(full.length);
        for (let i = 0; i < m.length; i++) m[i] = full[i] / per;
        full = m;
      }
      data = this.py === 1 && this.px === 1 ? Float32Array.from(full) : maxPool(full, g.rows, g.cols, this.py, this.px);
    } else {
      data = this.main as Float32Array;
      reduction = 'max';
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
