// Layout reconciliation: when the two sides hold the same elements in a different layout
// (PyTorch is channels-first, MLX convolutions are channels-last, Flux packs latents), find
// the one known transform that maps the candidate onto the reference layout. Never guessed
// silently: the chosen transform is named in the report.
import type { LayoutTransform } from './types';

/**
 * The reference equals `transpose(cand.reshape(candView), perm)` read in row-major order.
 * `perm[i]` is the candidate view dim that becomes reference view dim i.
 */
export interface LayoutPlan {
  readonly transform: LayoutTransform;
  readonly candView: readonly number[];
  readonly perm: readonly number[];
  /** True when the candidate is read in its own order (no gathering needed). */
  readonly sameOrder: boolean;
  /** For latents: the reference's spatial grid (rows, cols) when it is packed. */
  readonly packedGrid?: { readonly height: number; readonly width: number; readonly channels: number };
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function eq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function identity(shape: readonly number[], transform: LayoutTransform): LayoutPlan {
  return { transform, candView: shape, perm: shape.map((_, i) => i), sameOrder: true };
}

function permuted(candView: readonly number[], perm: readonly number[], transform: LayoutTransform): LayoutPlan {
  return { transform, candView, perm, sameOrder: false };
}

export function looksLikeWeight(name: string): boolean {
  return /(^|[._/])(weight|kernel)s?$/i.test(name);
}

/** Transforms between two shapes of the same rank. */
function sameRank(ref: readonly number[], cand: readonly number[], name: string): LayoutPlan | null {
  if (ref.length === 4) {
    const [a, b, c, d] = ref;
    // cand [N,H,W,C] → ref [N,C,H,W]: ref dims are cand dims (0,3,1,2). OHWI → OIHW is the same permutation.
    if (eq(cand, [a, c, d, b])) return permuted(cand, [0, 3, 1, 2], looksLikeWeight(name) ? 'ohwi_to_oihw' : 'nhwc_to_nchw');
    // cand [N,C,H,W] → ref [N,H,W,C]: ref dims are cand dims (0,2,3,1).
    if (eq(cand, [a, d, b, c])) return permuted(cand, [0, 2, 3, 1], looksLikeWeight(name) ? 'oihw_to_ohwi' : 'nchw_to_nhwc');
  }
  if (ref.length === 3) {
    const [a, b, c] = ref;
    // [N,L,C] ↔ [N,C,L] is its own inverse; MLX being channels-last makes the candidate the NLC side.
    if (eq(cand, [a, c, b])) return permuted(cand, [0, 2, 1], 'nlc_to_ncl');
  }
  return null;
}

/** Flux packing: [B,C,H,W] → view(B,C,H/2,2,W/2,2) → permute(0,2,4,1,3,5) → [B,(H/2)(W/2),4C]. */
function latents(ref: readonly number[], cand: readonly number[]): LayoutPlan | null {
  if (ref.length === 4 && cand.length === 3) {
    const [b, c, h, w] = ref;
    if (h % 2 === 0 && w % 2 === 0 && eq(cand, [b, (h / 2) * (w / 2), 4 * c])) {
      // cand view [B,h,w,C,2,2]; ref view [B,C,h,2,w,2] = cand dims (0,3,1,4,2,5)
      return permuted([b, h / 2, w / 2, c, 2, 2], [0, 3, 1, 4, 2, 5], 'unpack_latents');
    }
  }
  if (ref.length === 3 && cand.length === 4) {
    const [b, c, h, w] = cand;
    if (h % 2 === 0 && w % 2 === 0 && eq(ref, [b, (h / 2) * (w / 2), 4 * c])) {
      // cand view [B,C,h,2,w,2]; ref view [B,h,w,C,2,2] = cand dims (0,2,4,1,3,5)
      return {
        ...permuted([b, c, h / 2, 2, w / 2, 2], [0, 2, 4, 1, 3, 5], 'pack_latents'),
        packedGrid: { height: h, width: w, channels: c },
      };
    }
  }
  return null;
}

/**
 * Transforms that map a shape onto itself (e.g. an OHWI kernel [16,3,3,3] stored where OIHW
 * [16,3,3,3] is expected): equal shapes do not prove equal layouts. Used only after a pair
 * fails as stored.
 */
export function alternativePlans(shape: readonly number[], name = ''): LayoutPlan[] {
  const out: LayoutPlan[] = [];
  if (shape.length === 4) {
    const [, b, c, d] = shape;
    if (b === c && c === d && b > 1) {
      out.push(permuted(shape, [0, 3, 1, 2], looksLikeWeight(name) ? 'ohwi_to_oihw' : 'nhwc_to_nchw'));
      out.push(permuted(shape, [0, 2, 3, 1], looksLikeWeight(name) ? 'oihw_to_ohwi' : 'nchw_to_nhwc'));
    }
  }
  if (shape.length === 3 && shape[1] === shape[2] && shape[1] > 1) out.push(permuted(shape, [0, 2, 1], 'nlc_to_ncl'));
  return out;
}

function squeeze(shape: readonly number[]): number[] {
  return shape.filter((d) => d !== 1);
}

function padTo(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(Math.max(0, rank - shape.length)).fill(1), ...shape];
}

export type PlanResult = { readonly ok: true; readonly plan: LayoutPlan } | { readonly ok: false; readonly reason: string };

/** Finds how to read the candidate in the reference's layout, or why it cannot be done. */
export function planLayout(refShape: readonly number[], candShape: readonly number[], name = ''): PlanResult {
  if (eq(refShape, candShape)) return { ok: true, plan: identity(candShape, 'none') };
  const nr = numel(refShape);
  const nc = numel(candShape);
  const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
  if (nr !== nc) {
    return { ok: false, reason: `shapes ${fmt(refShape)} and ${fmt(candShape)} hold different numbers of elements (${nr} vs ${nc})` };
  }
  if (eq(squeeze(refShape), squeeze(candShape))) return { ok: true, plan: identity(candShape, 'reshape') };
  const direct = sameRank(refShape, candShape, name) ?? latents(refShape, candShape);
  if (direct) return { ok: true, plan: direct };
  // A batch dim of 1 present on one side only (e.g. [C,H,W] vs [1,H,W,C]).
  if (refShape.length !== candShape.length) {
    const rank = Math.max(refShape.length, candShape.length);
    const r = padTo(refShape, rank);
    const c = padTo(candShape, rank);
    const padded = sameRank(r, c, name) ?? latents(r, c);
    if (padded) return { ok: true, plan: padded };
  }
  return {
    ok: false,
    reason: `shapes ${fmt(refShape)} and ${fmt(candShape)} differ and no known layout transform (NHWC/NCHW, NLC/NCL, OHWI/OIHW, packed latents) reconciles them`,
  };
}

/**
 * Scatters candidate elements (streamed in the candidate's row-major order) into `window`,
 * which holds reference flat indices [start, start + window.length). Returns nothing: the
 * caller streams every candidate chunk through it, keeping `state` between calls.
 */
export class Gatherer {
  private readonly view: readonly number[];
  /** Reference flat stride of each candidate view dim. */
  private readonly refStride: Float64Array;
  private readonly idx: Int32Array;
  private refPos = 0;

  constructor(plan: LayoutPlan) {
    this.view = plan.candView;
    const refShape = plan.perm.map((p) => plan.candView[p]);
    const strides = new Array<number>(refShape.length);
    let s = 1;
    for (let i = refShape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= refShape[i];
    }
    this.refStride = new Float64Array(this.view.length);
    plan.perm.forEach((candDim, refDim) => {
      this.refStride[candDim] = strides[refDim];
    });
    this.idx = new Int32Array(this.view.length);
  }

  /** Restart from the first candidate element (a new window pass). */
  reset(): void {
    this.idx.fill(0);
    this.refPos = 0;
  }

  /** Feeds the next candidate values; writes those that fall in the window. */
  feed(values: Float32Array | Float64Array, window: Float32Array | Float64Array, start: number): void {
    const view = this.view;
    const last = view.length - 1;
    const idx = this.idx;
    const refStride = this.refStride;
    const end = start + window.length;
    const n = values.length;
    if (last < 0) {
      if (n > 0 && start === 0 && window.length > 0) window[0] = values[0];
      return;
    }
    const innerSize = view[last];
    const innerStride = refStride[last];
    let k = 0;
    while (k < n) {
      const run = Math.min(innerSize - idx[last], n - k);
      let pos = this.refPos;
      const runEnd = pos + (run - 1) * innerStride;
      if (pos >= start && runEnd < end && pos < end && runEnd >= start) {
        // The whole run lands in the window (always the case when the window is the tensor).
        let w = pos - start;
        for (let t = 0; t < run; t++) {
          window[w] = values[k + t];
          w += innerStride;
        }
      } else {
        for (let t = 0; t < run; t++) {
          if (pos >= start && pos < end) window[pos - start] = values[k + t];
          pos += innerStride;
        }
      }
      k += run;
      // Advance the odometer by `run` along the inner dim, carrying into outer dims.
      idx[last] += run;
      this.refPos += run * innerStride;
      let d = last;
      while (d > 0 && idx[d] === view[d]) {
        this.refPos -= view[d] * refStride[d];
        idx[d] = 0;
        d--;
        idx[d]++;
        this.refPos += refStride[d];
      }
    }
  }
}
