// Runners in the real VS Code: the packaged extension runs a PyTorch reference script and a
// NumPy stand-in for the MLX side in their integrated terminals (shell integration), records
// run.json, opens the parity report when both sides pass, and reports a failing script.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeWorkspace } from '../fixtures/workspace';
import { waitFor, withVSCode, type VSCodeSession } from './harness';

const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';
const VSIX = process.env.MFLUX_PORT_E2E_VSIX || undefined;

const REF_SCRIPT = `
import torch
from mflux_port_probe import dump
torch.manual_seed(0)
latents = torch.randn(1, 4, 8, 8)
dump("initial_latents", latents)
dump("vae_decode_input", latents * 0.5)
dump("vae_decode_output", torch.tanh(latents[:, :3]))
print("reference finished")
`;

const MLX_SCRIPT = `
import numpy as np
from mflux_port_probe import dump, load
latents = load("initial_latents", side="ref")
dump("vae_decode_input", latents * 0.5)
dump("vae_decode_output", np.tanh(latents[:, :3]))
print("mlx stand-in finished")
`;

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-runners-e2e-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function runs(repo: string): string[] {
  const dir = join(repo, 'debug_artifacts');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function runJson(repo: string, runId: string, side: 'ref' | 'mlx') {
  return JSON.parse(readFileSync(join(repo, 'debug_artifacts', runId, side, 'run.json'), 'utf8'));
}

async function reportOpened(vs: VSCodeSession): Promise<string> {
  let how = '';
  await waitFor(
    async () => {
      if ((await vs.page.locator('.tabs-container .tab', { hasText: /parity/i }).count()) > 0) how = 'panel';
      else if ((await vs.notifications()).some((t) => /Both sides passed/.test(t))) how = 'summary';
      return how !== '';
    },
    'the parity report (panel, or the summary when the panel is not in this build)',
    60_000,
    async () => `notifications: ${JSON.stringify(await vs.notifications())}`,
  );
  return how;
}

const settings = {
  'mfluxPort.runner.commandTemplate': `${PYTHON} {script}`,
  'mfluxPort.runner.allowMlxOffAppleSilicon': true,
  'mfluxPort.runner.keepRuns': 0,
};

test(
  'Run Reference and Run MLX in terminals: exit codes observed, run.json filled, report opens; a failure is reported with its code',
  { timeout: 300_000 },
  async () => {
    const ws = makeWorkspace(join(tmp, 'ws'), { ports: [{ model: 'z_image' }] });
    const refScript = join(ws.diffusers!, 'port_runners', 'run_z_image_ref.py');
    write(refScript, REF_SCRIPT);
    write(join(ws.mflux, 'port_runners', 'run_z_image_mlx.py'), MLX_SCRIPT);

    await withVSCode({ workspace: ws.mflux, name: 'runners', settings, vsix: VSIX }, async (vs) => {
      await vs.runCommand('mflux Port: Run Reference');
      const passed = await vs.waitForNotification(/Reference run \S+ passed/, 90_000);
      const [refRun] = runs(ws.diffusers!);
      assert.ok(refRun, 'a run folder in the reference repo');
      assert.match(passed, new RegExp(`${refRun} passed \\(3 tensors dumped\\)`));
      const ref = runJson(ws.diffusers!, refRun, 'ref');
      assert.equal(ref.exitCode, 0);
      assert.equal(ref.status, 'passed');
      assert.equal(ref.cwd, ws.diffusers);
      assert.match(ref.command, /run_z_image_ref\.py/);
      assert.equal(ref.env.MFLUX_PORT_SIDE, 'ref');
      assert.equal(ref.env.HF_HUB_OFFLINE, '1');
      assert.ok(ref.end && Date.parse(ref.end) >= Date.parse(ref.start));
      assert.deepEqual(
        ref.repos.map((r: { role: string }) => r.role),
        ['reference', 'mflux'],
      );
      assert.match(ref.repos[0].commit, /^[0-9a-f]{40}$/);
      const manifest = readFileSync(join(ws.diffusers!, 'debug_artifacts', refRun, 'ref', 'manifest.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).name);
      assert.deepEqual(manifest, ['initial_latents', 'vae_decode_input', 'vae_decode_output']);
      assert.match(readFileSync(join(ws.diffusers!, '.git', 'info', 'exclude'), 'utf8'), /^debug_artifacts\/$/m);
      assert.match(await vs.terminalText(), /reference finished/);

      await vs.runCommand('mflux Port: Run MLX');
      const how = await reportOpened(vs);
      const [mlxRun] = runs(ws.mflux);
      const mlx = runJson(ws.mflux, mlxRun, 'mlx');
      assert.equal(mlx.exitCode, 0);
      assert.equal(
        mlx.pairedWith,
        join(ws.diffusers!, 'debug_artifacts', refRun, 'ref'),
        'MLX alone pairs with the newest passed reference run',
      );
      assert.equal(mlx.env.HF_HUB_OFFLINE, undefined);
      if (how === 'panel') {
        // the report shows what the two scripts dumped
        const frame = await vs.webviewFrame(/Parity/);
        await frame.getByText('vae_decode_output', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
        await frame.getByText('vae_decode_input', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
      }
      if (how === 'summary')
        assert.match(
          (await vs.notifications()).join('\n'),
          /Both sides passed\. Parity: 2 of 2 checkpoints within tolerance; 1 only in the reference\./,
        );
      await vs.screenshot('report');

      // A failing reference: reported with its exit code, and Run Both stops before MLX.
      writeFileSync(refScript, 'import sys\nprint("about to fail")\nsys.exit(3)\n');
      const before = runs(ws.mflux).length;
      await vs.runCommand('mflux Port: Run Both (Reference, then MLX)');
      const failed = await vs.waitForNotification(/failed with exit code 3/, 90_000);
      // the last line it printed is in the message; the terminal's tail is kept in the run folder
      assert.match(failed, /Reference run \S+ failed with exit code 3: about to fail\. The MLX side was not started\./);
      const failedRun = runs(ws.diffusers!).at(-1)!;
      const rec = runJson(ws.diffusers!, failedRun, 'ref');
      assert.equal(rec.exitCode, 3);
      assert.equal(rec.status, 'failed');
      assert.equal(rec.outputTail, 'output-tail.txt');
      assert.equal(readFileSync(join(ws.diffusers!, 'debug_artifacts', failedRun, 'ref', 'output-tail.txt'), 'utf8'), 'about to fail\n');
      assert.equal(existsSync(join(ws.mflux, 'debug_artifacts', failedRun)), false, 'MLX never ran: its empty folder is removed');
      assert.equal(runs(ws.mflux).length, before);
      await vs.screenshot('failure-reported');

      // Stop Run interrupts a running side (Ctrl+C in its terminal); run.json says stopped.
      writeFileSync(refScript, 'import time\nprint("waiting for stop", flush=True)\ntime.sleep(120)\n');
      await vs.runCommand('mflux Port: Run Reference');
      await waitFor(async () => /waiting for stop/.test(await vs.terminalText()), 'the long script to start', 60_000);
      await vs.runCommand('mflux Port: Stop Run');
      await vs.waitForNotification(/Reference run stopped/, 60_000);
      const stoppedRun = runs(ws.diffusers!).at(-1)!;
      const stopped = runJson(ws.diffusers!, stoppedRun, 'ref');
      assert.equal(stopped.status, 'stopped');
      assert.notEqual(stopped.exitCode, 0);
    });
  },
);

test('in Restricted Mode nothing runs and the user is told why', { timeout: 180_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'restricted'), { ports: [{ model: 'z_image' }] });
  write(join(ws.diffusers!, 'port_runners', 'run_z_image_ref.py'), REF_SCRIPT);
  await withVSCode({ workspace: ws.mflux, name: 'runners-restricted', trust: 'restricted', settings, vsix: VSIX }, async (vs) => {
    await vs.runCommand('mflux Port: Run Reference');
    await vs.waitForNotification(/disabled in Restricted Mode/);
    assert.deepEqual(runs(ws.diffusers!), []);
  });
});

test(
  'the demo workspace: Run Both runs the PyTorch reference and the NumPy stand-in and ends in the parity report',
  { timeout: 300_000 },
  async () => {
    const { buildDemoWorkspace } = await import('../../scripts/lib/demo-workspace');
    const ws = await buildDemoWorkspace(join(tmp, 'demo'));
    // No runner settings here: the demo's own .vscode/settings.json must be enough.
    await withVSCode({ workspace: ws.mflux, name: 'runners-demo', vsix: VSIX }, async (vs) => {
      await vs.runCommand('mflux Port: Run Both (Reference, then MLX)');
      const how = await reportOpened(vs);
      const [id] = runs(ws.mflux);
      assert.equal(runJson(ws.diffusers!, id, 'ref').status, 'passed');
      assert.equal(runJson(ws.mflux, id, 'mlx').status, 'passed');
      if (how === 'panel') {
        const frame = await vs.webviewFrame(/Parity/);
        await frame.getByText('vae.act', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
      } else {
        assert.match((await vs.notifications()).join('\n'), /first divergence at vae\.act/);
      }
      await vs.screenshot('report');
    });
  },
);

test(
  'without shell integration the command is sent as text once and the exit code is reported unknown; Insert Dump edits a Python file',
  { timeout: 300_000 },
  async () => {
    const ws = makeWorkspace(join(tmp, 'plain'), { ports: [{ model: 'z_image' }] });
    write(join(ws.diffusers!, 'port_runners', 'run_z_image_ref.py'), REF_SCRIPT);
    const model = join(ws.mflux, 'port_runners', 'block.py');
    write(model, 'import torch\n\n\ndef forward(x):\n    hidden = torch.tanh(x)\n    return hidden\n');
    const plain = { ...settings, 'terminal.integrated.shellIntegration.enabled': false, 'mfluxPort.runner.shellIntegrationTimeout': 2 };
    await withVSCode({ workspace: ws.mflux, name: 'runners-plain', settings: plain, vsix: VSIX }, async (vs) => {
      await vs.runCommand('mflux Port: Run Reference');
      await vs.waitForNotification(/exit code is unknown/, 60_000);
      const [id] = runs(ws.diffusers!);
      // the script still runs (once): its dumps appear, and run.json says the exit code is unknown
      const manifest = join(ws.diffusers!, 'debug_artifacts', id, 'ref', 'manifest.jsonl');
      await waitFor(
        async () => existsSync(manifest) && readFileSync(manifest, 'utf8').trim().split('\n').length === 3,
        'the reference dumps',
        60_000,
      );
      await waitFor(async () => /reference finished/.test(await vs.terminalText()), 'the script output in the terminal', 30_000);
      const rec = runJson(ws.diffusers!, id, 'ref');
      assert.equal(rec.status, 'unknown');
      assert.equal(rec.exitCode, null);
      assert.equal((await vs.terminalText()).match(/reference finished/g)?.length, 1, 'sent exactly once');

      // Insert Dump on `hidden = torch.tanh(x)` (cursor on line 5, column 6)
      await vs.openFile('port_runners/block.py');
      await vs.goToLine(5, 6);
      await vs.runCommand('mflux Port: Insert Dump');
      await vs.quickInput('block.hidden', { expect: 'Name of the dump' });
      await vs.page.keyboard.press('Control+S');
      await waitFor(async () => readFileSync(model, 'utf8').includes('dump('), 'the edited file to be saved', 20_000);
      assert.equal(
        readFileSync(model, 'utf8'),
        // wrapped in place: torch.tanh runs once, and the dump gets the value `hidden` gets
        'import torch\nfrom mflux_port_probe import dump\n\n\ndef forward(x):\n    hidden = dump("block.hidden", torch.tanh(x))\n    return hidden\n',
      );
      await vs.screenshot('insert-dump-wrapped');
    });
  },
);

test(
  'New Runner Pair previews the new script, writes it on Create, and never overwrites an existing runner',
  { timeout: 240_000 },
  async () => {
    const ws = makeWorkspace(join(tmp, 'pair'), { ports: [{ model: 'z_image' }] });
    const refScript = join(ws.diffusers!, 'port_runners', 'run_z_image_ref.py');
    write(refScript, '# my own reference runner\n');
    const mlxScript = join(ws.mflux, 'port_runners', 'run_z_image_mlx.py');
    await withVSCode({ workspace: ws.mflux, name: 'runners-pair', settings, vsix: VSIX }, async (vs) => {
      await vs.runCommand('mflux Port: New Runner Pair');
      const question = await vs.waitForNotification(/create port_runners\/run_z_image_mlx\.py\?/, 30_000);
      assert.match(question, /run_z_image_ref\.py already exists and is left as it is/);
      // the proposed script is shown in a read-only preview tab before anything is written
      await vs.page.locator('.tabs-container .tab', { hasText: 'run_z_image_mlx.py' }).first().waitFor({ state: 'visible' });
      assert.match(await vs.page.locator('.editor-instance .view-lines').first().innerText(), /RNG\s+trick/);
      assert.equal(existsSync(mlxScript), false, 'nothing is written before Create');
      await vs.screenshot('preview');
      await vs.page
        .locator('.notifications-toasts .notification-list-item', { hasText: 'create port_runners' })
        .locator('.monaco-button', { hasText: /^Create$/ })
        .click();
      // the whole script, not a file caught half-written
      await waitFor(
        async () =>
          existsSync(mlxScript) &&
          /import ZImage/.test(readFileSync(mlxScript, 'utf8')) &&
          /initial_latents = load\(/.test(readFileSync(mlxScript, 'utf8')),
        'the MLX runner to be written',
        30_000,
      );
      assert.equal(readFileSync(refScript, 'utf8'), '# my own reference runner\n');
      const text = readFileSync(mlxScript, 'utf8');
      assert.match(text, /initial_latents = load\("initial_latents", side="ref", framework="mlx"\)/);
      assert.match(text, /from mflux\.models\.z_image\.variants\.txt2img\.z_image import ZImage/);
    });
  },
);

test(
  'the demo pair: Capture Inside re-runs both sides inside vae.act; Compare With Previous Run says the first divergence moved; runs are evidence',
  { timeout: 480_000 },
  async () => {
    const { buildDemoWorkspace } = await import('../../scripts/lib/demo-workspace');
    const ws = await buildDemoWorkspace(join(tmp, 'drill'));
    const mlxScript = join(ws.mflux, 'port_runners', 'run_z_image_mlx.py');
    await withVSCode({ workspace: ws.mflux, name: 'runners-drill', vsix: VSIX }, async (vs) => {
      const summary = (id: string) => join(ws.mflux, 'debug_artifacts', id, 'mlx', 'report-summary.json');
      // the demo's debug_artifacts also holds demo-parity/ and demo-images/: only run ids count
      const ids = () => runs(ws.mflux).filter((n) => /^\d{8}-\d{6}-\d{3}/.test(n));
      const compared = async (n: number) => {
        await waitFor(async () => ids().length === n && existsSync(summary(ids()[n - 1])), `run ${n} compared`, 180_000);
        return ids()[n - 1];
      };
      await vs.runCommand('mflux Port: Run Both (Reference, then MLX)');
      const first = await compared(1);
      assert.equal(JSON.parse(readFileSync(summary(first), 'utf8')).first_divergence, 'vae.act');

      // Capture Inside from the report: the first divergence is selected, its module is vae.act
      const frame = await vs.webviewFrame(`Parity: ${first}`, 30_000);
      await frame.locator('#capture-inside').waitFor({ state: 'visible', timeout: 30_000 });
      await frame.locator('#capture-inside').click();
      const inside = await compared(2);
      for (const [repo, side] of [
        [ws.diffusers!, 'ref'],
        [ws.mflux, 'mlx'],
      ] as const)
        assert.equal(runJson(repo, inside, side).env.MFLUX_PORT_CAPTURE_INCLUDE, 'vae.act', `${side} ran with the include`);
      const captured = readFileSync(join(ws.diffusers!, 'debug_artifacts', inside, 'ref', 'manifest.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).name)
        .filter((n: string) => n.startsWith('vae.') || n === 'vae');
      assert.deepEqual(captured, ['vae.act'], 'the reference captured only inside vae.act');
      // (the harness finds a webview by the first one in its editor group: keep one open)
      await vs.page
        .locator('.tabs-container .tab', { hasText: `Parity: ${inside}` })
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      await vs.runCommand('View: Close Other Editors in Group');
      const finer = await vs.webviewFrame(`Parity: ${inside}`, 60_000);
      await finer.getByText('vae.act', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await vs.screenshot('capture-inside-report');

      // The port fixed: exact GELU; a new bug after it (the final tanh scaled). Run Both, then compare.
      const fixed = readFileSync(mlxScript, 'utf8')
        .replace(
          'def gelu_tanh(x):',
          'import math\n\n\ndef gelu_erf(x):\n    return (0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))).astype(np.float32)\n\n\ndef gelu_tanh(x):',
        )
        .replace('dump("vae.act", gelu_tanh(h))', 'dump("vae.act", gelu_erf(h))')
        .replace('dump("vae", np.tanh(h))', 'dump("vae", np.tanh(h * 1.01))');
      writeFileSync(mlxScript, fixed);
      await vs.runCommand('mflux Port: Run Both (Reference, then MLX)');
      const third = await compared(3);
      assert.equal(JSON.parse(readFileSync(summary(third), 'utf8')).first_divergence, 'vae');
      await vs.runCommand('View: Close All Editors');
      await vs.runCommand('mflux Port: Compare With Previous Run');
      const note = await vs.waitForNotification(/since/, 60_000);
      // the Capture Inside run in between is not the baseline of a full run
      assert.match(note, new RegExp(`run ${third} since ${first}: first divergence moved from vae\\.act to vae; 2 better, 2 worse`));
      const preview = await vs.webviewFrame(/^Preview /, 30_000);
      await preview
        .getByText(/first divergence moved from/)
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });
      await preview
        .getByText(new RegExp(`${inside} · inside`))
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });
      await vs.screenshot('compare-with-previous');

      const state = JSON.parse(readFileSync(join(ws.mflux, '.mflux-port', 'z_image.json'), 'utf8'));
      const labels = state.items['fast.tensorDumps'].evidence.map((e: { label?: string }) => e.label);
      assert.deepEqual(labels, [
        `run ${first}: first divergence at vae.act (6 of 10 pass)`,
        `run ${inside} (inside vae.act): first divergence at vae.act (5 of 7 pass)`,
        `run ${third}: first divergence at vae (8 of 10 pass)`,
      ]);
    });
  },
);
