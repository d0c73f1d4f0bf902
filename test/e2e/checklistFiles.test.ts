// The checklist's state files in a real VS Code, in restricted mode (the checklist must work
// there): outside edits are picked up, a broken file shows as an error node and is never
// overwritten, auto-checks verify items from the files, Next Step reveals the first open item,
// and the Markdown export opens as a document.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { halfWired, makeWorkspace, writePortState } from '../fixtures/workspace';
import { waitFor, withVSCode, type VSCodeSession } from './harness';
import { waitBadge, waitViewDescription } from './checklistView';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mflux-port-checklist-files-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function description(vs: VSCodeSession, label: string): Promise<string> {
  const row = vs.treeItem(label).first();
  await row.waitFor({ state: 'visible' });
  const desc = row.locator('.label-description');
  return (await desc.count()) ? ((await desc.first().textContent()) ?? '') : '';
}

test('state files: outside edits, broken files, auto-checks, next step and export (restricted mode)', { timeout: 240_000 }, async () => {
  const ws = makeWorkspace(join(tmp, 'ws'), { models: ['flux2', halfWired('z_image')] });
  const file = writePortState(ws.mflux, { model: 'z_image', items: { 'scope.targets': { status: 'done' } } });
  await withVSCode({ workspace: ws.mflux, name: 'checklist-files', trust: 'restricted', openView: true }, async (vs) => {
    await vs.treeItem('z_image').first().waitFor({ state: 'visible' });
    await waitViewDescription(vs, 'z_image 1/52');
    await waitBadge(vs, 'z_image', '51');
    assert.equal(await vs.isChecked('Set parity targets: outputs, speed, memory'), true);

    // Auto-checks run on the files of the half-wired model.
    await vs.expand('2. Port fast to reference');
    await waitFor(
      async () => /verified/.test(await description(vs, 'Create the model package skeleton')),
      'the skeleton item to be verified from files',
    );
    assert.doesNotMatch(await description(vs, 'Add the runner pair (reference script + mflux script)'), /verified/);

    // An edit made outside (text editor, git checkout) shows up without any command.
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.items['scope.tolerances'] = { status: 'done', note: 'bf16 atol 1e-2', reviewer: 'kept' };
    json.ci = { keep: true };
    writeFileSync(file, JSON.stringify(json, null, 2));
    await waitFor(() => vs.isChecked('Choose tolerances'), 'the outside edit to check "Choose tolerances"');
    assert.match(await description(vs, 'Choose tolerances'), /bf16 atol 1e-2/);

    // A click in the tree writes the file and keeps the fields the extension does not know.
    await vs.treeCheckbox('Find the reference code and configs to mirror').first().click();
    await waitFor(
      async () => JSON.parse(readFileSync(file, 'utf8')).items['scope.referenceFiles']?.status === 'done',
      'the checkbox to be saved',
    );
    let saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.items['scope.tolerances'].reviewer, 'kept');
    assert.deepEqual(saved.ci, { keep: true });

    // Items the files prove can be checked off in one go; an absence check ("no debug
    // artifacts") is true on a fresh repo and must not tick its item.
    await vs.runCommand('mflux Port: Check Off Verified Items');
    await waitFor(
      async () => JSON.parse(readFileSync(file, 'utf8')).items['fast.weightMapping']?.status === 'done',
      'the verified items to be saved',
    );
    const verified = JSON.parse(readFileSync(file, 'utf8')).items;
    for (const id of ['fast.skeleton', 'fast.variantInitializer', 'fast.weightDefinition', 'fast.weightMapping'])
      assert.equal(verified[id]?.status, 'done', id);
    assert.equal(verified['order.removeTraces'], undefined);
    // Evidence: the class and its first ComponentDefinition, the lines as the file has them.
    const defRel = 'src/mflux/models/z_image/weights/z_image_weight_definition.py';
    const defLines = readFileSync(join(ws.mflux, defRel), 'utf8').split('\n');
    const lineOf = (re: RegExp) => defLines.findIndex((l) => re.test(l)) + 1;
    assert.deepEqual(
      verified['fast.weightDefinition'].evidence.map((e: { target: string; line?: number }) => [e.target, e.line]),
      [
        [defRel, lineOf(/^class ZImageWeightDefinition/)],
        [defRel, lineOf(/ComponentDefinition\(/)],
      ],
    );
    await waitFor(() => vs.isChecked('Write the weight definition'), 'the tree to show the checked-off items');

    // Next Step selects the first open item.
    await vs.runCommand('mflux Port: Next Step');
    await waitFor(
      async () => (await vs.treeItem('Identify the checkpoint and cache it').first().getAttribute('aria-selected')) === 'true',
      'the next open item to be selected',
    );
    await vs.screenshot('next-step');

    saved = JSON.parse(readFileSync(file, 'utf8'));

    // Export opens the Markdown as a document.
    await vs.runCommand('mflux Port: Export Checklist as Markdown');
    await waitFor(
      async () =>
        /## Port of `z_image` to mflux — 7\/52 done/.test(
          (await vs.page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' '),
        ),
      'the exported Markdown document',
    );
    await vs.screenshot('export');

    // Auto-checks rerun when the files they read change (debounced, no command needed).
    await vs.expand('6. Finalize');
    assert.doesNotMatch(await description(vs, 'Model README'), /verified/);
    writeFileSync(join(ws.mflux, 'src', 'mflux', 'models', 'z_image', 'README.md'), '# Z-Image\n\nText-to-image from Tongyi.\n');
    await waitFor(
      async () => /verified/.test(await description(vs, 'Model README')),
      'the model README item to be verified after the file appears',
      20_000,
      () => description(vs, 'Model README'),
    );
    await vs.screenshot('verified-after-edit');

    // A broken file becomes an error node naming the reason, and nothing overwrites it.
    const broken = '{ "schema": 1, "model": "z_image", "items": { oops } }';
    writeFileSync(file, broken);
    await vs.treeItem('z_image.json').first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await description(vs, 'z_image.json'), /not valid JSON at line 1/);
    await vs.runCommand('mflux Port: Refresh Checklist');
    await sleep(1500);
    assert.equal(readFileSync(file, 'utf8'), broken);
    await vs.screenshot('broken-file');
    await vs.treeItem('z_image.json').first().click();
    await waitFor(
      async () => (await vs.page.locator('.tabs-container .tab.active .label-name').innerText()) === 'z_image.json',
      'the broken file to open in an editor',
    );

    // Fixing it by hand brings the port back with its progress.
    writeFileSync(file, JSON.stringify(saved, null, 2));
    await vs.treeItem('z_image').first().waitFor({ state: 'visible', timeout: 20_000 });
    await waitViewDescription(vs, 'z_image 7/52');
    await waitBadge(vs, 'z_image', '45');
  });
});
