// Entry point of the tensor readers: openTensors(path) → a lazy TensorSource.
//
// The format is chosen by content, not by extension:
//   folder                         → every tensor file in it (see folder.ts)
//   `\x93NUMPY`                    → .npy (one tensor named by the file stem)
//   zip with `data.pkl`            → torch.save / pytorch_model.bin
//   zip of `.npy` members          → .npz
//   JSON with a `weight_map`       → sharded safetensors index
//   u64 length + `{`               → safetensors
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { TensorSource } from './types';
import { FilePool, describeFsError } from './file';
import { FileNotReadable } from './errors';
import { EntrySource, type OpenOptions } from './source';
import { readFileEntries } from './detect';
import { readFolder } from './folder';

export type { DType, TensorInfo, FloatChunk, ChunkOptions, TensorSource } from './types';
export * from './errors';
export * as decode from './decode';
export { dtypeBytes, dtypeBits, isDecodable, isDType } from './dtypes';
export type { OpenOptions } from './source';
export { DEFAULT_MAX_ELEMENTS, valueChunks } from './source';
export { StatsAccumulator, tensorStats, type TensorStats } from './stats';

/** Opens a tensor file or folder. Only headers are read here; values are read on demand. */
export async function openTensors(path: string, options: OpenOptions = {}): Promise<TensorSource> {
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    throw new FileNotReadable(abs, describeFsError(e));
  }
  const pool = new FilePool();
  try {
    if (st.isDirectory()) {
      return new EntrySource(abs, await readFolder(abs, pool, options), pool, options.windowBytes);
    }
    const entries = await readFileEntries(abs, pool, options, stemOf(basename(abs)));
    return new EntrySource(abs, entries, pool, options.windowBytes);
  } catch (e) {
    await pool.close();
    throw e;
  }
}

/** `x.npy` → `x`; `x.tar.npy` → `x.tar`. */
export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
