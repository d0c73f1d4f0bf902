// Tolerance edits in the parity report stick: saved as a --map file in .mflux-port/, the pair
// measured again by the engine, the first divergence and every verdict judged again, the
// export and a re-opened panel use them.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { ParityController, type ParityHost } from '../../../src/features/panels/parityReportController';
import { runCompare } from '../../../src/core/compare/engine';
import { readToleranceMap, saveTensorTolerance, toleranceMapPath } from '../../../src/core/compare/toleranceMap';
import type { CompareOutput, ReportJson } from '../../../src/core/compare/types';
import { isParityHostMessage } from '../../../src/protocol/parityReport';

const dir = ensureGenerated('panels-host', 'test/fixtures/panels_host.py');
const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const source = { ref: join(dir, 'dumps/ref'), cand: join(dir, 'dumps/mlx') };
const ws = mkdtempSync(join(tmpdir(), 'mp-tol-'));
after(() => rmSync(ws, { recursive: true, force: true }));

function host(mapFile: string) {
  const posted: { kind: string; payload: { report?: ReportJson; message?: string } }[] = [];
  const saved: CompareOutput[] = [];
  const h: ParityHost = {
    post: (m) => posted.push(m as never),
    compare: (s, onProgress, extra) =>
      runCompare(
        { refPath: s.ref, candPath: s.cand, noiseFloorPath: s.floor, heatmaps: 'failing', map: extra?.map, only: extra?.only },
        { onProgress },
      ),
    loadTolerances: () => readToleranceMap(mapFile),
    saveTolerance: (name, tol) => saveTensorTolerance(mapFile, name, tol),
    readValues: async () => null,
    save: async (_f, out) => {
      saved.push(out);
    },
    copy: async () => undefined,
    rejected: () => undefined,
  };
  return { h, posted, saved };
}

describe('parity report tolerance edits', () => {
  it('move the first divergence, reach the export, and survive a re-opened panel', async () => {
    const mapFile = toleranceMapPath(ws);
    const t = host(mapFile);
    const c = new ParityController(source, 'Parity', t.h);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted.find((m) => m.kind === 'init')?.payload.report as ReportJson;
    assert.equal(init.first_divergence, 'block2');
    // block2's largest |diff| (NumPy, from the fixture) fits under atol = 2 × it
    const atol = 2 * Math.max(...exp.layers.block2.ref.map((r: number, i: number) => Math.abs(exp.layers.block2.cand[i] - r)));
    assert.equal(await c.handle({ kind: 'toleranceChanged', payload: { name: 'block2', tolerance: { atol, rtol: 0 } } }), true);
    const upd = t.posted.find((m) => m.kind === 'report');
    assert.ok(upd, JSON.stringify(t.posted.filter((m) => m.kind === 'error')));
    const rep = upd.payload.report as ReportJson;
    const b2 = rep.pairs.find((p) => p.name === 'block2');
    assert.deepEqual([b2?.verdict, b2?.mismatch, b2?.atol, b2?.rtol, b2?.tolerance_source], ['pass', 0, atol, 0, 'tensor']);
    assert.notEqual(rep.first_divergence, 'block2');
    // the rest of the report is judged again under the same rules, as a fresh engine run gives it
    const fresh = await runCompare({ refPath: source.ref, candPath: source.cand, map: { tensors: { block2: { atol, rtol: 0 } } } });
    assert.equal(rep.first_divergence, fresh.report.first_divergence);
    assert.deepEqual(rep.verdicts, fresh.report.verdicts);
    assert.deepEqual(
      rep.pairs.map((p) => p.verdict),
      fresh.report.pairs.map((p) => p.verdict),
    );
    assert.ok(t.posted.every(isParityHostMessage));
    // the file is a --map the CLI reads
    assert.deepEqual(JSON.parse(readFileSync(mapFile, 'utf8')), { tensors: { block2: { atol, rtol: 0 } } });
    // the same panel's webview made again (switching tabs) gets the edited report, not the first one
    await c.handle({ kind: 'ready', payload: {} });
    const reinit = t.posted.filter((m) => m.kind === 'init').pop()?.payload.report as ReportJson;
    assert.equal(reinit.first_divergence, rep.first_divergence);
    assert.equal(reinit.pairs.find((p) => p.name === 'block2')?.verdict, 'pass');
    // Export uses the edited report
    await c.handle({ kind: 'exportReport', payload: { format: 'json' } });
    assert.equal(t.saved[0].report.first_divergence, rep.first_divergence);
    // a new panel on the same folders (tab closed and opened, Run Both) starts from the edit
    const t2 = host(mapFile);
    await new ParityController(source, 'Parity', t2.h).handle({ kind: 'ready', payload: {} });
    const again = t2.posted.find((m) => m.kind === 'init')?.payload.report as ReportJson;
    assert.equal(again.first_divergence, rep.first_divergence);
    assert.equal(again.pairs.find((p) => p.name === 'block2')?.tolerance_source, 'tensor');
  });

  it('a broken map file is named and never overwritten', async () => {
    const bad = join(ws, 'bad', '.mflux-port', 'compare-map.json');
    saveTensorTolerance(bad, 'x', { atol: 1, rtol: 0 });
    writeFileSync(bad, '{"tensors": ');
    const t = host(bad);
    const c = new ParityController(source, 'Parity', t.h);
    await c.handle({ kind: 'ready', payload: {} });
    assert.match(t.posted.find((m) => m.kind === 'error')?.payload.message ?? '', /compare-map\.json/);
    await c.handle({ kind: 'toleranceChanged', payload: { name: 'block2', tolerance: { atol: 1, rtol: 0 } } });
    assert.equal(readFileSync(bad, 'utf8'), '{"tensors": ');
  });

  it('with a noise floor (Compare with Noise Floor…): an edit is judged again under the floor rule', async () => {
    const v = ensureGenerated('verdicts', 'test/fixtures/make_verdicts.py');
    const t = host(join(ws, 'floor', '.mflux-port', 'compare-map.json'));
    const c = new ParityController({ ref: join(v, 'ref'), cand: join(v, 'wrong_eps'), floor: join(v, 'ref_floor') }, 'Parity', t.h);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted.find((m) => m.kind === 'init');
    assert.ok(init && isParityHostMessage(init), 'the source with a floor passes the validator');
    const rep = init.payload.report as ReportJson;
    assert.equal(rep.first_divergence, 'norm_out');
    assert.ok(rep.pairs.every((p) => typeof p.noise_floor === 'number'));
    // loosening norm_out's tolerance until it passes moves the first divergence on; floors stay
    await c.handle({ kind: 'toleranceChanged', payload: { name: 'norm_out', tolerance: { atol: 1, rtol: 0 } } });
    const upd = t.posted.find((m) => m.kind === 'report')?.payload.report as ReportJson;
    const fresh = await runCompare({
      refPath: join(v, 'ref'),
      candPath: join(v, 'wrong_eps'),
      noiseFloorPath: join(v, 'ref_floor'),
      map: { tensors: { norm_out: { atol: 1, rtol: 0 } } },
    });
    assert.equal(upd.first_divergence, fresh.report.first_divergence);
    assert.deepEqual(
      upd.pairs.map((p) => [p.verdict, p.noise_floor]),
      fresh.report.pairs.map((p) => [p.verdict, p.noise_floor]),
    );
  });
});
