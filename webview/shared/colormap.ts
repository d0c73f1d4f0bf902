// Colormaps as 256-entry RGB lookup tables, built by interpolating a few anchor colours.
// Pure: used by the webviews (and testable in Node). The anchors are core's (src/core/images/anchors.ts).
import { anchorTable, type AnchoredColormap } from '../../src/core/images/anchors';

export type ColormapName = AnchoredColormap;
export type Scale = 'linear' | 'log';

export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'magma', 'gray', 'diverging'];

const cache = new Map<ColormapName, Uint8Array>();

/** 256*3 bytes: the RGB of each of 256 levels. */
function lut(name: ColormapName): Uint8Array {
  let t = cache.get(name);
  if (t) return t;
  t = anchorTable(name, 3);
  cache.set(name, t);
  return t;
}

export function cssColor(name: ColormapName, level01: number): string {
  const t = lut(name);
  const i = Math.max(0, Math.min(255, Math.round(level01 * 255))) * 3;
  return `rgb(${t[i]},${t[i + 1]},${t[i + 2]})`;
}

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Finite min/max of the values (0..0 when none is finite). */
export function finiteRange(values: ArrayLike<number>): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

/** Smallest positive finite value, used as the floor of a log scale. */
export function minPositive(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && v < m) m = v;
  }
  return Number.isFinite(m) ? m : 1;
}

const packedCache = new Map<ColormapName, Uint32Array>();

/** The 256 RGBA levels as native-endian words, so one 32-bit store writes a whole pixel. */
function packedLut(name: ColormapName): Uint32Array {
  let t = packedCache.get(name);
  if (t) return t;
  t = new Uint32Array(anchorTable(name, 4).buffer);
  packedCache.set(name, t);
  return t;
}

/** Magenta (255, 0, 255, 255) as a native-endian word. */
const NAN_PIXEL = new Uint32Array(new Uint8Array([255, 0, 255, 255]).buffer)[0];

/**
 * Maps values to RGBA pixels. Linear: [min, max] -> [0, 255]. Log: log10 of max(v, floor)
 * over [floor, max]. NaN is drawn magenta so it is never mistaken for a small value.
 */
export function colorize(values: ArrayLike<number>, out: Uint8ClampedArray, name: ColormapName, scale: Scale, range: Range): void {
  const t = packedLut(name);
  const n = values.length;
  const log = scale === 'log';
  // The ends of the scale: log10 of [floor, max] (at least one decade), or [min, max].
  const lo = log ? Math.log10(Math.max(range.min, 1e-30)) : range.min;
  const hi = log ? Math.log10(Math.max(range.max, range.min * 10, 1e-29)) : range.max;
  const k = hi > lo ? 255 / (hi - lo) : 0;
  // ImageData buffers are word-aligned; a copy covers any other view.
  const aligned = out.byteOffset % 4 === 0;
  const px = aligned ? new Uint32Array(out.buffer, out.byteOffset, n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      px[i] = NAN_PIXEL;
      continue;
    }
    const level = log ? (v > 0 ? (Math.log10(v) - lo) * k : 0) : (v - lo) * k;
    px[i] = t[level < 0 ? 0 : level > 255 ? 255 : level | 0];
  }
  if (!aligned) out.set(new Uint8Array(px.buffer, 0, n * 4));
}
