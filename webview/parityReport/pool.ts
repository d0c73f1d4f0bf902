// Pure helpers for drawing |diff| heatmaps: the colour range of a set of maps and max-pooling
// a map down to the canvas's pixels.
import type { Heatmap } from '../../src/protocol/parityReport';
import { finiteRange, minPositive, type Range, type Scale } from '../shared/colormap';

/** One colour range over several maps (log scale: from the smallest positive value). */
export function heatRange(maps: readonly Heatmap[], scale: Scale): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of maps) {
    const r = finiteRange(m.values);
    const min = scale === 'log' ? minPositive(m.values) : r.min;
    lo = Math.min(lo, min);
    hi = Math.max(hi, r.max);
  }
  if (!Number.isFinite(lo)) return { min: 0, max: 1 };
  return { min: scale === 'log' ? lo : Math.min(0, lo), max: hi };
}

/**
 * Max-pools a map down to at most `maxW`×`maxH` cells so a map larger than the screen costs
 * what the screen shows, and a single bad element still lights its cell. NaN wins a cell.
 */
export function poolForDisplay(m: Heatmap, maxW: number, maxH: number): Heatmap {
  const fx = Math.max(1, Math.ceil(m.width / maxW));
  const fy = Math.max(1, Math.ceil(m.height / maxH));
  if (fx === 1 && fy === 1) return m;
  const w = Math.ceil(m.width / fx);
  const hh = Math.ceil(m.height / fy);
  const out = new Float32Array(w * hh).fill(-Infinity);
  const v = m.values;
  const W = m.width;
  // Cell by cell along each input row: no division per element; once NaN, a cell stays NaN.
  for (let y = 0, irow = 0; y < m.height; y++, irow += W) {
    const orow = ((y / fy) | 0) * w;
    for (let ox = 0, x0 = irow; ox < w; ox++, x0 += fx) {
      const x1 = Math.min(x0 + fx, irow + W);
      let best = out[orow + ox];
      for (let i = x0; i < x1; i++) {
        const val = v[i];
        if (val > best || val !== val) best = val;
      }
      out[orow + ox] = best;
    }
  }
  return { label: m.label, width: w, height: hh, values: out };
}
