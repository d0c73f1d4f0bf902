// Pure pixel arithmetic for the image diff: what a pair allows, per-pixel max |a−b|, local
// metrics, the gained difference image, and zoom/pan geometry.
import type { LoadedImage, PairMetrics } from '../../src/protocol/imageDiff';
import { jointHistogram, type JointHistogram } from '../shared/goldenRule';

export interface PairAnalysis {
  readonly comparable: boolean;
  readonly joint: JointHistogram | null;
  readonly ruleError: string | null;
  readonly maxDiff: Float32Array | null;
}

/** Whether the two images can be compared and judged, and their per-pixel max |a−b|. */
export function analysePair(ref: LoadedImage | null, cand: LoadedImage | null): PairAnalysis {
  const comparable = !!ref && !!cand && ref.width === cand.width && ref.height === cand.height;
  let ruleError: string | null = null;
  let joint: JointHistogram | null = null;
  let maxDiff: Float32Array | null = null;
  if (ref && cand && !comparable) {
    ruleError = `Sizes differ (${ref.width}×${ref.height} vs ${cand.width}×${cand.height}): mflux's rule would fail with a shape error, so only side by side is available.`;
  } else if (ref && cand) {
    if (ref.channels !== cand.channels) {
      ruleError = `Channel counts differ (${ref.channels} vs ${cand.channels}): np.isclose would raise a broadcast error in the golden test.`;
    } else {
      joint = jointHistogram(ref.values, cand.values);
    }
    maxDiff = maxAbsDiff(ref.rgba, cand.rgba);
  }
  return { comparable, joint, ruleError, maxDiff };
}

/** max over R, G, B, A of |a−b| for each pixel of two RGBA buffers of the same size. */
function maxAbsDiff(a: Uint8Array, b: Uint8Array): Float32Array {
  const out = new Float32Array(a.length / 4);
  for (let i = 0, o = 0; i < out.length; i++, o += 4) {
    const d0 = Math.abs(a[o] - b[o]);
    const d1 = Math.abs(a[o + 1] - b[o + 1]);
    const d2 = Math.abs(a[o + 2] - b[o + 2]);
    const d3 = Math.abs(a[o + 3] - b[o + 3]);
    out[i] = Math.max(d0, d1, d2, d3);
  }
  return out;
}

/** |a−b|·gain per R, G, B (clamped by the Uint8ClampedArray), opaque. */
export function gainedDiff(a: Uint8Array, b: Uint8Array, gain: number, out: Uint8ClampedArray): void {
  for (let o = 0; o < a.length; o += 4) {
    out[o] = Math.abs(a[o] - b[o]) * gain;
    out[o + 1] = Math.abs(a[o + 1] - b[o + 1]) * gain;
    out[o + 2] = Math.abs(a[o + 2] - b[o + 2]) * gain;
    out[o + 3] = 255;
  }
}

/** The largest value (at least 1, so a colour scale never collapses). */
export function scaleMax(d: Float32Array | null): number {
  if (!d) return 1;
  let m = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > m) m = d[i];
  return Math.max(1, m);
}

/** PSNR / max / mean over R, G, B when the host did not send metrics (SSIM stays unknown). */
export function localMetrics(a: LoadedImage, b: LoadedImage): PairMetrics {
  let sq = 0;
  let sum = 0;
  let max = 0;
  const n = a.width * a.height;
  for (let o = 0; o < n * 4; o += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a.rgba[o + c] - b.rgba[o + c];
      sq += d * d;
      const ad = Math.abs(d);
      sum += ad;
      if (ad > max) max = ad;
    }
  }
  const mse = sq / (n * 3);
  return { psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse), ssim: null, maxAbs: max, meanAbs: sum / (n * 3) };
}

/** `512×512 RGB`, `64×64 palette`. */
export function describeImage(img: LoadedImage): string {
  const kinds: Record<number, string> = { 1: 'gray', 2: 'gray+alpha', 3: 'RGB', 4: 'RGBA' };
  return `${img.width}×${img.height} ${img.colorType === 3 ? 'palette' : kinds[img.channels]}`;
}

export function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

export interface View {
  scale: number;
  ox: number;
  oy: number;
}

/** The scale and offset that centre an image of `size` in a viewport of `vp`. */
export function fitView(size: { w: number; hgt: number }, vp: { w: number; hgt: number }): View {
  const scale = Math.min(vp.w / size.w, vp.hgt / size.hgt);
  return { scale, ox: (vp.w - size.w * scale) / 2, oy: (vp.hgt - size.hgt * scale) / 2 };
}

/** Zooms to `newScale` (clamped to 1/64…64) keeping the image point under (cx, cy) in place. */
export function zoomView(v: View, newScale: number, cx: number, cy: number): View {
  const s = Math.min(64, Math.max(1 / 64, newScale));
  const ix = (cx - v.ox) / v.scale;
  const iy = (cy - v.oy) / v.scale;
  return { scale: s, ox: cx - ix * s, oy: cy - iy * s };
}

/** The image pixel under viewport point (px, py), or null outside the image. */
export function pixelAt(v: View, size: { w: number; hgt: number }, px: number, py: number): { x: number; y: number } | null {
  const x = Math.floor((px - v.ox) / v.scale);
  const y = Math.floor((py - v.oy) / v.scale);
  return x >= 0 && y >= 0 && x < size.w && y < size.hgt ? { x, y } : null;
}
