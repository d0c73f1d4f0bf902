import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import {
  addEvidence,
  checkOffVerified,
  createPort,
  loadPorts,
  loadStateFile,
  parseState,
  removeEvidence,
  removePort,
  removeStaleTemps,
  savePort,
  serializeState,
  setItemNote,
  setItemStatus,
  setPortFields,
  stateFile,
  StateFileError,
  updatePort,
} from '../../../src/core/checklist/state';
import type { Port } from '../../../src/core/checklist/port';
import { tempDir } from './helpers/tmp';

function tempRepo(): string {
  const root = tempDir('mfp-state-');
  const repo = join(root, 'mflux');
  mkdirSync(repo);
  mkdirSync(join(root, 'diffusers'));
  return repo;
}

function port(repo: string, model = 'z_image'): Port {
  return {
    model,
    mfluxRepo: repo,
    referenceRepo: join(repo, '..', 'diffusers'),
    reference: 'Tongyi-MAI/Z-Image-Turbo',
    notes: 'first try',
  };
}

const T0 = new Date('2026-01-02T03:04:05.000Z');

test('a new port writes a readable, schema-versioned file with a relative reference repo', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const file = stateFile(repo, 'z_image');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(json, {
    schema: 1,
    model: 'z_image',
    reference: 'Tongyi-MAI/Z-Image-Turbo',
    referenceRepo: '../diffusers',
    notes: 'first try',
    createdAt: '2026-01-02T03:04:05.000Z',
    items: {},
  });
  // Temp files of interrupted writes are kept out of git.
  assert.equal(
    readFileSync(join(repo, '.mflux-port', '.gitignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .join(),
    '*.tmp',
  );
  const loaded = await loadStateFile(file);
  assert.ok(loaded.ok);
  assert.equal(loaded.state.port.referenceRepo, join(repo, '..', 'diffusers'));
  assert.equal(loaded.state.port.mfluxRepo, repo);
});

test('creating a port twice is refused and leaves the first file as it was', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const before = readFileSync(stateFile(repo, 'z_image'), 'utf8');
  await assert.rejects(createPort({ ...port(repo), notes: 'other' }), /already exists/);
  assert.equal(readFileSync(stateFile(repo, 'z_image'), 'utf8'), before);
});

test('item changes record status, note, changedAt and evidence', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const t1 = new Date('2026-01-03T00:00:00.000Z');
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'fast.skeleton', 'done', t1));
  await updatePort(repo, 'z_image', (s) => setItemNote(s, 'scope.tolerances', 'bf16: 1e-2', t1));
  await updatePort(repo, 'z_image', (s) =>
    addEvidence(s, 'fast.skeleton', { kind: 'commit', target: 'abcdef1234567890', label: 'skeleton' }, t1),
  );
  await updatePort(repo, 'z_image', (s) =>
    addEvidence(s, 'fast.skeleton', { kind: 'commit', target: 'abcdef1234567890', label: 'dup' }, t1),
  );
  await updatePort(repo, 'z_image', (s) =>
    addEvidence(s, 'fast.skeleton', { kind: 'file', target: 'src/mflux/models/z_image/__init__.py', line: 1 }, t1),
  );
  const json = JSON.parse(readFileSync(stateFile(repo, 'z_image'), 'utf8'));
  assert.deepEqual(json.items, {
    'fast.skeleton': {
      status: 'done',
      changedAt: '2026-01-03T00:00:00.000Z',
      evidence: [
        { kind: 'commit', target: 'abcdef1234567890', label: 'skeleton' },
        { kind: 'file', target: 'src/mflux/models/z_image/__init__.py', line: 1 },
      ],
    },
    'scope.tolerances': { status: 'todo', note: 'bf16: 1e-2', changedAt: '2026-01-03T00:00:00.000Z' },
  });
  const s = await updatePort(repo, 'z_image', (st) => removeEvidence(st, 'fast.skeleton', 0, t1));
  assert.deepEqual(
    s.items['fast.skeleton'].evidence.map((e) => e.kind),
    ['file'],
  );
  const s2 = await updatePort(repo, 'z_image', (st) => setPortFields(st, { notes: 'second try', referenceRepo: undefined }));
  assert.equal(s2.port.notes, 'second try');
  assert.equal(JSON.parse(readFileSync(stateFile(repo, 'z_image'), 'utf8')).referenceRepo, '');
});

test('setting the same status again changes nothing (no changedAt churn)', () => {
  const s = parseState(
    JSON.stringify({ schema: 1, model: 'z_image', items: { 'fast.skeleton': { status: 'done', changedAt: '2020-01-01T00:00:00.000Z' } } }),
    '/r/.mflux-port/z_image.json',
  );
  assert.equal(setItemStatus(s, 'fast.skeleton', 'done', T0), s);
  assert.equal(setItemNote(s, 'fast.skeleton', '', T0), s);
});

test('unknown fields survive a round trip at the top level, per item and per evidence link', async () => {
  const repo = tempRepo();
  mkdirSync(join(repo, '.mflux-port'));
  const file = stateFile(repo, 'z_image');
  const original = {
    schema: 1,
    model: 'z_image',
    reference: 'x/y',
    referenceRepo: '',
    notes: '',
    createdAt: '2026-01-01T00:00:00.000Z',
    items: {
      'fast.skeleton': { status: 'in_progress', owner: 'ana', evidence: [{ kind: 'report', target: 'r.html', score: 0.97 }] },
      'future.item': { status: 'done', note: 'from a newer workflow', custom: [1, 2] },
    },
    reviewers: ['bo'],
    ci: { lastRun: 12 },
  };
  writeFileSync(file, JSON.stringify(original));
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'fast.skeleton', 'done', T0));
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(after.reviewers, ['bo']);
  assert.deepEqual(after.ci, { lastRun: 12 });
  assert.equal(after.items['fast.skeleton'].owner, 'ana');
  assert.equal(after.items['fast.skeleton'].status, 'done');
  assert.deepEqual(after.items['fast.skeleton'].evidence, [{ kind: 'report', target: 'r.html', score: 0.97 }]);
  assert.deepEqual(after.items['future.item'], { status: 'done', note: 'from a newer workflow', custom: [1, 2] });
  // And a second round trip is byte-identical.
  const text = readFileSync(file, 'utf8');
  const st = await loadStateFile(file);
  assert.ok(st.ok);
  assert.equal(serializeState(st.state), text);
});

test('edits made outside between two changes are kept (each change re-reads the file)', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const file = stateFile(repo, 'z_image');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.items['scope.plan'] = { status: 'done', note: 'edited in vim' };
  writeFileSync(file, JSON.stringify(json));
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done', T0));
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(after.items['scope.plan'].note, 'edited in vim');
  assert.equal(after.items['scope.targets'].status, 'done');
});

test('concurrent changes in one process are serialised, none is lost', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const ids = [
    'scope.targets',
    'scope.tolerances',
    'scope.referenceFiles',
    'scope.checkpoints',
    'scope.plan',
    'fast.skeleton',
    'fast.keepSimple',
    'fast.runnerPair',
  ];
  await Promise.all(ids.map((id) => updatePort(repo, 'z_image', (s) => setItemStatus(s, id, 'done', T0))));
  const after = JSON.parse(readFileSync(stateFile(repo, 'z_image'), 'utf8'));
  assert.deepEqual(Object.keys(after.items).sort(), [...ids].sort());
});

const BAD_FILES: { name: string; text: string; kind: string; reason: RegExp }[] = [
  {
    name: 'syntax',
    text: '{\n  "schema": 1,\n  "model": "z_image",\n  "items": {,}\n}',
    kind: 'syntax',
    reason: /not valid JSON at line 4, column 13/,
  },
  { name: 'truncated', text: '{"schema": 1, "model": "z_ima', kind: 'syntax', reason: /not valid JSON/ },
  { name: 'empty', text: '', kind: 'syntax', reason: /not valid JSON/ },
  { name: 'array', text: '[]', kind: 'invalid', reason: /JSON object at the top level/ },
  { name: 'no schema', text: '{"model": "z_image"}', kind: 'invalid', reason: /no "schema" field/ },
  { name: 'string schema', text: '{"schema": "1", "model": "z_image"}', kind: 'invalid', reason: /"schema" is "1"/ },
  {
    name: 'newer',
    text: '{"schema": 2, "model": "z_image", "items": {"x": 5}}',
    kind: 'newer-schema',
    reason: /newer mflux Port Studio \(schema 2; this version reads schema 1\)/,
  },
  { name: 'bad model', text: '{"schema": 1, "model": "Z-Image"}', kind: 'invalid', reason: /"model" is "Z-Image"/ },
  { name: 'model/file mismatch', text: '{"schema": 1, "model": "flux2"}', kind: 'invalid', reason: /file is named z_image\.json/ },
  {
    name: 'bad status',
    text: '{"schema": 1, "model": "z_image", "items": {"scope.plan": {"status": "dnoe"}}}',
    kind: 'invalid',
    reason: /items\["scope\.plan"\]\.status is "dnoe"; expected one of todo, in_progress, done, skipped/,
  },
  {
    name: 'bad evidence',
    text: '{"schema": 1, "model": "z_image", "items": {"scope.plan": {"evidence": [{"kind": "photo", "target": "x"}]}}}',
    kind: 'invalid',
    reason: /evidence\[0\]\.kind is "photo"/,
  },
  {
    name: 'bad line',
    text: '{"schema": 1, "model": "z_image", "items": {"scope.plan": {"evidence": [{"kind": "file", "target": "x", "line": 0}]}}}',
    kind: 'invalid',
    reason: /line must be a positive integer/,
  },
  {
    name: 'note not string',
    text: '{"schema": 1, "model": "z_image", "items": {"scope.plan": {"note": 3}}}',
    kind: 'invalid',
    reason: /note must be a string/,
  },
];

for (const bad of BAD_FILES) {
  test(`a bad file (${bad.name}) loads as a typed error naming the file and is never overwritten`, async () => {
    const repo = tempRepo();
    mkdirSync(join(repo, '.mflux-port'));
    const file = stateFile(repo, 'z_image');
    writeFileSync(file, bad.text);
    const r = await loadStateFile(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.error instanceof StateFileError);
    assert.equal(r.error.kind, bad.kind);
    assert.equal(r.error.file, file);
    assert.match(r.error.reason, bad.reason);
    assert.ok(r.error.message.startsWith(file + ': '));
    assert.ok(!r.error.message.includes('\n'), 'one line');
    // Every write path refuses and leaves the bytes alone.
    await assert.rejects(
      updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.plan', 'done')),
      (e: unknown) => e instanceof StateFileError && /left untouched/.test(e.message),
    );
    await assert.rejects(createPort(port(repo)), StateFileError);
    const fresh = parseState('{"schema": 1, "model": "z_image"}', file);
    await assert.rejects(savePort(fresh), /left untouched/);
    assert.equal(readFileSync(file, 'utf8'), bad.text);
    // No temp file was left behind either.
    assert.deepEqual(
      readdirSync(join(repo, '.mflux-port')).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
}

test('loadPorts lists good and bad files side by side, ignoring temp files and other names', async () => {
  const repo = tempRepo();
  await createPort(port(repo, 'z_image'), T0);
  await createPort(port(repo, 'flux2_klein'), T0);
  writeFileSync(join(repo, '.mflux-port', 'broken.json'), '{oops');
  writeFileSync(join(repo, '.mflux-port', '.z_image.json.123.abcd.tmp'), '{"half');
  writeFileSync(join(repo, '.mflux-port', 'README.md'), 'notes');
  const all = await loadPorts(repo);
  assert.deepEqual(
    all.map((r) => [r.file.split('/').pop(), r.ok]),
    [
      ['broken.json', false],
      ['flux2_klein.json', true],
      ['z_image.json', true],
    ],
  );
  assert.deepEqual(await loadPorts(join(repo, 'nowhere')), []);
});

test('a missing file is an "unreadable" error, not a crash', async () => {
  const r = await loadStateFile('/definitely/not/here/.mflux-port/x.json');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /x\.json: the file does not exist/);
});

test('removePort deletes the file; removing twice is fine', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  await removePort(repo, 'z_image');
  assert.equal(existsSync(stateFile(repo, 'z_image')), false);
  await removePort(repo, 'z_image');
});

test('stale temp files are cleaned, fresh ones (a write in progress) are not', async () => {
  const repo = tempRepo();
  await createPort(port(repo), T0);
  const dir = join(repo, '.mflux-port');
  const old = join(dir, '.z_image.json.1.aaaa.tmp');
  const fresh = join(dir, '.z_image.json.2.bbbb.tmp');
  writeFileSync(old, 'x');
  writeFileSync(fresh, 'y');
  const past = new Date(Date.now() - 3600_000);
  utimesSync(old, past, past);
  const removed = await removeStaleTemps(repo);
  assert.deepEqual(removed, [old]);
  assert.ok(existsSync(fresh));
  rmSync(fresh);
});

test('a reference repo on an unrelated path stays absolute-resolvable', async () => {
  const repo = tempRepo();
  const far = tempDir('mfp-far-');
  await createPort({ ...port(repo), referenceRepo: far }, T0);
  const r = await loadStateFile(stateFile(repo, 'z_image'));
  assert.ok(r.ok);
  assert.equal(r.state.port.referenceRepo, far);
});

test('checkOffVerified marks passing open items done with their evidence, leaves the rest', () => {
  const repo = '/home/u/mflux';
  const s = parseState(
    JSON.stringify({
      schema: 1,
      model: 'z_image',
      items: { 'fast.weightMapping': { status: 'skipped' }, 'fast.weightDefinition': { status: 'in_progress' } },
    }),
    join(repo, '.mflux-port', 'z_image.json'),
  );
  const checks = new Map([
    [
      'fast.skeleton',
      {
        status: 'pass' as const,
        reason: 'ok',
        evidence: [{ file: join(repo, 'src/mflux/models/z_image') }, { file: join(repo, 'src/mflux/models/z_image/cli') }],
      },
    ],
    [
      'fast.weightDefinition',
      {
        status: 'pass' as const,
        reason: 'ok',
        evidence: [{ file: join(repo, 'src/mflux/models/z_image/weights/z_image_weight_definition.py'), line: 4 }],
      },
    ],
    ['fast.weightMapping', { status: 'pass' as const, reason: 'ok', evidence: [] }],
    ['finalize.modelConfig', { status: 'fail' as const, reason: 'missing', evidence: [] }],
  ]);
  // Items whose rule only proves an absence are never checked off by it.
  assert.deepEqual(checkOffVerified(s, checks, new Set(['fast.weightDefinition']), T0).changed, ['fast.weightDefinition']);
  const { state, changed } = checkOffVerified(s, checks, undefined, T0);
  assert.deepEqual(changed, ['fast.skeleton', 'fast.weightDefinition']);
  assert.equal(state.items['fast.skeleton'].status, 'done');
  assert.deepEqual(
    state.items['fast.skeleton'].evidence.map((e) => e.target),
    ['src/mflux/models/z_image', 'src/mflux/models/z_image/cli'],
  );
  assert.deepEqual(state.items['fast.weightDefinition'].evidence, [
    { kind: 'file', target: 'src/mflux/models/z_image/weights/z_image_weight_definition.py', line: 4 },
  ]);
  assert.equal(state.items['fast.weightMapping'].status, 'skipped');
  assert.equal(state.items['finalize.modelConfig'], undefined);
});

test('baseCommit is recorded at the start, kept through updates, and checked when read', async () => {
  const repo = tempRepo();
  const sha = 'a'.repeat(40);
  await createPort(port(repo), T0, sha);
  const file = stateFile(repo, 'z_image');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).baseCommit, sha);
  // Fields this version does not know stay, next to it.
  writeFileSync(file, readFileSync(file, 'utf8').replace('"items"', '"hygieneBaseline": {"x": 1},\n  "items"'));
  await updatePort(repo, 'z_image', (s) => setItemStatus(s, 'scope.targets', 'done', T0));
  const json = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(json.baseCommit, sha);
  assert.deepEqual(json.hygieneBaseline, { x: 1 });
  const loaded = await loadStateFile(file);
  assert.equal(loaded.ok && loaded.state.baseCommit, sha);
  // Without one (older files), nothing is written.
  const repo2 = tempRepo();
  await createPort(port(repo2), T0);
  assert.equal('baseCommit' in JSON.parse(readFileSync(stateFile(repo2, 'z_image'), 'utf8')), false);
  writeFileSync(file, readFileSync(file, 'utf8').replace(sha, 'HEAD; rm -rf'));
  const bad = await loadStateFile(file);
  assert.match(!bad.ok ? bad.error.reason : '', /"baseCommit" is "HEAD; rm -rf"; expected a git commit id/);
});
