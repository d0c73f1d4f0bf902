// Every auto-check rule on real folders: a fail case and a pass case, with the file:line the
// evidence must point at (line numbers come from the fixture text written here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  affectsAutoChecks,
  BUILTIN_RULES,
  provingItems,
  pyprojectScripts,
  RuleContext,
  RuleRegistry,
  runAutoChecks,
  runRule,
} from '../../../src/core/checklist/rules';
import type { CheckResult } from '../../../src/core/checks';
import { tempDir } from './helpers/tmp';

const MODEL = 'z_image';

function repo(): string {
  return tempDir('mfp-rules-');
}

function put(root: string, rel: string, text = ''): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

async function check(id: string, root: string, model = MODEL): Promise<CheckResult> {
  const rule = BUILTIN_RULES.find((r) => r.id === id);
  assert.ok(rule, id);
  const r = await runRule(rule!, { mfluxRepo: root, model });
  assert.ok(!r.reason.includes('\n'), `reason is one line: ${r.reason}`);
  return r;
}

function ev(r: CheckResult): string[] {
  return r.evidence.map((e) => (e.line ? `${e.file}:${e.line}` : e.file));
}

const PKG = `src/mflux/models/${MODEL}`;

function fullPackage(root: string): void {
  for (const f of ['cli', 'latent_creator', 'model', 'variants/txt2img', 'weights']) mkdirSync(join(root, PKG, f), { recursive: true });
  put(root, `${PKG}/__init__.py`);
}

test('packageLayout: missing folder, partial layout, full layout', async () => {
  const root = repo();
  let r = await check('packageLayout', root);
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, `${PKG}/ does not exist yet.`);

  mkdirSync(join(root, PKG, 'cli'), { recursive: true });
  mkdirSync(join(root, PKG, 'weights'), { recursive: true });
  r = await check('packageLayout', root);
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, `${PKG}/ lacks latent_creator/, model/, variants/, __init__.py.`);
  assert.deepEqual(ev(r), [join(root, PKG), join(root, PKG, 'cli'), join(root, PKG, 'weights')]);

  fullPackage(root);
  r = await check('packageLayout', root);
  assert.equal(r.status, 'pass');
  assert.equal(r.evidence.length, 7);
  // A file where a folder should be does not count.
  rmSync(join(root, PKG, 'model'), { recursive: true });
  put(root, `${PKG}/model`, 'oops');
  assert.equal((await check('packageLayout', root)).status, 'fail');
});

test('variantInitializer: needs the initializer and a class under variants/', async () => {
  const root = repo();
  fullPackage(root);
  let r = await check('variantInitializer', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /Missing src\/mflux\/models\/z_image\/z_image_initializer\.py and a variant class/);
  const init = put(root, `${PKG}/z_image_initializer.py`, 'import mlx.core as mx\n\n\nclass ZImageInitializer:\n    pass\n');
  put(root, `${PKG}/variants/txt2img/__init__.py`, 'class NotCounted: pass\n');
  r = await check('variantInitializer', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /a variant class under/);
  const variant = put(root, `${PKG}/variants/txt2img/z_image.py`, 'from x import y\n\nclass ZImage(nn.Module):\n    pass\n');
  r = await check('variantInitializer', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${init}:4`, `${variant}:3`]);
});

test('weightDefinition and weightMapping: missing file, file without content, proper file', async () => {
  const root = repo();
  let r = await check('weightDefinition', root);
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, `${PKG}/weights/z_image_weight_definition.py does not exist.`);
  const def = put(root, `${PKG}/weights/z_image_weight_definition.py`, '# TODO\n');
  r = await check('weightDefinition', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /declares no \*WeightDefinition class/);
  assert.deepEqual(ev(r), [`${def}:1`]);
  // Stubs are not verified: a class without get_components, a get_components returning [].
  put(root, `${PKG}/weights/z_image_weight_definition.py`, 'from a import b\n\n\nclass ZImageWeightDefinition:\n    pass\n');
  r = await check('weightDefinition', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /class ZImageWeightDefinition: has no get_components\(\)/);
  put(
    root,
    `${PKG}/weights/z_image_weight_definition.py`,
    'class ZImageWeightDefinition:\n    @staticmethod\n    def get_components():\n        return []\n',
  );
  r = await check('weightDefinition', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /:3: get_components\(\) lists no ComponentDefinition/);
  put(
    root,
    `${PKG}/weights/z_image_weight_definition.py`,
    'from a import b\n\n\nclass ZImageWeightDefinition:\n    @staticmethod\n    def get_components():\n        return [ComponentDefinition(name="vae", hf_path="vae")]\n',
  );
  r = await check('weightDefinition', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${def}:4`, `${def}:7`]);
  assert.equal(r.evidence[0].text, 'class ZImageWeightDefinition:');
  // A prefix other than the package name (as in a package named after its family): found by content.
  rmSync(def);
  const short = put(
    root,
    `${PKG}/weights/zi_weight_definition.py`,
    'from mflux.models.z_image.weights.zi_weight_mapping import ZiWeightMapping\n\n\nclass ZiWeightDefinition:\n    @staticmethod\n    def get_components():\n        return [ComponentDefinition(name="vae", hf_path="vae", mapping_getter=ZiWeightMapping.get_vae_mapping)]\n',
  );
  r = await check('weightDefinition', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${short}:4`, `${short}:7`]);
  const shortMap = put(
    root,
    `${PKG}/weights/zi_weight_mapping.py`,
    'class ZiWeightMapping:\n    @staticmethod\n    def get_vae_mapping():\n        return [\n            WeightTarget(to_pattern="a", from_pattern=["a"]),\n        ]\n',
  );
  r = await check('weightMapping', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${shortMap}:5`]);
  rmSync(short);
  rmSync(shortMap);

  const map = put(
    root,
    `${PKG}/weights/z_image_weight_mapping.py`,
    'class ZImageWeightMapping:\n    @staticmethod\n    def get_transformer_mapping():\n        return []\n',
  );
  r = await check('weightMapping', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /has no WeightTarget/);
  writeFileSync(
    map,
    'class ZImageWeightMapping:\n    @staticmethod\n    def get_transformer_mapping():\n        return [\n            WeightTarget(\n                to_pattern="blocks.{block}.attn.wq.weight",\n',
  );
  r = await check('weightMapping', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${map}:5`]);
});

const PYPROJECT = `[project]
name = "mflux"
version = "0.10.0"

[project.scripts]
mflux-generate = "mflux.models.flux.cli.flux_generate:main"
mflux-generate-z-image = "mflux.models.z_image.cli.z_image_generate:main"
"mflux-generate-z-image-turbo" = 'mflux.models.z_image.cli.z_image_turbo_generate:main'

[tool.ruff]
line-length = 120
mflux-generate-fake = "not.a.script:main"
`;

test('pyprojectScripts reads only the [project.scripts] table, quoted or bare keys', () => {
  assert.deepEqual(pyprojectScripts(PYPROJECT), [
    { name: 'mflux-generate', target: 'mflux.models.flux.cli.flux_generate:main', line: 6 },
    { name: 'mflux-generate-z-image', target: 'mflux.models.z_image.cli.z_image_generate:main', line: 7 },
    { name: 'mflux-generate-z-image-turbo', target: 'mflux.models.z_image.cli.z_image_turbo_generate:main', line: 8 },
  ]);
});

test('pyprojectScript: no file, no table, no entry, entry to a missing module, good entry', async () => {
  const root = repo();
  let r = await check('pyprojectScript', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /No pyproject\.toml/);
  const py = put(root, 'pyproject.toml', '[project]\nname = "mflux"\n');
  r = await check('pyprojectScript', root);
  assert.equal(r.reason, 'pyproject.toml has no [project.scripts] table.');
  writeFileSync(py, '[project]\nname = "mflux"\n\n[project.scripts]\nmflux-generate = "mflux.models.flux.cli.flux_generate:main"\n');
  r = await check('pyprojectScript', root);
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, '[project.scripts] in pyproject.toml has no mflux-generate-z-image entry.');
  assert.deepEqual(ev(r), [`${py}:4`]);
  writeFileSync(py, PYPROJECT);
  r = await check('pyprojectScript', root);
  assert.equal(r.status, 'fail');
  assert.equal(
    r.reason,
    `pyproject.toml:7: mflux-generate-z-image points at mflux.models.z_image.cli.z_image_generate, but ${PKG}/cli/z_image_generate.py does not exist.`,
  );
  assert.deepEqual(ev(r), [`${py}:7`]);
  put(root, `${PKG}/cli/z_image_generate.py`, 'def main(): ...\n');
  put(root, `${PKG}/cli/z_image_turbo_generate.py`, 'def main(): ...\n');
  r = await check('pyprojectScript', root);
  assert.equal(r.status, 'pass');
  assert.equal(r.reason, 'pyproject.toml:7: mflux-generate-z-image = "mflux.models.z_image.cli.z_image_generate:main"');
  assert.deepEqual(ev(r), [`${py}:7`, `${py}:8`]);
  // The same file does not register a different model, nor a shorter name's model.
  assert.equal((await check('pyprojectScript', root, 'krea2')).status, 'fail');
  assert.equal((await check('pyprojectScript', root, 'z')).status, 'fail');
});

const MODEL_CONFIG = `class ModelConfig:
    @staticmethod
    def z_image() -> "ModelConfig":
        return AVAILABLE_MODELS["z-image"]


AVAILABLE_MODELS = {
    "dev": ModelConfig(
        priority=0,
        aliases=["dev"],
    ),
    "z-image-turbo": ModelConfig(
        priority=21,
        aliases=["z-image-turbo", "zit"],
        model_name="Tongyi-MAI/Z-Image-Turbo",
    ),
    "noaliases": ModelConfig(
        priority=30,
        model_name="x/y",
    ),
}
`;

test('modelConfig: entry found by its hyphenated key, with its own aliases line', async () => {
  const root = repo();
  let r = await check('modelConfig', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /model_config\.py does not exist/);
  const file = put(root, 'src/mflux/models/common/config/model_config.py', MODEL_CONFIG);
  r = await check('modelConfig', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${file}:12`, `${file}:14`]);
  r = await check('modelConfig', root, 'flux2_klein');
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /no AVAILABLE_MODELS entry for flux2_klein/);
  assert.deepEqual(ev(r), [`${file}:7`]);
  // An entry without aliases fails, and the next entry's aliases do not count for it.
  r = await check('modelConfig', root, 'noaliases');
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /:17: the entry has no aliases/);
  // A key belongs to the model package with the longest matching name: with a z_image
  // package present, "z-image-turbo" is not an entry of a model called "z".
  mkdirSync(join(root, PKG), { recursive: true });
  assert.equal((await check('modelConfig', root, 'z')).status, 'fail');
});

test('goldenTest and referenceImage', async () => {
  const root = repo();
  let r = await check('goldenTest', root);
  assert.equal(r.status, 'fail');
  assert.equal(r.reason, 'tests/image_generation/test_generate_image_z_image.py does not exist.');
  assert.match((await check('referenceImage', root)).reason, /No golden test yet/);
  const t = put(root, 'tests/image_generation/test_generate_image_z_image.py', 'import pytest\n');
  r = await check('goldenTest', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /defines no test_ function/);
  assert.match((await check('referenceImage', root)).reason, /names no reference_\*\.png/);
  writeFileSync(
    t,
    [
      'import pytest',
      '',
      'class TestZImage:',
      '    @pytest.mark.slow',
      '    def test_image_generation_z_image(self):',
      '        Helper.assert_matches_reference_image(',
      '            reference_image_path="reference_z_image.png",',
      '            output_image_path="output_z_image.png",',
      '        )',
      '',
    ].join('\n'),
  );
  r = await check('goldenTest', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${t}:5`]);
  r = await check('referenceImage', root);
  assert.equal(r.status, 'fail');
  assert.equal(
    r.reason,
    'tests/image_generation/test_generate_image_z_image.py:7 names reference_z_image.png, which is not in tests/resources/.',
  );
  assert.deepEqual(ev(r), [`${t}:7`]);
  const png = put(root, 'tests/resources/reference_z_image.png', 'png');
  r = await check('referenceImage', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${t}:7`, png]);
  // A second golden test for a variant of the model is found too; an unrelated model's is not.
  const t2 = put(root, 'tests/image_generation/test_generate_image_z_image_turbo.py', 'def test_turbo():\n    pass\n');
  put(root, 'tests/image_generation/test_generate_image_z_imagex.py', 'def test_other():\n    pass\n');
  r = await check('goldenTest', root);
  assert.deepEqual(ev(r), [`${t}:5`, `${t2}:1`]);
});

test('cliCallbacks: every CLI module must register callbacks', async () => {
  const root = repo();
  let r = await check('cliCallbacks', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /has no CLI module yet/);
  const gen = put(root, `${PKG}/cli/z_image_generate.py`, 'def main():\n    args = parse()\n    run(args)\n');
  r = await check('cliCallbacks', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /calls CallbackManager\.register_callbacks/);
  writeFileSync(
    gen,
    'def main():\n    args = parse()\n    CallbackManager.register_callbacks(args=args, model=model, latent_creator=ZImageLatentCreator)\n',
  );
  r = await check('cliCallbacks', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${gen}:3`]);
  const edit = put(root, `${PKG}/cli/z_image_edit_generate.py`, 'def main():\n    pass\n');
  r = await check('cliCallbacks', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /z_image_edit_generate\.py do not call register_callbacks/);
  assert.deepEqual(ev(r), [`${edit}:1`, `${gen}:3`]);
});

test('cliDefaults, saveRouting, mainReadme: mention of the model in any spelling, whole words only', async () => {
  const root = repo();
  for (const id of ['cliDefaults', 'saveRouting', 'mainReadme']) assert.match((await check(id, root)).reason, /does not exist/);
  const defaults = put(
    root,
    'src/mflux/cli/defaults/defaults.py',
    'MODEL_CHOICES = ["dev", "schnell", "xz-image", "z_images"]\nMODEL_INFERENCE_STEPS = {\n    "dev": 25,\n}\n',
  );
  let r = await check('cliDefaults', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /does not mention z_image or z-image: add it to MODEL_CHOICES/);
  writeFileSync(
    defaults,
    'MODEL_CHOICES = ["dev", "schnell", "z-image"]\nMODEL_INFERENCE_STEPS = {\n    "dev": 25,\n    "z-image": 50,\n}\n',
  );
  r = await check('cliDefaults', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${defaults}:1`, `${defaults}:4`]);

  const save = put(
    root,
    'src/mflux/models/common/cli/save.py',
    'from mflux.models.flux.variants.txt2img.flux import Flux1\n\nif x:\n    pass\n',
  );
  assert.equal((await check('saveRouting', root)).status, 'fail');
  writeFileSync(
    save,
    'from mflux.models.flux.variants.txt2img.flux import Flux1\nfrom mflux.models.z_image.variants.txt2img.z_image import ZImage\n',
  );
  r = await check('saveRouting', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${save}:2`]);

  const readme = put(root, 'README.md', '# MFLUX\n\n| Model | Notes |\n|---|---|\n| FLUX.1 | yes |\n');
  assert.equal((await check('mainReadme', root)).status, 'fail');
  writeFileSync(readme, '# MFLUX\n\n| Model | Notes |\n|---|---|\n| FLUX.1 | yes |\n| Z-Image | Tongyi |\n');
  r = await check('mainReadme', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${readme}:6`]);
});

test('modelReadme: missing, empty, present', async () => {
  const root = repo();
  assert.equal((await check('modelReadme', root)).status, 'fail');
  const f = put(root, `${PKG}/README.md`, '\n\n');
  assert.match((await check('modelReadme', root)).reason, /is empty/);
  writeFileSync(f, '\n# Z-Image\n\nExamples…\n');
  const r = await check('modelReadme', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${f}:2`]);
});

function git(root: string, ...args: string[]): void {
  execFileSync('git', ['-C', root, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { stdio: 'ignore' });
}

test('debugArtifacts: tracked dumps, stray tensor files, unignored folder, clean repo', async () => {
  const root = repo();
  // Not a git repo and nothing left over: cannot prove tracking.
  let r = await check('debugArtifacts', root);
  assert.equal(r.status, 'unknown');
  git(root, 'init', '-q');
  const dump = put(root, 'debug_artifacts/run1/ref/latents.npy', 'x');
  git(root, 'add', '-f', 'debug_artifacts/run1/ref/latents.npy');
  r = await check('debugArtifacts', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /git tracks 1 file\(s\) under debug_artifacts\/ \(e\.g\. debug_artifacts\/run1\/ref\/latents\.npy\)/);
  assert.match(r.reason, /neither \.gitignore nor \.git\/info\/exclude ignores it/);
  assert.ok(ev(r).includes(dump));

  git(root, 'rm', '-q', '--cached', 'debug_artifacts/run1/ref/latents.npy');
  put(root, '.gitignore', '__pycache__/\ndebug_artifacts/\n');
  const stray = put(root, `${PKG}/model/vae_out.safetensors`, 'x');
  const rootStray = put(root, 'latents.npy', 'x');
  r = await check('debugArtifacts', root);
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /^2 tensor file\(s\) outside debug_artifacts\//);
  assert.deepEqual(ev(r).sort(), [rootStray, stray].sort());

  rmSync(stray);
  rmSync(rootStray);
  r = await check('debugArtifacts', root);
  assert.equal(r.status, 'pass');
  assert.deepEqual(ev(r), [`${join(root, '.gitignore')}:2`]);
});

test('runAutoChecks maps results to items, runs each rule once, survives a throwing rule', async () => {
  const root = repo();
  fullPackage(root);
  let calls = 0;
  const registry = new RuleRegistry();
  registry.add({
    id: 'debugArtifacts',
    title: 'counting stand-in',
    async check() {
      calls++;
      return { status: 'pass', reason: 'stand-in', evidence: [] };
    },
  });
  registry.add({
    id: 'modelConfig',
    title: 'broken',
    async check() {
      throw new Error('boom');
    },
  });
  const ctx: RuleContext = { mfluxRepo: root, model: MODEL };
  const results = await runAutoChecks(ctx, registry);
  assert.equal(results.get('fast.skeleton')?.status, 'pass');
  assert.equal(results.get('fast.weightDefinition')?.status, 'fail');
  assert.equal(results.get('order.removeTraces')?.reason, 'stand-in');
  assert.equal(calls, 1);
  // A rule that backs two items runs once.
  const twice = await runAutoChecks(ctx, registry, [
    {
      id: 'x',
      number: 1,
      title: 'X',
      summary: '',
      items: [
        { id: 'x.a', title: 'A', guidance: 'g', autoCheck: 'debugArtifacts' },
        { id: 'x.b', title: 'B', guidance: 'g', autoCheck: 'debugArtifacts' },
      ],
    },
  ]);
  assert.equal(twice.get('x.b')?.reason, 'stand-in');
  assert.equal(calls, 2);
  assert.equal(results.get('finalize.modelConfig')?.status, 'unknown');
  assert.match(results.get('finalize.modelConfig')!.reason, /The modelConfig check could not run: boom/);
  assert.equal(results.has('scope.targets'), false);
  // A workflow naming an unregistered rule says so instead of failing.
  const custom = await runAutoChecks(ctx, registry, [
    { id: 'x', number: 1, title: 'X', summary: '', items: [{ id: 'x.a', title: 'A', guidance: 'g', autoCheck: 'nope' }] },
  ]);
  assert.match(custom.get('x.a')!.reason, /No auto-check rule named "nope"/);
});

test('affectsAutoChecks: relevant paths only', () => {
  for (const p of [
    'pyproject.toml',
    'README.md',
    'src/mflux/models/z_image/cli/x.py',
    'tests/resources/reference_z.png',
    'debug_artifacts/r/a.npy',
    'scratch/out.safetensors',
    '.gitignore',
  ])
    assert.ok(affectsAutoChecks(p), p);
  for (const p of ['.mflux-port/z_image.json', 'docs/notes.md', 'node_modules/x.js']) assert.ok(!affectsAutoChecks(p), p);
});

test('provingItems leaves out items backed by absence rules', () => {
  const proving = provingItems(new RuleRegistry());
  assert.ok(proving.has('fast.skeleton'));
  assert.ok(proving.has('finalize.modelConfig'));
  assert.ok(proving.has('finalize.audit'));
  assert.ok(!proving.has('order.removeTraces'));
  assert.ok(!proving.has('scope.targets'));
  // The item keeps its meaning when another feature replaces the rule with a wrapper.
  const wrapped = new RuleRegistry();
  wrapped.add({
    id: 'debugArtifacts',
    title: 'wrapper without the flag',
    check: async () => ({ status: 'pass', reason: '', evidence: [] }),
  });
  assert.ok(!provingItems(wrapped).has('order.removeTraces'));
  // And a rule-level flag works for items that do not carry it.
  wrapped.add({
    id: 'modelReadme',
    title: 'absence-style',
    absence: true,
    check: async () => ({ status: 'pass', reason: '', evidence: [] }),
  });
  assert.ok(!provingItems(wrapped).has('finalize.modelReadme'));
});
