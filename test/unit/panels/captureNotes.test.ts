// The probe's capture notes reach the parity report panel: real probe runs of a real torch model
// (a byte cap that stops the capture, a value it cannot write) compared by the engine, sent by
// the panel's controller, accepted by the webview's validator; malformed notes are refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/python';
import { ParityController } from '../../../src/features/panels/parityReportController';
import { engineParityHost } from '../../helpers/parityHost';
import { describeCut as coreDescribeCut } from '../../../src/core/compare/captureNotes';
import { describeCut, hasCaptureNews, isCaptureNotes } from '../../../src/protocol/captureNotes';
import { isParityHostMessage, type ParityHostMessage } from '../../../src/protocol/parityReport';

const tmp = mkdtempSync(join(tmpdir(), 'mp-notes-'));
before(() => {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'unit', 'compare', 'fixtures_history.py'), tmp], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function initOf(ref: string, cand: string): Promise<Extract<ParityHostMessage, { kind: 'init' }>> {
  const posted: ParityHostMessage[] = [];
  await new ParityController({ ref, cand }, 'Parity', engineParityHost(posted)).handle({ kind: 'ready', payload: {} });
  const init = posted.find((m) => m.kind === 'init');
  assert.ok(init && init.kind === 'init', JSON.stringify(posted));
  return init;
}

test('a capped candidate: the init message carries the cut, and the webview validator accepts it', async () => {
  const init = await initOf(join(tmp, 'ref'), join(tmp, 'capped'));
  assert.ok(isParityHostMessage(init));
  const cut = init.payload.report.capture?.cand?.cut;
  // 4 layer outputs of 2×8 float32 (64 bytes each) fit under the cap of 266 bytes; the fifth does not
  assert.deepEqual(cut, { after: 'layers.3', bytes: 256, max_bytes: 266, origin: 'MFLUX_PORT_MAX_BYTES', scope: 'run' });
  assert.equal(describeCut(cut!), 'capture stopped at 256 B after layers.3 (MFLUX_PORT_MAX_BYTES=266 B)');
  assert.equal(describeCut, coreDescribeCut, 'the panel and the CLI say it with the one function (core/capture/notes.ts)');
  assert.equal(hasCaptureNews(init.payload.report.capture), true);
});

test('a skipped value travels with its reason; a report without notes has no news', async () => {
  const init = await initOf(join(tmp, 'ref'), join(tmp, 'new'));
  assert.ok(isParityHostMessage(init));
  const skipped = init.payload.report.capture?.cand?.skipped ?? [];
  assert.deepEqual(
    skipped.map((s) => s.name),
    ['attn_mask'],
  );
  assert.match(skipped[0].reason, /object/);
  const plain = await initOf(join(tmp, 'ref'), join(tmp, 'old'));
  assert.equal(hasCaptureNews(plain.payload.report.capture), false);
});

test('malformed notes are refused by the validator (the webview drops the message)', async () => {
  const init = await initOf(join(tmp, 'ref'), join(tmp, 'capped'));
  const good = init.payload.report.capture!.cand!;
  const withCand = (cand: unknown) => ({ ...init, payload: { ...init.payload, report: { ...init.payload.report, capture: { cand } } } });
  assert.ok(isParityHostMessage(withCand(good)));
  for (const bad of [
    { ...good, cut: { ...good.cut, bytes: 'lots' } },
    { ...good, cut: { ...good.cut, scope: 'step' } },
    { ...good, skipped: [{ name: 3, reason: 'x' }] },
    { ...good, skipped: Array.from({ length: 201 }, (_, i) => ({ name: `t${i}`, reason: 'x' })) },
    { ...good, sites: { a: { file: 'x.py', line: 'one' } } },
    'cut',
  ]) {
    assert.equal(isCaptureNotes(bad), false, JSON.stringify(bad).slice(0, 120));
    assert.equal(isParityHostMessage(withCand(bad)), false);
  }
});

test('Capture Inside: offered in init only when the host can re-run; only a pair of its own report reaches the host', async () => {
  const asked: string[] = [];
  const rejected: unknown[] = [];
  const posted: ParityHostMessage[] = [];
  const host = engineParityHost(posted, {
    rejected: (raw) => rejected.push(raw),
    captureInside: async (p) => {
      asked.push(`${p.ref_name}|${p.cand_name}`);
    },
  });
  const c = new ParityController({ ref: join(tmp, 'ref'), cand: join(tmp, 'old') }, 'Parity', host);
  await c.handle({ kind: 'ready', payload: {} });
  const init = posted.find((m) => m.kind === 'init');
  assert.ok(init && init.kind === 'init' && init.payload.captureInside === true && isParityHostMessage(init));
  assert.equal(await c.handle({ kind: 'captureInside', payload: { name: 'layers.2' } }), true);
  assert.deepEqual(asked, ['layers.2|layers.2']);
  assert.equal(await c.handle({ kind: 'captureInside', payload: { name: 'not.a.layer' } }), false);
  assert.equal(await c.handle({ kind: 'captureInside', payload: { name: 'layers.2', path: '/etc' } }), false);
  assert.equal(rejected.length, 2);
  assert.deepEqual(asked, ['layers.2|layers.2']);
  // a host without runs (Compare Folders on any two folders) does not offer it, and refuses it
  const plain = await initOf(join(tmp, 'ref'), join(tmp, 'old'));
  assert.equal(plain.payload.captureInside, undefined);
});
