// Coverage on the conventions real finished mflux ports use (test/unit/mflux/py/make_conventions_fixture.py):
// range() and integer-list loops, a tensor missing from one layer of six, a block beyond the
// mapping's range, a direct-load component with prefix filters, a lambda getter, two variant
// classes in one definition file with another prefix than the package, an alias-only ModelConfig entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, ensureGenerated, readExpected } from '../../helpers/python';
import { computeCoverage } from '../../../src/core/mflux/coverage';
import { modelRepoId, staticCoverage } from '../../../src/core/mflux/coverageReport';
import { componentLine, coverageDiagnostics, coverageMarkdown, summaryLine, verdictOf } from '../../../src/core/mflux/coverageText';
import { readWeightDefinition } from '../../../src/core/mflux/definitionStatic';
import { findSnapshot } from '../../../src/core/mflux/hfCache';

interface Mapped {
  direct: false;
  total: number;
  targets: number;
  unmapped: string[];
  unmatched_required: string[];
  near_keys: Record<string, string>;
  ignored: string[];
  block_misses: { pattern: string; blocks: string[]; keys: string[] }[];
  num_layers: number;
}
interface Expected {
  components: Record<string, Mapped | { direct: true; total: number; filtered_out: number }>;
  mapping_file: string;
  typo_line: number;
  repo_id: string;
}

const dir = ensureGenerated('mflux-conventions', 'test/unit/mflux/py/make_conventions_fixture.py');
const expected = readExpected<Expected>(dir);
const root = join(dir, 'repo');
const hub = join(dir, 'hub');

test('the repo id is found through an alias written over several lines; only the first definition class is read', () => {
  assert.equal(modelRepoId(root, 'orbit'), expected.repo_id);
  const def = readWeightDefinition(join(root, 'src/mflux/models/orbit/weights/orb_weight_definition.py'), root);
  assert.deepEqual(
    def.components.map((c) => [c.name, c.hfSubdir, c.getter ?? null, c.prefixFilters ?? null]),
    [
      ['transformer', 'transformer', 'OrbWeightMapping.get_transformer_mapping', null],
      ['vae', 'vae', 'OrbWeightMapping.get_vae_mapping', null],
      ['text_encoder', 'text_encoder', null, ['language_model.']],
    ],
  );
  // As many targets as Python builds: range(2) and [0, 2] loops written out, the lambda's range(3), `if b > 0`.
  for (const c of def.components.filter((x) => x.getter))
    assert.equal(c.mapping!.targets.length, (expected.components[c.name] as Mapped).targets, c.name);
  assert.deepEqual(def.unresolved, []);
});

test('coverage: keys beyond a range are not consumed, a tensor missing from one layer is named with its layer, direct load is its own verdict', async () => {
  const snap = findSnapshot(hub, expected.repo_id)!;
  const r = await staticCoverage(root, 'orbit', snap.dir);
  assert.deepEqual(
    r.components.map((c) => c.name),
    Object.keys(expected.components),
  );
  for (const c of r.components) {
    const e = expected.components[c.name];
    assert.equal(c.totalKeys, e.total, c.name);
    if (e.direct) {
      assert.equal(verdictOf(c), 'direct');
      assert.equal(c.filteredOut, e.filtered_out);
      assert.deepEqual(c.unmappedKeys, []);
      assert.equal(
        componentLine(c),
        `${c.name}: direct load (no mapping), ${e.total} key(s) loaded under their own names (1 more outside weight_prefix_filters, not loaded)`,
      );
      continue;
    }
    assert.deepEqual(c.unmappedKeys, e.unmapped, `${c.name} unmapped`);
    assert.deepEqual(
      c.unmatchedPatterns.map((p) => p.pattern),
      e.unmatched_required,
      `${c.name} unmatched`,
    );
    assert.deepEqual(
      Object.fromEntries(c.unmatchedPatterns.filter((p) => p.nearKey).map((p) => [p.pattern, p.nearKey])),
      e.near_keys,
      `${c.name} typos`,
    );
    assert.deepEqual(c.ignoredKeys, e.ignored, `${c.name} not weights`);
    assert.deepEqual(
      c.blockMisses.map((p) => ({ pattern: p.pattern, blocks: p.blocks, keys: p.keys })),
      e.block_misses,
      `${c.name} block misses`,
    );
    assert.equal(c.counts.numLayers, e.num_layers);
  }
  const tr = r.components.find((c) => c.name === 'transformer')!;
  assert.ok(tr.unmappedKeys.includes('refiners.2.attn.qkv.weight'), 'a block beyond range(2) is never loaded');
  assert.deepEqual(tr.blockMisses[0].blocks, ['5']);
  assert.deepEqual(expected.components.transformer.direct ? {} : (expected.components.transformer as Mapped).near_keys, {
    'final.proj.biass': 'final.proj.bias',
  });
  assert.deepEqual((expected.components.vae as Mapped).ignored, ['bn.num_batches_tracked']);
  assert.deepEqual(
    r.components.map((c) => verdictOf(c)),
    ['broken', 'incomplete', 'direct'],
  );
  // The skip projection only layer 0 has is how the model is built: not a gap.
  assert.ok(!tr.blockMisses.some((p) => p.pattern.includes('skip')));
});

test('report wording: each section says what its lists show, the summary adds up the lists, a typo is an error', async () => {
  const snap = findSnapshot(hub, expected.repo_id)!;
  const r = await staticCoverage(root, 'orbit', snap.dir);
  const md = coverageMarkdown(r, root);
  for (const section of md.split('\n## ').slice(1)) {
    const name = section.split(' ')[0];
    const lists = /^### /m.test(section);
    if (lists) assert.doesNotMatch(section, /Every checkpoint key is consumed/, name);
    if (name === 'text_encoder') assert.match(section, /direct load \(no mapping\)/);
    assert.doesNotMatch(section, /0\/\d+ keys consumed/, name);
  }
  const mapped = Object.values(expected.components).filter((e): e is Mapped => !e.direct);
  const total = (f: (e: Mapped) => number) => mapped.reduce((n, e) => n + f(e), 0);
  assert.equal(
    summaryLine(r),
    `0 of 2 mapped component(s) complete; ${total((e) => e.unmapped.length)} checkpoint key(s) not consumed; ${total((e) => e.unmatched_required.length)} required target(s) matching no key (${total((e) => Object.keys(e.near_keys).length)} look like typos); ${total((e) => e.block_misses.length)} missing in some blocks; 1 component(s) loaded without a mapping or from a URL`,
  );
  assert.ok(md.includes(`**Summary: ${summaryLine(r)}.**`));
  const diags = coverageDiagnostics(r);
  const mapFile = join(root, expected.mapping_file);
  const typo = diags.find((d) => d.message.includes('final.proj.biass'))!;
  assert.deepEqual([typo.file, typo.line, typo.severity], [mapFile, expected.typo_line, 'error']);
  assert.match(typo.message, /typo\? the checkpoint has "final\.proj\.bias"/);
  // A tensor the checkpoint lacks entirely is a warning: a dead entry, or a weight the MLX module lacks too.
  assert.equal(diags.find((d) => d.message.includes('"final.gate.weight"'))!.severity, 'warning');
  assert.ok(diags.some((d) => d.severity === 'error' && /missing in block 5 \(layers\.5\.mlp\.down\.weight/.test(d.message)));
  assert.ok(diags.filter((d) => /not consumed/.test(d.message)).every((d) => d.severity === 'warning'));
});

test('CLI: the repo id from the alias, a direct-load line instead of "0/2 keys consumed", exit 1 on the gaps', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), 'coverage', root, 'orbit'], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_CACHE: hub },
  });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(
    lines.includes(
      'text_encoder: direct load (no mapping), 2 key(s) loaded under their own names (1 more outside weight_prefix_filters, not loaded)',
    ),
  );
  assert.ok(!/\b0\/\d+ keys consumed/.test(r.stdout), r.stdout);
  assert.ok(lines.some((l) => /^ {2}missing {3}layers\.\{layer\}\.mlp\.down\.weight in block 5 /.test(l)));
  assert.ok(lines.includes('  unmapped  refiners.2.attn.qkv.weight'));
  assert.ok(lines.some((l) => l.startsWith('  typo?    final.proj.biass (the checkpoint has final.proj.bias)  (')));
  assert.ok(lines.some((l) => l.startsWith('  no key   final.gate.weight  (')));
});

test('mflux expansion rules: {i} is 0 and 1, {res} only in up_block patterns, visual.blocks 32, num_blocks detected from transformer_blocks keys', () => {
  const keys: string[] = [];
  for (let b = 0; b < 6; b++) keys.push(`transformer_blocks.${b}.w`);
  keys.push('single_transformer_blocks.7.w', 'mid.2.w', 'up_blocks.0.resnets.2.w', 'down.res.1.w');
  for (let b = 0; b < 33; b++) keys.push(`visual.blocks.${b}.w`);
  const cov = computeCoverage({
    name: 't',
    keys,
    targets: [
      { to: 'tb.{block}.w', from: ['transformer_blocks.{block}.w'], required: true },
      { to: 'stb.{block}.w', from: ['single_transformer_blocks.{block}.w'], required: false },
      { to: 'mid.{i}.w', from: ['mid.{i}.w'], required: false },
      { to: 'up.{res}.w', from: ['up_blocks.0.resnets.{res}.w'], required: true },
      { to: 'down.{res}.w', from: ['down.res.{res}.w'], required: true },
      { to: 'v.{block}.w', from: ['visual.blocks.{block}.w'], required: true },
    ],
  });
  // num_blocks = highest transformer_blocks number + 1 = 8 (single_transformer_blocks.7 counts too).
  assert.equal(cov.counts.numBlocks, 8);
  assert.deepEqual(cov.unmappedKeys, ['mid.2.w', 'down.res.1.w', 'visual.blocks.32.w']);
  assert.deepEqual(
    cov.unmatchedPatterns.map((p) => p.pattern),
    ['down.res.{res}.w'],
  );
  // transformer_blocks 6 and 7 are expanded but no other tensor of that group has them: no gap.
  assert.deepEqual(cov.blockMisses, []);
});
