// One bounded walk of a source tree: files whose name matches, depth first in sorted order,
// hidden folders and __pycache__ skipped, unreadable entries ignored, at most `maxFiles`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface WalkOptions {
  /** Which files to list, by name and full path. */
  readonly match: (name: string, path: string) => boolean;
  readonly maxFiles: number;
  /** Folder levels below `dir` to enter (default: no limit; 0: only `dir` itself). */
  readonly maxDepth?: number;
  /** Folders not to enter besides hidden ones and `__pycache__`, by name and full path. */
  readonly skipDir?: (name: string, path: string) => boolean;
  /** List hidden files too (default: skipped like hidden folders). */
  readonly hiddenFiles?: boolean;
  /** Entries (files and folders) looked at, at most (default: no bound but `maxFiles`). */
  readonly maxEntries?: number;
}

export function walkFiles(dir: string, options: WalkOptions): string[] {
  const out: string[] = [];
  const maxDepth = options.maxDepth ?? Infinity;
  const maxEntries = options.maxEntries ?? Infinity;
  let entries = 0;
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (out.length >= options.maxFiles || ++entries > maxEntries) return;
      if (n === '__pycache__') continue;
      const p = join(d, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < maxDepth && !n.startsWith('.') && !options.skipDir?.(n, p)) walk(p, depth + 1);
      } else if ((options.hiddenFiles || !n.startsWith('.')) && options.match(n, p)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** The text of each file that can be read, in order; files that cannot be read are skipped. */
export function* readableTexts(files: readonly string[]): Generator<[file: string, text: string]> {
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    yield [f, text];
  }
}
