// Runs the probe's Python test modules (test/python/test_*.py, unittest) inside the Node test
// run, one Node test per module, so a failing probe test fails `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';

const dir = join(REPO_ROOT, 'test', 'python');
for (const file of readdirSync(dir)
  .filter((f) => /^test_.*\.py$/.test(f))
  .sort()) {
  test(`probe (python): ${file}`, () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', file.replace(/\.py$/, '')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', MFLUX_PORT_RUN_DIR: '' },
    });
    assert.equal(r.status, 0, `${file} failed:\n${r.stderr}`);
    assert.match(r.stderr, /\nOK/, r.stderr);
  });
}
