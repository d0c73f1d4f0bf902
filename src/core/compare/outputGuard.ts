// Outputs (--json, --html, --heatmaps, --write-map, image-diff --heatmap) must never replace
// or land inside an input, whatever path spells it: a symlinked folder, a symlink to the
// input, `..` detours or a hard link. Inputs are identified by real path and by device +
// inode; an output is checked by the real path it would get (its nearest existing
// ancestor resolved, the rest appended) and, when it exists, by its device + inode.
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** An output that would overwrite or write into an input; the message names both. */
class OutputOverwritesInput extends Error {}

interface InputId {
  readonly path: string;
  readonly real: string;
  readonly dir: boolean;
  readonly dev: number;
  readonly ino: number;
}

/** The real path `p` has or would have once created (symlinks in existing parts resolved). */
function realTarget(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const up = dirname(cur);
      if (up === cur) return abs;
      rest.push(basename(cur));
      cur = up;
    }
  }
}

function within(file: string, folder: string): boolean {
  const rel = relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class OutputGuard {
  private readonly inputs: InputId[] = [];

  /** `inputs`: files and folders that are read; missing ones are skipped (their reader reports them). */
  constructor(inputs: Iterable<string>) {
    const seen = new Set<string>();
    for (const p of inputs) {
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      const real = realTarget(p);
      if (seen.has(real)) continue;
      seen.add(real);
      this.inputs.push({ path: resolve(p), real, dir: st.isDirectory(), dev: st.dev, ino: st.ino });
    }
  }

  /** Throws OutputOverwritesInput when writing `file` (for `flag`) would replace or enter an input. */
  check(flag: string, file: string): void {
    const real = realTarget(file);
    let st;
    try {
      st = statSync(file);
    } catch {
      st = undefined;
    }
    for (const i of this.inputs) {
      const same = real === i.real || (st !== undefined && st.dev === i.dev && st.ino === i.ino);
      const via = resolve(file) === i.path ? '' : ' (the same file by another path)';
      if (same) throw new OutputOverwritesInput(`${flag} ${file} is the input ${i.path}${via}; choose another path`);
      if (i.dir && within(real, i.real)) {
        throw new OutputOverwritesInput(
          `${flag} ${file} would write inside the input ${i.path}${real.startsWith(resolve(i.path)) ? '' : ` (it resolves to ${real})`}; choose another path`,
        );
      }
    }
  }
}
