// Issue 7 end to end, with the packaged VSIX in a real VS Code: create a model package through
// the refactor preview, see a hygiene diagnostic in the Problems panel and apply its quick fix,
// commit a milestone (recorded on the checklist) and have one refused because the change still
// holds a tensor dump. Screenshots go to test-results/e2e/mflux-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureGenerated } from '../helpers/python';
import { halfWired, makeWorkspace } from '../fixtures/workspace';
import { IMAGE_COMPARE_PY, NOVA_MODEL_PY } from '../fixtures/goldenModel';
import { waitFor, withVSCode, type VSCodeSession } from './harness';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-mflux-e2e-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' }).stdout.trim();

const VAE = ['import numpy as np', '', '', 'def decode(latents):', '    np.save("latents.npy", latents)', '    return latents', ''].join(
  '\n',
);

/** Clicks a button of the modal dialog whose text matches, and returns that text. */
async function answerDialog(vs: VSCodeSession, match: RegExp, button: string, screenshot?: string): Promise<string> {
  const box = vs.page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  const text = (await box.innerText()).replace(/\s+/g, ' ');
  assert.match(text, match);
  if (screenshot) await vs.screenshot(screenshot);
  await box.getByRole('button', { name: button, exact: true }).click();
  await box.waitFor({ state: 'hidden', timeout: 15_000 });
  return text;
}

async function problemsText(vs: VSCodeSession): Promise<string> {
  return (
    (await vs.page
      .locator('.markers-panel')
      .first()
      .innerText()
      .catch(() => '')) ?? ''
  ).replace(/\s+/g, ' ');
}

test('scaffold with preview, hygiene quick fix, milestone commit and refusal', { timeout: 300_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'ws'), {
    models: ['flux2', halfWired('nova')],
    ports: [{ model: 'nova' }],
    files: { 'src/mflux/models/nova/model/vae.py': VAE },
  });
  const vaeFile = join(ws.mflux, 'src/mflux/models/nova/model/vae.py');
  const head0 = git(ws.mflux, 'rev-parse', 'HEAD');

  // MFLUX_PORT_E2E_VSIX: test a VSIX built elsewhere (the default is the one `npm run package` writes).
  await withVSCode(
    { workspace: ws.mflux, name: 'mflux', openView: true, vsix: process.env.MFLUX_PORT_E2E_VSIX || undefined },
    async (vs) => {
      // 1. Create Model Package: the files appear only after the preview is applied.
      await vs.runCommand('mflux Port: Create Model Package…');
      await vs.quickInput('zeta', { expect: 'Package name' });
      await vs.quickInput('acme/Zeta-1', { expect: 'Hugging Face repo id' });
      await vs.quickInput('', { expect: 'plain txt2img layout' });
      const apply = vs.page.getByRole('button', { name: 'Apply', exact: true });
      await apply.waitFor({ state: 'visible', timeout: 30_000 });
      const variant = join(ws.mflux, 'src/mflux/models/zeta/variants/txt2img/zeta.py');
      assert.equal(existsSync(variant), false, 'nothing is written before the preview is applied');
      // The new files come ticked; the optional pyproject wiring (needs confirmation) does not.
      const row = (label: string) => vs.page.locator('.bulk-edit-panel .monaco-list-row', { hasText: label }).first();
      await row('zeta_generate.py').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await row('zeta_generate.py').locator('input.edit-checkbox').isChecked(), true);
      assert.equal(await row('pyproject.toml').locator('input.edit-checkbox').isChecked(), false);
      await vs.screenshot('scaffold-preview');
      await apply.click();
      // The edit creates its files one after another: wait for all of them, naming any missing.
      const scaffolded = [
        'zeta_initializer.py',
        'weights/zeta_weight_mapping.py',
        'cli/zeta_generate.py',
        'latent_creator/zeta_latent_creator.py',
        'README.md',
      ].map((rel) => join(ws.mflux, 'src/mflux/models/zeta', rel));
      await waitFor(
        async () => [variant, ...scaffolded].every((f) => existsSync(f)),
        'the scaffolded package on disk',
        20_000,
        async () => `missing: ${[variant, ...scaffolded].filter((f) => !existsSync(f)).join(', ')}`,
      );
      assert.match(readFileSync(join(ws.mflux, 'src/mflux/models/zeta/README.md'), 'utf8'), /acme\/Zeta-1/);
      await vs.waitForNotification(/created \d+ file\(s\) under src\/mflux\/models\/zeta/);
      assert.doesNotMatch(
        readFileSync(join(ws.mflux, 'pyproject.toml'), 'utf8'),
        /mflux-generate-zeta/,
        'the unticked wiring was left out',
      );
      await vs.screenshot('scaffold-applied');
      await vs.page.keyboard.press('Escape');

      // 2. Hygiene: the dump in the port's VAE is a problem; its quick fix removes the line.
      await vs.openFile('src/mflux/models/nova/model/vae.py');
      await vs.page.keyboard.press('Control+Shift+M');
      await waitFor(
        async () => /NumPy tensor dump/.test(await problemsText(vs)),
        'the hygiene diagnostic in the Problems panel',
        30_000,
        () => problemsText(vs),
      );
      await vs.screenshot('hygiene-problem');
      // Cursor inside the call (Go to Line 5, column 6), then Quick Fix.
      await vs.page.locator('.monaco-editor .view-lines').first().click();
      await vs.goToLine(5, 6);
      await vs.page.keyboard.press('Control+.');
      const fix = vs.page.locator('.action-widget .monaco-list-row', { hasText: 'Remove this line' });
      await fix.first().waitFor({ state: 'visible', timeout: 15_000 });
      await vs.screenshot('hygiene-quick-fix');
      // The preferred fix is focused; Enter applies it (the menu's pointer shield swallows clicks).
      await vs.page.keyboard.press('Enter');
      await vs.page.keyboard.press('Control+S');
      // The save may be caught mid-write (an empty file): wait for the whole expected text.
      const fixedVae = VAE.replace('    np.save("latents.npy", latents)\n', '');
      await waitFor(
        async () => readFileSync(vaeFile, 'utf8') === fixedVae,
        'the dump line removed and saved',
        15_000,
        async () => readFileSync(vaeFile, 'utf8'),
      );
      await waitFor(
        async () => !/NumPy tensor dump/.test(await problemsText(vs)),
        'the diagnostic gone after the fix',
        15_000,
        () => problemsText(vs),
      );

      // 3. Commit Milestone: the fix is a tracked change, the new decoder an untracked file of the
      // package; both are committed (after a warning that the VAE items are still open) and the
      // commit is recorded on the checklist.
      writeFileSync(join(ws.mflux, 'src/mflux/models/nova/model/vae_decoder.py'), 'def decode(x):\n    return x\n');
      await vs.runCommand('mflux Port: Commit Milestone…');
      await vs.quickInput('VAE done', { expect: 'Commits every tracked change' });
      const warning = await answerDialog(
        vs,
        /3 item\(s\) of this milestone are still open: "[^"]+", "[^"]+", "[^"]+"/,
        'Commit Anyway',
        'milestone-open-items',
      );
      await vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor({ state: 'visible' });
      await vs.screenshot('milestone-stage-new-files');
      await vs.quickInput('', { expect: /1 new file\(s\) of nova are not tracked yet/ });
      await vs.waitForNotification(/committed "VAE done" as [0-9a-f]{10} \(2 file\(s\), 1 newly staged\)/, 30_000);
      assert.match(warning, /Commit "VAE done" anyway\?/);
      assert.equal(git(ws.mflux, 'log', '-1', '--format=%s'), 'VAE done');
      const sha = git(ws.mflux, 'rev-parse', 'HEAD');
      assert.notEqual(sha, head0);
      assert.deepEqual(git(ws.mflux, 'show', '--name-only', '--format=', 'HEAD').split('\n'), [
        'src/mflux/models/nova/model/vae.py',
        'src/mflux/models/nova/model/vae_decoder.py',
      ]);
      const stateFile = join(ws.mflux, '.mflux-port', 'nova.json');
      await waitFor(
        async () => readFileSync(stateFile, 'utf8').includes(sha),
        'the commit recorded on the checklist',
        15_000,
        async () => readFileSync(stateFile, 'utf8'),
      );
      const item = (
        JSON.parse(readFileSync(stateFile, 'utf8')) as {
          items: Record<string, { status: string; evidence: { kind: string; target: string; label?: string }[] }>;
        }
      ).items['order.milestoneVae'];
      assert.equal(item.status, 'done');
      assert.deepEqual(
        item.evidence.map((e) => [e.kind, e.target, e.label]),
        [['commit', sha, 'VAE done']],
      );
      await vs.screenshot('milestone-committed');

      // 4. A change that still dumps tensors is refused, naming file:line; nothing is committed.
      writeFileSync(
        vaeFile,
        readFileSync(vaeFile, 'utf8').replace('    return latents', '    mx.save("x.npy", latents)\n    return latents'),
      );
      await vs.runCommand('mflux Port: Commit Milestone…');
      await vs.quickInput('transformer done', { expect: 'Commits every tracked change' });
      await answerDialog(vs, /2 item\(s\) of this milestone are still open/, 'Commit Anyway');
      const refused = await vs.waitForNotification(/milestone not committed/, 30_000);
      assert.match(refused, /src\/mflux\/models\/nova\/model\/vae\.py:5:5: MLX tensor dump/);
      assert.equal(git(ws.mflux, 'rev-parse', 'HEAD'), sha);
      await vs.screenshot('milestone-refused');
    },
  );
});

test('HF cache tree, mapping coverage as report and diagnostics, finalize audit', { timeout: 300_000 }, async () => {
  // The generated Hugging Face cache (symlinked blobs, sharded transformer) and a port whose
  // mapping has placeholders and deliberate gaps (see test/unit/mflux/py/make_coverage_fixture.py).
  const fx = ensureGenerated('mflux-coverage', 'test/unit/mflux/py/make_coverage_fixture.py');
  const src = (rel: string) => readFileSync(join(fx, 'repo', rel), 'utf8');
  const weights = [
    'src/mflux/models/nova/weights/nova_weight_definition.py',
    'src/mflux/models/nova/weights/nova_weight_mapping.py',
    'src/mflux/models/shared/weights/shared_weight_mapping.py',
  ];
  const ws = makeWorkspace(join(tmp, 'cov'), {
    models: ['flux2', halfWired('nova')],
    ports: [{ model: 'nova', reference: 'acme/Nova-1' }],
    files: Object.fromEntries(weights.map((w) => [w, src(w)])),
  });
  await withVSCode(
    {
      workspace: ws.mflux,
      name: 'mflux-cov',
      openView: true,
      env: { HF_HUB_CACHE: join(fx, 'hub') },
      vsix: process.env.MFLUX_PORT_E2E_VSIX || undefined,
    },
    async (vs) => {
      await vs.runCommand('mflux Port: Show Mapping Coverage');
      const preview = await vs.webviewFrame(/^Preview /, 30_000);
      await preview.locator('body', { hasText: 'Weight mapping coverage: nova' }).waitFor({ timeout: 20_000 });
      const body = await preview.locator('body').innerText();
      assert.match(body, /transformer\s+mapping\s+45\s+29\s+16/);
      for (const key of [
        'pos_embed.freqs',
        'proj_out.bias',
        'transformer_blocks.{0..3}.attn.to_v.weight',
        'single_transformer_blocks.{0..1}.norm.linear.weight',
        'lm_head.weight',
        'decoder.up_blocks.2.resnets.0.conv1.weight',
      ]) {
        assert.ok(body.includes(key), `the report lists ${key}`);
      }
      await vs.screenshot('coverage-report');
      await vs.page.keyboard.press('Control+Shift+M');
      await waitFor(
        async () =>
          /transformer: 16 of 45 checkpoint keys are not consumed/.test(await problemsText(vs)) &&
          /"proj_out\.biass" matches no checkpoint key/.test(await problemsText(vs)),
        'coverage diagnostics on the mapping file',
        20_000,
        () => problemsText(vs),
      );
      await vs.screenshot('coverage-problems');

      // The cache tree: repo → snapshot → component → tensors, blocks folded.
      // Give the cache view the side bar: collapse the checklist, expand the cache (header titles toggle).
      await vs.view('Porting Checklist').locator('.pane-header h3.title').click();
      const cacheHeader = vs.view('Hugging Face Cache').locator('.pane-header');
      if ((await cacheHeader.getAttribute('aria-expanded')) !== 'true') await cacheHeader.locator('h3.title').click();
      await vs.expand('acme/Nova-1');
      await vs.expand('0123456789ab');
      await vs.expand('transformer');
      await vs.expand('transformer_blocks');
      const folded = vs.treeItem('{0..3}').first();
      await folded.waitFor({ state: 'visible', timeout: 20_000 });
      assert.match((await folded.locator('.label-description').textContent()) ?? '', /params .* ×4/);
      // Peek at one tensor: its stats, checked against NumPy on the same shard.
      await vs.expand('{0..3}');
      await vs.expand('attn');
      await vs.expand('to_q');
      await vs.treeItem('weight', { view: 'Hugging Face Cache' }).first().click();
      const peek = await vs.waitForNotification(/^transformer_blocks\.0\.attn\.to_q\.weight F32\[8, 8\]/);
      await vs.screenshot('hf-cache-tree');
      const want = JSON.parse(
        spawnSync(
          '/usr/bin/python3',
          [
            '-c',
            [
              'import json, struct, sys, glob, numpy as np',
              'for f in glob.glob(sys.argv[1] + "/*.safetensors"):',
              '    b = open(f, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])',
              '    t = h.get("transformer_blocks.0.attn.to_q.weight")',
              '    if t: a = np.frombuffer(b[8 + n + t["data_offsets"][0]:8 + n + t["data_offsets"][1]], dtype=np.float32)',
              'print(json.dumps([float(a.min()), float(a.max()), float(a.mean()), float(a.std()), [float(x) for x in a[:8]]]))',
            ].join('\n'),
            join(fx, 'hub/models--acme--Nova-1/snapshots/0123456789abcdef0123456789abcdef01234567/transformer'),
          ],
          { encoding: 'utf8' },
        ).stdout,
      ) as [number, number, number, number, number[]];
      const num = (label: string) => Number(new RegExp(`${label} (\\S+?)[,;]`).exec(peek)![1]);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
      assert.ok(
        close(num('min'), want[0]) && close(num('max'), want[1]) && close(num('mean'), want[2]) && close(num('std'), want[3]),
        `${peek} vs ${want}`,
      );
      const first = /first: (.*)$/.exec(peek)![1].split(', ').map(Number);
      first.forEach((v, i) => assert.ok(close(v, want[4][i]), `first[${i}] ${v} vs ${want[4][i]}`));

      await vs.runCommand('mflux Port: Run Finalize Audit');
      const audit = await vs.webviewFrame(/^Preview /, 30_000);
      await audit.locator('body', { hasText: 'Finalize audit: nova' }).waitFor({ timeout: 20_000 });
      const text = await audit.locator('body').innerText();
      assert.match(text, /❌ ModelConfig entry with aliases/);
      assert.match(text, /✅ Weight definition/);
      await vs.screenshot('finalize-audit');
    },
  );
});

test('golden test: created through the preview, listed in the Test Explorer, run with output kept', { timeout: 300_000 }, async () => {
  // A stand-in model whose "generation" is a seeded NumPy image, and mflux's image rule as the
  // facts describe it, so pytest really runs the generated test.
  const fake: Record<string, string> = {
    'src/mflux/utils/__init__.py': '',
    'src/mflux/models/nova/README.md': '# Nova\n\nA model.\n',
    'src/mflux/models/nova/variants/txt2img/nova.py': NOVA_MODEL_PY,
    'src/mflux/utils/image_compare.py': IMAGE_COMPARE_PY,
    'tests/__init__.py': '',
    'tests/image_generation/__init__.py': '',
  };
  const ws = makeWorkspace(join(tmp, 'golden'), { models: ['flux2', halfWired('nova')], ports: [{ model: 'nova' }], files: fake });
  const ref = join(ws.mflux, 'tests/resources/reference_nova.png');
  const mk = spawnSync('/usr/bin/python3', [
    '-c',
    `import numpy as np; from PIL import Image; Image.fromarray(np.random.default_rng(10).integers(0, 256, size=(64, 48, 3), dtype=np.uint8)).save(${JSON.stringify(ref)})`,
  ]);
  assert.equal(mk.status, 0, String(mk.stderr));
  const settings = { 'mfluxPort.goldenTest.pytestCommand': '/usr/bin/python3 -m pytest' };
  await withVSCode(
    {
      workspace: ws.mflux,
      name: 'mflux-golden',
      openView: true,
      settings,
      env: { PYTHONPATH: join(ws.mflux, 'src') },
      vsix: process.env.MFLUX_PORT_E2E_VSIX || undefined,
    },
    async (vs) => {
      await vs.runCommand('mflux Port: Create Golden Test…');
      await vs.quickInput('a red fox', { expect: 'Prompt' });
      await vs.quickInput('7 3 64 48', { expect: 'seed steps height width' });
      const apply = vs.page.getByRole('button', { name: 'Apply', exact: true });
      await apply.waitFor({ state: 'visible', timeout: 30_000 });
      await vs.screenshot('golden-preview');
      await apply.click();
      const testFile = join(ws.mflux, 'tests/image_generation/test_generate_image_nova.py');
      await waitFor(async () => existsSync(testFile), 'the golden test on disk', 20_000);
      assert.doesNotMatch(
        readFileSync(join(ws.mflux, 'src/mflux/models/nova/README.md'), 'utf8'),
        /## Tests/,
        'the optional README edit stayed unticked',
      );

      // The Test Explorer lists it; running it keeps the output next to the reference.
      // The gutter's run button of the test (the Test Explorer found it in the new file).
      const glyph = vs.page.locator('.monaco-editor .testing-run-glyph').first();
      await glyph.waitFor({ state: 'visible', timeout: 30_000 });
      await glyph.click();
      const note = await vs.waitForNotification(/test_image_generation_nova passed; output kept next to the reference/, 60_000);
      assert.ok(note);
      assert.ok(existsSync(join(ws.mflux, 'tests/resources/output_nova.png')), 'MFLUX_PRESERVE_TEST_OUTPUT kept the output');
      // Output vs reference in the image diff, from the notification.
      await vs.page.locator('.notifications-toasts .monaco-button', { hasText: 'Open Image Diff' }).first().click();
      await vs.page
        .locator('.tabs-container .tab', { hasText: /nova/ })
        .filter({ hasNotText: '.py' })
        .first()
        .waitFor({ state: 'visible', timeout: 20_000 });
      await vs.screenshot('golden-image-diff');
      await vs.page.keyboard.press('F1');
      const palette = vs.page.locator('.quick-input-widget .quick-input-box input');
      await palette.fill('>Testing: Focus on Test Explorer View');
      await vs.page
        .locator('.quick-input-widget .monaco-list-row[aria-label^="Testing: Focus on Test Explorer View"]')
        .first()
        .waitFor({ state: 'attached', timeout: 15_000 });
      await palette.press('Enter');
      await vs.page
        .locator('.monaco-list-row', { hasText: 'test_generate_image_nova.py' })
        .first()
        .waitFor({ state: 'visible', timeout: 20_000 });
      await vs.screenshot('golden-test-explorer');
    },
  );
});

test('restricted mode: milestone commits and the dump script are refused; static tools still work', { timeout: 180_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'restricted'), {
    models: ['flux2', halfWired('nova')],
    ports: [{ model: 'nova' }],
    files: { 'src/mflux/models/nova/model/vae.py': VAE },
  });
  writeFileSync(join(ws.mflux, 'src/mflux/models/nova/model/vae.py'), VAE.replace('np.save', 'np.savez'));
  const head = git(ws.mflux, 'rev-parse', 'HEAD');
  await withVSCode(
    {
      workspace: ws.mflux,
      name: 'mflux-restricted',
      openView: true,
      trust: 'restricted',
      vsix: process.env.MFLUX_PORT_E2E_VSIX || undefined,
    },
    async (vs) => {
      await vs.runCommand('mflux Port: Commit Milestone…');
      await vs.waitForNotification(/Commit Milestone is disabled in Restricted Mode/);
      await vs.runCommand('mflux Port: Show Mapping Coverage (Run Dump Script)');
      await vs.waitForNotification(/Running the dump script is disabled in Restricted Mode/);
      assert.equal(git(ws.mflux, 'rev-parse', 'HEAD'), head);
      // Reading files runs nothing: hygiene diagnostics still appear.
      await vs.page.keyboard.press('Control+Shift+M');
      await waitFor(
        async () => /NumPy tensor dump/.test(await problemsText(vs)),
        'the hygiene diagnostic in restricted mode',
        30_000,
        () => problemsText(vs),
      );
      await vs.screenshot('restricted');
    },
  );
});
