// Killing the writer at random moments must leave the old or the new state, never a torn one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPort, parseState, stateFile, loadPorts, updatePort, setPortFields } from '../../../src/core/checklist/state';
import { writeFileAtomic } from '../../../src/core/checklist/atomicWrite';
import { bigNotes } from './helpers/stateWriter';
import { tempDir } from './helpers/tmp';
import { bundleScript } from '../../helpers/bundle';

const KILLS = 30;

function runAndKill(script: string, repo: string, delayMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, repo, 'big_model'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? done() : fail(new Error(`writer exited with ${code}: ${err}`))));
  });
}

test(`SIGKILL at ${KILLS} random moments of a write loop never leaves a broken state file`, async () => {
  const root = tempDir('mfp-atomic-');
  const repo = join(root, 'mflux');
  mkdirSync(repo);
  const script = bundleScript(resolve(__dirname, 'helpers', 'stateWriter.ts'), root);
  await createPort({ model: 'big_model', mfluxRepo: repo, reference: '', notes: bigNotes(0) });
  const file = stateFile(repo, 'big_model');
  let last = 0;
  for (let i = 0; i < KILLS; i++) {
    await runAndKill(script, repo, Math.floor(Math.random() * 60));
    const text = readFileSync(file, 'utf8');
    const state = parseState(text, file); // throws on a torn file
    const [head, body, tail] = state.port.notes.split('|');
    assert.equal(head, tail, 'both ends of the note come from the same write');
    assert.equal(body.length, 300_000);
    const n = Number(head);
    assert.ok(n >= last + 1, `each run completes at least one write before the kill (had ${last}, now ${n})`);
    // Every item note was written in the same update as the top-level note.
    for (const item of Object.values(state.items)) assert.ok(item.note.startsWith(`${n} `));
    last = n;
  }
  // Killed writers may leave temp files; they never show up as ports.
  const ports = await loadPorts(repo);
  assert.deepEqual(
    ports.map((p) => p.ok),
    [true],
  );
  assert.ok(readdirSync(join(repo, '.mflux-port')).every((n) => n === '.gitignore' || n === 'big_model.json' || n.endsWith('.tmp')));
  // And the next write still works.
  await updatePort(repo, 'big_model', (s) => setPortFields(s, { notes: 'done' }));
  assert.equal(parseState(readFileSync(file, 'utf8'), file).port.notes, 'done');
});

test('writeFileAtomic replaces content and leaves no temp file', async () => {
  const dir = tempDir('mfp-aw-');
  const f = join(dir, 'a.json');
  writeFileSync(f, 'old');
  await writeFileAtomic(f, 'new');
  assert.equal(readFileSync(f, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['a.json']);
});

test('writeFileAtomic into a missing folder fails and leaves nothing', async () => {
  const dir = tempDir('mfp-aw-');
  await assert.rejects(writeFileAtomic(join(dir, 'nope', 'a.json'), 'x'), /ENOENT/);
  assert.deepEqual(readdirSync(dir), []);
});
