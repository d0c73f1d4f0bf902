// Compare with Noise Floor…: what it offers for the floor, decided from the reference's repo's
// real run folders (made as the runner makes them: createRun, planSide, start/end records).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRun,
  endRecord,
  floorChoice,
  listRuns,
  planSide,
  referenceRunOf,
  startRecord,
  writeRunRecord,
  type RunSettings,
} from '../../../src/core/runners';

const tmp = mkdtempSync(join(tmpdir(), 'mp-floor-choice-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const settings: RunSettings = {
  template: '{python} {script}',
  uv: 'uv',
  python: 'python3',
  hfHubOffline: true,
  probeDir: '/p',
  shell: '/bin/bash',
};
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms));

/** One reference run that ended with `exitCode`; `floor`: made by Run Reference (noise floor). */
async function refRun(repo: string, ms: number, exitCode: number, floor = false): Promise<string> {
  const runId = await createRun([{ repo, side: 'ref' }], at(ms));
  const plan = planSide(
    { side: 'ref', runId, model: 'm', repo, script: join(repo, 'run_ref.py') },
    floor ? { ...settings, variant: 'floor' } : settings,
  );
  const rec = startRecord(
    plan,
    { model: 'm', shell: '/bin/bash', repos: [], platform: { os: 'linux', arch: 'x64', release: '6' } },
    at(ms),
  );
  await writeRunRecord(plan.runDir, endRecord(rec, exitCode, false, at(ms + 1)));
  return runId;
}

test('the reference run of a path: its folder or a dump inside it; anything else is not a run', () => {
  const repo = join(tmp, 'paths');
  assert.deepEqual(referenceRunOf(join(repo, 'debug_artifacts', '20260101-000000-001', 'ref')), { repo, runId: '20260101-000000-001' });
  assert.deepEqual(referenceRunOf(join(repo, 'debug_artifacts', '20260101-000000-001-2', 'ref', '00000-x.safetensors')), {
    repo,
    runId: '20260101-000000-001-2',
  });
  assert.equal(referenceRunOf(join(repo, 'debug_artifacts', '20260101-000000-001', 'mlx')), undefined);
  assert.equal(referenceRunOf(join(repo, 'debug_artifacts', 'notes', 'ref')), undefined);
  assert.equal(referenceRunOf(join(repo, 'dumps', 'ref')), undefined);
});

test('the only reference run: offers to start the noise-floor run, saying why', async () => {
  const repo = join(tmp, 'alone');
  const only = await refRun(repo, 1, 0);
  const choice = floorChoice(join(repo, 'debug_artifacts', only, 'ref'), await listRuns(repo));
  assert.equal(choice.kind, 'offerRun');
  assert.ok(choice.kind === 'offerRun');
  assert.ok(choice.message.includes(`besides ${only}, ${join(repo, 'debug_artifacts')} has no reference run`), choice.message);
  assert.match(choice.message, /Run Reference \(noise floor\)/);
});

test('other reference runs that failed do not count: still the offer, naming them', async () => {
  const repo = join(tmp, 'failed');
  const mine = await refRun(repo, 1, 0);
  await refRun(repo, 2, 1);
  await refRun(repo, 3, 137);
  const choice = floorChoice(join(repo, 'debug_artifacts', mine, 'ref'), await listRuns(repo));
  assert.ok(choice.kind === 'offerRun', JSON.stringify(choice));
  assert.match(choice.message, /has 2 reference runs, none of which passed/);
});

test('passed runs are offered: the noise-floor run first, then the newest; never the reference itself', async () => {
  const repo = join(tmp, 'several');
  const older = await refRun(repo, 1, 0);
  const floor = await refRun(repo, 2, 0, true);
  const mine = await refRun(repo, 3, 0);
  const newer = await refRun(repo, 4, 0);
  await refRun(repo, 5, 2);
  const choice = floorChoice(join(repo, 'debug_artifacts', mine, 'ref', '00000-x.safetensors'), await listRuns(repo));
  assert.ok(choice.kind === 'pick', JSON.stringify(choice));
  assert.deepEqual(
    choice.options.map((o) => [o.runId, o.floor, o.dir]),
    [
      [floor, true, join(repo, 'debug_artifacts', floor, 'ref')],
      [newer, false, join(repo, 'debug_artifacts', newer, 'ref')],
      [older, false, join(repo, 'debug_artifacts', older, 'ref')],
    ],
  );
});

test('a reference outside any run folder, or a hand-edited run.json without env: no crash, the plain dialog', async () => {
  assert.deepEqual(floorChoice(join(tmp, 'anywhere', 'ref'), []), { kind: 'browse' });
  const repo = join(tmp, 'edited');
  const mine = await refRun(repo, 1, 0);
  const other = await refRun(repo, 2, 0);
  writeFileSync(join(repo, 'debug_artifacts', other, 'ref', 'run.json'), JSON.stringify({ runId: other, status: 'passed' }));
  const choice = floorChoice(join(repo, 'debug_artifacts', mine, 'ref'), await listRuns(repo));
  assert.ok(choice.kind === 'pick');
  assert.deepEqual(
    choice.options.map((o) => [o.runId, o.floor]),
    [[other, false]],
  );
});
