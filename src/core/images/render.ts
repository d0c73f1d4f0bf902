// Turning a heatmap into RGBA pixels with its legend. No Node imports: the webviews use it too
// (PNG bytes are made by encodePng in png.ts).
import { chooseRange, colormapTable, legendFor, NAN_COLOR, normalizer } from './colormap';
import type { Heatmap, Legend, RenderOptions, RenderedHeatmap } from './types';

function minPositive(data: Float32Array): number {
  let m = Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > 0 && v < m) m = v;
  }
  return m === Infinity ? 0 : m;
}

/** Zoom so small maps are readable: the longer side reaches ~384 px, thin strips at least 24 px. */
function autoZoom(width: number, height: number): { zx: number; zy: number } {
  const z = Math.max(1, Math.min(32, Math.floor(384 / Math.max(width, height))));
  const zy = height * z < 24 ? Math.ceil(24 / height) : z;
  return { zx: z, zy };
}

/** Colour index per cell (0..255, −1 for NaN), the table, zoom and legend of a render. */
function colorIndices(map: Heatmap, options: RenderOptions) {
  const cmapName = options.colormap ?? 'viridis';
  const scale = cmapName === 'diverging' ? 'linear' : (options.scale ?? 'linear');
  const auto = chooseRange(scale, cmapName, map.min, map.max, scale === 'log' ? minPositive(map.data) : 0);
  const low = options.low ?? auto.low;
  const high = options.high ?? auto.high;
  const norm = normalizer(scale, low, high);
  const { zx, zy } = options.zoom ? { zx: options.zoom, zy: options.zoom } : autoZoom(map.width, map.height);
  const idx = new Int16Array(map.width * map.height);
  const data = map.data;
  let nan = false;
  if (scale === 'linear') {
    const f = 255 / (high - low || 1);
    for (let i = 0; i < idx.length; i++) {
      const v = data[i];
      if (v !== v) {
        idx[i] = -1;
        nan = true;
      } else {
        const t = (v - low) * f;
        idx[i] = t <= 0 ? 0 : t >= 255 ? 255 : Math.round(t);
      }
    }
  } else {
    for (let i = 0; i < idx.length; i++) {
      const t = norm(data[i]);
      if (t !== t) nan = true;
      idx[i] = t !== t ? -1 : Math.round(t * 255);
    }
  }
  return { idx, nan, zx, zy, table: colormapTable(cmapName), legend: legendFor(cmapName, scale, low, high) };
}

export function renderHeatmap(map: Heatmap, options: RenderOptions = {}): RenderedHeatmap {
  const { idx, zx, zy, table, legend } = colorIndices(map, options);
  const width = map.width * zx;
  const height = map.height * zy;
  const rgba = new Uint8Array(width * height * 4);
  const [nr, ng, nb] = NAN_COLOR;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const c = idx[y * map.width + x];
      const r = c < 0 ? nr : table[c * 4];
      const g = c < 0 ? ng : table[c * 4 + 1];
      const b = c < 0 ? nb : table[c * 4 + 2];
      for (let dy = 0; dy < zy; dy++) {
        let p = ((y * zy + dy) * width + x * zx) * 4;
        for (let dx = 0; dx < zx; dx++, p += 4) {
          rgba[p] = r;
          rgba[p + 1] = g;
          rgba[p + 2] = b;
          rgba[p + 3] = 255;
        }
      }
    }
  }
  return { width, height, rgba, legend };
}

/** A render as palette indices (one byte per pixel) and a 256-colour RGB palette. */
export interface IndexedHeatmap {
  readonly width: number;
  readonly height: number;
  readonly index: Uint8Array;
  readonly palette: Uint8Array;
  readonly legend: Legend;
}

/**
 * The same pixels as renderHeatmap, as palette indices: a quarter of the bytes to write (a PNG
 * of them encodes several times faster). null when a cell is NaN (257 colours).
 */
export function renderHeatmapIndexed(map: Heatmap, options: RenderOptions = {}): IndexedHeatmap | null {
  const { idx, nan, zx, zy, table, legend } = colorIndices(map, options);
  if (nan) return null;
  const width = map.width * zx;
  const height = map.height * zy;
  let index: Uint8Array;
  if (zx === 1 && zy === 1) index = Uint8Array.from(idx);
  else {
    index = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const src = ((y / zy) | 0) * map.width;
      for (let x = 0; x < width; x++) index[y * width + x] = idx[src + ((x / zx) | 0)];
    }
  }
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) palette.set(table.subarray(i * 4, i * 4 + 3), i * 3);
  return { width, height, index, palette, legend };
}

/**
 * renderHeatmapIndexed of a linear-scale map of bytes (min 0, largest value `max`, zoom 1),
 * e.g. per-pixel |diff| of 8-bit images: each of the 256 values is coloured once, by the same
 * code, so the pixels are those renderHeatmap would give.
 */
export function renderBytesIndexed(
  bytes: Uint8Array,
  width: number,
  height: number,
  max: number,
  options: Omit<RenderOptions, 'scale' | 'zoom'> = {},
): IndexedHeatmap {
  const values = new Float32Array(256).map((_, i) => i);
  const probe = unpooledHeatmap(256, 1, values, 'none', 0, max, { width, height });
  const lut = renderHeatmapIndexed(probe, { ...options, scale: 'linear', zoom: 1 }) as IndexedHeatmap; // no NaN in 0..255
  const index = new Uint8Array(width * height);
  const table = lut.index;
  for (let i = 0; i < index.length; i++) index[i] = table[bytes[i]];
  return { width, height, index, palette: lut.palette, legend: lut.legend };
}

/** Small multiples on one canvas (same scale), `gap` px apart, in rows of `perRow`. */
export function tile(images: readonly RenderedHeatmap[], perRow: number, gap = 4): { width: number; height: number; rgba: Uint8Array } {
  if (!images.length) return { width: 0, height: 0, rgba: new Uint8Array(0) };
  const cw = Math.max(...images.map((i) => i.width));
  const ch = Math.max(...images.map((i) => i.height));
  const cols = Math.min(perRow, images.length);
  const rows = Math.ceil(images.length / cols);
  const width = cols * cw + (cols - 1) * gap;
  const height = rows * ch + (rows - 1) * gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  images.forEach((im, n) => {
    const ox = (n % cols) * (cw + gap);
    const oy = Math.floor(n / cols) * (ch + gap);
    for (let y = 0; y < im.height; y++) {
      const src = im.rgba.subarray(y * im.width * 4, (y + 1) * im.width * 4);
      rgba.set(src, ((oy + y) * width + ox) * 4);
    }
  });
  return { width, height, rgba };
}

/** A map of `data` at full resolution (no pooling), x across, y down; `source` is the grid it stands for. */
export function unpooledHeatmap(
  width: number,
  height: number,
  data: Float32Array,
  reduction: Heatmap['reduction'],
  min: number,
  max: number,
  source = { width, height },
): Heatmap {
  return {
    width,
    height,
    data,
    sourceWidth: source.width,
    sourceHeight: source.height,
    poolX: 1,
    poolY: 1,
    rowAxis: 'y',
    colAxis: 'x',
    reduction,
    min,
    max,
  };
}
