// The index reader against real git: whatever `git ls-files` lists, we list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitDir, ignoresTopFolder, parseGitIndex, trackedPaths } from '../../../src/core/checklist/gitIndex';
import { tempDir } from './helpers/tmp';

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { encoding: 'utf8' });
}

function repoWithFiles(files: string[]): string {
  const repo = tempDir('mfp-gitidx-');
  git(repo, 'init', '-q');
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    writeFileSync(join(repo, f), f);
  }
  git(repo, 'add', '--', ...files);
  return repo;
}

const FILES = [
  'pyproject.toml',
  'src/mflux/models/z_image/__init__.py',
  'src/mflux/models/z_image/weights/z_image_weight_definition.py',
  'src/mflux/models/z_image/weights/z_image_weight_mapping.py',
  'debug_artifacts/run1/ref/latents.npy',
  'tests/resources/reference_z_image.png',
  'docs/ünïcödé name with spaces.md',
  `deep/${'very_long_folder_name/'.repeat(8)}file.py`,
];

function lsFiles(repo: string): string[] {
  return git(repo, 'ls-files', '-z').split('\0').filter(Boolean);
}

for (const version of [2, 3, 4]) {
  test(`index version ${version}: the same paths as git ls-files`, () => {
    const repo = repoWithFiles(FILES);
    if (version === 3) {
      // An intent-to-add entry needs the extended flags, which makes git write version 3.
      writeFileSync(join(repo, 'later.py'), 'x');
      git(repo, 'add', '-N', 'later.py');
    } else {
      git(repo, 'update-index', '--index-version', String(version));
    }
    const buf = readFileSync(join(repo, '.git', 'index'));
    assert.equal(buf.readUInt32BE(4), version, 'git wrote the version under test');
    assert.deepEqual(parseGitIndex(buf), lsFiles(repo));
  });
}

test('trackedPaths filters by prefix; a repo without commits or index gives []', async () => {
  const repo = repoWithFiles(FILES);
  assert.deepEqual(await trackedPaths(repo, 'debug_artifacts/'), ['debug_artifacts/run1/ref/latents.npy']);
  const empty = tempDir('mfp-gitidx-');
  git(empty, 'init', '-q');
  assert.deepEqual(await trackedPaths(empty), []);
  assert.equal(await trackedPaths(tempDir('mfp-nogit-')), undefined);
});

test('a worktree (.git is a file) is followed to its git folder', async () => {
  const repo = repoWithFiles(FILES);
  git(repo, 'commit', '-q', '-m', 'init');
  const wt = join(tempDir('mfp-wt-'), 'wt');
  git(repo, 'worktree', 'add', '-q', wt);
  assert.ok((await gitDir(wt))?.includes(join('.git', 'worktrees')));
  assert.deepEqual((await trackedPaths(wt))?.sort(), lsFiles(wt).sort());
});

test('corrupt indexes are rejected, never read past their end', () => {
  const repo = repoWithFiles(FILES);
  const good = readFileSync(join(repo, '.git', 'index'));
  assert.throws(() => parseGitIndex(good.subarray(0, 8)), /shorter than its header/);
  assert.throws(() => parseGitIndex(Buffer.concat([Buffer.from('XXXX'), good.subarray(4)])), /bad signature/);
  const lying = Buffer.from(good);
  lying.writeUInt32BE(0xffffff, 8);
  assert.throws(() => parseGitIndex(lying), /more than the file can hold/);
  assert.throws(() => parseGitIndex(good.subarray(0, 12 + 62 + 5)), /unterminated path|truncated|more than the file can hold/);
  const v9 = Buffer.from(good);
  v9.writeUInt32BE(9, 4);
  assert.throws(() => parseGitIndex(v9), /unsupported version 9/);
});

test('ignoresTopFolder finds the usual spellings in .gitignore and info/exclude', async () => {
  const repo = repoWithFiles(['a.py']);
  assert.equal(await ignoresTopFolder(repo, 'debug_artifacts'), undefined);
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n# dumps\n/debug_artifacts/\n');
  assert.deepEqual(await ignoresTopFolder(repo, 'debug_artifacts'), { file: join(repo, '.gitignore'), line: 3 });
  writeFileSync(join(repo, '.gitignore'), 'debug_artifacts_old\n');
  assert.equal(await ignoresTopFolder(repo, 'debug_artifacts'), undefined);
  writeFileSync(join(repo, '.git', 'info', 'exclude'), '# local\ndebug_artifacts\n');
  assert.deepEqual(await ignoresTopFolder(repo, 'debug_artifacts'), { file: join(repo, '.git', 'info', 'exclude'), line: 2 });
  // Cross-check with git itself for the accepted spelling.
  assert.equal(git(repo, 'check-ignore', 'debug_artifacts/x.npy').trim(), 'debug_artifacts/x.npy');
});
