// Colormaps and scales. Sequential maps for magnitudes, a diverging one for signed values.
// Each map is a few anchor colours (anchors.ts) interpolated into a 256-entry table once.
import { anchorTable } from './anchors';
import type { ColorScale, Colormap, ColormapName, Legend, LegendTick } from './types';

export const NAN_COLOR: readonly [number, number, number, number] = [255, 0, 255, 255];

const tables = new Map<ColormapName, Uint8Array>();

/** 256 × RGBA lookup table of a colormap. */
export function colormapTable(name: ColormapName): Uint8Array {
  let t = tables.get(name);
  if (t) return t;
  t = anchorTable(name, 4);
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
