// `npm run bench`: runs every bench/*.bench.ts in turn. Benchmarks print their own
// side-by-side ratios against the tool a user would otherwise use (NumPy, odiff).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, ensureSystemPackages, run, step } from './lib/setup.mjs';

ensureNodeModules();
ensureSystemPackages();
run('npm', ['run', '--silent', 'build']);
const only = process.argv.slice(2);
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const f of files) {
  step(`bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
