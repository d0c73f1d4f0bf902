// Loading one image pair for the image diff panel: decode both PNGs the way PIL would load
// them, describe anything unusual, and compute the metrics that need the whole image (SSIM).
// Runs inside the image worker; also callable directly (tests, CLI).
import { readPng } from '../images/png';
import { imageDiff } from '../images/imageDiff';
import type { DecodedImage, LoadedImage, PairMetrics } from '../images/types';

export type { LoadedImage, PairMetrics };

export interface LoadedPair {
  readonly ref: LoadedImage | null;
  readonly cand: LoadedImage | null;
  readonly problems: string[];
  readonly metrics: PairMetrics | null;
}

function notesFor(img: DecodedImage): readonly string[] {
  const notes: string[] = [];
  if (img.colorType === 3) notes.push('palette PNG: mflux’s rule compares palette indices (what PIL loads), not colours');
  else if (img.channels === 4) notes.push('has an alpha channel: the rule compares it as a fourth channel');
  else if (img.channels === 2) notes.push('grey + alpha: the rule compares two channels');
  else if (img.channels === 1) notes.push('greyscale: the rule compares one channel');
  return notes;
}

function load(path: string, problems: string[]): { img: DecodedImage; out: LoadedImage } | null {
  try {
    const img = readPng(path);
    return {
      img,
      out: {
        path,
        width: img.width,
        height: img.height,
        channels: img.channels,
        values: img.data,
        rgba: img.rgba,
        colorType: img.colorType,
        notes: notesFor(img),
      },
    };
  } catch (e) {
    problems.push((e as Error).message);
    return null;
  }
}

export function loadPair(refPath: string, candPath: string, withPixels = true): LoadedPair {
  const problems: string[] = [];
  const a = load(refPath, problems);
  const b = load(candPath, problems);
  let metrics: PairMetrics | null = null;
  if (a && b && a.img.width === b.img.width && a.img.height === b.img.height) {
    const r = imageDiff(a.img, b.img);
    metrics = { psnr: r.psnr, ssim: r.ssim, maxAbs: r.max_abs, meanAbs: r.mean_abs };
  }
  if (!withPixels) return { ref: null, cand: null, problems, metrics };
  return { ref: a?.out ?? null, cand: b?.out ?? null, problems, metrics };
}
