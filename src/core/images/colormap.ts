// Colormaps and scales. Sequential maps for magnitudes, a diverging one for signed values.
// Each map is a few anchor colours interpolated into a 256-entry table once.
import type { ColorScale, Colormap, ColormapName, Legend, LegendTick } from './types';

const ANCHORS: Record<ColormapName, readonly string[]> = {
  // Perceptually uniform, readable in greyscale and by colour-blind readers.
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  magma: ['#000004', '#180f3d', '#440f76', '#721f81', '#9e2f7f', '#cd4071', '#f1605d', '#fd9668', '#feca8d', '#fcfdbf'],
  // Blue (negative) through near-white (zero) to red (positive).
  diverging: ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'],
};

export const NAN_COLOR: readonly [number, number, number, number] = [255, 0, 255, 255];

const tables = new Map<ColormapName, Uint8Array>();

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** 256 × RGBA lookup table of a colormap. */
export function colormapTable(name: ColormapName): Uint8Array {
  let t = tables.get(name);
  if (t) return t;
  const stops = ANCHORS[name].map(hex);
  t = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) t[i * 4 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
    t[i * 4 + 3] = 255;
  }
  tables.set(name, t);
  return t;
}

export function colormap(name: ColormapName): Colormap {
  const t = colormapTable(name);
  return (x: number) => {
    if (x !== x) return NAN_COLOR;
    const i = Math.max(0, Math.min(255, Math.round(x * 255))) * 4;
    return [t[i], t[i + 1], t[i + 2], t[i + 3]];
  };
}

export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return Number(v.toPrecision(3)).toString();
  return v.toExponential(1).replace('e+', 'e');
}

/**
 * Maps a value to [0, 1] for the given scale and ends. Log scale: values at or below `low`
 * map to 0 (zero differences sit at the bottom of the bar).
 */
export interface Normalizer {
  readonly low: number;
  readonly high: number;
  readonly scale: ColorScale;
  (v: number): number;
}

export function normalizer(scale: ColorScale, low: number, high: number): Normalizer {
  let f: (v: number) => number;
  if (scale === 'log') {
    const l0 = Math.log10(low);
    const span = Math.log10(high) - l0 || 1;
    f = (v) => (v !== v ? NaN : v <= low ? 0 : Math.min(1, (Math.log10(v) - l0) / span));
  } else {
    const span = high - low || 1;
    f = (v) => (v !== v ? NaN : Math.max(0, Math.min(1, (v - low) / span)));
  }
  return Object.assign(f, { low, high, scale });
}

/** Ends of the colour bar for data in [min, max]. */
export function chooseRange(
  scale: ColorScale,
  colormapName: ColormapName,
  min: number,
  max: number,
  minPositive: number,
): { low: number; high: number } {
  if (colormapName === 'diverging') {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { low: -m, high: m };
  }
  if (scale === 'log') {
    const high = max > 0 ? max : 1;
    // At most 8 decades, so one huge outlier does not wash out the rest.
    const low = Math.max(minPositive > 0 && minPositive < high ? minPositive : high / 1e8, high / 1e8);
    return { low, high: high > low ? high : low * 10 };
  }
  const low = Math.min(0, min);
  return { low, high: max > low ? max : low + 1 };
}

export function legendFor(colormapName: ColormapName, scale: ColorScale, low: number, high: number): Legend {
  const ticks: LegendTick[] = [];
  if (scale === 'log') {
    const a = Math.log10(low);
    const b = Math.log10(high);
    const first = Math.ceil(a - 1e-9);
    const last = Math.floor(b + 1e-9);
    const step = Math.max(1, Math.ceil((last - first + 1) / 6));
    for (let e = first; e <= last; e += step) ticks.push({ value: 10 ** e, position: (e - a) / (b - a || 1), label: `1e${e}` });
    if (!ticks.length || ticks[0].position > 0.05) ticks.unshift({ value: low, position: 0, label: formatValue(low) });
    if (ticks[ticks.length - 1].position < 0.95) ticks.push({ value: high, position: 1, label: formatValue(high) });
  } else {
    for (let i = 0; i <= 4; i++) {
      const value = low + ((high - low) * i) / 4;
      ticks.push({ value, position: i / 4, label: formatValue(value) });
    }
  }
  return { colormap: colormapName, scale, low, high, ticks, nanColor: NAN_COLOR };
}
