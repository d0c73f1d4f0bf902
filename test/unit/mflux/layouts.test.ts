// The checklist rules and the finalize audit on packages that follow the other real layouts
// (depth estimator, upscaler, companion VLM; see layoutFixtures.ts): each rule passes or says
// "not applicable", and the same rules fail once the convention they discovered is broken.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RuleRegistry, runRule } from '../../../src/core/checklist/rules';
import type { CheckResult } from '../../../src/core/checks';
import { runFinalizeAudit } from '../../../src/core/mflux/audit';
import { finalizeAuditRule, withHygiene } from '../../../src/core/mflux/checklistRules';
import { companionOf, findInitializers, findVariantClasses } from '../../../src/core/mflux/conventions';
import { initRepo, tempDir, write } from './fixtures';
import { buildLayoutTree } from './layoutFixtures';

/** Every rule as the extension registers them (hygiene and the full audit plugged in). */
async function statuses(root: string, model: string): Promise<Record<string, CheckResult>> {
  const reg = new RuleRegistry();
  reg.add(withHygiene(reg.get('debugArtifacts')));
  reg.add(finalizeAuditRule());
  const out: Record<string, CheckResult> = {};
  for (const r of reg.list()) out[r.id] = await runRule(r, { mfluxRepo: root, model });
  return out;
}

function byStatus(results: Record<string, CheckResult>, status: string): string[] {
  return Object.entries(results)
    .filter(([, r]) => r.status === status)
    .map(([id]) => id)
    .sort();
}

function tree(): string {
  const root = buildLayoutTree(tempDir('mfp-layouts-'));
  initRepo(root);
  return root;
}

test('conventions: initializer and variant class found where each package keeps them', () => {
  const root = tree();
  const pkg = (m: string, ...p: string[]) => join(root, 'src/mflux/models', m, ...p);
  assert.deepEqual(
    findInitializers(root, 'gauge').map((c) => [c.file, c.cls, c.line, c.at]),
    [[pkg('gauge', 'gauge_initializer.py'), 'GaugeInitializer', 4, 6]],
  );
  assert.deepEqual(
    findVariantClasses(root, 'gauge').map((c) => [c.file, c.cls, c.line, c.at]),
    [[pkg('gauge', 'model', 'gauge.py'), 'Gauge', 5, 8]],
  );
  assert.deepEqual(
    findVariantClasses(root, 'lift').map((c) => [c.file, c.cls, c.line, c.at]),
    [[pkg('lift', 'variants', 'upscale', 'lift.py'), 'Lift', 7, 10]],
  );
  const c = companionOf(root, 'muse_vlm');
  assert.deepEqual(c && [c.parent, c.importFile, c.importLine, c.docFile, c.docLine], [
    'muse',
    pkg('muse', 'variants', 'txt2img', 'muse_util.py'),
    1,
    pkg('muse', 'README.md'),
    6,
  ]);
  // A package with its own README, or one that is an image generator, is nobody's companion.
  assert.equal(companionOf(root, 'gauge'), undefined);
  assert.equal(companionOf(root, 'muse'), undefined);
});

test('depth-estimator layout: every rule passes or is not applicable; the audit agrees', async () => {
  const root = tree();
  const r = await statuses(root, 'gauge');
  assert.deepEqual(byStatus(r, 'fail'), []);
  assert.deepEqual(byStatus(r, 'unknown'), []);
  assert.deepEqual(byStatus(r, 'not_applicable'), ['cliCallbacks', 'cliDefaults', 'modelConfig', 'saveRouting']);
  assert.equal(
    r.packageLayout.reason,
    'src/mflux/models/gauge/ has cli/, model/, weights/ and __init__.py; no latent_creator/ (it is not an image generator); no variants/ (its variant class Gauge is in model/).',
  );
  assert.match(
    r.variantInitializer.reason,
    /variant class in src\/mflux\/models\/gauge\/model\/gauge\.py:5 \(calls GaugeInitializer at line 8\)/,
  );
  assert.deepEqual(
    r.goldenTest.evidence.map((e) => [e.file, e.line]),
    [[join(root, 'tests/depth/test_gauge.py'), 11]],
  );
  const audit = runFinalizeAudit({ root, model: 'gauge' });
  assert.deepEqual(
    audit.filter((i) => i.result.status === 'fail').map((i) => i.id),
    [],
  );
  assert.deepEqual(
    audit.filter((i) => i.result.status === 'not_applicable').map((i) => i.id),
    ['model-config', 'defaults-choices', 'defaults-steps', 'save-routing'],
  );

  // Without the initializer call nothing says where the variant class is: variants/ is asked for.
  writeFileSync(join(root, 'src/mflux/models/gauge/model/gauge.py'), 'class Gauge:\n    pass\n');
  const broken = await statuses(root, 'gauge');
  assert.equal(broken.packageLayout.status, 'fail');
  assert.equal(broken.packageLayout.reason, 'src/mflux/models/gauge/ lacks variants/.');
  assert.equal(broken.variantInitializer.status, 'fail');
  assert.match(broken.variantInitializer.reason, /^Missing a variant class under src\/mflux\/models\/gauge\/variants\/txt2img\//);
});

test('upscaler layout: the variant class in variants/upscale/ counts', async () => {
  const root = tree();
  const r = await statuses(root, 'lift');
  assert.deepEqual(byStatus(r, 'fail'), []);
  assert.deepEqual(byStatus(r, 'not_applicable'), ['cliDefaults', 'saveRouting']);
  assert.deepEqual(
    r.variantInitializer.evidence.map((e) => [e.file, e.line]),
    [
      [join(root, 'src/mflux/models/lift/lift_initializer.py'), 4],
      [join(root, 'src/mflux/models/lift/variants/upscale/lift.py'), 7],
    ],
  );
  assert.equal(r.packageLayout.reason, 'src/mflux/models/lift/ has cli/, latent_creator/, model/, variants/, weights/ and __init__.py.');
  const audit = runFinalizeAudit({ root, model: 'lift' });
  assert.deepEqual(
    audit.filter((i) => i.result.status === 'fail').map((i) => i.id),
    [],
  );
});

test('companion layout: its parent has the READMEs and images; undocumented, it is held to them', async () => {
  const root = tree();
  const r = await statuses(root, 'muse_vlm');
  assert.deepEqual(byStatus(r, 'fail'), []);
  assert.deepEqual(byStatus(r, 'not_applicable'), [
    'cliCallbacks',
    'cliDefaults',
    'goldenTest',
    'mainReadme',
    'modelConfig',
    'modelReadme',
    'referenceImage',
    'saveRouting',
  ]);
  assert.equal(
    r.modelReadme.reason,
    "Not applicable: muse_vlm is a companion of muse (imported at src/mflux/models/muse/variants/txt2img/muse_util.py:1, documented at src/mflux/models/muse/README.md:6), so the model README is muse's.",
  );
  const audit = runFinalizeAudit({ root, model: 'muse_vlm' });
  assert.deepEqual(
    audit.filter((i) => i.result.status === 'fail').map((i) => i.id),
    [],
  );
  assert.deepEqual(
    audit.filter((i) => i.result.status === 'not_applicable').map((i) => i.id),
    ['model-config', 'defaults-choices', 'defaults-steps', 'save-routing', 'readme-row', 'model-readme', 'golden-test', 'reference-image'],
  );

  // The parent's README no longer says a word about it: it needs its own.
  writeFileSync(join(root, 'src/mflux/models/muse/README.md'), '# Muse\n\nImages.\n');
  const alone = await statuses(root, 'muse_vlm');
  assert.deepEqual(byStatus(alone, 'fail'), ['finalizeAudit', 'goldenTest', 'mainReadme', 'modelReadme', 'referenceImage']);
  assert.deepEqual(
    runFinalizeAudit({ root, model: 'muse_vlm' })
      .filter((i) => i.result.status === 'fail')
      .map((i) => i.id),
    ['readme-row', 'model-readme', 'golden-test', 'reference-image'],
  );
});

test('an image generator without latent_creator/ fails the layout; reference images of a longer-named model are not its own', async () => {
  const root = tree();
  rmSync(join(root, 'src/mflux/models/lift/latent_creator'), { recursive: true });
  // lift is not a generator: no latent creator is fine. muse is one: it needs it.
  assert.equal((await statuses(root, 'lift')).packageLayout.status, 'pass');
  const muse = await statuses(root, 'muse');
  assert.equal(muse.packageLayout.status, 'fail');
  assert.equal(muse.packageLayout.reason, 'src/mflux/models/muse/ lacks latent_creator/, model/.');
  // reference_lift_upscaled.png is lift's; a model named `li` has no reference image of its own.
  const li = runFinalizeAudit({ root, model: 'li' }).find((i) => i.id === 'reference-image')!;
  assert.equal(li.result.status, 'fail');
});

test('MODEL_CHOICES may name the model by its ModelConfig names only (flux: "dev", "schnell")', async () => {
  const root = tree();
  write(
    root,
    'src/mflux/models/flux/variants/txt2img/flux.py',
    'from mflux.models.common.config import ModelConfig\n\n\nclass Flux1:\n    def __init__(self, model_config=ModelConfig.dev()):\n        pass\n',
  );
  write(root, 'src/mflux/models/flux/cli/flux_generate.py', 'def main():\n    parser.add_image_generator_arguments()\n');
  const r = await statuses(root, 'flux');
  assert.equal(r.cliDefaults.status, 'pass');
  const defaults = join(root, 'src/mflux/cli/defaults/defaults.py');
  assert.deepEqual(
    r.cliDefaults.evidence.map((e) => [e.file, e.line, e.text]),
    [
      [defaults, 5, '"dev",'],
      [defaults, 11, '"dev": 25,'],
    ],
  );
  // A name that only contains one of them is not a mention.
  writeFileSync(defaults, 'MODEL_CHOICES = ["devx", "schnell"]\n');
  assert.equal((await statuses(root, 'flux')).cliDefaults.status, 'fail');
});
