// The demo's runner pair really runs here (python3 + torch; NumPy stand-in for MLX) with the
// runners' environment, and its dumps diverge exactly where the demo says: first at vae.act.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnv, reportSummary, runEnv, sideDir } from '../../../src/core/runners';
import { runCompare } from '../../../src/core/compare/engine';
import { writeDemoRunnerPair, DEMO_RUNNER_SETTINGS } from '../../../scripts/lib/demo-runners';
import { PYTHON, REPO_ROOT, pythonJson } from '../../helpers/python';

test('demo runner pair: both sides run, pair by name, and first diverge at vae.act', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mp-demo-pair-'));
  try {
    const ws = { mflux: join(root, 'mflux'), diffusers: join(root, 'diffusers') };
    writeDemoRunnerPair(ws, 'z_image');
    assert.deepEqual(JSON.parse(readFileSync(join(ws.mflux, '.vscode', 'settings.json'), 'utf8')), DEMO_RUNNER_SETTINGS);
    const id = '20260101-000000-000';
    const refDir = sideDir(ws.diffusers, id, 'ref');
    const mlxDir = sideDir(ws.mflux, id, 'mlx');
    const probeDir = join(REPO_ROOT, 'python');
    for (const [side, repo, script] of [
      ['ref', ws.diffusers, 'port_runners/run_z_image_ref.py'],
      ['mlx', ws.mflux, 'port_runners/run_z_image_mlx.py'],
    ] as const) {
      const env = applyEnv(
        runEnv({
          side,
          runId: id,
          runDir: side === 'ref' ? refDir : mlxDir,
          refDir: side === 'mlx' ? refDir : undefined,
          probeDir,
          hfHubOffline: true,
        }),
        { PATH: process.env.PATH },
      );
      const r = spawnSync(PYTHON, [script], { cwd: repo, env, encoding: 'utf8' });
      assert.equal(r.status, 0, `${side}: ${r.stderr}`);
    }
    // Independent check in NumPy: read both folders' safetensors by hand, compare the common names in capture order.
    const diffs = pythonJson<Array<[string, number]>>(
      `
import json, sys, numpy as np
sys.path.insert(0, sys.argv[3])
from st_reader import read_file, manifest
def load(folder):
    out = {}
    for e in manifest(folder):
        _, tensors, *_ = read_file(folder + "/" + e["file"])
        out[e["name"]] = tensors[e["name"]][2].astype(np.float64)
    return out, [e["name"] for e in manifest(folder)]
ref, order = load(sys.argv[1])
mlx, _ = load(sys.argv[2])
res = []
for name in order:
    if name not in mlx:
        continue
    a, b = ref[name], mlx[name]
    if a.ndim == 4 and a.shape != b.shape:
        b = np.transpose(b, (0, 3, 1, 2))  # NHWC -> NCHW
    res.append([name, float(np.max(np.abs(a - b)))])
print(json.dumps(res))
`,
      [refDir, mlxDir, join(REPO_ROOT, 'test', 'python')],
    );
    const names = diffs.map(([n]) => n);
    assert.deepEqual(names, [
      'noise_pred@step000',
      'noise_pred@step001',
      'noise_pred@step002',
      'noise_pred@step003',
      'vae_decode_input',
      'vae.conv_in',
      'vae.act',
      'vae.conv_out',
      'vae',
      'vae_decode_output',
    ]);
    const firstOver = diffs.find(([, d]) => d > 1e-5);
    assert.equal(firstOver?.[0], 'vae.act', JSON.stringify(diffs));
    assert.ok(firstOver![1] < 1e-2, 'a small, realistic divergence');
    // Our engine finds the same first divergence (through the NHWC layout transform), and the
    // fallback notification says so.
    const out = await runCompare({ refPath: refDir, candPath: mlxDir, heatmaps: 'none' });
    assert.equal(out.report.first_divergence, 'vae.act');
    const summary = reportSummary(out.report);
    assert.match(
      summary,
      /^6 of 10 checkpoints within tolerance; first divergence at vae\.act \(max \|diff\| [0-9.e-]+, atol 1\.00e-5, rtol 1\.00e-5\); 5 only in the reference\.$/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
