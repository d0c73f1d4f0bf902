import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { invalidModelName, modelNames, toPackageName } from '../../../src/core/mflux/naming';
import { planModelPackage, scriptEntryInsertion } from '../../../src/core/mflux/scaffold';
import { addVaePackage, buildMfluxTree, tempDir, write, Z_IMAGE } from './fixtures';
import { trainingProtocol } from './goldenFixtures';

function materialise(files: readonly { path: string; contents: string }[]): void {
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.contents);
  }
}

function pyCompile(paths: string[]): void {
  const r = spawnSync(PYTHON, ['-c', 'import sys, py_compile\nfor p in sys.argv[1:]:\n    py_compile.compile(p, doraise=True)', ...paths], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: tempDir('pyc-') },
  });
  assert.equal(r.status, 0, r.stderr);
}

test('model names follow mflux conventions', () => {
  assert.deepEqual(modelNames('z_image'), {
    pkg: 'z_image',
    cls: 'ZImage',
    hyphen: 'z-image',
    aliases: ['z-image', 'zimage'],
    script: 'mflux-generate-z-image',
  });
  assert.deepEqual(modelNames('krea2').aliases, ['krea2']);
  assert.equal(modelNames('flux2').cls, 'Flux2');
  assert.equal(toPackageName(' Z-Image Turbo '), 'z_image_turbo');
  assert.match(invalidModelName('2fast') ?? '', /must start with a letter/);
  assert.match(invalidModelName('class') ?? '', /keyword/);
  assert.match(invalidModelName('common') ?? '', /shared/);
  assert.equal(invalidModelName('nova'), undefined);
  assert.throws(() => modelNames('Bad-Name'), /snake_case/);
});

test('scaffold: canonical layout, every Python stub compiles', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const plan = planModelPackage(root, { model: 'nova', hfRepo: 'acme/Nova-1' });
  const rels = plan.files.map((f) => f.rel).sort();
  for (const expected of [
    'src/mflux/models/nova/__init__.py',
    'src/mflux/models/nova/nova_initializer.py',
    'src/mflux/models/nova/README.md',
    'src/mflux/models/nova/cli/nova_generate.py',
    'src/mflux/models/nova/latent_creator/nova_latent_creator.py',
    'src/mflux/models/nova/model/nova_transformer/transformer.py',
    'src/mflux/models/nova/model/nova_text_encoder/text_encoder.py',
    'src/mflux/models/nova/model/nova_text_encoder/prompt_encoder.py',
    'src/mflux/models/nova/model/nova_vae/vae.py',
    'src/mflux/models/nova/variants/__init__.py',
    'src/mflux/models/nova/variants/txt2img/__init__.py',
    'src/mflux/models/nova/variants/txt2img/nova.py',
    'src/mflux/models/nova/weights/__init__.py',
    'src/mflux/models/nova/weights/nova_weight_definition.py',
    'src/mflux/models/nova/weights/nova_weight_mapping.py',
  ])
    assert.ok(rels.includes(expected), `missing ${expected}`);
  assert.ok(!rels.some((r) => r.includes('/edit/') || r.includes('lora') || r.includes('training')), 'no optional files by default');
  assert.deepEqual(plan.skipped, []);
  materialise(plan.files);
  pyCompile(plan.files.filter((f) => f.path.endsWith('.py')).map((f) => f.path));
  const cli = readFileSync(join(plan.packageDir, 'cli/nova_generate.py'), 'utf8');
  assert.match(cli, /CommandLineParser\(/);
  assert.match(cli, /CallbackManager\.register_callbacks\(/);
  assert.match(cli, /latent_creator=NovaLatentCreator/);
  assert.match(cli, /^from mflux\.utils\.dimension_resolver import DimensionResolver$/m);
  assert.match(
    cli,
    /width, height = DimensionResolver\.resolve\(\s*width=args\.width,\s*height=args\.height,\s*reference_image_path=None,\s*\)/,
  );
  assert.match(cli, /supports_dimension_scale_factor=True/);
  assert.match(cli, /num_inference_steps=steps,/, 'args.steps is None unless given: the CLI falls back to DEFAULT_STEPS');
  const mapping = readFileSync(join(plan.packageDir, 'weights/nova_weight_mapping.py'), 'utf8');
  assert.match(mapping, /def get_transformer_mapping\(\) -> list\[WeightTarget\]/);
  assert.match(readFileSync(join(plan.packageDir, 'README.md'), 'utf8'), /acme\/Nova-1/);
});

test('scaffold options: edit variant, LoRA, training adapter, reused VAE', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  addVaePackage(root, 'qwen', 'QwenVAE');
  trainingProtocol(root);
  const plan = planModelPackage(root, { model: 'nova', edit: true, lora: true, training: true, reuseVaeFrom: 'qwen' });
  const rels = plan.files.map((f) => f.rel);
  for (const expected of [
    'src/mflux/models/nova/variants/edit/nova_edit.py',
    'src/mflux/models/nova/cli/nova_edit_generate.py',
    'src/mflux/models/nova/weights/nova_lora_mapping.py',
    'src/mflux/models/nova/training_adapter/nova_training_adapter.py',
  ])
    assert.ok(rels.includes(expected), `missing ${expected}`);
  assert.ok(!rels.some((r) => r.includes('nova_vae')), 'a reused VAE gets no own package');
  const init = plan.files.find((f) => f.rel.endsWith('nova_initializer.py'))!.contents;
  assert.match(init, /from mflux\.models\.qwen\.model\.qwen_vae\.qwen_vae import QwenVAE/);
  assert.match(init, /LoRALoader\.load_and_apply_lora/);
  const def = plan.files.find((f) => f.rel.endsWith('nova_weight_definition.py'))!.contents;
  assert.match(def, /mapping_getter=QwenWeightMapping\.get_vae_mapping/);
  materialise(plan.files);
  pyCompile(plan.files.filter((f) => f.path.endsWith('.py')).map((f) => f.path));
  assert.throws(() => planModelPackage(root, { model: 'nova2', reuseVaeFrom: 'nope' }), /cannot reuse the VAE of "nope"/);
});

test('scaffold never overwrites: existing files are reported and skipped', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const mine = write(root, 'src/mflux/models/nova/README.md', 'my notes\n');
  const plan = planModelPackage(root, { model: 'nova' });
  assert.deepEqual(plan.skipped, ['src/mflux/models/nova/README.md']);
  assert.ok(!plan.files.some((f) => f.path === mine));
  assert.equal(readFileSync(mine, 'utf8'), 'my notes\n');
  assert.ok(existsSync(mine));
});

test('latent creator stub: pack matches the diffusers 2x2 packing and unpack inverts it', () => {
  const root = buildMfluxTree(tempDir(), []);
  const plan = planModelPackage(root, { model: 'nova' });
  materialise(plan.files);
  // A stand-in for mlx.core backed by NumPy, so the stub runs on any machine.
  const shim = tempDir('mlxshim-');
  write(shim, 'mlx/__init__.py', '');
  write(shim, 'mlx/core.py', 'import numpy as np\narray = np.ndarray\n');
  const code = [
    'import sys, json, importlib.util, numpy as np, torch',
    'spec = importlib.util.spec_from_file_location("lc", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    'LC = m.NovaLatentCreator',
    'h, w = 64, 96',
    'x = np.random.default_rng(0).standard_normal((1, 16, h // 8, w // 8)).astype(np.float32)',
    'packed = LC.pack_latents(x, h, w)',
    // diffusers FluxPipeline._pack_latents, written out in torch
    't = torch.from_numpy(x).view(1, 16, h // 16, 2, w // 16, 2).permute(0, 2, 4, 1, 3, 5).reshape(1, (h // 16) * (w // 16), 64)',
    'print(json.dumps({"shape": list(packed.shape), "pack_equal": bool(np.array_equal(packed, t.numpy())), "roundtrip": bool(np.array_equal(LC.unpack_latents(packed, h, w), x))}))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, join(plan.packageDir, 'latent_creator/nova_latent_creator.py')], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: shim, PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { shape: [1, 24, 64], pack_equal: true, roundtrip: true });
});

test('the optional pyproject wiring adds the missing console scripts after the last entry', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const ins = scriptEntryInsertion(root, 'nova', true)!;
  const lines = readFileSync(join(root, 'pyproject.toml'), 'utf8').split('\n');
  assert.equal(lines[ins.line - 1], 'mflux-save = "mflux.models.common.cli.save:main"');
  assert.equal(
    ins.text,
    'mflux-generate-nova = "mflux.models.nova.cli.nova_generate:main"\nmflux-generate-nova-edit = "mflux.models.nova.cli.nova_edit_generate:main"\n',
  );
  assert.equal(scriptEntryInsertion(root, 'z_image'), undefined, 'already wired');
  // Inserting it yields a TOML file Python reads with the new scripts.
  lines.splice(ins.line, 0, ...ins.text.trimEnd().split('\n'));
  writeFileSync(join(root, 'pyproject.toml'), lines.join('\n'));
  const r = spawnSync(
    PYTHON,
    ['-c', 'import sys, tomllib; print(sorted(tomllib.load(open(sys.argv[1], "rb"))["project"]["scripts"]))', join(root, 'pyproject.toml')],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /'mflux-generate-nova', 'mflux-generate-nova-edit'/);
});

const SCAFFOLD_CHECK = join(process.cwd(), 'test', 'unit', 'mflux', 'py', 'scaffold_check.py');

test("training adapter: every method of the checkout's TrainingAdapter protocol, same signatures, package imports resolve", () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  const methods = trainingProtocol(root);
  const plan = planModelPackage(root, { model: 'nova', training: true });
  materialise(plan.files);
  pyCompile(plan.files.filter((f) => f.path.endsWith('.py')).map((f) => f.path));
  const adapterFile = join(plan.packageDir, 'training_adapter/nova_training_adapter.py');
  const r = spawnSync(
    PYTHON,
    [
      SCAFFOLD_CHECK,
      join(root, 'src'),
      plan.packageDir,
      join(root, 'src/mflux/models/common/training/adapters/base.py'),
      'TrainingAdapter',
      adapterFile,
      'NovaTrainingAdapter',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as {
    imports: number;
    unresolved: string[];
    protocol: { methods: string[]; subclasses: boolean; mismatched: object };
  };
  assert.deepEqual(res.protocol, { methods, subclasses: true, mismatched: {} });
  // Imports of the package's own modules resolve (the fixture tree has few of mflux's shared modules).
  assert.deepEqual(
    res.unresolved.filter((u) => /mflux\.models\.nova\b/.test(u)),
    [],
  );
  assert.ok(res.imports > 30, `${res.imports} imports checked`);
  const text = readFileSync(adapterFile, 'utf8');
  assert.match(text, /^ {4}def model\(self\) -> nn\.Module:\n {8}return self\._model$/m, 'model() is a method, as the protocol has it');
  assert.doesNotMatch(text, /self\.model\s*=/);
  assert.match(text, /input_image_path: Path \| None = None,/);
  assert.match(
    text,
    /def export_sample_grid\(self, images: list\[Any\], \/, columns: int = 4, \*, title: str \| None = None\) -> Path:\n {8}raise NotImplementedError/,
  );
  assert.ok(
    plan.files.some((f) => f.rel === 'src/mflux/models/nova/weights/nova_lora_mapping.py'),
    'training implies the LoRA mapping it loads and saves through',
  );
  const bare = buildMfluxTree(tempDir(), []);
  assert.throws(
    () => planModelPackage(bare, { model: 'nova', training: true }),
    /^Error: src\/mflux\/models\/common\/training\/adapters\/base\.py: not found/,
  );
});
