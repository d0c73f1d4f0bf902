// One bounded walk of a source tree: files whose name matches, depth first in sorted order,
// hidden entries and __pycache__ skipped, unreadable entries ignored, at most `maxFiles`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface WalkOptions {
  readonly match: (name: string) => boolean;
  readonly maxFiles: number;
  /** Folder levels below `dir` to enter (default: no limit). */
  readonly maxDepth?: number;
}

export function walkFiles(dir: string, options: WalkOptions): string[] {
  const out: string[] = [];
  const maxDepth = options.maxDepth ?? Infinity;
  const walk = (d: string, depth: number) => {
    if (depth > maxDepth) return;
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (out.length >= options.maxFiles) return;
      if (n.startsWith('.') || n === '__pycache__') continue;
      const p = join(d, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (options.match(n)) out.push(p);
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
