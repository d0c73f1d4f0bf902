// Command templates, run folders, run.json, pruning and the git exclude entry, on real temp
// folders and real git repositories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyEnv,
  compareRunIds,
  createRun,
  DEFAULT_TEMPLATE,
  discardEmptySide,
  ensureExcluded,
  expandTemplate,
  latestPassed,
  listRuns,
  mlxPlatformProblem,
  pruneRuns,
  readRunRecord,
  repoState,
  RUN_ID,
  runEnv,
  runIdFor,
  sideDir,
  TemplateError,
  writeRunRecord,
  type RunRecord,
} from '../../../src/core/runners';

const tmp = mkdtempSync(join(tmpdir(), 'mp-runs-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function gitRepo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString();
  g('init', '-q', '-b', 'main');
  g('config', 'user.email', 't@example.com');
  g('config', 'user.name', 't');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  g('add', 'a.txt');
  g('commit', '-q', '-m', 'first');
  return dir;
}
const gitOut = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir }).toString().trim();

const values = { script: 'runners/run ref.py', runDir: '/r/d', port: 'flux2', python: '/usr/bin/python3', uv: '/opt/uv' };

test('template: the default is uv run python {script}, with the configured uv', () => {
  assert.equal(DEFAULT_TEMPLATE, 'uv run python {script}');
  assert.deepEqual(expandTemplate(DEFAULT_TEMPLATE, values), ['/opt/uv', 'run', 'python', 'runners/run ref.py']);
  assert.deepEqual(expandTemplate(DEFAULT_TEMPLATE, { ...values, uv: '' }), ['uv', 'run', 'python', 'runners/run ref.py']);
});

test('template: placeholders fill whole or partial words, quotes keep spaces, values never split', () => {
  assert.deepEqual(expandTemplate(`{python} -X dev "{script}" --out={runDir} --model '{port} x' {uv}`, { ...values, runDir: '/a b;$c' }), [
    '/usr/bin/python3',
    '-X',
    'dev',
    'runners/run ref.py',
    '--out=/a b;$c',
    '--model',
    'flux2 x',
    '/opt/uv',
  ]);
  assert.throws(
    () => expandTemplate('python {scirpt}', values),
    (e: Error) => e instanceof TemplateError && /\{scirpt\}.*known: \{script\}/.test(e.message),
  );
  assert.throws(() => expandTemplate('   ', values), /empty/);
  assert.throws(() => expandTemplate('python "{script}', values), /unclosed "/);
});

test('env: run variables, HF_HUB_OFFLINE only for the reference side, PYTHONPATH prepended', () => {
  const plan = runEnv({ side: 'ref', runId: 'id1', runDir: '/x/ref', mlxDir: '/y/mlx', probeDir: '/ext/python', hfHubOffline: true });
  const env = applyEnv(plan, { PYTHONPATH: '/keep', OTHER: 'o' });
  assert.equal(env.MFLUX_PORT_RUN_DIR, '/x/ref');
  assert.equal(env.MFLUX_PORT_SIDE, 'ref');
  assert.equal(env.MFLUX_PORT_RUN_ID, 'id1');
  assert.equal(env.MFLUX_PORT_MLX_DIR, '/y/mlx');
  assert.equal(env.PYTHONUNBUFFERED, '1');
  assert.equal(env.HF_HUB_OFFLINE, '1');
  assert.equal(env.PYTHONPATH, '/ext/python:/keep');
  assert.equal(env.OTHER, 'o');
  assert.equal(
    applyEnv(runEnv({ side: 'ref', runId: 'i', runDir: '/x', probeDir: '/p', hfHubOffline: false }), {}).HF_HUB_OFFLINE,
    undefined,
  );
  assert.equal(
    applyEnv(runEnv({ side: 'mlx', runId: 'i', runDir: '/x', probeDir: '/p', hfHubOffline: true }), {}).HF_HUB_OFFLINE,
    undefined,
  );
  assert.equal(applyEnv(plan, {}).PYTHONPATH, '/ext/python');
});

test('platform: MLX wants macOS on arm64', () => {
  assert.equal(mlxPlatformProblem('darwin', 'arm64'), undefined);
  assert.match(mlxPlatformProblem('darwin', 'x64')!, /Apple Silicon.*Intel Mac/);
  assert.match(mlxPlatformProblem('linux', 'x64')!, /linux\/x64/);
});

test('run ids: UTC timestamps whose name order is time order', () => {
  const a = runIdFor(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)));
  assert.equal(a, '20250102-030405-006');
  assert.match(a, RUN_ID);
  const ids = [runIdFor(new Date(Date.UTC(2025, 11, 31, 23, 59, 59, 999))), a, `${a}-10`, `${a}-2`];
  assert.deepEqual([...ids].sort(compareRunIds), [a, `${a}-2`, `${a}-10`, ids[0]]);
});

test('run folders: one id across both repos, a suffix when the millisecond is taken', async () => {
  const ref = join(tmp, 'ref-repo');
  const mflux = join(tmp, 'mflux-repo');
  const now = new Date(Date.UTC(2025, 5, 1, 12, 0, 0, 0));
  const id1 = await createRun(
    [
      { repo: ref, side: 'ref' },
      { repo: mflux, side: 'mlx' },
    ],
    now,
  );
  const id2 = await createRun(
    [
      { repo: ref, side: 'ref' },
      { repo: mflux, side: 'mlx' },
    ],
    now,
  );
  const id3 = await createRun([{ repo: mflux, side: 'mlx' }], now);
  assert.equal(id1, '20250601-120000-000');
  assert.equal(id2, '20250601-120000-000-2');
  assert.equal(id3, '20250601-120000-000-3');
  assert.ok(existsSync(join(ref, 'debug_artifacts', id1, 'ref')));
  assert.ok(existsSync(join(mflux, 'debug_artifacts', id1, 'mlx')));
  assert.ok(!existsSync(join(ref, 'debug_artifacts', id3)));
  // the same repo for both sides (a single-repo setup): ref and mlx are siblings
  const both = await createRun(
    [
      { repo: ref, side: 'ref' },
      { repo: ref, side: 'mlx' },
    ],
    now,
  );
  assert.deepEqual(readdirSync(join(ref, 'debug_artifacts', both)).sort(), ['mlx', 'ref']);
});

function record(runId: string, side: 'ref' | 'mlx', exitCode: number | null): RunRecord {
  return {
    version: 1,
    runId,
    side,
    command: 'x',
    argv: ['x'],
    cwd: '/',
    shell: '/bin/bash',
    env: {},
    repos: [],
    platform: { os: 'linux', arch: 'x64', release: '6' },
    start: '2025-01-01T00:00:00.000Z',
    end: null,
    exitCode,
    status: exitCode === null ? 'unknown' : exitCode === 0 ? 'passed' : 'failed',
  };
}

test('run.json: written atomically, read back; listing and the latest passed run', async () => {
  const repo = join(tmp, 'listing');
  const t = (ms: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, 0, ms));
  const ids = [];
  for (const [ms, code] of [
    [1, 0],
    [2, 3],
    [3, null],
  ] as const) {
    const id = await createRun([{ repo, side: 'ref' }], t(ms));
    await writeRunRecord(sideDir(repo, id, 'ref'), record(id, 'ref', code));
    ids.push(id);
  }
  mkdirSync(join(repo, 'debug_artifacts', 'my notes'));
  const runs = await listRuns(repo);
  assert.deepEqual(
    runs.map((r) => r.runId),
    [...ids].reverse(),
  );
  assert.equal(runs[1].sides.ref?.exitCode, 3);
  assert.equal((await latestPassed(repo, 'ref'))?.runId, ids[0]);
  assert.equal(await latestPassed(repo, 'mlx'), undefined);
  // a newer passed noise-floor run (MFLUX_PORT_VARIANT=floor) is not the reference an MLX run pairs with
  const floorId = await createRun([{ repo, side: 'ref' }], t(9));
  const floorRec = record(floorId, 'ref', 0);
  await writeRunRecord(sideDir(repo, floorId, 'ref'), { ...floorRec, env: { ...floorRec.env, MFLUX_PORT_VARIANT: 'floor' } });
  assert.equal((await latestPassed(repo, 'ref'))?.runId, ids[0]);
  rmSync(join(repo, 'debug_artifacts', floorId), { recursive: true });
  assert.deepEqual(readdirSync(sideDir(repo, ids[0], 'ref')), ['run.json']);
  writeFileSync(join(sideDir(repo, ids[1], 'ref'), 'run.json'), '{ broken');
  assert.equal(await readRunRecord(sideDir(repo, ids[1], 'ref')), undefined);
  assert.equal((await listRuns(repo))[1].sides.ref, null);
});

test('a side that never started leaves no folder; a side with files is never removed', async () => {
  const repo = join(tmp, 'discard');
  const id = await createRun(
    [
      { repo, side: 'ref' },
      { repo, side: 'mlx' },
    ],
    new Date(Date.UTC(2025, 2, 1)),
  );
  writeFileSync(join(sideDir(repo, id, 'ref'), 'run.json'), '{}');
  await discardEmptySide(repo, id, 'mlx');
  assert.deepEqual(readdirSync(join(repo, 'debug_artifacts', id)), ['ref']);
  await discardEmptySide(repo, id, 'ref');
  assert.deepEqual(readdirSync(sideDir(repo, id, 'ref')), ['run.json']);
  const lone = await createRun([{ repo, side: 'mlx' }], new Date(Date.UTC(2025, 2, 2)));
  await discardEmptySide(repo, lone, 'mlx');
  assert.equal(existsSync(join(repo, 'debug_artifacts', lone)), false);
});

test('pruning keeps the newest N runs, skips protected runs and folders that are not runs', async () => {
  const repo = join(tmp, 'prune');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await createRun([{ repo, side: 'mlx' }], new Date(Date.UTC(2025, 0, 1, 0, 0, i))));
  mkdirSync(join(repo, 'debug_artifacts', 'keep me'));
  assert.deepEqual(await pruneRuns(repo, 0), []);
  const removed = await pruneRuns(repo, 2, new Set([ids[0]]));
  assert.deepEqual(removed.sort(), [ids[1], ids[2]]);
  assert.deepEqual(readdirSync(join(repo, 'debug_artifacts')).sort(), [ids[0], ids[3], ids[4], 'keep me'].sort());
});

test('git: commit and dirty flag of a repo, untracked files count as dirty', async () => {
  const repo = gitRepo('state');
  const clean = await repoState('mflux', repo);
  assert.equal(clean.commit, gitOut(repo, 'rev-parse', 'HEAD'));
  assert.equal(clean.dirty, false);
  writeFileSync(join(repo, 'new_model.py'), 'x = 1\n');
  assert.equal((await repoState('mflux', repo)).dirty, true);
  const plain = join(tmp, 'not-a-repo');
  mkdirSync(plain);
  const none = await repoState('reference', plain);
  assert.equal(none.commit, null);
  assert.equal(none.dirty, null);
  assert.match(none.error!, /not a git repository/);
});

test('git: debug_artifacts/ goes into info/exclude once, and git then ignores dumps', async () => {
  const repo = gitRepo('exclude');
  writeFileSync(join(repo, '.git', 'info', 'exclude'), '# existing\n*.log');
  const first = await ensureExcluded(repo);
  assert.deepEqual(first, { file: join(repo, '.git', 'info', 'exclude'), added: true });
  assert.deepEqual(await ensureExcluded(repo), { file: first!.file, added: false });
  const text = readFileSync(first!.file, 'utf8');
  assert.equal(text.match(/^debug_artifacts\/$/gm)?.length, 1);
  assert.match(text, /^\*\.log$/m, 'existing lines kept');
  mkdirSync(join(repo, 'debug_artifacts', 'r', 'ref'), { recursive: true });
  writeFileSync(join(repo, 'debug_artifacts', 'r', 'ref', 'x.safetensors'), 'x');
  assert.equal(gitOut(repo, 'status', '--porcelain'), '');
  assert.equal(await ensureExcluded(join(tmp, 'not-a-repo')), undefined);
});

test('git: in a worktree (.git is a file) the shared exclude file is used', async () => {
  const main = gitRepo('wt-main');
  const wt = join(tmp, 'wt-linked');
  execFileSync('git', ['worktree', 'add', '-q', wt, '-b', 'side'], { cwd: main });
  assert.ok(readFileSync(join(wt, '.git'), 'utf8').startsWith('gitdir:'));
  const r = await ensureExcluded(wt);
  assert.equal(r?.file, join(main, '.git', 'info', 'exclude'));
  mkdirSync(join(wt, 'debug_artifacts'), { recursive: true });
  writeFileSync(join(wt, 'debug_artifacts', 'x'), 'x');
  assert.equal(gitOut(wt, 'status', '--porcelain'), '');
});
