// What the image diff shows for a source (two files or two folders); also how a panel is
// rebuilt after a reload. No VS Code API.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { pairImageFolders, imagePairLabel } from '../../core/viewer/imagePairs';
import type { ImageDiffSource } from '../../protocol/imageDiff';
import type { ImageDiffSpec } from './imageDiffController';

/** Builds what to show from a source (also used to restore a panel after a reload). */
export function specFor(source: ImageDiffSource): ImageDiffSpec {
  if (source.kind === 'files') {
    return {
      title: `${imagePairLabel(source.ref, source.cand)}`,
      pairs: [{ label: imagePairLabel(source.ref, source.cand), ref: source.ref, cand: source.cand }],
      stepwise: false,
      source,
    };
  }
  const title = `${basename(source.ref)} ↔ ${basename(source.cand)}`;
  if (!existsSync(source.ref) || !existsSync(source.cand)) {
    return {
      title,
      pairs: [],
      stepwise: false,
      source,
      message: `${!existsSync(source.ref) ? source.ref : source.cand}: folder not found`,
    };
  }
  const r = pairImageFolders(source.ref, source.cand);
  const seed = r.pairs[0]?.seed;
  const missing =
    r.onlyRef.length + r.onlyCand.length
      ? ` (${r.onlyRef.length} only in ${basename(source.ref)}, ${r.onlyCand.length} only in ${basename(source.cand)})`
      : '';
  return {
    title: r.stepwise ? `Stepwise${seed !== undefined ? ` seed ${seed}` : ''}: ${title}` : title,
    pairs: r.pairs,
    stepwise: r.stepwise,
    source,
    message: r.pairs.length ? null : `No PNGs with the same name in ${source.ref} and ${source.cand}${missing}.`,
  };
}
