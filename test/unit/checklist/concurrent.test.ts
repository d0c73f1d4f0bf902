// Two real processes changing the same checklist file at once (two windows, or the CLI and a
// window): every change must land, whoever wins each race. Also what a write must never do to
// the file a user wrote: change its mode, rewrite bytes that are not UTF-8, round big integers,
// follow a .mflux-port symlink out of the repo, or leave a dead writer's lock and temp files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createPort, loadPorts, loadStateFile, setItemNote, setItemStatus, stateFile, updatePort } from '../../../src/core/checklist/state';
import { breakStale, lockPathFor } from '../../../src/core/checklist/fileLock';
import { tempDir } from './helpers/tmp';
import { bundleScript } from '../../helpers/bundle';

const TICKS = 200;

const TICK_WRITER = resolve(__dirname, 'helpers', 'tickWriter.ts');

function run(
  script: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; pid: number }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d: Buffer) => onLine?.(d.toString().trim(), () => child.kill('SIGKILL')));
    child.on('exit', (code, signal) => done({ code, signal, err, pid: child.pid ?? 0 }));
  });
}

async function newRepo(prefix: string): Promise<string> {
  const repo = join(tempDir(prefix), 'mflux');
  mkdirSync(repo);
  await createPort({ model: 'z_image', mfluxRepo: repo, reference: '', notes: '' });
  return repo;
}

test(`two processes ticking ${TICKS} items each into the same file lose none`, async () => {
  const repo = await newRepo('mfp-two-');
  const script = bundleScript(TICK_WRITER, join(repo, '..'));
  const [a, b] = await Promise.all([
    run(script, [repo, 'z_image', 'tick', 'a', String(TICKS)]),
    run(script, [repo, 'z_image', 'tick', 'b', String(TICKS)]),
  ]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const json = JSON.parse(readFileSync(stateFile(repo, 'z_image'), 'utf8')) as { items: Record<string, { status: string }> };
  const done = Object.entries(json.items)
    .filter(([, s]) => s.status === 'done')
    .map(([id]) => id);
  assert.equal(done.length, 2 * TICKS, `ticks kept: ${done.length} of ${2 * TICKS}`);
  for (const p of ['a', 'b']) for (let i = 0; i < TICKS; i++) assert.ok(json.items[`${p}.${i}`], `${p}.${i} kept`);
  assert.deepEqual(readdirSync(join(repo, '.mflux-port')).sort(), ['.gitignore', 'z_image.json'], 'no lock or temp file left');
});

test('a writer killed while holding the lock leaves neither a block nor its temp file', async () => {
  const repo = await newRepo('mfp-kill-');
  const script = bundleScript(TICK_WRITER, join(repo, '..'));
  const file = stateFile(repo, 'z_image');
  const killed = await run(script, [repo, 'z_image', 'hold'], (line, kill) => line === 'holding' && kill());
  assert.equal(killed.signal, 'SIGKILL');
  const left = readdirSync(join(repo, '.mflux-port'));
  assert.ok(existsSync(lockPathFor(file)), 'the dead writer left its lock');
  assert.ok(
    left.some((n) => n.includes(`.${killed.pid}.`)),
    `the dead writer left its temp file: ${left.join(', ')}`,
  );
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done'));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).items['scope.targets'].status, 'done');
  assert.deepEqual(readdirSync(join(repo, '.mflux-port')).sort(), ['.gitignore', 'z_image.json']);
});

test("a write keeps the file's mode", async () => {
  const repo = await newRepo('mfp-mode-');
  const file = stateFile(repo, 'z_image');
  chmodSync(file, 0o600);
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  chmodSync(file, 0o640);
  await updatePort(repo, 'z_image', (s) => setItemNote(s, 'scope.targets', 'x'));
  assert.equal(statSync(file).mode & 0o777, 0o640);
});

test('a file with bytes that are not UTF-8 is reported and never rewritten', async () => {
  const repo = await newRepo('mfp-utf8-');
  const file = stateFile(repo, 'z_image');
  const text = readFileSync(file, 'utf8').replace('"notes": ""', '"notes": "caf\u0000"');
  const bytes = Buffer.from(text, 'utf8');
  bytes[bytes.indexOf(0)] = 0xe9; // Latin-1 é, as an editor in the wrong encoding saves it
  writeFileSync(file, bytes);
  const loaded = await loadStateFile(file);
  assert.equal(loaded.ok, false);
  assert.match(!loaded.ok ? loaded.error.message : '', /z_image\.json: is not valid UTF-8 \(bad byte at offset \d+\)/);
  await assert.rejects(
    updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done')),
    /not valid UTF-8.*left untouched/,
  );
  assert.deepEqual(readFileSync(file), bytes);
});

test('integers beyond 2^53 the user wrote are written back digit for digit', async () => {
  const repo = await newRepo('mfp-bigint-');
  const file = stateFile(repo, 'z_image');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(
    file,
    JSON.stringify({ ...json, seed: 'SEED', items: { 'scope.targets': { status: 'todo', ids: ['IDS'] } } }, null, 2)
      .replace('"SEED"', '18446744073709551615')
      .replace('"IDS"', '-9007199254740993, 2.5e3, 9007199254740991'),
  );
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done'));
  const after = readFileSync(file, 'utf8');
  assert.match(after, /"seed": 18446744073709551615\b/);
  assert.match(after, /-9007199254740993,\s+2500,\s+9007199254740991/);
  assert.equal(JSON.parse(after).items['scope.targets'].status, 'done');
  // A big integer where a string belongs is an error, not a string.
  writeFileSync(file, after.replace('"notes": ""', '"notes": 12345678901234567890'));
  const bad = await loadStateFile(file);
  assert.match(!bad.ok ? bad.error.reason : '', /"notes" must be a string/);
});

test('a .mflux-port symlink out of the repo is not followed', async () => {
  const root = tempDir('mfp-link-');
  const repo = join(root, 'mflux');
  const elsewhere = join(root, 'elsewhere');
  mkdirSync(repo);
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'z_image.json'), '{"schema": 1, "model": "z_image", "items": {}}\n');
  symlinkSync(elsewhere, join(repo, '.mflux-port'));
  const loaded = await loadPorts(repo);
  assert.equal(loaded.length, 1);
  assert.match(!loaded[0].ok ? loaded[0].error.message : '', /\.mflux-port is a symlink to .*elsewhere, outside the repo; not followed/);
  await assert.rejects(createPort({ model: 'qwen_image', mfluxRepo: repo, reference: '', notes: '' }), /outside the repo/);
  await assert.rejects(
    updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done')),
    /outside the repo/,
  );
  assert.deepEqual(readdirSync(elsewhere), ['z_image.json']);
  assert.equal(readFileSync(join(elsewhere, 'z_image.json'), 'utf8'), '{"schema": 1, "model": "z_image", "items": {}}\n');
  // A symlink inside the repo is fine.
  const repo2 = join(root, 'mflux2');
  mkdirSync(join(repo2, 'state'), { recursive: true });
  symlinkSync(join(repo2, 'state'), join(repo2, '.mflux-port'));
  await createPort({ model: 'qwen_image', mfluxRepo: repo2, reference: '', notes: '' });
  assert.ok(existsSync(join(repo2, 'state', 'qwen_image.json')));
});

test('breaking a stale lock never removes the fresh lock another waiter took meanwhile', async () => {
  const repo = await newRepo('mfp-break-');
  const file = stateFile(repo, 'z_image');
  const lock = lockPathFor(file);
  // Waiter 1 found a dead writer's lock (nonce "dead") stale; before it breaks it, waiter 2
  // broke it and took the lock itself (nonce "fresh", this live process).
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'fresh' }));
  await breakStale(lock, 'dead');
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).nonce, 'fresh', 'the fresh lock is kept');
  // The lock of a dead pid is broken, also past a breaker left by a writer killed mid-break.
  writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), nonce: 'dead' }));
  const breaker = join(repo, '.mflux-port', '.z_image.json.lock.break.tmp');
  writeFileSync(breaker, '');
  utimesSync(breaker, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done'));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).items['scope.targets'].status, 'done');
  assert.deepEqual(readdirSync(join(repo, '.mflux-port')).sort(), ['.gitignore', 'z_image.json']);
});
