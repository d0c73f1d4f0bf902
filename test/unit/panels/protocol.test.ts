// The shared validators on both directions of each panel's channel: well-formed messages pass,
// wrong kinds, wrong types, wrong sizes and extra payload keys where none are allowed fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isImageDiffHostMessage, isImageDiffWebviewMessage } from '../../../src/protocol/imageDiff';
import { isParityHostMessage, isParityWebviewMessage } from '../../../src/protocol/parityReport';
import { isTensorViewerHostMessage, isTensorViewerWebviewMessage } from '../../../src/protocol/tensorViewer';

const img = (w: number, h: number, ch: 1 | 2 | 3 | 4 = 3) => ({
  path: '/a.png',
  width: w,
  height: h,
  channels: ch,
  values: new Uint8Array(w * h * ch),
  rgba: new Uint8Array(w * h * 4),
  colorType: 2,
  notes: [],
});
const pair = {
  name: 'a',
  ref_name: 'a',
  cand_name: 'a',
  ref: { dtype: 'F32', shape: [2] },
  cand: { dtype: 'F32', shape: [2] },
  transform: 'none',
  atol: 1e-5,
  rtol: 1e-5,
  max_abs: 0,
  mean_abs: 0,
  rel_l2: 0,
  cosine: 1,
  mismatch: 0,
  mismatch_ratio: 0,
  pass: true,
};

describe('image diff protocol', () => {
  it('host → webview', () => {
    assert.ok(isImageDiffHostMessage({ kind: 'pair', payload: { id: 0, ref: img(2, 2), cand: null, problems: [], metrics: null } }));
    assert.ok(isImageDiffHostMessage({ kind: 'pairMetrics', payload: { id: 1, psnr: null, ssim: 0.9 } }));
    for (const bad of [
      { kind: 'pair', payload: { id: 0, ref: { ...img(2, 2), rgba: new Uint8Array(3) }, cand: null, problems: [], metrics: null } },
      { kind: 'pair', payload: { id: 0, ref: { ...img(2, 2), values: new Uint8Array(4 * 4) }, cand: null, problems: [], metrics: null } },
      { kind: 'pair', payload: { id: 0, ref: { ...img(2, 2), channels: 5 }, cand: null, problems: [], metrics: null } },
      { kind: 'pair', payload: { id: 0, ref: { ...img(2, 2), rgba: [0, 0, 0, 0] }, cand: null, problems: [], metrics: null } },
      { kind: 'pairMetrics', payload: { id: 1, psnr: 'high', ssim: 0.9 } },
      { kind: 'pairMetrics', payload: { id: 1, psnr: Infinity, ssim: 0.9 } },
      {
        kind: 'init',
        payload: {
          title: 't',
          pairs: [],
          selected: 0,
          rule: { rtol: -1, atol: 0, threshold: 0.15 },
          stepwise: false,
          source: null,
          message: null,
        },
      },
      { kind: 'nope', payload: {} },
      null,
      [],
    ])
      assert.equal(isImageDiffHostMessage(bad), false, JSON.stringify(bad).slice(0, 120));
  });

  it('webview → host', () => {
    assert.ok(isImageDiffWebviewMessage({ kind: 'ready', payload: {} }));
    assert.ok(isImageDiffWebviewMessage({ kind: 'ruleChanged', payload: { rtol: 0.1, atol: 0, threshold: 0.15 } }));
    for (const bad of [
      { kind: 'ready', payload: { x: 1 } },
      { kind: 'selectPair', payload: { id: NaN } },
      { kind: 'revealFile', payload: { path: 'x'.repeat(5000) } },
      { kind: 'ruleChanged', payload: { rtol: 0.1, atol: 0, threshold: '0.15' } },
      { kind: 'selectPair', payload: { id: 0 }, requestId: -1 },
    ])
      assert.equal(isImageDiffWebviewMessage(bad), false, JSON.stringify(bad).slice(0, 120));
  });

  it('a kind named like an Object property is not a message (the checks are looked up by kind)', () => {
    for (const kind of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])
      for (const is of [
        isImageDiffHostMessage,
        isImageDiffWebviewMessage,
        isParityHostMessage,
        isParityWebviewMessage,
        isTensorViewerWebviewMessage,
      ])
        assert.equal(is({ kind, requestId: 1, payload: {} }), false, `${is.name} ${kind}`);
  });
});

describe('parity report protocol', () => {
  it('host → webview', () => {
    const report = { pairs: [pair], first_divergence: null, unmatched_ref: [], unmatched_cand: [] };
    assert.ok(isParityHostMessage({ kind: 'init', payload: { title: 't', refLabel: 'a', candLabel: 'b', report, source: null } }));
    const layer = {
      name: 'a',
      numel: 4,
      heatmap: { label: 'x', width: 2, height: 2, values: new Float32Array(4) },
      channels: [],
      firstRef: [1, null],
      firstCand: [1, 2],
      histogram: { edges: [0, 1, 2], counts: [3, 1] },
      elements: { ref: new Float32Array(4), cand: new Float32Array(4) },
      note: null,
    };
    assert.ok(isParityHostMessage({ kind: 'layer', payload: layer }));
    // how a pair was found: an aligned pair carries its confidence in [0, 1]
    const withPairing = (pairing: unknown) => ({
      kind: 'init',
      payload: { title: 't', refLabel: 'a', candLabel: 'b', report: { ...report, pairs: [{ ...pair, pairing }] }, source: null },
    });
    for (const ok of [{ by: 'name' }, { by: 'rule' }, { by: 'single' }, { by: 'aligned', confidence: 0.97, why: 'shape [1,4]' }])
      assert.ok(isParityHostMessage(withPairing(ok)), JSON.stringify(ok));
    for (const bad of [
      { by: 'aligned' },
      { by: 'aligned', confidence: 1.5 },
      { by: 'aligned', confidence: -0.1 },
      { by: 'aligned', confidence: null },
      { by: 'guessed', confidence: 0.9 },
      { by: 'aligned', confidence: 0.9, why: 7 },
      'aligned',
      null,
    ])
      assert.equal(isParityHostMessage(withPairing(bad)), false, JSON.stringify(bad));
    for (const bad of [
      {
        kind: 'init',
        payload: { title: 't', refLabel: 'a', candLabel: 'b', report: { ...report, pairs: [{ ...pair, pass: 'yes' }] }, source: null },
      },
      {
        kind: 'init',
        payload: {
          title: 't',
          refLabel: 'a',
          candLabel: 'b',
          report: { ...report, pairs: [{ ...pair, ref: { dtype: 'F32', shape: [-1] } }] },
          source: null,
        },
      },
      { kind: 'layer', payload: { ...layer, heatmap: { label: 'x', width: 3, height: 2, values: new Float32Array(4) } } },
      { kind: 'layer', payload: { ...layer, histogram: { edges: [0, 1], counts: [3, 1] } } },
      { kind: 'layer', payload: { ...layer, elements: { ref: new Float32Array(4), cand: new Float32Array(3) } } },
      { kind: 'layer', payload: { ...layer, firstRef: Array(100).fill(0) } },
    ])
      assert.equal(isParityHostMessage(bad), false);
  });

  it('webview → host', () => {
    assert.ok(isParityWebviewMessage({ kind: 'toleranceChanged', payload: { name: 'a', tolerance: { atol: 0, rtol: 0.1 } } }));
    for (const bad of [
      { kind: 'exportReport', payload: { format: 'html', html: '<b>' } },
      { kind: 'exportReport', payload: { format: 'pdf' } },
      { kind: 'copyText', payload: { text: 42 } },
      { kind: 'selectLayer', payload: {} },
      { kind: 'toleranceChanged', payload: { name: 'a', tolerance: { atol: NaN, rtol: 0 } } },
    ])
      assert.equal(isParityWebviewMessage(bad), false, JSON.stringify(bad));
  });
});

describe('tensor viewer protocol', () => {
  it('both directions', () => {
    assert.ok(isTensorViewerHostMessage({ kind: 'reply', inReplyTo: 3, ok: false, error: 'x: truncated' }));
    assert.ok(
      isTensorViewerHostMessage({
        kind: 'reply',
        inReplyTo: 3,
        ok: true,
        payload: { name: 'w', width: 2, height: 1, values: new Float32Array(2), note: null },
      }),
    );
    assert.equal(
      isTensorViewerHostMessage({
        kind: 'reply',
        inReplyTo: 3,
        ok: true,
        payload: { name: 'w', width: 2, height: 2, values: new Float32Array(2), note: null },
      }),
      false,
    );
    assert.equal(
      isTensorViewerHostMessage({
        kind: 'init',
        payload: {
          fileName: 'a',
          format: 'x',
          fileSize: 1,
          tensors: [{ name: 'a', dtype: 'F32', shape: [1.5], numel: 1, byteLength: 4, decodable: true }],
          error: null,
        },
      }),
      false,
    );
    assert.ok(isTensorViewerWebviewMessage({ kind: 'requestPreview', requestId: 0, payload: { name: 'a' } }));
    assert.equal(isTensorViewerWebviewMessage({ kind: 'requestPreview', payload: { name: 'a' } }), false);
    assert.equal(isTensorViewerWebviewMessage({ kind: 'requestStats', requestId: 1, payload: { name: ['a'] } }), false);
  });
});
