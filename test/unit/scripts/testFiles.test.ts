// Which test files `npm test -- <args>` and scripts/run-unit.mjs run, on a real folder tree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
// @ts-expect-error plain .mjs script module without types
import { testFiles } from '../../../scripts/lib/testFiles.mjs';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'mflux-port-testfiles-'));
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
  for (const f of ['b.test.ts', 'a.test.ts', 'helper.ts', 'sub/c.test.ts', 'sub/deeper/d.test.ts', 'sub/notes.md'])
    writeFileSync(join(root, f), '');
  return root;
}

describe('test file arguments', () => {
  it('a folder gives its .test.ts files, sorted and recursive; a file gives itself', () => {
    const root = tree();
    assert.deepEqual(
      testFiles([root], ['unused']),
      ['a.test.ts', 'b.test.ts', 'sub/c.test.ts', 'sub/deeper/d.test.ts'].map((f) => join(root, f)),
    );
    assert.deepEqual(testFiles([join(root, 'sub', 'c.test.ts'), join(root, 'a.test.ts')], ['unused']), [
      join(root, 'sub', 'c.test.ts'),
      join(root, 'a.test.ts'),
    ]);
    assert.deepEqual(
      testFiles([], [join(root, 'sub'), join(root, 'missing-default')]),
      ['c.test.ts', 'deeper/d.test.ts'].map((f) => join(root, 'sub', f)),
    );
  });

  it('a missing path or a non-test file is a one-line error naming it (exit 2), for run-unit and npm test alike', () => {
    const root = tree();
    for (const script of ['scripts/run-unit.mjs', 'scripts/test.mjs']) {
      const missing = spawnSync(process.execPath, [script, join(root, 'nope.test.ts')], { encoding: 'utf8' });
      assert.equal(missing.status, 2);
      assert.equal(missing.stderr, `error: ${join(root, 'nope.test.ts')}: no such file or folder\n`);
      const notes = spawnSync(process.execPath, [script, join(root, 'sub', 'notes.md')], { encoding: 'utf8' });
      assert.equal(notes.status, 2);
      assert.match(notes.stderr, /^error: .*notes\.md: not a test file/);
      assert.equal(notes.stderr.split('\n').length, 2);
    }
    const empty = mkdtempSync(join(tmpdir(), 'mflux-port-testfiles-empty-'));
    const r = spawnSync(process.execPath, ['scripts/run-unit.mjs', empty], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `error: no test files found in ${empty}\n`);
  });
});
