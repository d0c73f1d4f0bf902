// The image diff webview in headless Chromium, fed by a fake host. Expected values come from
// NumPy/PIL/scikit-image (test/fixtures/webview_images.py), never from the webview's code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import { ensureGenerated, pythonJson } from '../helpers/python';
import { computed, cssColour, openPanel, overflowing, themeVariables, useBrowser, type Harness } from './harness';
import type { LoadedImage } from '../../src/protocol/imageDiff';

// Browser globals used inside page.evaluate callbacks (this Node program has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type HTMLElement = any;
type HTMLCanvasElement = any;

const dir = ensureGenerated('webview-images', 'test/fixtures/webview_images.py');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  ratio: number;
  'ratio_rtol_0.02': number;
  'ratio_rtol_0.02_atol_3': number;
  psnr: number;
  max_abs: number;
  mean_abs: number;
  pixels: { x: number; y: number; ref: number[]; cand: number[]; pass: boolean[] }[];
};

/** RGB fixtures only: the channels PIL loads are R, G, B of pngjs' RGBA output. */
function decodeRgb(path: string): LoadedImage {
  const png = PNG.sync.read(readFileSync(path));
  const rgba = new Uint8Array(png.data);
  const values = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4) {
    values[j++] = rgba[i];
    values[j++] = rgba[i + 1];
    values[j++] = rgba[i + 2];
  }
  return { path, width: png.width, height: png.height, channels: 3, values, rgba, colorType: 2, notes: [] };
}

const ref = decodeRgb(join(dir, 'ref.png'));
const cand = decodeRgb(join(dir, 'cand.png'));
const init = (extra: Record<string, unknown> = {}) => ({
  kind: 'init',
  payload: {
    title: 'ref.png ↔ cand.png',
    pairs: [{ id: 0, label: 'ref.png', refPath: join(dir, 'ref.png'), candPath: join(dir, 'cand.png') }],
    selected: 0,
    rule: { rtol: 0.1, atol: 0, threshold: 0.15 },
    stepwise: false,
    source: { kind: 'files', ref: ref.path, cand: cand.path },
    message: null,
    ...extra,
  },
});

async function openLoaded(browser: Browser, theme: 'dark' | 'light' | 'hc' = 'dark'): Promise<Harness> {
  const h = await openPanel(browser, 'imageDiff', theme);
  await h.waitForPosted('ready');
  await h.send(init());
  await h.waitForPosted('selectPair');
  await h.send({ kind: 'pair', payload: { id: 0, ref, cand, problems: [], metrics: null } });
  await h.page.waitForSelector('#verdict-badge');
  return h;
}

async function setField(h: Harness, id: string, value: string): Promise<void> {
  const input = h.page.locator(`#${id} input`);
  await input.fill(value);
}

async function viewState(h: Harness, id: string) {
  return h.page.$eval(`#${id}-canvas`, (c) => ({
    scale: Number((c as HTMLElement).dataset.scale),
    ox: Number((c as HTMLElement).dataset.ox),
    oy: Number((c as HTMLElement).dataset.oy),
  }));
}

/** The colour a canvas shows at CSS point (px, py) of its box. */
async function canvasPixel(h: Harness, id: string, px: number, py: number): Promise<number[]> {
  return h.page.$eval(
    `#${id}-canvas`,
    (c, [x, y]) => {
      const cv = c as HTMLCanvasElement;
      const k = cv.width / cv.clientWidth;
      return Array.from(cv.getContext('2d')!.getImageData(Math.floor(x * k), Math.floor(y * k), 1, 1).data);
    },
    [px, py] as const,
  );
}

describe('image diff webview', () => {
  const browser = useBrowser();

  it('replays the mflux rule, flips the verdict with the threshold and rtol, and shows the PSNR', async () => {
    const h = await openLoaded(browser());
    const ratio = Number(await h.page.getAttribute('#mismatch-ratio', 'data-ratio'));
    assert.ok(Math.abs(ratio - expected.ratio) < 1e-12, `ratio ${ratio} vs numpy ${expected.ratio}`);
    assert.equal(await h.page.getAttribute('#verdict', 'data-pass'), 'true');
    const psnr = await h.page.textContent('[data-metric="PSNR"]');
    assert.equal(psnr, `${expected.psnr.toFixed(2)} dB`);
    assert.equal(await h.page.textContent('[data-metric="max |a−b|"]'), String(expected.max_abs));

    await setField(h, 'rule-threshold', String(expected.ratio * 0.9));
    await h.page.waitForSelector('#verdict[data-pass="false"]');
    await setField(h, 'rule-threshold', String(expected.ratio * 1.1));
    await h.page.waitForSelector('#verdict[data-pass="true"]');
    await setField(h, 'rule-rtol', '0.02');
    await h.page.waitForSelector('#verdict[data-pass="false"]');
    const r2 = Number(await h.page.getAttribute('#mismatch-ratio', 'data-ratio'));
    assert.ok(Math.abs(r2 - expected['ratio_rtol_0.02']) < 1e-12);
    await setField(h, 'rule-atol', '3');
    await h.page.waitForFunction(
      (want) => Math.abs(Number(document.querySelector('#mismatch-ratio')?.getAttribute('data-ratio')) - want) < 1e-12,
      expected['ratio_rtol_0.02_atol_3'],
    );
    const changed = (await h.posted()).filter((m) => m.kind === 'ruleChanged').pop();
    assert.deepEqual(changed?.payload, { rtol: 0.02, atol: 3, threshold: expected.ratio * 1.1 });
    await h.page.click('.file-link[data-side="candidate"]');
    assert.deepEqual((await h.waitForPosted('revealFile')).payload, { path: join(dir, 'cand.png') });
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('inspector shows both pixels, the difference and the per-element verdict', async () => {
    const h = await openLoaded(browser());
    for (const p of expected.pixels) {
      const v = await viewState(h, 'vp-a');
      const box = (await h.page.locator('#vp-a-canvas').boundingBox())!;
      await h.page.mouse.move(box.x + v.ox + (p.x + 0.5) * v.scale, box.y + v.oy + (p.y + 0.5) * v.scale);
      await h.page.waitForSelector(`#inspector[data-x="${p.x}"][data-y="${p.y}"]`);
      const rows = await h.page.$$eval('#inspector-table tr[data-row]', (trs) =>
        Object.fromEntries(
          trs.map((tr) => [
            (tr as HTMLElement).dataset.row,
            Array.from(tr.querySelectorAll('td') as HTMLElement[]).map((td: HTMLElement) => td.dataset.pass ?? td.textContent),
          ]),
        ),
      );
      assert.deepEqual(rows.ref, p.ref.map(String));
      assert.deepEqual(rows.cand, p.cand.map(String));
      assert.deepEqual(
        rows.diff,
        p.ref.map((r, i) => String(Math.abs(r - p.cand[i]))),
      );
      assert.deepEqual(rows.pass, p.pass.map(String));
    }
    await h.close();
  });

  it('keeps zoom and pan in sync between the two views and draws the right pixels', async () => {
    const h = await openLoaded(browser());
    await h.page.click('#zoom-1');
    await h.page.click('#zoom-in');
    await h.page.click('#zoom-in');
    const a = await viewState(h, 'vp-a');
    const b = await viewState(h, 'vp-b');
    assert.equal(a.scale, 4);
    assert.deepEqual(a, b);
    // Wheel on the right view zooms both, around the cursor.
    const boxB = (await h.page.locator('#vp-b-canvas').boundingBox())!;
    await h.page.mouse.move(boxB.x + 100, boxB.y + 100);
    await h.page.mouse.wheel(0, -240);
    await h.page.waitForFunction(() => Number((document.querySelector('#vp-a-canvas') as HTMLElement).dataset.scale) === 8);
    const a2 = await viewState(h, 'vp-a');
    assert.deepEqual(a2, await viewState(h, 'vp-b'));
    // The image point under the cursor stayed put.
    assert.ok(Math.abs((100 - a.ox) / a.scale - (100 - a2.ox) / a2.scale) < 1e-9);
    // Drag-pan on the left view moves both.
    const boxA = (await h.page.locator('#vp-a-canvas').boundingBox())!;
    await h.page.mouse.move(boxA.x + 200, boxA.y + 200);
    await h.page.mouse.down();
    await h.page.mouse.move(boxA.x + 150, boxA.y + 170, { steps: 3 });
    await h.page.mouse.up();
    const a3 = await viewState(h, 'vp-a');
    assert.equal(a3.ox, a2.ox - 50);
    assert.equal(a3.oy, a2.oy - 30);
    assert.deepEqual(a3, await viewState(h, 'vp-b'));
    // At the same screen point, the left view shows the reference pixel and the right one the candidate.
    const sx = 120;
    const sy = 90;
    const ix = Math.floor((sx - a3.ox) / a3.scale);
    const iy = Math.floor((sy - a3.oy) / a3.scale);
    const o = (iy * ref.width + ix) * 4;
    assert.deepEqual((await canvasPixel(h, 'vp-a', sx, sy)).slice(0, 3), Array.from(ref.rgba.slice(o, o + 3)));
    assert.deepEqual((await canvasPixel(h, 'vp-b', sx, sy)).slice(0, 3), Array.from(cand.rgba.slice(o, o + 3)));
    await h.close();
  });

  it('switches views by button and keyboard; difference shows |a−b| times the gain', async () => {
    const h = await openLoaded(browser());
    for (const [key, mode] of [
      ['2', 'swipe'],
      ['3', 'onion'],
      ['4', 'blink'],
      ['6', 'heat'],
      ['1', 'side'],
    ] as const) {
      await h.page.keyboard.press(key);
      assert.equal(await h.page.getAttribute('#viewer', 'data-mode'), mode);
      assert.equal(await h.page.isVisible('#vp-b'), mode === 'side');
    }
    await h.page.click('vscode-button[data-mode="diff"]');
    assert.equal(await h.page.getAttribute('#viewer', 'data-mode'), 'diff');
    await h.page.click('#zoom-1');
    await h.page.click('#zoom-in');
    await h.page.click('#zoom-in');
    await h.page.click('#zoom-in');
    const v = await viewState(h, 'vp-a');
    const sx = 300;
    const sy = 200;
    const ix = Math.floor((sx - v.ox) / v.scale);
    const iy = Math.floor((sy - v.oy) / v.scale);
    const o = (iy * ref.width + ix) * 4;
    const want = [0, 1, 2].map((c) => Math.min(255, Math.abs(ref.rgba[o + c] - cand.rgba[o + c]) * 8));
    assert.deepEqual((await canvasPixel(h, 'vp-a', sx, sy)).slice(0, 3), want);
    await h.page.keyboard.press('6');
    assert.equal(await h.page.isVisible('#legend'), true);
    assert.match((await h.page.textContent('#legend'))!, new RegExp(`0${expected.max_abs}$`));
    await h.close();
  });

  it('labels each pane for its mode: back to side by side, the reference pane names the reference again', async () => {
    const h = await openLoaded(browser());
    const sideA = `Reference · ref.png · ${ref.width}×${ref.height} RGB`;
    const sideB = `Candidate · cand.png · ${cand.width}×${cand.height} RGB`;
    assert.equal(await h.page.textContent('#vp-a-tag'), sideA);
    assert.equal(await h.page.textContent('#vp-b-tag'), sideB);
    await h.page.click('vscode-button[data-mode="heat"]');
    assert.match((await h.page.textContent('#vp-a-tag'))!, /^Heatmap of max \|a−b\|/);
    await h.page.click('vscode-button[data-mode="side"]');
    assert.equal(await h.page.textContent('#vp-a-tag'), sideA);
    assert.equal(await h.page.textContent('#vp-b-tag'), sideB);
    for (const key of ['2', '3', '5', '1']) await h.page.keyboard.press(key);
    assert.equal(await h.page.textContent('#vp-a-tag'), sideA);
    await h.close();
  });

  it('explains pairs that cannot be compared: different sizes, unreadable file', async () => {
    const h = await openPanel(browser(), 'imageDiff', 'dark');
    await h.waitForPosted('ready');
    await h.send(init());
    await h.waitForPosted('selectPair');
    const small: LoadedImage = {
      ...ref,
      width: 128,
      height: 96,
      values: ref.values.slice(0, 128 * 96 * 3),
      rgba: ref.rgba.slice(0, 128 * 96 * 4),
    };
    await h.send({ kind: 'pair', payload: { id: 0, ref, cand: small, problems: [], metrics: null } });
    await h.page.waitForSelector('#notes li');
    assert.match((await h.page.textContent('#notes'))!, /Sizes differ \(256×192 vs 128×96\)/);
    assert.equal(await h.page.getAttribute('vscode-button[data-mode="diff"]', 'disabled'), '');
    assert.match((await h.page.textContent('#verdict'))!, /cannot judge/);
    await h.screenshot('imageDiff-size-mismatch-dark');
    await h.send({
      kind: 'pair',
      payload: { id: 0, ref: null, cand, problems: ['ref.png: not a PNG file (bad signature)'], metrics: null },
    });
    await h.page.waitForSelector('#vp-a-message:not([hidden])');
    assert.equal(await h.page.textContent('#vp-a-message'), 'ref.png: not a PNG file (bad signature)');
    // A malformed message is dropped without breaking the panel.
    await h.send({ kind: 'pair', payload: { id: 0, ref: { width: 2 }, cand: null, problems: [], metrics: null } });
    await h.send({ kind: 'pair', payload: { id: 0, ref, cand, problems: [], metrics: null } });
    await h.page.waitForSelector('#verdict-badge');
    assert.deepEqual(await h.errors(), []);
    await h.close();
  });

  it('several pairs (golden outputs, run folders): a picker and [ ] switch between them', async () => {
    const h = await openPanel(browser(), 'imageDiff', 'dark');
    await h.waitForPosted('ready');
    const pairs = [
      { id: 0, label: 'flux_dev', refPath: join(dir, 'ref.png'), candPath: join(dir, 'cand.png') },
      { id: 1, label: 'flux_schnell', refPath: join(dir, 'cand.png'), candPath: join(dir, 'ref.png') },
    ];
    await h.send(init({ pairs, title: 'Golden images (2)' }));
    await h.waitForPosted('selectPair');
    await h.send({ kind: 'pair', payload: { id: 0, ref, cand, problems: [], metrics: null } });
    await h.page.waitForSelector('#verdict-badge');
    assert.equal(await h.page.isVisible('#pair-select'), true);
    await h.page.keyboard.press(']');
    assert.deepEqual((await h.waitForPosted('selectPair', 2)).payload, { id: 1 });
    // The swapped pair is judged against the other image as reference: the rule is asymmetric.
    await h.send({ kind: 'pair', payload: { id: 1, ref: cand, cand: ref, problems: [], metrics: null } });
    await h.page.waitForFunction(
      (r0: number) => Number(document.querySelector('#mismatch-ratio')?.getAttribute('data-ratio')) !== r0,
      expected.ratio,
    );
    const swapped = pythonJson<number>(
      `import sys,numpy as np
from PIL import Image
R=np.array(Image.open(sys.argv[1])); C=np.array(Image.open(sys.argv[2]))
print(float(1-np.isclose(R,C,rtol=0.1,atol=0).mean()))`,
      [join(dir, 'ref.png'), join(dir, 'cand.png')],
    );
    assert.ok(Math.abs(Number(await h.page.getAttribute('#mismatch-ratio', 'data-ratio')) - swapped) < 1e-12);
    await h.page.keyboard.press('[');
    assert.deepEqual((await h.waitForPosted('selectPair', 3)).payload, { id: 0 });
    await h.close();
  });

  it('shows an empty state when there is nothing to compare', async () => {
    const h = await openPanel(browser(), 'imageDiff', 'light');
    await h.waitForPosted('ready');
    await h.send(init({ pairs: [], message: 'No images with matching names in ref/ and mlx/.' }));
    await h.page.waitForSelector('#empty:not([hidden])');
    assert.equal(await h.page.textContent('#empty'), 'No images with matching names in ref/ and mlx/.');
    await h.screenshot('imageDiff-empty-light');
    await h.close();
  });

  it('stepwise timeline: slider selects steps, chart shows metrics per step', async () => {
    const steps = readdirSync(join(dir, 'steps', 'ref')).sort(
      (a, b) => Number(a.match(/step(\d+)/)![1]) - Number(b.match(/step(\d+)/)![1]),
    );
    const pairs = steps.map((f, i) => ({
      id: i,
      label: f,
      refPath: join(dir, 'steps', 'ref', f),
      candPath: join(dir, 'steps', 'mlx', f),
      step: i + 1,
      steps: steps.length,
    }));
    for (const theme of ['dark', 'light'] as const) {
      const h = await openPanel(browser(), 'imageDiff', theme, { width: 1280, height: 800 });
      await h.waitForPosted('ready');
      await h.send(init({ pairs, stepwise: true, title: 'Stepwise: ref ↔ mlx (seed 42)' }));
      await h.waitForPosted('selectPair');
      for (let i = 0; i < pairs.length; i++)
        await h.send({ kind: 'pairMetrics', payload: { id: i, psnr: 40 - 3 * i, ssim: 0.99 - 0.01 * i } });
      const load = (i: number) =>
        h.send({
          kind: 'pair',
          payload: { id: i, ref: decodeRgb(pairs[i].refPath), cand: decodeRgb(pairs[i].candPath), problems: [], metrics: null },
        });
      await load(0);
      await h.page.waitForSelector('#verdict-badge');
      await h.page.locator('#step').fill('4');
      const sel = await h.waitForPosted('selectPair', 2);
      assert.deepEqual(sel.payload, { id: 4 });
      await load(4);
      await h.page.waitForFunction(() => /step 5 of 6/.test(document.querySelector('#step-label')?.textContent ?? ''));
      assert.match((await h.page.textContent('#step-label'))!, /PSNR 28\.00 dB · SSIM 0\.9500/);
      await h.screenshot(`imageDiff-stepwise-${theme}`);
      await h.close();
    }
  });

  it('in a narrow editor (350 px) the images keep their room and no button is cut off', async () => {
    const h = await openPanel(browser(), 'imageDiff', 'dark', { width: 350, height: 700 });
    await h.waitForPosted('ready');
    await h.send(init());
    await h.waitForPosted('selectPair');
    await h.send({ kind: 'pair', payload: { id: 0, ref, cand, problems: [], metrics: null } });
    await h.page.waitForSelector('#verdict-badge');
    for (const id of ['vp-a', 'vp-b']) {
      const box = (await h.page.locator(`#${id}-canvas`).boundingBox())!;
      assert.ok(box.width >= 300 && box.height >= 150 && box.y + box.height <= 700, `${id} ${JSON.stringify(box)}`);
    }
    for (const b of await h.page.locator('.toolbar vscode-button').all()) {
      const box = (await b.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 350, `${await b.textContent()} at ${box.x}+${box.width}`);
    }
    await h.screenshot('imageDiff-narrow-dark');
    await h.page.keyboard.press('6');
    const heat = (await h.page.locator('#vp-a-canvas').boundingBox())!;
    assert.ok(heat.width >= 300 && heat.height >= 150, `heatmap ${JSON.stringify(heat)}`);
    await h.close();
  });

  for (const theme of ['dark', 'light', 'hc'] as const)
    it(`follows the ${theme} theme in every view: page, pane labels, verdict badge; nothing overflows`, async () => {
      const vars = themeVariables(theme);
      const h = await openLoaded(browser(), theme);
      const colour = (name: string) => cssColour(h.page, vars[name]);
      const body = await computed(h.page, 'body', ['background-color', 'color']);
      assert.equal(body['background-color'], await colour('--vscode-editor-background'), 'page background');
      assert.equal(body.color, await colour('--vscode-foreground'), 'page text');
      // the fixture passes the mflux rule at its defaults (NumPy: expected.ratio under 0.15)
      assert.ok(expected.ratio <= 0.15);
      assert.match((await h.page.getAttribute('#verdict-badge', 'class'))!, /\bpass\b/);
      const badge = await computed(h.page, '#verdict-badge', ['background-color', 'color', 'border-top-color']);
      if (theme === 'hc') {
        assert.equal(badge['background-color'], 'rgba(0, 0, 0, 0)', 'the badge is outlined, not filled');
        assert.equal(badge['border-top-color'], await colour('--vscode-contrastBorder'));
        assert.equal(badge.color, await colour('--vscode-foreground'));
      } else {
        assert.equal(badge['background-color'], await colour('--vscode-testing-iconPassed'));
        assert.equal(badge.color, await colour('--vscode-editor-background'));
      }
      const p = expected.pixels[2];
      for (const [key, mode] of [
        ['1', 'side'],
        ['6', 'heat'],
        ['5', 'diff'],
        ['2', 'swipe'],
      ] as const) {
        await h.page.keyboard.press(key);
        assert.equal(await h.page.getAttribute('#viewer', 'data-mode'), mode);
        // hovering a pixel fills the inspector; the label names the view, in the widget colours
        const box = (await h.page.locator('#vp-a-canvas').boundingBox())!;
        const v = await viewState(h, 'vp-a');
        await h.page.mouse.move(box.x + v.ox + (p.x + 0.5) * v.scale, box.y + v.oy + (p.y + 0.5) * v.scale);
        await h.page.waitForFunction(
          (want: string) => document.querySelector('#inspector')?.textContent?.includes(want),
          `x ${p.x}, y ${p.y}`,
        );
        const label = await computed(h.page, '#vp-a-tag', ['background-color', 'color']);
        assert.equal(label['background-color'], await colour('--vscode-editorWidget-background'), `${mode} label`);
        assert.equal(label.color, await colour('--vscode-editorWidget-foreground'), `${mode} label text`);
        const tag = (await h.page.locator('#vp-a-tag').boundingBox())!;
        assert.ok(tag.x >= box.x && tag.x + tag.width <= box.x + box.width, `${mode} label inside its pane`);
        assert.deepEqual(await overflowing(h.page), [], `${mode}: nothing sticks out of the viewport`);
        await h.screenshot(`imageDiff-${mode}-${theme}`);
      }
      assert.deepEqual(await h.errors(), []);
      await h.close();
    });
});
