// The host side of the three panels on real files (PNG, .npy dumps, safetensors written by
// NumPy/PIL): what they send, and that bad messages and unknown names/paths are refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGenerated } from '../../helpers/python';
import { ImageDiffController, type ImageDiffHost } from '../../../src/features/panels/imageDiffController';
import { ParityController, type ParityHost } from '../../../src/features/panels/parityReportController';
import { TensorViewerController } from '../../../src/features/panels/tensorViewerController';
import { specFor } from '../../../src/features/panels/imageDiffSpec';
import { loadPair } from '../../../src/core/viewer/imageLoad';
import { goldenImagePairs, pairImageFolders } from '../../../src/core/viewer/imagePairs';
import { runCompare } from '../../../src/core/compare/engine';
import { openTensors } from '../../../src/core/tensors';
import { readLayerValues } from '../../../src/core/viewer/pairValues';
import { isImageDiffHostMessage } from '../../../src/protocol/imageDiff';
import { isParityHostMessage } from '../../../src/protocol/parityReport';
import { isTensorViewerHostMessage } from '../../../src/protocol/tensorViewer';

const dir = ensureGenerated('panels-host', 'test/fixtures/panels_host.py');
const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const img = (f: string) => join(dir, 'images', f);

function imageHost() {
  const posted: unknown[] = [];
  const rejected: unknown[] = [];
  const opened: string[] = [];
  const host: ImageDiffHost = {
    post: (m) => posted.push(m),
    load: async (a, b, px) => loadPair(a, b, px),
    openFile: (p) => opened.push(p),
    rejected: (r) => rejected.push(r),
  };
  return { host, posted, rejected, opened };
}

describe('image diff host', () => {
  it('answers ready with init and a pair with pixels, metrics as scikit-image computes them', async () => {
    const t = imageHost();
    const c = new ImageDiffController(specFor({ kind: 'files', ref: img('ref.png'), cand: img('cand.png') }), t.host);
    assert.equal(await c.handle({ kind: 'ready', payload: {} }), true);
    assert.equal(await c.handle({ kind: 'selectPair', payload: { id: 0 } }), true);
    assert.ok(t.posted.every(isImageDiffHostMessage), 'every host message passes the webview validator');
    const pair = t.posted.find((m) => (m as { kind: string }).kind === 'pair') as {
      payload: { metrics: { psnr: number; ssim: number; maxAbs: number }; ref: { channels: number } };
    };
    assert.equal(pair.payload.ref.channels, 3);
    assert.ok(Math.abs(pair.payload.metrics.psnr - exp.rgb.psnr) < 1e-9);
    assert.ok(Math.abs(pair.payload.metrics.ssim - exp.rgb.ssim) < 1e-6, `${pair.payload.metrics.ssim} vs ${exp.rgb.ssim}`);
    assert.equal(pair.payload.metrics.maxAbs, exp.rgb.max_abs);
  });

  it('rejects malformed messages, unknown pair ids and paths it did not offer', async () => {
    const t = imageHost();
    const c = new ImageDiffController(specFor({ kind: 'files', ref: img('ref.png'), cand: img('cand.png') }), t.host);
    const bad = [
      null,
      'ready',
      { kind: 'ready' },
      { kind: 'ready', payload: { extra: 1 } },
      { kind: 'selectPair', payload: { id: '0' } },
      { kind: 'selectPair', payload: { id: -1 } },
      { kind: 'selectPair', payload: { id: 1.5 } },
      { kind: 'revealFile', payload: { path: 42 } },
      { kind: 'ruleChanged', payload: { rtol: -1, atol: 0, threshold: 0.15 } },
      { kind: 'ruleChanged', payload: { rtol: 0.1, atol: 0 } },
      { kind: 'eval', payload: {} },
      { kind: 'selectPair', payload: { id: 0 }, requestId: 'x' },
    ];
    for (const m of bad) assert.equal(await c.handle(m), false, JSON.stringify(m));
    assert.equal(await c.handle({ kind: 'selectPair', payload: { id: 1 } }), false);
    assert.equal(await c.handle({ kind: 'revealFile', payload: { path: '/etc/passwd' } }), false);
    assert.equal(await c.handle({ kind: 'revealFile', payload: { path: img('small.png') } }), false);
    assert.deepEqual(t.opened, []);
    assert.equal(await c.handle({ kind: 'revealFile', payload: { path: img('cand.png') } }), true);
    assert.deepEqual(t.opened, [img('cand.png')]);
    assert.equal(t.rejected.length, bad.length + 3);
    assert.equal(t.posted.length, 0);
  });

  it('loads palette, RGBA, 16-bit, garbage and different sizes with clear messages', () => {
    const pal = loadPair(img('ref_pal.png'), img('cand_pal.png'));
    assert.equal(pal.ref!.channels, exp.pal_channels);
    assert.match(pal.ref!.notes.join(), /palette indices/);
    const rgba = loadPair(img('ref_rgba.png'), img('cand_rgba.png'));
    assert.equal(rgba.ref!.channels, 4);
    assert.match(rgba.ref!.notes.join(), /alpha/);
    const bad = loadPair(img('bad.png'), img('cand.png'));
    assert.equal(bad.ref, null);
    assert.match(bad.problems[0], /bad\.png: not a PNG file/);
    assert.equal(bad.metrics, null);
    const deep = loadPair(img('gray16.png'), img('cand.png'));
    assert.match(deep.problems[0], /gray16\.png: 16-bit/);
    const sizes = loadPair(img('ref.png'), img('small.png'));
    assert.equal(sizes.metrics, null);
    assert.equal(sizes.cand!.width, 24);
  });

  // The timeout only turns a hang (metrics that never all arrive) into a failure.
  it('pairs stepwise folders in step order and golden outputs with their references', { timeout: 30_000 }, async () => {
    const r = pairImageFolders(join(dir, 'images/steps/ref'), join(dir, 'images/steps/mlx'));
    assert.equal(r.stepwise, true);
    assert.deepEqual(
      r.pairs.map((p) => p.step),
      [1, 2, 3, 4],
    );
    assert.deepEqual(r.onlyRef, ['seed_7_composite.png']);
    const g = goldenImagePairs(join(dir, 'images/resources'));
    assert.deepEqual(
      g.map((p) => p.label),
      ['flux_dev'],
    );
    // The timeline gets PSNR/SSIM for every step.
    const t = imageHost();
    const isMetrics = (m: unknown) => (m as { kind: string }).kind === 'pairMetrics';
    // Waits for the background metrics themselves: the fourth pairMetrics message, not a delay.
    let allPosted = (): void => {};
    const done = new Promise<void>((res) => (allPosted = res));
    const host: ImageDiffHost = {
      ...t.host,
      post: (m) => {
        t.host.post(m);
        if (t.posted.filter(isMetrics).length === 4) allPosted();
      },
    };
    const c = new ImageDiffController(
      specFor({ kind: 'folders', ref: join(dir, 'images/steps/ref'), cand: join(dir, 'images/steps/mlx') }),
      host,
    );
    await c.handle({ kind: 'ready', payload: {} });
    await done;
    const steps = t.posted.filter(isMetrics) as { payload: { id: number; psnr: number } }[];
    assert.deepEqual(
      steps.map((s) => s.payload.id),
      [0, 1, 2, 3],
    );
    // Uniform +5k shifts (clipped) give a PSNR that falls with k.
    assert.ok(steps[0].payload.psnr > steps[3].payload.psnr);
  });

  it('says so when two folders share no image names', () => {
    const s = specFor({ kind: 'folders', ref: join(dir, 'images/resources'), cand: join(dir, 'images/steps/mlx') });
    assert.equal(s.pairs.length, 0);
    assert.match(s.message!, /No PNGs with the same name/);
  });
});

describe('parity report host', () => {
  const source = { ref: join(dir, 'dumps/ref'), cand: join(dir, 'dumps/mlx') };
  function parityHost() {
    const posted: { kind: string; payload: unknown }[] = [];
    const rejected: unknown[] = [];
    const saved: string[] = [];
    const copied: string[] = [];
    const host: ParityHost = {
      post: (m) => posted.push(m as never),
      compare: (s, onProgress) => runCompare({ refPath: s.ref, candPath: s.cand, heatmaps: 'failing' }, { onProgress }),
      readValues: async (out, p) =>
        readLayerValues(await openTensors(out.report.ref_path), await openTensors(out.report.cand_path), p.ref_name, p.cand_name),
      save: async (f) => {
        saved.push(f);
      },
      copy: async (t) => {
        copied.push(t);
      },
      rejected: (r) => rejected.push(r),
    };
    return { host, posted, rejected, saved, copied };
  }

  it('sends the report, then layer details whose values are the dumps in the reference layout', async () => {
    const t = parityHost();
    const c = new ParityController(source, 'Parity: test', t.host);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted.find((m) => m.kind === 'init') as {
      payload: { report: { first_divergence: string; pairs: { name: string; transform: string; mismatch: number }[] } };
    };
    assert.ok(init, JSON.stringify(t.posted.filter((m) => m.kind === 'error')));
    assert.equal(init.payload.report.first_divergence, 'block2');
    assert.deepEqual(
      init.payload.report.pairs.map((p) => p.name),
      ['conv_in', 'block1', 'block2', 'conv_out'],
    );
    for (const p of init.payload.report.pairs) assert.equal(p.mismatch, exp.layers[p.name].mismatch);
    assert.ok(init.payload.report.pairs.every((p) => p.transform === 'nhwc_to_nchw'));
    await c.handle({ kind: 'selectLayer', payload: { name: 'block2' } });
    const layer = t.posted.find((m) => m.kind === 'layer') as {
      payload: { elements: { ref: Float32Array; cand: Float32Array }; heatmap: unknown; firstRef: number[] };
    };
    assert.deepEqual(Array.from(layer.payload.elements.ref), exp.layers.block2.ref.map(Math.fround));
    assert.deepEqual(Array.from(layer.payload.elements.cand), exp.layers.block2.cand.map(Math.fround));
    assert.ok(layer.payload.heatmap, 'failing layers carry a heatmap');
    // A passing layer has no engine heatmap; the host maps it from the values it re-read.
    await c.handle({ kind: 'selectLayer', payload: { name: 'conv_in' } });
    const pass = t.posted.filter((m) => m.kind === 'layer')[1] as {
      payload: { name: string; heatmap: { values: Float32Array; width: number; height: number } };
    };
    assert.equal(pass.payload.name, 'conv_in');
    assert.equal(pass.payload.heatmap.width * pass.payload.heatmap.height, 5 * 4);
    assert.equal(Math.max(...pass.payload.heatmap.values), Math.fround(exp.conv_in_max_abs));
    assert.ok(t.posted.every(isParityHostMessage), 'every host message passes the webview validator');
  });

  it('sends the pairs found by alignment marked aligned, with confidence, in a report the webview accepts', async () => {
    // the scenario's candidate names its attention blocks in its own style (attn.N.*): no map given
    const sc = ensureGenerated('scenario', 'test/fixtures/make_scenario.py');
    const t = parityHost();
    const c = new ParityController({ ref: join(sc, 'ref'), cand: join(sc, 'mlx', 'dump.safetensors') }, 'Parity: aligned', t.host);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted.find((m) => m.kind === 'init') as {
      payload: { report: { pairs: { name: string; cand_name: string; pairing: { by: string; confidence?: number } }[] } };
    };
    assert.ok(init, JSON.stringify(t.posted.filter((m) => m.kind === 'error')));
    const aligned = init.payload.report.pairs.filter((p) => p.pairing.by === 'aligned');
    assert.equal(aligned.length, 12);
    // the scenario renames attentions.N.x to attn.N.x: every aligned pair is the right one
    for (const p of aligned) {
      assert.equal(p.cand_name, p.name.replace(/^attentions\./, 'attn.'));
      assert.ok(p.pairing.confidence! >= 0.8 && p.pairing.confidence! <= 1, String(p.pairing.confidence));
    }
    assert.ok(isParityHostMessage(init), 'the aligned report passes the webview validator');
  });

  it('refuses unknown layers and malformed messages; exports and copies on request', async () => {
    const t = parityHost();
    const c = new ParityController(source, 'Parity: test', t.host);
    await c.handle({ kind: 'ready', payload: {} });
    const n = t.posted.length;
    for (const m of [
      { kind: 'selectLayer', payload: { name: 'not_a_layer' } },
      { kind: 'selectLayer', payload: { name: 3 } },
      { kind: 'exportReport', payload: { format: 'pdf' } },
      { kind: 'exportReport', payload: { format: 'html', html: '<script>' } },
      { kind: 'copyText', payload: { text: 'x'.repeat(200_000) } },
      { kind: 'toleranceChanged', payload: { name: 'nope', tolerance: { atol: 0, rtol: 0 } } },
      { kind: 'toleranceChanged', payload: { name: 'block2', tolerance: { atol: -1, rtol: 0 } } },
    ])
      assert.equal(await c.handle(m), false, JSON.stringify(m).slice(0, 80));
    assert.equal(t.posted.length, n);
    assert.equal(await c.handle({ kind: 'exportReport', payload: { format: 'json' } }), true);
    assert.equal(await c.handle({ kind: 'copyText', payload: { text: 'np.testing.assert_allclose(a, b)' } }), true);
    assert.deepEqual(t.saved, ['json']);
    assert.deepEqual(t.copied, ['np.testing.assert_allclose(a, b)']);
  });

  it('reports a missing folder as one error message', async () => {
    const t = parityHost();
    const c = new ParityController({ ref: join(dir, 'nope'), cand: source.cand }, 'x', t.host);
    await c.handle({ kind: 'ready', payload: {} });
    const err = t.posted.find((m) => m.kind === 'error') as { payload: { message: string } };
    assert.ok(err);
    assert.match(err.payload.message, /nope/);
    assert.ok(!/\n\s+at /.test(err.payload.message), 'no stack trace');
  });
});

describe('tensor viewer host', () => {
  const file = join(dir, 'tensors', 'model.safetensors');
  function host() {
    const posted: { kind: string; payload?: unknown; ok?: boolean; error?: string; inReplyTo?: number }[] = [];
    const rejected: unknown[] = [];
    return { posted, rejected, h: { post: (m: unknown) => posted.push(m as never), rejected: (r: unknown) => rejected.push(r) } };
  }

  it('lists tensors from the header, answers stats and previews like NumPy', async () => {
    const t = host();
    const c = new TensorViewerController(file, t.h);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted[0] as { payload: { tensors: { name: string; shape: number[] }[]; format: string; error: null } };
    assert.equal(init.payload.error, null);
    assert.equal(init.payload.format, 'safetensors');
    assert.deepEqual(init.payload.tensors.map((x) => x.name).sort(), [
      'blocks.0.attn.weight',
      'blocks.0.norm.scale',
      'blocks.1.attn.weight',
      'blocks.1.norm.scale',
      'embed.weight',
    ]);
    await c.handle({ kind: 'requestStats', requestId: 7, payload: { name: 'blocks.0.attn.weight' } });
    const stats = t.posted[1] as {
      inReplyTo: number;
      ok: boolean;
      payload: { min: number; max: number; mean: number; std: number; first: number[] };
    };
    assert.equal(stats.inReplyTo, 7);
    assert.equal(stats.payload.min, exp.stats.min);
    assert.equal(stats.payload.max, exp.stats.max);
    assert.ok(Math.abs(stats.payload.mean - exp.stats.mean) < 1e-12);
    assert.ok(Math.abs(stats.payload.std - exp.stats.std) < 1e-12);
    assert.deepEqual(stats.payload.first, exp.stats.first);
    await c.handle({ kind: 'requestPreview', requestId: 8, payload: { name: 'blocks.0.attn.weight' } });
    const prev = t.posted[2] as { payload: { width: number; height: number; values: Float32Array; note: string } };
    assert.equal(prev.payload.width, exp.preview.width);
    assert.equal(prev.payload.height, exp.preview.height);
    assert.deepEqual(Array.from(prev.payload.values), exp.preview.values.map(Math.fround));
    assert.match(prev.payload.note, /pooled to 150×40/);
    // A NaN wins its cell in the preview so it stays visible.
    await c.handle({ kind: 'requestPreview', requestId: 9, payload: { name: 'embed.weight' } });
    const e = t.posted[3] as { payload: { values: Float32Array } };
    assert.ok(Number.isNaN(e.payload.values[exp.embed_nan_row * 7 + 3]));
    assert.ok(t.posted.every(isTensorViewerHostMessage));
    c.dispose();
  });

  it('opens a torch.save file with nested names', async () => {
    const t = host();
    const c = new TensorViewerController(join(dir, 'tensors', 'small.pt'), t.h);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted[0] as { payload: { format: string; tensors: { name: string; shape: number[] }[] } };
    assert.equal(init.payload.format, 'torch.save');
    assert.deepEqual(init.payload.tensors.map((x) => [x.name, x.shape]).sort(), [
      ['encoder.bias', [3]],
      ['encoder.weight', [3, 4]],
    ]);
    await c.handle({ kind: 'requestStats', requestId: 3, payload: { name: 'encoder.weight' } });
    const s = t.posted[1] as { payload: { min: number; max: number; mean: number; first: number[] } };
    assert.deepEqual([s.payload.min, s.payload.max, s.payload.mean], [0, 11, 5.5]);
    assert.deepEqual(s.payload.first, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    c.dispose();
  });

  it('refuses names it did not list and malformed requests', async () => {
    const t = host();
    const c = new TensorViewerController(file, t.h);
    await c.handle({ kind: 'ready', payload: {} });
    assert.equal(await c.handle({ kind: 'requestStats', requestId: 1, payload: { name: '../../etc/passwd' } }), false);
    assert.equal(t.posted[1].ok, false);
    assert.match(t.posted[1].error!, /not a tensor of model\.safetensors/);
    for (const m of [
      { kind: 'requestStats', payload: { name: 'embed.weight' } },
      { kind: 'requestPreview', requestId: -2, payload: { name: 'embed.weight' } },
      { kind: 'requestStats', requestId: 1, payload: {} },
    ]) {
      assert.equal(await c.handle(m), false);
    }
    assert.equal(t.rejected.length, 4);
    c.dispose();
  });

  it('reports an unreadable file in the init message', async () => {
    const t = host();
    const c = new TensorViewerController(img('bad.png'), t.h);
    await c.handle({ kind: 'ready', payload: {} });
    const init = t.posted[0] as { payload: { error: string; tensors: unknown[] } };
    assert.ok(init.payload.error);
    assert.match(init.payload.error, /bad\.png/);
    assert.deepEqual(init.payload.tensors, []);
  });
});
