// One side of a run as planned for the terminal, and its run.json records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEnd, endRecord, planDeterministicTest, planSide, startRecord, type RunSettings } from '../../../src/core/runners';
import { PYTHON, REPO_ROOT } from '../../helpers/python';

const settings: RunSettings = {
  template: 'uv run python {script}',
  uv: '/opt/bin/uv',
  python: 'python3',
  hfHubOffline: true,
  probeDir: '/ext/python',
  shell: '/bin/zsh',
};

test('plan: the script is relative to the repo, the run folder is debug_artifacts/<id>/<side>, env names the other side', () => {
  const p = planSide(
    {
      side: 'mlx',
      runId: '20260101-000000-000',
      model: 'z_image',
      repo: '/w/mflux',
      script: '/w/mflux/port_runners/run_z_image_mlx.py',
      otherDir: '/w/diffusers/debug_artifacts/x/ref',
    },
    settings,
  );
  assert.equal(p.runDir, '/w/mflux/debug_artifacts/20260101-000000-000/mlx');
  assert.deepEqual(p.argv, ['/opt/bin/uv', 'run', 'python', 'port_runners/run_z_image_mlx.py']);
  assert.equal(p.cwd, '/w/mflux');
  assert.equal(p.env.MFLUX_PORT_REF_DIR, '/w/diffusers/debug_artifacts/x/ref');
  assert.equal(p.env.MFLUX_PORT_SIDE, 'mlx');
  assert.equal(p.env.HF_HUB_OFFLINE, undefined);
  assert.ok(p.line.startsWith('cd /w/mflux && MFLUX_PORT_RUN_DIR=/w/mflux/debug_artifacts/20260101-000000-000/mlx '), p.line);
  assert.ok(p.line.endsWith(' /opt/bin/uv run python port_runners/run_z_image_mlx.py'), p.line);
  // a script outside the repo stays absolute; fish gets fish syntax
  const q = planSide(
    { side: 'ref', runId: 'r', model: 'm', repo: '/w/diffusers', script: '/elsewhere/run me.py' },
    { ...settings, shell: '/usr/bin/fish' },
  );
  assert.equal(q.argv[3], '/elsewhere/run me.py');
  assert.match(
    q.line,
    /^cd \/w\/diffusers; and .*HF_HUB_OFFLINE=1 PYTHONPATH=\(string join : -- \/ext\/python \$PYTHONPATH\) \/opt\/bin\/uv run python '\/elsewhere\/run me\.py'$/,
  );
});

test('plan: a noise-floor reference run sets MFLUX_PORT_VARIANT=floor, in the line a real bash runs and in run.json; never on MLX', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mp-floor-'));
  try {
    const script = join(dir, 'show.py');
    writeFileSync(script, 'import os\nprint(os.environ.get("MFLUX_PORT_VARIANT", "-"), os.environ["MFLUX_PORT_SIDE"])\n');
    const s = { ...settings, template: '{python} {script}', python: PYTHON, shell: '/bin/bash' };
    const floor = planSide({ side: 'ref', runId: '20260101-000000-001', model: 'm', repo: dir, script }, { ...s, variant: 'floor' });
    assert.equal(floor.env.MFLUX_PORT_VARIANT, 'floor', 'recorded in run.json: a floor run');
    const plain = planSide({ side: 'ref', runId: '20260101-000000-002', model: 'm', repo: dir, script }, s);
    assert.equal(plain.env.MFLUX_PORT_VARIANT, undefined);
    const out = (line: string) => spawnSync('/bin/bash', ['-c', line], { encoding: 'utf8' }).stdout.trim();
    assert.equal(out(floor.line), 'floor ref');
    assert.equal(out(plain.line), '- ref');
    assert.throws(
      () => planSide({ side: 'mlx', runId: 'r', model: 'm', repo: dir, script }, { ...s, variant: 'floor' }),
      /MFLUX_PORT_VARIANT=floor is a reference run/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan: run.json goes from running to passed/failed/unknown/stopped', () => {
  const p = planSide({ side: 'ref', runId: 'r', model: 'm', repo: '/w/d', script: '/w/d/s.py' }, settings);
  const start = startRecord(
    p,
    { model: 'm', shell: '/bin/zsh', repos: [], platform: { os: 'darwin', arch: 'arm64', release: '24' } },
    new Date('2026-01-01T00:00:00Z'),
  );
  assert.equal(start.status, 'running');
  assert.equal(start.end, null);
  assert.equal(start.command, p.line);
  const t = new Date('2026-01-01T00:01:00Z');
  assert.deepEqual(
    [
      endRecord(start, 0, false, t).status,
      endRecord(start, 2, false, t).status,
      endRecord(start, undefined, false, t).status,
      endRecord(start, 130, true, t).status,
    ],
    ['passed', 'failed', 'unknown', 'stopped'],
  );
  assert.equal(endRecord(start, 2, false, t).exitCode, 2);
  assert.equal(endRecord(start, undefined, false, t).exitCode, null);
  assert.equal(endRecord(start, 0, false, t).end, '2026-01-01T00:01:00.000Z');
  assert.match(describeEnd('ref', 3, false), /Reference run failed with exit code 3/);
  assert.match(describeEnd('mlx', undefined, false), /exit code is unknown/);
});

test('plan: deterministic test command keeps the test output', () => {
  const { line, argv } = planDeterministicTest('/w/mflux', 'tests/image_generation/test_generate_image_z_image.py', settings);
  assert.deepEqual(argv, ['/opt/bin/uv', 'run', 'python', '-m', 'pytest', 'tests/image_generation/test_generate_image_z_image.py']);
  assert.equal(
    line,
    'cd /w/mflux && MFLUX_PRESERVE_TEST_OUTPUT=1 PYTHONUNBUFFERED=1 /opt/bin/uv run python -m pytest tests/image_generation/test_generate_image_z_image.py',
  );
});

test('plan: the maxCaptureBytes setting reaches the probe through bash as MFLUX_PORT_MAX_BYTES, and the probe cuts there', () => {
  const repo = mkdtempSync(join(tmpdir(), 'mp-plan-cap-'));
  try {
    writeFileSync(
      join(repo, 'run.py'),
      'import numpy as np\nfrom mflux_port_probe import dump\nfor i in range(3):\n    dump(f"x{i}", np.zeros(100, np.float32))\n',
    );
    const p = planSide(
      { side: 'ref', runId: 'r1', model: 'm', repo, script: join(repo, 'run.py') },
      { ...settings, template: `${PYTHON} {script}`, shell: '/bin/bash', probeDir: join(REPO_ROOT, 'python'), maxCaptureBytes: '900B' },
    );
    assert.equal(p.env.MFLUX_PORT_MAX_BYTES, '900B');
    const r = spawnSync('/bin/bash', ['-c', p.line], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: repo } });
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(join(p.runDir, 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.kind ?? l.name),
      ['x0', 'x1', 'cut'],
    );
    assert.equal(lines[2].max_bytes, 900);
    assert.equal(
      planSide({ side: 'ref', runId: 'r', model: 'm', repo: '/w/d', script: '/w/d/s.py' }, settings).env.MFLUX_PORT_MAX_BYTES,
      undefined,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
