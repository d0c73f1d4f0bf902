// Finding image pairs for the image diff: two files, two folders paired by file name
// (stepwise folders recognised by `seed_{seed}_step{k}of{N}.png`), and mflux golden-test
// outputs (`output_*.png` next to `reference_*.png`). Pure Node, no vscode.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface ImagePair {
  readonly label: string;
  readonly ref: string;
  readonly cand: string;
  readonly step?: number;
  readonly steps?: number;
  readonly seed?: number;
}

const STEP_PATTERN = /^seed_(\d+)_step(\d+)of(\d+)\.png$/i;

function pngs(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png') && statSync(join(dir, f)).isFile());
}

export interface ImageFolderPairing {
  readonly pairs: readonly ImagePair[];
  readonly stepwise: boolean;
  readonly onlyRef: readonly string[];
  readonly onlyCand: readonly string[];
}

/**
 * Pairs PNGs of two folders by name. When both hold stepwise images, only the steps of the
 * first seed found on both sides are kept, in step order (composites are left out).
 */
export function pairImageFolders(refDir: string, candDir: string): ImageFolderPairing {
  const a = pngs(refDir);
  const b = new Set(pngs(candDir));
  const common = a.filter((f) => b.has(f));
  const onlyRef = a.filter((f) => !b.has(f));
  const onlyCand = [...b].filter((f) => !a.includes(f));
  const steps = common.map((f) => ({ f, m: STEP_PATTERN.exec(f) })).filter((x) => x.m);
  if (steps.length >= 2) {
    const seed = Number(steps[0].m![1]);
    const mine = steps.filter((x) => Number(x.m![1]) === seed).sort((x, y) => Number(x.m![2]) - Number(y.m![2]));
    return {
      stepwise: true,
      onlyRef,
      onlyCand,
      pairs: mine.map(({ f, m }) => ({
        label: f,
        ref: join(refDir, f),
        cand: join(candDir, f),
        step: Number(m![2]),
        steps: Number(m![3]),
        seed,
      })),
    };
  }
  const sorted = common.sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
  return { stepwise: false, onlyRef, onlyCand, pairs: sorted.map((f) => ({ label: f, ref: join(refDir, f), cand: join(candDir, f) })) };
}

/** Golden-test pairs in a folder: `reference_X.png` (reference) with `output_X.png` (candidate). */
export function goldenImagePairs(resourcesDir: string): ImagePair[] {
  const files = new Set(pngs(resourcesDir));
  const out: ImagePair[] = [];
  for (const f of [...files].sort()) {
    const m = /^output_(.+)\.png$/i.exec(f);
    if (!m) continue;
    const ref = `reference_${m[1]}.png`;
    if (files.has(ref)) out.push({ label: m[1], ref: join(resourcesDir, ref), cand: join(resourcesDir, f) });
  }
  return out;
}

/** In a run folder, the subfolders holding each side's images (`ref`/`mlx`, or the stepwise dirs). */
export function runImageFolders(runDir: string): { ref: string; cand: string } | null {
  const names = readdirSync(runDir).filter((d) => statSync(join(runDir, d)).isDirectory());
  const pick = (cands: string[]) => names.find((n) => cands.includes(n.toLowerCase()));
  const ref = pick(['ref', 'reference', 'torch', 'pytorch', 'diffusers']);
  const cand = pick(['mlx', 'cand', 'candidate', 'port']);
  return ref && cand ? { ref: join(runDir, ref), cand: join(runDir, cand) } : null;
}

export function imagePairLabel(ref: string, cand: string): string {
  const a = basename(ref);
  const b = basename(cand);
  return a === b ? a : `${a} ↔ ${b}`;
}
