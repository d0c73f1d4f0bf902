// Go to Dump Site, host side: a real compare of probe-style dump folders (NumPy-written
// safetensors + manifest.jsonl with the probe's `site`), then the controller opens exactly
// the recorded file:line of either side, and refuses sites outside the workspace / run
// folder (also through a symlink), layers not in the report and malformed messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../../helpers/python';
import { ParityController } from '../../../src/features/panels/parityReportController';
import { engineParityHost } from '../../helpers/parityHost';
import type { ParityHostMessage } from '../../../src/protocol/parityReport';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'mp-site-')));
const ws = join(tmp, 'workspace');
const run = join(ws, 'debug_artifacts', 'run-1');

before(() => {
  mkdirSync(join(ws, 'src'), { recursive: true });
  writeFileSync(join(ws, 'src', 'ref_model.py'), 'def forward(x):\n    h = x\n    return h\n');
  writeFileSync(join(ws, 'src', 'mlx_model.py'), 'def forward(x):\n    h = x\n    return h\n');
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(join(tmp, 'outside', 'secret.py'), 'x = 1\n');
  symlinkSync(join(tmp, 'outside', 'secret.py'), join(ws, 'src', 'link.py')); // inside by name, outside for real
  pythonJson(
    `
import json, sys
import numpy as np
from st_write import write_safetensors
run, ws, outside = sys.argv[1], sys.argv[2], sys.argv[3]
def save(path, name, a):
    write_safetensors(path, {name: np.asarray(a, dtype=np.float32)})
import os
sites = {
  "ref": {"blocks.0": (ws + "/src/ref_model.py", 2), "blocks.1": (ws + "/src/link.py", 1), "blocks.2": (outside + "/secret.py", 1)},
  "mlx": {"blocks.0": (ws + "/src/mlx_model.py", 3)},
}
for side in ("ref", "mlx"):
    os.makedirs(f"{run}/{side}")
    with open(f"{run}/{side}/manifest.jsonl", "w") as m:
        for i, name in enumerate(["blocks.0", "blocks.1", "blocks.2", "blocks.3"]):
            f = f"{i:05d}-{name}.safetensors"
            save(f"{run}/{side}/{f}", name, np.arange(4, dtype=np.float32) + (side == "mlx") * i)
            rec = {"index": i, "name": name, "base": name, "file": f, "dtype": "F32", "shape": [4]}
            if name in sites[side]:
                rec["site"] = {"file": sites[side][name][0], "line": sites[side][name][1]}
            m.write(json.dumps(rec) + "\\n")
print("null")
`,
    [run, ws, join(tmp, 'outside')],
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function host() {
  const posted: ParityHostMessage[] = [];
  const rejected: unknown[] = [];
  const opened: [string, number][] = [];
  const h = engineParityHost(posted, {
    openFile: async (file, line) => {
      opened.push([file, line]);
    },
    siteRoots: () => [ws, run],
    rejected: (r) => rejected.push(r),
  });
  return { h, posted, rejected, opened };
}

test('Go to Dump Site opens the recorded file:line of either side, nothing else', async () => {
  const t = host();
  const c = new ParityController({ ref: join(run, 'ref'), cand: join(run, 'mlx') }, 'Parity', t.h);
  await c.handle({ kind: 'ready', payload: {} });
  const init = t.posted.find((m) => m.kind === 'init') as Extract<ParityHostMessage, { kind: 'init' }>;
  assert.deepEqual(init.payload.report.capture?.ref?.sites['blocks.0'], { file: join(ws, 'src', 'ref_model.py'), line: 2 });

  assert.equal(await c.handle({ kind: 'openDumpSite', payload: { name: 'blocks.0', side: 'ref' } }), true);
  assert.equal(await c.handle({ kind: 'openDumpSite', payload: { name: 'blocks.0', side: 'cand' } }), true);
  assert.deepEqual(t.opened, [
    [join(ws, 'src', 'ref_model.py'), 2],
    [join(ws, 'src', 'mlx_model.py'), 3],
  ]);

  const errors = () => t.posted.filter((m) => m.kind === 'error').map((m) => (m as { payload: { message: string } }).payload.message);
  // a site that resolves outside the workspace (through a symlink, or plainly) is refused, naming it
  assert.equal(await c.handle({ kind: 'openDumpSite', payload: { name: 'blocks.1', side: 'ref' } }), false);
  assert.equal(await c.handle({ kind: 'openDumpSite', payload: { name: 'blocks.2', side: 'ref' } }), false);
  // no site recorded for this side
  assert.equal(await c.handle({ kind: 'openDumpSite', payload: { name: 'blocks.3', side: 'cand' } }), false);
  assert.deepEqual(errors(), [
    `The reference dump site ${join(ws, 'src', 'link.py')}:1 is not a file inside the workspace or the run folder; not opened.`,
    `The reference dump site ${join(tmp, 'outside', 'secret.py')}:1 is not a file inside the workspace or the run folder; not opened.`,
    'No dump site is recorded for the candidate side of blocks.3 (its manifest has no "site").',
  ]);
  // names not in the report and malformed messages: rejected, nothing opened
  for (const m of [
    { kind: 'openDumpSite', payload: { name: 'nope', side: 'ref' } },
    { kind: 'openDumpSite', payload: { name: 'blocks.0', side: 'both' } },
    { kind: 'openDumpSite', payload: { name: 'blocks.0', side: 'ref', file: '/etc/passwd', line: 1 } },
    { kind: 'openDumpSite', payload: { side: 'ref' } },
  ])
    assert.equal(await c.handle(m), false);
  assert.equal(t.rejected.length, 4);
  assert.equal(t.opened.length, 2);
});
