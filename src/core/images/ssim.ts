// SSIM over R, G, B (mean of the per-channel means), in the two forms users meet:
//
// - 'gaussian' (the default; Wang et al. 2004): 11×11 Gaussian window, σ 1.5 (truncated at
//   3.5σ), K1 0.01, K2 0.03, data range 255, population (co)variances. The same number as
//   skimage.metrics.structural_similarity(ref, cand, channel_axis=-1, data_range=255,
//   gaussian_weights=True, sigma=1.5, use_sample_covariance=False).
// - 'uniform' (scikit-image's default call): 7×7 uniform window, sample (co)variances
//   (× 49/48), K1 0.01, K2 0.03, data range 255: structural_similarity(ref, cand,
//   channel_axis=-1, data_range=255).
//
// Both average the SSIM map over the pixels whose whole window lies inside the image, as
// scikit-image does after cropping (window − 1) / 2 pixels at each border, so no padding mode
// is involved. null when a side is smaller than the window.
import type { DecodedImage } from './types';
import { kernels } from '../kernels';

export type SsimMethod = 'gaussian' | 'uniform';
export const SSIM_METHODS: readonly SsimMethod[] = ['gaussian', 'uniform'];

/** Mean SSIM over R, G, B of two RGBA images of the same size. */
export function ssimRgb(ref: DecodedImage, cand: DecodedImage, method: SsimMethod = 'gaussian', range = 255): number | null {
  return method === 'uniform' ? ssimUniform(ref, cand, range) : ssimGaussian(ref, cand, range);
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
function ssimChannel(
  a: Uint8Array,
  b: Uint8Array,
  stride: number,
  offset: number,
  w: number,
  h: number,
  range: number,
  bufs: SsimBuffers,
): number {
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
  const k0 = K[r],
    k1 = K[r + 1],
    k2 = K[r + 2],
    k3 = K[r + 3],
    k4 = K[r + 4],
    k5 = K[r + 5];
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
      hx[o + x] =
        k0 * rx[c] +
        k1 * (rx[c - 1] + rx[c + 1]) +
        k2 * (rx[c - 2] + rx[c + 2]) +
        k3 * (rx[c - 3] + rx[c + 3]) +
        k4 * (rx[c - 4] + rx[c + 4]) +
        k5 * (rx[c - 5] + rx[c + 5]);
      hy[o + x] =
        k0 * ry[c] +
        k1 * (ry[c - 1] + ry[c + 1]) +
        k2 * (ry[c - 2] + ry[c + 2]) +
        k3 * (ry[c - 3] + ry[c + 3]) +
        k4 * (ry[c - 4] + ry[c + 4]) +
        k5 * (ry[c - 5] + ry[c + 5]);
      hss[o + x] =
        k0 * rss[c] +
        k1 * (rss[c - 1] + rss[c + 1]) +
        k2 * (rss[c - 2] + rss[c + 2]) +
        k3 * (rss[c - 3] + rss[c + 3]) +
        k4 * (rss[c - 4] + rss[c + 4]) +
        k5 * (rss[c - 5] + rss[c + 5]);
      hxy[o + x] =
        k0 * rxy[c] +
        k1 * (rxy[c - 1] + rxy[c + 1]) +
        k2 * (rxy[c - 2] + rxy[c + 2]) +
        k3 * (rxy[c - 3] + rxy[c + 3]) +
        k4 * (rxy[c - 4] + rxy[c + 4]) +
        k5 * (rxy[c - 5] + rxy[c + 5]);
    }
  }
  // Vertical pass, one output row at a time: rows y..y+10 of the horizontal planes.
  let total = 0;
  for (let y = 0; y < hv; y++) {
    const o0 = (y + 5) * wv;
    const d1 = wv,
      d2 = 2 * wv,
      d3 = 3 * wv,
      d4 = 4 * wv,
      d5 = 5 * wv;
    let rowSum = 0;
    for (let x = 0; x < wv; x++) {
      const q = o0 + x;
      const mx =
        k0 * hx[q] +
        k1 * (hx[q - d1] + hx[q + d1]) +
        k2 * (hx[q - d2] + hx[q + d2]) +
        k3 * (hx[q - d3] + hx[q + d3]) +
        k4 * (hx[q - d4] + hx[q + d4]) +
        k5 * (hx[q - d5] + hx[q + d5]);
      const my =
        k0 * hy[q] +
        k1 * (hy[q - d1] + hy[q + d1]) +
        k2 * (hy[q - d2] + hy[q + d2]) +
        k3 * (hy[q - d3] + hy[q + d3]) +
        k4 * (hy[q - d4] + hy[q + d4]) +
        k5 * (hy[q - d5] + hy[q + d5]);
      const sss =
        k0 * hss[q] +
        k1 * (hss[q - d1] + hss[q + d1]) +
        k2 * (hss[q - d2] + hss[q + d2]) +
        k3 * (hss[q - d3] + hss[q + d3]) +
        k4 * (hss[q - d4] + hss[q + d4]) +
        k5 * (hss[q - d5] + hss[q + d5]);
      const sxy =
        k0 * hxy[q] +
        k1 * (hxy[q - d1] + hxy[q + d1]) +
        k2 * (hxy[q - d2] + hxy[q + d2]) +
        k3 * (hxy[q - d3] + hxy[q + d3]) +
        k4 * (hxy[q - d4] + hxy[q + d4]) +
        k5 * (hxy[q - d5] + hxy[q + d5]);
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
  hx: Float64Array;
  hy: Float64Array;
  hss: Float64Array;
  hxy: Float64Array;
  rx: Float64Array;
  ry: Float64Array;
  rss: Float64Array;
  rxy: Float64Array;
}

/** What the SIMD kernel's Gaussian SSIM takes for a w × h image, or null when it is smaller than the window. */
export function gaussianSsimParams(w: number, h: number, range = 255): { c1: number; c2: number; taps: number[] } | null {
  const win = KERNEL.length;
  if (win !== 11) throw new Error('internal: the SSIM loops are unrolled for an 11-tap window');
  if (w < win || h < win) return null;
  return { c1: (0.01 * range) ** 2, c2: (0.03 * range) ** 2, taps: Array.from(KERNEL.subarray(5)) };
}

function ssimGaussian(ref: DecodedImage, cand: DecodedImage, range: number): number | null {
  const w = ref.width;
  const h = ref.height;
  const p = gaussianSsimParams(w, h, range);
  if (!p) return null;
  const win = KERNEL.length;
  // the SIMD kernel computes the same numbers, bit for bit (native/kernels.c)
  const k = kernels();
  if (k) return k.ssimGaussianRgb(ref.rgba, cand.rgba, w, h, p.c1, p.c2, p.taps);
  const wv = w - win + 1;
  const plane = () => new Float64Array(wv * h);
  const row = () => new Float64Array(w);
  const bufs: SsimBuffers = {
    hx: plane(),
    hy: plane(),
    hss: plane(),
    hxy: plane(),
    rx: row(),
    ry: row(),
    rss: row(),
    rxy: row(),
  };
  let s = 0;
  for (let c = 0; c < 3; c++) s += ssimChannel(ref.rgba, cand.rgba, 4, c, w, h, range, bufs);
  return s / 3;
}

const BOX = 7;

/**
 * scikit-image's default SSIM of one channel. Box sums of 7 are integers (pixel values are
 * 8-bit), so the running sums are exact and only the final map is rounded.
 */
function ssimUniformChannel(
  a: Uint8Array,
  b: Uint8Array,
  offset: number,
  w: number,
  h: number,
  range: number,
  planes: Float64Array[],
): number {
  const wv = w - BOX + 1;
  const hv = h - BOX + 1;
  const [hx, hy, hss, hxy] = planes;
  // Horizontal box sums of x, y, x² + y², xy (only x² + y² is needed, as a sum), per row.
  for (let y = 0; y < h; y++) {
    const p0 = y * w * 4 + offset;
    let sx = 0,
      sy = 0,
      ss = 0,
      sxy = 0;
    for (let x = 0; x < w; x++) {
      const p = p0 + 4 * x;
      const vx = a[p],
        vy = b[p];
      sx += vx;
      sy += vy;
      ss += vx * vx + vy * vy;
      sxy += vx * vy;
      if (x >= BOX) {
        const q = p - 4 * BOX;
        const ux = a[q],
          uy = b[q];
        sx -= ux;
        sy -= uy;
        ss -= ux * ux + uy * uy;
        sxy -= ux * uy;
      }
      if (x >= BOX - 1) {
        const o = y * wv + x - (BOX - 1);
        hx[o] = sx;
        hy[o] = sy;
        hss[o] = ss;
        hxy[o] = sxy;
      }
    }
  }
  const np = BOX * BOX;
  const inv = 1 / np;
  const cov = np / (np - 1);
  const C1 = (0.01 * range) ** 2;
  const C2 = (0.03 * range) ** 2;
  let total = 0;
  for (let x = 0; x < wv; x++) {
    let sx = 0,
      sy = 0,
      ss = 0,
      sxy = 0;
    let colSum = 0;
    for (let y = 0; y < h; y++) {
      const o = y * wv + x;
      sx += hx[o];
      sy += hy[o];
      ss += hss[o];
      sxy += hxy[o];
      if (y >= BOX) {
        const q = o - BOX * wv;
        sx -= hx[q];
        sy -= hy[q];
        ss -= hss[q];
        sxy -= hxy[q];
      }
      if (y < BOX - 1) continue;
      const mx = sx * inv;
      const my = sy * inv;
      const mm = mx * mx + my * my;
      const vsum = cov * (ss * inv - mm);
      const vxy = cov * (sxy * inv - mx * my);
      colSum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mm + C1) * (vsum + C2));
    }
    total += colSum;
  }
  return total / (wv * hv);
}

function ssimUniform(ref: DecodedImage, cand: DecodedImage, range: number): number | null {
  const w = ref.width;
  const h = ref.height;
  if (w < BOX || h < BOX) return null;
  const size = (w - BOX + 1) * h;
  const planes = [0, 1, 2, 3].map(() => new Float64Array(size));
  let s = 0;
  for (let c = 0; c < 3; c++) s += ssimUniformChannel(ref.rgba, cand.rgba, c, w, h, range, planes);
  return s / 3;
}
