// Image metrics: PSNR and SSIM over RGB (as scikit-image computes them), max/mean absolute
// difference, and mflux's golden-image rule replayed exactly:
//   np.isclose(output, reference, rtol, atol) on the arrays as loaded (all channels),
//   ratio = mismatched elements / all elements, pass when ratio <= threshold.
import type { DecodedImage, Heatmap, ImageDiffResult, RtolCurvePoint } from './types';
import { gaussianSsimParams, ssimRgb, type SsimMethod } from './ssim';
import { kernels, type Kernels } from '../kernels';
import { unpooledHeatmap } from './render';

export const GOLDEN_DEFAULTS = { rtol: 0.1, atol: 0, threshold: 0.15 } as const;

const CHANNEL_NAMES = ['', 'greyscale or palette', 'greyscale+alpha', 'RGB', 'RGBA'];

export function checkSameSize(ref: DecodedImage, cand: DecodedImage, refLabel: string, candLabel: string): void {
  if (ref.width !== cand.width || ref.height !== cand.height) {
    throw new Error(`images differ in size: ${refLabel} is ${ref.width}×${ref.height}, ${candLabel} is ${cand.width}×${cand.height}`);
  }
}

function checkSameChannels(ref: DecodedImage, cand: DecodedImage): void {
  if (ref.channels !== cand.channels) {
    throw new Error(
      `the reference is ${CHANNEL_NAMES[ref.channels]} and the candidate ${CHANNEL_NAMES[cand.channels]}: ` +
        `mflux's golden rule (np.isclose on the arrays as loaded) cannot compare them`,
    );
  }
}

/**
 * Joint histogram of (reference value, candidate value) over all channel elements as loaded:
 * 256×256 counts. Every golden-rule question (any rtol, any atol) is answered exactly from it.
 */
export function jointHistogram(ref: DecodedImage, cand: DecodedImage): Float64Array {
  checkSameChannels(ref, cand);
  const counts = new Uint32Array(65536);
  const a = ref.data;
  const b = cand.data;
  const n = a.length;
  for (let i = 0; i < n; i++) counts[(a[i] << 8) | b[i]]++;
  return Float64Array.from(counts);
}

/** Mismatched elements under np.isclose(cand, ref, rtol, atol): |cand − ref| <= atol + rtol·|ref|, in float64. */
export function goldenMismatches(joint: Float64Array, rtol: number, atol: number): number {
  let bad = 0;
  for (let r = 0; r < 256; r++) {
    const lim = atol + rtol * r;
    const row = r << 8;
    for (let c = 0; c < 256; c++) {
      const n = joint[row | c];
      if (n !== 0 && !(Math.abs(c - r) <= lim)) bad += n;
    }
  }
  return bad;
}

export function goldenRatio(
  ref: DecodedImage,
  cand: DecodedImage,
  rtol: number = GOLDEN_DEFAULTS.rtol,
  atol: number = GOLDEN_DEFAULTS.atol,
): number {
  return goldenMismatches(jointHistogram(ref, cand), rtol, atol) / ref.data.length;
}

/** The golden-rule mismatch ratio for each rtol (for a curve of ratio vs tolerance). */
export function goldenCurve(
  ref: DecodedImage,
  cand: DecodedImage,
  rtols: readonly number[],
  atol: number = GOLDEN_DEFAULTS.atol,
  threshold: number = GOLDEN_DEFAULTS.threshold,
): RtolCurvePoint[] {
  const joint = jointHistogram(ref, cand);
  const total = ref.data.length;
  return rtols.map((rtol) => {
    const ratio = goldenMismatches(joint, rtol, atol) / total;
    return { rtol, ratio, pass: ratio <= threshold };
  });
}

/** Per pixel: 1 when any channel (as loaded) fails the golden rule, else 0. */
export function pixelMismatchMask(
  ref: DecodedImage,
  cand: DecodedImage,
  rtol: number = GOLDEN_DEFAULTS.rtol,
  atol: number = GOLDEN_DEFAULTS.atol,
): Uint8Array {
  checkSameChannels(ref, cand);
  const ch = ref.channels;
  const n = ref.width * ref.height;
  const out = new Uint8Array(n);
  const a = ref.data;
  const b = cand.data;
  for (let p = 0; p < n; p++) {
    for (let k = p * ch, e = k + ch; k < e; k++) {
      if (!(Math.abs(b[k] - a[k]) <= atol + rtol * a[k])) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}

/** Per pixel: max |cand − ref| over R, G, B (one byte per pixel), and its largest value. */
export function absDiffBytes(ref: DecodedImage, cand: DecodedImage): { map: Uint8Array; max: number } {
  const n = ref.width * ref.height;
  const k = kernels();
  if (k) return k.rgbaDiff(ref.rgba, cand.rgba, n, 0);
  const a = ref.rgba;
  const b = cand.rgba;
  const map = new Uint8Array(n);
  let max = 0;
  for (let p = 0, k = 0; p < n; p++, k += 4) {
    const dr = Math.abs(a[k] - b[k]);
    const dg = Math.abs(a[k + 1] - b[k + 1]);
    const db = Math.abs(a[k + 2] - b[k + 2]);
    const m = dr > dg ? (dr > db ? dr : db) : dg > db ? dg : db;
    map[p] = m;
    if (m > max) max = m;
  }
  return { map, max };
}

/** Per pixel: max |cand − ref| over R, G, B, as a full-resolution heatmap. */
export function pixelAbsDiff(ref: DecodedImage, cand: DecodedImage): Heatmap {
  const { map, max } = absDiffBytes(ref, cand);
  return unpooledHeatmap(ref.width, ref.height, Float32Array.from(map), 'max', 0, max);
}

/** Sum of squared and absolute differences and the max over R, G, B. */
function rgbDiffs(ref: DecodedImage, cand: DecodedImage): { sq: number; abs: number; max: number } {
  const a = ref.rgba;
  const b = cand.rgba;
  let sq = 0,
    abs = 0,
    max = 0;
  for (let k = 0; k < a.length; k += 4) {
    const d0 = a[k] - b[k];
    const d1 = a[k + 1] - b[k + 1];
    const d2 = a[k + 2] - b[k + 2];
    sq += d0 * d0 + d1 * d1 + d2 * d2;
    const e0 = d0 < 0 ? -d0 : d0,
      e1 = d1 < 0 ? -d1 : d1,
      e2 = d2 < 0 ? -d2 : d2;
    abs += e0 + e1 + e2;
    const m = e0 > e1 ? (e0 > e2 ? e0 : e2) : e1 > e2 ? e1 : e2;
    if (m > max) max = m;
  }
  return { sq, abs, max };
}

export interface ImageDiffOptions {
  readonly rtol?: number;
  readonly atol?: number;
  readonly threshold?: number;
  /** Skip SSIM (the costliest metric); `ssim` is then null. */
  readonly skipSsim?: boolean;
  /** Which SSIM (see ssim.ts); default 'gaussian', the paper's. */
  readonly ssim?: SsimMethod;
}

export function imageDiff(
  ref: DecodedImage,
  cand: DecodedImage,
  options: ImageDiffOptions = {},
  labels = { ref: 'reference', cand: 'candidate' },
): ImageDiffResult {
  return imageDiffAndMap(ref, cand, options, labels).result;
}

/**
 * imageDiff, and absDiffBytes's per-pixel map (made in the same pass by the kernel, else on
 * demand). `k`: the kernels to run on (readPngPair's, which hold both images already).
 */
export function imageDiffAndMap(
  ref: DecodedImage,
  cand: DecodedImage,
  options: ImageDiffOptions = {},
  labels = { ref: 'reference', cand: 'candidate' },
  k: Kernels | null = kernels(),
): { result: ImageDiffResult; absDiff: () => { map: Uint8Array; max: number } } {
  checkSameSize(ref, cand, labels.ref, labels.cand);
  const rtol = options.rtol ?? GOLDEN_DEFAULTS.rtol;
  const atol = options.atol ?? GOLDEN_DEFAULTS.atol;
  const threshold = options.threshold ?? GOLDEN_DEFAULTS.threshold;
  checkSameChannels(ref, cand);
  // The kernel makes the joint histogram too for RGB and RGBA (there `data` is the R, G, B(, A)
  // of `rgba`); the same exact integer counts and sums as the TypeScript loops.
  const lanes = ref.channels === 3 || ref.channels === 4 ? ref.channels : 0;
  // One copy of both images into kernel memory serves the pixel metrics and the Gaussian SSIM.
  const method = options.ssim ?? 'gaussian';
  const gauss = k && !options.skipSsim && method === 'gaussian' ? gaussianSsimParams(ref.width, ref.height) : null;
  const fast = k?.imagePair(ref.rgba, cand.rgba, ref.width, ref.height, lanes, gauss);
  const joint = fast?.counts ? Float64Array.from(fast.counts) : jointHistogram(ref, cand);
  const ratio = goldenMismatches(joint, rtol, atol) / ref.data.length;
  const n = ref.width * ref.height * 3;
  const { sq, abs, max } = fast ?? rgbDiffs(ref, cand);
  const mse = sq / n;
  const result: ImageDiffResult = {
    width: ref.width,
    height: ref.height,
    psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse),
    ssim: options.skipSsim ? null : gauss && fast ? fast.ssim : ssimRgb(ref, cand, options.ssim),
    ssim_method: method,
    max_abs: max,
    mean_abs: abs / n,
    mflux_mismatch_ratio: ratio,
    mflux_pass: ratio <= threshold,
    rtol,
    atol,
    threshold,
    channels: ref.channels,
  };
  return { result, absDiff: () => (fast ? { map: fast.map, max: fast.max } : absDiffBytes(ref, cand)) };
}
