// Image metrics: PSNR and SSIM over RGB (as scikit-image computes them), max/mean absolute
// difference, and mflux's golden-image rule replayed exactly:
//   np.isclose(output, reference, rtol, atol) on the arrays as loaded (all channels),
//   ratio = mismatched elements / all elements, pass when ratio <= threshold.
import type { DecodedImage, Heatmap, ImageDiffResult, RtolCurvePoint } from './types';

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

export function goldenRatio(ref: DecodedImage, cand: DecodedImage, rtol: number = GOLDEN_DEFAULTS.rtol, atol: number = GOLDEN_DEFAULTS.atol): number {
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
export function pixelMismatchMask(ref: DecodedImage, cand: DecodedImage, rtol: number = GOLDEN_DEFAULTS.rtol, atol: number = GOLDEN_DEFAULTS.atol): Uint8Array {
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

/** Per pixel: max |cand − ref| over R, G, B, as a full-resolution heatmap. */
export function pixelAbsDiff(ref: DecodedImage, cand: DecodedImage): Heatmap {
  const n = ref.width * ref.height;
  const a = ref.rgba;
  const b = cand.rgba;
  const data = new Float32Array(n);
  let max = 0;
  for (let p = 0, k = 0; p < n; p++, k += 4) {
    const dr = Math.abs(a[k] - b[k]);
    const dg = Math.abs(a[k + 1] - b[k + 1]);
    const db = Math.abs(a[k + 2] - b[k + 2]);
    const m = dr > dg ? (dr > db ? dr : db) : dg > db ? dg : db;
    data[p] = m;
    if (m > max) max = m;
  }
  return {
    width: ref.width, height: ref.height, data, sourceWidth: ref.width, sourceHeight: ref.height,
    poolX: 1, poolY: 1, rowAxis: 'y', colAxis: 'x', reduction: 'max', min: 0, max,
  };
}

/** Per pixel: signed difference (cand − ref) of one RGBA channel (0 R, 1 G, 2 B, 3 A). */
export function pixelSignedDiff(ref: DecodedImage, cand: DecodedImage, channel: 0 | 1 | 2 | 3): Heatmap {
  const n = ref.width * ref.height;
  const data = new Float32Array(n);
  let min = 0, max = 0;
  for (let p = 0; p < n; p++) {
    const d = cand.rgba[p * 4 + channel] - ref.rgba[p * 4 + channel];
    data[p] = d;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  return {
    width: ref.width, height: ref.height, data, sourceWidth: ref.width, sourceHeight: ref.height,
    poolX: 1, poolY: 1, rowAxis: 'y', colAxis: 'x', reduction: 'none', min, max,
  };
}

/** 11-tap Gaussian (σ 1.5, truncated at 3.5σ) normalised to sum 1, as scipy.ndimage builds it. */
function gaussianKernel(sigma = 1.5, truncate = 3.5): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

const KERNEL = gaussianKernel();

/**
 * Mean SSIM of one channel, over the pixels whose whole window lies inside the image (what
 * scikit-image averages after cropping the border), so no padding mode is involved.
 */
function ssimChannel(a: Uint8Array, b: Uint8Array, stride: number, offset: number, w: number, h: number, range: number, bufs: SsimBuffers): number {
  const K = KERNEL;
  const r = (K.length - 1) >> 1;
  const wv = w - 2 * r;
  const hv = h - 2 * r;
  const C1 = (0.01 * range) ** 2;
  const C2 = (0.03 * range) ** 2;
  const { hx, hy, hss, hxy, rx, ry, rss, rxy } = bufs;
  // The kernel is symmetric: k[r+t] = k[r−t], so each output needs r+1 multiplications per
  // map instead of 2r+1 (taps t and −t are added first). SSIM needs σx² + σy² only as a sum,
  // so x² + y² is filtered as one map (4 maps instead of 5).
  const k0 = K[r], k1 = K[r + 1], k2 = K[r + 2], k3 = K[r + 3], k4 = K[r + 4], k5 = K[r + 5];
  // Horizontal pass over every row, valid columns only.
  for (let y = 0; y < h; y++) {
    let p = y * w * stride + offset;
    for (let x = 0; x < w; x++, p += stride) {
      const vx = a[p];
      const vy = b[p];
      rx[x] = vx;
      ry[x] = vy;
      rss[x] = vx * vx + vy * vy;
      rxy[x] = vx * vy;
    }
    const o = y * wv;
    for (let x = 0; x < wv; x++) {
      const c = x + 5;
      hx[o + x] = k0 * rx[c] + k1 * (rx[c - 1] + rx[c + 1]) + k2 * (rx[c - 2] + rx[c + 2]) + k3 * (rx[c - 3] + rx[c + 3]) + k4 * (rx[c - 4] + rx[c + 4]) + k5 * (rx[c - 5] + rx[c + 5]);
      hy[o + x] = k0 * ry[c] + k1 * (ry[c - 1] + ry[c + 1]) + k2 * (ry[c - 2] + ry[c + 2]) + k3 * (ry[c - 3] + ry[c + 3]) + k4 * (ry[c - 4] + ry[c + 4]) + k5 * (ry[c - 5] + ry[c + 5]);
      hss[o + x] = k0 * rss[c] + k1 * (rss[c - 1] + rss[c + 1]) + k2 * (rss[c - 2] + rss[c + 2]) + k3 * (rss[c - 3] + rss[c + 3]) + k4 * (rss[c - 4] + rss[c + 4]) + k5 * (rss[c - 5] + rss[c + 5]);
      hxy[o + x] = k0 * rxy[c] + k1 * (rxy[c - 1] + rxy[c + 1]) + k2 * (rxy[c - 2] + rxy[c + 2]) + k3 * (rxy[c - 3] + rxy[c + 3]) + k4 * (rxy[c - 4] + rxy[c + 4]) + k5 * (rxy[c - 5] + rxy[c + 5]);
    }
  }
  // Vertical pass, one output row at a time: rows y..y+10 of the horizontal planes.
  let total = 0;
  for (let y = 0; y < hv; y++) {
    const o0 = (y + 5) * wv;
    const d1 = wv, d2 = 2 * wv, d3 = 3 * wv, d4 = 4 * wv, d5 = 5 * wv;
    let rowSum = 0;
    for (let x = 0; x < wv; x++) {
      const q = o0 + x;
      const mx = k0 * hx[q] + k1 * (hx[q - d1] + hx[q + d1]) + k2 * (hx[q - d2] + hx[q + d2]) + k3 * (hx[q - d3] + hx[q + d3]) + k4 * (hx[q - d4] + hx[q + d4]) + k5 * (hx[q - d5] + hx[q + d5]);
      const my = k0 * hy[q] + k1 * (hy[q - d1] + hy[q + d1]) + k2 * (hy[q - d2] + hy[q + d2]) + k3 * (hy[q - d3] + hy[q + d3]) + k4 * (hy[q - d4] + hy[q + d4]) + k5 * (hy[q - d5] + hy[q + d5]);
      const sss = k0 * hss[q] + k1 * (hss[q - d1] + hss[q + d1]) + k2 * (hss[q - d2] + hss[q + d2]) + k3 * (hss[q - d3] + hss[q + d3]) + k4 * (hss[q - d4] + hss[q + d4]) + k5 * (hss[q - d5] + hss[q + d5]);
      const sxy = k0 * hxy[q] + k1 * (hxy[q - d1] + hxy[q + d1]) + k2 * (hxy[q - d2] + hxy[q + d2]) + k3 * (hxy[q - d3] + hxy[q + d3]) + k4 * (hxy[q - d4] + hxy[q + d4]) + k5 * (hxy[q - d5] + hxy[q + d5]);
      const mm = mx * mx + my * my;
      const vsum = sss - mm;
      const vxy = sxy - mx * my;
      rowSum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mm + C1) * (vsum + C2));
    }
    total += rowSum;
  }
  return total / (wv * hv);
}

interface SsimBuffers {
  hx: Float64Array; hy: Float64Array; hss: Float64Array; hxy: Float64Array;
  rx: Float64Array; ry: Float64Array; rss: Float64Array; rxy: Float64Array;
}

/** Mean over R, G, B of SSIM (Wang et al. 2004; 11×11 Gaussian σ 1.5, K1 0.01, K2 0.03). */
export function ssimRgb(ref: DecodedImage, cand: DecodedImage, range = 255): number | null {
  const w = ref.width;
  const h = ref.height;
  const win = KERNEL.length;
  if (win !== 11) throw new Error('internal: the SSIM loops are unrolled for an 11-tap window');
  if (w < win || h < win) return null;
  const wv = w - win + 1;
  const plane = () => new Float64Array(wv * h);
  const row = () => new Float64Array(w);
  const bufs: SsimBuffers = {
    hx: plane(), hy: plane(), hss: plane(), hxy: plane(),
    rx: row(), ry: row(), rss: row(), rxy: row(),
  };
  let s = 0;
  for (let c = 0; c < 3; c++) s += ssimChannel(ref.rgba, cand.rgba, 4, c, w, h, range, bufs);
  return s / 3;
}

/** Sum of squared and absolute differences and the max over R, G, B. */
function rgbDiffs(ref: DecodedImage, cand: DecodedImage): { sq: number; abs: number; max: number } {
  const a = ref.rgba;
  const b = cand.rgba;
  let sq = 0, abs = 0, max = 0;
  for (let k = 0; k < a.length; k += 4) {
    const d0 = a[k] - b[k];
    const d1 = a[k + 1] - b[k + 1];
    const d2 = a[k + 2] - b[k + 2];
    sq += d0 * d0 + d1 * d1 + d2 * d2;
    const e0 = d0 < 0 ? -d0 : d0, e1 = d1 < 0 ? -d1 : d1, e2 = d2 < 0 ? -d2 : d2;
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
}

export function imageDiff(ref: DecodedImage, cand: DecodedImage, options: ImageDiffOptions = {}, labels = { ref: 'reference', cand: 'candidate' }): ImageDiffResult {
  checkSameSize(ref, cand, labels.ref, labels.cand);
  const rtol = options.rtol ?? GOLDEN_DEFAULTS.rtol;
  const atol = options.atol ?? GOLDEN_DEFAULTS.atol;
  const threshold = options.threshold ?? GOLDEN_DEFAULTS.threshold;
  const joint = jointHistogram(ref, cand);
  const ratio = goldenMismatches(joint, rtol, atol) / ref.data.length;
  const n = ref.width * ref.height * 3;
  const { sq, abs, max } = rgbDiffs(ref, cand);
  const mse = sq / n;
  return {
    width: ref.width,
    height: ref.height,
    psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse),
    ssim: options.skipSsim ? null : ssimRgb(ref, cand),
    max_abs: max,
    mean_abs: abs / n,
    mflux_mismatch_ratio: ratio,
    mflux_pass: ratio <= threshold,
    rtol,
    atol,
    threshold,
    channels: ref.channels,
  };
}
