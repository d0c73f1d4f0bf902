import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON, REPO_ROOT, ensureGenerated, readExpected } from '../../helpers/python';
import { collapseKeys, computeCoverage, rangeText } from '../../../src/core/mflux/coverage';
import { findSnapshot, readComponentTensors } from '../../../src/core/mflux/hfCache';
import { dumpMapping, dumpTargets, moduleNameOf, parseDump } from '../../../src/core/mflux/mappingDump';
import { readWeightDefinition } from '../../../src/core/mflux/definitionStatic';
import { readMappingFile } from '../../../src/core/mflux/mappingStatic';

interface Expected {
  full: Record<
    string,
    {
      total: number;
      unmapped: string[];
      unmatched_required: string[];
      unmatched_optional: string[];
      unmatched_required_concrete: string[];
      unmatched_optional_concrete: string[];
      targets: number;
    }
  >;
  static: Expected['full'];
  computed_line: number;
  revision: string;
}

const dir = ensureGenerated('mflux-coverage', 'test/unit/mflux/py/make_coverage_fixture.py');
const expected = readExpected<Expected>(dir);
const root = join(dir, 'repo');
const defFile = join(root, 'src/mflux/models/nova/weights/nova_weight_definition.py');
const mapFile = join(root, 'src/mflux/models/nova/weights/nova_weight_mapping.py');
const sorted = (a: readonly string[]) => [...a].sort();

test('static reader + coverage: exactly the unmapped keys and unmatched patterns, per component', async () => {
  const snap = findSnapshot(join(dir, 'hub'), 'acme/Nova-1');
  assert.ok(snap);
  assert.equal(snap.revision, expected.revision);
  const def = readWeightDefinition(defFile, root);
  assert.deepEqual(
    def.components.map((c) => [c.name, c.hfSubdir, c.numBlocks, c.numLayers]),
    [
      ['vae', 'vae', undefined, undefined],
      ['transformer', 'transformer', 4, undefined],
      ['text_encoder', 'text_encoder', undefined, 2],
    ],
  );
  for (const c of def.components) {
    const keys = await readComponentTensors(join(snap.dir, c.hfSubdir));
    assert.deepEqual(keys.errors, []);
    const cov = computeCoverage({
      name: c.name,
      keys: keys.keys,
      targets: c.mapping!.targets,
      numBlocks: c.numBlocks,
      numLayers: c.numLayers,
    });
    const e = expected.static[c.name];
    assert.equal(cov.totalKeys, e.total, c.name);
    assert.equal(cov.targetCount, e.targets, `${c.name} targets`);
    assert.deepEqual(sorted(cov.unmappedKeys), sorted(e.unmapped), `${c.name} unmapped`);
    assert.deepEqual(sorted(cov.unmatchedPatterns.map((p) => p.pattern)), sorted(e.unmatched_required), `${c.name} unmatched`);
    assert.deepEqual(sorted(cov.unmatchedOptional.map((p) => p.pattern)), sorted(e.unmatched_optional), `${c.name} optional`);
    assert.equal(cov.consumedKeys, e.total - e.unmapped.length);
  }
  // The one target the static reader cannot evaluate is reported at its line, and only it.
  const mapUnresolved = def.unresolved.filter((u) => u.file === mapFile);
  assert.ok(mapUnresolved.length >= 1);
  assert.deepEqual([...new Set(mapUnresolved.map((u) => u.line))], [expected.computed_line], JSON.stringify(def.unresolved));
});

test('unmatched patterns point at the WeightTarget line of the mapping file', () => {
  const m = readMappingFile(mapFile, root);
  const lines = readFileSync(mapFile, 'utf8').split('\n');
  const tr = m.getters.find((g) => g.name === 'get_transformer_mapping')!;
  const typo = tr.targets.find((t) => t.from[0] === 'proj_out.biass')!;
  assert.match(lines[typo.line - 1], /WeightTarget\(to_pattern="proj_out\.bias"/);
  // Helpers with literal arguments and loops over literal lists expand.
  assert.deepEqual(sorted(tr.targets.filter((t) => t.to.includes('.attn.to_')).map((t) => t.from[0])), [
    'transformer_blocks.{block}.attn.to_k.bias',
    'transformer_blocks.{block}.attn.to_k.weight',
    'transformer_blocks.{block}.attn.to_q.bias',
    'transformer_blocks.{block}.attn.to_q.weight',
  ]);
  assert.equal(tr.targets.find((t) => t.to.startsWith('single.'))!.maxBlocks, 2);
});

test('dump script (run with a Python that has the mapping importable) gives the exact coverage mflux would see', async () => {
  const script = join(REPO_ROOT, 'python/mflux_port_tools/dump_mapping.py');
  const comps = await dumpMapping(root, defFile, {
    python: PYTHON,
    script,
    env: { PYTHONPATH: join(dir, 'mlxshim'), PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.equal(moduleNameOf(root, defFile), 'mflux.models.nova.weights.nova_weight_definition');
  const snap = findSnapshot(join(dir, 'hub'), 'acme/Nova-1')!;
  for (const c of comps) {
    const keys = await readComponentTensors(join(snap.dir, c.hfSubdir));
    // The dump gives the patterns as Python built them; coverage expands them against the checkpoint, as mflux does when loading.
    const cov = computeCoverage({ name: c.name, keys: keys.keys, targets: dumpTargets(c), numBlocks: c.numBlocks, numLayers: c.numLayers });
    const e = expected.full[c.name];
    assert.equal(c.targets.length, e.targets, `${c.name} targets`);
    assert.deepEqual(sorted(cov.unmappedKeys), sorted(e.unmapped), `${c.name} unmapped`);
    assert.deepEqual(sorted(cov.unmatchedPatterns.map((p) => p.pattern)), sorted(e.unmatched_required), `${c.name} unmatched`);
    assert.deepEqual(sorted(cov.unmatchedOptional.map((p) => p.pattern)), sorted(e.unmatched_optional), `${c.name} optional`);
  }
});

test('dump script failures are one line: missing MLX, bad output', async () => {
  const script = join(REPO_ROOT, 'python/mflux_port_tools/dump_mapping.py');
  await assert.rejects(
    dumpMapping(root, defFile, { python: PYTHON, script, env: { PYTHONPATH: '' } }),
    (e: Error) => /cannot import mlx .*port's environment/.test(e.message) && !e.message.includes('\n'),
  );
  assert.throws(() => parseDump('Traceback...'), /output is not JSON/);
  assert.throws(() => parseDump('{"components": [{"name": 1}]}'), /component 0 is malformed/);
  const r = spawnSync(PYTHON, [script], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
});

test("placeholders expand as mflux's loader does: repeated names agree, {i} is 0 and 1, {layer} stops at num_layers", () => {
  const keys = ['a.0.b.0.w', 'a.0.b.1.w', 'a.1.b.1.w', 'blk1_x.w', 'blk3_x.w', 'l.5.w', 'l.6.w'];
  const cov = computeCoverage({
    name: 't',
    keys,
    numLayers: 6,
    targets: [
      { to: 'x.{block}', from: ['a.{block}.b.{block}.w'], required: true },
      { to: 'y', from: ['blk{i}_x.w'], required: true },
      { to: 'z', from: ['l.{layer}.w'], required: true },
    ],
  });
  // blk3_x.w: mflux expands {i} to 0 and 1 only, so it never loads block 3.
  assert.deepEqual(cov.unmappedKeys, ['a.0.b.1.w', 'blk3_x.w', 'l.6.w']);
  assert.equal(rangeText([0, 1, 2, 3, 7]), '{0..3,7}');
  assert.deepEqual(collapseKeys(['b.0.w', 'b.1.w', 'b.2.w', 'c']), ['b.{0..2}.w', 'c']);
});

test('port coverage report: Markdown lists exactly the unmapped keys; diagnostics land on the mapping lines', async () => {
  const { staticCoverage } = await import('../../../src/core/mflux/coverageReport');
  const { coverageMarkdown, coverageDiagnostics } = await import('../../../src/core/mflux/coverageText');
  const snap = findSnapshot(join(dir, 'hub'), 'acme/Nova-1')!;
  const r = await staticCoverage(root, 'nova', snap.dir);
  const md = coverageMarkdown(r, root);
  assert.match(md, /\| transformer \| mapping \| 45 \| 29 \| 16 \| 1 \| 0 \|/);
  // The transformer's unmapped keys, collapsed by block, exactly.
  const block = md.split('## transformer')[1].split('```')[1].trim().split('\n');
  assert.deepEqual(block.sort(), [
    'pos_embed.freqs',
    'proj_out.bias',
    'single_transformer_blocks.{0..1}.norm.linear.weight',
    'transformer_blocks.{0..3}.attn.to_v.bias',
    'transformer_blocks.{0..3}.attn.to_v.weight',
    'transformer_blocks.{0..3}.norm1.linear.weight',
  ]);
  assert.match(md, new RegExp(`src/mflux/models/nova/weights/nova_weight_mapping.py:${expected.computed_line}: `));
  const diags = coverageDiagnostics(r);
  const lines = readFileSync(mapFile, 'utf8').split('\n');
  const typo = diags.find((d) => d.message.includes('proj_out.biass'))!;
  assert.equal(typo.file, mapFile);
  assert.match(lines[typo.line - 1], /proj_out\.biass/);
  const summary = diags.find((d) => d.message.startsWith('transformer: 16 of 45'))!;
  assert.match(lines[summary.line - 1], /def get_transformer_mapping/);
  assert.ok(diags.some((d) => d.severity === 'info' && d.line === expected.computed_line));
  await assert.rejects(staticCoverage(root, 'missing', snap.dir), /weights\/missing_weight_definition\.py does not exist/);
});
