// `npm ci` refuses a lock that lists a dependency without a node for it (the old lock had
// odiff-bin's macOS/Windows binaries missing, so `npm ci` failed everywhere, also on Linux), and
// fails on macOS/Windows for a platform-bound package that is not optional. Checked on the lock
// itself, as npm resolves it: a dependency is found in the nearest node_modules up the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/python';

interface Entry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

test('every dependency in package-lock.json has a node, and only optional packages are platform-bound', () => {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Entry> };
  const missing: string[] = [];
  const bound: string[] = [];
  for (const [path, e] of Object.entries(lock.packages)) {
    const deps = { ...e.dependencies, ...e.optionalDependencies, ...(path === '' ? e.devDependencies : {}) };
    for (const name of Object.keys(deps)) {
      let found = false;
      for (let base = path; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
        if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (!base) break;
      }
      if (!found) missing.push(`${path || '(root)'} → ${name}`);
    }
    if ((e.os || e.cpu) && !e.optional && !e.devOptional) bound.push(path);
  }
  assert.deepEqual(missing, [], 'dependencies without a node in the lock');
  assert.deepEqual(bound, [], 'platform-bound packages that are not optional');
});
