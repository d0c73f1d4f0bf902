import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureGenerated, readExpected } from '../../helpers/python';
import {
  findSnapshot,
  listComponents,
  listRepos,
  listSnapshots,
  locateHfCache,
  readComponentTensors,
} from '../../../src/core/mflux/hfCache';
import { buildTensorTree, flattenTree, formatBytes, formatCount, type TreeNode } from '../../../src/core/mflux/tensorTree';
import { tempDir } from './fixtures';

const dir = ensureGenerated('mflux-coverage', 'test/unit/mflux/py/make_coverage_fixture.py');
const expected = readExpected<{
  revision: string;
  params: Record<string, number>;
  tensors: Record<string, Record<string, { shape: number[]; dtype: string }>>;
}>(dir);

test('cache location follows huggingface_hub precedence', () => {
  assert.deepEqual(locateHfCache({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }, '/home/u'), { dir: '/a', source: 'HF_HUB_CACHE', exists: false });
  assert.equal(locateHfCache({ HF_HOME: '/b' }, '/home/u').dir, '/b/hub');
  assert.equal(locateHfCache({ XDG_CACHE_HOME: '/x' }, '/home/u').dir, '/x/huggingface/hub');
  assert.equal(locateHfCache({}, '/home/u').dir, '/home/u/.cache/huggingface/hub');
  assert.equal(locateHfCache({ HF_HUB_CACHE: '/a' }, '/home/u', '~/hf').dir, '/home/u/hf');
  assert.equal(locateHfCache({ HF_HUB_CACHE: join(dir, 'hub') }).exists, true);
});

test('repos → snapshots → components → files through symlinked blobs, sharded index included', async () => {
  const hub = join(dir, 'hub');
  const repos = listRepos(hub);
  assert.deepEqual(
    repos.map((r) => [r.id, r.kind, r.refs]),
    [['acme/Nova-1', 'model', { main: expected.revision }]],
  );
  const snaps = listSnapshots(repos[0]);
  assert.deepEqual(
    snaps.map((s) => [s.revision, s.refs]),
    [[expected.revision, ['main']]],
  );
  const comps = listComponents(snaps[0].dir);
  assert.deepEqual(
    comps.map((c) => c.name),
    ['text_encoder', 'transformer', 'vae'],
  );
  const tr = comps.find((c) => c.name === 'transformer')!;
  assert.deepEqual(
    tr.files.map((f) => [f.name, f.kind, f.broken]),
    [
      ['config.json', 'config', false],
      ['diffusion_pytorch_model-00001-of-00002.safetensors', 'safetensors', false],
      ['diffusion_pytorch_model-00002-of-00002.safetensors', 'safetensors', false],
      ['diffusion_pytorch_model.safetensors.index.json', 'index', false],
    ],
  );
  assert.ok(realpathSync(tr.files[1].path).includes('/blobs/'), 'files are links into blobs/');
  for (const name of ['transformer', 'vae', 'text_encoder']) {
    const t = await readComponentTensors(join(snaps[0].dir, name));
    assert.deepEqual(t.errors, []);
    assert.deepEqual(t.missingShards, []);
    assert.equal(t.params, expected.params[name], `${name} params`);
    const want = expected.tensors[name];
    assert.deepEqual(t.keys.slice().sort(), Object.keys(want).sort());
    for (const info of t.tensors) assert.deepEqual([info.shape, info.dtype], [want[info.name].shape, want[info.name].dtype], info.name);
    assert.equal(t.bytes, expected.params[name] * 4);
  }
});

test('an incomplete download: dangling shard links are reported, index keys still count', async () => {
  const hub = tempDir('hub-');
  const snap = join(hub, 'models--acme--Half', 'snapshots', 'abc');
  mkdirSync(join(snap, 'transformer'), { recursive: true });
  mkdirSync(join(hub, 'models--acme--Half', 'refs'), { recursive: true });
  writeFileSync(join(hub, 'models--acme--Half', 'refs', 'main'), 'abc');
  const src = join(dir, 'hub/models--acme--Nova-1/snapshots', expected.revision, 'transformer');
  const index = JSON.parse(readFileSync(join(src, 'diffusion_pytorch_model.safetensors.index.json'), 'utf8'));
  writeFileSync(join(snap, 'transformer', 'diffusion_pytorch_model.safetensors.index.json'), JSON.stringify(index));
  symlinkSync(
    realpathSync(join(src, 'diffusion_pytorch_model-00001-of-00002.safetensors')),
    join(snap, 'transformer', 'diffusion_pytorch_model-00001-of-00002.safetensors'),
  );
  symlinkSync('../../../blobs/does-not-exist', join(snap, 'transformer', 'diffusion_pytorch_model-00002-of-00002.safetensors'));
  assert.equal(findSnapshot(hub, 'acme/Half')!.revision, 'abc');
  const files = listComponents(snap)[0].files;
  assert.deepEqual(
    files.map((f) => [f.name, f.broken]),
    [
      ['diffusion_pytorch_model-00001-of-00002.safetensors', false],
      ['diffusion_pytorch_model-00002-of-00002.safetensors', true],
      ['diffusion_pytorch_model.safetensors.index.json', false],
    ],
  );
  const t = await readComponentTensors(join(snap, 'transformer'));
  assert.deepEqual(t.missingShards, ['diffusion_pytorch_model-00002-of-00002.safetensors']);
  assert.equal(t.keys.length, Object.keys(index.weight_map).length, 'keys of the missing shard come from the index');
  assert.ok(t.tensors.length < t.keys.length);
  writeFileSync(join(snap, 'transformer', 'bad.safetensors'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
  const bad = await readComponentTensors(join(snap, 'transformer'));
  assert.equal(bad.errors.length, 1);
  assert.match(bad.errors[0], /bad\.safetensors: /);
  assert.ok(!bad.errors[0].includes('\n'));
});

test('tensor tree: dotted prefixes, repeated blocks collapsed, totals per node', async () => {
  const snap = join(dir, 'hub/models--acme--Nova-1/snapshots', expected.revision);
  const t = await readComponentTensors(join(snap, 'transformer'));
  const tree = buildTensorTree(t.tensors, 'transformer');
  assert.equal(tree.params, expected.params.transformer);
  assert.equal(tree.tensorCount, Object.keys(expected.tensors.transformer).length);
  const find = (n: TreeNode, path: string): TreeNode | undefined =>
    n.path === path ? n : n.children.map((c) => find(c, path)).find(Boolean);
  const blocks = find(tree, 'transformer_blocks.{0..3}')!;
  assert.ok(blocks, tree.children.map((c) => c.path).join(' '));
  assert.deepEqual(blocks.indices, [0, 1, 2, 3]);
  const perBlock = Object.entries(expected.tensors.transformer).filter(([k]) => k.startsWith('transformer_blocks.0.'));
  assert.equal(blocks.tensorCount, perBlock.length * 4);
  const blockParams = Object.entries(expected.tensors.transformer)
    .filter(([k]) => k.startsWith('transformer_blocks.'))
    .reduce((s, [, v]) => s + v.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(blocks.params, blockParams);
  const q = find(tree, 'transformer_blocks.{0..3}.attn.to_q.weight')!;
  assert.deepEqual(q.tensor!.shape, [8, 8]);
  assert.ok(find(tree, 'single_transformer_blocks.{0..1}'));
  // Leaves shown: one block's tensors, the 5 top-level tensors, and one single block's 2 tensors.
  assert.equal(flattenTree(tree).length, perBlock.length + 5 + 2);
});

test('blocks with different contents are not merged; shape differences are flagged', () => {
  const leaf = (name: string, shape: number[]) => ({
    name,
    dtype: 'F32' as const,
    shape,
    numel: shape.reduce((a, b) => a * b, 1),
    byteLength: 4 * shape.reduce((a, b) => a * b, 1),
  });
  const tree = buildTensorTree([
    leaf('b.0.w', [2, 2]),
    leaf('b.1.w', [2, 2]),
    leaf('b.2.w', [3, 2]),
    leaf('b.3.w', [2, 2]),
    leaf('b.3.extra', [1]),
    leaf('b.10.w', [2, 2]),
  ]);
  const b = tree.children[0];
  assert.deepEqual(
    b.children.map((c) => c.label),
    ['{0..2}', '3', '10'],
  );
  assert.equal(b.children[0].children[0].shapeVaries, true);
  assert.equal(b.children[0].params, 4 + 4 + 6);
  assert.equal(formatCount(1_234_567), '1.23M');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
});
