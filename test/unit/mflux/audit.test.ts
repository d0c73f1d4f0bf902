import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatAudit, runFinalizeAudit } from '../../../src/core/mflux/audit';
import { parseModelConfig } from '../../../src/core/mflux/modelConfig';
import { ALL_SURFACES, buildMfluxTree, tempDir, write, Z_IMAGE, type Surface } from './fixtures';
import { readFileSync } from 'node:fs';

const failing = (items: ReturnType<typeof runFinalizeAudit>) =>
  items
    .filter((i) => i.result.status !== 'pass')
    .map((i) => i.id)
    .sort();

test('a fully wired model passes every surface, each with file:line evidence', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const items = runFinalizeAudit({ root, model: 'z_image' });
  assert.deepEqual(failing(items), [], formatAudit(items, root));
  assert.equal(items.length, 11);
  for (const it of items) assert.ok(it.result.evidence.length > 0, `${it.id} has evidence`);
  const cfg = items.find((i) => i.id === 'model-config')!.result;
  const cfgFile = join(root, 'src/mflux/models/common/config/model_config.py');
  const lines = readFileSync(cfgFile, 'utf8').split('\n');
  // Evidence lines are where the text really is.
  for (const e of cfg.evidence) assert.equal(lines[e.line! - 1].trim(), e.text);
  assert.match(lines[cfg.evidence[0].line! - 1], /"z-image": ModelConfig\(/);
  assert.match(cfg.reason, /aliases z-image, zimage/);
});

test('a half-wired model: the audit lists exactly the missing surfaces', () => {
  const missing: Surface[] = ['config', 'steps', 'save', 'readmeRow', 'referenceImage'];
  const half = { pkg: 'nova', cls: 'Nova', key: 'nova', aliases: ['nova'], surfaces: ALL_SURFACES.filter((s) => !missing.includes(s)) };
  const root = buildMfluxTree(tempDir(), [Z_IMAGE, half]);
  const items = runFinalizeAudit({ root, model: 'nova' });
  assert.deepEqual(
    failing(items),
    ['defaults-steps', 'model-config', 'readme-row', 'reference-image', 'save-routing'],
    formatAudit(items, root),
  );
  const ref = items.find((i) => i.id === 'reference-image')!.result;
  assert.match(ref.reason, /reference image reference_nova\.png not found in tests\/resources/);
  assert.equal(ref.evidence[0].file, join(root, 'tests/image_generation/test_generate_image_nova.py'));
  assert.equal(ref.evidence[0].line, 7);
  const steps = items.find((i) => i.id === 'defaults-steps')!.result;
  assert.match(steps.reason, /MODEL_INFERENCE_STEPS has none of "nova"/);
  // The other model's wiring is not mistaken for this one.
  assert.deepEqual(failing(runFinalizeAudit({ root, model: 'z_image' })), []);
});

test('every surface missing at once, and a second set, are each reported exactly', () => {
  for (const missing of [ALL_SURFACES, ['script', 'choices', 'modelReadme', 'goldenTest', 'weightDefinition', 'cli'] as Surface[]]) {
    const m = { pkg: 'nova', cls: 'Nova', key: 'nova', aliases: ['nova'], surfaces: ALL_SURFACES.filter((s) => !missing.includes(s)) };
    const root = buildMfluxTree(tempDir(), [m]);
    const map: Record<Surface, string> = {
      script: 'pyproject-script',
      config: 'model-config',
      choices: 'defaults-choices',
      steps: 'defaults-steps',
      save: 'save-routing',
      readmeRow: 'readme-row',
      modelReadme: 'model-readme',
      goldenTest: 'golden-test',
      referenceImage: 'reference-image',
      weightDefinition: 'weight-definition',
      cli: 'cli-entry',
    };
    assert.deepEqual(failing(runFinalizeAudit({ root, model: 'nova' })), missing.map((s) => map[s]).sort());
  }
});

test('subtle half-wirings: script to a missing module, config without accessor, CLI without callbacks, unrouted import', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const py = join(root, 'pyproject.toml');
  write(root, 'pyproject.toml', readFileSync(py, 'utf8').replace('z_image_generate:main', 'z_image_gen:main'));
  const cfg = join(root, 'src/mflux/models/common/config/model_config.py');
  write(
    root,
    'src/mflux/models/common/config/model_config.py',
    readFileSync(cfg, 'utf8').replace('return AVAILABLE_MODELS["z-image"]', 'return None'),
  );
  write(
    root,
    'src/mflux/models/z_image/cli/z_image_generate.py',
    'from mflux.cli.parser.parsers import CommandLineParser\n\n\ndef main():\n    parser = CommandLineParser(description="x")\n    parser.add_image_generator_arguments()\n',
  );
  const save = join(root, 'src/mflux/models/common/cli/save.py');
  write(root, 'src/mflux/models/common/cli/save.py', readFileSync(save, 'utf8').replace('model_class = ZImage', 'model_class = Flux1'));
  const items = runFinalizeAudit({ root, model: 'z_image' });
  const reason = (id: string) => items.find((i) => i.id === id)!.result.reason;
  assert.deepEqual(failing(items), ['cli-entry', 'model-config', 'pyproject-script', 'save-routing']);
  assert.match(reason('pyproject-script'), /points at cli\.z_image_gen but .* does not exist/);
  assert.match(reason('model-config'), /no static accessor/);
  assert.match(reason('cli-entry'), /does not call CallbackManager\.register_callbacks/);
  assert.match(reason('save-routing'), /imports ZImage but never routes model_class to it/);
});

test('a weight definition whose get_components() returns [] is not done (as the checklist rule says)', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const file = 'src/mflux/models/z_image/weights/z_image_weight_definition.py';
  write(
    root,
    file,
    'class ZImageWeightDefinition:\n    @staticmethod\n    def get_components():\n        # ComponentDefinition(name="vae") later\n        return []\n',
  );
  const items = runFinalizeAudit({ root, model: 'z_image' });
  assert.deepEqual(failing(items), ['weight-definition']);
  assert.equal(
    items.find((i) => i.id === 'weight-definition')!.result.reason,
    `${file}:3: get_components() of ZImageWeightDefinition lists no ComponentDefinition(...) yet`,
  );
});

test('missing repo files are one-line failures, not exceptions', () => {
  const root = tempDir();
  const items = runFinalizeAudit({ root, model: 'nova' });
  assert.equal(items.filter((i) => i.result.status === 'fail').length, 11);
  for (const it of items) assert.ok(!it.result.reason.includes('\n'));
});

test('ModelConfig entries parse keys, aliases and model names', () => {
  const lines = [
    'AVAILABLE_MODELS = {',
    '    "a-b": ModelConfig(',
    '        aliases=["a-b", "ab"],',
    '        model_name="org/A",',
    '        transformer_overrides={"x": (1, 2)},',
    '    ),',
    "    'c': ModelConfig(aliases=['c'], model_name='org/C'),",
    '}',
    'OTHER = {"d": ModelConfig(aliases=["d"])}',
  ];
  const e = parseModelConfig('x', lines.join('\n')).entries;
  assert.deepEqual(
    e.map((x) => [x.key, x.aliases, x.modelName, x.keyLine]),
    [
      ['a-b', ['a-b', 'ab'], 'org/A', 1],
      ['c', ['c'], 'org/C', 6],
    ],
  );
});
