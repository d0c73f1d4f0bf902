// Exact sums of float64 values as integer limbs: the compare kernel (native/metrics.c) adds
// each block's sums into them, so a pair's totals do not depend on how it was cut into chunks
// or worker slices (the sum of the same block sums is the same number whatever the order).
// Layout: EXACT_SUMS sums × LIMBS cells; cell l of a sum weighs 2^(32·l − 1074). Cells are
// integers kept below 2^53 (the kernel carries them into [0, 2^32) after every call), so
// they travel in a Float64Array and partials add cell by cell.

export const LIMBS = 66;
/** The sums of MetricAccumulator, in metricsLoop.ts SUMS order. */
export const EXACT_SUMS = 9;
export const EXACT_CELLS = EXACT_SUMS * LIMBS;

const RADIX = 2 ** 32;
const WEIGHT = Array.from({ length: LIMBS }, (_, l) => 2 ** (32 * l - 1074));

/** Adds the cells of `b` (from `bAt`) into `a` (exact while cells stay below 2^53). */
export function addCells(a: Float64Array, b: Float64Array, bAt = 0): void {
  for (let i = 0; i < EXACT_CELLS; i++) a[i] += b[bAt + i];
}

/** Carries so every cell but the last is in [0, 2^32); the last keeps the sign. */
function carry(l: Float64Array): void {
  let c = 0;
  for (let i = 0; i < LIMBS - 1; i++) {
    const v = l[i] + c;
    c = Math.floor(v / RADIX);
    l[i] = v - c * RADIX;
  }
  l[LIMBS - 1] += c;
}

/**
 * Sum `s` as a float64: the same limbs always give the same number, within 2 ulp of the
 * exact value (sign and magnitude, magnitude added from the smallest cell up).
 */
export function exactValue(cells: Float64Array, s: number): number {
  const l = cells.slice(s * LIMBS, (s + 1) * LIMBS);
  carry(l);
  let sign = 1;
  if (l[LIMBS - 1] < 0) {
    sign = -1;
    for (let i = 0; i < LIMBS; i++) l[i] = -l[i];
    carry(l);
  }
  let v = 0;
  for (let i = 0; i < LIMBS; i++) if (l[i] !== 0) v += l[i] * WEIGHT[i];
  return sign * v;
}
