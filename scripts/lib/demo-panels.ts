// The panels' part of the demo workspace: a finished comparison to open within a minute —
// PyTorch vs NumPy (channels-last, one bug) dumps for the parity report, stepwise and golden
// test images for the image diff, and a small safetensors checkpoint for the tensor viewer.
// The data is written by scripts/lib/demo_panels.py with Debian's python3 (torch, numpy, PIL).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

interface DemoWorkspace {
  readonly mflux: string;
}

export const panelsDemoStep = {
  title:
    'finished comparison: debug_artifacts/demo-parity (parity report), demo-images + tests/resources (image diff), weights/*.safetensors (tensor viewer)',
  run(ws: DemoWorkspace): void {
    const python = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
    const r = spawnSync(python, [join(__dirname, 'demo_panels.py'), ws.mflux], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`demo_panels.py failed: ${r.stderr.trim().split('\n').pop()}`);
  },
};
