// `npm test`: installs what the tests need, builds and packages the extension, prepares the
// VS Code test host, then runs every suite (unit, webview, e2e) in one Node test run.
// `npm test -- <file or folder>…` runs only those test files, after the steps they need
// (dependencies and build always; the VSIX and the test host only for files under test/e2e).
import { relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, ensureSystemPackages, run, step } from './lib/setup.mjs';
import { testFiles } from './lib/testFiles.mjs';

const only = process.argv.slice(2);
const files = testFiles(only, ['test/unit', 'test/webview', 'test/e2e']);
const needsHost = files.some((f) => relative('test/e2e', resolve(f)).split(/[\\/]/)[0] !== '..');

step('dependencies');
ensureNodeModules();
ensureSystemPackages();

if (only.length) {
  step('build');
  run('npm', ['run', '--silent', 'build']);
} else {
  step('build, type check, lint, format check');
  run('npm', ['run', '--silent', 'build']);
  run('npm', ['run', '--silent', 'typecheck']);
  run('npm', ['run', '--silent', 'lint']);
  run('npm', ['run', '--silent', 'format:check']);
  run(process.execPath, ['scripts/check-manifest.mjs']);
}

if (needsHost) {
  step('package the VSIX');
  run('npm', ['run', '--silent', 'package']);

  step('VS Code test host');
  run(process.execPath, ['scripts/install-test-host.mjs']);
}

step(`tests: ${files.length} file${files.length === 1 ? '' : 's'}${only.length ? `: ${only.join(', ')}` : ''}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
