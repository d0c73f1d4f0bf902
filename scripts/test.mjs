// `npm test`: installs what the tests need, builds and packages the extension, prepares the
// VS Code test host, then runs every suite (unit, webview, e2e) in one Node test run.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, ensureSystemPackages, run, step } from './lib/setup.mjs';

step('dependencies');
ensureNodeModules();
ensureSystemPackages();

step('build, type check, lint');
run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'typecheck']);
run('npm', ['run', '--silent', 'lint']);
run(process.execPath, ['scripts/check-manifest.mjs']);

step('package the VSIX');
run('npm', ['run', '--silent', 'package']);

step('VS Code test host');
run(process.execPath, ['scripts/install-test-host.mjs']);

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const suites = only.length ? only : ['test/unit', 'test/webview', 'test/e2e'];
const files = suites.flatMap((s) => find(s));
step(`tests: ${files.length} files in ${suites.join(', ')}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
