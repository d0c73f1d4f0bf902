import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../helpers/python';
import { listGoldenTests, parseGoldenTests, planGoldenTest } from '../../../src/core/mflux/goldenTest';
import { buildMfluxTree, tempDir, write, Z_IMAGE } from './fixtures';
import { IMAGE_COMPARE_PY, NOVA_MODEL_PY } from '../../fixtures/goldenModel';

/** A model whose "generation" is a seeded NumPy image, and mflux's image rule written out from its description. */
function fakeModel(root: string): void {
  for (const p of [
    'src/mflux/__init__.py',
    'src/mflux/utils/__init__.py',
    'src/mflux/models/nova/__init__.py',
    'src/mflux/models/nova/variants/__init__.py',
    'src/mflux/models/nova/variants/txt2img/__init__.py',
    'tests/__init__.py',
    'tests/image_generation/__init__.py',
  ])
    write(root, p, '');
  write(root, 'src/mflux/models/nova/variants/txt2img/nova.py', NOVA_MODEL_PY);
  write(root, 'src/mflux/utils/image_compare.py', IMAGE_COMPARE_PY);
}

function pytest(root: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(root, 'src'), PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
}

test('golden test: generated files run under pytest, pass on the reference, fail on a different one, keep output only when asked', () => {
  const root = buildMfluxTree(tempDir(), [Z_IMAGE]);
  fakeModel(root);
  const plan = planGoldenTest(root, {
    model: 'nova',
    seed: 7,
    steps: 3,
    height: 64,
    width: 48,
    quantize: 8,
    prompt: 'a "quoted" prompt\nwith a newline',
  });
  assert.deepEqual(
    plan.files.map((f) => f.rel),
    [
      'tests/image_generation/test_generate_image_nova.py',
      'tests/image_generation/helpers/image_generation_nova_test_helper.py',
      'tests/image_generation/helpers/__init__.py',
    ],
  );
  for (const f of plan.files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.contents);
  }
  assert.match(plan.files[0].contents, /@pytest\.mark\.slow/);
  assert.match(plan.files[1].contents, /from mflux\.models\.nova\.variants\.txt2img\.nova import Nova/);
  // The reference: what the model produces for these settings, made independently here.
  const mk = (seed: number, out: string) =>
    spawnSync(PYTHON, [
      '-c',
      `import numpy as np; from PIL import Image; Image.fromarray(np.random.default_rng(${seed}).integers(0, 256, size=(64, 48, 3), dtype=np.uint8)).save(${JSON.stringify(out)})`,
    ]);
  mkdirSync(join(root, 'tests/resources'), { recursive: true });
  const ref = join(root, plan.referenceImage);
  const out = join(root, plan.outputImage);
  assert.equal(mk(7 + 3, ref).status, 0);

  const cases = listGoldenTests(root, 'nova');
  assert.deepEqual(
    cases.map((c) => [c.id, c.slow, c.referenceImage, c.outputImage]),
    [
      [
        'tests/image_generation/test_generate_image_nova.py::TestImageGeneratorNova::test_image_generation_nova',
        true,
        plan.referenceImage,
        plan.outputImage,
      ],
    ],
  );
  let r = pytest(root, [cases[0].id, '-m', 'slow']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(existsSync(out), false, 'output removed without MFLUX_PRESERVE_TEST_OUTPUT');
  r = pytest(root, [cases[0].id], { MFLUX_PRESERVE_TEST_OUTPUT: '1' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(existsSync(out), true, 'output kept with MFLUX_PRESERVE_TEST_OUTPUT=1');
  assert.equal(mk(999, ref).status, 0);
  r = pytest(root, [cases[0].id]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /doesn't match reference image/);

  const again = planGoldenTest(root, { model: 'nova' });
  assert.deepEqual(again.files, []);
  assert.deepEqual(again.skipped, ['tests/image_generation/test_generate_image_nova.py']);
  assert.equal(again.helper.existing, true, 'the helper written the first time is called, not written again');
  assert.equal(readFileSync(join(root, 'tests/image_generation/test_generate_image_nova.py'), 'utf8'), plan.files[0].contents);
});

test('golden test options are validated in one line', () => {
  const root = tempDir();
  assert.throws(() => planGoldenTest(root, { model: 'nova', height: 100 }), /height must be a multiple of 16/);
  assert.throws(() => planGoldenTest(root, { model: 'nova', quantize: 7 }), /quantize must be one of/);
  assert.throws(() => planGoldenTest(root, { model: 'nova', steps: 0 }), /steps must be an integer from 1/);
  assert.throws(() => planGoldenTest(root, { model: 'Nova!' }), /snake_case/);
  const v = planGoldenTest(root, { model: 'nova', variant: 'edit', mismatchThreshold: 0.25 });
  assert.equal(v.files[0].rel, 'tests/image_generation/test_generate_image_nova_edit.py');
  assert.match(v.files[0].contents, /class TestImageGeneratorNovaEdit:/);
  assert.match(v.files[0].contents, /mismatch_threshold=0\.25,/);
});

test('test discovery: classes, module-level tests, decorators, several per file', () => {
  const text = [
    'import pytest',
    '',
    '',
    'class TestA:',
    '    @pytest.mark.slow',
    '    def test_one(self):',
    '        helper(reference_image_path="reference_a.png", output_image_path="output_a.png")',
    '',
    '    @pytest.mark.slow',
    '    @pytest.mark.parametrize("x", [1])',
    '    def test_two(self, x):',
    '        pass',
    '',
    '',
    'def test_module_level():',
    '    pass',
    '',
  ].join('\n');
  const cases = parseGoldenTests('tests/image_generation/test_generate_image_a.py', '/r/t.py', text);
  assert.deepEqual(
    cases.map((c) => [c.id.split('::').slice(1).join('::'), c.line, c.slow]),
    [
      ['TestA::test_one', 6, true],
      ['TestA::test_two', 11, true],
      ['test_module_level', 15, false],
    ],
  );
  assert.equal(cases[0].referenceImage, 'tests/resources/reference_a.png');
});

test('README tests section: appended once, after the last line', async () => {
  const { readmeTestsInsertion } = await import('../../../src/core/mflux/goldenTest');
  const root = tempDir();
  assert.equal(readmeTestsInsertion(root, 'nova', 'cmd'), undefined, 'no README, no edit');
  write(root, 'src/mflux/models/nova/README.md', '# Nova\n\nText.\n');
  const ins = readmeTestsInsertion(root, 'nova', 'pytest tests/image_generation/test_generate_image_nova.py')!;
  // Insert as the editor does: at the start of line `ins.line`.
  const before = '# Nova\n\nText.\n';
  const offset = before
    .split('\n')
    .slice(0, ins.line)
    .reduce((n, l) => n + l.length + 1, 0);
  const after = before.slice(0, offset) + ins.text + before.slice(offset);
  assert.equal(
    after,
    '# Nova\n\nText.\n\n## Tests\n\nGolden image test (slow):\n\n```sh\npytest tests/image_generation/test_generate_image_nova.py\n```\n',
  );
  write(root, 'src/mflux/models/nova/README.md', after);
  assert.equal(readmeTestsInsertion(root, 'nova', 'x'), undefined, 'already mentioned');
});
