// The test files named on a command line: each argument is a `.test.ts` file or a folder searched
// for them. Shared by `npm test` (scripts/test.mjs) and scripts/run-unit.mjs. Node 20's --test does
// not expand globs, so the files are listed here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Files for `args` (files or folders), or for `defaults` when there are none; exits with a one-line error on a bad argument. */
export function testFiles(args, defaults) {
  const roots = args.length ? args : defaults;
  const files = [];
  for (const root of roots) {
    if (!existsSync(root)) {
      if (args.length) fail(`${root}: no such file or folder`);
      continue; // a default suite folder that this checkout does not have
    }
    if (statSync(root).isDirectory()) find(root, files);
    else if (root.endsWith('.ts')) files.push(root);
    else fail(`${root}: not a test file (expected a .test.ts file or a folder)`);
  }
  if (files.length === 0) fail(`no test files found in ${roots.join(', ')}`);
  return files;
}

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(2);
}
