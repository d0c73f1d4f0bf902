// The tensor viewer webview in headless Chromium: tree with folded blocks, totals, keyboard
// navigation, stats and preview requests answered by a fake host.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { openPanel, useBrowser, type Harness } from './harness';
import type { TensorEntry } from '../../src/protocol/tensorViewer';
import { pythonJson } from '../helpers/python';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

function entry(name: string, shape: number[], dtype = 'BF16'): TensorEntry {
  const numel = shape.reduce((a, b) => a * b, 1);
  return { name, dtype, shape, numel, byteLength: numel * (dtype === 'F32' ? 4 : 2), decodable: dtype !== 'F8_E8M0' };
}

const tensors: TensorEntry[] = [
  entry('x_embedder.weight', [3072, 64]),
  entry('x_embedder.bias', [3072]),
  ...Array.from({ length: 19 }, (_, b) => [
    entry(`transformer_blocks.${b}.attn.to_q.weight`, [3072, 3072]),
    entry(`transformer_blocks.${b}.attn.to_k.weight`, [3072, 3072]),
    entry(`transformer_blocks.${b}.norm1.linear.weight`, [18432, 3072]),
  ]).flat(),
  ...Array.from({ length: 38 }, (_, b) => [entry(`single_transformer_blocks.${b}.proj_mlp.weight`, [12288, 3072])]).flat(),
  entry('norm_out.linear.weight', [6144, 3072], 'F32'),
  entry('scale_shift_table', [2, 3072], 'F8_E8M0'),
];

async function open(browser: Browser, theme: 'dark' | 'light' = 'dark', list = tensors, error: string | null = null): Promise<Harness> {
  const h = await openPanel(browser, 'tensorViewer', theme);
  await h.waitForPosted('ready');
  await h.send({
    kind: 'init',
    payload: { fileName: 'diffusion_pytorch_model.safetensors', format: 'safetensors', fileSize: 23_802_932_552, tensors: list, error },
  });
  return h;
}

async function labels(h: Harness): Promise<string[]> {
  return h.page.$$eval('#tree .row .label', (els: any[]) => els.map((e) => e.textContent));
}

describe('tensor viewer webview', () => {
  const browser = useBrowser();

  it('folds numbered blocks, shows totals and per-folder sums', async () => {
    const h = await open(browser());
    await h.page.waitForSelector('#tree .row');
    assert.deepEqual(await labels(h), [
      'x_embedder',
      'weight',
      'bias',
      'transformer_blocks.{0..18}',
      'single_transformer_blocks.{0..37}',
      'norm_out.linear.weight',
      'scale_shift_table',
    ]);
    const want = pythonJson<number>(
      `import json,sys,numpy as np
print(sum(int(np.prod(t['shape'])) for t in json.loads(sys.stdin.read() if False else sys.argv[1])))`,
      [JSON.stringify(tensors)],
    );
    assert.equal(Number(await h.page.getAttribute('#total-params', 'data-numel')), want);
    assert.equal(await h.page.textContent('#total-tensors'), `${tensors.length} tensors`);
    const blocks = h.page.locator('#tree .row[data-path="transformer_blocks.{0..18}"]');
    assert.match((await blocks.textContent())!, /×19/);
    assert.match((await blocks.textContent())!, /57 tensors/);
    await h.close();
  });

  it('navigates with the keyboard and expands folded blocks', async () => {
    const h = await open(browser());
    await h.page.waitForSelector('#tree .row');
    await h.page.focus('#tree');
    await h.page.keyboard.press('ArrowDown'); // weight
    await h.page.keyboard.press('ArrowDown'); // bias
    await h.page.keyboard.press('ArrowDown'); // transformer_blocks.{0..18}
    assert.equal(await h.page.getAttribute('#tree .row[aria-selected="true"]', 'data-path'), 'transformer_blocks.{0..18}');
    await h.page.keyboard.press('ArrowRight');
    assert.equal(await h.page.getAttribute('#tree .row[data-path="transformer_blocks.{0..18}"]', 'aria-expanded'), 'true');
    await h.page.keyboard.press('ArrowRight');
    assert.equal(await h.page.getAttribute('#tree .row[aria-selected="true"]', 'data-path'), 'transformer_blocks.0');
    await h.page.keyboard.press('ArrowLeft');
    assert.equal(await h.page.getAttribute('#tree .row[aria-selected="true"]', 'data-path'), 'transformer_blocks.{0..18}');
    await h.page.keyboard.press('ArrowLeft');
    assert.equal(await h.page.getAttribute('#tree .row[data-path="transformer_blocks.{0..18}"]', 'aria-expanded'), 'false');
    await h.page.locator('#filter input').fill('to_k');
    await h.page.waitForFunction(() => document.querySelectorAll('#tree .row.leaf').length === 19);
    await h.close();
  });

  it('requests stats and a preview for the selected tensor and shows them', async () => {
    const h = await open(browser());
    await h.page.click('#tree .row[data-path="x_embedder.weight"]');
    assert.equal(await h.page.textContent('#tensor-name'), 'x_embedder.weight');
    await h.page.click('#btn-stats');
    const req = await h.waitForPosted('requestStats');
    assert.deepEqual(req.payload, { name: 'x_embedder.weight' });
    await h.send({
      kind: 'reply',
      inReplyTo: req.requestId,
      ok: true,
      payload: { name: 'x_embedder.weight', min: -0.125, max: 0.25, mean: 0.0012, std: 0.031, nan: 0, inf: 2, first: [0.5, -1, null, 3] },
    });
    await h.page.waitForSelector('#stats');
    assert.equal(await h.page.textContent('[data-stat="max"]'), '0.25');
    assert.equal(await h.page.textContent('[data-stat="Inf"]'), '2');
    assert.deepEqual(await h.page.$$eval('#first-values li', (l: any[]) => l.map((x) => x.textContent)), ['0.5', '-1', 'NaN/Inf', '3']);
    await h.page.click('#btn-preview');
    const pr = await h.waitForPosted('requestPreview');
    const values = new Float32Array(64 * 48).map((_, i) => Math.sin(i / 40) * ((i % 64) / 64));
    await h.send({
      kind: 'reply',
      inReplyTo: pr.requestId,
      ok: true,
      payload: { name: 'x_embedder.weight', width: 64, height: 48, values, note: '3072×64 pooled to 48×64 (largest magnitude per block)' },
    });
    await h.page.waitForSelector('#preview');
    assert.match((await h.page.textContent('#preview-note'))!, /pooled/);
    await h.screenshot('tensorViewer-dark');
    // An error reply is shown, not thrown.
    await h.page.click('#tree .row[data-path="norm_out.linear.weight"]');
    await h.page.click('#btn-stats');
    const req2 = await h.waitForPosted('requestStats', 2);
    await h.send({
      kind: 'reply',
      inReplyTo: req2.requestId,
      ok: false,
      error: 'model.safetensors: tensor data ends beyond the file (truncated download?)',
    });
    await h.page.waitForSelector('#stats-error');
    assert.match((await h.page.textContent('#stats-error'))!, /truncated download/);
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('a reply that is not what its request asked for (a preview for stats) is an error, not shown as stats', async () => {
    const h = await open(browser());
    await h.page.click('#tree .row[data-path="x_embedder.weight"]');
    await h.page.click('#btn-stats');
    const req = await h.waitForPosted('requestStats');
    assert.deepEqual(req, { kind: 'requestStats', requestId: req.requestId, payload: { name: 'x_embedder.weight' } });
    await h.send({
      kind: 'reply',
      inReplyTo: req.requestId,
      ok: true,
      payload: { name: 'x_embedder.weight', width: 2, height: 1, values: new Float32Array([1, 2]), note: null },
    });
    await h.page.waitForSelector('#stats-error');
    assert.match((await h.page.textContent('#stats-error'))!, /malformed reply to requestStats/);
    assert.equal(await h.page.$('#stats'), null);
    await h.close();
  });

  it('undecodable dtype, empty file and unreadable file states', async () => {
    let h = await open(browser(), 'light');
    await h.page.click('#tree .row[data-path="scale_shift_table"]');
    assert.match((await h.page.textContent('#detail'))!, /cannot be decoded/);
    assert.equal(await h.page.locator('#btn-stats').count(), 0);
    await h.page.click('#tree .row[data-path="transformer_blocks.{0..18}"]');
    // a folded block's detail: its totals, summed by NumPy over the 19 blocks' tensors
    const want = pythonJson<{ tensors: number; params: string }>(
      `import json,sys,numpy as np
ts=[t for t in json.loads(sys.argv[1]) if t['name'].startswith('transformer_blocks.')]
print(json.dumps({'tensors': len(ts), 'params': f"{sum(int(np.prod(t['shape'])) for t in ts):,}"}))`,
      [JSON.stringify(tensors)],
    );
    const kv = await h.page.$$eval('#detail dt', (dts: any[]) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    assert.equal(await h.page.textContent('#detail h2.tensor-name'), 'transformer_blocks.{0..18}');
    assert.equal(kv.tensors, String(want.tensors));
    assert.equal(kv.parameters, want.params);
    assert.equal(kv.dtypes, 'BF16');
    await h.screenshot('tensorViewer-light');
    await h.close();
    h = await open(browser(), 'light', [], null);
    await h.page.waitForSelector('#empty:not([hidden])');
    assert.equal(await h.page.textContent('#empty'), 'This file holds no tensors.');
    await h.close();
    h = await open(browser(), 'dark', [], 'model.safetensors: header length 9999999999 exceeds the file size (1.2 MB)');
    await h.page.waitForSelector('#empty.error');
    assert.match((await h.page.textContent('#empty'))!, /exceeds the file size/);
    await h.screenshot('tensorViewer-error-dark');
    await h.close();
  });
});
