import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { listGoldenTests, planGoldenTest } from '../../../src/core/mflux/goldenTest';
import { callableParams, parseClasses } from '../../../src/core/mflux/pySignature';
import { buildMfluxTree, tempDir, write, type FixtureModel } from './fixtures';
import { brookHelper, lumenHelper, vesperSharedHelper } from './goldenFixtures';

const BIND_CHECK = join(process.cwd(), 'test', 'unit', 'mflux', 'py', 'bind_check.py');

const config = (pkg: string, key: string): FixtureModel => ({ pkg, cls: pkg, key, aliases: [key], surfaces: ['config'] });

/** Writes the plan's files and runs each generated test with every call bound against the helper's real signature. */
function bindCheck(root: string, rels: string[]): { file: string; ok: boolean; error?: string; calls: { bound: string[] }[] }[] {
  const r = spawnSync(PYTHON, [BIND_CHECK, join(root, 'src'), root, ...rels.map((f) => join(root, f))], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function apply(root: string, plan: ReturnType<typeof planGoldenTest>): void {
  for (const f of plan.files) write(root, f.rel, f.contents);
}

test('signature reader agrees with inspect.signature: positional-only, keyword-only, defaults, *args, **kwargs, nested commas', () => {
  const src = [
    'class H:',
    '    @staticmethod',
    '    def f(a, b: int = 1, /, c: dict[str, tuple[int, int]] = {"x": (1, 2)}, *args: int, d, e: "str | None" = None,',
    '          **kw) -> None:',
    '        pass',
    '',
    '    def method(self, *, x: float = 2.0, y):',
    '        pass',
    '',
  ].join('\n');
  const ours = parseClasses(src)[0].methods.map((m) => ({
    name: m.name,
    params: callableParams(m).map((p) => [p.name, p.kind, p.hasDefault]),
  }));
  const kinds = {
    POSITIONAL_ONLY: 'positional-only',
    POSITIONAL_OR_KEYWORD: 'positional',
    KEYWORD_ONLY: 'keyword-only',
    VAR_POSITIONAL: 'var-positional',
    VAR_KEYWORD: 'var-keyword',
  };
  const py = spawnSync(
    PYTHON,
    [
      '-c',
      [
        'import inspect, json, sys',
        'ns = {}',
        'exec(sys.stdin.read(), ns)',
        'out = []',
        'for name in ("f", "method"):',
        '    sig = inspect.signature(getattr(ns["H"], name) if name == "f" else ns["H"]().method)',
        '    out.append({"name": name, "params": [[p.name, p.kind.name, p.default is not p.empty] for p in sig.parameters.values()]})',
        'print(json.dumps(out))',
      ].join('\n'),
    ],
    { input: src, encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  const theirs = (JSON.parse(py.stdout) as { name: string; params: [string, keyof typeof kinds, boolean][] }[]).map((m) => ({
    name: m.name,
    params: m.params.map(([n, k, d]) => [n, kinds[k], d]),
  }));
  assert.deepEqual(ours, theirs);
  assert.equal(parseClasses(src)[0].methods[0].params[2].annotation, 'dict[str, tuple[int, int]]');
  assert.equal(parseClasses(src)[0].methods[0].returns, 'None');
});

test('golden test fits an existing helper with keyword-only num_inference_steps and passes model_config as real tests do', () => {
  const root = buildMfluxTree(tempDir(), []);
  lumenHelper(root);
  const plan = planGoldenTest(root, { model: 'lumen', steps: 6, seed: 3, modelConfig: 'lumen-distilled' });
  assert.deepEqual(plan.helper, {
    rel: 'tests/image_generation/helpers/image_generation_lumen_test_helper.py',
    cls: 'LumenGoldenHelper',
    existing: true,
  });
  assert.deepEqual(
    plan.files.map((f) => f.rel),
    ['tests/image_generation/test_generate_image_lumen.py'],
    'the existing helper is called, not rewritten',
  );
  assert.deepEqual(plan.call, [
    'reference_image_path="reference_lumen.png"',
    'output_image_path="output_lumen.png"',
    'model_config=ModelConfig.lumen_fast()',
    'prompt=PROMPT',
    'num_inference_steps=6',
    'seed=3',
    'height=512',
    'width=512',
  ]);
  apply(root, plan);
  const [res] = bindCheck(root, [plan.files[0].rel]);
  assert.equal(res.ok, true, res.error);
  assert.deepEqual(res.calls[0].bound, [
    'height',
    'model_config',
    'num_inference_steps',
    'output_image_path',
    'prompt',
    'reference_image_path',
    'seed',
    'width',
  ]);
  // The checker fails on the call the generator used to write (steps= into this helper).
  write(root, plan.files[0].rel, plan.files[0].contents.replace('num_inference_steps=6', 'steps=6'));
  const [old] = bindCheck(root, [plan.files[0].rel]);
  assert.equal(old.ok, false);
  assert.match(old.error!, /TypeError: .*steps/);
  assert.throws(
    () => planGoldenTest(root, { model: 'lumen', modelConfig: 'nope' }),
    /model_config\.py: no ModelConfig entry of lumen is named "nope" \(it has lumen, lumen-fast\)/,
  );
});

test('golden test leaves out defaults a helper does not take, and refuses a chosen setting it cannot pass', () => {
  const root = buildMfluxTree(tempDir(), []);
  brookHelper(root);
  const plan = planGoldenTest(root, { model: 'brook', quantize: 8 });
  assert.equal(
    plan.call.some((a) => a.startsWith('guidance=')),
    false,
  );
  assert.equal(
    plan.call.some((a) => a.startsWith('model_config=')),
    false,
    'brook has no ModelConfig entry and its helper no model_config',
  );
  apply(root, plan);
  const [res] = bindCheck(root, [plan.files[0].rel]);
  assert.equal(res.ok, true, res.error);
  assert.throws(
    () => planGoldenTest(root, { model: 'brook', guidance: 3.5, variant: 'cfg' }),
    /^Error: tests\/image_generation\/helpers\/image_generation_brook_test_helper\.py: BrookHelper\.assert_matches_reference_image has no parameter "guidance"/,
  );
});

test('golden test calls the shared helper an existing test uses, with model_class and model_config', () => {
  const root = buildMfluxTree(tempDir(), [config('vesper', 'vesper')]);
  vesperSharedHelper(root);
  const plan = planGoldenTest(root, { model: 'vesper', variant: 'night' });
  assert.equal(plan.helper.rel, 'tests/image_generation/helpers/image_generation_test_helper.py');
  assert.deepEqual(plan.call.slice(2, 4), ['model_class=Vesper', 'model_config=ModelConfig.vesper()']);
  assert.match(plan.files[0].contents, /^from mflux\.models\.vesper\.variants\.txt2img\.vesper import Vesper$/m);
  apply(root, plan);
  const [res] = bindCheck(root, [plan.files[0].rel]);
  assert.equal(res.ok, true, res.error);
  // A helper parameter the generator has no value for is refused with the file named.
  write(
    root,
    'tests/image_generation/helpers/image_generation_vesper_test_helper.py',
    'class VesperUpscaleHelper:\n    @staticmethod\n    def assert_matches_reference_image(reference_image_path, output_image_path, input_image_path, *, seed=1):\n        pass\n',
  );
  assert.throws(
    () => planGoldenTest(root, { model: 'vesper', variant: 'up' }),
    /image_generation_vesper_test_helper\.py: VesperUpscaleHelper\.assert_matches_reference_image requires "input_image_path"/,
  );
});

test('a new helper is written when none exists, its test binds, and a package with no text-to-image variant is refused', () => {
  const root = buildMfluxTree(tempDir(), []);
  lumenHelper(root);
  const plan = planGoldenTest(root, { model: 'orca' });
  assert.equal(plan.helper.existing, false);
  assert.deepEqual(
    plan.files.map((f) => f.rel),
    ['tests/image_generation/test_generate_image_orca.py', 'tests/image_generation/helpers/image_generation_orca_test_helper.py'],
  );
  write(root, 'src/mflux/models/orca/variants/txt2img/orca.py', 'class Orca:\n    pass\n');
  write(root, 'src/mflux/utils/image_compare.py', 'class ImageCompare:\n    pass\n');
  apply(root, plan);
  const [res] = bindCheck(root, [plan.files[0].rel]);
  assert.equal(res.ok, true, res.error);
  write(root, 'src/mflux/models/sonar/__init__.py', '');
  assert.throws(() => planGoldenTest(root, { model: 'sonar' }), /sonar\/variants\/ has no text-to-image variant class/);
});

test('Test Explorer listing: only image-comparing tests are golden, not the fast unit tests beside them', () => {
  const root = buildMfluxTree(tempDir(), [config('vesper', 'vesper')]);
  vesperSharedHelper(root);
  assert.deepEqual(
    listGoldenTests(root).map((c) => c.id),
    ['tests/image_generation/test_generate_image_vesper.py::TestVesper::test_vesper_golden'],
  );
  assert.deepEqual(
    listGoldenTests(root, 'vesper').map((c) => c.name),
    ['test_vesper_golden'],
  );
});
