// Error growth along the capture order. A porting bug in one layer shows as a single jump
// of rel_l2 (orders of magnitude at once); precision drift shows as a slow rise.
import type { ErrorGrowth, GrowthPoint, PairResult } from './types';

/** A jump multiplies rel_l2 by at least this much from one pair to the next. */
export const JUMP_FACTOR = 10;
const FLOOR = 1e-12;

export function errorGrowth(pairs: readonly PairResult[]): ErrorGrowth {
  const points: GrowthPoint[] = [];
  let prev: number | null = null;
  pairs.forEach((p, index) => {
    const v = p.rel_l2;
    let ratio: number | null = null;
    let jump = false;
    if (v !== null) {
      const base = Math.max(prev ?? 0, FLOOR);
      ratio = prev === null ? null : v / base;
      // The value must also be above what this pair tolerates, so float noise growing from
      // 1e-9 to 1e-7 is not called a jump.
      jump = v / base >= JUMP_FACTOR && v > p.rtol;
      prev = v;
    }
    points.push({ name: p.name, index, rel_l2: v, ratio, jump });
  });
  const firstFail = pairs.findIndex((p) => !p.pass);
  let pattern: ErrorGrowth['pattern'] = 'none';
  if (firstFail >= 0) {
    const structural = pairs[firstFail].reason !== undefined;
    pattern = structural || points[firstFail].jump ? 'local' : 'drift';
  }
  return { points, pattern };
}
