// `npm run package`: a production build, then a VSIX with @vscode/vsce. Everything is bundled,
// so the VSIX carries no node_modules: it holds what package.json "files" lists (the same list
// `npm pack` uses), plus package.json, README, CHANGELOG and LICENSE.
import { readFileSync, renameSync, statSync } from 'node:fs';
import { run } from './lib/setup.mjs';

const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${name}-${version}.vsix`;
// Written under a temporary name and renamed, so a test installing the VSIX (or a second
// packaging run) never sees a half-written file.
const tmp = `.${name}-${version}-${process.pid}.vsix`;
run(process.execPath, ['scripts/build.mjs', '--production']);
run('npx', ['--no-install', 'vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', tmp]);
renameSync(tmp, out);
const mb = statSync(out).size / 1e6;
console.log(`${out}: ${mb.toFixed(2)} MB`);
if (mb > 3) {
  console.error(`error: ${out} is ${mb.toFixed(2)} MB; the budget is 3 MB`);
  process.exit(1);
}
