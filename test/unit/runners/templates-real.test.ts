// The runner templates against the real upstream code. The reference runner is generated and run,
// unmodified, on diffusers' real FluxPipeline (tiny random config, Debian's torch; imports Debian
// does not ship are stubbed by fixtures/diffusers_env). The MLX runner's calls are checked against
// mflux's real signatures, read from its source with Python's ast. Clones: /work/ext (read-only;
// MFLUX_PORT_DIFFUSERS_SRC / MFLUX_PORT_MFLUX_SRC override), copied before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conventionalEntry, findMlxEntry, mlxScript, referenceScript, resolveModelId } from '../../../src/core/runners';
import { openTensors } from '../../../src/core/tensors';
import { PYTHON, REPO_ROOT, pythonJson } from '../../helpers/python';

const DIFFUSERS = process.env.MFLUX_PORT_DIFFUSERS_SRC || '/work/ext/diffusers';
const MFLUX = process.env.MFLUX_PORT_MFLUX_SRC || '/work/ext/mflux';
const root = mkdtempSync(join(tmpdir(), 'mp-templates-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const noDiffusers = existsSync(join(DIFFUSERS, 'src', 'diffusers', 'pipelines', 'flux', 'pipeline_flux.py'))
  ? false
  : `no diffusers clone at ${DIFFUSERS}`;

test(
  "reference runner: runs unmodified on diffusers' real FluxPipeline, pins guidance and max_sequence_length, dumps per-step latents",
  { skip: noDiffusers },
  async () => {
    const lib = join(root, 'lib');
    cpSync(join(DIFFUSERS, 'src', 'diffusers'), join(lib, 'diffusers'), { recursive: true });
    const script = join(root, 'run_flux_ref.py');
    writeFileSync(
      script,
      referenceScript({ model: 'flux', modelId: 'black-forest-labs/FLUX.1-dev', settings: { width: 32, height: 32, steps: 3 } }),
    );
    const runDir = join(root, 'run', 'ref');
    const record = join(root, 'record.json');
    const env = {
      PATH: process.env.PATH,
      HOME: root,
      PYTHONDONTWRITEBYTECODE: '1',
      MFLUX_PORT_RUN_DIR: runDir,
      MFLUX_PORT_SIDE: 'ref',
      HARNESS_RECORD: record,
      PYTHONPATH: [join(REPO_ROOT, 'test', 'unit', 'runners', 'fixtures', 'diffusers_env'), lib, join(REPO_ROOT, 'python')].join(':'),
    };
    const r = spawnSync(PYTHON, [script], { cwd: root, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.doesNotMatch(r.stdout, /left out/, 'FluxPipeline.__call__ takes every pinned argument');

    const rec = JSON.parse(readFileSync(record, 'utf8'));
    assert.deepEqual(rec.from_pretrained, { model_id: 'black-forest-labs/FLUX.1-dev', torch_dtype: 'torch.bfloat16' });
    assert.equal(rec.call.guidance_scale, 3.5, 'guidance pinned (diffusers would default to 3.5, mflux to 4.0)');
    assert.equal(rec.call.true_cfg_scale, 1.0, 'no true CFG, as mflux Flux');
    assert.equal(rec.call.max_sequence_length, 512);
    assert.deepEqual(rec.tokenizer_max_length, [77, 512], 'T5 tokenised to the pinned max_sequence_length');
    assert.equal(rec.call.negative_prompt, ' ');
    assert.deepEqual(rec.call.callback_on_step_end_tensor_inputs, ['latents']);

    const manifest = readFileSync(join(runDir, 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      manifest.map((m) => m.name),
      ['initial_latents', 'latents@step000', 'latents@step001', 'latents@step002', 'vae_decode_input', 'vae_decode_output'],
    );
    assert.deepEqual(
      manifest.map((m) => m.step ?? null),
      [null, 0, 1, 2, null, null],
    );
    assert.ok(existsSync(join(runDir, 'image_ref.png')));

    // The seed is pinned: the exported latents are what torch draws for seed 42, packed as Flux packs them.
    const expected = pythonJson<number[]>(`
import json, torch
g = torch.Generator("cpu").manual_seed(42)
z = torch.randn((1, 1, 32, 32), generator=g, dtype=torch.bfloat16)
z = z.view(1, 1, 16, 2, 16, 2).permute(0, 2, 4, 1, 3, 5).reshape(1, 256, 4)
print(json.dumps(z.float().flatten().tolist()))
`);
    const src = await openTensors(join(runDir, manifest[0].file));
    try {
      assert.deepEqual(src.list()[0].shape, [1, 256, 4]);
      assert.deepEqual(Array.from(await src.read('initial_latents')), expected);
    } finally {
      await src.close();
    }

    // MFLUX_PORT_VARIANT=floor: the same script loads the pipeline in float32 (the noise-floor run)
    const floorDir = join(root, 'floor', 'ref');
    const floorRecord = join(root, 'record-floor.json');
    const f = spawnSync(PYTHON, [script], {
      cwd: root,
      env: { ...env, MFLUX_PORT_RUN_DIR: floorDir, HARNESS_RECORD: floorRecord, MFLUX_PORT_VARIANT: 'floor' },
      encoding: 'utf8',
    });
    assert.equal(f.status, 0, f.stderr.slice(-3000));
    assert.deepEqual(JSON.parse(readFileSync(floorRecord, 'utf8')).from_pretrained, {
      model_id: 'black-forest-labs/FLUX.1-dev',
      torch_dtype: 'torch.float32',
    });
    assert.ok(existsSync(join(floorDir, 'manifest.jsonl')));
  },
);

const noMflux = existsSync(join(MFLUX, 'src', 'mflux', 'callbacks', 'callback.py')) ? false : `no mflux clone at ${MFLUX}`;

test(
  "MLX runner: every mflux call it makes matches mflux's real modules, classes and parameters (z_image, qwen, flux)",
  { skip: noMflux },
  () => {
    const seen: Record<string, string[]> = {};
    for (const model of ['z_image', 'qwen', 'flux']) {
      const entry = findMlxEntry(MFLUX, model);
      const got = pythonJson<{ problems: string[]; imports: string[] }>(CHECK, [mlxScript({ model, entry }), join(MFLUX, 'src'), model]);
      assert.deepEqual(got.problems, [], `${model}: ${got.problems.join('; ')}`);
      seen[model] = got.imports;
    }
    assert.deepEqual(seen, {
      z_image: ['ZImageLatentCreator', 'ZImage'],
      qwen: ['QwenLatentCreator', 'QwenImage'],
      flux: ['FluxLatentCreator', 'Flux1'],
    });
    // the convention (a new port's scaffold layout) is what an unknown model gets
    assert.deepEqual(findMlxEntry(MFLUX, 'not_there'), conventionalEntry('not_there'));
    assert.equal(conventionalEntry('my_model').model.module, 'mflux.models.my_model.variants.txt2img.my_model');
  },
);

// Reads the generated script and mflux's source with ast; lists every mismatch.
const CHECK = `
import ast, json, os, sys
text, src, variant = sys.argv[1], sys.argv[2], sys.argv[3]
tree = ast.parse(text)
problems, imports = [], []

def params(fn):
    a = fn.args
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg != "self"]

def find(path, cls, method):
    t = ast.parse(open(path).read())
    for n in ast.walk(t):
        if isinstance(n, ast.ClassDef) and n.name == cls:
            for m in n.body:
                if isinstance(m, ast.FunctionDef) and m.name == method:
                    return params(m)
    return None

for n in ast.walk(tree):
    if isinstance(n, ast.ImportFrom) and n.module.startswith("mflux."):
        path = os.path.join(src, *n.module.split(".")) + ".py"
        if not os.path.exists(path):
            problems.append(f"no module {n.module}")
            continue
        names = {c.name for c in ast.walk(ast.parse(open(path).read())) if isinstance(c, ast.ClassDef)}
        for a in n.names:
            if a.name not in names:
                problems.append(f"{n.module} has no class {a.name}")
            imports.append((path, a.name))

if len(imports) != 2:
    print(json.dumps({"problems": problems or ["the script imports no mflux model"], "imports": []}))
    raise SystemExit
# generate_image takes every argument the runner passes
model_path, model_cls = [(p, c) for p, c in imports if not c.endswith("LatentCreator")][0]
gen = find(model_path, model_cls, "generate_image") or []
call = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "call")
for k in call.value.keys:
    if k.value not in gen:
        problems.append(f"{model_cls}.generate_image has no parameter {k.value} (it has {gen})")

# the latent creator's noise function
lc_path, lc_cls = [(p, c) for p, c in imports if c.endswith("LatentCreator")][0]
noise = find(lc_path, lc_cls, "create_noise")
if noise != ["seed", "height", "width"]:
    problems.append(f"{lc_cls}.create_noise({noise}) is not (seed, height, width)")

# the callback methods: same names and parameters as mflux's protocols
protocols = os.path.join(src, "mflux", "callbacks", "callback.py")
ours = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "Checkpoints")
for m in ours.body:
    if isinstance(m, ast.FunctionDef):
        proto = {"call_before_loop": "BeforeLoopCallback", "call_in_loop": "InLoopCallback"}[m.name]
        want = find(protocols, proto, m.name)
        if params(m) != want:
            problems.append(f"{m.name}{params(m)} differs from mflux's {proto}.{m.name}{want}")
reg = find(os.path.join(src, "mflux", "callbacks", "callback_registry.py"), "CallbackRegistry", "register")
if reg != ["callback"]:
    problems.append(f"CallbackRegistry.register({reg})")
init = open(os.path.join(src, "mflux", "models", variant, f"{variant}_initializer.py")).read()
if "model.callbacks = CallbackRegistry()" not in init:
    problems.append("the initializer does not set model.callbacks = CallbackRegistry()")
mc = open(os.path.join(src, "mflux", "models", "common", "config", "model_config.py")).read()
if "self.max_sequence_length = max_sequence_length" not in mc:
    problems.append("ModelConfig has no max_sequence_length")
print(json.dumps({"problems": problems, "imports": [c for _, c in imports]}))
`;

test(
  "a pipeline class name resolves to a repo id: the HF cache's model_index.json first, else the class's docs in the diffusers clone",
  { skip: noDiffusers },
  () => {
    const cache = join(root, 'hub');
    const repo = join(cache, 'models--someone--my-flux');
    mkdirSync(join(repo, 'snapshots', 'abc123'), { recursive: true });
    mkdirSync(join(repo, 'refs'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), 'abc123');
    writeFileSync(
      join(repo, 'snapshots', 'abc123', 'model_index.json'),
      JSON.stringify({ _class_name: 'FluxPipeline', _diffusers_version: '0.36.0' }),
    );
    assert.deepEqual(resolveModelId('FluxPipeline', { hfCache: cache, referenceRepo: DIFFUSERS }), {
      id: 'someone/my-flux',
      from: 'hf-cache',
      file: join(repo, 'snapshots', 'abc123', 'model_index.json'),
    });
    // what each class's own example says, read here by Python
    const docs = pythonJson<Record<string, string>>(
      `
import json, re, sys
out = {}
for cls, path in [("ZImagePipeline", "z_image/pipeline_z_image.py"), ("QwenImagePipeline", "qwenimage/pipeline_qwenimage.py"), ("FluxPipeline", "flux/pipeline_flux.py")]:
    text = open(sys.argv[1] + "/src/diffusers/pipelines/" + path).read()
    out[cls] = re.search(cls + r'\\.from_pretrained\\("([^"]+)"', text).group(1)
print(json.dumps(out))
`,
      [DIFFUSERS],
    );
    for (const [cls, id] of Object.entries(docs))
      assert.equal(resolveModelId(cls, { hfCache: join(root, 'empty'), referenceRepo: DIFFUSERS })?.id, id, cls);
    assert.equal(resolveModelId('NoSuchPipeline', { hfCache: cache, referenceRepo: DIFFUSERS }), undefined);
    assert.deepEqual(resolveModelId('org/name', {}), { id: 'org/name', from: 'port' });
    assert.equal(resolveModelId('', { hfCache: cache }), undefined);
  },
);
